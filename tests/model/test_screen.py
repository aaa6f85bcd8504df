"""The screen (optimizer/screen.py): a short list by pricing campuses, the MIP on it, and a Lagrangian
bound of the full model. Hand-checked: four campuses alike but for their site capex (A cheapest), 40
h100e on gas (tests/helpers.py: 1 MW per h100e, gas at $1,000/kW and $30/MWh of fuel): only A is worth
opening, so the short list is A, the plan is the full model's optimum and the bound the full LP's."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import GAS, GPU, SITE, row, solve_case
from optimizer.handoff import compile_model
from optimizer.inputs.load import load_all
from optimizer.model.build import build_model
from optimizer.screen import COUPLING, blocks_of, lagrangian_bound
from optimizer.solve import run_highs, to_highs, use_objective

ROOT = Path(__file__).resolve().parents[2]
COST_40 = 40 * (1e6 + 8760 * 30.0) / 1e6       # MUSD: 40 MW of gas and a year of its fuel


def campuses(extra_capex: list[float]) -> list[dict]:
    return [row(SITE, site_id=s, name=f"site {s}", gas_permit_mw=500.0, site_capex_usd=c, lat=35.0 + i)
            for i, (s, c) in enumerate(zip("ABCD", extra_capex))]


@pytest.mark.parametrize("screen", [True, False])
def test_the_short_list_holds_the_cheapest_campus_and_the_plan_is_the_optimum(tmp_path, screen):
    sites = campuses([0.0, 2e6, 4e6, 6e6])
    config = {"targets": {"compute_h100e": {2026: 40}}, "solver": {"screen": screen}}
    _, sol = solve_case(tmp_path, config, sites=sites)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(COST_40)
    if screen:
        assert sol.screen["short_list"] == ["A"]
        assert sol.bound == pytest.approx(COST_40)       # the LP of {A} is the full LP: no campus prices below 0
        assert sol.screen["rounds"][-1]["negative_reduced_costs"] == 0
    else:
        assert sol.screen is None


def test_a_campus_priced_below_zero_joins_the_list_until_the_bound_is_close(tmp_path):
    """A holds 25 MW of IT, so B ($1M of site capex) must open: the plan costs COST_40 + $1M on B alone
    or with A. The LP of {B} counts B's capex by the share built (40 of 100 MW: $0.4M); pricing at its
    duals, A could take 25 MW and save 25 × $0.01M: A's reduced cost is −$0.25M. With a 5% gap the
    screen stops at {B} (its bound, LP({B}) − 0.25, is close enough); with 0.1% it adds A and its bound is
    the full LP (B built 15%: COST_40 + $0.15M), 1.6% below the plan: outside the gap, so the whole
    model's branch and bound goes on from that plan and proves it optimal."""
    sites = campuses([0.0, 1e6, 8e6, 9e6])
    sites[0]["max_it_mw"] = 25.0
    wide = {"targets": {"compute_h100e": {2026: 40}}, "solver": {"screen": True, "mip_gap": 0.05}}
    _, sol = solve_case(tmp_path / "wide", wide, sites=sites)
    assert sol.status == "optimal" and sol.screen["short_list"] == ["B"] and not sol.screen["whole_model"]
    assert sol.objective == pytest.approx(COST_40 + 1.0)
    assert sol.bound == pytest.approx(COST_40 + 0.4 - 0.25)
    close = {**wide, "solver": {"screen": True, "mip_gap": 0.001}}
    _, sol = solve_case(tmp_path / "close", close, sites=sites)
    assert sol.screen["short_list"] == ["A", "B"] and sol.screen["whole_model"]
    assert sol.screen["bound_usd"] == pytest.approx((COST_40 + 0.15) * 1e6)
    assert sol.objective == pytest.approx(COST_40 + 1.0)
    assert sol.status == "optimal" and sol.bound == pytest.approx(COST_40 + 1.0)


def test_a_campus_the_config_forces_open_starts_the_short_list(tmp_path):
    """D ($6M of site capex) is forced open: the short list starts with it (held closed, the LP of an
    empty list has no plan), and the plan is COST_40 + $6M, the optimum (A at no capex could share the
    load at no saving)."""
    config = {"targets": {"compute_h100e": {2026: 40}}, "solver": {"screen": True},
              "constraints": [{"kind": "force_site", "site": "D", "by_year": 2026}]}
    _, sol = solve_case(tmp_path, config, sites=campuses([0.0, 2e6, 4e6, 6e6]))
    assert sol.status == "optimal" and sol.has_solution
    assert sol.objective == pytest.approx(COST_40 + 6.0)
    assert "D" in sol.screen["short_list"] and not sol.screen["whole_model"]


