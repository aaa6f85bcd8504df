"""Dantzig–Wolfe decomposition over campuses: plans of hundreds of candidate campuses without ever
solving the whole model's LP.

The model's columns and rows split as in :mod:`optimizer.screen`: each campus s has its local rows and
columns (X_s: its build, power, GPUs and dispatch), a few global columns x_g (cost accounts) have their
own rows X_g, and the coupling rows C (targets, budgets, equipment supply, regional headroom, cost
accounts) join them. A campus plan x_s^k ∈ X_s enters the **master** as a column with weight λ_sk::

    min  c_g·x_g + Σ_{s,k} (c_s·x_s^k) λ_sk  + P·(slacks)
    s.t. l_C ≤ A_Cg x_g + Σ_{s,k} (A_Cs x_s^k) λ_sk (± slacks) ≤ u_C        (duals y)
         x_g ∈ X_g,   Σ_k λ_sk = 1  for every campus s                       (duals μ_s),  λ ≥ 0

(the coupling rows elastic at the screen's penalty P, so that the first, poor columns already give
duals). **Pricing**: each campus's LP over its own rows at the master's prices, warm from its last
basis::

    v_s(y) = min_{x_s ∈ X_s} (c_s − A_Csᵀ y)·x_s        a new column when v_s(y) − μ_s < 0

**Bound**: for any y of the right signs (y_r ≥ 0 on a lower bound, ≤ 0 on an upper bound), the
Lagrangian bound of the whole model (its LP relaxation, hence every plan)::

    L(y) = Σ_{r∈C} y_r·(l_r if y_r > 0 else u_r) + min_{x_g ∈ X_g} d_g·x_g + Σ_s v_s(y)

At the master's optimum without a slack and no negative reduced cost left, L(y) equals the master's
value: the whole model's LP optimum, found from LPs of one campus each and a master of a few thousand
columns.

**A plan** (price-and-branch, then a polish):

1. *integer columns*: every campus the master blends (several patterns, or fractional integers:
   campus opening, units, contracts) gets integer partners: its campus's MIP with each integer boxed
   between the blend's floor and ceiling, at the final prices, once alone, once giving the targets at
   least the blend's share and once taking at most its share of the caps;
2. *master MIP*: a campus picks one **pattern** (the values of its integer columns, binary w_sp), and
   its weight spreads over that pattern's columns only: Σ_{k∈p} λ_sk = w_sp, Σ_p w_sp = 1. Any such
   choice is a plan of the whole model: the campus's polytope with its integers fixed is convex;
3. *polish*: every campus's integers fixed at its pattern, the column generation again (the LP of
   the fixed plan, decomposed), to its optimum (a dive instead where the patterns cannot meet the
   coupling rows together);
4. *improve*, while outside the gap: every campus's own MIP at the polished plan's prices, and where
   one would lower the cost, steps 2–3 again.

The plan's gap is against the best bound L(y) of step 0: ``gap = (plan − max_y L(y)) / plan``.
The duals of the polished master (coupling rows) and of each campus's last pricing LP (its own rows)
together are the duals of the fixed-plan LP: the shadow prices come from them, with no LP solved
again.
"""

from __future__ import annotations

import dataclasses
import time

import highspy
import numpy as np
import scipy.sparse as sp

from optimizer.handoff import StandardForm
from optimizer.interrupts import STOP
from optimizer.progress import Progress
from optimizer.screen import (COUPLING, GLOBAL, PENALTY_FACTOR, Blocks, _block_min, blocks_of, dual_constant,
                              small_highs)

MAX_ROUNDS = 300            # column generation rounds of a phase
LP_SHARE = 0.25             # the LP phase stops when within this share of mip_gap of its bound
PHASE_TIME_SHARE = 0.6      # … or when it has used this share of the time limit
BOX_TIME_S = 5.0            # a boxed campus MIP (step 1, step 4) at most this long
IMPROVE_ROUNDS = 3          # step 4's rounds at most
NEGATIVE = 1e-7             # a reduced cost below −NEGATIVE·max(1, |master|) adds a column
AUTO_CAMPUSES = 20          # decompose: auto from this many campuses and
AUTO_INTEGERS = 250         # integer columns (benchmarks/README.md: below, the whole model solves faster),
AUTO_MIN_GAP = 0.005        # at a gap of at least this (tighter ones the whole model's branch and bound proves),
AUTO_ROWS = 250_000         # or from this many rows at any gap (too large to solve whole)
FEASIBLE = 1e-6             # the assembled plan's rows must hold to this (relative) tolerance
WHOLE = 1e-5                # an integer column this close to a whole number is whole (HiGHS's MIP tolerance 1e-6)


