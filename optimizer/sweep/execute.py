"""Running a sweep: prepare every scenario, run them as tasks on ``dask.distributed``, store each
result as it arrives.

- **Prepare** (:func:`prepare`): read the sweep file, make its scenarios, compose and validate each
  scenario's config (a mistake names the sweep file's line), load the first one's data in full,
  and hash each resolved config with its data files (:func:`optimizer.sweep.store.config_hash`).
- **Execute** (:func:`execute`): scenarios whose hash already has a result in the store are
  skipped (a rerun continues where the last stopped); equal configs run once. The rest are Dask
  tasks (:func:`optimizer.sweep.task.run_scenario`) on a ``LocalCluster`` of worker processes,
  ``cores // solver.threads`` of them unless told, or on an existing cluster (``scheduler``).
  Each worker process runs one scenario at a time; a worker that dies (a crash, or more memory
  than its share) is restarted by its nanny and its scenario retried on another, up to Dask's
  ``allowed-failures``, after which the scenario is recorded as an error and the sweep goes on.
- **Store**: the client alone writes: each result's run folder (``<folder>/scenarios/<id>-<hash8>``,
  from the files the worker sent back) and then its row in the run store, one transaction each.
  Ctrl-C cancels what is still running and keeps what is stored.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from optimizer.errors import InputError, Problem, SitingError, display_path, unique
from optimizer.sweep.design import Scenario, override, scenarios as make_scenarios
from optimizer.sweep.spec import SweepFile, read_sweep
from optimizer.sweep.store import DEFAULT_STORE, RunStore, config_hash, data_files, file_digest

SWEEPS_ROOT = Path("runs") / "sweeps"
# a worker holds one scenario at a time (no queue of its own), so a worker that dies takes no other
# scenario down with it, and a scenario may kill workers twice before it is recorded as an error
LOCAL_SCHEDULER = {"distributed.scheduler.worker-saturation": 1.0, "distributed.scheduler.allowed-failures": 2}


@dataclass
class Prepared:
    """A sweep ready to run: its scenarios, their resolved configs and hashes, the data files."""

    sweep: SweepFile
    scenarios: list[Scenario]
    raws: dict[str, dict]                      # scenario id -> resolved config (data paths as on this machine)
    hashes: dict[str, str]                     # scenario id -> config hash
    files: dict[str, dict[str, tuple[str, str]]]   # scenario id -> data key -> (digest, file name)
    bundle: dict[str, bytes]                   # digest -> the file's bytes
    folder: Path
    store: RunStore

    @property
    def name(self) -> str:
        return self.sweep.spec.name


@dataclass
class SweepOutcome:
    prepared: Prepared
    ran: int = 0
    skipped: int = 0
    failed: int = 0
    stopped: str | None = None      # the signal that stopped the sweep (SIGINT, SIGTERM)
    seconds: float = 0.0
    workers: int = 0
    run_seconds: list[float] = field(default_factory=list)   # each scenario's own run time, as measured on its worker
    report: Path | None = None


class SchedulerError(SitingError):
    """The Dask scheduler named by --scheduler cannot be reached."""


def prepare(path: str | Path, out: Path | None = None, store: Path | None = None) -> Prepared:
    """Read and check a sweep: every mistake at once, each naming the sweep file's line."""
    from optimizer.config.load import compose, validate
    from optimizer.inputs.load import load_all

    sweep = read_sweep(path)
    spec = sweep.spec
    scenarios = make_scenarios(spec)
    first = [override("solver.time_limit_s", spec.timeout_s)] if spec.timeout_s else []
    raws, hashes, files, bundle, digests = {}, {}, {}, {}, {}
    problems: list[Problem] = []
    for scenario in scenarios:
        raw, smap, found = compose(sweep.config_path, first + scenario.overrides)
        if raw is not None and not found:
            found = validate(raw, smap)[1]
        if found:
            problems.extend(_relocated(sweep, scenario, found))
            continue
        used = data_files(raw)
        for key, file in used.items():
            if file not in digests:
                digests[file] = file_digest(file)
                bundle[digests[file]] = Path(file).read_bytes()
        files[scenario.id] = {key: (digests[file], Path(file).name) for key, file in used.items()}
        raws[scenario.id] = raw
        hashed = raw if spec.explain == "all" else {**raw, "sweep_explain": spec.explain}   # results differ
        hashes[scenario.id] = config_hash(hashed, {key: digests[file] for key, file in used.items()})
    if problems:
        raise InputError(unique(problems, lambda p: (p.file, p.line, p.message)))   # once, not per scenario
    try:   # the data of the first scenario, in full (tables, references, data edits; no clustering)
        load_all(sweep.config_path, first + scenarios[0].overrides, cluster=False)
    except InputError as exc:
        raise InputError(_relocated(sweep, scenarios[0], exc.problems)) from None
    folder = out if out is not None else SWEEPS_ROOT / spec.name
    return Prepared(sweep, scenarios, raws, hashes, files, bundle, folder, RunStore(store or DEFAULT_STORE))


