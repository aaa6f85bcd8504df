"""Solve a built model with HiGHS and return a typed :class:`Solution`; never raise for an
infeasible or unfinished solve.

Handoff: :func:`optimizer.handoff.compile_model` turns the model into one sparse matrix (Pyomo's
standard-form compiler for the Pyomo constraints, row blocks as they are), which is passed to
``highspy`` in one call; the column values are written back into the Pyomo variables.

Objectives: ``min_cost`` minimises ``objective_cost``. ``max_compute`` first maximises
``objective_compute``, then holds compute at the value found and minimises cost.

Every HiGHS run goes through :func:`run_highs`: the solver works in a thread while the main
thread reports progress and listens for Ctrl-C / SIGTERM, which stop the solver through its
interrupt callbacks within moments (status ``interrupted``, best plan kept). HiGHS runs with
``solver.threads`` threads (1 unless set), so a config takes the same path on any machine.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.common.errors import InfeasibleConstraintException

from optimizer.config.schema import Solver
from optimizer.errors import SolveError
from optimizer.handoff import StandardForm, compile_model, load_values
from optimizer.heuristic import root_plan, start_from
from optimizer.interrupts import STOP
from optimizer.progress import Progress

STATUS_WITH_SOLUTION = ("optimal", "time_limit", "gap_limit", "interrupted")
AUTO_HEURISTIC_INTEGERS = 250   # root_heuristic: auto runs it from this many integer columns (benchmarks/README.md)
POLL_S = 0.2   # how often the main thread looks at the solver (progress, Ctrl-C)
FORCE_AFTER_INTERRUPTS = 3   # HiGHS checks for interrupts between its steps; the third Ctrl-C quits at once

# HiGHS sizes one thread pool per process at its first run and rejects a later run asking for another
# size: the pool follows the latest solve's solver.threads (see use_threads), and every Highs instance
# of the process runs with that many threads (new_highs), so that a solve takes the same path on any
# machine, its campus and master MIPs included.
_POOL = {"threads": 1, "running": 0}
_POOL_LOCK = threading.Lock()


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
    form: object = None           # the StandardForm it was given (rows and columns back to the model)
    lp_basis: object = None       # the LP relaxation's basis when the root heuristic ran (warm-starts the duals)
    screen: dict | None = None    # the screen's short list, rounds and bound (optimizer/screen.py), when it ran
    decomposition: dict | None = None   # the campus decomposition's rounds (optimizer/campus_decomposition.py)
    plan_x: object = None         # the plan's column values when no Highs instance holds them (decomposition)
    fixed_plan_duals: object = None   # solves the fixed-plan LP its own way: () -> (row duals, objective MUSD) or None

    @property
    def x(self) -> np.ndarray:
        """The plan's column values (the form's columns, in order)."""
        if self.plan_x is not None:
            return np.asarray(self.plan_x, dtype=float)
        return np.asarray(self.highs.getSolution().col_value, dtype=float)

    @property
    def summary(self) -> str:
        if self.status == "optimal":
            return f"optimal (gap {self.mip_gap:.2%})" if self.mip_gap else "optimal"
        if self.has_solution:
            return f"{self.status}: best plan found, gap {self.mip_gap:.2%}" if self.mip_gap is not None \
                else f"{self.status}: best plan found"
        return self.status + (f": {self.message}" if self.message else "")


def solve(m: pyo.ConcreteModel, options: Solver, objective_kind: str = "min_cost",
          progress: Progress | None = None, log_path: Path | None = None, verbose: bool = False) -> Solution:
    """Solve ``m``; write the solution into its variables when there is one. ``log_path``: where
    HiGHS writes its log (kept in the run folder); ``verbose``: HiGHS's log on the terminal too."""
    progress = progress or Progress()
    log = SolveLog(log_path, verbose)
    if objective_kind in ("max_compute", "fastest"):
        return _solve_max_compute(m, options, progress, log, objective_kind)
    use_objective(m, "objective_cost")
    progress.stage("solving with HiGHS")
    return solve_active(m, options, progress, log)


