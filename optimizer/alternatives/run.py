"""``siting alternatives``: the optimum, then near-optimal alternatives, each written as a run folder.

The folder (claimed like a run folder, complete or ``*.incomplete``) holds ``summary.json``
(``alternatives``: each plan's key figures and what distinguishes it), ``alternatives.html`` (every
plan side by side), ``tables/alternatives.csv`` and ``tables/frequency.csv`` (campuses and sources:
in how many plans), ``highs.log``, and one complete run folder per plan, ``alt-0`` (the optimum,
with its shadow prices) to ``alt-N``, which ``siting report`` and ``siting compare`` read as any run.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from optimizer.alternatives.search import SPACES, Plan, Search, decision_space, describe_difference, search
from optimizer.errors import InputError, Problem
from optimizer.interrupts import STOP, deferred
from optimizer.progress import Progress
from optimizer.run_folder import write_json


@dataclass
class Settings:
    slack: float
    count: int
    threshold: float
    method: str
    space: tuple[str, ...]
    seed: int
    mip_gap: float = 0.1
    time_limit_s: float = 60.0

ABS_GAP = 0.01   # the distance objective is a sum of shares (0 to about 3): this close to its bound is enough


@dataclass
class AlternativesOutcome:
    status: str
    out_dir: Path
    summary: dict
    search: Search | None = None
    plans: list[dict] = field(default_factory=list)


def settings_of(config, slack=None, count=None, threshold=None, method=None, space=None, seed=None) -> Settings:
    """The config's ``alternatives`` block, with what the command line gives in its place."""
    block = config.alternatives
    chosen = tuple(space) if space else tuple(block.space)
    return Settings(slack if slack is not None else block.slack, count if count is not None else block.count,
                    threshold if threshold is not None else block.threshold, method or block.method,
                    tuple(p for p in SPACES if p in chosen), seed if seed is not None else block.seed,
                    block.mip_gap, block.time_limit_s)


def search_options(solver, settings: Settings):
    """The solver options of an alternative's search: its own gap (relative, and absolute on the distance
    objective) and time limit."""
    return solver.model_copy(update={"mip_gap": max(solver.mip_gap, settings.mip_gap),
                                     "time_limit_s": min(solver.time_limit_s, settings.time_limit_s),
                                     "highs_options": {**solver.highs_options, "mip_abs_gap": ABS_GAP}})


def run_alternatives(config_path: str | Path, overrides: Iterable[str] = (), out: Path | None = None,
                     runs_root: Path = Path("runs"), progress: Progress | None = None, workers: int | None = None,
                     scheduler: str | None = None, **given) -> AlternativesOutcome:
    """Solve the optimum and search alternatives (``given``: slack, count, threshold, method, space, seed
    in place of the config's ``alternatives`` block); write the folder. With ``method: random`` and
    ``workers`` (a LocalCluster) or ``scheduler`` (a Dask cluster), the directions are solved as
    Dask tasks, as many at once as there are worker threads."""
    from optimizer.inputs.load import load_all
    from optimizer.run_folder import fill_claimed

    progress = progress or Progress()
    STOP.clear()
    progress.stage("loading the config and data")
    loaded, inputs = load_all(config_path, overrides)
    if inputs.config.objective.kind != "min_cost":
        file, line = inputs.locate(("objective", "kind"))
        raise InputError([Problem(file, line, "objective.kind", f"alternatives compare costs; this config's "
                                  f"objective is {inputs.config.objective.kind}", "use objective.kind: min_cost")])
    settings = settings_of(inputs.config, **given)
    name = f"{inputs.config.name or Path(config_path).stem}-alternatives"
    outcome, outcome.out_dir = fill_claimed(out, runs_root, name, lambda folder: _search(
        inputs, loaded.raw, settings, folder.partial, progress, workers, scheduler))
    return outcome


