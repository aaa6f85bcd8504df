"""The browser test is skipped with its reason where no Chromium can be had, and fails instead
when SITING_REQUIRE_BROWSER=1 (as .ci/run sets): run in a pytest subprocess whose PATH has no browser."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST = "tests/test_report.py::test_browser_renders_the_report"


def _pytest_without_browser(tmp_path: Path, require: bool) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SITING_REQUIRE_BROWSER"}
    env["PATH"] = str(Path(sys.executable).parent)     # the virtual environment only: no chromium
    if require:
        env["SITING_REQUIRE_BROWSER"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rsf", "-p", "no:cacheprovider",
                           f"--basetemp={tmp_path / 'pt'}", TEST],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_browser_test_is_skipped_with_its_reason(tmp_path):
    done = _pytest_without_browser(tmp_path, require=False)
    assert done.returncode == 0, done.stdout
    assert "1 skipped" in done.stdout
    assert "no Chromium on this machine" in done.stdout and "SITING_INSTALL_BROWSER=1" in done.stdout


def test_required_browser_turns_the_skip_into_a_failure(tmp_path):
    done = _pytest_without_browser(tmp_path, require=True)
    assert done.returncode == 1, done.stdout
    assert "1 error" in done.stdout and "SITING_REQUIRE_BROWSER=1 but no Chromium" in done.stdout