def _relocated(sweep: SweepFile, scenario: Scenario, problems: list[Problem]) -> list[Problem]:
    """Problems an override caused name the sweep file's line that wrote it, and the scenario."""
    out = []
    axes = {key.rstrip("*"): name for name, axis in sweep.spec.axes.items() for key in axis.keys}
    for p in problems:
        if p.file != "--set":
            out.append(p)
            continue
        key = re.sub(r"\[(.*?)\]", r".\1", p.key).rstrip("*")   # targets.x[2031] -> targets.x.2031
        axis = next((name for k, name in axes.items()
                     if key == k or key.startswith(k + ".") or k.startswith(key + ".")), None)
        if axis is not None:
            index = scenario.origin.get(axis)
            where = sweep.locate("axes", axis, "values", index) if index is not None else sweep.locate("axes", axis)
            what = f"axes.{axis} ({scenario.labels.get(axis, '')}, scenario {scenario.id})"
        elif sweep.spec.design == "scenarios":
            where = sweep.locate("scenarios", [s.name for s in sweep.spec.scenarios].index(scenario.id), "set")
            what = f"scenarios.{scenario.id}.set.{p.key}"
        else:
            where = sweep.locate("set", p.key) if p.key in sweep.spec.set else sweep.locate("set")
            what = f"set.{p.key}"
        out.append(Problem(*where, what, p.message, p.hint))
    return out


def default_workers(prepared: Prepared) -> int:
    """Worker processes for a LocalCluster: cores // HiGHS threads (at least one)."""
    threads = max(int((next(iter(prepared.raws.values())).get("solver") or {}).get("threads") or 1), 1)
    return max(1, (os.cpu_count() or 1) // threads)


# ---- running ------------------------------------------------------------------------------------

ProgressHook = Callable[[int, int, int, float | None], None]   # done, failed, remaining, seconds left


def execute(prepared: Prepared, workers: int | None = None, scheduler: str | None = None,
            progress: ProgressHook | None = None, on_result: Callable[[dict], None] | None = None,
            client=None) -> SweepOutcome:
    """Run every scenario not yet in the store; store each result as it arrives."""
    started = time.perf_counter()
    outcome = SweepOutcome(prepared)
    spec = prepared.sweep.spec
    prepared.folder.mkdir(parents=True, exist_ok=True)
    members = [{"scenario": s.id, "config_hash": prepared.hashes[s.id], "values": s.values, "labels": s.labels,
                "role": s.role} for s in prepared.scenarios]
    prepared.store.register_sweep(spec.name, str(prepared.sweep.path), str(prepared.sweep.config_path), spec.design,
                                  list(spec.axes), spec.model_dump(mode="json"), str(prepared.folder.resolve()),
                                  members)
    done = prepared.store.done_hashes(prepared.hashes.values())
    todo: dict[str, Scenario] = {}
    for s in prepared.scenarios:
        h = prepared.hashes[s.id]
        if h not in done and h not in {prepared.hashes[t.id] for t in todo.values()}:
            todo[s.id] = s
    outcome.skipped = len(prepared.scenarios) - len(todo)
    if not todo:
        outcome.seconds = time.perf_counter() - started
        return outcome
    owned = client is None
    cluster = None
    if owned:
        client, cluster = _client(scheduler, workers or default_workers(prepared), len(todo))
    try:
        outcome.workers = len(client.scheduler_info(n_workers=-1)["workers"]) if scheduler or not owned else \
            len(cluster.workers)
        _run(client, prepared, todo, outcome, progress, on_result)
    finally:
        if owned:
            _close(client, cluster)
    outcome.seconds = time.perf_counter() - started
    return outcome


def _client(scheduler: str | None, workers: int, tasks: int):
    import dask
    from distributed import Client, LocalCluster

    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    if scheduler:
        try:
            return Client(scheduler, timeout="10s"), None
        except (OSError, TimeoutError) as exc:
            raise SchedulerError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); start one with "
                                 f"'dask scheduler' and workers with 'dask worker {scheduler}'") from None
    with dask.config.set(LOCAL_SCHEDULER):
        cluster = LocalCluster(n_workers=max(1, min(workers, tasks)), threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=logging.CRITICAL)
    return Client(cluster), cluster


