"""``siting run`` on a config with an ``uncertainty`` block: the two-stage stochastic plan, EVPI, VSS,
the regret table, and a run folder.

    RP    the stochastic plan's objective: (1 − λ) E[cost] + λ CVaR_α[cost] (λ = 0: the expected cost)
    WS    wait and see: the same measure of each scenario's own optimum z*_s
    EVPI  = RP − WS ≥ 0      what knowing the future before committing would be worth
    EEV   the expected-value plan's first stage, fixed and completed in every scenario
    VSS   = EEV − RP ≥ 0     what planning for the spread, not for the average, is worth
    regret[i, j] = cost in scenario j of plan i's first stage (completed there) − z*_j

The folder holds ``summary.json`` (``stochastic``), ``tables/`` (every result table, with a
``scenario`` column where a value differs by scenario; ``first_stage.csv``, ``regret.csv``,
``scenario_costs.csv``), ``report.html``, ``highs.log`` and ``scenarios/NAME/``: each scenario's
plan (the shared first stage and that scenario's recourse) as a complete run folder.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from optimizer.errors import InputError, Problem
from optimizer.interrupts import STOP, deferred
from optimizer.progress import Progress
from optimizer.run_folder import write_json
from optimizer.stochastic.equivalent import Member, build_equivalent, risk_objective, scenario_costs
from optimizer.stochastic.futures import Future, expected_value_future, futures, relocated
from optimizer.stochastic.stages import Key, decisions, describe, fixed, plan_of

INFEASIBLE_PLAN = float("inf")
START_ROWS = 150_000       # equivalents from this size start from a completed plan (solve_equivalent)
START_TRIES = 3            # … trying at most this many scenarios' own first stages


@dataclass
class Scenario:
    """One future, loaded, built and compiled."""

    future: Future
    inputs: object
    raw: dict
    model: object
    member: Member
    build_seconds: float
    own_cost: float | None = None          # z*_s, MUSD
    own_plan: dict | None = None           # its own optimum's first stage
    own_status: str = ""
    base: object = None                    # the config's own inputs (without the future's overrides)

    @property
    def name(self) -> str:
        return self.future.name

    @property
    def probability(self) -> float:
        return self.future.probability


@dataclass
class StochasticOutcome:
    status: str
    out_dir: Path
    summary: dict
    scenarios: list = field(default_factory=list)
    solution: object = None


def is_stochastic(config_path: str | Path, overrides: Iterable[str] = ()) -> bool:
    """Whether the config (with its overrides) has an ``uncertainty`` block (read without the data)."""
    from optimizer.config.load import compose

    raw, _, _ = compose(config_path, list(overrides))
    return isinstance(raw, dict) and raw.get("uncertainty") is not None


def run_stochastic(config_path: str | Path, overrides: Iterable[str] = (), out: Path | None = None,
                   runs_root: Path = Path("runs"), progress: Progress | None = None, workers: int | None = None,
                   scheduler: str | None = None, method: str | None = None) -> StochasticOutcome:
    """Load every future, solve the stochastic plan (``method``: equivalent or decomposition, else the
    config's), each future's own plan and the expected-value plan, evaluate them across futures (on
    Dask with ``workers`` > 1 or a ``scheduler``), and write the folder."""
    from optimizer.inputs.load import load_all
    from optimizer.run_folder import fill_claimed

    progress = progress or Progress()
    STOP.clear()
    progress.stage("loading the config")
    overrides = list(overrides)
    loaded, base = load_all(config_path, overrides)
    block = base.config.uncertainty
    if block is None:
        raise InputError([Problem(str(config_path), None, "uncertainty", "this config has no uncertainty block",
                                  "add uncertainty: {scenarios: [...]} (docs/formulation.md)")])
    check_block(base)
    name = f"{base.config.name or Path(config_path).stem}-stochastic"
    outcome, outcome.out_dir = fill_claimed(out, runs_root, name, lambda folder: _plan(
        Path(config_path), overrides, loaded, base, folder, progress, workers, scheduler, method or block.method))
    return outcome


def _check_objective(inputs) -> None:
    if inputs.config.objective.kind != "min_cost":
        file, line = inputs.locate(("objective", "kind"))
        raise InputError([Problem(file, line, "objective.kind", "a stochastic plan minimises the expected (or "
                                  f"risk-weighted) cost; this config's objective is {inputs.config.objective.kind}",
                                  "use objective.kind: min_cost")])


def load_scenarios(config_path: Path, overrides: list[str], base, block, progress: Progress) -> list[Scenario]:
    """Every future's inputs, model and compiled form; every mistake at once, each naming its future."""
    until = _until_month(base, block)
    loaded = load_futures(config_path, overrides, base, block, progress=progress)
    out = []
    for n, (f, raw, inputs) in enumerate(loaded):
        progress.stage(f"building scenario {f.name} ({n + 1} of {len(loaded)})")
        out.append(_built(f, inputs, raw, until, base))
    return out


def load_futures(config_path: Path, overrides: list[str], base, block, cluster: bool = True,
                 progress: Progress | None = None) -> list[tuple[Future, dict, object]]:
    """Each future's (future, resolved config, inputs); every mistake at once, each naming the config's
    line of its future (``cluster=False``: checked without finding typical days, as siting validate)."""
    from optimizer.inputs.load import load_all

    problems, out = [], []
    for f in futures(block, config_path):
        if progress is not None:
            progress.stage(f"loading scenario {f.name}")
        try:
            loaded, inputs = load_all(config_path, overrides + f.overrides, cluster=cluster)
        except InputError as exc:
            problems += relocated(base.source, f, exc.problems)
            continue
        if [p.key for p in inputs.periods] != [p.key for p in base.periods]:
            problems.append(Problem(*base.source.locate(f.origin), f"uncertainty scenario {f.name}",
                                    "its periods differ from the config's", "futures share one horizon: do not "
                                    "override horizon keys in a scenario"))
            continue
        out.append((f, loaded.raw, inputs))
    if problems:
        raise InputError(problems)
    return out


def _built(f: Future, inputs, raw: dict, until: int, base=None) -> Scenario:
    from optimizer.handoff import compile_model
    from optimizer.model.build import build_model
    from optimizer.solve import use_objective

    t0 = time.perf_counter()
    model = build_model(inputs, order_alike=False)   # campuses alike in one future may differ in another
    use_objective(model, "objective_cost")
    form = compile_model(model)
    return Scenario(f, inputs, raw, model, Member(f.name, f.probability, form, decisions(form, until)),
                    time.perf_counter() - t0, base=base)


def _until_month(base, block) -> int:
    """The month first-stage decisions end: ``first_stage_until``, or the second period's start."""
    from optimizer.inputs.periods import month_of

    if block.first_stage_until is not None:
        return month_of(block.first_stage_until)
    periods = base.periods
    return periods[1].start_month if len(periods) > 1 else periods[0].start_month + periods[0].months


def check_block(base) -> None:
    """Mistakes in the uncertainty block that need the horizon: a first stage that shares nothing (no
    period starts before it) or everything (no period left for recourse); an objective that is not cost."""
    from optimizer.inputs.periods import month_of

    _check_objective(base)
    block = base.config.uncertainty
    periods = base.periods
    if block.first_stage_until is None:
        if len(periods) < 2:
            file, line = base.locate(("uncertainty",))
            raise InputError([Problem(file, line, "uncertainty", "the horizon has one period: nothing is left "
                                      "for the recourse", "plan more than one period")])
        return
    until = month_of(block.first_stage_until)
    file, line = base.locate(("uncertainty", "first_stage_until"))
    if until <= periods[0].start_month:
        raise InputError([Problem(file, line, "uncertainty.first_stage_until", f"{block.first_stage_until} is not "
                                  f"after the first period ({periods[0].label}): no decision would be shared",
                                  f"give a date after {periods[0].label} starts")])
    if until > periods[-1].start_month:
        raise InputError([Problem(file, line, "uncertainty.first_stage_until", f"{block.first_stage_until} is after "
                                  f"the last period ({periods[-1].label}) starts: nothing is left for the recourse",
                                  f"give a date up to {periods[-1].label}")])


def _plan(config_path: Path, overrides: list[str], loaded, base, folder, progress: Progress,
          workers, scheduler, method: str) -> StochasticOutcome:
    """Solve, evaluate and write into the claimed ``folder`` (a rescue folder if it cannot be written)."""
    from optimizer.solve import SolveLog

    out_dir = folder.partial

    block = base.config.uncertainty
    scenarios = load_scenarios(config_path, overrides, base, block, progress)
    members = [s.member for s in scenarios]
    options = base.config.solver
    log = SolveLog(out_dir / "highs.log")
    risk = block.risk
    chosen = _method(method, members, block)
    t0 = time.perf_counter()
    with _evaluator(workers, scheduler, len(scenarios) ** 2, options, progress) as evaluate:
        if chosen == "equivalent":
            solved = solve_equivalent(members, options, risk, progress, log, evaluate)
        else:
            from optimizer.stochastic.decompose import decompose

            solved = decompose(members, options, risk, block.decomposition, progress, evaluate)
        seconds = time.perf_counter() - t0
        if solved.xs is None:
            if solved.status in ("infeasible", "infeasible_or_unbounded") and not STOP.requested:
                solved.message = _why_infeasible(scenarios, options, progress)
            summary = {"name": base.config.name, "status": solved.status, "message": solved.message,
                       "stochastic": {"method": chosen, "scenarios": _scenario_list(scenarios)}}
            _interrupted(summary)
            write_json(out_dir / "summary.json", summary)
            from optimizer.report.stochastic import write_stochastic_report

            write_stochastic_report(out_dir)
            return StochasticOutcome(summary["status"], out_dir, summary, scenarios)
        results = _read_scenarios(scenarios, solved)   # before other solves load their values into the models
        numbers = {}
        if block.regret and not STOP.requested:
            numbers = evaluate_plans(config_path, overrides, scenarios, solved, evaluate, risk, progress)
    summary = make_summary(base, scenarios, solved, numbers, chosen, seconds, block)
    _interrupted(summary)
    try:
        write_folder(out_dir, loaded.raw, scenarios, results, solved, summary, progress)
    except OSError as exc:
        from optimizer.errors import display_path

        rescue = folder.rescue()
        progress.stage(f"could not write {display_path(out_dir)} ({exc}); writing to {rescue}")
        summary["rescued_from"] = str(folder.final)
        write_folder(rescue, loaded.raw, scenarios, results, solved, summary, progress)
    return StochasticOutcome(summary["status"], out_dir, summary, scenarios, solved)


def _interrupted(summary: dict) -> None:
    """A run stopped by Ctrl-C or SIGTERM says so (what it found so far is written)."""
    if STOP.requested:
        summary["status"] = "interrupted"
        summary["interrupted"] = STOP.signal_name


def _why_infeasible(scenarios: list[Scenario], options, progress: Progress) -> str:
    """Which futures have no plan even alone, or that only the shared first stage is impossible."""
    own_optima(scenarios, options, progress)
    alone = [s.name for s in scenarios if s.own_cost is None]
    if alone:
        return (f"no plan: {', '.join(alone)} {'has' if len(alone) == 1 else 'have'} no plan even on its own "
                "(run that scenario's overrides with siting run and siting explain)")
    return ("no plan: every scenario has a plan on its own, but no first stage serves them all (commit less "
            "before first_stage_until, or compare the scenarios' own plans with siting sweep)")


def _method(method: str, members: list[Member], block) -> str:
    """The method asked, or for auto: the equivalent when it is small enough or CVaR is weighted."""
    if method != "auto":
        return method
    if block.risk.cvar_weight > 0:
        return "equivalent"
    nonzeros = sum(m.form.A.nnz for m in members)
    return "equivalent" if nonzeros <= block.equivalent_max_nonzeros else "decomposition"


@dataclass
class Solved:
    """The stochastic plan: its status, objective (RP, MUSD), bound, shared first stage and each
    scenario's column values."""

    status: str
    objective: float | None
    bound: float | None
    plan: dict | None
    xs: list | None
    message: str = ""
    seconds: float = 0.0
    model_size: dict = field(default_factory=dict)
    history: list = field(default_factory=list)      # the decomposition's iterations

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        return max(0.0, (self.objective - self.bound) / max(abs(self.objective), 1e-9))


def solve_equivalent(members: list[Member], options, risk, progress: Progress, log=None, evaluate=None) -> Solved:
    """The deterministic equivalent, solved whole by HiGHS. From START_ROWS rows (and with an
    ``evaluate``), HiGHS starts from :func:`starting_plan` instead of the root heuristic."""
    from optimizer.solve import solve_form

    progress.stage(f"building the deterministic equivalent of {len(members)} scenarios")
    eq = build_equivalent(members, risk.cvar_alpha, risk.cvar_weight)
    t0 = time.perf_counter()
    start = starting_plan(members, eq, options, evaluate, progress) \
        if evaluate is not None and eq.form.A.shape[0] >= START_ROWS else None
    progress.stage(f"solving the deterministic equivalent ({eq.form.A.shape[0]:,} rows, {eq.form.A.shape[1]:,} "
                   f"columns)")
    left = options.model_copy(update={"time_limit_s": max(1.0, options.time_limit_s - (time.perf_counter() - t0))})
    solution = solve_form(eq.form, left, progress, log, start=start)
    seconds = time.perf_counter() - t0
    if not solution.has_solution:
        return Solved(solution.status, None, solution.bound, None, None, solution.message or "no plan", seconds,
                      eq.form.size)
    x = solution.x
    x = np.where(eq.form.integer, np.round(x), x)
    return Solved(solution.status, solution.objective, solution.bound, eq.plan(x), eq.split(x), "", seconds,
                  eq.form.size)


def starting_plan(members: list[Member], eq, options, evaluate, progress: Progress,
                  tries: int = START_TRIES) -> np.ndarray | None:
    """A plan of the equivalent: a scenario's own first stage completed in every scenario (η at the
    largest cost, no excess, where CVaR is weighted), trying the scenarios' own plans from the dearest
    own optimum down (the hardest future's commitments are the likeliest to serve the others), at most
    ``tries``; None if none completes everywhere. For large equivalents, whose root heuristic may find
    nothing in its time; the own optima are kept for the regret table."""
    for n, m in enumerate(members):
        progress.stage(f"a starting plan: scenario {m.name} alone ({n + 1} of {len(members)})")
        own_optimum(m, options, progress)
    ranked = sorted((m for m in members if m.own[1] is not None), key=lambda m: -m.own[1])
    for m in ranked[:tries]:
        progress.stage(f"a starting plan: scenario {m.name}'s own first stage, completed in every scenario")
        done = evaluate([(other, m.own[2]) for other in members], "a starting plan")
        if all(np.isfinite(e.cost) for e in done):
            x = np.zeros(eq.form.A.shape[1])
            for cols, e in zip(eq.columns_of, done):
                x[cols] = e.x
            if eq.eta is not None:
                x[eq.eta] = max(e.cost for e in done)
            return x
    return None


# ---------------------------------------------------------------- evaluating first-stage plans

@dataclass
class Evaluation:
    status: str
    cost: float               # MUSD; inf when the plan cannot be completed in the scenario
    reason: str = ""
    x: np.ndarray | None = None   # the completed plan's column values in the scenario's model


class _Evaluator:
    """Completes first-stage plans in scenarios: in this process, or as Dask tasks (the sweep engine's
    LocalCluster or the cluster named), as many at once as there are worker threads."""

    def __init__(self, client, options, progress: Progress):
        self.client, self.options, self.progress = client, options, progress

    def __call__(self, jobs: list[tuple[Member, dict]], what: str = "plans", options=None) -> list[Evaluation]:
        """Each (scenario, first-stage plan): the least cost of completing the plan there (``options``: the
        solver options of the completions, the config's by default). A completion stopped by an interrupt
        has status ``interrupted`` and cost NaN: not evaluated."""
        from optimizer.alternatives.search import light, solve_direction

        options = options or self.options

        prepared, out = [], [None] * len(jobs)
        for n, (member, plan) in enumerate(jobs):
            form, bad = fixed(member.form, member.stage, plan)
            if form is None:
                out[n] = Evaluation("cannot_build", INFEASIBLE_PLAN, _cannot(bad))
            else:
                prepared.append((n, member, form))
        if self.client is not None and prepared:
            self.progress.stage(f"evaluating {len(prepared)} {what} on {_threads(self.client)} Dask workers")
            futures_ = [self.client.submit(solve_direction, light(f), options, None, pure=False)
                        for _, _, f in prepared]
            answers = self.client.gather(futures_)
        else:
            answers = []
            for k, (_, member, f) in enumerate(prepared):
                if STOP.requested:
                    answers.append(("interrupted", False, None, 0.0))
                    continue
                self.progress.stage(f"evaluating {what}: {k + 1} of {len(prepared)} (scenario {member.name})")
                answers.append(solve_direction(light(f), options, None))
        for (n, member, f), (status, ok, x, _) in zip(prepared, answers):
            out[n] = _evaluation(f, status, ok, x)
        return out


def _evaluation(form, status: str, ok: bool, x) -> Evaluation:
    if status == "interrupted" or STOP.requested and not ok:
        return Evaluation("interrupted", float("nan"), "not evaluated: the run was stopped")
    if ok and status in ("optimal", "gap_limit", "time_limit", "solution_limit"):
        return Evaluation(status, float(form.cost @ x + form.offset), x=x)
    return Evaluation(status, INFEASIBLE_PLAN, "no completion of the plan satisfies every constraint here"
                      if status.startswith("infeasible") else f"no completion found ({status})")


def _cannot(bad: list[Key]) -> str:
    first = describe(bad[0])
    more = f" and {len(bad) - 1} more" if len(bad) > 1 else ""
    return (f"the plan's {first['decision']} at {first['site']} {first['item']} in {first['period']} cannot be "
            f"taken in this scenario{more}").replace("  ", " ")


def _threads(client) -> int:
    return max(1, sum(client.nthreads().values()))


class _evaluator:
    """Context manager: an :class:`_Evaluator`, with a Dask client when asked."""

    def __init__(self, workers, scheduler, tasks: int, options, progress: Progress):
        self.args = (workers, scheduler, tasks)
        self.options, self.progress = options, progress
        self.client = self.cluster = None

    def __enter__(self) -> _Evaluator:
        workers, scheduler, tasks = self.args
        if scheduler or (workers or 1) > 1:
            from optimizer.sweep.execute import _client

            self.client, self.cluster = _client(scheduler, workers or 1, tasks)
        return _Evaluator(self.client, self.options, self.progress)

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            from optimizer.sweep.execute import _close

            _close(self.client, self.cluster)


def evaluate_plans(config_path: Path, overrides: list[str], scenarios: list[Scenario], solved: Solved, evaluate,
                   risk, progress: Progress) -> dict:
    """Each scenario's own optimum (wait and see), the expected-value plan, and every plan completed in
    every scenario: EVPI, VSS and the regret table."""
    members = [s.member for s in scenarios]
    own_optima(scenarios, evaluate.options, progress)
    probs = np.array([s.probability for s in scenarios])
    ev = expected_value_plan(config_path, overrides, scenarios, evaluate.options, progress)
    plans = [(s.name, "scenario", n, s.own_plan) for n, s in enumerate(scenarios) if s.own_plan is not None]
    if ev is not None:
        plans.append(("expected_value", "expected_value", None, ev))
    jobs, where = [], {}
    for i, (_, _, own, plan) in enumerate(plans):
        for j, s in enumerate(scenarios):
            if own != j:
                where[(i, j)] = len(jobs)
                jobs.append((s.member, plan))
    done = evaluate(jobs, "plans across scenarios") if jobs else []
    cost = np.full((len(plans) + 1, len(scenarios)), np.nan)
    reasons: list[dict] = []
    for i, (name, _, own, plan) in enumerate(plans):
        for j, s in enumerate(scenarios):
            if own == j:
                cost[i, j] = s.own_cost
                continue
            e = done[where[(i, j)]]
            cost[i, j] = e.cost
            if e.reason and e.status != "interrupted":
                reasons.append({"plan": name, "scenario": s.name, "reason": e.reason})
    cost[len(plans)] = scenario_costs(members, solved.xs)
    names = [p[0] for p in plans] + ["stochastic"]
    kinds = [p[1] for p in plans] + ["stochastic"]
    own = best_known(cost, scenarios)
    out = regret_numbers(names, [s.name for s in scenarios], cost, own, probs, solved.objective, risk, reasons)
    out["regret"]["kinds"] = kinds
    if ev is None:
        out.update(expected_value_plan_usd=None, vss_usd=None)
    return out


def best_known(cost: np.ndarray, scenarios: list[Scenario]) -> np.ndarray:
    """Each scenario's least cost known: its own optimum (solved to the configured gap), or any other plan
    completed there if that came out cheaper (every completion is a plan of that scenario alone), so that
    EVPI and regret are never negative. The scenarios' own optima are updated."""
    with np.errstate(invalid="ignore"):
        least = np.nanmin(np.where(np.isfinite(cost), cost, np.nan), axis=0)
    for j, s in enumerate(scenarios):
        if s.own_cost is None or (np.isfinite(least[j]) and least[j] < s.own_cost):
            s.own_cost = float(least[j]) if np.isfinite(least[j]) else None
    return np.array([s.own_cost if s.own_cost is not None else np.nan for s in scenarios])


def regret_numbers(plans: list[str], scenario_names: list[str], cost: np.ndarray, own: np.ndarray,
                   probs: np.ndarray, rp: float, risk, reasons: list | None = None) -> dict:
    """EVPI, VSS and the regret table from the costs (MUSD) of every plan (rows) in every scenario."""
    alpha, weight = risk.cvar_alpha, risk.cvar_weight
    regret = cost - own[None, :]
    evaluated = ~np.any(np.isnan(cost), axis=1)          # rows with a completion stopped are left out
    worst = np.where(evaluated, np.max(np.nan_to_num(regret, nan=-np.inf, posinf=np.inf), axis=1), np.nan)
    finite = np.all(np.isfinite(cost), axis=1)
    expected = np.where(finite, np.nan_to_num(cost, posinf=0.0) @ probs, np.where(evaluated, np.inf, np.nan))
    measured = np.array([risk_objective(row, probs, alpha, weight) if ok else (np.inf if whole else np.nan)
                         for row, ok, whole in zip(cost, finite, evaluated)])
    ws = risk_objective(own, probs, alpha, weight) if np.all(np.isfinite(own)) else None
    out = {"wait_and_see_usd": _usd(ws), "evpi_usd": _usd(_difference(rp, ws)) if ws is not None else None,
           "regret": {"plans": plans, "scenarios": scenario_names,
                      "cost_usd": [[_usd(v) for v in row] for row in cost],
                      "regret_usd": [[_usd(v) for v in row] for row in regret],
                      "max_regret_usd": [_usd(v) for v in worst], "expected_usd": [_usd(v) for v in expected],
                      **({"risk_objective_usd": [_usd(v) for v in measured]} if weight > 0 else {}),
                      "min_max_regret_plan": plans[int(np.nanargmin(np.where(np.isfinite(worst), worst, np.nan)))]
                      if np.isfinite(worst).any() else None,
                      "cannot_complete": reasons or []}}
    if "expected_value" in plans:
        eev = measured[len(plans) - 2]      # the rows: each scenario's plan, the expected-value plan, the stochastic
        out["expected_value_plan_usd"] = _usd(eev)
        out["vss_usd"] = _usd(_difference(eev, rp))
    return out


def _difference(a: float, b: float) -> float:
    """a − b, with a rounding-level difference of two near-equal costs shown as 0."""
    d = a - b
    return 0.0 if np.isfinite(d) and abs(d) <= 1e-9 * max(1.0, abs(a), abs(b)) else d


def own_optima(scenarios: list[Scenario], options, progress: Progress) -> None:
    """Solve each scenario alone: its least cost z*_s and its own first stage."""
    for n, s in enumerate(scenarios):
        progress.stage(f"scenario {s.name} alone ({n + 1} of {len(scenarios)}): its own optimum")
        s.own_status, s.own_cost, s.own_plan = own_optimum(s.member, options, progress)


def own_optimum(member: Member, options, progress: Progress) -> tuple:
    """(status, cost, first stage) of the scenario solved alone; solved once, then kept on ``member``."""
    from optimizer.solve import solve_form

    if member.own is None:
        sol = solve_form(member.form, options, progress)
        if sol.has_solution:
            x = sol.x
            member.own = (sol.status, float(member.form.cost @ x + member.form.offset), plan_of(x, member.stage))
        else:
            member.own = (sol.status, None, None)
    return member.own


def expected_value_plan(config_path: Path, overrides: list[str], scenarios: list[Scenario], options,
                        progress: Progress) -> dict | None:
    """The first stage of the plan made for the expected-value future (None when it has no plan)."""
    from optimizer.inputs.load import load_all
    from optimizer.solve import solve_form

    base = scenarios[0].base
    ev = expected_value_future([s.future for s in scenarios], lambda key: base_value(key, base))
    progress.stage("the expected-value plan")
    _, inputs = load_all(config_path, overrides + ev.overrides)
    s = _built(ev, inputs, {}, _until_month(base, base.config.uncertainty), base)
    sol = solve_form(s.member.form, options, progress)
    if not sol.has_solution:
        return None
    return plan_of(sol.x, s.member.stage)


def base_value(key: str, base):
    """The config's own value of an override key (a future that leaves it alone has this): 1 for a
    factor (``...*``), the table's cell for ``data.TABLE.ROW.COLUMN`` (one row), the config's value for
    a config key; BASE when there is no single value (a column of many rows, a key the config lacks)."""
    from optimizer.stochastic.futures import BASE

    if key.endswith("*"):
        return 1.0
    parts = key.split(".")
    if parts[0] == "data":
        if len(parts) != 4 or parts[2] == "*" or parts[1] not in ("sites", "regions", "techs", "gpus"):
            return BASE
        frame = getattr(base, parts[1])
        try:
            value = frame.loc[parts[2], parts[3]]
            if parts[3] == "lead_time_months" and not np.isfinite(value):   # blank: lead_time_years × 12
                value = frame.loc[parts[2], "lead_time_years"] * 12
        except (KeyError, TypeError):
            return BASE
        value = value.item() if hasattr(value, "item") else value
        return BASE if isinstance(value, float) and not np.isfinite(value) else value
    node = base.config.model_dump()
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, dict) and part.isdigit() and int(part) in node:
            node = node[int(part)]
        else:
            return BASE
    return node


