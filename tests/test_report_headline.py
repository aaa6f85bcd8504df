"""The money measures of summary.json, the report headline, the terminal and the comparison, checked by hand.

The case: one campus on grid power only, one model year (2026), discount rate 0, one flat day
standing for 365 days (8,760 hours); every asset lives one year, so its annuity is its price
(crf(0, 1) = 1) and the annual cost of 2026 is also the net present cost.

    10 GPUs (packages) at $1,000,000, 1 MW of IT each, PUE 1   ->  10 MW facility, 87,600 MWh
    campus $2,000,000 + shell $100/kW · 10,000 kW               ->  $3,000,000 of sites and shells
    grid energy $50/MWh · 87,600 MWh                            ->  $4,380,000 (no other power cost)

    cash capex total       10e6 + 2e6 + 1e6           = $13,000,000
    annual cost 2026       13e6 + 4.38e6              = $17,380,000  (= net present cost)
    $ per GW of facility   13e6 / 0.010 GW            = $1.3 B per GW
    energy cost            4.38e6 / 87,600 MWh        = $50/MWh, the grid price (GPUs and sites excluded)
    all-in cost            17.38e6 / (10 · 8,760 h)   = $198.40 per GPU-hour
"""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from helpers import GPU, SITE, row, write_case
from optimizer.pipeline import run_config
from optimizer.report.compare import compare_runs, comparison_table
from optimizer.report.escape import md_cell
from optimizer.report.metrics import money_cards, money_measures
from optimizer.report.run_data import read_run
from optimizer.terminal import print_run

GPUS, MW_PER_GPU, HOURS = 10, 1.0, 8760
GPU_USD, CAMPUS_USD, SHELL_USD_PER_KW, GRID_USD_PER_MWH = 1e6, 2e6, 100.0, 50.0
FACILITY_MWH = GPUS * MW_PER_GPU * HOURS                                              # 87,600
CAPEX_USD = GPUS * GPU_USD + CAMPUS_USD + SHELL_USD_PER_KW * 1000 * GPUS * MW_PER_GPU   # 13e6
ANNUAL_USD = CAPEX_USD + GRID_USD_PER_MWH * FACILITY_MWH                               # 17.38e6
USD_PER_GW = CAPEX_USD / (GPUS * MW_PER_GPU / 1000)                                    # 1.3e9
USD_PER_GPU_HOUR = ANNUAL_USD / (GPUS * HOURS)                                         # 198.40
EXACT = {"rel": 1e-9}

# label prefix -> the value as the headline shows it
CARDS = {"net present cost, USD (discounted, 2026)": "$17.38 M",
         "cash capex, USD (total 2026, undiscounted)": "$13.00 M",
         "annual cost in 2026, USD": "$17.38 M",
         "$ per GW of facility (cash capex total ÷ peak facility GW)": "$1.30 B/GW",
         "energy cost, $/MWh of facility energy": "$50.00/MWh",
         "all-in cost, $/GPU-hour in service": "$198.40/GPU-hour",
         "GPUs (packages) in 2026": "10"}


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    folder = tmp_path_factory.mktemp("headline")
    site = row(SITE, grid_existing_mw=50.0, site_capex_usd=CAMPUS_USD, shell_capex_usd_per_kw=SHELL_USD_PER_KW)
    gpu = row(GPU, price_usd_per_unit=GPU_USD, it_kw_per_unit=MW_PER_GPU * 1000)
    path = write_case(folder / "case", {"name": "headline", "targets": {"compute_h100e": {2026: GPUS}}},
                      sites=[site], techs=[], gpus=[gpu])
    result = run_config(path, out=folder / "run")
    assert result.solution.status == "optimal"
    return result


@pytest.fixture(scope="module")
def run_dir(outcome) -> Path:
    return outcome.out_dir


def html_cards(page: str) -> dict[str, str]:
    """label -> value of the report's headline cards (HTML entities decoded)."""
    return {html.unescape(label): html.unescape(value)
            for value, label in re.findall(r"<div class='card'><b>(.*?)</b><span>(.*?)</span></div>", page)}