def test_a_short_list_without_a_plan_in_whole_units_goes_on_to_the_whole_model(tmp_path):
    """Gas in 15 MW units under a 44 MW permit at each campus: the LP of {A} builds 2.67 units at A
    (40 MW, the permit not binding) and B ($5M of site capex) prices above 0, so the short list is {A};
    but whole units give A 30 MW at most. The whole model's plan: 3 units (45 MW, $45M) on A and B, a
    year of fuel for 40 MW ($10.512M) and B's $5M: $60.512M."""
    sites = [row(SITE, site_id=s, name=f"site {s}", gas_permit_mw=44.0, site_capex_usd=c, lat=35.0 + i)
             for i, (s, c) in enumerate(zip("AB", [0.0, 5e6]))]
    config = {"targets": {"compute_h100e": {2026: 40}}, "solver": {"screen": True}}
    _, sol = solve_case(tmp_path, config, sites=sites, techs=[row(GAS, unit_mw=15.0)])
    assert sol.screen["short_list"] == ["A"] and sol.screen["whole_model"]
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(45.0 + 40 * 8760 * 30.0 / 1e6 + 5.0)


@pytest.mark.parametrize("path", ["screen", "decompose"])
def test_most_compute_is_not_screened_or_decomposed_and_its_cost_stage_is(tmp_path, path):
    """Most compute for $10.5M of capex, GPUs at $1M a unit (1 MW, 1 h100e), grid only: A (3 MW of grid,
    no site capex) and B (5 MW, $1M) give 8 units for $9M; A and C ($2M) give 8 for $10M; nothing gives
    9. The screen and the decomposition price for a minimum, so the maximising stage runs without them
    (the screen used to return a plan of no compute as optimal); the cost stage at 8 h100e picks A and
    B: $9M + 8 MW of grid energy for a year at $50/MWh ($3.504M) = $12.504M."""
    sites = [row(SITE, site_id=s, name=f"site {s}", grid_existing_mw=g, site_capex_usd=c, max_it_mw=g,
                 lat=35.0 + i) for i, (s, g, c) in enumerate(zip("ABCD", [3.0, 5.0, 20.0, 20.0], [0.0, 1e6, 2e6, 3e6]))]
    config = {"objective": {"kind": "max_compute"}, "budget": {"capex_usd_total": 10.5e6}, "solver": {path: True}}
    _, sol = solve_case(tmp_path, config, sites=sites, techs=[], gpus=[row(GPU, price_usd_per_unit=1e6)])
    assert sol.status == "optimal"
    assert sol.compute_measure == pytest.approx(8 / 1000)      # thousand h100e
    assert sol.objective == pytest.approx(9.0 + 8 * 8760 * 50.0 / 1e6)


def test_the_lagrangian_bound_is_below_the_full_lp_and_meets_it_at_its_duals(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import write_instance

    _, inputs = load_all(write_instance(tmp_path / "case", 15, 5, 4, 2, 24, seed=0))
    m = build_model(inputs)
    use_objective(m, "objective_cost")
    form = compile_model(m)
    lp = to_highs(form, inputs.config.solver.model_copy(update={"relax_integrality": True}))
    run_highs(lp)
    assert lp.modelStatusToString(lp.getModelStatus()) == "Optimal"
    value = lp.getInfo().objective_function_value
    y = np.asarray(lp.getSolution().row_dual)
    blocks = blocks_of(form, list(inputs.sites.index))
    assert (blocks.row_site == COUPLING).sum() > 0
    everyone = list(range(len(blocks.sites)))
    at_duals, _ = lagrangian_bound(form, blocks, y, everyone)
    assert at_duals == pytest.approx(value, rel=1e-7)             # strong duality: L(y*) = LP
    rng = np.random.default_rng(0)
    for _ in range(3):                                             # any other multipliers: below it
        other, _ = lagrangian_bound(form, blocks, y * rng.uniform(0.0, 2.0, size=y.size), everyone)
        assert other <= value * (1 + 1e-9)


def test_branch_and_bound_after_a_screen_keeps_the_better_bound_and_both_times():
    """A whole-model branch and bound stopped early (its bound 90, or none) after a screen whose bound was
    95: the plan of 100 reports the screen's 95 and a 5% gap; a better bound of its own (97) stands; the
    times of both stages add up."""
    from optimizer.solve import Solution, _after

    first = Solution("gap_limit", True, objective=101.0, bound=95.0, mip_gap=0.06, handoff_seconds=0.5,
                     solve_seconds=3.0)
    stopped = _after(Solution("interrupted", True, objective=100.0, bound=90.0, mip_gap=0.1, handoff_seconds=0.25,
                              solve_seconds=1.0), first)
    assert (stopped.bound, stopped.mip_gap) == (95.0, pytest.approx(0.05))
    assert (stopped.handoff_seconds, stopped.solve_seconds) == (0.75, 4.0)
    assert _after(Solution("interrupted", True, objective=100.0), first).bound == 95.0
    better = _after(Solution("optimal", True, objective=100.0, bound=97.0, mip_gap=0.03), first)
    assert (better.bound, better.mip_gap) == (97.0, 0.03)
