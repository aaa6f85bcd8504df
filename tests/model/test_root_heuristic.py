"""The root heuristic (optimizer/heuristic.py): the LP relaxation, then a MIP with the integers the LP
leaves whole fixed. Hand-checked on a lumpy case: 15 MW of GPUs on gas engines of 10 MW units at
$1,000/kW, fuel 15 MW × 8,760 h × $30 = $3.942M a year (one year, rate 0).

    LP relaxation: 1.5 units, 15 MW × $1M = $15M + $3.942M = $18.942M   (the bound)
    whole units:   2 units,   20 MW × $1M = $20M + $3.942M = $23.942M   (the plan)
    gap = (23.942 − 18.942) / 23.942 = 20.88%
"""

from __future__ import annotations

import pytest

from helpers import GAS, SITE, row, solve_case

LUMPY = row(GAS, unit_mw=10.0)
SITE_GAS = row(SITE, gas_permit_mw=100.0)
TARGET = {"targets": {"compute_h100e": {2026: 15}}}
GAP = (23.942 - 18.942) / 23.942


def test_a_plan_within_the_gap_of_the_lp_bound_is_proven_without_branch_and_bound(tmp_path):
    config = {**TARGET, "solver": {"mip_gap": 0.25, "root_heuristic": True}}
    _, sol = solve_case(tmp_path, config, sites=[SITE_GAS], techs=[LUMPY])
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(23.942)
    assert sol.bound == pytest.approx(18.942)           # the LP relaxation's: no branch and bound ran
    assert sol.mip_gap == pytest.approx(GAP)


def test_a_plan_outside_the_gap_starts_branch_and_bound(tmp_path):
    """With a 10% gap the root plan is not enough: HiGHS proves it (its bound closes on $23.942M)."""
    _, sol = solve_case(tmp_path, {**TARGET, "solver": {"mip_gap": 0.1, "root_heuristic": True}}, sites=[SITE_GAS],
                        techs=[LUMPY])
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(23.942)
    assert sol.bound == pytest.approx(23.942, rel=0.1)
    assert sol.mip_gap <= 0.1


def test_the_heuristic_can_be_switched_off(tmp_path):
    config = {**TARGET, "solver": {"mip_gap": 0.25, "root_heuristic": False}}
    _, sol = solve_case(tmp_path, config, sites=[SITE_GAS], techs=[LUMPY])
    assert sol.objective == pytest.approx(23.942)
    assert sol.bound > 18.942 + 1e-6 or sol.mip_gap < GAP     # HiGHS's own bound, not the bare LP's


def test_auto_leaves_small_models_to_branch_and_bound(tmp_path):
    """``auto`` (the default) runs the heuristic from 250 integer columns: this case has one, so the
    bound is HiGHS's own (it closes on the plan), not the bare LP's $18.942M."""
    _, sol = solve_case(tmp_path, {**TARGET, "solver": {"mip_gap": 0.25}}, sites=[SITE_GAS], techs=[LUMPY])
    assert sol.objective == pytest.approx(23.942)
    assert sol.bound != pytest.approx(18.942)


def test_a_solve_without_progress_continues_from_the_root_plan(tmp_path):
    """solve_form called bare (as Dask tasks and plan completions call it): the root plan outside the gap
    goes on to branch and bound without a progress display."""
    from helpers import write_case
    from optimizer.handoff import compile_model
    from optimizer.inputs.load import load_all
    from optimizer.model.build import build_model
    from optimizer.solve import solve_form, use_objective

    path = write_case(tmp_path, {**TARGET, "solver": {"mip_gap": 0.1, "root_heuristic": True}}, sites=[SITE_GAS],
                      techs=[LUMPY])
    _, inputs = load_all(path)
    m = build_model(inputs)
    use_objective(m, "objective_cost")
    sol = solve_form(compile_model(m), inputs.config.solver)
    assert sol.status == "optimal" and sol.objective == pytest.approx(23.942)


def test_feasibility_jump_is_off_unless_the_config_turns_it_on():
    """HiGHS's feasibility jump is off by default (benchmarks/README.md); ``highs_options`` wins."""
    from optimizer.config.schema import Solver
    from optimizer.solve import to_highs

    form = _one_row_form([1.0], [True], 1.0)
    assert to_highs(form, Solver()).getOptionValue("mip_heuristic_run_feasibility_jump")[1] is False
    on = Solver(highs_options={"mip_heuristic_run_feasibility_jump": True})
    assert to_highs(form, on).getOptionValue("mip_heuristic_run_feasibility_jump")[1] is True


def test_solves_with_different_thread_counts_in_one_process_all_run():
    """HiGHS sizes one thread pool per process and rejects a run asking for another size: the pool follows
    solver.threads, and instances made afterwards (campus and master MIPs) get the same count."""
    from optimizer.config.schema import Solver
    from optimizer.solve import _read_outcome, new_highs, run_highs, to_highs

    form = _one_row_form([1.0, 2.0], [True, False], 1.5)
    for threads in (1, 2, 1):
        h = to_highs(form, Solver(threads=threads))
        run_highs(h)
        outcome = _read_outcome(h, False)
        assert (outcome.status, outcome.objective) == ("optimal", pytest.approx(2.0))   # x = (2, 0) or (1, 0.5): 2
        assert h.getOptionValue("threads")[1] == threads == new_highs().getOptionValue("threads")[1]


def _one_row_form(cost: list[float], integer: list[bool], at_least: float):
    """min cost·x  s.t.  Σ x ≥ at_least,  0 ≤ x ≤ 5, as a StandardForm with no Pyomo behind it."""
    import numpy as np
    import scipy.sparse as sp

    from optimizer.handoff import StandardForm

    n = len(cost)
    return StandardForm(A=sp.csc_matrix(np.ones((1, n))), row_lower=np.array([at_least]), row_upper=np.array([np.inf]),
                        col_lower=np.zeros(n), col_upper=np.full(n, 5.0), cost=np.array(cost), offset=0.0,
                        integer=np.array(integer), maximise=False, columns=[], pyomo_rows=[])
