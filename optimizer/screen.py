"""A two-stage screen for many candidate campuses: a short list by pricing, the MIP on the short list,
and a bound of the full model that says how far the plan can be from the best plan of all sites.

Columns belong to a campus (their index names it) or to no campus (costs by year, emissions, ...);
a row is **local** to a campus when all its columns are that campus's, **global** when none is any
campus's, and **coupling** otherwise (targets, budgets, supply, headroom, cost accounts).

Lagrangian bound. For row duals y of the coupling rows C (HiGHS's signs: y_r ≥ 0 where the lower
bound l_r holds, y_r ≤ 0 where the upper bound u_r does)::

    L(y) = Σ_{r∈C} y_r · (l_r if y_r > 0 else u_r)  +  min_{x_g ∈ X_g} d_g·x_g  +  Σ_s min_{x_s ∈ X_s} d_s·x_s
    d = c − A_Cᵀ y           X_s: campus s's local rows and column bounds; X_g: the global rows

is a lower bound of the full LP relaxation (hence of every plan) for any such y, and each min is a
small LP of its own. With y the duals of the LP restricted to a short list S (other campuses' columns
held at 0), L(y) = LP(S) + Σ_{s∉S} min(0, min_{X_s} d_s·x_s): a campus outside the list with a
negative **reduced cost** min d_s·x_s could lower the cost; none left means LP(S) is the full LP.

The screen (column generation over campuses): solve LP(S) (coupling rows elastic at a penalty, so
that a short list that cannot meet the targets yet still gives duals), price every campus outside
S, add the most negative (at most ``ADD_SHARE`` of the campuses a round), until none is negative or
the bound is within the gap of LP(S); then the MIP on S (the root heuristic, branch and bound) gives
the plan, a plan of the full model since the others stay closed, and::

    gap = (plan − L(y)) / plan
"""

from __future__ import annotations

import dataclasses
import time

import highspy
import numpy as np
import scipy.sparse as sp

from optimizer.handoff import StandardForm
from optimizer.progress import Progress

GLOBAL = -1
COUPLING = -2
ADD_SHARE = 0.15           # at most this share of the campuses joins the short list per round
MAX_ROUNDS = 12
PENALTY_FACTOR = 1e4       # elastic coupling rows: this many times the largest cost coefficient
ZERO_TOL = 1e-9            # a row or column bound beyond this excludes 0
NO_PLAN = ("infeasible", "infeasible_or_unbounded")


@dataclasses.dataclass
class Blocks:
    """Campus of each column and row (GLOBAL, COUPLING or the campus's number)."""

    sites: list[str]
    col_site: np.ndarray
    row_site: np.ndarray

    parts: dict = dataclasses.field(default_factory=dict)

    def part(self, form: StandardForm, s: int):
        """Block s's columns, its local rows' matrix (CSC) and those rows (computed once)."""
        if s not in self.parts:
            cols = np.flatnonzero(self.col_site == s)
            rows = np.flatnonzero(self.row_site == s)
            if "csr" not in self.parts:
                self.parts["csr"] = form.A.tocsr()
            A = self.parts["csr"][rows][:, cols].tocsc() if rows.size else sp.csc_matrix((0, cols.size))
            self.parts[s] = (cols, A, rows)
        return self.parts[s]


def blocks_of(form: StandardForm, sites: list[str]) -> Blocks:
    """Which campus each column and row belongs to (see the module docstring)."""
    number = {s: i for i, s in enumerate(sites)}
    col_site = np.full(form.A.shape[1], GLOBAL, dtype=np.int64)
    for j, var in enumerate(form.columns):
        index = var.index()
        for part in index if isinstance(index, tuple) else (index,):
            if isinstance(part, str) and part in number:
                col_site[j] = number[part]
                break
    csr = form.A.tocsr()
    row_site = np.full(form.A.shape[0], GLOBAL, dtype=np.int64)
    owners = col_site[csr.indices]
    filled = np.flatnonzero(np.diff(csr.indptr) > 0)
    if filled.size:
        low = np.minimum.reduceat(owners, csr.indptr[filled])
        high = np.maximum.reduceat(owners, csr.indptr[filled])
        row_site[filled] = np.where(low == high, low, COUPLING)     # one campus (or none) in the row, or several
    return Blocks(list(sites), col_site, row_site)


