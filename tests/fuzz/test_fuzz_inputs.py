"""Seeded fuzzing: more than 1,000 broken and hostile inputs (see ``generate.py``), validated the
way ``siting validate`` does, and a sample of them run through ``siting run`` in-process.

Every case must end in one of:

* an :class:`InputError` whose problems each name a file (an input file of the case, or
  ``--set`` for an override) and, when a problem names a key, column or cell inside a file, its
  line (within the file); for a case whose only input is ``--set``, a problem names ``--set``
  (or the file the override named);
* for a case that may be valid (``error_or_valid``), no error at all;
* for a sampled run: exit 2 with "Input error", or exit 3 with the solver's reason, or exit 0 when
  the case may be valid; never a traceback, another exception, a hang or exit 1.

Failures are collected per category and listed with case id, description and what went wrong;
``python -m tests.fuzz.generate CASE_ID`` writes one case to a folder to look at by hand.
"""

from __future__ import annotations

import faulthandler
import numbers
import resource
import signal
import sys
import traceback
from contextlib import contextmanager
from pathlib import Path

import pytest

from optimizer import cli
from optimizer.errors import InputError
from optimizer.inputs.load import load_all
from tests.fuzz.generate import (CATEGORIES, CONFIGS, ERROR, HOURLY, all_cases, materialize, overrides_for,
                                 run_sample, write_base)

CASES = all_cases()
BY_CATEGORY = {category: [c for c in CASES if c.category == category] for category in CATEGORIES}
RUNS = run_sample(CASES)
VALIDATE_SECONDS = 10     # one validation; the alarm turns a hang into a failure of that case
RUN_SECONDS = 120         # one `siting run` (the base configs solve in a few seconds)
HARD_STOP_SECONDS = 300   # a hang in C code, which the alarm cannot interrupt: dump stacks and exit
MEMORY_HEADROOM = 3 * 2**30   # address space a case may add: a runaway allocation is a MemoryError, not the OOM killer


class Hang(BaseException):
    """Raised by the watchdog. Not an Exception: the code under test must not swallow it."""


@contextmanager
def watchdog(seconds: float):
    def on_alarm(signum, frame):
        raise Hang(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    limits = resource.getrlimit(resource.RLIMIT_AS)
    cap = _address_space() + MEMORY_HEADROOM
    if limits[0] == resource.RLIM_INFINITY or limits[0] > cap:
        resource.setrlimit(resource.RLIMIT_AS, (cap, limits[1]))
    signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(HARD_STOP_SECONDS, exit=True, file=sys.__stderr__)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, limits)


def _address_space() -> int:
    """This process's virtual memory size in bytes (VmSize)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


@pytest.fixture(scope="session")
def fuzz_base(tmp_path_factory) -> Path:
    return write_base(tmp_path_factory.mktemp("fuzz_base"))


@pytest.fixture(scope="session")
def base_problems(fuzz_base) -> dict[str, str]:
    """Each base config that does not validate, with why."""
    found = {}
    for rel in CONFIGS + (HOURLY,):
        try:
            load_all(fuzz_base / rel, [], cluster=False)
        except Exception as exc:   # noqa: BLE001 - reported by test_fuzz_base_is_valid
            found[rel] = f"{type(exc).__name__}: {exc}"
    return found


# ---- the checks ----------------------------------------------------------------------------------

def _crash(exc: BaseException) -> str:
    """Exception type, first line and the innermost frame of the project's code."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/optimizer/" in f.filename]
    at = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno} ({frames[-1].name})" if frames else ""
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    return f"{type(exc).__name__}: {first}{at}"


def _lines_in(path: Path) -> int | None:
    try:
        data = path.read_bytes() if path.is_file() else None
    except OSError:
        return None
    if data is None:
        return None
    return max(data.count(b"\n"), len(data.decode("utf-8", "replace").splitlines())) + 1


def problem_issues(case, root: Path, overrides: list[str], exc: InputError) -> list[str]:
    """What is wrong with the problems of an InputError (empty: they are well located)."""
    issues = []
    try:
        exc.render()
    except Exception as render_exc:   # noqa: BLE001
        return [f"InputError.render() failed: {_crash(render_exc)}"]
    if not exc.problems:
        return ["InputError without problems"]
    def short(p) -> str:   # a problem as printed, paths relative to the case folder
        return p.render().replace(str(root) + "/", "")[:220]

    named = {p.name for p in root.rglob("*")} | {Path(case.config).name}
    given = {Path(o.split("=", 1)[1]).name for o in overrides if "=" in o and o.split("=", 1)[1]}
    for p in exc.problems:
        shown = short(p)
        if not p.file:
            issues.append(f"no file: {shown}")
            continue
        if p.file == "--set":
            continue
        if Path(p.file).name not in named | given and "not found" not in p.message:
            issues.append(f"names {p.file!r}, not an input file of the case: {shown}")
        if p.line is None:
            if p.key:
                issues.append(f"no line for {p.key!r}: {shown}")
            continue
        file = Path(p.file)
        count = _lines_in(file if file.is_absolute() else Path.cwd() / file)
        if not isinstance(p.line, numbers.Integral) or p.line < 1 or (count is not None and p.line > count):
            issues.append(f"line {p.line} is outside {file.name} ({count} lines): {shown}")
    if not case.files and case.overrides and not any(
            p.file == "--set" or (p.file and Path(p.file).name in given) for p in exc.problems):
        issues.append("no problem names --set: " + " | ".join(short(p) for p in exc.problems[:3]))
    if case.where is not None:
        name, line, key = case.where
        if not any(p.file and Path(p.file).name == name and p.line == line and key in p.key for p in exc.problems):
            issues.append(f"no problem at {name}:{line} naming {key!r}; got: "
                          + " | ".join(short(p) for p in exc.problems[:3]))
    return issues