# ---------------------------------------------------------------- results and the folder

def _read_scenarios(scenarios: list[Scenario], solved: Solved) -> list:
    """Each scenario's plan (the shared first stage and its recourse) as result tables."""
    from optimizer.handoff import load_values
    from optimizer.results import read_results
    from optimizer.solve import Solution

    out = []
    for s, x in zip(scenarios, solved.xs):
        load_values(s.member.form, x, round_integers=not s.inputs.config.solver.relax_integrality)
        cost = float(s.member.form.cost @ x + s.member.form.offset)
        sol = Solution(solved.status, True, objective=cost, bound=None, mip_gap=solved.gap,
                       solve_seconds=solved.seconds, model_size=s.member.form.size)
        out.append((sol, read_results(s.model, sol, s.build_seconds)))
    return out


def make_summary(base, scenarios: list[Scenario], solved: Solved, numbers: dict, method: str, seconds: float,
                 block) -> dict:
    """summary.json of the stochastic plan."""
    from optimizer.pipeline import periods_summary

    probs = np.array([s.probability for s in scenarios])
    costs = scenario_costs([s.member for s in scenarios], solved.xs)
    risk = block.risk
    stochastic = {
        "method": method, "first_stage_until": _month_text(_until_month(base, block)),
        "expected_cost_usd": _usd(float(probs @ costs)),
        "objective_usd": _usd(solved.objective), "bound_usd": _usd(solved.bound), "gap": solved.gap,
        "scenarios": _scenario_list(scenarios, costs),
        "first_stage": first_stage_rows(solved.plan),
        **numbers,
    }
    if risk.cvar_weight > 0:
        from optimizer.stochastic.equivalent import cvar

        stochastic.update(cvar_usd=_usd(cvar(costs, probs, risk.cvar_alpha)), cvar_alpha=risk.cvar_alpha,
                          cvar_weight=risk.cvar_weight)
    if solved.history:
        stochastic["decomposition"] = solved.history
    return {"name": base.config.name, "status": solved.status, "message": solved.message,
            "objective_kind": "min_cost", "objective_usd": _usd(float(probs @ costs)),
            "bound_usd": _usd(solved.bound) if risk.cvar_weight == 0 else None, "mip_gap": solved.gap,
            "solve_seconds": round(seconds, 3), "model": solved.model_size, "periods": periods_summary(base),
            "stochastic": stochastic}


