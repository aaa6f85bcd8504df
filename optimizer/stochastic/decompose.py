"""Scenario decomposition: a Lagrangian bound from scenario-by-scenario solves, and first-stage plans
completed in every scenario as the incumbent. For when the deterministic equivalent is too large to
solve whole: each step holds one scenario's model, not all of them.

Relax the non-anticipativity x_s[d] = x̄[d] with multipliers w_s (one per scenario and first-stage
decision d, Σ_s p_s w_s = 0)::

    L(w) = Σ_s p_s · min { c_s·x_s + o_s + w_s·x_s[D] : x_s feasible in scenario s }

For any plan that shares its first stage, Σ_s p_s w_s·x[D] = 0, so L(w) ≤ the stochastic optimum:
every L(w) is a valid lower bound (computed from each scenario's proven bound, so a scenario solved to
a gap keeps it valid). The multipliers move by Polyak subgradient steps (as progressive hedging moves
them, without its quadratic term, which HiGHS cannot hold in a MIP)::

    x̄ = Σ_s p_s x_s[D]         w_s ← w_s + t · (x_s[D] − x̄)       t = θ (incumbent − L) / Σ_s p_s |x_s[D] − x̄|²

which keeps Σ_s p_s w_s = 0; θ halves after 3 steps without a better bound. Incumbents: each
scenario's first stage of the step (the first step: the scenarios' own optima, the most probable
first) and x̄ rounded where the decision is whole, at most three new plans a step, each completed in
every scenario; the plan with the least expected cost is kept. When none of the first step's plans
serves every scenario, the equivalent of a few scenarios (first the one that failed most) is solved,
its first stage completed everywhere, and a scenario that cannot complete it joins the few, until a
plan serves all. It stops when
(incumbent − bound) / incumbent ≤ ``mip_gap``, when every scenario takes the same first stage (that
plan is then optimal), at ``max_iterations`` or at
``time_limit_s``.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from optimizer.errors import InputError, Problem
from optimizer.interrupts import STOP
from optimizer.progress import Progress
from optimizer.stochastic.equivalent import Member, decisions_of
from optimizer.stochastic.stages import Key, same_plan

STALL_STEPS = 3
MAX_CANDIDATES = 3          # first-stage plans completed in every scenario per step


@dataclasses.dataclass
class Incumbent:
    plan: dict | None = None
    cost: float = float("inf")         # expected cost, MUSD
    xs: list | None = None


def decompose(members: list[Member], options, risk, settings, progress: Progress, evaluate):
    """The stochastic plan by scenario decomposition (expected cost; CVaR needs the equivalent)."""
    from optimizer.stochastic.run import Solved

    if risk.cvar_weight > 0:
        raise InputError([Problem(None, None, "uncertainty.method", "the decomposition minimises the expected "
                                  "cost; CVaR (risk.cvar_weight > 0) needs the deterministic equivalent",
                                  "use uncertainty.method: equivalent (or auto)")])
    t0 = time.perf_counter()
    keys = decisions_of(members)
    forms = [_shared_zero(m, members) for m in members]
    p = np.array([m.probability for m in members])
    w = np.zeros((len(members), len(keys)))
    integer = _integer_keys(members, keys)
    best, seen = Incumbent(), []
    bound, theta, stall, history = -np.inf, settings.step, 0, []
    w_before = w
    for k in range(settings.max_iterations):
        remaining = settings.time_limit_s - (time.perf_counter() - t0)
        if remaining <= 0 or STOP.requested:
            break
        sub = options.model_copy(update={"time_limit_s": max(1.0, min(options.time_limit_s, remaining)),
                                         "mip_gap": min(options.mip_gap, settings.mip_gap / 2)})
        step = _solve_scenarios(members, forms, keys, w, sub, progress, k)
        if isinstance(step, str):
            if k == 0:       # no multipliers yet: the scenario has no plan of its own
                return Solved("infeasible", None, None, None, None, f"scenario {step} has no plan on its own: "
                              "no plan serves every scenario", time.perf_counter() - t0)
            w, theta = w_before, theta / 2      # the step made a scenario unbounded: take it back, shorter
            continue
        lb, xk = step
        if np.isfinite(lb) and (not np.isfinite(bound) or lb > bound + 1e-9 * max(1.0, abs(bound))):
            bound, stall = lb, 0
        else:
            stall += 1
            if stall >= STALL_STEPS:
                theta, stall = theta / 2, 0
        xbar = p @ xk
        candidates = _candidates(members, keys, xk, xbar, integer, seen, first=(k == 0))
        failing = _complete(candidates, members, p, evaluate, best, seen, sub)
        if k == 0 and best.plan is None:
            _growing_subset(members, p, evaluate, best, seen, sub, risk, progress, failing, t0 + settings.time_limit_s)
        gap = _gap(best.cost, bound)
        history.append({"iteration": k + 1, "bound_usd": bound * 1e6, "incumbent_usd": _usd(best.cost),
                        "gap": gap, "seconds": round(time.perf_counter() - t0, 3)})
        progress.stage(f"decomposition, step {k + 1}: bound ${bound:,.1f}M, best plan "
                       f"{'none yet' if best.plan is None else f'${best.cost:,.1f}M'}"
                       + (f", gap {gap:.2%}" if gap is not None else ""))
        norm2 = float(p @ np.sum((xk - xbar) ** 2, axis=1))
        if (gap is not None and gap <= settings.mip_gap) or norm2 <= 1e-12:
            break
        target = best.cost if np.isfinite(best.cost) else bound + max(1.0, 0.05 * abs(bound))
        level = lb if np.isfinite(lb) else bound
        w_before = w.copy()
        w = w + theta * max(target - level, 1e-6 * max(1.0, abs(level))) / norm2 * (xk - xbar)
    seconds = time.perf_counter() - t0
    if best.plan is None:
        return Solved("no_plan", None, bound, None, None, "no first-stage plan found that every scenario can "
                      "complete", seconds, history=history)
    status = "optimal" if _gap(best.cost, bound) is not None and _gap(best.cost, bound) <= settings.mip_gap \
        else ("interrupted" if STOP.requested else "gap_limit")
    size = {"scenarios": len(members), "rows_per_scenario": int(max(m.form.A.shape[0] for m in members)),
            "first_stage_decisions": len(keys)}
    return Solved(status, best.cost, bound, best.plan, best.xs, "", seconds, size, history)


def _shared_zero(member: Member, members: list[Member]):
    """The scenario's model with the decisions some other scenario cannot take held at 0 (their shared
    value is 0 there, so here too)."""
    lacking = [k for k in member.stage if any(k not in other.stage for other in members)]
    if not lacking:
        return member.form
    upper, lower = member.form.col_upper.copy(), member.form.col_lower.copy()
    for key in lacking:
        j = member.stage[key]
        lower[j], upper[j] = max(lower[j], 0.0), min(upper[j], 0.0)
    return dataclasses.replace(member.form, col_lower=lower, col_upper=upper)


def _integer_keys(members: list[Member], keys: list[Key]) -> np.ndarray:
    out = np.zeros(len(keys), dtype=bool)
    for i, key in enumerate(keys):
        out[i] = any(m.form.integer[m.stage[key]] for m in members if key in m.stage)
    return out


def _solve_scenarios(members, forms, keys, w, options, progress: Progress, k: int):
    """Each scenario with its multiplier terms: (the Lagrangian bound Σ p_s bound_s, the first stages), or
    the name of a scenario without a plan (infeasible, or unbounded under these multipliers). A scenario
    stopped before it proved a bound (time limit) leaves the step without one (−inf)."""
    from optimizer.solve import solve_form

    lb, xk = 0.0, np.zeros((len(members), len(keys)))
    for s, (m, form) in enumerate(zip(members, forms)):
        progress.stage(f"decomposition, step {k + 1}: scenario {m.name} ({s + 1} of {len(members)})")
        cost = form.cost.copy()
        cols = [(i, m.stage[key]) for i, key in enumerate(keys) if key in m.stage]
        for i, j in cols:
            cost[j] += w[s, i]
        sol = solve_form(dataclasses.replace(form, cost=cost), options)
        if not sol.has_solution:
            return m.name
        x = sol.x
        proven = sol.bound if sol.bound is not None else (sol.objective if sol.status == "optimal" else None)
        lb += m.probability * proven if proven is not None else -np.inf
        for i, j in cols:
            xk[s, i] = x[j]
    return lb, xk


def _candidates(members, keys, xk, xbar, integer, seen, first: bool) -> list[dict]:
    """First-stage plans to complete, at most MAX_CANDIDATES not tried yet: the mean of the scenarios'
    first stages (rounded where whole; after the first step, when they start to agree) and the
    scenarios' own, the most probable first."""
    rounded = dict(zip(keys, map(float, np.where(integer, np.round(xbar), xbar))))
    order = sorted(range(len(members)), key=lambda s: -members[s].probability)
    plans = [dict(zip(keys, map(float, xk[s]))) for s in order]
    out: list[dict] = []
    for plan in (plans + [rounded]) if first else ([rounded] + plans):
        if any(same_plan(plan, q) for q in seen + out):
            continue
        out.append(plan)
        if len(out) >= MAX_CANDIDATES:
            break
    return out


