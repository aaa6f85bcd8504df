"""Sweeps on Dask: a LocalCluster gives each config's own answer, resume skips what is stored,
failures are recorded and the sweep goes on, a killed worker's scenario runs elsewhere, Ctrl-C
keeps what is stored, and a sweep runs on a separately started Dask cluster."""

from __future__ import annotations

import copy
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from optimizer import api
from optimizer.sweep.execute import execute, prepare

from sweep.cases import GRID, expected_cost, sweep_file

BIN = Path(sys.executable).parent


@pytest.fixture
def grid_sweep(tmp_path):
    return prepare(sweep_file(tmp_path, GRID), out=tmp_path / "out", store=tmp_path / "store.duckdb")


def test_a_sweep_on_two_workers_gives_each_config_its_own_answer(grid_sweep, tmp_path):
    outcome = execute(grid_sweep, workers=2)
    assert (outcome.ran, outcome.skipped, outcome.failed, outcome.workers) == (12, 0, 0, 2)
    stored = grid_sweep.store.scenarios("tiny")
    assert list(stored["scenario"]) == [f"s{n:03d}" for n in range(1, 13)]
    assert set(stored["status"]) == {"optimal"}
    assert stored["worker"].nunique() == 2    # both workers took scenarios
    for s, row in zip(grid_sweep.scenarios, stored.itertuples()):
        target, carbon = s.values["target"][2026], s.values["carbon"]
        assert row.objective_usd == pytest.approx(expected_cost(target, carbon), rel=1e-9)
        assert row.mw_by_source == pytest.approx({"gas": target})
        assert (Path(row.run_dir) / "report.html").is_file() and Path(row.run_dir).parent == tmp_path / "out/scenarios"
    for s in grid_sweep.scenarios:   # the same answer as running each config alone
        alone = api.run(grid_sweep.sweep.config_path, s.overrides)
        assert alone.objective_usd == pytest.approx(stored.set_index("scenario").loc[s.id, "objective_usd"], rel=1e-9)
    capacity = grid_sweep.store.table("capacity", "tiny")
    assert len(capacity) == 12 and capacity.groupby("scenario")["capacity_mw"].sum().to_dict()["s012"] == 80.0

    again = execute(prepare(grid_sweep.sweep.path, out=tmp_path / "out", store=tmp_path / "store.duckdb"))
    assert (again.ran, again.skipped) == (0, 12)
    frame = api.sweep(grid_sweep.sweep.path, out=tmp_path / "out", store=tmp_path / "store.duckdb", report=False)
    assert list(frame["objective_usd"]) == list(stored["objective_usd"])

    from optimizer.report.compare import compare_runs   # a sweep's run folders are run folders
    written = compare_runs([Path(p) for p in stored["run_dir"][:2]], tmp_path / "compare")
    assert written["html"].is_file()


def test_resume_runs_only_what_is_missing_and_equal_configs_once(grid_sweep, tmp_path):
    body = copy.deepcopy(GRID)
    body["axes"]["carbon"]["values"] = [0, 50]
    first = execute(prepare(sweep_file(tmp_path, body), out=tmp_path / "out", store=tmp_path / "store.duckdb"),
                    workers=1)
    assert first.ran == 6
    body["axes"]["carbon"]["values"] = [0, 50, 100]   # three more scenarios
    body["axes"]["target"]["values"].append({2026: 40})   # a repeat of an existing config
    body["axes"]["target"]["labels"].append("40 again")
    second = prepare(sweep_file(tmp_path, body), out=tmp_path / "out", store=tmp_path / "store.duckdb")
    outcome = execute(second, workers=1)
    assert (len(second.scenarios), outcome.ran, outcome.skipped) == (12, 3, 9)
    stored = second.store.scenarios("tiny")
    assert len(stored) == 12 and set(stored["status"]) == {"optimal"}
    with second.store.connect() as con:
        assert con.execute("SELECT count(*), count(DISTINCT config_hash) FROM results").fetchone() == (9, 9)


try:
    from distributed import WorkerPlugin
except ImportError:   # pragma: no cover - distributed is a dependency
    WorkerPlugin = object


