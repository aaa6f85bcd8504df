"""Reports of plans with months and quarters: every measure, table and chart keyed by the period label
in time order, the money measures exact for sub-year periods, the build timeline, the time to each
target and the value of compute; yearly reports (and run folders from before periods) unchanged.

The sub-year case: one grid campus, discount rate 8%, periods 2026-01 … 2026-06 (months), 2026Q3,
2026Q4 (quarters) and 2027 (a year). The utility energises 2 MW from January and 20 MW from July;
targets ask for 4 h100e in 2026-03, 12 in 2026Q3 and 20 in 2027 (1 MW per h100e, PUE 1), so the
plan is forced:

    2026-03  campus ($1M, 20 years) and 4 GPUs ($1M, 5 years); 2 MW from the grid and 2 MW of rented
             mobile gas (rent $30/kW-month, mobilisation $50/kW once, 11 MMBtu/MWh at $3)
    2026Q3   8 more GPUs; the grid carries 12 MW, the mobile gas is returned
    2027     8 more GPUs; the grid carries 20 MW

Cash capex is what a period pays; annual costs, energy and emissions are rates per year; the discount
weight of a period of L years starting t years in is d = L · 1.08^−t (a month 1/12 · 1.08^−t), of 2027
1.08^−1, and npv_usd = d · usd.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from helpers import GAS, GPU, SITE, row, write_case
from optimizer.pipeline import run_config
from optimizer.report import charts
from optimizer.report.compare import compare_runs, comparison_table
from optimizer.report.metrics import (NOT_ENERGY_CATEGORIES, discount_factors, headline, money_by_period,
                                      money_cards, money_measures, schedule)
from optimizer.report.run_data import RunData, in_time_order, read_run
from optimizer.report.writer import build_report

RATE = 0.08
EXACT = {"rel": 1e-9}
SOLVED = {"rel": 1e-6}          # values the solver found (LP tolerances)
PERIODS = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026Q3", "2026Q4", "2027"]
START_MONTH = dict(zip(PERIODS, [0, 1, 2, 3, 4, 5, 6, 9, 12]))
YEARS_LONG = dict(zip(PERIODS, [1 / 12] * 6 + [0.25, 0.25, 1.0]))
HOURS = 8760


def crf(rate: float, years: int) -> float:
    return rate / (1 - (1 + rate) ** -years)


def factor(period: str) -> float:
    """d_y of the case: length in years · 1.08^−(years from 2026-01 to the period's start)."""
    return YEARS_LONG[period] * (1 + RATE) ** -(START_MONTH[period] / 12)


SITE_USD, GPU_USD, RENT, MOBILISE, HEAT_RATE, GAS_USD, GRID_USD = 1e6, 1e6, 30.0, 50.0, 11.0, 3.0, 50.0
GPUS = dict(zip(PERIODS, [0, 0, 4, 4, 4, 4, 12, 12, 20]))               # GPUs (= MW of IT) in service
CASH = dict(zip(PERIODS, [0, 0, SITE_USD + 4 * GPU_USD, 0, 0, 0, 8 * GPU_USD, 0, 8 * GPU_USD]))


def energy_rates(p: str) -> float:
    """USD per year of power in period p: rent, fuel and grid energy, plus the mobilisation fee of
    2026-03 ($100,000 once, as a rate over one month: 12 · 100,000)."""
    if GPUS[p] == 0:
        return 0.0
    if GPUS[p] == 4:                           # 2 MW grid + 2 MW rented gas
        rent = 12 * RENT * 2000
        fuel = 2 * HOURS * HEAT_RATE * GAS_USD
        mobilise = 12 * MOBILISE * 2000 if p == "2026-03" else 0.0
        return rent + fuel + 2 * HOURS * GRID_USD + mobilise
    return GPUS[p] * HOURS * GRID_USD


def annual_rate(p: str) -> float:
    """Every annual cost of period p per year: the site's and the GPUs' annuities plus power."""
    if GPUS[p] == 0:
        return 0.0
    return SITE_USD * crf(RATE, 20) + GPUS[p] * GPU_USD * crf(RATE, 5) + energy_rates(p)


def case_config(periods: bool = True, value: float | None = None) -> dict:
    horizon = {"first_year": 2026, "last_year": 2027, "discount_rate": RATE}
    if periods:
        horizon["periods"] = [{"step": "month", "until": "2026-06"}, {"step": "quarter", "until": "2026-12"}]
    config = {"name": "months" if periods else "years", "description": "Months, quarters, a year.",
              "horizon": horizon,
              "targets": {"compute_h100e": {"2026-03": 4, "2026Q3": 12, 2027: 20} if periods else {2026: 4, 2027: 20}},
              "grid": {"energised_mw": {"A": {"2026-01": 2, "2026-07": 20} if periods else {2026: 2, 2027: 20}}}}
    if value is not None:
        config["objective"] = {"value_usd_per_h100e_month": value}
    return config


def solve_case(folder: Path, config: dict) -> Path:
    site = row(SITE, grid_existing_mw=20.0, site_capex_usd=SITE_USD, lifetime_years=20, gas_permit_mw=10.0)
    mobile = row(GAS, tech_id="gas_mobile", name="mobile gas turbine", capex_usd_per_kw=MOBILISE,
                 heat_rate_btu_per_kwh=HEAT_RATE * 1000, fuel_price_usd_per_mmbtu=GAS_USD, lifetime_years=5,
                 rented=True, rental_usd_per_kw_month=RENT)
    gpu = row(GPU, price_usd_per_unit=GPU_USD, lifetime_years=5)
    path = write_case(folder / "case", config, sites=[site], techs=[mobile], gpus=[gpu])
    outcome = run_config(path, out=folder / "run")
    assert outcome.solution.status == "optimal"
    return outcome.out_dir


@pytest.fixture(scope="module")
def sub_year(tmp_path_factory) -> Path:
    return solve_case(tmp_path_factory.mktemp("months"), case_config())


@pytest.fixture(scope="module")
def yearly(tmp_path_factory) -> Path:
    return solve_case(tmp_path_factory.mktemp("years"), case_config(periods=False))


@pytest.fixture(scope="module")
def valued(tmp_path_factory) -> Path:
    return solve_case(tmp_path_factory.mktemp("valued"), case_config(value=1000.0))


def measures_of(folder: Path) -> dict:
    run = read_run(folder)
    return money_measures(run.table("costs"), run.table("gpus"), run.table("emissions"), run.table("site_power"))


# --- time order of labels -----------------------------------------------------------------------------------

def test_labels_are_ordered_by_time_not_alphabetically():
    labels = ["2025", "2024-07", "2024Q2", "2024-12", "2024Q1"]
    assert sorted(labels)[:3] == ["2024-07", "2024-12", "2024Q1"]          # alphabetical: not time order
    assert in_time_order(labels) == ["2024Q1", "2024Q2", "2024-07", "2024-12", "2025"]
    assert in_time_order([2027, 2026.0, "2026"]) == ["2026", "2027"]        # years as numbers are labels too


def test_quarters_before_months_stay_in_time_order(tmp_path):
    """Quarters, then months, then a year: alphabetically '2026-07' would come before '2026Q1'."""
    config = case_config()
    config["horizon"]["periods"] = [{"step": "quarter", "until": "2026Q2"}, {"step": "month", "until": "2026-12"}]
    config["targets"] = {"compute_h100e": {"2026Q2": 4, "2026-08": 8, 2027: 10}}
    config["grid"] = {"energised_mw": {"A": {"2026-01": 20}}}
    folder = solve_case(tmp_path, config)
    order = ["2026Q1", "2026Q2", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12", "2027"]
    run = read_run(folder)
    assert run.periods == order and in_time_order(reversed(order)) == order
    assert list(measures_of(folder)["capex_usd"]) == order
    assert list(json.loads((folder / "summary.json").read_text())["annual_cost_usd"]) == order
    from optimizer.report.metrics import capacity_table

    assert list(capacity_table(run).columns) == order
    assert [p for p, _, _ in money_by_period(headline(run))] == order
    assert list(schedule(run)["period"]) == ["2026Q2", "2026-08", "2027"]
    drawn = charts.draw_build_timeline(run)
    assert [t.get_text() for t in drawn.ax.get_xticklabels()] == order
    plt.close(drawn.fig)
    page = (folder / "report.html").read_text()
    assert [m for m in re.findall(r"<td>(20\d\d(?:Q\d|-\d\d)?)</td>", page)][:len(order)] == order


# --- money measures on the sub-year run, by hand --------------------------------------------------------------

def test_discount_factors_per_period_include_the_period_length(sub_year):
    costs = read_run(sub_year).table("costs")
    factors = discount_factors(costs)
    assert list(factors) == PERIODS[2:]                   # January and February cost nothing: no factor
    for p, d in factors.items():
        assert d == pytest.approx(factor(p), **EXACT), p
    assert factors["2026-03"] == pytest.approx(1 / 12 * 1.08 ** (-2 / 12), **EXACT)
    assert factors["2026Q3"] == pytest.approx(0.25 * 1.08 ** -0.5, **EXACT)


def test_cash_capex_and_annual_cost_rates_keyed_by_period(sub_year):
    summary = json.loads((sub_year / "summary.json").read_text())
    for measures in (summary, measures_of(sub_year)):       # summary.json (pipeline) and the report (CSV files)
        assert list(measures["capex_usd"]) == PERIODS
        assert measures["capex_usd"] == {p: pytest.approx(CASH[p], **SOLVED) for p in PERIODS}
        assert measures["capex_usd"]["2026-03"] == pytest.approx(5e6, **SOLVED)
        assert measures["capex_cash_usd_total"] == pytest.approx(21e6, **SOLVED)
        assert list(measures["annual_cost_usd"]) == PERIODS
        assert measures["annual_cost_usd"] == {p: pytest.approx(annual_rate(p), **SOLVED) for p in PERIODS}
        # 2026-03: site and GPU annuities, rent 720,000, fuel 578,160, grid 876,000, mobilisation 1,200,000
        assert measures["annual_cost_usd"]["2026-03"] == pytest.approx(
            101_852.2088231506 + 1_001_825.8182673457 + 720_000 + 578_160 + 876_000 + 1_200_000, **SOLVED)
        assert measures["usd_per_gw_facility"] == pytest.approx(21e6 / 0.020, **SOLVED)     # peak 20 MW, in 2027


def test_levelised_costs_recomputed_by_hand(sub_year):
    run = read_run(sub_year)
    costs, emissions = run.table("costs"), run.table("emissions")
    measures = measures_of(sub_year)
    load = {p: GPUS[p] * HOURS for p in PERIODS}            # MWh per year (1 MW per GPU, PUE 1)
    assert dict(zip(emissions["period"], emissions["load_mwh"])) == {p: pytest.approx(v, **SOLVED)
                                                                       for p, v in load.items()}
    energy = sum(factor(p) * energy_rates(p) for p in PERIODS) / sum(factor(p) * load[p] for p in PERIODS)
    assert measures["energy_cost_usd_per_mwh_facility"] == pytest.approx(energy, **SOLVED)
    all_in = sum(factor(p) * annual_rate(p) for p in PERIODS) / sum(factor(p) * HOURS * GPUS[p] for p in PERIODS)
    assert measures["all_in_usd_per_gpu_hour"] == pytest.approx(all_in, **SOLVED)
    # the same from the tables: Σ npv_usd over Σ (npv_usd / usd) · quantity, per period
    annual = costs[costs.kind == "annual_cost"]
    d = {p: g.npv_usd.sum() / g.usd.sum() for p, g in annual.groupby("period") if g.usd.sum()}
    power = annual[~annual.category.isin(NOT_ENERGY_CATEGORIES)].npv_usd.sum()
    assert measures["energy_cost_usd_per_mwh_facility"] == pytest.approx(
        power / sum(d.get(p, 0) * e for p, e in zip(emissions.period, emissions.load_mwh)), **EXACT)
    summary = json.loads((sub_year / "summary.json").read_text())
    assert summary["objective_usd"] == pytest.approx(annual.npv_usd.sum(), **SOLVED)
    assert summary["objective_usd"] == pytest.approx(sum(factor(p) * annual_rate(p) for p in PERIODS), **SOLVED)


def test_headline_takes_the_final_period_and_labels_rates(sub_year):
    run = read_run(sub_year)
    head = headline(run)
    assert head["final_period"] == "2027" and head["gpus_final"] == pytest.approx(20, **SOLVED)
    assert head["peak_facility_mw"] == pytest.approx(20, **SOLVED)      # not the sum of 2026's eight periods
    cards = dict((label, value) for value, label in money_cards(head))
    assert "net present cost, USD (discounted, 2026-01–2027)" in cards
    assert "cash capex, USD (total 2026-01–2027, undiscounted)" in cards
    assert [p for p, _, _ in money_by_period(head)] == PERIODS
    months_end = {**head, "annual_cost_usd": {"2026-12": 1.0, "2026-11": 2.0}}
    assert any(label.startswith("annual cost rate in 2026-12, USD per year") for _, label in money_cards(months_end))
    built = schedule(run)
    assert list(built.columns) == ["site", "period", "built"]
    assert built.to_dict("records") == [
        {"site": "A", "period": "2026-03", "built": "campus opens; gas_mobile +2 MW rented; X +4 GPUs"},
        {"site": "A", "period": "2026Q3", "built": "gas_mobile −2 MW returned; X +8 GPUs"},
        {"site": "A", "period": "2027", "built": "X +8 GPUs"}]


# --- the build timeline ----------------------------------------------------------------------------------------

def test_build_timeline_has_one_row_per_item_and_rented_power_is_temporary(sub_year):
    run = read_run(sub_year)
    assert run.rented_techs == {"gas_mobile"}
    drawn = charts.draw_build_timeline(run)
    try:
        assert drawn.periods == PERIODS
        assert drawn.rows == [("A", "campus", "campus"), ("A", "grid", "grid"), ("A", "gas_mobile", "rented"),
                              ("A", "GPUs X", "gpus")]
        ticks = [t.get_text() for t in drawn.ax.get_yticklabels()]
        assert ticks == ["A · campus", "grid", "gas_mobile (rented)", "GPUs X"]
        assert [t.get_text() for t in drawn.ax.get_xticklabels()] == PERIODS
        # one slot per period: the campus from 2026-03 (slot 2) to the end, the rent for 2026-03 … 2026-06
        (campus,) = drawn.bars["A", "campus"]
        assert (campus.get_x(), campus.get_width()) == (2, 7)
        (rent,) = drawn.bars["A", "gas_mobile"]
        assert (rent.get_x(), rent.get_width()) == (2, 4)
        assert rent.get_hatch() == charts.RENTED_HATCH
        assert not any(bar.get_hatch() for key in (("A", "campus"), ("A", "grid")) for bar in drawn.bars[key])
        texts = [t.get_text() for t in drawn.ax.texts]
        assert "rented" in texts
        grid = run.table("site_power")["grid_mw"]
        changes = {f"{mw:,.0f} MW" for mw, before in zip(grid, [0.0, *grid[:-1]]) if abs(mw - before) > 0.5}
        assert len(changes) >= 2 and changes <= set(texts)         # the grid contract where it changes
        gpus = drawn.markers["A", "GPUs X"]
        assert [x for x, _ in gpus.get_offsets()] == [2.5, 6.5, 8.5]
        small, big, same = gpus.get_sizes()
        assert small < big == same                                  # 4 GPUs, then 8 and 8
    finally:
        plt.close(drawn.fig)


def test_rented_techs_without_the_techs_file_come_from_the_capacity_rows(sub_year, tmp_path):
    copy = tmp_path / "moved"
    shutil.copytree(sub_year, copy)
    config = (copy / "config.resolved.yaml").read_text()
    (copy / "config.resolved.yaml").write_text(re.sub(r"techs: .*", "techs: /nonexistent/techs.csv", config))
    assert read_run(copy).rented_techs == {"gas_mobile"}


def test_timeline_needs_more_than_one_period(tmp_path):
    sites = pd.DataFrame({"site_id": ["A"], "selected": [True], "online_period": ["2026"], "online_year": [2026]})
    run = RunData(tmp_path, {"periods": [{"period": "2026", "start": "2026-01-01", "months": 12}]}, "",
                  {"sites": sites})
    assert charts.draw_build_timeline(run) is None and charts.build_timeline(run) is None


def test_timeline_of_twenty_two_months_and_of_ten_years_keeps_its_labels_apart(tmp_path):
    """Notes (MW, GPUs) never overlap, however many periods: those that would are left out."""
    for labels, months in ((pd.period_range("2024-03", periods=22, freq="M").strftime("%Y-%m").tolist() + ["2026"],
                            [1] * 22 + [12]), ([str(y) for y in range(2026, 2036)], [12] * 10)):
        n = len(labels)
        summary = {"periods": [{"period": p, "start": "2000-01-01", "months": m} for p, m in zip(labels, months)]}
        power = pd.DataFrame({"site_id": "A", "period": labels, "open": True, "grid_mw": [10.0 * (i + 1) for i in
                                                                                          range(n)]})
        gpus = pd.DataFrame({"site_id": "A", "gpu_id": "X", "period": labels, "new_units": 5000.0,
                             "units": [5000.0 * (i + 1) for i in range(n)]})
        gpus["gpus"] = gpus["units"]
        sites = pd.DataFrame({"site_id": ["A"], "selected": [True], "online_period": [labels[0]]})
        run = RunData(tmp_path, summary, "", {"sites": sites, "site_power": power, "gpus": gpus})
        drawn = charts.draw_build_timeline(run)
        drawn.fig.canvas.draw()
        renderer = drawn.fig.canvas.get_renderer()
        notes = [t for t in drawn.ax.texts if t.get_text().startswith("+") or t.get_text().endswith(" MW")]
        assert len(notes) >= 3
        boxes = [t.get_window_extent(renderer) for t in notes]
        assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
        ticks = [t.get_window_extent(renderer) for t in drawn.ax.get_xticklabels()]
        assert len(ticks) == n and not any(a.overlaps(b) for a, b in zip(ticks, ticks[1:]))
        plt.close(drawn.fig)


def test_dispatch_chart_shows_the_last_period_with_dispatch(tmp_path):
    """A site idle in the final period (its GPUs retired) is drawn in its last busy period, not skipped
    with an error."""
    rows = [{"site_id": "A", "period": p, "year": 2026 if p != "2027" else 2027, "slice": f"d1/{h:02d}",
             "source": "grid", "mw": mw, "weight_h": 2190.0}
            for p, mw in (("2026Q3", 4.0), ("2026Q4", 4.0), ("2027", 0.0)) for h in (0, 12)]
    sites = pd.DataFrame({"site_id": ["A"], "peak_facility_mw": [4.0]})
    run = RunData(tmp_path, {}, "", {"dispatch": pd.DataFrame(rows), "sites": sites})
    chart = charts.dispatch_day(run)
    assert chart is not None and chart.png.startswith(b"\x89PNG")
    idle = RunData(tmp_path, {}, "", {"dispatch": pd.DataFrame(rows).assign(mw=0.0), "sites": sites})
    assert charts.dispatch_day(idle) is None


# --- report text -----------------------------------------------------------------------------------------------

def test_report_states_periods_and_time_to_each_target(sub_year):
    summary = json.loads((sub_year / "summary.json").read_text())
    assert summary["time_to_target_days"] == {"2026-03": 59, "2026Q3": 181, "2027": 365}
    page = (sub_year / "report.html").read_text()
    markdown = (sub_year / "report.md").read_text()
    lines = ["4 h100e target of 2026-03: reached after 59 days (period 2026-03)",
             "12 h100e target of 2026Q3: reached after 181 days (period 2026Q3)",
             "20 h100e target of 2027: reached after 365 days (period 2027)"]
    for line in lines:
        assert f"<li>time to target: {line}</li>" in page
        assert f"- **time to target**: {line}" in markdown
    assert "<li>periods: 2026-01 … 2027: 6 months, 2 quarters, 1 year</li>" in page
    assert "- **periods**: 2026-01 … 2027: 6 months, 2 quarters, 1 year" in markdown
    assert "<th>period</th>" in page and "<th>annual cost rate, USD per year (undiscounted)</th>" in page
    assert re.search(r"<td>2026-03</td>\s*<td>\$5\.00 M</td>", page)
    assert "compute target 2026-03: <b class='ok'>met" in page
    assert "value of compute" not in page
    charts_on_page = re.findall(r"data-chart='(\w+)'", page)
    assert "timeline" in charts_on_page and "(report_files/timeline.png)" in markdown


def test_value_of_compute_and_net_objective(valued):
    summary = json.loads((valued / "summary.json").read_text())
    h100e_months = sum(12 * factor(p) * GPUS[p] for p in PERIODS)      # discounted h100e-months delivered
    assert summary["compute_value_usd"] == pytest.approx(1000.0 * h100e_months, **SOLVED)
    net = summary["objective_usd"] - summary["compute_value_usd"]
    assert summary["objective_with_value_usd"] == pytest.approx(net, **SOLVED)
    page = (valued / "report.html").read_text()
    from optimizer.report.metrics import usd_text

    assert f"<li>value of compute delivered: {usd_text(summary['compute_value_usd'])} (discounted, credited " \
           "against cost)</li>" in page
    assert f"<li>net objective (net present cost − value of compute): {usd_text(net)}</li>" in page
    assert "- **value of compute delivered**: " in (valued / "report.md").read_text()


# --- yearly reports as before ----------------------------------------------------------------------------------

def old_money_measures(costs, gpus, emissions, site_power) -> dict:
    """The year-keyed money measures as they were before periods (optimizer/report/metrics.py)."""
    annual = costs[(costs.kind == "annual_cost") & (costs.usd.abs() > 0)]
    largest = annual.assign(size=annual.usd.abs()).sort_values("size").groupby("year").last()
    factors = {int(y): float(r.npv_usd / r.usd) for y, r in largest.iterrows()}
    cash = {int(y): float(v) for y, v in costs[costs.kind == "cash_capex"].groupby("year")["usd"].sum().items()}
    yearly = {int(y): float(v) for y, v in costs[costs.kind == "annual_cost"].groupby("year")["usd"].sum().items()}
    total = float(sum(cash.values()))
    peak = float(site_power.groupby("year")["facility_mw"].sum().max())
    power = costs[(costs.kind == "annual_cost") & ~costs.category.isin(NOT_ENERGY_CATEGORIES)]
    mwh = sum(factors.get(int(y), 0.0) * e for y, e in emissions.set_index("year")["load_mwh"].items())
    npv = costs.loc[costs.kind == "annual_cost", "npv_usd"].sum()
    hours = sum(factors.get(int(y), 0.0) * 8760.0 * g for y, g in gpus.groupby("year")["gpus"].sum().items())
    return {"capex_usd": {str(y): v for y, v in cash.items()}, "capex_cash_usd_total": total,
            "annual_cost_usd": {str(y): v for y, v in yearly.items()},
            "usd_per_gw_facility": total / (peak / 1000) if peak > 0 else None,
            "energy_cost_usd_per_mwh_facility": float(power["npv_usd"].sum() / mwh) if mwh else None,
            "all_in_usd_per_gpu_hour": float(npv / hours) if hours else None}


def test_yearly_money_measures_are_the_year_keyed_ones(yearly):
    run = read_run(yearly)
    tables = (run.table("costs"), run.table("gpus"), run.table("emissions"), run.table("site_power"))
    old = old_money_measures(*tables)
    assert list(old["capex_usd"]) == ["2026", "2027"]
    assert money_measures(*tables) == old                        # the same floats, computed the same way
    summary = json.loads((yearly / "summary.json").read_text())
    for key, value in old.items():
        assert summary[key] == (pytest.approx(value, **EXACT) if not isinstance(value, dict) else
                                {y: pytest.approx(v, **EXACT) for y, v in value.items()}), key
    head = headline(run)
    assert (head["final_period"], head["final_year"]) == ("2027", 2027)
    assert [y for y, _, _ in money_by_period(head)] == ["2026", "2027"]


def test_yearly_report_reads_as_before(yearly):
    page = (yearly / "report.html").read_text()
    markdown = (yearly / "report.md").read_text()
    assert "<th>year</th>" in page and "<th>annual cost, USD (undiscounted)</th>" in page
    assert "annual cost in 2027, USD (annuities" in page and "annual cost rate" not in page
    assert "net present cost, USD (discounted, 2026–2027)" in page
    assert "time to target" not in page and "periods:" not in page
    # the only timing lines of a yearly plan: its grid energisation steps (the case has two)
    timing = re.findall(r"<li>([^<]*)</li>", page.split("<ul class='timing'>")[1].split("</ul>")[0])
    assert len(timing) == 2 and all(line.startswith("grid step delay: a period&#x27;s delay") for line in timing)
    assert "- **2026, USD (undiscounted)**: cash capex" in markdown and "time to target" not in markdown
    built = schedule(read_run(yearly))
    assert list(built.columns) == ["site", "year", "built"]
    assert list(built["year"]) == ["2026", "2027"]
    # MW by source: one column a year, headed 'year' as before
    assert re.search(r"<th>year</th>\s*<th>2026</th>\s*<th>2027</th>\s*</tr>\s*</thead>\s*<tbody>\s*<tr>\s*"
                     r"<th>grid contracted</th>", page)


def test_old_run_folder_without_periods_reports_the_same(yearly, tmp_path):
    """A run folder from before periods (no period columns, no summary periods) gives the same report."""
    old = tmp_path / "old"
    shutil.copytree(yearly, old)
    for path in (old / "tables").glob("*.csv"):
        frame = pd.read_csv(path)
        frame.drop(columns=[c for c in ("period", "online_period") if c in frame.columns]).to_csv(path, index=False)
    summary = json.loads((old / "summary.json").read_text())
    for key in ("periods", "time_to_target_days"):
        summary.pop(key, None)
    (old / "summary.json").write_text(json.dumps(summary))
    assert "period" not in read_run(old).table("costs").columns
    build_report(old)
    assert measures_of(old) == measures_of(yearly)
    assert (old / "report.html").read_text() == (yearly / "report.html").read_text()
    assert read_run(old).periods == ["2026", "2027"] and not read_run(old).sub_year


# --- comparison across runs with other periods ---------------------------------------------------------------

def test_compare_runs_with_different_periods(sub_year, yearly, tmp_path):
    runs = [read_run(sub_year), read_run(yearly)]
    table = comparison_table(runs)
    assert list(table.columns) == ["months", "years"]
    assert list(table.loc["h100e, final period"]) == [pytest.approx(20, **SOLVED)] * 2
    assert table.loc["target 2026-03 reached", "months"] == "2026-03-01 (59 days)"
    assert table.loc["target 2026 reached", "years"] == "2026-01-01 (0 days)"
    assert table.loc["target 2027 reached", "years"] == "2027-01-01 (365 days)"
    assert pd.isna(table.loc["target 2026-03 reached", "years"])
    assert table.loc["periods", "months"] == "2026-01 … 2027: 6 months, 2 quarters, 1 year"
    assert list(table.loc["final period"]) == ["2027", "2027"]
    page = compare_runs([sub_year, yearly], tmp_path / "cmp")["html"].read_text()
    assert "target 2026Q3 reached" in page and "MW grid peak import, final period" in page \
        and "MW grid contracted, final period" in page


# --- the page in a browser ---------------------------------------------------------------------------------------

def test_browser_loads_every_chart_of_the_sub_year_report(sub_year, tmp_path, chromium):
    """Headless Chromium opens the sub-year report.html: every chart image loads, no console error."""
    page = (sub_year / "report.html").read_text()
    shown = re.findall(r"data-chart='(\w+)'", page)
    assert {"timeline", "schedule", "capacity", "capex", "compute", "gpus"} <= set(shown)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0"]
    dom = subprocess.run([chromium, *flags, "--virtual-time-budget=5000", "--dump-dom", (sub_year / "report.html")
                          .as_uri()], capture_output=True, text=True, timeout=120)
    assert f'data-charts-loaded="{len(shown)}"' in dom.stdout
    assert "Uncaught" not in dom.stderr and ":CONSOLE(" not in dom.stderr


def test_report_prices_a_months_delay_of_a_grid_step_and_idle_gpus(tmp_path):
    """Gas at $80/MWh carries January to March; 10 MW of grid ($50/MWh) from April: a month's delay
    of the step costs 10 MW × 730 h × $30 = $219,000 (tests/model/test_speed_to_power.py checks it
    against a re-solve). Ten committed units arrive in January and wait idle until April:
    10 × $1M × 3/12 = $2.5M of capital idle."""
    months = {"horizon": {"first_year": 2026, "last_year": 2026, "periods": [{"step": "month", "until": "2026-12"}]}}
    config = {**months, "targets": {"compute_h100e": {f"2026-{m:02d}": 10 for m in range(4, 13)}},
              "grid": {"energised_mw": {"A": {"2026-04": 10}}}, "supply": {"committed_gpus": {"X": {"2026-01": 10}}}}
    site = row(SITE, grid_existing_mw=20.0)
    path = write_case(tmp_path, config, sites=[site], techs=[], gpus=[row(GPU, price_usd_per_unit=1e6)])
    folder = run_config(path, out=tmp_path / "run").out_dir
    text = (folder / "report.md").read_text()
    assert "- **grid step delay**: a month's delay of the step at A in 2026-04 (+10 MW) costs" in text
    assert "- **idle GPUs**: up to 10 wait for power in 2026-01, 2026-02, 2026-03; their capital costs $2.50 M" \
        in text.replace("\\$", "$")