def _complete(candidates: list[dict], members, p, evaluate, best: Incumbent, seen: list, options) -> list[int]:
    """Complete each plan in every scenario (to the subproblems' gap); keep the cheapest in expectation.
    Returns the scenarios where some plan could not be completed (the most often failing first)."""
    if not candidates:
        return []
    jobs = [(m, plan) for plan in candidates for m in members]
    done = evaluate(jobs, "first-stage plans", options)
    n = len(members)
    fails = np.zeros(n)
    for c, plan in enumerate(candidates):
        seen.append(plan)
        results = done[c * n:(c + 1) * n]
        costs = np.array([e.cost for e in results])
        fails += ~np.isfinite(costs)
        if np.all(np.isfinite(costs)) and float(p @ costs) < best.cost - 1e-9:
            best.plan, best.cost, best.xs = plan, float(p @ costs), [e.x for e in results]
    return [int(s) for s in np.argsort(-fails, kind="stable") if fails[s] > 0]


def _growing_subset(members, p, evaluate, best: Incumbent, seen: list, options, risk, progress: Progress,
                    failing: list[int], deadline: float) -> None:
    """When no scenario's own first stage serves every scenario: the equivalent of a few scenarios (first
    the one whose completions failed most), its first stage completed in every scenario; a scenario
    that cannot complete it joins the few; until a plan serves all (the incumbent), or time runs out."""
    from optimizer.stochastic.equivalent import Member
    from optimizer.stochastic.run import solve_equivalent

    subset = failing[:1] or [int(np.argmax(p))]
    while time.perf_counter() < deadline and not STOP.requested:
        weight = sum(p[s] for s in subset)
        few = [Member(members[s].name, p[s] / weight, members[s].form, members[s].stage) for s in subset]
        progress.stage(f"decomposition: a plan for {', '.join(m.name for m in few)} together")
        left = options.model_copy(update={"time_limit_s": max(1.0, deadline - time.perf_counter())})
        solved = solve_equivalent(few, left, risk, progress, evaluate=evaluate)
        if solved.plan is None:
            return
        plan = {k: v for k, v in solved.plan.items()}
        more = _complete([plan], members, p, evaluate, best, seen, options)
        if best.plan is not None or not more:
            return
        joining = next((s for s in more if s not in subset), None)
        if joining is None:
            return
        subset.append(joining)


def _gap(incumbent: float, bound: float) -> float | None:
    if not np.isfinite(incumbent) or not np.isfinite(bound):
        return None
    return max(0.0, (incumbent - bound) / max(abs(incumbent), 1e-9))


def _usd(musd: float) -> float | None:
    return float(musd) * 1e6 if np.isfinite(musd) else None