def _search(inputs, raw: dict, settings: Settings, out_dir: Path, progress: Progress, workers: int | None = None,
            scheduler: str | None = None) -> AlternativesOutcome:
    from optimizer.model.build import build_model
    from optimizer.pipeline import RunOutcome, _explain, explain_summary, make_summary, objective_parts
    from optimizer.results import read_results
    from optimizer.handoff import load_values
    from optimizer.solve import Solution, SolveLog, solve, solve_form

    progress.stage("building the model")
    t0 = time.perf_counter()
    model = build_model(inputs, order_alike=False)   # the search weighs alike campuses apart: both must stay open to it
    build_seconds = time.perf_counter() - t0
    log = SolveLog(out_dir / "highs.log")
    solution = solve(model, inputs.config.solver, "min_cost", progress, log.path)
    if not solution.has_solution:
        summary = {"status": solution.status, "message": solution.message or "the optimum has no plan: no "
                   "alternatives (siting explain says why)"}
        write_json(out_dir / "summary.json", summary)
        return AlternativesOutcome(solution.status, out_dir, summary)
    form = solution.form
    x0 = column_values(form)
    space = decision_space(form, h100e_per_unit(inputs).to_dict(), inputs.sites["max_it_mw"].to_dict(),
                           settings.space)
    optimum = Plan(0, float(form.cost @ x0 + form.offset), space.quantities(x0), x0)
    prices = _explain(inputs, model, solution)[0] if not STOP.requested else None
    written: list[dict] = []

    def write(plan: Plan, sol) -> None:
        results = read_results(model, sol, build_seconds)
        summary = make_summary(inputs, sol, results, build_seconds, objective_parts(model))
        if plan.number == 0 and prices is not None:
            summary.update(explain_summary(prices, None))
        summary["alternative"] = {"number": plan.number, "gap_to_optimum": _gap(plan, optimum),
                                  "slack": settings.slack, "nearest_distance": plan.nearest,
                                  "differs": describe_difference(plan, optimum, _names(inputs))}
        run = RunOutcome(inputs, sol, results, out_dir / f"alt-{plan.number}", summary, model,
                         prices if plan.number == 0 else None)
        _write_plan(run, raw, progress, plan.number)
        written.append(_figures(plan, optimum, summary, results, inputs))

    write(optimum, solution)
    options = search_options(inputs.config.solver, settings)

    def solve_here(problems):
        out = []
        for f, start in problems:
            progress.stage(f"alternative {len(written)}: solving within {settings.slack:.1%} of the least cost")
            t1 = time.perf_counter()
            sol = solve_form(f, options, progress, log, start=start)
            x = column_values(form) if sol.has_solution else None
            out.append((sol.status, sol.has_solution, x, time.perf_counter() - t1))
        return out

    def keep(plan: Plan) -> None:
        load_values(form, plan.x, round_integers=not inputs.config.solver.relax_integrality)
        gap = (plan.cost_musd - solution.bound) / abs(plan.cost_musd) if plan.cost_musd else 0.0
        write(plan, Solution("feasible", True, objective=plan.cost_musd, bound=solution.bound, mip_gap=gap,
                             solve_seconds=plan.seconds, model_size=form.size))

    parallel = settings.method == "random" and (workers or scheduler)
    with _workers(scheduler, workers, settings.count) if parallel else _no_workers() as client:
        solve_many = _on_dask(client, options, progress) if client is not None else solve_here
        found = search(form, optimum, space, solve_many, settings.slack, settings.count, settings.threshold,
                       settings.method, settings.seed, on_plan=keep,
                       batch=_capacity(client) if client is not None else 1)
    frame = pd.DataFrame(written)
    tables = out_dir / "tables"
    tables.mkdir(exist_ok=True)
    frame.drop(columns=["mw_by_source", "h100e_by_product"]).to_csv(tables / "alternatives.csv", index=False)
    frequency(written).to_csv(tables / "frequency.csv", index=False)
    summary = {"status": "optimal" if solution.status == "optimal" else solution.status,
               "name": inputs.config.name, "slack": settings.slack, "method": settings.method,
               "space": list(settings.space), "threshold": settings.threshold, "count_asked": settings.count,
               "distinct_plans": len(found.plans), "repeats": found.repeats, "stopped": found.stopped,
               "optimum_usd": optimum.cost_musd * 1e6, "alternatives": written}
    write_json(out_dir / "summary.json", summary)
    from optimizer.report.alternatives import write_alternatives_report

    progress.stage("writing the alternatives report")
    write_alternatives_report(out_dir, summary)
    return AlternativesOutcome("optimal", out_dir, summary, found, written)


