"""Solve a built model with HiGHS and return a typed :class:`Solution`; never raise for an
infeasible or unfinished solve.

Handoff: Pyomo's linear standard-form compiler turns the model into sparse matrices (A, c, row
bounds), which are passed to ``highspy`` in one call; the column values are written back into
the Pyomo variables. (The benchmark in ``benchmarks/`` compares this route with the others.)

Objectives: ``min_cost`` minimises ``objective_cost``. ``max_compute`` first maximises
``objective_compute``, then holds compute at the value found and minimises cost.
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass, field

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.common.errors import InfeasibleConstraintException
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from optimizer.config.schema import Solver

STATUS_WITH_SOLUTION = ("optimal", "time_limit", "gap_limit", "interrupted")


@dataclass
class Solution:
    """The outcome of a solve. ``objective`` and ``bound`` are in the objective's units (MUSD)."""

    status: str
    has_solution: bool
    objective: float | None = None
    bound: float | None = None
    mip_gap: float | None = None
    handoff_seconds: float = 0.0
    solve_seconds: float = 0.0
    model_size: dict = field(default_factory=dict)
    message: str = ""
    compute_measure: float | None = None
    highs: object = None          # the Highs instance of the last stage (duals, IIS)
    repn: object = None           # the standard form it was given (rows and columns to Pyomo)

    @property
    def summary(self) -> str:
        if self.status == "optimal":
            return f"optimal (gap {self.mip_gap:.2%})" if self.mip_gap else "optimal"
        if self.has_solution:
            return f"{self.status}: best plan found, gap {self.mip_gap:.2%}" if self.mip_gap is not None \
                else f"{self.status}: best plan found"
        return self.status + (f": {self.message}" if self.message else "")


def solve(m: pyo.ConcreteModel, options: Solver, objective_kind: str = "min_cost") -> Solution:
    """Solve ``m``; write the solution into its variables when there is one."""
    if objective_kind == "max_compute":
        return _solve_max_compute(m, options)
    _use_objective(m, "objective_cost")
    return solve_active(m, options)


def _solve_max_compute(m, options: Solver) -> Solution:
    _use_objective(m, "objective_compute")
    first = solve_active(m, options, maximise=True)
    if not first.has_solution:
        return first
    best = first.objective
    if hasattr(m, "objective_compute_floor"):
        m.del_component("objective_compute_floor")
    m.objective_compute_floor = pyo.Constraint(expr=m.compute_measure >= best - 1e-6 * max(1.0, abs(best)))
    _use_objective(m, "objective_cost")
    second = solve_active(m, options)
    second.compute_measure = best
    second.handoff_seconds += first.handoff_seconds
    second.solve_seconds += first.solve_seconds
    return second


def _use_objective(m, name: str) -> None:
    for obj in m.component_objects(pyo.Objective):
        obj.activate() if obj.name == name else obj.deactivate()


def solve_active(m: pyo.ConcreteModel, options: Solver, maximise: bool = False) -> Solution:
    """Compile the active objective and constraints, solve with HiGHS, load the solution."""
    t0 = time.perf_counter()
    try:
        repn = LinearStandardFormCompiler().write(m, mixed_form=True)
    except InfeasibleConstraintException as exc:
        return Solution("infeasible", False, message=str(exc))
    h, size = _to_highs(repn, options)
    handoff = time.perf_counter() - t0
    t1 = time.perf_counter()
    h.run()
    solve_seconds = time.perf_counter() - t1
    solution = _read_outcome(h, repn, maximise)
    solution.handoff_seconds, solution.solve_seconds, solution.model_size = handoff, solve_seconds, size
    solution.highs, solution.repn = h, repn
    if solution.has_solution:
        _load_values(h, repn)
    return solution


def _to_highs(repn, options: Solver) -> tuple[highspy.Highs, dict]:
    cols = repn.columns
    n, A = len(cols), repn.A.tocsc()
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, A.shape[0]
    cost = repn.c.toarray()[0] if repn.c.shape[0] else np.zeros(n)
    lp.col_cost_ = cost
    lp.offset_ = float(repn.c_offset[0]) if len(repn.c_offset) else 0.0
    lp.col_lower_ = np.array([-inf if v.lb is None else v.lb for v in cols], dtype=float)
    lp.col_upper_ = np.array([inf if v.ub is None else v.ub for v in cols], dtype=float)
    rhs = np.asarray(repn.rhs, dtype=float)
    sense = np.array([r.bound_type for r in repn.rows], dtype=int)
    lp.row_lower_ = np.where(sense <= 0, rhs, -inf)
    lp.row_upper_ = np.where(sense >= 0, rhs, inf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr
    lp.a_matrix_.index_ = A.indices
    lp.a_matrix_.value_ = A.data
    integer = np.array([v.is_integer() or v.is_binary() for v in cols], dtype=bool)
    if integer.any():
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                           for i in integer]
    h = new_highs()
    h.setOptionValue("time_limit", float(options.time_limit_s))
    h.setOptionValue("mip_rel_gap", float(options.mip_gap))
    h.setOptionValue("random_seed", int(options.seed))
    h.setOptionValue("presolve", "on" if options.presolve else "off")
    if options.threads:
        h.setOptionValue("threads", int(options.threads))
    h.passModel(lp)
    size = {"rows": int(A.shape[0]), "columns": n, "nonzeros": int(A.nnz), "integer_columns": int(integer.sum())}
    return h, size


def new_highs() -> highspy.Highs:
    """A silent Highs instance (its constructor prints a banner on the C++ stdout: hide it)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


def _read_outcome(h: highspy.Highs, repn, maximise: bool) -> Solution:
    status = h.getModelStatus()
    info = h.getInfo()
    S = highspy.HighsModelStatus
    has_solution = info.primal_solution_status == 2  # feasible
    name = {
        S.kOptimal: "optimal", S.kInfeasible: "infeasible", S.kUnbounded: "unbounded",
        S.kUnboundedOrInfeasible: "infeasible_or_unbounded", S.kTimeLimit: "time_limit",
        S.kInterrupt: "interrupted", S.kSolutionLimit: "solution_limit", S.kObjectiveBound: "objective_bound",
        S.kIterationLimit: "iteration_limit",
    }.get(status, "error")
    if name == "optimal" and not has_solution:
        has_solution = True
    sign = -1.0 if maximise else 1.0
    objective = sign * info.objective_function_value if has_solution else None
    bound, gap = None, None
    if h.getLp().integrality_ and len(h.getLp().integrality_):
        dual_bound = info.mip_dual_bound
        if math.isfinite(dual_bound):
            bound = sign * dual_bound
        gap = info.mip_gap if has_solution and math.isfinite(info.mip_gap) else None
    else:
        bound, gap = objective, (0.0 if has_solution else None)
    message = {
        "infeasible": "no plan satisfies every constraint",
        "infeasible_or_unbounded": "no plan satisfies every constraint (or the cost is unbounded)",
        "time_limit": "" if has_solution else "no plan found within the time limit",
        "error": f"HiGHS stopped with status {h.modelStatusToString(status)}",
    }.get(name, "")
    return Solution(name, has_solution, objective, bound, gap, message=message)


def _load_values(h: highspy.Highs, repn) -> None:
    values = np.asarray(h.getSolution().col_value)
    for var, x in zip(repn.columns, values):
        if var.is_integer() or var.is_binary():
            x = round(x)
        var.set_value(float(x), skip_validation=True)