class Faults(WorkerPlugin):
    """A worker plugin: scenario 'boom' raises inside the task, 'crash' kills its worker process."""

    name = "faults"

    def setup(self, worker):
        import optimizer.sweep.task as task

        run, run_scenario = task._run, task.run_scenario

        def faulty_run(config, folder, explain="all"):
            if "boom" in config.read_text():
                raise RuntimeError("injected failure")
            return run(config, folder, explain)

        def dying(task_, bundle):
            if task_["scenario"] == "crash":
                os._exit(1)
            return run_scenario(task_, bundle)

        task._run, task.run_scenario = faulty_run, dying

    def teardown(self, worker):
        pass


def test_failed_scenarios_are_recorded_and_the_sweep_finishes(tmp_path):
    import dask
    from distributed import Client, LocalCluster

    body = {"design": "scenarios", "scenarios": [
        {"name": "fine", "set": {"targets.compute_h100e": {2026: 40}}},
        {"name": "infeasible", "set": {"targets.compute_h100e": {2026: 500}}},   # the site holds 100 MW
        {"name": "late", "set": {"targets.compute_h100e": {2031: 40}}},          # outside the horizon
        {"name": "boom", "set": {"description": "boom"}},
        {"name": "crash", "set": {"targets.compute_h100e": {2026: 41}}}]}
    prepared = prepare(sweep_file(tmp_path, body), out=tmp_path / "out", store=tmp_path / "store.duckdb")
    from optimizer.sweep.execute import LOCAL_SCHEDULER

    with dask.config.set(LOCAL_SCHEDULER):
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
                Client(cluster) as client:
            client.register_plugin(Faults())
            outcome = execute(prepared, client=client)
    assert (outcome.ran, outcome.failed) == (5, 3)
    stored = prepared.store.scenarios("tiny").set_index("scenario")
    assert stored.loc["fine", "status"] == "optimal"
    assert stored.loc["infeasible", "status"] == "infeasible"
    assert stored.loc["late", "status"] == "input_error" and "2031" in stored.loc["late", "message"]
    assert stored.loc["boom", "status"] == "error" and "injected failure" in stored.loc["boom", "message"]
    assert stored.loc["crash", "status"] == "error" and "died 3 times" in stored.loc["crash", "message"]
    assert stored.loc["crash", "attempts"] == 3
    # a rerun retries the errors (their cause may have been transient), not the others
    again = prepare(prepared.sweep.path, out=tmp_path / "out", store=tmp_path / "store.duckdb")
    todo = again.store.done_hashes(again.hashes.values())
    assert {s.id for s in again.scenarios if again.hashes[s.id] not in todo} == {"boom", "crash"}


def test_a_killed_workers_scenario_is_retried_on_another(grid_sweep):
    from distributed import Client, LocalCluster

    killed: dict = {}
    import dask

    from optimizer.sweep.execute import LOCAL_SCHEDULER

    with dask.config.set(LOCAL_SCHEDULER), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        pids = client.run(os.getpid)

        def kill_a_busy_worker(result):
            if killed:
                return
            busy = {address: keys for address, keys in client.processing().items() if keys}
            if busy:
                address, keys = next(iter(busy.items()))
                killed.update(pid=pids[address], keys=[str(k) for k in keys])
                os.kill(pids[address], signal.SIGKILL)

        outcome = execute(grid_sweep, client=client, on_result=kill_a_busy_worker)
    assert killed, "no worker was busy after the first result"
    stored = grid_sweep.store.scenarios("tiny").set_index("scenario")
    assert outcome.ran == 12 and set(stored["status"]) == {"optimal"}
    victims = [key.split("-")[1] for key in killed["keys"]]
    for scenario in victims:   # run again, by a live worker
        assert not stored.loc[scenario, "worker"].endswith(f":{killed['pid']}")
    with grid_sweep.store.connect() as con:
        assert con.execute("SELECT count(*) FROM results").fetchone()[0] == 12
        assert con.execute("SELECT count(*) FROM result_tables WHERE family = 'capacity'").fetchone()[0] == 12


def _wait_for_results(store_path: Path, n: int, process, timeout_s: float = 60) -> None:
    from optimizer.sweep.store import RunStore

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        if store_path.exists():
            try:
                with RunStore(store_path).connect(read_only=True) as con:
                    if con.execute("SELECT count(*) FROM results").fetchone()[0] >= n:
                        return
            except Exception:   # the sweep holds the file for a moment: try again
                pass
        time.sleep(0.05)
    raise AssertionError("no results in time")


