"""Ctrl-C and SIGTERM sent to a real ``siting run``: the solver stops within moments, the best plan
found so far is written (status ``interrupted``), the exit code is 130 / 143, and no half-written
folder or lock is left behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITING = str(Path(sys.executable).parent / "siting")
# generous: a hang (the solver ignoring the signal) fails the test, a slow machine does not
STOP_TIMEOUT_S = 90


def start_run(args: list[str]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "120"}
    return subprocess.Popen([SITING, "run", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def wait_for_line(proc: subprocess.Popen, needle: str, limit_s: float = 240) -> list[str]:
    """Read the run's progress lines (stderr) until one contains ``needle``."""
    seen, t0 = [], time.monotonic()
    while time.monotonic() - t0 < limit_s:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        if needle in line:
            return seen
    raise AssertionError(f"'{needle}' never appeared; progress was:\n{''.join(seen)}")


def stop(proc: subprocess.Popen, signum: int) -> tuple[int, str, str]:
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=STOP_TIMEOUT_S)
    return proc.returncode, out, err


def assert_clean(out: Path) -> dict:
    """The folder is complete (summary.json), nothing named .incomplete or .lock is left."""
    assert not out.with_name(out.name + ".incomplete").exists()
    assert not out.with_name(out.name + ".lock").exists()
    return json.loads((out / "summary.json").read_text())


def test_ctrl_c_during_the_solve_stops_highs_and_writes_the_run(tmp_path):
    out = tmp_path / "giga"
    proc = start_run(["configs/gigafactory.yaml", "--out", str(out)])
    wait_for_line(proc, "solving with HiGHS")
    time.sleep(3)
    code, stdout, stderr = stop(proc, signal.SIGINT)
    assert code == 130, stderr
    assert "Traceback" not in stderr and "stopped by SIGINT" in stderr
    summary = assert_clean(out)
    assert summary["status"] == "interrupted" and summary["interrupted"] == "SIGINT"
    assert (out / "highs.log").stat().st_size > 0          # the solver's log is kept
    assert (out / "report.html").exists()


def test_sigterm_keeps_the_best_plan_found_so_far(tmp_path):
    """The gigafactory with no gap allowed (it proves 1% soon after its first plan, 0% takes long):
    stopped once a plan exists, that plan is written whole."""
    out = tmp_path / "giga"
    proc = start_run(["configs/gigafactory.yaml", "--out", str(out), "--set", "solver.mip_gap=0"])
    wait_for_line(proc, "best $")
    code, stdout, stderr = stop(proc, signal.SIGTERM)
    assert code == 143, stderr
    assert "Traceback" not in stderr and "stopped by SIGTERM" in stderr
    summary = assert_clean(out)
    assert summary["interrupted"] == "SIGTERM"
    assert summary["status"] in ("interrupted", "optimal")   # optimal: the signal came as the solve ended
    assert summary["objective_usd"] > 0 and summary["sites"]
    assert (out / "tables" / "capacity.csv").exists() and (out / "results.xlsx").exists()


def test_sigterm_while_loading_leaves_nothing(tmp_path):
    out = tmp_path / "early"
    proc = start_run(["configs/gigafactory.yaml", "--out", str(out)])
    wait_for_line(proc, "loading the config and data")
    code, stdout, stderr = stop(proc, signal.SIGTERM)
    assert code == 143, stderr
    assert "Traceback" not in stderr and "stopped by SIGTERM before a plan was found: nothing was written" in stderr
    assert list(tmp_path.iterdir()) == []