def card(cards: dict[str, str], prefix: str) -> tuple[str, str]:
    """The one (label, value) whose label starts with ``prefix``."""
    found = [(label, value) for label, value in cards.items() if label.startswith(prefix)]
    assert len(found) == 1, (prefix, list(cards))
    return found[0]


def test_summary_holds_the_money_measures_computed_by_hand(run_dir):
    summary = json.loads((run_dir / "summary.json").read_text())
    for key in ("status", "objective_usd", "mip_gap", "sites", "capacity_mw", "gpus", "compute_h100e", "capex_usd",
                "emissions_t", "targets_met", "model"):
        assert key in summary, key
    assert summary["objective_usd"] == pytest.approx(ANNUAL_USD, **EXACT)
    assert summary["capex_usd"] == {"2026": pytest.approx(CAPEX_USD, **EXACT)}
    assert summary["capex_cash_usd_total"] == pytest.approx(13e6, **EXACT)
    assert summary["annual_cost_usd"] == {"2026": pytest.approx(17.38e6, **EXACT)}
    assert summary["usd_per_gw_facility"] == pytest.approx(1.3e9, **EXACT)
    assert summary["energy_cost_usd_per_mwh_facility"] == pytest.approx(GRID_USD_PER_MWH, **EXACT)
    assert summary["all_in_usd_per_gpu_hour"] == pytest.approx(17.38e6 / 87_600, **EXACT)
    assert summary["all_in_usd_per_gpu_hour"] == pytest.approx(USD_PER_GPU_HOUR, **EXACT)


def test_report_rebuilt_from_the_folder_has_the_summary_numbers(run_dir):
    """The headline recomputes the measures from tables/*.csv: the same numbers as summary.json."""
    summary = json.loads((run_dir / "summary.json").read_text())
    run = read_run(run_dir)
    measures = money_measures(run.table("costs"), run.table("gpus"), run.table("emissions"), run.table("site_power"))
    for key, value in measures.items():
        assert value == (pytest.approx(summary[key], **EXACT) if not isinstance(value, dict) else
                         {y: pytest.approx(v, **EXACT) for y, v in summary[key].items()}), key


def test_html_headline_labels_every_money_measure(run_dir):
    page = (run_dir / "report.html").read_text()
    cards = html_cards(page)
    for prefix, value in CARDS.items():
        assert card(cards, prefix)[1] == value, prefix
    assert "no GPUs, no sites" in card(cards, "energy cost")[0]
    assert "GPUs (packages)" in card(cards, "all-in cost")[0]
    assert "undiscounted" in card(cards, "annual cost in 2026")[0]
    assert "per MWh of facility energy, levelised" not in cards          # the old label that mixed in the GPUs
    # cash capex and annual cost per year, in a small table under the cards
    assert "<th>cash capex, USD (undiscounted)</th>" in page and "<th>annual cost, USD (undiscounted)</th>" in page
    assert re.search(r"<td>2026</td>\s*<td>\$13\.00 M</td>\s*<td>\$17\.38 M</td>", page)


def test_markdown_headline_labels_every_money_measure(run_dir):
    markdown = (run_dir / "report.md").read_text()
    cards = html_cards((run_dir / "report.html").read_text())
    for prefix, value in CARDS.items():
        label, _ = card(cards, prefix)
        assert f"- **{md_cell(label)}**: {value}" in markdown, label
    assert "- **2026, USD (undiscounted)**: cash capex \\$13.00 M; annual cost \\$17.38 M" in markdown
    assert "per MWh of facility energy, levelised" not in markdown


def test_terminal_prints_every_money_measure_with_its_label(outcome):
    out = io.StringIO()
    print_run(Console(file=out, width=400, color_system=None), outcome)
    lines = out.getvalue().splitlines()
    for prefix, value in CARDS.items():
        if prefix.startswith("GPUs"):
            continue
        assert [line for line in lines if line.startswith(prefix) and line.endswith(f": {value}")], prefix
    assert any(line.startswith("energy cost, $/MWh of facility energy") and "no GPUs, no sites" in line
               for line in lines)
    assert "GPUs (packages) in service" in " ".join(out.getvalue().split())   # a table title, maybe wrapped
    assert re.search(r"cash capex \$B \(undiscounted\)\W+0\.01", out.getvalue())


