"""`siting run`: the run folder, summary.json, exit codes, and never overwriting a run."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers import siting

ROOT = Path(__file__).resolve().parents[1]


def run_cli(monkeypatch, *args) -> int:
    return siting(monkeypatch, "run", *args)


def test_run_writes_summary_and_tables(grid_case, tmp_path, monkeypatch, capsys):
    out = tmp_path / "run1"
    assert run_cli(monkeypatch, grid_case, "--out", out) == 0
    summary = json.loads((out / "summary.json").read_text())
    for key in ("status", "objective_usd", "mip_gap", "build_seconds", "solve_seconds", "sites", "capacity_mw",
                "gpus", "compute_h100e", "capex_usd", "emissions_t", "model"):
        assert key in summary
    assert summary["status"] == "optimal"
    assert summary["objective_usd"] == pytest.approx(10e6 + 10 * 8760 * 50)
    assert summary["sites"] == ["A"]
    assert summary["gpus"] == {"X": {"2026": 10.0}}
    assert summary["capacity_mw"] == {"grid": {"2026": pytest.approx(10.0)}}
    assert summary["compute_h100e"] == {"2026": 10.0}
    assert summary["capex_usd"] == {"2026": pytest.approx(10e6)}
    assert set(summary["model"]) == {"rows", "columns", "nonzeros", "integer_columns"}
    tables = {p.stem for p in (out / "tables").glob("*.csv")}
    assert {"sites", "capacity", "gpus", "site_power", "energy", "costs", "compute", "emissions", "solver"} <= tables
    energy = pd.read_csv(out / "tables" / "energy.csv")
    assert energy.loc[energy.source == "grid", "energy_mwh"].sum() == pytest.approx(10 * 8760)
    assert "net present cost" in capsys.readouterr().out


def test_runs_are_never_overwritten(grid_case, tmp_path, monkeypatch):
    out = tmp_path / "run1"
    assert run_cli(monkeypatch, grid_case, "--out", out) == 0
    before = (out / "summary.json").read_text()
    assert run_cli(monkeypatch, grid_case, "--out", out) == 2
    assert (out / "summary.json").read_text() == before
    monkeypatch.chdir(tmp_path)
    assert run_cli(monkeypatch, grid_case) == 0
    assert run_cli(monkeypatch, grid_case) == 0
    assert len(list((tmp_path / "runs").iterdir())) == 2


def test_infeasible_exits_3_with_status(grid_case, tmp_path, monkeypatch, capsys):
    out = tmp_path / "bad"
    code = run_cli(monkeypatch, grid_case, "--out", out, "--set", "targets.compute_h100e={2026: 31}")
    assert code == 3
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "infeasible"
    assert "no plan satisfies every constraint" in capsys.readouterr().out
    page = (out / "report.html").read_text()
    assert "<b>infeasible</b><span>status" in page and "no plan satisfies every constraint" in page


def test_time_limit_without_a_plan_exits_3(tmp_path, monkeypatch, capsys):
    out = tmp_path / "tl"
    code = run_cli(monkeypatch, ROOT / "configs" / "example.yaml", "--out", out, "--set", "solver.time_limit_s=0.01")
    assert code == 3
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "time_limit"
    assert "no plan found within the time limit" in capsys.readouterr().out


def test_a_plan_found_at_a_node_limit_reports_bound_and_gap(tmp_path, monkeypatch, capsys):
    """A limit reached with an incumbent: exit 0, the status says so, bound and gap are reported."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import write_instance

    config = write_instance(tmp_path / "case", 6, 4, 4, 2, 24, seed=0, time_limit_s=60, mip_gap=0.0)
    out = tmp_path / "run"
    code = run_cli(monkeypatch, config, "--out", out, "--set", "solver.highs_options={mip_max_nodes: 1}")
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "solution_limit"
    assert 0 < summary["mip_gap"] < 0.05
    assert summary["bound_usd"] <= summary["objective_usd"]
    assert "best plan found" in capsys.readouterr().out


def test_unknown_highs_option_is_an_input_error(grid_case, tmp_path, monkeypatch, capsys):
    code = run_cli(monkeypatch, grid_case, "--out", tmp_path / "x", "--set", "solver.highs_options={mip_max_nodez: 1}")
    assert code == 2
    assert "solver.highs_options.mip_max_nodez: HiGHS has no option of that name" in capsys.readouterr().err


def test_threads_in_highs_options_points_to_solver_threads(grid_case, tmp_path, monkeypatch, capsys):
    code = run_cli(monkeypatch, grid_case, "--out", tmp_path / "x", "--set", "solver.highs_options={threads: 2}")
    assert code == 2
    assert "solver.highs_options.threads: set solver.threads instead" in capsys.readouterr().err


def test_no_explain_skips_shadow_prices_and_explanations(grid_case, tmp_path, monkeypatch):
    assert run_cli(monkeypatch, grid_case, "--out", tmp_path / "plan", "--no-explain") == 0
    summary = json.loads((tmp_path / "plan" / "summary.json").read_text())
    assert summary["status"] == "optimal" and "binding" not in summary and "shadow_prices" not in summary
    assert not (tmp_path / "plan" / "tables" / "binding.csv").exists()
    code = run_cli(monkeypatch, grid_case, "--out", tmp_path / "bad", "--no-explain",
                   "--set", "targets.compute_h100e={2026: 31}")
    assert code == 3
    summary = json.loads((tmp_path / "bad" / "summary.json").read_text())
    assert summary["status"] == "infeasible" and "explanation" not in summary