@contextmanager
def _workers(scheduler: str | None, workers: int | None, tasks: int):
    """A Dask client for the directions (the sweep engine's LocalCluster, or the cluster named)."""
    from optimizer.sweep.execute import _client, _close

    client, cluster = _client(scheduler, workers or 1, tasks)
    try:
        yield client
    finally:
        _close(client, cluster)


@contextmanager
def _no_workers():
    yield None


def _capacity(client) -> int:
    return max(1, sum(client.nthreads().values()))


def _on_dask(client, options, progress: Progress):
    """solve_many on Dask: each direction's model (without its Pyomo links) as one task."""
    from optimizer.alternatives.search import light, solve_direction

    def solve_many(problems):
        progress.stage(f"solving {len(problems)} directions on {_capacity(client)} Dask workers")
        futures = [client.submit(solve_direction, light(f), options, start, pure=False) for f, start in problems]
        return client.gather(futures)

    return solve_many


def _write_plan(run, raw: dict, progress: Progress, number: int) -> None:
    from optimizer.pipeline import _write_all

    progress.stage(f"writing plan {number}")
    run.out_dir.mkdir(parents=True, exist_ok=True)
    with deferred():
        _write_all(run.out_dir, run, raw)


def column_values(form) -> np.ndarray:
    """The model's current values, column by column of ``form`` (unset: 0)."""
    return np.array([v.value if v.value is not None else 0.0 for v in form.columns])


def h100e_per_unit(inputs) -> pd.Series:
    """h100e of one unit (rack, board) of each GPU product."""
    return inputs.gpus["h100e_per_gpu"] * inputs.gpus["gpus_per_unit"]


def _gap(plan: Plan, optimum: Plan) -> float:
    return (plan.cost_musd - optimum.cost_musd) / abs(optimum.cost_musd) if optimum.cost_musd else 0.0


def _names(inputs) -> dict[str, str]:
    return {s: str(n) for s, n in inputs.sites["name"].items()} if "name" in inputs.sites else {}


def _figures(plan: Plan, optimum: Plan, summary: dict, results, inputs) -> dict:
    """A plan's key figures for summary.json and the report."""
    bought = results.gpus.assign(h=results.gpus["new_units"] * results.gpus["gpu_id"].map(
        h100e_per_unit(inputs))).groupby("gpu_id")["h"].sum()
    sites = sorted(plan.sites())
    regions = sorted({str(inputs.sites.loc[s, "region_id"]) for s in sites if s in inputs.sites.index})
    return {"alternative": plan.number, "objective_usd": plan.cost_musd * 1e6, "gap_to_optimum": _gap(plan, optimum),
            "nearest_distance": plan.nearest, "sites": sites, "regions": regions,
            "mw_by_source": results.mw_by_source(),
            "h100e_by_product": {g: float(v) for g, v in bought.items() if v > 1e-6},
            "capex_cash_usd": summary.get("capex_cash_usd_total"), "emissions_t": sum(
                (summary.get("emissions_t") or {}).values()),
            "differs": summary["alternative"]["differs"], "folder": f"alt-{plan.number}"}


def frequency(plans: list[dict]) -> pd.DataFrame:
    """Campuses and sources: in how many of the plans each appears."""
    rows = []
    for kind, key in (("campus", "sites"), ("source", "mw_by_source"), ("gpu", "h100e_by_product")):
        counts: dict[str, int] = {}
        for p in plans:
            for item in p[key]:
                counts[item] = counts.get(item, 0) + 1
        rows += [{"kind": kind, "item": item, "plans": n, "share": n / len(plans)}
                 for item, n in sorted(counts.items(), key=lambda t: (-t[1], t[0]))]
    return pd.DataFrame(rows, columns=["kind", "item", "plans", "share"])