def wanted(form: StandardForm, options, n_campuses: int) -> bool:
    """``solver.decompose``: on, off, or auto (AUTO_*)."""
    if options.decompose != "auto":
        return bool(options.decompose)
    many = n_campuses >= AUTO_CAMPUSES and int(form.integer.sum()) >= AUTO_INTEGERS
    return many and (options.mip_gap >= AUTO_MIN_GAP or form.A.shape[0] >= AUTO_ROWS)


class Fallback(Exception):
    """The decomposition cannot go on (a campus LP unbounded or infeasible, no plan from its columns):
    the whole model is solved instead."""


class Stopped(Exception):
    """Ctrl-C or SIGTERM (recorded in STOP) stopped a solve of the decomposition: the last plan found is kept."""


@dataclasses.dataclass
class Column:
    campus: int
    x: np.ndarray            # the campus's column values (its block's columns, in order)
    pattern: bytes | None    # its integer columns' values, when whole


class CampusDecomposition:
    """The master LP (one warm HiGHS instance), one pricing LP per campus (warm too), the columns."""

    def __init__(self, form: StandardForm, blocks: Blocks, options):
        self.form, self.blocks, self.options = form, blocks, options
        self.n_sites = len(blocks.sites)
        self.C = np.flatnonzero(blocks.row_site == COUPLING)
        self.G = np.flatnonzero(blocks.row_site == GLOBAL)
        self.gcols = np.flatnonzero(blocks.col_site == GLOBAL)
        self.AC = form.A.tocsr()[self.C].tocsc()
        self.pricers = [self._pricer(s) for s in range(self.n_sites)]
        self.master, self.n_fixed = self._master()
        self.columns: list[Column] = []
        self.last_plan: np.ndarray | None = None     # the master's column values at the last polished plan
        self.best_bound = -np.inf                     # the best L(y) of the LP phase

    def _pricer(self, s: int) -> tuple[np.ndarray, highspy.Highs]:
        cols, A, rows = self.blocks.part(self.form, s)
        f = self.form
        h = small_highs(f.cost[cols], f.col_lower[cols], f.col_upper[cols], A, f.row_lower[rows], f.row_upper[rows])
        return cols, h

    def _master(self) -> tuple[highspy.Highs, int]:
        """Rows C, G, then one convexity row per campus; columns: x_g, then the elastic slacks."""
        f, nC, nG = self.form, self.C.size, self.G.size
        csr = f.A.tocsr()
        global_part = sp.vstack([self.AC[:, self.gcols], csr[self.G][:, self.gcols],
                                 sp.csr_matrix((self.n_sites, self.gcols.size))])
        low = np.flatnonzero(np.isfinite(f.row_lower[self.C]))
        up = np.flatnonzero(np.isfinite(f.row_upper[self.C]))
        k = low.size + up.size
        slacks = sp.csc_matrix((np.r_[np.ones(low.size), -np.ones(up.size)], (np.r_[low, up], np.arange(k))),
                               shape=(nC + nG + self.n_sites, k))
        penalty = PENALTY_FACTOR * max(1.0, float(np.max(np.abs(f.cost))))
        h = small_highs(np.r_[f.cost[self.gcols], np.full(k, penalty)], np.r_[f.col_lower[self.gcols], np.zeros(k)],
                   np.r_[f.col_upper[self.gcols], np.full(k, np.inf)], sp.hstack([global_part, slacks]),
                   np.r_[f.row_lower[self.C], f.row_lower[self.G], np.ones(self.n_sites)],
                   np.r_[f.row_upper[self.C], f.row_upper[self.G], np.ones(self.n_sites)])
        return h, self.gcols.size + k

    def pattern(self, s: int, x: np.ndarray) -> bytes | None:
        ints = self.form.integer[self.pricers[s][0]]
        v = x[ints]
        return None if np.any(np.abs(v - np.round(v)) > WHOLE) else np.round(v).astype(np.int64).tobytes()

    def add(self, s: int, x: np.ndarray) -> None:
        """A campus plan as a master column: its cost, its coupling coefficients, its convexity row."""
        cols = self.pricers[s][0]
        coef = self.AC[:, cols] @ x
        nz = np.flatnonzero(np.abs(coef) > 1e-12)
        idx = np.r_[nz, self.C.size + self.G.size + s].astype(np.int32)
        self.master.addCol(float(self.form.cost[cols] @ x), 0.0, np.inf, idx.size, idx, np.r_[coef[nz], 1.0])
        self.columns.append(Column(s, x, self.pattern(s, x)))

    def solve_master(self) -> tuple[float, np.ndarray, np.ndarray, float]:
        """(value, y of the coupling rows with the right signs, μ, slack used)."""
        from optimizer.solve import run_highs

        run_highs(self.master)
        status = self.master.getModelStatus()
        if status == highspy.HighsModelStatus.kInterrupt or STOP.requested and status != highspy.HighsModelStatus.kOptimal:
            raise Stopped()
        if status != highspy.HighsModelStatus.kOptimal:
            raise Fallback(f"the master LP ended {self.master.modelStatusToString(status)}")
        solution = self.master.getSolution()
        duals = np.asarray(solution.row_dual, dtype=float)
        _, y = dual_constant(self.form, self.C, duals[:self.C.size])
        mu = duals[self.C.size + self.G.size:]
        slack = float(np.asarray(solution.col_value)[self.gcols.size:self.n_fixed].sum())
        return self.master.getInfo().objective_function_value + self.form.offset, y, mu, slack

    def price(self, y: np.ndarray) -> tuple[np.ndarray, list[tuple[float, np.ndarray]]] | None:
        """Every campus's pricing LP at prices y: d = c − A_Cᵀ y and [(v_s, x_s)]; None when Ctrl-C or
        SIGTERM came in between (recorded in STOP: the round is incomplete)."""
        try:
            return self._price(y)
        except KeyboardInterrupt as exc:
            STOP.record(exc)
            return None

    def _price(self, y: np.ndarray) -> tuple[np.ndarray, list[tuple[float, np.ndarray]]]:
        d = self.form.cost - self.AC.T @ y
        priced = []
        for s, (cols, h) in enumerate(self.pricers):
            h.changeColsCost(cols.size, np.arange(cols.size, dtype=np.int32), d[cols])
            h.run()
            status = h.getModelStatus()
            if status != highspy.HighsModelStatus.kOptimal:     # a warm start gone wrong: once more, cold
                h.clearSolver()
                h.run()
                status = h.getModelStatus()
            if status != highspy.HighsModelStatus.kOptimal:
                raise Fallback(f"campus {self.blocks.sites[s]}'s own LP ended {h.modelStatusToString(status)}")
            priced.append((h.getInfo().objective_function_value, np.asarray(h.getSolution().col_value)))
        return d, priced

    def bound(self, y: np.ndarray, d: np.ndarray, priced) -> float:
        """L(y), the Lagrangian bound of the whole model (module docstring)."""
        constant, _ = dual_constant(self.form, self.C, y)
        return constant + _block_min(self.form, self.blocks, d, GLOBAL) + sum(v for v, _ in priced)

    def add_negative(self, priced, mu: np.ndarray, value: float) -> int:
        added = 0
        for s, (v, x) in enumerate(priced):
            if v - mu[s] < -NEGATIVE * max(1.0, abs(value)):
                self.add(s, x)
                added += 1
        return added

    def weights(self) -> np.ndarray:
        return np.asarray(self.master.getSolution().col_value, dtype=float)[self.n_fixed:]

    def plan(self, weights: np.ndarray, global_x: np.ndarray) -> np.ndarray:
        """The whole model's column values: x_g and Σ_k λ_sk x_s^k per campus."""
        x = np.zeros(self.form.A.shape[1])
        x[self.gcols] = global_x
        for column, w in zip(self.columns, weights):
            if w > 0:
                x[self.pricers[column.campus][0]] += w * column.x
        return x