def _scenario_list(scenarios: list[Scenario], costs=None) -> list[dict]:
    out = []
    for n, s in enumerate(scenarios):
        row = {"name": s.name, "probability": s.probability, "set": {k: _plain(v) for k, v in s.future.values.items()}}
        if costs is not None:
            row["cost_usd"] = _usd(costs[n])
        if costs is not None:
            row["own_optimum_usd"] = _usd(s.own_cost)
        out.append(row)
    return out


def first_stage_rows(plan: dict | None) -> list[dict]:
    """The shared decisions that build something, in planner words."""
    rows = []
    for key, value in (plan or {}).items():
        if abs(value) > 1e-6:
            rows.append({**describe(key), "value": round(float(value), 6)})
    return sorted(rows, key=lambda r: (r["period"], r["site"], r["decision"], r["item"]))


def write_folder(out_dir: Path, raw: dict, scenarios: list[Scenario], results: list, solved: Solved,
                 summary: dict, progress: Progress) -> None:
    """The scenario run folders, the combined tables, summary.json and the report."""
    import yaml

    from optimizer.pipeline import RunOutcome, _plain as plain_raw, _write_all, make_summary as run_summary

    with deferred():
        for s, (sol, res) in zip(scenarios, results):
            progress.stage(f"writing scenario {s.name}")
            folder = out_dir / "scenarios" / s.name
            folder.mkdir(parents=True, exist_ok=True)
            one = run_summary(s.inputs, sol, res, s.build_seconds)
            one["stochastic_scenario"] = {"name": s.name, "probability": s.probability,
                                          "first_stage_until": summary["stochastic"]["first_stage_until"]}
            _write_all(folder, RunOutcome(s.inputs, sol, res, folder, one, s.model), s.raw)
        tables = out_dir / "tables"
        tables.mkdir(parents=True, exist_ok=True)
        for name, frame in combined_tables([s.name for s in scenarios], [r for _, r in results]).items():
            frame.to_csv(tables / f"{name}.csv", index=False)
        pd.DataFrame(summary["stochastic"]["first_stage"],
                     columns=["decision", "site", "item", "period", "unit", "value"]).to_csv(
            tables / "first_stage.csv", index=False)
        pd.DataFrame(summary["stochastic"]["scenarios"]).drop(columns=["set"]).to_csv(
            tables / "scenario_costs.csv", index=False)
        regret = summary["stochastic"].get("regret")
        if regret:
            regret_frame(regret).to_csv(tables / "regret.csv", index=False)
        write_json(out_dir / "summary.json", summary)
        (out_dir / "config.resolved.yaml").write_text(yaml.safe_dump(plain_raw(raw), sort_keys=False))
        progress.stage("writing the report")
        from optimizer.report.stochastic import write_stochastic_report

        write_stochastic_report(out_dir)


