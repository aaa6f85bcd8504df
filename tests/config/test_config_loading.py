"""Composition: extends, included constraint files, --set overrides; and validate's summary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from optimizer import cli
from optimizer.config.constraints import ForbidTech, OnlySites, SiteCount
from optimizer.errors import InputError
from optimizer.inputs.load import load_all

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "configs" / "example.yaml"


def test_example_is_valid_and_reads_included_constraints():
    loaded, inputs = load_all(EXAMPLE)
    kinds = [type(c) for c in loaded.config.constraints]
    assert kinds == [OnlySites, SiteCount, ForbidTech]
    assert loaded.locate(("constraints", 1, "max"))[0].endswith("max_three_sites.yaml")
    assert loaded.locate(("constraints", 2, "tech"))[0].endswith("no_new_gas_pjm.yaml")
    assert inputs.years == [2026, 2027, 2028, 2029, 2030]
    assert len(inputs.slices.table) == 56        # 6 typical + 1 extreme day, 8 slices each
    assert inputs.slices.table["weight_h"].sum() == pytest.approx(8760)


def test_extends_merges_mappings_and_replaces_values(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {EXAMPLE}\nsolver:\n  time_limit_s: 5\nhorizon:\n  last_year: 2030\n"
                     "targets:\n  compute_h100e:\n    2028: 5000\n")
    loaded, inputs = load_all(child)
    assert loaded.config.solver.time_limit_s == 5
    assert loaded.config.solver.mip_gap == 0.001         # inherited from the base
    # mappings merge key by key: the base's targets stay, the child's 2028 is added
    assert loaded.config.targets.compute_h100e == {2027: 200000, 2028: 5000, 2030: 1000000}
    assert loaded.locate(("solver", "time_limit_s"))[1] == 3
    assert loaded.locate(("targets", "compute_h100e", 2028))[1] == 8
    assert loaded.locate(("solver", "mip_gap"))[0].endswith("example.yaml")


def test_base_lines_are_reported_for_inherited_mistakes(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {EXAMPLE}\nhorizon:\n  last_year: 2028\n")
    with pytest.raises(InputError) as caught:
        load_all(child)
    [problem] = caught.value.problems
    assert problem.file.endswith("example.yaml") and problem.key == "targets.compute_h100e[2030]"
    assert "not a model year" in problem.message


def test_set_overrides_are_typed_and_checked(tmp_path):
    loaded, _ = load_all(EXAMPLE, ["solver.time_limit_s=12", "budget.capex_usd_per_year=3e9"])
    assert loaded.config.solver.time_limit_s == 12
    assert loaded.config.budget.capex_usd_per_year == 3e9
    with pytest.raises(InputError) as caught:
        load_all(EXAMPLE, ["solver.time_limt_s=12", "solver.mip_gap=big", "nonsense"])
    text = caught.value.render()
    assert "--set: solver.time_limt_s: unknown key" in text and "did you mean 'time_limit_s'" in text
    assert "solver.mip_gap" in text
    assert "an override needs '='" in text


def test_year_map_holds_until_the_next_year(tmp_path):
    loaded, inputs = load_all(EXAMPLE, ["budget.capex_usd_per_year={2027: 5e9, 2029: 7e9}"])
    assert inputs.budget_usd_per_year == {2026: float("inf"), 2027: 5e9, 2028: 5e9, 2029: 7e9, 2030: 7e9}


def test_validate_prints_summary(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["siting", "validate", str(EXAMPLE)])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "is valid" in out and "time slices" in out and "56 per year" in out


def test_console_script_runs_without_traceback():
    broken = ROOT / "tests" / "config" / "broken" / "unknown_site.yaml"
    exe = Path(sys.executable).with_name("siting")
    done = subprocess.run([str(exe), "validate", str(broken)], capture_output=True, text=True)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "did you mean 'memphis'?" in done.stderr