@dataclasses.dataclass
class Decomposed:
    x: np.ndarray | None          # the plan (the whole model's columns), None when none was found
    objective: float | None       # its cost (minimised sense, with the offset)
    bound: float                  # max_y L(y)
    duals: "FixedPlanDuals | None"  # the fixed-plan LP's duals, found when asked for
    rounds: list[dict]
    campuses_used: list[str]
    seconds: float


@dataclasses.dataclass
class FixedPlanDuals:
    """The shadow prices' LP (the plan's binaries fixed, other integers relaxed), solved by the same column
    generation when called: (row duals of every row, its objective in MUSD), or None when it does not
    converge within the time limit."""

    dw: CampusDecomposition
    chosen: dict[int, bytes]
    options: object
    rounds: list[dict]

    def __call__(self, progress: Progress | None = None) -> tuple[np.ndarray, float] | None:
        try:
            value, slack, converged = polish(self.dw, self.chosen, self.options, progress or Progress(),
                                             time.perf_counter(), self.rounds, binaries_only=True)
        except (Fallback, Stopped):
            return None
        except KeyboardInterrupt as exc:
            STOP.record(exc)
            return None
        if not converged or slack > 1e-7:
            return None
        return row_duals(self.dw, np.asarray(self.dw.master.getSolution().row_dual, dtype=float)), value


