"""Shadow prices of a solved plan: what each binding limit is worth.

The discrete structure of the plan is kept (every binary decision, such as which campus opens
when, is fixed at its value in the plan); integer counts (GPU units, turbine units) become
continuous, and the remaining LP is solved again. Its row duals are the marginal values of the
limits *for that set of campuses*: USD of net present cost saved per unit of a cap raised (or
per unit of a target lowered).

    value_usd_per_unit = −dual · factor   for a cap (upper bound) that binds
                       = +dual · factor   for a target or floor (lower bound) that binds

with ``dual`` in million USD per row unit (HiGHS's sign convention for minimisation) and
``factor`` from :mod:`optimizer.explain.labels`. Limits are ranked by the value of relaxing them
by 1% of their level (value per unit × level / 100), a common scale across units.
"""

from __future__ import annotations

import dataclasses
import time

import highspy
import numpy as np
import pandas as pd

from optimizer.explain.labels import RULES, describe

DANTZIG = 0               # HiGHS's simplex_dual_edge_weight_strategy for the fixed-plan LP from the plan's point
DUAL_TOLERANCE = 1e-7     # MUSD per row unit; smaller duals are numerical noise
# rows of one campus in one year (index (site, ..., year)): at a closed campus they price the closure,
# not the limit, and are left out
SITE_YEAR_ROWS = {"sites_shell_upper", "grid_connection_upper", "power_gas_permit_upper", "compute_water_upper",
                  "power_land_upper"}
COLUMNS = ["family", "limit", "unit", "value_usd_per_unit", "level", "value_of_1pct_usd", "constraint", "index"]


@dataclasses.dataclass
class ShadowPrices:
    table: pd.DataFrame          # one row per binding planner limit, ranked (COLUMNS)
    lp_objective_usd: float | None
    status: str
    seconds: float
    lp: object = None            # the solved fixed-plan LP (Highs), for what-if re-solves (:func:`tightened_cost_usd`)
    form: object = None          # its StandardForm: rows back to constraint names


def tightened_cost_usd(prices: ShadowPrices, row: int, upper: float) -> float | None:
    """The rise of net present cost, USD, when row ``row`` of the fixed-plan LP gets ``upper`` as its upper
    bound (the plan's binary decisions held; a warm re-solve from the current basis); None when the plan
    as fixed cannot meet it. The row's bounds are put back afterwards."""
    from optimizer.solve import run_highs

    h = prices.lp
    lower, old_upper = float(prices.form.row_lower[row]), float(prices.form.row_upper[row])
    base = h.getInfo().objective_function_value
    h.changeRowBounds(row, lower, min(old_upper, upper))
    try:
        run_highs(h)
        if h.getModelStatus().name != "kOptimal":
            return None
        sign = -1.0 if prices.form.maximise else 1.0
        return sign * (h.getInfo().objective_function_value - base) * 1e6
    finally:
        h.changeRowBounds(row, lower, old_upper)
        run_highs(h)


