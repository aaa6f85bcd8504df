"""An independent oracle for two-stage stochastic plans on drawn newsvendors (tests/stochastic/cases.py).

The oracle never touches the optimizer: q units of X bought in 2026 (first stage, $1M each), the rest of
the 2027 demand D_s bought late (recourse, ``late`` MUSD each), so

    cost(q, D) = q + late · max(D − q, 0)                                  (MUSD)

and the stochastic optimum is min over whole q in 0 .. max D of (1 − λ) E[cost] + λ CVaR_α[cost], with
CVaR the probability-weighted mean of the worst (1 − α) tail of the costs (sorted, the last atom split).
Wait and see: each future buys its own demand early, cost D_s.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from helpers import GAS, GPU, REGION, SITE, row, write_case
from optimizer.handoff import StandardForm
from optimizer.inputs.load import load_all
from optimizer.progress import Progress
from optimizer.stochastic.equivalent import Member, build_equivalent, scenario_costs
from optimizer.stochastic.run import _evaluator, load_scenarios, run_stochastic, solve_equivalent
from stochastic.cases import newsvendor

M = 1e6
X_2026 = ("gpu_new_units", ("A", "X", 2026))


# ---------------------------------------------------------------- the oracle (no optimizer code)

def closed_form(q: float, demand: float, late: float) -> float:
    return q + late * max(demand - q, 0.0)


def tail_mean(costs, probabilities, alpha: float) -> float:
    """CVaR_α: the mean of the worst (1 − α) probability mass of the costs."""
    mass, total = 1.0 - alpha, 0.0
    left = mass
    for z, p in sorted(zip(costs, probabilities), key=lambda t: -t[0]):
        take = min(p, left)
        total += take * z
        left -= take
        if left <= 1e-15:
            break
    return total / mass


def measure(costs, probabilities, alpha: float, weight: float) -> float:
    expected = sum(p * z for p, z in zip(probabilities, costs))
    return expected if weight == 0 else (1 - weight) * expected + weight * tail_mean(costs, probabilities, alpha)


def oracle(demands, probabilities, late, alpha=0.9, weight=0.0) -> tuple[float, list[int]]:
    """The least risk-measured cost over whole first-stage purchases, and every q attaining it."""
    values = {q: measure([closed_form(q, d, late) for d in demands], probabilities, alpha, weight)
              for q in range(0, int(max(demands)) + 1)}
    best = min(values.values())
    return best, [q for q, v in values.items() if v <= best + 1e-9 * max(1.0, best)]


def test_the_oracle_itself():
    # demands 40/80 equally likely, late 1.5: q* = 40, cost 70 (the hand calculation of test_stochastic.py)
    assert oracle([40, 80], [0.5, 0.5], 1.5) == (70.0, [40])
    assert tail_mean([10, 20, 30], [0.5, 0.3, 0.2], 0.5) == pytest.approx((0.3 * 20 + 0.2 * 30) / 0.5)
    assert tail_mean([10, 20, 30], [0.5, 0.3, 0.2], 0.0) == pytest.approx(17.0)
    assert tail_mean([10, 20, 30], [0.5, 0.3, 0.2], 0.9) == pytest.approx(30.0)
    assert tail_mean([30, 10], [0.2, 0.8], 0.7) == pytest.approx((0.2 * 30 + 0.1 * 10) / 0.3)


# ---------------------------------------------------------------- helpers around the optimizer

def members_of(case: Path):
    _, base = load_all(case, cluster=False)
    block = base.config.uncertainty
    scenarios = load_scenarios(case, [], base, block, Progress())
    return base, block, [s.member for s in scenarios]


def write(folder: Path, demands, probabilities, late, risk=None, extra=None) -> Path:
    names = [f"s{i}" for i in range(len(demands))]
    return newsvendor(folder, dict(zip(names, demands)), dict(zip(names, probabilities)), late_musd=late,
                      risk=risk, extra=extra)


def test_the_model_cost_is_the_closed_form(tmp_path):
    """On the textbook instance the model's cost is q + late·max(D − q, 0) for every whole q tried, not
    only at the optimum: each q fixed as the first stage and completed in each future."""
    late, demands = 1.5, [40, 80]
    base, block, members = members_of(write(tmp_path / "case", demands, [0.5, 0.5], late))
    solved = solve_equivalent(members, base.config.solver, block.risk, Progress())
    assert solved.status == "optimal" and solved.objective == pytest.approx(70.0, rel=1e-9)
    assert solved.plan[X_2026] == pytest.approx(40.0)
    assert scenario_costs(members, solved.xs) == pytest.approx([40.0, 100.0], rel=1e-9)
    qs = [0, 1, 17, 40, 55, 80, 95]
    with _evaluator(None, None, 0, base.config.solver, Progress()) as evaluate:
        done = evaluate([(m, {**solved.plan, X_2026: float(q)}) for q in qs for m in members])
        # a fractional purchase is rounded to whole units (integer_gpus: true) before it is completed
        half = evaluate([(members[0], {**solved.plan, X_2026: 12.4})])[0]
    got = np.array([e.cost for e in done]).reshape(len(qs), len(members))
    want = np.array([[closed_form(q, d, late) for d in demands] for q in qs])
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
    assert half.cost == pytest.approx(closed_form(12, 40, late))


# ---------------------------------------------------------------- drawn instances

@st.composite
def instances(draw, risk: bool = True):
    n = draw(st.integers(2, 4))
    demands = draw(st.lists(st.integers(0, 60), min_size=n, max_size=n))
    weights = draw(st.lists(st.integers(1, 20), min_size=n, max_size=n))
    probabilities = [w / sum(weights) for w in weights]
    late = draw(st.floats(1.05, 3.0, allow_nan=False, allow_infinity=False).map(lambda v: round(v, 4)))
    cvar = None
    if risk and draw(st.booleans()):
        cvar = {"cvar_alpha": draw(st.floats(0.0, 0.9).map(lambda v: round(v, 3))),
                "cvar_weight": draw(st.floats(0.0, 1.0).map(lambda v: round(v, 3)))}
    return demands, probabilities, late, cvar


@settings(max_examples=10, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(instances())
@example(([40, 80], [0.7, 0.3], 1.5, {"cvar_alpha": 0.7, "cvar_weight": 1.0}))        # the min-max plan: q = 80
@example(([0, 25, 60], [0.2, 0.5, 0.3], 2.3, {"cvar_alpha": 0.55, "cvar_weight": 0.4}))  # the tail splits an atom
def test_the_equivalent_matches_the_brute_force_oracle(instance):
    demands, probabilities, late, risk = instance
    alpha, weight = (risk["cvar_alpha"], risk["cvar_weight"]) if risk else (0.9, 0.0)
    best, argmins = oracle(demands, probabilities, late, alpha, weight)
    with tempfile.TemporaryDirectory() as tmp:
        case = write(Path(tmp) / "case", demands, probabilities, late, risk)
        outcome = run_stochastic(case, out=Path(tmp) / "run", method="equivalent", progress=Progress())
    st_ = outcome.summary["stochastic"]
    assert outcome.status == "optimal"
    assert st_["objective_usd"] / M == pytest.approx(best, rel=1e-6, abs=1e-6)
    # the plan's first stage is a minimiser and each future's cost is the closed form at it
    q = outcome.solution.plan[X_2026]
    assert q == round(q) and int(q) in argmins
    costs = [s["cost_usd"] / M for s in st_["scenarios"]]
    assert costs == pytest.approx([closed_form(q, d, late) for d in demands], rel=1e-6, abs=1e-6)
    assert st_["expected_cost_usd"] / M == pytest.approx(sum(p * z for p, z in zip(probabilities, costs)),
                                                         rel=1e-6, abs=1e-6)
    if weight > 0:
        assert st_["cvar_usd"] / M == pytest.approx(tail_mean(costs, probabilities, alpha), rel=1e-6, abs=1e-6)
    # wait and see: each future buys its demand early (cost D_s), measured the same way; EVPI = RP − WS
    ws = measure(demands, probabilities, alpha, weight)
    assert [s["own_optimum_usd"] / M for s in st_["scenarios"]] == pytest.approx(demands, abs=1e-6)
    assert st_["wait_and_see_usd"] / M == pytest.approx(ws, rel=1e-6, abs=1e-6)
    assert st_["evpi_usd"] / M == pytest.approx(best - ws, rel=1e-6, abs=1e-6)
    assert st_["evpi_usd"] >= -1e-6
    # the stochastic plan's row of the regret table is the closed form too; the scenarios' own plans buy D_j
    regret = st_["regret"]
    cost = np.array(regret["cost_usd"], dtype=float) / M
    np.testing.assert_allclose(cost[-1], [closed_form(q, d, late) for d in demands], rtol=1e-6, atol=1e-6)
    for i, d_i in enumerate(demands):
        np.testing.assert_allclose(cost[i], [closed_form(d_i, d, late) for d in demands], rtol=1e-6, atol=1e-6)
    if st_.get("vss_usd") is not None:
        assert st_["vss_usd"] >= -1e-6


@settings(max_examples=4, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(instances(risk=False))
def test_the_decomposition_is_within_its_gap_of_the_oracle(instance):
    from optimizer.stochastic.decompose import decompose

    demands, probabilities, late, _ = instance
    best, _ = oracle(demands, probabilities, late)
    with tempfile.TemporaryDirectory() as tmp:
        base, block, members = members_of(write(Path(tmp) / "case", demands, probabilities, late))
        gap = block.decomposition.mip_gap
        with _evaluator(None, None, 0, base.config.solver, Progress()) as evaluate:
            solved = decompose(members, base.config.solver, block.risk, block.decomposition, Progress(), evaluate)
    assert solved.plan is not None
    tol = 1e-6 * max(1.0, best)
    assert best - tol <= solved.objective <= best * (1 + gap) + tol     # a real plan: never below the optimum
    assert solved.bound <= best + tol                                    # a valid lower bound
    assert all(h["bound_usd"] / M <= best + tol for h in solved.history)
    q = solved.plan[X_2026]
    assert solved.objective == pytest.approx(
        sum(p * closed_form(round(q), d, late) for p, d in zip(probabilities, demands)), rel=1e-6, abs=1e-6)


# ---------------------------------------------------------------- the equivalent's algebra on hand-made forms

def newsvendor_form(demand: float, late: float, offset: float) -> StandardForm:
    """min q + late·y + offset  s.t.  q + y ≥ demand,  q, y ≥ 0 whole (q first stage: column 0)."""
    import scipy.sparse as sp

    return StandardForm(sp.csc_matrix(np.array([[1.0, 1.0]])), np.array([1.0, late]), offset, np.zeros(2),
                        np.full(2, np.inf), np.array([True, True]), np.array([float(demand)]), np.array([np.inf]),
                        [], [])


@settings(max_examples=40, deadline=None, database=None)
@given(instances(), st.lists(st.floats(-50.0, 50.0), min_size=4, max_size=4), st.booleans())
def test_the_equivalent_of_hand_made_forms_with_offsets(instance, offsets, worst_case_only):
    """CVaR rows with each future's constant term o_s (zero in the siting newsvendor), λ up to 1."""
    from optimizer.config.schema import Solver
    from optimizer.solve import solve_form

    demands, probabilities, late, risk = instance
    alpha, weight = (risk["cvar_alpha"], risk["cvar_weight"]) if risk else (0.9, 0.0)
    weight = 1.0 if worst_case_only and risk else weight
    members = [Member(f"s{i}", p, newsvendor_form(d, late, o), {X_2026: 0})
               for i, (d, p, o) in enumerate(zip(demands, probabilities, offsets))]
    solution = solve_form(build_equivalent(members, alpha, weight).form, Solver(mip_gap=0.0))
    best = min(measure([closed_form(q, d, late) + o for d, o in zip(demands, offsets)], probabilities, alpha, weight)
               for q in range(0, max(demands) + 1))
    assert solution.objective == pytest.approx(best, rel=1e-6, abs=1e-6)