def lp_phase(dw: CampusDecomposition, options, progress: Progress, t0: float, rounds: list[dict]) -> None:
    """Column generation to the whole LP (within LP_SHARE × mip_gap of its bound); the best bound in
    ``dw.best_bound``."""
    first = dw.price(np.zeros(dw.C.size))
    if first is None:
        return
    for s, (_, x) in enumerate(first[1]):
        dw.add(s, x)
    for k in range(MAX_ROUNDS):
        value, y, mu, slack = dw.solve_master()
        found = dw.price(y)
        if found is None:
            break
        d, priced = found
        dw.best_bound = best = max(dw.best_bound, dw.bound(y, d, priced))
        added = dw.add_negative(priced, mu, value)
        gap = (value - best) / max(abs(value), 1e-9)
        rounds.append({"phase": "lp", "round": k + 1, "master_usd": value * 1e6,
                       "bound_usd": best * 1e6 if np.isfinite(best) else None,
                       "columns_added": added, "slack": slack, "seconds": round(time.perf_counter() - t0, 2)})
        progress.stage(f"campus decomposition, round {k + 1}: master ${value:,.0f}M, bound ${best:,.0f}M"
                       + (f" ({gap:.2%})" if slack <= 1e-7 else " (targets not met yet)"))
        if STOP.requested or time.perf_counter() - t0 > PHASE_TIME_SHARE * options.time_limit_s:
            break
        if added == 0 or (slack <= 1e-7 and gap <= LP_SHARE * options.mip_gap):
            break


def integer_columns(dw: CampusDecomposition, y: np.ndarray, deadline: float) -> int:
    """Step 1: integer partners, from each campus's MIP at prices y with its integers boxed between the
    floor and ceiling of its blend Σ_k λ_sk x_s^k (the master's last LP solution), wherever the blend is
    not one whole-number pattern: at the prices alone, and on each side (see :func:`_boxed`)."""
    d = dw.form.cost - dw.AC.T @ y
    used: dict[int, list[tuple[float, Column]]] = {}
    for column, w in zip(dw.columns, dw.weights()):
        if w > 1e-9:
            used.setdefault(column.campus, []).append((w, column))
    centres = []
    for s, members in used.items():
        if any(c.pattern is None for _, c in members) or len({c.pattern for _, c in members}) > 1:
            centres += [(s, sum(w * c.x for w, c in members), side) for side in (None, "lower", "upper")]
    added = 0
    try:
        for s, centre, side in centres:
            left = deadline - time.perf_counter()
            if STOP.requested or left <= 0:
                break
            added += _boxed(dw, s, centre, d, side, min(BOX_TIME_S, left))
    except KeyboardInterrupt as exc:
        STOP.record(exc)
    return added


def _boxed(dw: CampusDecomposition, s: int, centre: np.ndarray, d: np.ndarray, side: str | None = None,
           time_limit_s: float = BOX_TIME_S) -> int:
    """Campus s's MIP at reduced costs d with its integers between floor and ceiling of ``centre``; its plan
    becomes a column (1) unless it finds none (0). ``side`` "lower": the plan gives each coupling row with a
    lower bound (targets, floors) at least what ``centre`` gives it; "upper": each row with an upper bound
    (supply, headroom, budgets) at most that."""
    f = dw.form
    cols, A, rows = dw.blocks.part(f, s)
    ints = f.integer[cols]
    lower, upper = f.col_lower[cols].copy(), f.col_upper[cols].copy()
    lower[ints] = np.maximum(lower[ints], np.floor(centre[ints] + 1e-6))
    upper[ints] = np.minimum(upper[ints], np.ceil(centre[ints] - 1e-6))
    row_lower, row_upper = f.row_lower[rows], f.row_upper[rows]
    if side is not None:
        AC = dw.AC[:, cols].tocsr()
        bounds = f.row_lower[dw.C] if side == "lower" else f.row_upper[dw.C]
        held = np.flatnonzero(np.isfinite(bounds) & (np.diff(AC.indptr) > 0))
        A = sp.vstack([A, AC[held]])
        given = AC[held] @ centre
        room = 1e-9 * (1.0 + np.abs(given))
        open_side = np.full(held.size, np.inf)
        row_lower = np.r_[row_lower, given - room if side == "lower" else -open_side]
        row_upper = np.r_[row_upper, open_side if side == "lower" else given + room]
    x = _campus_mip(d[cols], lower, upper, A, row_lower, row_upper, ints, time_limit_s)
    if x is None:
        return 0
    dw.add(s, x)
    return 1