def _close(client, cluster) -> None:
    try:
        client.close(timeout=10)
    finally:
        if cluster is not None:
            cluster.close(timeout=10)


def _run(client, prepared: Prepared, todo: dict[str, Scenario], outcome: SweepOutcome,
         progress: ProgressHook | None, on_result) -> None:
    """Keep every worker busy with one scenario and no more (the client hands out the next when one
    ends): a worker that dies then takes no other scenario down with it, whatever the scheduler."""
    from distributed import as_completed

    from optimizer.sweep.task import data_bundle, run_scenario, warm_up

    queue = list(todo.values())
    futures: dict = {}
    running = as_completed()

    def top_up() -> None:
        free = max(1, sum(client.nthreads().values())) - sum(not f.done() for f in futures)
        for _ in range(min(free, len(queue))):
            s = queue.pop(0)
            h = prepared.hashes[s.id]
            task = {"raw": prepared.raws[s.id], "files": prepared.files[s.id], "scenario": s.id, "config_hash": h,
                    "explain": prepared.sweep.spec.explain}
            future = client.submit(run_scenario, task, bundle, key=f"scenario-{s.id}-{h[:12]}-{time.time_ns()}",
                                   pure=False)
            futures[future] = s
            running.add(future)

    total, finished, t0 = len(queue), 0, time.perf_counter()
    try:
        allowed_failures = client.run_on_scheduler(_scheduler_allowed_failures)
        client.run(warm_up)   # imports, on every worker at once, outside any scenario's time
        # the data files as a task of their own, not scattered data: a result Dask can compute again
        # when every worker holding it has died
        bundle = client.submit(data_bundle, prepared.bundle, key=f"data-{time.time_ns()}", pure=False)
        if progress:
            progress(0, 0, total, None)
        top_up()
        for future in running:
            scenario = futures.pop(future)
            result = _result_of(future, scenario, prepared.hashes[scenario.id], allowed_failures)
            top_up()
            run_dir = _write_run_folder(prepared.folder, scenario, result)
            prepared.store.record(result, str(run_dir) if run_dir else None, attempts=result.pop("attempts", 1))
            finished += 1
            outcome.ran += 1
            outcome.failed += result["status"] in ("error", "input_error")
            if result.get("run_seconds") is not None:
                outcome.run_seconds.append(result["run_seconds"])
            if on_result:
                on_result(result)
            if progress:
                elapsed = time.perf_counter() - t0
                progress(finished - outcome.failed, outcome.failed, total - finished,
                         elapsed / finished * (total - finished))
    except KeyboardInterrupt as exc:   # Ctrl-C or SIGTERM: what is stored stays; a rerun continues
        from optimizer.interrupts import signal_of

        outcome.stopped = signal_of(exc)
        client.cancel(list(futures))


def _result_of(future, scenario: Scenario, h: str, allowed_failures: int) -> dict:
    """The task's result, or an error result when its workers died or it was cancelled."""
    from distributed import KilledWorker

    try:
        return future.result()
    except KilledWorker as exc:
        return {"scenario": scenario.id, "config_hash": h, "status": "error", "attempts": allowed_failures + 1,
                "message": f"the worker running it died {allowed_failures + 1} times (a crash, or more memory "
                           f"than the worker's share): {exc}"}
    except Exception as exc:   # noqa: BLE001 - recorded; the sweep goes on
        return {"scenario": scenario.id, "config_hash": h, "status": "error",
                "message": f"{type(exc).__name__}: {exc}"}


def _scheduler_allowed_failures(dask_scheduler=None) -> int:
    """How many worker deaths a task survives, as the scheduler counts them (run on the scheduler)."""
    return int(dask_scheduler.allowed_failures)


def _write_run_folder(root: Path, scenario: Scenario, result: dict) -> Path | None:
    """The run folder the worker sent back, as ``<root>/scenarios/<id>-<hash8>`` (written under a
    temporary name and moved into place; an existing folder of the same hash is the same run)."""
    files = result.pop("files", None)
    if not files:
        return None
    final = root / "scenarios" / f"{scenario.id}-{result['config_hash'][:8]}"
    if final.exists():
        return final
    partial = final.with_name(final.name + ".incomplete")
    shutil.rmtree(partial, ignore_errors=True)
    for relative, data in files.items():
        target = partial / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    os.replace(partial, final)
    return final


def describe(prepared: Prepared) -> str:
    spec = prepared.sweep.spec
    unique = len(set(prepared.hashes.values()))
    return (f"sweep {spec.name}: {len(prepared.scenarios)} scenarios ({spec.design}"
            + (f", {unique} distinct configs" if unique != len(prepared.scenarios) else "")
            + f") of {display_path(prepared.sweep.config_path)}")
