"""Hand-checkable cases for speed to power: curtailment terms, the value of time, the fastest plan
and idle GPUs.

Conventions (tests/helpers.py): discount rate 0 and one-year lifetimes, so an annuity equals the
capex; one representative day for 365 days (8,760 h); GPU unit X = 1 MW of IT and 1 h100e; the
grid costs $50/MWh.
"""

from __future__ import annotations

import pytest
import pyomo.environ as pyo

from helpers import GAS, GPU, SITE, row, solve_case, write_case
from optimizer.pipeline import run_config

HOURS = 8760.0
BATTERY = row(GAS, tech_id="bat", kind="storage", fuel="none", capex_usd_per_kw=100.0, heat_rate_btu_per_kwh=0.0,
              storage_hours=4.0, firm_credit=0.5)
GRID_SITE = row(SITE, grid_existing_mw=20.0)
MONTHS_2026 = {"horizon": {"first_year": 2026, "last_year": 2026, "periods": [{"step": "month", "until": "2026-12"}]}}


def value(x) -> float:
    return pyo.value(x)


def grid_energy_musd(mw: float, years: float = 1.0) -> float:
    return mw * HOURS * 50 * years / 1e6


@pytest.mark.parametrize("hours, dr, battery_mw", [
    (4.0, 0.0, 10.0),    # power binds: 1.0 · 10 MW of grid contract
    (0.25, 0.0, 20.0),   # energy binds: 0.25 h · C ≥ 10 MW · 30 / 60 h = 5 MWh → C = 20 MW
    (4.0, 0.2, 8.0),     # the campus sheds 20% itself: (1 − 0.2) · 10 MW
])
def test_a_battery_rides_through_the_utilitys_curtailment(tmp_path, hours, dr, battery_mw):
    """10 MW of GPUs on the grid; the utility may curtail the whole contract for 30 minutes: the
    battery ($100/kW) covers what the campus cannot shed, in power and in energy.
    Cost: grid energy 10 MW × 8,760 h × $50 = $4.38M + battery MW × $0.1M."""
    battery = row(BATTERY, storage_hours=hours)
    config = {"targets": {"compute_h100e": {2026: 10}},
              "grid": {"curtailment": {"R1": {"share": 1.0, "minutes": 30, "demand_response_share": dr}}}}
    m, sol = solve_case(tmp_path, config, sites=[GRID_SITE], techs=[battery])
    assert sol.status == "optimal"
    assert value(m.grid_mw["A", 2026]) == pytest.approx(10.0)
    assert value(m.cap_mw["A", "bat", 2026]) == pytest.approx(battery_mw)
    assert sol.objective == pytest.approx(grid_energy_musd(10) + battery_mw * 0.1)


def test_a_sites_own_curtailment_terms_win_over_its_regions(tmp_path):
    """The region curtails all of the contract, the site's own terms only half: 5 MW of battery."""
    config = {"targets": {"compute_h100e": {2026: 10}},
              "grid": {"curtailment": {"R1": {"share": 1.0, "minutes": 30}, "A": {"share": 0.5, "minutes": 30}}}}
    m, sol = solve_case(tmp_path, config, sites=[GRID_SITE], techs=[BATTERY])
    assert value(m.cap_mw["A", "bat", 2026]) == pytest.approx(5.0)


GPU_1M = row(GPU, price_usd_per_unit=1e6)   # $1M a unit, one year of life: $1M a year


@pytest.mark.parametrize("usd_per_month, units", [(150_000, 20), (100_000, 0)])
def test_the_value_of_an_h100e_month(tmp_path, usd_per_month, units):
    """No target; a unit costs $1M + 8,760 MWh × $50 = $1.438M a year and earns 12 × V a year: at
    V = $150k ($1.8M a year) every unit the 20 MW grid can power is worth building, at V = $100k
    ($1.2M a year) none. Objective = units × (1.438 − 12 · V / 10⁶) MUSD."""
    config = {"objective": {"value_usd_per_h100e_month": usd_per_month}}
    m, sol = solve_case(tmp_path, config, sites=[GRID_SITE], techs=[], gpus=[GPU_1M])
    assert sol.status == "optimal"
    assert value(m.gpu_new_units["A", "X", 2026]) == pytest.approx(units)
    assert sol.objective == pytest.approx(units * (1.438 - 12 * usd_per_month / 1e6))
    assert value(m.compute_value_musd) == pytest.approx(units * 12 * usd_per_month / 1e6)