def test_ctrl_c_keeps_what_is_stored_and_a_rerun_continues(tmp_path):
    body = copy.deepcopy(GRID)
    body["axes"]["carbon"]["values"] = list(range(0, 200, 25))   # 24 scenarios
    path = sweep_file(tmp_path, body)
    store = tmp_path / "store.duckdb"
    command = [str(BIN / "siting"), "sweep", str(path), "--workers", "2", "--store", str(store), "--out",
               str(tmp_path / "out")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_results(store, 1, process)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "run the same command to continue" in out
    from optimizer.sweep.store import RunStore

    done = RunStore(store).scenarios("tiny")
    n_done = int((done["status"] == "optimal").sum())
    assert 1 <= n_done < 24 and set(done["status"]) <= {"optimal", "pending"}
    rerun = subprocess.run(command + ["--quiet"], capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{n_done} already stored" in rerun.stdout
    final = RunStore(store).scenarios("tiny")
    assert set(final["status"]) == {"optimal"} and len(final) == 24
    with RunStore(store).connect() as con:
        assert con.execute("SELECT count(*) FROM results").fetchone()[0] == 24


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_sweep_runs_on_a_separately_started_dask_cluster(tmp_path):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = open(tmp_path / "dask.log", "w")
    scheduler = subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], stdout=logs, stderr=logs)
    workers = [subprocess.Popen([str(BIN / "dask"), "worker", address, "--nthreads", "1", "--no-dashboard",
                                 "--local-directory", str(tmp_path / f"w{i}")], stdout=logs, stderr=logs,
                                cwd=tmp_path)   # another folder: the data travel with the tasks
               for i in range(2)]
    try:
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        store = tmp_path / "store.duckdb"
        done = subprocess.run([str(BIN / "siting"), "sweep", str(sweep_file(tmp_path, GRID)), "--scheduler", address,
                               "--store", str(store), "--out", str(tmp_path / "out"), "--quiet"],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert "12 ran" in done.stdout and "on 2 workers" in done.stdout
        from optimizer.sweep.store import RunStore

        stored = RunStore(store).scenarios("tiny")
        assert set(stored["status"]) == {"optimal"} and stored["worker"].nunique() == 2
        assert stored["objective_usd"].iloc[-1] == pytest.approx(expected_cost(80, 150), rel=1e-9)
    finally:
        for p in workers + [scheduler]:
            p.terminate()
        for p in workers + [scheduler]:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        logs.close()


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    done = subprocess.run([str(BIN / "siting"), "sweep", str(sweep_file(tmp_path, GRID)), "--scheduler",
                           f"tcp://127.0.0.1:{_free_port()}", "--store", str(tmp_path / "s.duckdb")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "cannot reach the Dask scheduler" in done.stderr
    assert "Traceback" not in done.stderr


def test_explain_plans_prices_plans_and_skips_explaining_infeasible_ones(tmp_path):
    from optimizer.sweep.task import run_scenario

    body = {"design": "scenarios", "explain": "plans", "scenarios": [
        {"name": "fine", "set": {"targets.compute_h100e": {2026: 40}}},
        {"name": "infeasible", "set": {"targets.compute_h100e": {2026: 500}}}]}
    prepared = prepare(sweep_file(tmp_path, body), store=tmp_path / "store.duckdb")
    everything = prepare(sweep_file(tmp_path, {**body, "explain": "all"}, "all.yaml"), store=tmp_path / "s.duckdb")
    assert prepared.hashes["fine"] != everything.hashes["fine"]   # stored results differ: not shared
    results = {}
    for s in prepared.scenarios:
        task = {"raw": prepared.raws[s.id], "files": prepared.files[s.id], "scenario": s.id,
                "config_hash": prepared.hashes[s.id], "explain": "plans"}
        results[s.id] = run_scenario(task, prepared.bundle)
    assert results["fine"]["status"] == "optimal" and not results["fine"]["tables"]["binding"].empty
    assert results["infeasible"]["status"] == "infeasible"
    assert "explanation" not in results["infeasible"]["summary"]