def combined_tables(names: list[str], results: list) -> dict[str, pd.DataFrame]:
    """Each result table once: as it is where every scenario has the same table, else every scenario's
    rows with a ``scenario`` column first."""
    out = {}
    for table in results[0].tables():
        frames = [r.tables()[table] for r in results]
        if all(_same(frames[0], f) for f in frames[1:]):
            out[table] = frames[0]
        else:
            out[table] = pd.concat([f.assign(scenario=n)[["scenario", *f.columns]] for n, f in zip(names, frames)],
                                   ignore_index=True)
    return out


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if a.shape != b.shape or list(a.columns) != list(b.columns):
        return False
    for col in a.columns:
        x, y = a[col], b[col]
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
            if not np.allclose(x.to_numpy(float), y.to_numpy(float), rtol=1e-7, atol=1e-6, equal_nan=True):
                return False
        elif not x.astype(str).equals(y.astype(str)):
            return False
    return True


def regret_frame(regret: dict) -> pd.DataFrame:
    """The regret table, long: plan, scenario, cost and regret (USD)."""
    rows = []
    for i, plan in enumerate(regret["plans"]):
        for j, scenario in enumerate(regret["scenarios"]):
            rows.append({"plan": plan, "scenario": scenario, "cost_usd": regret["cost_usd"][i][j],
                         "regret_usd": regret["regret_usd"][i][j]})
    return pd.DataFrame(rows)


def _month_text(month: int) -> str:
    return f"{month // 12}-{month % 12 + 1:02d}"


def _usd(musd) -> float | None:
    if musd is None:
        return None
    v = float(musd)
    return None if not np.isfinite(v) else v * 1e6


def _plain(v):
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v