def _campus_mip(cost, lower, upper, A, row_lower, row_upper, integer, time_limit_s: float) -> np.ndarray | None:
    """One campus's MIP (its own rows, plus any added), to 0.01% or ``time_limit_s``: its plan, or None."""
    h = small_highs(cost, lower, upper, A, row_lower, row_upper, integer)
    h.setOptionValue("mip_rel_gap", 1e-4)
    h.setOptionValue("time_limit", max(0.1, time_limit_s))
    h.run()
    return np.asarray(h.getSolution().col_value) if h.getInfo().primal_solution_status == 2 else None


def master_mip(dw: CampusDecomposition, options, time_limit_s: float) -> tuple[dict[int, bytes], float]:
    """Step 2: one pattern per campus (module docstring): ({campus: pattern}, the slack it leaves)."""
    from optimizer.solve import new_highs, run_highs

    groups: dict[tuple[int, bytes], list[int]] = {}
    for k, column in enumerate(dw.columns):
        if column.pattern is not None:
            groups.setdefault((column.campus, column.pattern), []).append(k)
    h = new_highs()
    h.passModel(dw.master.getLp())
    n = h.getLp().num_col_
    fractional = np.array([k for k, c in enumerate(dw.columns) if c.pattern is None], dtype=np.int32) + dw.n_fixed
    if fractional.size:
        h.changeColsBounds(fractional.size, fractional, np.zeros(fractional.size), np.zeros(fractional.size))
    h.addVars(len(groups), np.zeros(len(groups)), np.ones(len(groups)))
    for i, members in enumerate(groups.values()):
        idx = np.r_[np.asarray(members) + dw.n_fixed, n + i].astype(np.int32)
        h.addRow(0.0, 0.0, idx.size, idx, np.r_[np.ones(len(members)), -1.0])
    h.changeColsIntegrality(len(groups), np.arange(n, n + len(groups), dtype=np.int32),
                            np.array([highspy.HighsVarType.kInteger] * len(groups)))
    h.setOptionValue("mip_rel_gap", LP_SHARE * options.mip_gap)
    h.setOptionValue("time_limit", max(1.0, time_limit_s))
    h.setOptionValue("random_seed", int(options.seed))
    run_highs(h)
    if h.getInfo().primal_solution_status != 2:
        if STOP.requested:
            raise Stopped()
        raise Fallback("the master MIP found no choice of campus plans")
    x = np.asarray(h.getSolution().col_value)
    return {s: p for i, (s, p) in enumerate(groups) if x[n + i] > 0.5}, float(x[dw.gcols.size:dw.n_fixed].sum())


def generate(dw: CampusDecomposition, phase: str, options, progress: Progress, t0: float,
             rounds: list[dict]) -> tuple[float, float, bool]:
    """Column generation at the current fixings to the master's optimum: (value, slack, converged)."""
    what = {"dive": "fixing campus plans", "polish": "polishing the plan", "duals": "the shadow prices"}[phase]
    for k in range(MAX_ROUNDS):
        value, y, mu, slack = dw.solve_master()
        if phase == "polish" and slack <= 1e-7:      # every campus fixed: the master's solution is a plan
            dw.last_plan = np.asarray(dw.master.getSolution().col_value, dtype=float)
        found = dw.price(y)
        if found is None:
            return value, slack, False
        added = dw.add_negative(found[1], mu, value)
        rounds.append({"phase": phase, "round": k + 1, "master_usd": value * 1e6, "columns_added": added,
                       "slack": slack, "seconds": round(time.perf_counter() - t0, 2)})
        progress.stage(f"campus decomposition, {what}: ${value:,.0f}M")
        if added == 0 or STOP.requested or time.perf_counter() - t0 > options.time_limit_s:
            break
    return value, slack, added == 0


