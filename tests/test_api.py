"""The Python API: load, override, run, tables as DataFrames, summary as a dict, no run folder."""

from __future__ import annotations

import pandas as pd
import pytest

from optimizer import api
from optimizer.errors import InputError


def test_run_returns_tables_and_summary_without_writing(grid_case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plan = api.run(grid_case)
    assert plan.status == "optimal" and plan.has_solution
    assert plan.objective_usd == pytest.approx(10e6 + 10 * 8760 * 50)       # as tests/test_run.py by hand
    assert isinstance(plan.tables["capacity"], pd.DataFrame)
    assert plan.tables["gpus"]["gpus"].sum() == 10
    assert plan.summary["sites"] == ["A"] and plan.out_dir is None
    assert not (tmp_path / "runs").exists()


def test_overrides_as_mapping_and_as_strings(grid_case):
    by_map = api.run(grid_case, {"targets.compute_h100e": {2026: 20}})
    by_text = api.run(grid_case, ["targets.compute_h100e={2026: 20}"])
    assert by_map.summary["gpus"] == by_text.summary["gpus"] == {"X": {"2026": 20.0}}
    assert api.override_texts({"a.b": [1, 2], "c": "x: y"}) == ["a.b=[1, 2]", "c='x: y'"]


def test_infeasible_plan_says_why(grid_case):
    plan = api.run(grid_case, {"targets.compute_h100e": {2026: 31}})     # 30 GPUs a year can be had
    assert plan.status == "infeasible" and not plan.has_solution and plan.tables == {}
    assert any("short" in line or "would have to" in line for line in plan.explanation)


def test_mistakes_raise_input_error_with_locations(grid_case):
    with pytest.raises(InputError) as info:
        api.load(grid_case, {"solver.mip_gapp": 0.1})
    assert [p.key for p in info.value.problems] == ["solver.mip_gapp"]
    assert info.value.problems[0].file == "--set"


def test_run_can_write_a_run_folder(grid_case, tmp_path):
    plan = api.run(grid_case, out=tmp_path / "run")
    assert plan.out_dir == tmp_path / "run" and (tmp_path / "run" / "summary.json").exists()


def test_readme_python_example_runs(monkeypatch):
    """The README's Python block, run as written from the repository root."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    text = (root / "README.md").read_text()
    block = text.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(root)
    scope: dict = {}
    exec(compile(block, "README.md", "exec"), scope)
    plan = scope["plan"]
    assert plan.status in ("optimal", "time_limit") and plan.has_solution
    assert plan.summary["compute_h100e"]["2030"] >= 2e6 * (1 - 1e-6)
    assert not plan.tables["capacity"].empty and scope["inputs"].years == list(range(2026, 2031))
