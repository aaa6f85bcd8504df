"""Every config under broken/ has one or more mistakes, described in its header:

    # expect: <file>:<line> | <key path> | <text in the message or fix>

Each expectation must match one reported problem (file name, line, key path, text). The same
configs through the CLI exit with code 2 and print no traceback.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from optimizer import cli
from optimizer.errors import InputError
from optimizer.inputs.load import load_all

BROKEN = Path(__file__).parent / "broken"
CASES = sorted(p for p in BROKEN.glob("*.yaml") if not p.name.startswith("_"))
EXPECT = re.compile(r"^# expect: (?P<file>[^:|]+):(?P<line>\d+)\s*\|\s*(?P<key>[^|]*?)\s*\|\s*(?P<text>.+)$")


def expectations(path: Path) -> list[dict]:
    found = [m.groupdict() for m in map(EXPECT.match, path.read_text().splitlines()) if m]
    assert found, f"{path.name} has no '# expect:' header"
    return found


def test_corpus_is_large_enough():
    assert len(CASES) >= 20
    assert sum(len(expectations(p)) > 1 for p in CASES) >= 2


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_broken_config_reports_each_mistake(path: Path):
    with pytest.raises(InputError) as caught:
        load_all(path)
    problems = caught.value.problems
    for want in expectations(path):
        matches = [p for p in problems
                   if p.file and Path(p.file).name == want["file"] and p.line == int(want["line"])
                   and p.key == want["key"].strip() and want["text"] in f"{p.message} (fix: {p.hint})"]
        assert matches, f"no problem matches {want}; got:\n{caught.value.render()}"


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_cli_exits_2_without_traceback(path: Path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["siting", "validate", str(path)])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "problem" in err