@dataclass(frozen=True)
class SolveLog:
    """Where HiGHS's log goes: a file (``path``) and/or the terminal (``console``)."""

    path: Path | None = None
    console: bool = False

    def renamed(self, suffix: str) -> "SolveLog":
        return SolveLog(self.path.with_name(self.path.stem + suffix + ".log") if self.path else None, self.console)


def h100e_text(value: float) -> str:
    return f"{value:,.0f} h100e"


def months_text(value: float) -> str:
    return f"{value:,.0f} months at the target"


def _solve_max_compute(m, options: Solver, progress: Progress, log: SolveLog, kind: str = "max_compute") -> Solution:
    """Lexicographic: the most compute (or the most months with the target reached, ``fastest``),
    then the least cost holding it."""
    use_objective(m, "objective_compute")
    if kind == "fastest":
        progress.stage("solving with HiGHS: the earliest period at the target", months_text)
    else:
        progress.stage("solving with HiGHS: the most compute", h100e_text)
    first = solve_active(m, options, progress, log)
    if not first.has_solution or STOP.requested:
        return first
    best = first.objective
    if hasattr(m, "objective_compute_floor"):
        m.del_component("objective_compute_floor")
    m.objective_compute_floor = pyo.Constraint(expr=m.compute_measure >= best - 1e-6 * max(1.0, abs(best)))
    use_objective(m, "objective_cost")
    progress.stage("solving with HiGHS: the least cost for that compute")
    second = solve_active(m, options, progress, log.renamed("-cost"))
    second.compute_measure = best
    second.handoff_seconds += first.handoff_seconds
    second.solve_seconds += first.solve_seconds
    return second


def use_objective(m, name: str) -> None:
    """Activate objective ``name`` and deactivate the others."""
    for obj in m.component_objects(pyo.Objective):
        obj.activate() if obj.name == name else obj.deactivate()


def solve_active(m: pyo.ConcreteModel, options: Solver, progress: Progress | None = None,
                 log: "SolveLog | None" = None) -> Solution:
    """Compile the active objective and constraints, solve with HiGHS, load the solution."""
    t0 = time.perf_counter()
    try:
        form = compile_model(m)
    except InfeasibleConstraintException as exc:
        return Solution("infeasible", False, message=str(exc))
    return solve_form(form, options, progress, log, t0)


def solve_form(form: StandardForm, options: Solver, progress: Progress | None = None,
               log: "SolveLog | None" = None, t0: float | None = None, start=None) -> Solution:
    """Solve a compiled model (the root heuristic first, where it applies) and load the plan into
    its Pyomo variables. ``t0``: when the handoff began (its time is reported). ``start``: a feasible
    point (column values) HiGHS takes as its first incumbent (the root heuristic is then skipped)."""
    t0 = time.perf_counter() if t0 is None else t0
    progress = progress or Progress()
    sites = _screened_sites(form, options, start)
    if sites:
        from optimizer.campus_decomposition import whole_model_next
        from optimizer.screen import screen_solve

        screened = screen_solve(form, sites, options, progress, log)
        screened.handoff_seconds = time.perf_counter() - t0 - screened.solve_seconds
        if not whole_model_next(screened, form, options):
            return screened
        whole = _whole_from(screened, "the short list's plan", "the bound of all campuses", form, options, progress,
                            log)
        whole.screen = {**screened.screen, "whole_model": True}
        return whole
    sites = _decomposed_sites(form, options, start)   # the whole model when it stops early (time left)
    if sites:
        from optimizer.campus_decomposition import decomposed_solve, whole_model_next

        decomposed, options = decomposed_solve(form, sites, options, progress)
        if decomposed is not None:
            decomposed.handoff_seconds = time.perf_counter() - t0 - decomposed.solve_seconds
            if not whole_model_next(decomposed, form, options):
                return decomposed
            whole = _whole_from(decomposed, "the decomposition's plan", "its bound", form, options, progress, log)
            whole.decomposition = decomposed.decomposition
            return whole
    try:
        h = to_highs(form, options, log)
        handoff = time.perf_counter() - t0
        t1 = time.perf_counter()
        plan = _root_plan(form, options, progress, log) if start is None else None
        if start is not None:
            start_from(h, start)
        if plan is not None and (plan.gap <= options.mip_gap or STOP.requested):
            # proven within the gap (no branch and bound needed), or stopped: the plan found so far
            solution = _from_root(plan, form.maximise, "interrupted" if STOP.requested else "optimal")
            return _finish(solution, plan.highs, form, options, handoff, time.perf_counter() - t1, plan)
        # the time limit is the whole solve's: branch and bound gets what the root heuristic left
        h.setOptionValue("time_limit", max(1.0, options.time_limit_s - (time.perf_counter() - t1)))
        if plan is not None:
            start_from(h, plan.x)
            progress.stage(f"solving with HiGHS from the plan found (gap {plan.gap:.2%} to the LP bound)")
        if run_highs(h, progress, form.maximise) == highspy.HighsStatus.kError and \
                h.getModelStatus() == highspy.HighsModelStatus.kSolveError:
            raise SolveError("HiGHS failed while solving; try presolve: false or another seed"
                             + (f" (its log: {log.path})" if log and log.path else ""))
    except SolveError as exc:
        return Solution("error", False, message=str(exc), model_size=form.size)
    return _finish(_read_outcome(h, form.maximise), h, form, options, handoff, time.perf_counter() - t1, plan)