def test_a_decision_one_future_lacks_is_zero_in_the_equivalent():
    from optimizer.config.schema import Solver
    from optimizer.solve import solve_form

    a = Member("a", 0.5, newsvendor_form(40, 1.5, 0.0), {X_2026: 0})
    b = Member("b", 0.5, newsvendor_form(80, 1.5, 0.0), {})     # q is b's own (recourse) column here
    eq = build_equivalent([a, b])
    solution = solve_form(eq.form, Solver(mip_gap=0.0))
    x = np.asarray(solution.highs.getSolution().col_value)
    assert eq.plan(x) == {X_2026: 0.0}
    assert solution.objective == pytest.approx(0.5 * 1.5 * 40 + 0.5 * 80)   # b still buys q as recourse


# ---------------------------------------------------------------- a decomposition with an unbounded relaxation

def engines_case(folder: Path) -> Path:
    """The newsvendor powered by on-site engines with no size limit ($1/kW): a Lagrangian multiplier
    on the 2026 engine build below −$1/kW makes a scenario's subproblem unbounded."""
    site = row(SITE, grid_existing_mw=0.0, max_it_mw=500.0)
    region = row(REGION, grid_price_usd_per_mwh=0.0, grid_co2_kg_per_mwh=0.0)
    engine = row(GAS, tech_id="eng", fuel="none", capex_usd_per_kw=1.0, heat_rate_btu_per_kwh=0.0,
                 co2_kg_per_mmbtu=0.0, lifetime_years=2, max_mw_per_site="", first_year=2026)
    early = row(GPU, gpu_id="X", price_usd_per_unit=1e6, first_year=2026, last_year=2026, lifetime_years=2)
    late = row(GPU, gpu_id="Y", name="late unit", price_usd_per_unit=1.5e6, first_year=2027, lifetime_years=1)
    scenarios = [{"name": n, "probability": 0.5, "set": {"targets.compute_h100e": {2027: d}}}
                 for n, d in (("low", 40), ("high", 80))]
    return write_case(folder, {"name": "engines", "horizon": {"first_year": 2026, "last_year": 2027},
                               "uncertainty": {"scenarios": scenarios, "first_stage_until": 2027, "regret": False}},
                      sites=[site], regions=[region], techs=[engine], gpus=[early, late])


def test_the_decomposition_survives_an_unbounded_lagrangian_subproblem(tmp_path):
    from optimizer.stochastic.decompose import decompose

    base, block, members = members_of(engines_case(tmp_path / "case"))
    whole = solve_equivalent(members, base.config.solver, block.risk, Progress())
    assert whole.status == "optimal"
    with _evaluator(None, None, 0, base.config.solver, Progress()) as evaluate:
        solved = decompose(members, base.config.solver, block.risk, block.decomposition, Progress(), evaluate)
    assert solved.plan is not None, (solved.status, solved.message)
    assert whole.objective - 1e-6 <= solved.objective <= whole.objective * (1 + block.decomposition.mip_gap) + 1e-6