def validation_issues(case, fuzz_base: Path, folder: Path) -> list[str]:
    root = folder / case.case_id
    config = materialize(case, fuzz_base, root)
    overrides = overrides_for(case, root)
    try:
        with watchdog(VALIDATE_SECONDS):
            load_all(config, overrides, cluster=False)
    except InputError as exc:
        return problem_issues(case, root, overrides, exc)
    except Hang as exc:
        return [f"hang: {exc}"]
    except KeyboardInterrupt:
        raise
    except BaseException as exc:   # noqa: BLE001 - every other exception is a failure of this case
        return [_crash(exc)]
    if case.expect == ERROR:
        return ["validated without a problem, but the input is broken"]
    return []


def _report(category: str, failures: list[tuple]) -> str:
    lines = [f"{len(failures)} of {len(BY_CATEGORY[category])} '{category}' cases failed "
             f"(reproduce: python -m tests.fuzz.generate CASE_ID):"]
    for case, issues in failures:
        lines.append(f"  {case.case_id} [{case.expect}] {case.description[:150]}")
        lines += [f"      - {issue}" for issue in issues[:4]]
        if len(issues) > 4:
            lines.append(f"      - ... {len(issues) - 4} more")
    return "\n".join(lines)


# ---- the tests -----------------------------------------------------------------------------------

def test_fuzz_base_is_valid(base_problems):
    assert not base_problems, "the fuzz base must validate cleanly:\n" + "\n".join(
        f"{rel}: {why}" for rel, why in base_problems.items())


def test_case_counts():
    counts = {category: len(cases) for category, cases in BY_CATEGORY.items()}
    assert all(n >= 40 for n in counts.values()), counts
    assert len(CASES) >= 1000, len(CASES)
    assert len({c.case_id for c in CASES}) == len(CASES)
    assert {c.expect for c in CASES} <= {"error", "error_or_valid"}
    assert {c.category for c in RUNS} == set(CATEGORIES)


def test_problem_lines_are_plain_ints(fuzz_base, tmp_path):
    """Problem.line is an ``int`` (not a numpy integer, which json and some formatters refuse):
    checked on one case per kind of located problem (YAML key, CSV cell, hourly row)."""
    wrong = []
    picks = [next(c for c in CASES if c.category == "bad_numbers" and c.expect == ERROR),
             next(c for c in CASES if c.category == "table_numbers" and c.where),
             next(c for c in CASES if c.category == "broken_hourly" and " column " in c.description)]
    for case in picks:
        case_id = case.case_id
        root = tmp_path / case_id
        try:
            load_all(materialize(case, fuzz_base, root), overrides_for(case, root), cluster=False)
        except InputError as exc:
            wrong += [f"{case_id}: line {p.line!r} is {type(p.line).__module__}.{type(p.line).__name__}: "
                      f"{p.render()[:150]}" for p in exc.problems if p.line is not None and type(p.line) is not int]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("category", list(CATEGORIES))
def test_validation(category, fuzz_base, base_problems, tmp_path):
    if base_problems:
        pytest.fail("the fuzz base does not validate (see test_fuzz_base_is_valid): cases would pass for "
                    "the wrong reason")
    failures = []
    for case in BY_CATEGORY[category]:
        issues = validation_issues(case, fuzz_base, tmp_path)
        if issues:
            failures.append((case, issues))
    assert not failures, _report(category, failures)


@pytest.mark.parametrize("case", RUNS, ids=[c.case_id for c in RUNS])
def test_run(case, fuzz_base, base_problems, tmp_path, monkeypatch, capsys):
    if base_problems:
        pytest.fail("the fuzz base does not validate (see test_fuzz_base_is_valid)")
    root = tmp_path / "case"
    config = materialize(case, fuzz_base, root)
    argv = ["siting", "run", str(config), "--out", str(tmp_path / "out"), "--quiet"]
    monkeypatch.setattr(sys, "argv", argv + [f"--set={o}" for o in overrides_for(case, root)])
    sigterm = signal.getsignal(signal.SIGTERM)
    code, crash = None, None
    try:
        with watchdog(RUN_SECONDS):
            cli.main()
        crash = "cli.main() returned without an exit code"
    except SystemExit as exc:
        code = exc.code
    except Hang as exc:
        crash = f"hang: {exc}"
    except KeyboardInterrupt:
        raise
    except BaseException as exc:   # noqa: BLE001
        crash = _crash(exc)
    finally:
        signal.signal(signal.SIGTERM, sigterm)   # main() installs its own
    out, err = capsys.readouterr()
    where = f"{case.case_id} [{case.expect}] {case.description[:150]}"
    assert crash is None, f"{where}: {crash}\nstderr: {err[-1500:]}"
    assert "Traceback" not in out + err, f"{where}: a traceback was printed:\n{err[-3000:]}"
    assert code in case.run_exits, f"{where}: exit {code!r}, expected one of {case.run_exits}\n" \
                                   f"stdout: {out[-800:]}\nstderr: {err[-1500:]}"
    if code == 2:
        assert "Input error" in err or "Usage" in err or "Error" in err, f"{where}: exit 2 without a message: {err!r}"
    if code == 3:
        assert any(w in (out + err).lower() for w in ("infeasible", "time limit", "unbounded", "no plan",
                                                       "no solution", "error")), \
            f"{where}: exit 3 without the solver's reason:\nstdout: {out[-800:]}\nstderr: {err[-800:]}"