def _whole_from(first: Solution, plan: str, bound: str, form: StandardForm, options: Solver,
                progress: Progress, log) -> Solution:
    """The whole model's branch and bound from ``first``'s plan (a screen's or a decomposition's outside
    the gap, minimised), with the time ``first`` left; see :func:`_after`."""
    progress.stage(f"{plan} is {first.mip_gap:.2%} from {bound}: branch and bound on the whole model from that plan")
    left = options.model_copy(update={"time_limit_s": options.time_limit_s - first.solve_seconds})
    return _after(solve_form(form, left, progress, log, start=first.x), first)


def _after(solution: Solution, first: Solution) -> Solution:
    """``solution`` (the whole model's branch and bound that went on from ``first``'s plan) with both
    stages' times and the better of the two valid bounds (HiGHS's can be the weaker one when it
    stopped early, or missing)."""
    solution.handoff_seconds += first.handoff_seconds
    solution.solve_seconds += first.solve_seconds
    if solution.has_solution and first.bound is not None and (solution.bound is None or first.bound > solution.bound):
        solution.bound = first.bound
        solution.mip_gap = max(0.0, (solution.objective - first.bound) / max(abs(solution.objective), 1e-9))
    return solution


def _screened_sites(form: StandardForm, options: Solver, start) -> list[str]:
    """The campuses of a model the screen (:mod:`optimizer.screen`) solves: ``solver.screen`` on, a MIP
    with its Pyomo links and more than one campus, minimised (its pricing and bound are for a minimum),
    no start given, not stopped."""
    if not options.screen or options.relax_integrality or start is not None or not form.columns \
            or form.maximise or not form.integer.any() or STOP.requested:
        return []
    ix = getattr(form.columns[0].model(), "ix", None)
    sites = list(ix.sites) if ix is not None else []
    return sites if len(sites) > 1 else []


def _decomposed_sites(form: StandardForm, options: Solver, start) -> list[str]:
    """The campuses of a model the campus decomposition (:mod:`optimizer.campus_decomposition`) solves:
    ``solver.decompose`` on (or auto and the model large enough: ``wanted``), a MIP with its Pyomo links
    and several campuses, minimised, no start given, not stopped."""
    from optimizer.campus_decomposition import wanted

    if not options.decompose or options.relax_integrality or start is not None or not form.columns \
            or form.maximise or not form.integer.any() or STOP.requested:
        return []
    ix = getattr(form.columns[0].model(), "ix", None)
    sites = list(ix.sites) if ix is not None else []
    return sites if len(sites) > 1 and wanted(form, options, len(sites)) else []


def _root_plan(form: StandardForm, options: Solver, progress: Progress | None, log):
    """The root heuristic's plan (:mod:`optimizer.heuristic`), where it applies: a MIP, the heuristic on,
    not stopped."""
    wanted = options.root_heuristic if options.root_heuristic != "auto" else form.integer.sum() >= AUTO_HEURISTIC_INTEGERS
    if not wanted or options.relax_integrality or not form.integer.any() or STOP.requested:
        return None
    return root_plan(form, options, progress or Progress(), log)   # HiGHS appends to the same log file