def test_compare_shows_cash_capex_and_usd_per_gw(run_dir, tmp_path):
    runs = [read_run(run_dir), read_run(run_dir)]
    table = comparison_table(runs)
    assert list(table.loc["cash capex total, $B (undiscounted)"]) == [pytest.approx(0.013, **EXACT)] * 2
    assert list(table.loc["$B per GW of facility (cash capex ÷ peak facility GW)"]) == \
        [pytest.approx(1.3, **EXACT)] * 2
    assert list(table.loc["energy cost, $/MWh of facility energy (no GPUs, no sites)"]) == \
        [pytest.approx(50.0, **EXACT)] * 2
    assert list(table.loc["all-in cost, $/GPU-hour"]) == [pytest.approx(USD_PER_GPU_HOUR, **EXACT)] * 2
    page = compare_runs([run_dir, run_dir], tmp_path / "cmp")["html"].read_text()
    assert re.search(r"<th>cash capex total, \$B \(undiscounted\)</th>\s*<td>0\.01</td>", page)
    assert re.search(r"<th>\$B per GW of facility \(cash capex ÷ peak facility GW\)</th>\s*<td>1\.30</td>", page)


# --- the measures on hand-made tables: discounting, and categories the model may add ---------------------------

def tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Two model years, d_2026 = 1 and d_2027 = 0.5, with categories the model work adds (demand_charge,
    grid_line, annuity_grid_line) besides GPUs and sites."""
    annual = {2026: {"grid_energy": 100, "demand_charge": 20, "annuity_grid_line": 30, "annuity_gpus": 1000,
                     "annuity_sites": 300},
              2027: {"grid_energy": 50, "demand_charge": 20, "annuity_grid_line": 30, "annuity_gpus": 1000,
                     "annuity_sites": 300}}
    cash = {2026: {"gpus": 2000, "sites": 600, "grid_line": 60}, 2027: {"gpus": 2000, "sites": 0, "grid_line": 0}}
    factor = {2026: 1.0, 2027: 0.5}
    rows = [{"year": y, "kind": "annual_cost", "category": c, "usd": v, "npv_usd": v * factor[y]}
            for y, by in annual.items() for c, v in by.items()]
    rows += [{"year": y, "kind": "cash_capex", "category": c, "usd": v, "npv_usd": None}
             for y, by in cash.items() for c, v in by.items()]
    gpus = pd.DataFrame({"site_id": ["A", "A"], "year": [2026, 2027], "gpus": [1.0, 2.0]})
    emissions = pd.DataFrame({"year": [2026, 2027], "load_mwh": [2.0, 4.0]})
    power = pd.DataFrame({"site_id": ["A", "B", "A", "B"], "year": [2026, 2026, 2027, 2027],
                          "facility_mw": [1.5, 0.5, 3.0, 0.0]})
    return pd.DataFrame(rows), gpus, emissions, power


def test_money_measures_by_hand_on_two_discounted_years():
    m = money_measures(*tables())
    assert m["capex_usd"] == {"2026": 2660.0, "2027": 2000.0}
    assert m["capex_cash_usd_total"] == 4660.0
    assert m["annual_cost_usd"] == {"2026": 1450.0, "2027": 1400.0}
    assert m["usd_per_gw_facility"] == pytest.approx(4660 / 0.003, **EXACT)          # peak 3 MW, in 2027
    # energy: (100 + 20 + 30) · 1 + (50 + 20 + 30) · 0.5 = 200 USD over 2 · 1 + 4 · 0.5 = 4 MWh
    assert m["energy_cost_usd_per_mwh_facility"] == pytest.approx(50.0, **EXACT)
    # all-in: 1450 · 1 + 1400 · 0.5 = 2150 USD over 8760 · (1 · 1 + 2 · 0.5) GPU-hours
    assert m["all_in_usd_per_gpu_hour"] == pytest.approx(2150 / 17520, **EXACT)


def test_money_cards_without_a_plan_show_only_the_net_present_cost():
    assert money_cards({"objective_usd": None}) == [("—", "net present cost, USD (discounted)")]
