"""The campus decomposition (optimizer/campus_decomposition.py): Dantzig–Wolfe over campuses, a plan from
whole-number campus plans, its gap against the whole model's LP bound, and the fixed-plan LP's duals.

Hand-checked cases as in test_screen.py: four campuses alike but for their site capex, 40 h100e on gas
(tests/helpers.py: 1 MW per h100e, gas at $1,000/kW and $30/MWh of fuel). An oracle case: a generated
15-campus instance solved whole by HiGHS."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import SITE, row, solve_case, write_case
from optimizer.campus_decomposition import AUTO_CAMPUSES, decompose, violation
from optimizer.explain.duals import shadow_prices
from optimizer.handoff import compile_model
from optimizer.inputs.load import load_all
from optimizer.interrupts import STOP
from optimizer.model.build import build_model
from optimizer.pipeline import run_config
from optimizer.progress import Progress
from optimizer.solve import run_highs, solve, to_highs, use_objective

ROOT = Path(__file__).resolve().parents[2]
COST_40 = 40 * (1e6 + 8760 * 30.0) / 1e6       # MUSD: 40 MW of gas and a year of its fuel


def campuses(extra_capex: list[float]) -> list[dict]:
    return [row(SITE, site_id=s, name=f"site {s}", gas_permit_mw=500.0, site_capex_usd=c, lat=35.0 + i)
            for i, (s, c) in enumerate(zip("ABCD", extra_capex))]


def test_the_cheapest_campus_alone_and_the_bound_is_the_plan(tmp_path):
    config = {"targets": {"compute_h100e": {2026: 40}}, "solver": {"decompose": True}}
    _, sol = solve_case(tmp_path, config, sites=campuses([0.0, 2e6, 4e6, 6e6]))
    assert sol.status == "optimal" and sol.decomposition is not None
    assert sol.objective == pytest.approx(COST_40)
    assert sol.bound == pytest.approx(COST_40)               # the whole LP: A alone, its capex 0
    assert sol.mip_gap == pytest.approx(0.0, abs=1e-9)
    assert sol.decomposition["campuses_used"] == ["A"]
    assert {r["phase"] for r in sol.decomposition["rounds"]} == {"lp", "polish"}


def test_the_bound_is_the_whole_lp_and_a_plan_outside_the_gap_goes_on_to_branch_and_bound(tmp_path):
    """A holds 25 MW, so B ($1M of site capex) must open: the plan costs COST_40 + $1M. The whole LP builds
    B in part (15 of 100 MW beyond A's 25: $0.15M), so with the decomposition run to its end (mip_gap 0)
    its bound is COST_40 + 0.15 and its plan 1.6% above it: outside the gap, so the whole model's branch
    and bound starts from that plan and proves it optimal. At a 5% gap the decomposition proves it alone."""
    sites = campuses([0.0, 1e6, 8e6, 9e6])
    sites[0]["max_it_mw"] = 25.0
    exact = {"targets": {"compute_h100e": {2026: 40}}, "solver": {"decompose": True, "mip_gap": 0.0}}
    _, sol = solve_case(tmp_path / "exact", exact, sites=sites)
    assert sol.decomposition["bound_usd"] == pytest.approx((COST_40 + 0.15) * 1e6)
    assert sol.status == "optimal" and sol.objective == pytest.approx(COST_40 + 1.0)
    assert sol.bound == pytest.approx(COST_40 + 1.0) and sol.fixed_plan_duals is None   # HiGHS's proof
    wide = {**exact, "solver": {"decompose": True, "mip_gap": 0.05}}
    _, sol = solve_case(tmp_path / "wide", wide, sites=sites)
    assert sol.status == "optimal" and sol.objective == pytest.approx(COST_40 + 1.0)
    assert COST_40 + 0.15 - 0.05 * (COST_40 + 1) <= sol.bound <= COST_40 + 0.15 + 1e-9
    assert sol.mip_gap == pytest.approx((COST_40 + 1.0 - sol.bound) / (COST_40 + 1.0))


def test_its_shadow_prices_are_those_of_the_fixed_plan_lp(tmp_path):
    """The duals the decomposition assembles (master + each campus's LP) give the same table as the
    fixed-plan LP solved whole (A alone, at its 100 MW: the decomposition's plan proven at a 0 gap)."""
    sites = campuses([0.0, 2e6, 4e6, 6e6])
    tables = []
    for decompose_on in (True, False):
        config = {"targets": {"compute_h100e": {2026: 40}}, "solver": {"decompose": decompose_on}}
        m, sol = solve_case(tmp_path / str(decompose_on), config, sites=sites)
        assert (sol.fixed_plan_duals is not None) == decompose_on
        prices = shadow_prices(m, sol, load_all(tmp_path / str(decompose_on) / "config.yaml")[1].config.solver)
        assert prices.status == "optimal"
        if decompose_on:
            assert sol.decomposition["rounds"][-1]["phase"] == "duals"
        tables.append(prices)
    decomposed, whole = tables
    assert decomposed.lp_objective_usd == pytest.approx(whole.lp_objective_usd)
    assert list(decomposed.table["limit"]) == list(whole.table["limit"])
    assert np.allclose(decomposed.table["value_usd_per_unit"], whole.table["value_usd_per_unit"], rtol=1e-6)
    target = whole.table[whole.table["constraint"] == "compute_target_lower"]
    assert len(target) == 1 and target["value_usd_per_unit"].iloc[0] > 0


def generated(tmp_path, seed=1, share=0.3):
    """A generated instance of 15 campuses × 5 years (benchmarks/generate.py), targets at ``share`` of
    what the campuses hold."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import write_instance

    _, inputs = load_all(write_instance(tmp_path / "case", 15, 5, 4, 2, 24, seed=seed, target_share=share))
    return inputs


@pytest.mark.parametrize("seed, share", [(1, 0.3), (2, 0.3), (3, 0.05)])
def test_against_the_whole_model_on_a_generated_instance(tmp_path, seed, share):
    """15 campuses × 5 years: the decomposition's bound is the whole LP relaxation's optimum (run to its
    end), below HiGHS's optimum of the whole MIP; its plan satisfies every row and integrality, and
    costs no less than that optimum."""
    inputs = generated(tmp_path, seed, share)
    options = inputs.config.solver.model_copy(update={"mip_gap": 0.0, "time_limit_s": 300.0})
    m = build_model(inputs)
    use_objective(m, "objective_cost")
    form = compile_model(m)
    lp = to_highs(form, options.model_copy(update={"relax_integrality": True}))
    run_highs(lp)
    lp_value = lp.getInfo().objective_function_value
    whole = to_highs(form, options.model_copy(update={"mip_gap": 1e-6}))
    run_highs(whole)
    optimum = whole.getInfo().objective_function_value
    result = decompose(form, list(inputs.sites.index), options, Progress())
    assert result.bound == pytest.approx(lp_value, rel=1e-6)
    assert result.bound <= optimum * (1 + 1e-9)
    assert violation(form, result.x) <= 1e-6
    ints = result.x[form.integer]
    assert np.allclose(ints, np.round(ints), atol=1e-6)
    assert float(form.cost @ result.x + form.offset) == pytest.approx(result.objective, rel=1e-9)
    assert result.objective >= optimum * (1 - 1e-9)
    assert (result.objective - optimum) / optimum < 0.02          # a near-optimal plan, not any plan


def test_auto_leaves_small_models_whole_and_an_infeasible_model_falls_back(tmp_path):
    config = {"targets": {"compute_h100e": {2026: 40}}}
    _, sol = solve_case(tmp_path / "auto", config, sites=campuses([0.0, 2e6, 4e6, 6e6]))
    assert sol.status == "optimal" and sol.decomposition is None and 4 < AUTO_CAMPUSES
    too_much = {"targets": {"compute_h100e": {2026: 4000}}, "solver": {"decompose": True}}
    _, sol = solve_case(tmp_path / "infeasible", too_much, sites=campuses([0.0, 2e6, 4e6, 6e6]))
    assert sol.status == "infeasible" and sol.decomposition is None    # the whole model said so


def test_a_run_folder_records_the_decomposition(tmp_path):
    path = write_case(tmp_path / "case", {"name": "four", "targets": {"compute_h100e": {2026: 40}},
                                         "solver": {"decompose": True}}, sites=campuses([0.0, 2e6, 4e6, 6e6]))
    outcome = run_config(path, runs_root=tmp_path / "runs")
    summary = outcome.summary
    assert summary["decomposition"]["campuses_used"] == ["A"]
    assert summary["shadow_prices"]["status"] == "optimal" and summary["binding"]
    written = json.loads((outcome.out_dir / "summary.json").read_text())
    assert written["decomposition"]["campuses_used"] == ["A"] and written["decomposition"]["rounds"]
    assert (outcome.out_dir / "report.html").exists()


def solved_with_a_stop_at(tmp_path, words: str):
    """The generated instance decomposed, Ctrl-C recorded when the progress first shows ``words``."""
    class StopAt(Progress):
        def stage(self, text):
            if words in text:
                STOP.record("SIGINT")

    inputs = generated(tmp_path)
    m = build_model(inputs)
    try:
        return solve(m, inputs.config.solver.model_copy(update={"decompose": True}), progress=StopAt())
    finally:
        STOP.clear()


def test_stopped_during_the_lp_phase_there_is_no_plan(tmp_path):
    sol = solved_with_a_stop_at(tmp_path, "round 1")
    assert sol.status == "interrupted" and not sol.has_solution
    assert [r["phase"] for r in sol.decomposition["rounds"]] == ["lp"]


@pytest.mark.parametrize("setting, campuses, integers, rows, gap, expected", [
    ("auto", 26, 294, 30_000, 0.01, True),        # many campuses at a planning gap
    ("auto", 26, 294, 30_000, 0.001, False),      # a tight gap: branch and bound on the whole model proves it
    ("auto", 200, 3_693, 700_000, 0.001, True),   # too large to solve whole at any gap
    ("auto", 19, 294, 30_000, 0.01, False),       # few campuses
    ("auto", 26, 151, 30_000, 0.01, False),       # few integers: HiGHS alone is faster
    (False, 200, 3_693, 700_000, 0.01, False),
    (True, 2, 4, 100, 0.0, True),
])
def test_auto_decomposes_many_campuses_at_a_planning_gap_or_a_large_model(setting, campuses, integers, rows, gap,
                                                                          expected):
    from types import SimpleNamespace

    import scipy.sparse as sp

    from optimizer.campus_decomposition import wanted
    from optimizer.config.schema import Solver

    form = SimpleNamespace(integer=np.arange(4_000) < integers, A=sp.csr_matrix((rows, 4_000)))
    assert wanted(form, Solver(decompose=setting, mip_gap=gap), campuses) is expected


def test_stopped_while_polishing_the_plan_found_is_kept(tmp_path):
    """The master's columns are plans of their campuses and it meets the coupling rows: stopped during the
    polish, its current solution is a plan of the whole model (status interrupted)."""
    sol = solved_with_a_stop_at(tmp_path, "polishing")
    assert sol.status == "interrupted" and sol.has_solution
    assert sol.decomposition["rounds"][-1]["phase"] == "polish"
    assert violation(sol.form, sol.x) <= 1e-6
    assert sol.objective >= sol.bound


def test_integer_columns_of_no_campus_send_the_model_to_the_whole_solve(tmp_path):
    """``fastest``'s cost stage has a binary per month of no campus (target reached): the master would hold
    it as continuous, so the whole model is solved, and both ways give the same optimum (found by hand:
    10 h100e reached in April, at A, whose grid steps to 20 MW then; B's only in June)."""
    months = {"horizon": {"first_year": 2026, "last_year": 2026, "periods": [{"step": "month", "until": "2026-12"}]}}
    sites = [row(SITE, site_id=s, name=f"site {s}", grid_existing_mw=20.0, lat=35.0 + i) for i, s in enumerate("AB")]
    found = []
    for decompose_on in (True, False):
        config = {**months, "objective": {"kind": "fastest", "fastest_h100e": 10},
                  "grid": {"energised_mw": {"A": {"2026-01": 5, "2026-04": 20}, "B": {"2026-01": 0, "2026-06": 20}}},
                  "solver": {"decompose": decompose_on, "mip_gap": 0.0}}
        _, sol = solve_case(tmp_path / str(decompose_on), config, sites=sites, techs=[])
        assert sol.status == "optimal" and sol.decomposition is None
        ints = sol.x[sol.form.integer]
        assert np.allclose(ints, np.round(ints))
        found.append((sol.objective, sol.compute_measure))
    assert found[0] == pytest.approx(found[1])


def test_a_stop_inside_a_master_solve_keeps_the_last_polished_plan(tmp_path, monkeypatch):
    """Ctrl-C landing inside the master LP of the polish's second round (run_highs records it and interrupts
    HiGHS): the first round's polished plan is the answer, status interrupted."""
    import optimizer.campus_decomposition as cd

    polishing = []

    class Count(Progress):
        def stage(self, text):
            if "polishing" in text:
                polishing.append(text)

    real = cd.CampusDecomposition.solve_master

    def interrupted_in_round_two(self):
        if polishing:
            STOP.record("SIGINT")
        return real(self)

    monkeypatch.setattr(cd.CampusDecomposition, "solve_master", interrupted_in_round_two)
    inputs = generated(tmp_path)
    m = build_model(inputs)
    try:
        sol = solve(m, inputs.config.solver.model_copy(update={"decompose": True}), progress=Count())
    finally:
        STOP.clear()
    assert sol.status == "interrupted" and sol.has_solution and len(polishing) == 1
    assert violation(sol.form, sol.x) <= 1e-6
    assert sol.objective == pytest.approx(float(sol.form.cost @ sol.x + sol.form.offset))


def test_shadow_prices_say_so_when_the_decomposed_fixed_plan_lp_fails(tmp_path, monkeypatch):
    import optimizer.campus_decomposition as cd

    inputs = generated(tmp_path)
    m = build_model(inputs)
    options = inputs.config.solver.model_copy(update={"decompose": True})
    sol = solve(m, options)
    assert sol.status == "optimal"

    def fails(self):
        raise cd.Fallback("the master LP ended Iteration limit reached")

    monkeypatch.setattr(cd.CampusDecomposition, "solve_master", fails)
    prices = shadow_prices(m, sol, options)
    assert prices.status.startswith("no duals") and prices.table.empty


def test_a_campus_lp_that_ends_without_an_answer_is_solved_again_cold(tmp_path):
    """HiGHS can end a warm-started campus LP with status Unknown; the round solves it once more from
    scratch instead of giving up on the decomposition."""
    import highspy

    import optimizer.campus_decomposition as cd
    from optimizer.screen import blocks_of

    inputs = generated(tmp_path)
    m = build_model(inputs)
    use_objective(m, "objective_cost")
    form = compile_model(m)
    dw = cd.CampusDecomposition(form, blocks_of(form, list(inputs.sites.index)), inputs.config.solver)
    cols, real = dw.pricers[3]

    class FirstRunUnknown:
        runs = 0

        def __getattr__(self, name):
            return getattr(real, name)

        def run(self):
            FirstRunUnknown.runs += 1
            return None if FirstRunUnknown.runs == 1 else real.run()

        def getModelStatus(self):
            return highspy.HighsModelStatus.kUnknown if FirstRunUnknown.runs == 1 else real.getModelStatus()

    dw.pricers[3] = (cols, FirstRunUnknown())
    _, priced = dw.price(np.zeros(dw.C.size))
    assert FirstRunUnknown.runs == 2 and len(priced) == len(dw.pricers)