def _from_root(plan, maximise: bool, status: str) -> Solution:
    """The restricted MIP's plan with the LP relaxation as its bound."""
    sign = -1.0 if maximise else 1.0
    return Solution(status, True, objective=sign * plan.objective, bound=sign * plan.bound,
                    mip_gap=max(plan.gap, 0.0))


def _finish(solution: Solution, h, form: StandardForm, options: Solver, handoff: float, seconds: float,
            plan=None) -> Solution:
    """Attach timings, model size, the Highs instance and the root heuristic's LP basis (``plan``) to
    ``solution``; load the plan into the model."""
    solution.handoff_seconds, solution.solve_seconds, solution.model_size = handoff, seconds, form.size
    solution.lp_basis = plan.lp_basis if plan is not None else None
    solution.highs, solution.form = h, form
    if solution.has_solution:
        load_values(form, h.getSolution().col_value, round_integers=not options.relax_integrality)
    return solution


def run_highs(h: highspy.Highs, progress: Progress | None = None, maximise: bool = False) -> highspy.HighsStatus:
    """Run ``h`` in a worker thread; report progress; stop it on Ctrl-C or SIGTERM.

    The interrupt is recorded in :data:`optimizer.interrupts.STOP` and the solver is asked to stop
    through its simplex, IPM and MIP interrupt callbacks; the call returns once it has stopped
    (model status ``kInterrupt``, best plan kept), so that the caller can write what was found.
    HiGHS looks at its callbacks between steps (about every second in a branch and bound; a long
    root LP inside a MIP finishes first): a third interrupt quits at once, saving nothing."""
    progress = progress or Progress()
    figures: dict[str, float | None] = {"best": None, "bound": None, "gap": None}
    stop = [STOP.requested]
    sign = -1.0 if maximise else 1.0

    def on_interrupt(event) -> None:
        if stop[0]:
            event.interrupt()

    def on_mip(event) -> None:
        out = event.data_out
        if math.isfinite(out.mip_primal_bound):
            figures["best"] = sign * out.mip_primal_bound
        if math.isfinite(out.mip_dual_bound):
            figures["bound"] = sign * out.mip_dual_bound
        figures["gap"] = out.mip_gap if math.isfinite(out.mip_gap) else None
        if stop[0]:
            event.interrupt()

    h.cbSimplexInterrupt.subscribe(on_interrupt)
    h.cbIpmInterrupt.subscribe(on_interrupt)
    h.cbMipInterrupt.subscribe(on_mip)
    with _POOL_LOCK:
        _POOL["running"] += 1
    try:
        status = _wait_for(h, progress, figures, stop)
    finally:
        with _POOL_LOCK:
            _POOL["running"] -= 1
        h.clearCallbacks()
    return status


def _wait_for(h: highspy.Highs, progress: Progress, figures: dict, stop: list) -> highspy.HighsStatus:
    """Start ``h`` in its worker thread and wait for it, reporting progress and taking Ctrl-C."""
    t0 = time.perf_counter()
    worker = h.startSolve()
    status, interrupts = None, 0
    while True:
        try:
            done, status = h.wait(POLL_S)
            if done:
                break
            progress.solving(time.perf_counter() - t0, figures["best"], figures["bound"], figures["gap"])
        except KeyboardInterrupt as exc:
            STOP.record(exc)
            stop[0] = True
            interrupts += 1
            if interrupts >= FORCE_AFTER_INTERRUPTS:   # the user insists: leave now, nothing is saved
                progress.close()
                sys.stderr.write(f"stopped at once by repeated {STOP.signal_name}: nothing was saved\n")
                os._exit(STOP.exit_code)
            progress.stage("stopping HiGHS (interrupted): keeping the best plan found so far"
                           f" (press Ctrl-C {FORCE_AFTER_INTERRUPTS - interrupts} more times to quit at once)")
    worker.join()
    return status