def test_the_value_of_time_is_net_of_cost_in_the_summary(tmp_path):
    """summary.json keeps objective_usd as the net present cost ($28.76M for 20 units) and reports the
    value (20 × 12 × $150k = $36M) and what was minimised (−$7.24M)."""
    path = write_case(tmp_path, {"objective": {"value_usd_per_h100e_month": 150_000}}, sites=[GRID_SITE], techs=[],
                      gpus=[GPU_1M])
    outcome = run_config(path, write=False)
    s = outcome.summary
    assert s["objective_usd"] == pytest.approx(20 * 1.438e6)
    assert s["compute_value_usd"] == pytest.approx(36e6)
    assert s["objective_with_value_usd"] == pytest.approx(20 * 1.438e6 - 36e6)


def test_soft_targets_price_the_shortfall(tmp_path):
    """A 30 h100e target on a 20 MW grid at $50,000 per h100e-month short ($600k a year, more than the
    $438k a year of grid energy a unit needs): 20 units, 10 h100e short, 12 × 10 × $50,000 = $6M, plus
    20 MW of grid energy ($8.76M). At $1,000 per h100e-month ($12k a year) nothing is built."""
    config = {"targets": {"compute_h100e": {2026: 30}}, "objective": {"shortfall_usd_per_h100e_month": 50_000}}
    m, sol = solve_case(tmp_path, config, sites=[GRID_SITE], techs=[])
    assert sol.status == "optimal"
    assert value(m.compute_shortfall_kh100e[2026]) * 1e3 == pytest.approx(10.0)
    assert sol.objective == pytest.approx(grid_energy_musd(20) + 6.0)
    cheap = {"targets": {"compute_h100e": {2026: 30}}, "objective": {"shortfall_usd_per_h100e_month": 1000}}
    m, sol = solve_case(tmp_path / "cheap", cheap, sites=[GRID_SITE], techs=[])
    assert value(m.compute_shortfall_kh100e[2026]) * 1e3 == pytest.approx(30.0)
    assert sol.objective == pytest.approx(12 * 30 * 1000 / 1e6)


def test_the_fastest_plan_reaches_the_target_in_the_first_month_it_can(tmp_path):
    """Monthly 2026; the grid is energised from April: 10 h100e is first online in 2026-04, 90 days after
    1 January, and held to December (9 months at the target); then least cost: nothing before April,
    grid energy for nine months, 10 × 8,760 × $50 × 9/12 = $3.285M."""
    config = {**MONTHS_2026, "objective": {"kind": "fastest", "fastest_h100e": 10},
              "grid": {"energised_mw": {"A": {"2026-04": 20}}}}
    path = write_case(tmp_path, config, sites=[GRID_SITE], techs=[])
    outcome = run_config(path, write=False)
    s = outcome.summary
    assert s["status"] == "optimal"
    assert outcome.solution.compute_measure == pytest.approx(9.0)
    assert s["time_to_target_days"]["fastest"] == 90
    held = dict(zip(outcome.results.compute["period"], outcome.results.compute["h100e"]))
    assert held["2026-03"] == pytest.approx(0.0)
    assert held["2026-04"] == pytest.approx(10.0)
    assert s["objective_usd"] == pytest.approx(grid_energy_musd(10, 9 / 12) * 1e6)


def test_committed_gpus_wait_idle_until_their_power_is_ready(tmp_path):
    """10 units ($1M each, a year of life) must be taken in 2026-01, but the grid comes in April: they
    wait idle for three months, then run on the 10 MW energised, as compute is worth $150k per
    h100e-month. Cost: GPUs $10M
    (annuity over the 12 months), grid energy for nine months $3.285M; idle GPUs 10 in January to March,
    their idle cost 10 × $1M × 3/12 = $2.5M."""
    config = {**MONTHS_2026, "supply": {"committed_gpus": {"X": {"2026-01": 10}}},
              "grid": {"energised_mw": {"A": {"2026-04": 10}}}, "objective": {"value_usd_per_h100e_month": 150_000}}
    path = write_case(tmp_path, config, sites=[GRID_SITE], techs=[], gpus=[GPU_1M])
    outcome = run_config(path, write=False)
    s = outcome.summary
    assert s["status"] == "optimal"
    assert s["idle_gpus"] == pytest.approx({"2026-01": 10.0, "2026-02": 10.0, "2026-03": 10.0})
    assert s["idle_gpu_cost_usd"] == pytest.approx(2.5e6)
    assert s["objective_usd"] == pytest.approx(10e6 + grid_energy_musd(10, 9 / 12) * 1e6)
    assert s["compute_value_usd"] == pytest.approx(10 * 9 * 150_000)
    gpus = outcome.results.gpus.set_index("period")
    assert gpus.loc["2026-02", "gpus"] == pytest.approx(0.0)       # not running
    assert gpus.loc["2026-05", "gpus"] == pytest.approx(10.0)