def shadow_prices(model, solution, options) -> ShadowPrices:
    """Fix the plan's binaries, relax its integers, re-solve the LP and price every binding limit.

    When the root heuristic solved the LP relaxation, the fixed-plan LP starts from its optimal basis
    (only the binaries' bounds differ: the dual simplex starts next to the end; gigafactory 1.3 s
    cold, 0.07 s so). Otherwise it starts from the plan itself (``setSolution``: the MIP's primal
    point is feasible for it) with Dantzig's pricing, see benchmarks/README.md. Where the
    dual optimum is not unique (degenerate LPs), a start picks one of the equally valid sets of
    shadow prices; the leading limits are the same.
    When the solve was an LP already (no integer columns, or ``relax_integrality``), its own duals are
    taken and nothing is solved again. After the campus decomposition, the same fixed-plan LP is solved
    decomposed (the master's duals on the coupling rows, each campus's own LP's on its rows), with no
    what-if LP."""
    t0 = time.perf_counter()
    form, h = solution.form, solution.highs
    empty = pd.DataFrame(columns=COLUMNS)
    sign = -1.0 if form is not None and form.maximise else 1.0
    if form is None or not solution.has_solution:
        return ShadowPrices(empty, None, "no plan", 0.0)
    if solution.fixed_plan_duals is not None:   # the decomposition's (optimizer/campus_decomposition.py)
        found = solution.fixed_plan_duals()
        if found is None:
            return ShadowPrices(empty, None, "no duals (the decomposed fixed-plan LP did not converge)",
                                time.perf_counter() - t0)
        duals, h_lp, objective = sign * np.asarray(found[0], dtype=float), None, sign * found[1] * 1e6
    elif h is None:
        return ShadowPrices(empty, None, "no duals (the solve did not find them)", 0.0)
    else:
        h_lp = h if not form.integer.any() or options.relax_integrality else \
            _fixed_plan_lp(form, h, options, getattr(solution, "lp_basis", None))
        info = h_lp.getInfo()
        if h_lp.getModelStatus().name != "kOptimal" or info.dual_solution_status != 2:
            return ShadowPrices(empty, None, "no duals (the fixed-plan LP did not solve to optimality)",
                                time.perf_counter() - t0)
        duals = sign * np.asarray(h_lp.getSolution().row_dual, dtype=float)
        objective = sign * info.objective_function_value * 1e6
    rows = []
    for i in np.flatnonzero((np.abs(duals) > DUAL_TOLERANCE) & _limit_rows(form)):
        name, index = form.row_label(int(i))
        limit = describe(model.ix, name, index)
        if limit is None or (name in SITE_YEAR_ROWS and not _open(model, index[0], index[-1])):
            continue
        value = (-duals[i] if limit.relax_up else duals[i]) * limit.usd_per_row_unit
        one_pct = abs(value * limit.level) / 100 if limit.level not in (None, float("inf")) else None
        rows.append({"family": limit.family, "limit": limit.what, "unit": limit.unit, "value_usd_per_unit": value,
                     "level": limit.level, "value_of_1pct_usd": one_pct, "constraint": name, "index": str(index)})
    table = pd.DataFrame(rows, columns=COLUMNS)
    if not table.empty:
        table = table.assign(_rank=table["value_of_1pct_usd"].fillna(-1.0)).sort_values(
            ["_rank", "value_usd_per_unit"], ascending=False).drop(columns="_rank").reset_index(drop=True)
    return ShadowPrices(table, objective, "optimal", time.perf_counter() - t0, h_lp, form)


def _limit_rows(form) -> np.ndarray:
    """Which rows may be planner limits: all but the row blocks of definitions (hourly balances, ...),
    which ``describe`` would turn down one row at a time."""
    keep = np.ones(form.A.shape[0], dtype=bool)
    for block, start in form.blocks:
        if block.name not in RULES and not block.name.startswith("user_"):
            keep[start:start + len(block)] = False
    return keep


def _fixed_plan_lp(form, h, options, basis=None):
    """The LP of the plan's binaries fixed (integers relaxed): from the LP relaxation's basis when the
    root heuristic solved it (``basis``: only bounds of binaries differ, so the basis stays dual
    feasible and the dual simplex starts close to the end), else from the plan's primal point with
    Dantzig's pricing (benchmarks/README.md: 1.7-2.3 times faster than a cold start or the default
    pricing from that point on the shipped configs and the full-year case)."""
    from optimizer.solve import run_highs, to_highs

    x = np.asarray(h.getSolution().col_value, dtype=float)
    binary = form.integer & (form.col_lower >= 0) & (form.col_upper <= 1)
    lower, upper = form.col_lower.copy(), form.col_upper.copy()
    lower[binary] = upper[binary] = np.round(x[binary])
    lp = dataclasses.replace(form, col_lower=lower, col_upper=upper, integer=np.zeros_like(form.integer))
    h_lp = to_highs(lp, options.model_copy(update={"relax_integrality": True}))
    if basis is not None and basis.valid:
        h_lp.setBasis(basis)
    else:
        start = highspy.HighsSolution()
        start.col_value = np.clip(x, lower, upper).tolist()
        start.value_valid = True
        h_lp.setSolution(start)
        h_lp.setOptionValue("simplex_dual_edge_weight_strategy", DANTZIG)
    run_highs(h_lp)
    return h_lp


def _open(model, s: str, y: int) -> bool:
    import pyomo.environ as pyo

    return (s, y) in model.site_open and pyo.value(model.site_open[s, y]) > 0.5
