"""Shadow prices on micro cases whose value is known by hand (discount rate 0, one-year lives,
one representative day of 8,760 h; a GPU unit X is 1 MW of IT and 1 h100e)."""

from __future__ import annotations

import pytest

from helpers import GAS, GPU, REGION, SITE, row, solve_case
from optimizer.explain.duals import shadow_prices

HOURS = 8760.0


def priced(tmp_path, config, **tables):
    m, sol = solve_case(tmp_path, config, **tables)
    assert sol.status == "optimal"
    prices = shadow_prices(m, sol, m.ix.inputs.config.solver)
    assert prices.status == "optimal"
    return {r.limit: r for r in prices.table.itertuples(index=False)}, prices


def test_one_more_mw_of_headroom_saves_the_gap_between_gas_and_grid(tmp_path):
    """Two forced 10 MW sites, 15 MW of regional headroom. One more MW of headroom replaces 1 MW of
    gas ($1,000/kW + 8,760 h × $30/MWh) by grid energy (8,760 h × $50/MWh): 1,000,000 + 262,800 −
    438,000 = $824,800. One more h100e of target costs 1 MW of gas: $1,262,800."""
    region = row(REGION, headroom_mw=15.0)
    sites = [row(SITE, site_id=s, max_it_mw=10.0, grid_existing_mw=20.0, gas_permit_mw=20.0) for s in ("A", "B")]
    config = {"targets": {"compute_h100e": {2026: 20}},
              "constraints": [{"kind": "force_site", "site": "A"}, {"kind": "force_site", "site": "B"}]}
    limits, prices = priced(tmp_path, config, sites=sites, regions=[region])
    headroom = limits["R1 grid headroom in 2026"]
    assert headroom.value_usd_per_unit == pytest.approx(824_800.0)
    assert headroom.unit == "MW" and headroom.family == "grid"
    assert headroom.value_of_1pct_usd == pytest.approx(824_800.0 * 15 / 100)
    assert limits["compute target 2026"].value_usd_per_unit == pytest.approx(1_262_800.0)
    # ranked by the value of a 1% relaxation: the target (20 × 1,262,800 / 100) before the headroom
    assert list(prices.table["limit"][:2]) == ["compute target 2026", "R1 grid headroom in 2026"]


def test_one_more_gpu_of_a_capped_product_saves_the_price_difference(tmp_path):
    """A1 costs $1M and only 6 can be had; B1 costs $2M: one more A1 saves $1M."""
    a = row(GPU, gpu_id="A1", price_usd_per_unit=1e6, supply_gpus_per_year=6)
    b = row(GPU, gpu_id="B1", price_usd_per_unit=2e6)
    site = row(SITE, grid_existing_mw=100.0)
    limits, _ = priced(tmp_path, {"targets": {"compute_h100e": {2026: 10}}}, sites=[site], techs=[], gpus=[a, b])
    supply = limits["A1 GPU supply in 2026"]
    assert supply.value_usd_per_unit == pytest.approx(1e6)
    assert supply.unit == "GPU" and supply.level == 6


def test_one_more_dollar_of_budget_is_worth_the_cost_of_buying_early(tmp_path):
    """Target 20 units in 2027; a $1M unit lasts two years, so one bought in 2026 carries two annual
    annuities of $0.5M (one bought in 2027 only one) and runs a year longer on the grid (1 MW ×
    8,760 h × $50 = $438,000). The $15M budget of 2027 pushes 5 units into 2026: each extra dollar
    of 2027 budget moves a dollar of purchases to 2027 and saves $0.5 + $0.438 = $0.938."""
    gpu = row(GPU, price_usd_per_unit=1e6, lifetime_years=2)
    site = row(SITE, grid_existing_mw=100.0)
    config = {"horizon": {"first_year": 2026, "last_year": 2027}, "targets": {"compute_h100e": {2027: 20}},
              "budget": {"capex_usd_per_year": 15e6}}
    limits, _ = priced(tmp_path, config, sites=[site], techs=[], gpus=[gpu])
    assert limits["capex budget 2027"].value_usd_per_unit == pytest.approx(0.5 + HOURS * 50 / 1e6)
    assert limits["capex budget 2027"].unit == "USD"
    assert "capex budget 2026" not in limits          # 2026 spends $5M of its $15M