def fix(dw: CampusDecomposition, s: int, pattern: bytes | None, binaries_only: bool = False) -> None:
    """Campus s's integers at ``pattern`` (its pricing LP's bounds; its master columns of other patterns
    held at 0); ``binaries_only``: other integers relaxed; None: free again."""
    f = dw.form
    cols, h = dw.pricers[s]
    ints = np.flatnonzero(f.integer[cols])
    lower, upper = f.col_lower[cols[ints]].copy(), f.col_upper[cols[ints]].copy()
    if pattern is not None:
        v = np.frombuffer(pattern, dtype=np.int64).astype(float)
        fixed = ~((lower < 0) | (upper > 1)) if binaries_only else np.ones(ints.size, dtype=bool)
        lower[fixed], upper[fixed] = v[fixed], v[fixed]
    h.changeColsBounds(ints.size, ints.astype(np.int32), lower, upper)
    for k, column in enumerate(dw.columns):
        if column.campus == s:
            dw.master.changeColBounds(dw.n_fixed + k, 0.0, np.inf if _allowed(column, ints, lower, upper) else 0.0)


def _allowed(column: Column, ints: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> bool:
    """Whether a campus's column lies within its integers' current bounds (a point of the campus's
    polytope at these fixings: with only the binaries fixed, columns of other unit counts qualify)."""
    v = column.x[ints]
    return bool(np.all(v >= lower - WHOLE) and np.all(v <= upper + WHOLE))


def used_patterns(dw: CampusDecomposition) -> dict[int, dict[bytes | None, float]]:
    """{campus: {pattern: weight}} of the master's solution (None: fractional columns)."""
    out: dict[int, dict[bytes | None, float]] = {}
    for column, w in zip(dw.columns, dw.weights()):
        if w > 1e-9:
            share = out.setdefault(column.campus, {})
            share[column.pattern] = share.get(column.pattern, 0.0) + w
    return out


def dive(dw: CampusDecomposition, options, progress: Progress, t0: float, rounds: list[dict]) -> dict[int, bytes]:
    """Fix campuses whose blend is not one whole-number pattern, the most decided quarter at a time (the
    pattern of most weight, or the boxed MIP's around the blend), column generation after each batch;
    until every campus uses one pattern. {campus: pattern}."""
    fixed: dict[int, bytes] = {}
    while True:
        _, slack, _ = generate(dw, "dive", options, progress, t0, rounds)
        if slack > 1e-7:
            raise Fallback("fixing campus plans left the coupling limits unmet")
        used = used_patterns(dw)
        pending = {s: share for s, share in used.items() if s not in fixed and (len(share) > 1 or None in share)}
        if not pending:
            return fixed | {s: next(iter(share)) for s, share in used.items() if s not in fixed}
        if STOP.requested:
            raise Stopped()
        if time.perf_counter() - t0 > options.time_limit_s:
            raise Fallback("the time limit came while fixing campus plans")
        _, y, _, _ = dw.solve_master()
        d = dw.form.cost - dw.AC.T @ y
        order = sorted(pending, key=lambda s: -max(w for p, w in pending[s].items() if p is not None) if
                       any(p is not None for p in pending[s]) else 0.0)
        for s in order[:max(1, -(-len(order) // 4))]:
            whole = {p: w for p, w in pending[s].items() if p is not None}
            pattern = max(whole, key=whole.get) if whole and max(whole.values()) >= 0.5 else None
            if pattern is None:
                blend = sum(w * c.x for c, w in zip(dw.columns, dw.weights()) if c.campus == s and w > 1e-9)
                if not _boxed(dw, s, blend, d):
                    raise Fallback(f"campus {dw.blocks.sites[s]} has no whole-number plan near its blend")
                pattern = dw.columns[-1].pattern
            if pattern is None:
                raise Fallback(f"campus {dw.blocks.sites[s]}'s whole-number plan is not whole")
            fixed[s] = pattern
            fix(dw, s, pattern)


def polish(dw: CampusDecomposition, chosen: dict[int, bytes], options, progress: Progress, t0: float,
           rounds: list[dict], binaries_only: bool = False) -> tuple[float, float, bool]:
    """Step 3: every campus's integers fixed at its pattern (``binaries_only``: its binaries, other integers
    relaxed: the LP the shadow prices are defined on), column generation to that LP's optimum: (value, slack,
    converged)."""
    for s in range(dw.n_sites):
        fix(dw, s, chosen[s], binaries_only)
    return generate(dw, "duals" if binaries_only else "polish", options, progress, t0, rounds)


def row_duals(dw: CampusDecomposition, master_duals: np.ndarray) -> np.ndarray:
    """The fixed-plan LP's duals: the master's on the coupling and global rows, each campus's last pricing
    LP's on its own rows."""
    f = dw.form
    duals = np.zeros(f.A.shape[0])
    duals[dw.C] = master_duals[:dw.C.size]
    duals[dw.G] = master_duals[dw.C.size:dw.C.size + dw.G.size]
    for s, (_, h) in enumerate(dw.pricers):
        rows = dw.blocks.part(f, s)[2]
        if rows.size:
            duals[rows] = np.asarray(h.getSolution().row_dual, dtype=float)
    return duals


def violation(form: StandardForm, x: np.ndarray) -> float:
    """The largest relative violation of a row or bound by x."""
    activity = form.A @ x
    scale = 1.0 + np.abs(activity)
    rows = np.maximum(np.nan_to_num(form.row_lower - activity, neginf=0.0),
                      np.nan_to_num(activity - form.row_upper, neginf=0.0)) / scale
    cols = np.maximum(form.col_lower - x, x - form.col_upper) / (1.0 + np.abs(x))
    return float(max(rows.max(initial=0.0), cols.max(initial=0.0)))


def decompose(form: StandardForm, sites: list[str], options, progress: Progress) -> Decomposed:
    """The three steps (module docstring); the fixed-plan LP's duals when asked for. Raises Fallback where
    the whole model must be solved. Stopped by Ctrl-C or SIGTERM: the last polished plan, if any."""
    t0 = time.perf_counter()
    blocks = blocks_of(form, sites)
    if form.integer[blocks.col_site == GLOBAL].any():
        raise Fallback("the model has integer columns of no campus")
    progress.stage(f"campus decomposition: {len(sites)} campuses, {int((blocks.row_site == COUPLING).sum())} "
                   "coupling rows")
    dw = CampusDecomposition(form, blocks, options)
    rounds: list[dict] = []
    chosen = None
    try:
        lp_phase(dw, options, progress, t0, rounds)
        if STOP.requested:
            raise Stopped()
        chosen = whole_numbers(dw, options, progress, t0, rounds)
    except Stopped:
        pass
    if dw.last_plan is None:
        if STOP.requested:
            return Decomposed(None, None, dw.best_bound, None, rounds, [], time.perf_counter() - t0)
        raise Fallback("no plan")
    weights, global_x = dw.last_plan[dw.n_fixed:], dw.last_plan[:dw.gcols.size]
    x = dw.plan(weights, global_x)
    if violation(form, x) > FEASIBLE:
        raise Fallback(f"the assembled plan breaks a row by {violation(form, x):.1e}")
    if np.any(np.abs(x[form.integer] - np.round(x[form.integer])) > WHOLE):
        raise Fallback("the assembled plan has fractional integers")
    used = sorted({dw.blocks.sites[c.campus] for c, w in zip(dw.columns, weights) if w > 1e-9 and np.abs(c.x).sum() > 0})
    duals = FixedPlanDuals(dw, chosen, options, rounds) if chosen is not None and not STOP.requested else None
    return Decomposed(x, float(form.cost @ x + form.offset), dw.best_bound, duals, rounds, used,
                      time.perf_counter() - t0)


def whole_numbers(dw: CampusDecomposition, options, progress: Progress, t0: float, rounds: list[dict]) -> dict:
    """Steps 1–3 after the LP phase: integer columns, the master MIP, the polish (or the dive); the plan is
    left in ``dw.last_plan``. Returns {campus: pattern}."""
    _, y, _, _ = dw.solve_master()
    deadline = t0 + options.time_limit_s
    progress.stage("campus decomposition: whole-number plans of the campuses the LP uses")
    integer_columns(dw, y, deadline)
    chosen, slack = master_mip(dw, options, 0.5 * (deadline - time.perf_counter()))
    _, slack, _ = polish(dw, chosen, options, progress, t0, rounds)
    if slack > 1e-7:                      # the master MIP's choice cannot meet the limits: dive instead
        for s in range(dw.n_sites):
            fix(dw, s, None)
        chosen = dive(dw, options, progress, t0, rounds)
        _, slack, _ = polish(dw, chosen, options, progress, t0, rounds)
        if slack > 1e-7:
            raise Fallback("the polished plan does not meet the coupling limits")
    return improve(dw, chosen, options, progress, t0, rounds)


def improve(dw: CampusDecomposition, chosen: dict, options, progress: Progress, t0: float, rounds: list[dict]) -> dict:
    """Step 4: every campus's own MIP at the polished plan's prices (the LP's prices favour blends, these
    the campuses that would serve the plan's margin whole); where one would lower the cost, the master MIP
    and the polish again, up to IMPROVE_ROUNDS times while the plan is outside mip_gap of the bound. The
    best plan is kept (``dw.last_plan``); returns its patterns."""
    f = dw.form
    deadline = t0 + options.time_limit_s
    best_plan, best_value = dw.last_plan.copy(), float(dw.master.getInfo().objective_function_value)
    for _ in range(IMPROVE_ROUNDS):
        if (best_value + f.offset - dw.best_bound) <= options.mip_gap * abs(best_value + f.offset) \
                or STOP.requested or time.perf_counter() > deadline:
            break
        progress.stage("campus decomposition: campus plans at the plan's own prices")
        value, y, mu, _ = dw.solve_master()
        d = f.cost - dw.AC.T @ y
        added = 0
        try:
            for s in range(dw.n_sites):
                left = deadline - time.perf_counter()
                if STOP.requested or left <= 0:
                    break
                cols, A, rows = dw.blocks.part(f, s)
                x = _campus_mip(d[cols], f.col_lower[cols], f.col_upper[cols], A, f.row_lower[rows], f.row_upper[rows],
                                f.integer[cols], min(BOX_TIME_S, left))
                if x is not None and d[cols] @ x - mu[s] < -NEGATIVE * max(1.0, abs(value)):
                    dw.add(s, x)
                    added += 1
        except KeyboardInterrupt as exc:
            STOP.record(exc)
        if not added or STOP.requested:
            break
        for s in range(dw.n_sites):
            fix(dw, s, None)
        trial, slack = master_mip(dw, options, 0.5 * (deadline - time.perf_counter()))
        value, slack, _ = polish(dw, trial, options, progress, t0, rounds)
        if slack > 1e-7 or value - f.offset >= best_value - NEGATIVE * max(1.0, abs(best_value)):
            break
        best_plan, best_value, chosen = dw.last_plan.copy(), value - f.offset, trial
    dw.last_plan = best_plan
    return chosen


def whole_model_next(solution, form: StandardForm, options) -> bool:
    """A decomposed plan outside the gap, of a model small enough to solve whole (under AUTO_ROWS rows),
    with time left: the whole model's branch and bound takes it as its first incumbent."""
    left = options.time_limit_s - solution.solve_seconds
    return solution.status == "gap_limit" and form.A.shape[0] < AUTO_ROWS and left >= 1.0 and not STOP.requested


def decomposed_solve(form: StandardForm, sites: list[str], options, progress: Progress):
    """The decomposition as :func:`optimizer.solve.solve_form` solves a model: (Solution, options), or
    (None, options with the time left) when the whole model must be solved instead."""
    from optimizer.handoff import load_values
    from optimizer.solve import Solution

    t0 = time.perf_counter()
    try:
        result = decompose(form, sites, options, progress)
    except Fallback as exc:
        if STOP.requested:
            return Solution("interrupted", False, message="stopped before the decomposition had a plan",
                            model_size=form.size, solve_seconds=time.perf_counter() - t0), options
        left = max(1.0, options.time_limit_s - (time.perf_counter() - t0))
        progress.stage(f"campus decomposition stopped ({exc}); solving the whole model")
        return None, options.model_copy(update={"time_limit_s": left})
    bound = result.bound if np.isfinite(result.bound) else None
    summary = {"rounds": result.rounds, "campuses_used": result.campuses_used,
               "bound_usd": None if bound is None else bound * 1e6, "seconds": round(result.seconds, 2)}
    if result.x is None:
        solution = Solution("interrupted", False, message="stopped before the decomposition had a plan",
                            model_size=form.size, solve_seconds=result.seconds)
        solution.decomposition = summary
        return solution, options
    gap = None if bound is None else max(0.0, (result.objective - bound) / max(abs(result.objective), 1e-9))
    status = "interrupted" if STOP.requested else "optimal" if gap is not None and gap <= options.mip_gap + 1e-9 \
        else "time_limit" if result.seconds >= options.time_limit_s else "gap_limit"
    solution = Solution(status, True, objective=result.objective, bound=bound, mip_gap=gap,
                        solve_seconds=result.seconds, model_size=form.size)
    solution.form, solution.plan_x, solution.fixed_plan_duals, solution.decomposition = form, result.x, result.duals, summary
    load_values(form, result.x)
    return solution, options