def test_a_months_delay_of_a_grid_step_is_priced(tmp_path):
    """10 MW every month; gas engines ($8/MMBtu: $80/MWh) carry January to March, the grid ($50/MWh)
    is energised with 10 MW from April. A month's delay of that step runs April on gas:
    10 MW × 730 h × ($80 − $50) = $219,000: the summary's figure (the plan's LP re-solved with the step a
    month later) and a full re-solve of the delayed config agree."""
    config = {**MONTHS_2026, "targets": {"compute_h100e": {f"2026-{m:02d}": 10 for m in range(1, 13)}},
              "grid": {"energised_mw": {"A": {"2026-04": 10}}}}
    site = row(GRID_SITE, gas_permit_mw=50.0)
    path = write_case(tmp_path, config, sites=[site], techs=[row(GAS, fuel_price_usd_per_mmbtu=8.0)])
    outcome = run_config(path, write=False)
    [step] = outcome.summary["grid_step_delay_usd"]
    assert (step["period"], step["mw_added"]) == ("2026-04", 10.0)
    assert step["delay_usd"] == pytest.approx(10 * 730 * 30)
    delayed = write_case(tmp_path / "delayed", {**config, "grid": {"energised_mw": {"A": {"2026-05": 10}}}},
                         sites=[site], techs=[row(GAS, fuel_price_usd_per_mmbtu=8.0)])
    later = run_config(delayed, write=False).summary["objective_usd"]
    assert later - outcome.summary["objective_usd"] == pytest.approx(10 * 730 * 30)


def test_only_committed_deliveries_wait_and_powered_gpus_stay_powered(tmp_path):
    """A target of 10 h100e in January only, on 50 MW of grid. Committing one unit of product Y in
    January must not let the plan switch GPUs off for the rest of the year to save energy: no GPU is
    idle, and the cost is that of the plan without the commitment (10 MW × 8,760 h × $50 = $4.38M)."""
    base = {**MONTHS_2026, "targets": {"compute_h100e": {"2026-01": 10}}}
    gpus = [GPU, row(GPU, gpu_id="Y")]
    site = row(SITE, grid_existing_mw=50.0)
    free = run_config(write_case(tmp_path / "free", base, sites=[site], techs=[], gpus=gpus), write=False).summary
    committed = {**base, "supply": {"committed_gpus": {"Y": {"2026-01": 1}}}}
    bound = run_config(write_case(tmp_path / "bound", committed, sites=[site], techs=[], gpus=gpus), write=False).summary
    assert "idle_gpus" not in bound
    assert bound["objective_usd"] == pytest.approx(free["objective_usd"]) == pytest.approx(4.38e6)


def test_continuous_gpu_counts_report_their_rounding(tmp_path):
    """With continuous GPU counts (the default outside these hand-checked cases) a 10.3 h100e target
    buys 10.3 units of $1M: rounding to 10 units changes GPUs by −0.3 and cash capex by −$0.3M; the
    same case in whole units buys 11."""
    config = {"targets": {"compute_h100e": {2026: 10.3}}, "solver": {"integer_gpus": False}}
    outcome = run_config(write_case(tmp_path, config, sites=[GRID_SITE], techs=[], gpus=[GPU_1M]), write=False)
    assert outcome.results.gpus["new_units"].tolist() == pytest.approx([10.3])
    assert outcome.summary["gpu_rounding"] == pytest.approx(
        {"purchases": 1, "purchases_not_whole": 1, "max_units_changed": 0.3, "gpus_changed": -0.3,
         "cash_capex_changed_usd": -0.3e6})
    whole = run_config(write_case(tmp_path / "whole", {"targets": {"compute_h100e": {2026: 10.3}}},
                                  sites=[GRID_SITE], techs=[], gpus=[GPU_1M]), write=False)
    assert whole.results.gpus["new_units"].tolist() == [11.0] and "gpu_rounding" not in whole.summary