def lagrangian_bound(form: StandardForm, blocks: Blocks, y: np.ndarray, price: list[int]) -> tuple[float, dict]:
    """L(y) over the campuses in ``price`` plus the global block and the coupling rows; the others'
    block minima are taken as 0 (they are held at 0). Returns (bound, {campus: its block minimum})."""
    coupling = np.flatnonzero(blocks.row_site == COUPLING)
    constant, signed = dual_constant(form, coupling, y[coupling])
    yc = np.zeros(form.A.shape[0])
    yc[coupling] = signed
    d = form.cost - form.A.T @ yc
    total = constant + _block_min(form, blocks, d, GLOBAL)
    minima = {s: _block_min(form, blocks, d, s) for s in price}
    return total + sum(minima.values()), minima


def dual_constant(form: StandardForm, rows: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Σ_r y_r·(l_r if y_r > 0 else u_r) + the objective's offset over ``rows``, and y with any sign its row
    cannot take (a solver's rounding) dropped: any y of the right signs gives a valid bound."""
    lower, upper = form.row_lower[rows], form.row_upper[rows]
    y = np.where(np.isfinite(lower), y, np.minimum(y, 0.0))
    y = np.where(np.isfinite(upper), y, np.maximum(y, 0.0))
    pos, neg = y > 0, y < 0
    return float(y[pos] @ lower[pos] + y[neg] @ upper[neg]) + form.offset, y


def _block_min(form: StandardForm, blocks: Blocks, d: np.ndarray, s: int) -> float:
    """min d_s·x_s over block s's local rows and column bounds (an LP); −inf when unbounded."""
    cols, A, rows = blocks.part(form, s)
    if cols.size == 0:
        return 0.0
    h = small_highs(d[cols], form.col_lower[cols], form.col_upper[cols], A, form.row_lower[rows], form.row_upper[rows])
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return float(h.getInfo().objective_function_value)
    if status == highspy.HighsModelStatus.kModelEmpty:
        return float(np.sum(np.where(d[cols] >= 0, form.col_lower[cols], form.col_upper[cols]) * d[cols]))
    return -np.inf


def small_highs(cost, lower, upper, A, row_lower, row_upper, integer=None) -> highspy.Highs:
    """A silent Highs instance holding min cost·x over row_lower ≤ A x ≤ row_upper and the column bounds
    (``integer``: which columns are integers)."""
    from optimizer.solve import new_highs

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, lower, upper
    lp.row_lower_, lp.row_upper_ = row_lower, row_upper
    A = sp.csc_matrix(A)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = A.indptr, A.indices, A.data
    if integer is not None and integer.any():
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer]
    h = new_highs()
    h.passModel(lp)
    return h


def restricted(form: StandardForm, blocks: Blocks, keep: set[int]) -> StandardForm:
    """``form`` with every column of a campus outside ``keep`` held at 0 (columns beyond the model's, as
    the elastic slacks, stay free)."""
    out = np.zeros(form.A.shape[1], dtype=bool)
    out[:blocks.col_site.size] = ~np.isin(blocks.col_site, list(keep)) & (blocks.col_site >= 0)
    lower, upper = form.col_lower.copy(), form.col_upper.copy()
    lower[out] = np.minimum(np.maximum(lower[out], 0.0), 0.0)
    upper[out] = 0.0
    return dataclasses.replace(form, col_lower=lower, col_upper=upper)


def elastic(form: StandardForm, blocks: Blocks) -> tuple[StandardForm, float]:
    """The LP relaxation with a penalised slack on each side of every coupling row (always feasible)."""
    coupling = np.flatnonzero(blocks.row_site == COUPLING)
    low = coupling[np.isfinite(form.row_lower[coupling])]
    up = coupling[np.isfinite(form.row_upper[coupling])]
    penalty = PENALTY_FACTOR * max(1.0, float(np.max(np.abs(form.cost))))
    n = form.A.shape[1]
    extra = sp.csc_matrix((np.r_[np.ones(low.size), -np.ones(up.size)],
                           (np.r_[low, up], np.arange(low.size + up.size))),
                          shape=(form.A.shape[0], low.size + up.size))
    k = low.size + up.size
    return dataclasses.replace(
        form, A=sp.hstack([form.A, extra], format="csc"), cost=np.r_[form.cost, np.full(k, penalty)],
        col_lower=np.r_[form.col_lower, np.zeros(k)], col_upper=np.r_[form.col_upper, np.full(k, np.inf)],
        integer=np.zeros(n + k, dtype=bool),
        columns=[]), penalty


def needed(form: StandardForm, blocks: Blocks) -> set[int]:
    """The campuses that cannot stay closed: a local row of theirs, or a bound of one of their columns,
    excludes every column at 0 (a campus the config forces open, an existing load)."""
    local = blocks.row_site >= 0
    rows = local & ((form.row_lower > ZERO_TOL) | (form.row_upper < -ZERO_TOL))
    n = blocks.col_site.size
    cols = (blocks.col_site >= 0) & ((form.col_lower[:n] > ZERO_TOL) | (form.col_upper[:n] < -ZERO_TOL))
    return {int(s) for s in np.unique(np.r_[blocks.row_site[rows], blocks.col_site[cols]])}


@dataclasses.dataclass
class Screened:
    short_list: list[str]
    bound: float                  # L(y): a lower bound of the full model (MUSD, minimised sense)
    lp_short: float               # LP(S) of the last round
    rounds: list[dict]
    x: np.ndarray | None = None   # LP(S)'s solution when no elastic slack is used (the short list's LP relaxation)


def short_list(form: StandardForm, blocks: Blocks, options, progress: Progress, first: set[int]) -> Screened:
    """Column generation over campuses from ``first``: the short list and the Lagrangian bound. One
    HiGHS instance holds the elastic LP throughout: a campus joins by its columns' bounds, and each
    round starts from the previous round's basis."""
    from optimizer.solve import run_highs, to_highs

    keep = set(first)
    everyone = set(range(len(blocks.sites)))
    soft, _ = elastic(form, blocks)
    n = form.A.shape[1]
    h = to_highs(restricted(soft, blocks, keep), options.model_copy(update={"relax_integrality": True}))
    rounds, best, lp_value, slack_used, solution = [], -np.inf, np.inf, True, None
    for k in range(MAX_ROUNDS):
        t0 = time.perf_counter()
        progress.stage(f"screening campuses, round {k + 1}: the LP of {len(keep)} of {len(everyone)}")
        run_highs(h)
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break
        lp_value = h.getInfo().objective_function_value
        solution = h.getSolution()
        y = np.asarray(solution.row_dual, dtype=float)
        outside = sorted(everyone - keep)
        progress.stage(f"screening campuses, round {k + 1}: pricing {len(outside)} campuses outside the list")
        bound, minima = lagrangian_bound(form, blocks, y, sorted(keep) + outside)
        best = max(best, bound)
        gaining = sorted((v, s) for s, v in minima.items() if s not in keep and v < -1e-9 * max(1.0, abs(lp_value)))
        rounds.append({"round": k + 1, "short_list": len(keep), "lp_usd": lp_value * 1e6,
                       "bound_usd": bound * 1e6 if np.isfinite(bound) else None,
                       "negative_reduced_costs": len(gaining), "seconds": round(time.perf_counter() - t0, 2)})
        slack_used = np.asarray(solution.col_value)[n:].sum() > 1e-7
        if not gaining and not slack_used:
            break
        if not slack_used and (lp_value - best) <= options.mip_gap * 0.5 * max(abs(lp_value), 1e-9):
            break
        joining = {s for _, s in gaining[:max(1, int(ADD_SHARE * len(everyone)))]}
        keep |= joining
        cols = np.flatnonzero(np.isin(blocks.col_site, list(joining)))
        h.changeColsBounds(cols.size, cols, form.col_lower[cols], form.col_upper[cols])
    x = np.asarray(solution.col_value)[:n] if rounds and not slack_used else None
    return Screened([blocks.sites[s] for s in sorted(keep)], best, lp_value, rounds, x)


def screen_solve(form: StandardForm, sites: list[str], options, progress: Progress, log=None):
    """The screen, then the MIP on the short list (as :func:`optimizer.solve.solve_form` solves a model);
    the solution's bound and gap are against the full model's Lagrangian bound. The short list starts
    with the campuses that cannot stay closed (:func:`needed`). When the MIP on the short list has no
    plan (the LP's short list can be too short for whole units, permits or budgets), the whole model is
    solved with the time left, and its own bound stands."""
    from optimizer.solve import solve_form

    t0 = time.perf_counter()
    blocks = blocks_of(form, sites)
    screened = short_list(form, blocks, options, progress, needed(form, blocks))
    keep = {i for i, s in enumerate(sites) if s in set(screened.short_list)}
    progress.stage(f"the plan on the short list of {len(keep)} campuses (bound of all {len(sites)}: "
                   f"${screened.bound:,.1f}M)")
    short = restricted(form, blocks, keep)
    # the short list's MIP gets what the screen left of the time limit
    inner = options.model_copy(update={"screen": False,
                                       "time_limit_s": max(1.0, options.time_limit_s - (time.perf_counter() - t0))})
    solution = _solve_short(short, screened, inner, progress, log)
    screen_seconds = time.perf_counter() - t0
    whole = not solution.has_solution and solution.status in NO_PLAN and len(keep) < len(sites)
    if whole:
        progress.stage(f"the short list of {len(keep)} campuses has no plan: the whole model")
        left = max(1.0, options.time_limit_s - screen_seconds)
        solution = solve_form(form, inner.model_copy(update={"time_limit_s": left}), progress, log)
    solution.screen = {"short_list": screened.short_list, "rounds": screened.rounds,
                       "bound_usd": screened.bound * 1e6 if np.isfinite(screened.bound) else None,
                       "seconds": round(screen_seconds, 2), "whole_model": whole}
    if solution.has_solution and np.isfinite(screened.bound) and not whole:
        sign = -1.0 if form.maximise else 1.0
        bound = sign * screened.bound
        solution.bound = bound
        solution.mip_gap = max(0.0, (solution.objective - bound) / max(abs(solution.objective), 1e-9))
        if solution.status == "optimal" and solution.mip_gap > options.mip_gap + 1e-9:
            solution.status = "gap_limit"
    solution.solve_seconds = time.perf_counter() - t0
    solution.form = form
    return solution


def _solve_short(short: StandardForm, screened: Screened, options, progress: Progress, log=None):
    """The MIP on the short list. Its LP relaxation is the last round's LP: the restricted MIP of the
    root heuristic starts from that solution; within the gap of the full model's bound it is the plan,
    otherwise it is branch and bound's first incumbent."""
    from optimizer.heuristic import plan_from
    from optimizer.solve import _finish, _from_root, solve_form

    if screened.x is None or not short.integer.any():
        return solve_form(short, options, progress, log)
    t0 = time.perf_counter()
    plan = plan_from(short, screened.x, screened.lp_short, options, progress, log)
    if plan is None:
        return solve_form(short, options, progress, log)
    if (plan.objective - screened.bound) / max(abs(plan.objective), 1e-9) <= options.mip_gap:
        return _finish(_from_root(plan, short.maximise, "optimal"), plan.highs, short, options, 0.0,
                       time.perf_counter() - t0)
    return solve_form(short, options, progress, log, start=plan.x)
