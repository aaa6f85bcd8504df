"""Run folders: claimed before the solve, written as NAME.incomplete, moved into place; races,
stale locks, files and unwritable places; results rescued when writing fails after a solve."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import siting as run_cli
from optimizer import pipeline
from optimizer.errors import InputError
from optimizer.report.run_data import check_finished
from optimizer.run_folder import claim


def problem_text(exc: InputError) -> str:
    return " ".join(p.render() for p in exc.problems)


def test_claim_writes_into_incomplete_and_finish_moves_it(tmp_path):
    folder = claim(tmp_path / "out", tmp_path, "x")
    assert folder.partial == tmp_path / "out.incomplete" and folder.partial.is_dir()
    assert (tmp_path / "out.lock").read_text().strip() == str(os.getpid())
    (folder.partial / "summary.json").write_text("{}")
    assert folder.finish() == tmp_path / "out"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (tmp_path / "out" / "summary.json").exists()


def test_an_existing_empty_folder_can_be_claimed(tmp_path):
    (tmp_path / "empty").mkdir()
    folder = claim(tmp_path / "empty", tmp_path, "x")
    (folder.partial / "a.txt").write_text("a")
    folder.finish()
    assert (tmp_path / "empty" / "a.txt").read_text() == "a"


def test_two_runs_cannot_claim_one_folder(tmp_path):
    first = claim(tmp_path / "out", tmp_path, "x")
    with pytest.raises(InputError) as info:
        claim(tmp_path / "out", tmp_path, "x")
    assert f"another run is writing {tmp_path / 'out'}" in problem_text(info.value) or \
        "another run is writing" in problem_text(info.value)
    assert f"process {os.getpid()}" in problem_text(info.value)
    first.abandon()
    assert list(tmp_path.iterdir()) == []


def test_a_stale_lock_is_taken_over(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / "out.lock").write_text(dead.stdout)
    (tmp_path / "out.incomplete").mkdir()
    (tmp_path / "out.incomplete" / "half.csv").write_text("x")
    folder = claim(tmp_path / "out", tmp_path, "x")
    assert list(folder.partial.iterdir()) == []           # the dead run's half-written files are gone
    folder.abandon()


def test_default_folders_never_collide(tmp_path):
    a = claim(None, tmp_path / "runs", "my run")
    b = claim(None, tmp_path / "runs", "my run")
    assert a.final != b.final and a.final.name.startswith("my-run-") and b.final.name.endswith("-2")
    a.abandon(), b.abandon()


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_text("x"), "is a file, not a folder"),
    (lambda p: (p.mkdir(), (p / "old.txt").write_text("x")), "exists and is not empty"),
])
def test_unusable_out_is_an_input_error_before_the_solve(tmp_path, monkeypatch, capsys, grid_case, make, message):
    out = tmp_path / "out"
    make(out)
    solved = []
    monkeypatch.setattr(pipeline, "solve", lambda *a, **k: solved.append(1))
    assert run_cli(monkeypatch, "run", grid_case, "--out", out) == 2
    err = capsys.readouterr().err
    assert "--out" in err and message in err and "Traceback" not in err
    assert not solved


def test_out_inside_a_file_or_an_unwritable_place_is_an_input_error(tmp_path, monkeypatch, capsys, grid_case):
    (tmp_path / "afile").write_text("x")
    assert run_cli(monkeypatch, "run", grid_case, "--out", tmp_path / "afile" / "run") == 2
    assert "cannot write in" in capsys.readouterr().err
    assert run_cli(monkeypatch, "run", grid_case, "--out", "/sys/siting-run") == 2   # not writable, even as root
    err = capsys.readouterr().err
    assert "cannot write in /sys" in err and "Traceback" not in err


def test_results_are_rescued_when_writing_fails_after_the_solve(tmp_path, monkeypatch, capsys, grid_case):
    real = pipeline._write_run

    def failing(out_dir, *args, **kwargs):
        if out_dir.name.endswith(".incomplete"):
            raise OSError(28, "No space left on device")
        return real(out_dir, *args, **kwargs)

    monkeypatch.setattr(pipeline, "_write_run", failing)
    assert run_cli(monkeypatch, "run", grid_case, "--out", tmp_path / "out", "--quiet") == 0
    printed = capsys.readouterr()
    rescued = Path(printed.out.split("results: ")[1].strip())
    assert f"could not write {tmp_path / 'out'}: the results are in {rescued}" in printed.err
    assert list(tmp_path.glob("out*")) == []
    assert rescued.name.startswith("siting-rescue-out-")
    summary = json.loads((rescued / "summary.json").read_text())
    assert summary["status"] == "optimal" and summary["rescued_from"] == str(tmp_path / "out")
    assert (rescued / "report.html").exists()
    assert not (tmp_path / "out.lock").exists()


def test_report_of_an_incomplete_folder_says_so(tmp_path, monkeypatch, capsys):
    (tmp_path / "run.incomplete").mkdir()
    for folder in (tmp_path / "run.incomplete", tmp_path / "run"):
        with pytest.raises(InputError) as info:
            check_finished(folder)
        assert "this run did not finish" in problem_text(info.value)
    assert run_cli(monkeypatch, "report", tmp_path / "run") == 2
    assert "this run did not finish" in capsys.readouterr().err


def test_two_processes_racing_for_one_out(grid_case, tmp_path):
    """Two real runs started together with the same --out: one writes it, the other exits 2."""
    siting = str(Path(sys.executable).parent / "siting")
    out = tmp_path / "shared"
    procs = [subprocess.Popen([siting, "run", str(grid_case), "--out", str(out), "--quiet"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 2], results
    loser = next(err for code, _, err in results if code == 2)
    assert ("another run is writing" in loser or "exists and is not empty" in loser) and "Traceback" not in loser
    assert json.loads((out / "summary.json").read_text())["status"] == "optimal"
    assert sorted(p.name for p in tmp_path.glob("shared*")) == ["shared"]


def test_summary_json_is_strict_json_with_no_infinity_or_nan(tmp_path):
    """JSON has no infinity or NaN (Python's json writes them as bare Infinity/NaN, which strict readers
    refuse): they are written as null at any depth, numpy numbers as numbers."""
    import numpy as np

    from optimizer.run_folder import write_json

    path = tmp_path / "summary.json"
    write_json(path, {"bound_usd": float("-inf"), "rounds": [{"gap": float("nan"), "lp": np.float32(2.5)}],
                      "pair": (1.0, np.inf), "name": "x", "count": 3})
    text = path.read_text()
    assert "Infinity" not in text and "NaN" not in text
    assert json.loads(text) == {"bound_usd": None, "rounds": [{"gap": None, "lp": 2.5}], "pair": [1.0, None],
                                "name": "x", "count": 3}
