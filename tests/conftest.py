import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

BROWSER_HELP = ("no Chromium on this machine: `make test` installs Debian's chromium when it runs as root or with "
                "SITING_INSTALL_BROWSER=1; or apt-get install chromium")


@pytest.fixture
def chromium() -> str:
    """The path of a headless-capable Chromium. Without one the test is skipped (the reason shows in
    pytest's summary), unless SITING_REQUIRE_BROWSER=1 (set by .ci/run), which makes it a failure."""
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found:
        return found
    if os.environ.get("SITING_REQUIRE_BROWSER") == "1":
        pytest.fail(f"SITING_REQUIRE_BROWSER=1 but {BROWSER_HELP}")
    pytest.skip(BROWSER_HELP)


@pytest.fixture
def grid_case(tmp_path) -> Path:
    """A tiny solvable config: one grid site, one GPU product (tests/helpers.py grid_case_config)."""
    from helpers import grid_case_config

    return grid_case_config(tmp_path / "case")
