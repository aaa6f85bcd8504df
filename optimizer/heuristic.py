"""A plan at root-LP time: solve the LP relaxation, then a restricted MIP in which every integer
column the LP already leaves at a whole value is fixed there (the campuses, substations and units
the LP does not touch, or takes whole). Every row of the model holds in the restricted MIP (campus
sizes, permits, supply, budgets), so its plan is a plan of the full model.

    bound    = the LP relaxation's objective (a valid bound of the full model)
    incumbent = the restricted MIP's best plan
    gap      = (incumbent − bound) / |incumbent|       (in the minimised sense)

When the gap is within ``solver.mip_gap`` the plan is proven and the full branch and bound is not
needed; otherwise the plan is handed to HiGHS (``setSolution``) as its first incumbent.
"""

from __future__ import annotations

import dataclasses
import time

import highspy
import numpy as np

from optimizer.config.schema import Solver
from optimizer.handoff import StandardForm
from optimizer.progress import Progress

INTEGRAL = 1e-6        # an LP value this close to a whole number counts as whole
SUB_SHARE = 0.25       # the restricted MIP gets at most this share of the time limit …
SUB_MIN_S = 10.0       # … but at least this many seconds


@dataclasses.dataclass
class RootPlan:
    highs: highspy.Highs       # the restricted MIP, solved: its solution is a plan of the full model
    objective: float           # the plan's objective, minimised sense (HiGHS's)
    bound: float               # the LP relaxation's objective, minimised sense
    fixed: int                 # integer columns fixed from the LP
    integers: int              # integer columns in all
    lp_seconds: float
    sub_seconds: float
    lp_basis: object = None    # the LP relaxation's optimal basis (a warm start for the fixed-plan LP of the duals)

    @property
    def gap(self) -> float:
        return (self.objective - self.bound) / max(abs(self.objective), 1e-9)

    @property
    def x(self) -> np.ndarray:
        return np.asarray(self.highs.getSolution().col_value, dtype=float)


def root_plan(form: StandardForm, options: Solver, progress: Progress, log=None) -> RootPlan | None:
    """The LP relaxation and the restricted MIP; None when either finds no plan (the caller then runs
    the full branch and bound alone)."""
    from optimizer.solve import run_highs, to_highs

    t0 = time.perf_counter()
    progress.stage("solving the LP relaxation")
    lp = to_highs(form, options.model_copy(update={"relax_integrality": True}), log)
    run_highs(lp, progress, form.maximise)
    if lp.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    x = np.asarray(lp.getSolution().col_value, dtype=float)
    return plan_from(form, x, lp.getInfo().objective_function_value, options, progress, log,
                     time.perf_counter() - t0, lp.getBasis())


def plan_from(form: StandardForm, x: np.ndarray, bound: float, options: Solver, progress: Progress, log=None,
              lp_seconds: float = 0.0, lp_basis=None) -> RootPlan | None:
    """The restricted MIP from an LP relaxation's solution ``x`` (objective ``bound``, minimised sense):
    every integer column ``x`` leaves whole fixed there. None when it finds no plan."""
    from optimizer.solve import run_highs, to_highs

    whole = form.integer & (np.abs(x - np.round(x)) <= INTEGRAL)
    lower, upper = form.col_lower.copy(), form.col_upper.copy()
    lower[whole] = upper[whole] = np.clip(np.round(x[whole]), form.col_lower[whole], form.col_upper[whole])
    budget = max(SUB_MIN_S, SUB_SHARE * options.time_limit_s)
    remaining = options.time_limit_s - lp_seconds
    sub_options = options.model_copy(update={"time_limit_s": max(1.0, min(budget, remaining))})
    progress.stage(f"a plan from the LP: {int(whole.sum()):,} of {int(form.integer.sum()):,} integers fixed")
    t1 = time.perf_counter()
    sub = to_highs(dataclasses.replace(form, col_lower=lower, col_upper=upper), sub_options, log)
    run_highs(sub, progress, form.maximise)
    if sub.getInfo().primal_solution_status != 2:
        return None
    return RootPlan(sub, sub.getInfo().objective_function_value, bound, int(whole.sum()), int(form.integer.sum()),
                    lp_seconds, time.perf_counter() - t1, lp_basis)


def start_from(h: highspy.Highs, x) -> None:
    """Hand a plan (its column values) to a Highs instance of the full model as its first incumbent."""
    start = highspy.HighsSolution()
    start.col_value = list(map(float, x))
    start.value_valid = True
    h.setSolution(start)