def to_highs(form: StandardForm, options: Solver, log: "SolveLog | None" = None) -> highspy.Highs:
    """A Highs instance holding ``form`` (always as minimisation) with the config's options;
    HiGHS's log goes where ``log`` says (nowhere by default)."""
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = form.A.shape[1], form.A.shape[0]
    sign = -1.0 if form.maximise else 1.0
    lp.col_cost_ = sign * form.cost
    lp.offset_ = sign * form.offset
    lp.col_lower_, lp.col_upper_ = form.col_lower, form.col_upper
    lp.row_lower_, lp.row_upper_ = form.row_lower, form.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = form.A.indptr
    lp.a_matrix_.index_ = form.A.indices
    lp.a_matrix_.value_ = form.A.data
    if form.integer.any() and not options.relax_integrality:
        kinds = np.where(form.integer, int(highspy.HighsVarType.kInteger), int(highspy.HighsVarType.kContinuous))
        lp.integrality_ = [highspy.HighsVarType(int(k)) for k in kinds]
    use_threads(int(options.threads or 1))
    h = new_highs()
    h.setOptionValue("time_limit", float(options.time_limit_s))
    h.setOptionValue("mip_rel_gap", float(options.mip_gap))
    h.setOptionValue("random_seed", int(options.seed))
    h.setOptionValue("presolve", "on" if options.presolve else "off")
    # HiGHS's feasibility jump runs before the root LP and finds no plan on these models: off saves
    # 1-19% of a branch and bound, same plans (benchmarks/README.md); highs_options can turn it back on
    h.setOptionValue("mip_heuristic_run_feasibility_jump", False)
    if log is not None and (log.path is not None or log.console):
        h.setOptionValue("output_flag", True)
        h.setOptionValue("log_to_console", bool(log.console))
        if log.path is not None:
            h.setOptionValue("log_file", str(log.path))
    for name, value in options.highs_options.items():
        h.setOptionValue(name, value)  # checked when the config is loaded (rejected_highs_options)
    if h.passModel(lp) == highspy.HighsStatus.kError:
        raise SolveError("HiGHS rejected the model (see its log); this is a bug, please report it")
    return h


def rejected_highs_options(options: dict) -> dict[str, str]:
    """Options HiGHS does not accept, with the reason: {name: message}. ``threads`` is solver.threads's
    (HiGHS's thread pool follows it: :func:`use_threads`)."""
    h = new_highs()
    rejected = {}
    for name, value in options.items():
        if name == "threads":
            rejected[name] = "set solver.threads instead (HiGHS's thread pool follows it)"
        elif h.setOptionValue(name, value) != highspy.HighsStatus.kOk:
            known = h.getOptionValue(name)[0] == highspy.HighsStatus.kOk
            rejected[name] = f"HiGHS rejects the value {value!r}" if known else "HiGHS has no option of that name"
    return rejected


def use_threads(threads: int) -> None:
    """Size HiGHS's thread pool for ``threads`` (solver.threads): a new pool when the size changes and
    no solve of this process is running (else the pool keeps its size, and new instances run with it)."""
    with _POOL_LOCK:
        if threads != _POOL["threads"] and _POOL["running"] == 0:
            highspy.Highs.resetGlobalScheduler(True)
            _POOL["threads"] = threads


def new_highs() -> highspy.Highs:
    """A silent Highs instance (its constructor prints a banner on the C++ stdout: hide it) with the
    thread pool's number of threads (:func:`use_threads`)."""
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
    h.setOptionValue("threads", int(_POOL["threads"]))
    return h


def _read_outcome(h: highspy.Highs, maximise: bool) -> Solution:
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
    elif name == "optimal":
        bound, gap = objective, 0.0        # an LP's bound is its objective only once it is proven optimal
    message = {
        "infeasible": "no plan satisfies every constraint",
        "infeasible_or_unbounded": "no plan satisfies every constraint (or the cost is unbounded)",
        "time_limit": "" if has_solution else "no plan found within the time limit",
        "error": f"HiGHS stopped with status {h.modelStatusToString(status)}",
    }.get(name, "")
    return Solution(name, has_solution, objective, bound, gap, message=message)