def test_one_more_tonne_of_carbon_cap_saves_the_ppa_premium(tmp_path):
    """Grid at $50/MWh and 0.4 t/MWh against a clean PPA at $80/MWh: one more tonne of cap lets
    2.5 MWh come from the grid instead of the PPA: 2.5 × 30 = $75 per tCO2."""
    ppa = row(GAS, tech_id="ppa", kind="ppa", fuel="none", capex_usd_per_kw=0.0, heat_rate_btu_per_kwh=0.0,
              fuel_price_usd_per_mmbtu=0.0, co2_kg_per_mmbtu=0.0, vom_usd_per_mwh=80.0, firm_credit=0.0, clean=True)
    site = row(SITE, grid_existing_mw=20.0)
    config = {"targets": {"compute_h100e": {2026: 10}}, "policy": {"carbon_cap_t": {2026: 10 * HOURS * 0.4 / 2}}}
    limits, _ = priced(tmp_path, config, sites=[site], techs=[ppa])
    cap = limits["carbon cap 2026"]
    assert cap.value_usd_per_unit == pytest.approx(75.0)
    assert cap.unit == "tCO2" and cap.family == "emissions"


def test_one_more_mw_of_gas_permit_saves_the_fuel_to_grid_gap(tmp_path):
    """Gas with no capital cost burns $30/MWh of fuel, the grid costs $50/MWh; the 5 MW permit binds
    and each more MW saves 8,760 × 20 = $175,200."""
    gas = row(GAS, capex_usd_per_kw=0.0)
    site = row(SITE, grid_existing_mw=20.0, gas_permit_mw=5.0)
    limits, _ = priced(tmp_path, {"targets": {"compute_h100e": {2026: 10}}}, sites=[site], techs=[gas])
    permit = limits["gas permit at site A in 2026"]
    assert permit.value_usd_per_unit == pytest.approx(175_200.0)
    assert permit.level == 5.0


def test_a_plan_with_nothing_binding_has_an_empty_table(tmp_path):
    site = row(SITE, grid_existing_mw=20.0)
    limits, prices = priced(tmp_path, {"targets": {"compute_h100e": {2026: 0}}}, sites=[site], techs=[])
    assert prices.table.empty


def test_run_writes_binding_limits_to_summary_table_and_report(tmp_path):
    import json

    import pandas as pd

    from helpers import write_case
    from optimizer.pipeline import run_config

    region = row(REGION, headroom_mw=15.0)
    sites = [row(SITE, site_id=s, max_it_mw=10.0, grid_existing_mw=20.0, gas_permit_mw=20.0) for s in ("A", "B")]
    config = {"targets": {"compute_h100e": {2026: 20}},
              "constraints": [{"kind": "force_site", "site": "A"}, {"kind": "force_site", "site": "B"}]}
    path = write_case(tmp_path / "case", config, sites=sites, regions=[region])
    run_config(path, out=tmp_path / "run")
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    binding = {b["limit"]: b for b in summary["binding"]}
    assert binding["R1 grid headroom in 2026"]["value_usd_per_unit"] == pytest.approx(824_800.0)
    assert summary["shadow_prices"]["status"] == "optimal"
    table = pd.read_csv(tmp_path / "run" / "tables" / "binding.csv")
    assert "grid_headroom_upper" in set(table["constraint"])
    report = (tmp_path / "run" / "report.md").read_text()
    assert "## What binds" in report and "| R1 grid headroom in 2026 | MW | 824,800 | 15 |" in report


def test_every_documented_row_has_planner_words():
    """Explanations never show a raw row name alone: every constraint of docs/formulation.md is a
    priced limit, a user row, or has a description."""
    import re
    from pathlib import Path

    from optimizer.explain.labels import INDEX_FIELDS, ROW_TEXT, RULES

    doc = (Path(__file__).resolve().parents[2] / "docs" / "formulation.md").read_text()
    names = set(re.findall(r"^\| `([a-z_0-9]+)`", doc, re.M)) - {"objective_cost", "objective_compute"}
    described = set(RULES) | set(ROW_TEXT)
    missing = {n for n in names if n not in described and not n.startswith("user_") and n != "timing_early_upper"}
    assert not missing
    assert set(ROW_TEXT) == set(INDEX_FIELDS)
