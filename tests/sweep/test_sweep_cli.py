"""The CLI around sweeps and the run store: siting run --record, siting runs list/show, siting sweep
--list, and clear errors for a missing store, an unknown sweep or scenario."""

from __future__ import annotations

import pytest

from helpers import siting as run_cli
from optimizer.sweep.store import RunStore

from sweep.cases import GRID, case, expected_cost, sweep_file


def test_a_recorded_run_is_in_the_store(tmp_path, monkeypatch, capsys):
    config = case(tmp_path)
    store = tmp_path / "store.duckdb"
    assert run_cli(monkeypatch, "run", config, "--out", tmp_path / "one", "--record", "--store", store, "-q") == 0
    assert run_cli(monkeypatch, "run", config, "--out", tmp_path / "two", "--record", "--store", store, "-q",
                   "--set", "policy.carbon_price_usd_per_t=100") == 0
    stored = RunStore(store).scenarios("runs")
    assert list(stored["scenario"]) == ["one", "two"]
    assert list(stored["objective_usd"]) == pytest.approx([expected_cost(50, 0), expected_cost(50, 100)], rel=1e-9)
    assert stored["config_hash"].nunique() == 2 and list(stored["n_sites"]) == [1, 1]
    assert not RunStore(store).table("capacity", "runs").empty
    capsys.readouterr()
    assert run_cli(monkeypatch, "runs", "list", "--store", store) == 0
    out = capsys.readouterr().out
    assert "runs" in out and "single runs" in out
    assert run_cli(monkeypatch, "runs", "show", "runs/two", "--store", store) == 0
    out = capsys.readouterr().out
    assert "$0.085 B" in out and "MW gas" in out and "two" in out


def test_sweep_list_and_runs_list_name_every_scenario(tmp_path, monkeypatch, capsys):
    path = sweep_file(tmp_path, GRID)
    assert run_cli(monkeypatch, "sweep", path, "--list", "--store", tmp_path / "s.duckdb") == 0
    out = capsys.readouterr().out
    assert "12 scenarios" in out and "s012" in out and "150" in out
    assert not (tmp_path / "s.duckdb").exists()   # --list runs nothing and stores nothing


def test_store_mistakes_are_clear(tmp_path, monkeypatch, capsys):
    missing = tmp_path / "none.duckdb"
    assert run_cli(monkeypatch, "runs", "list", "--store", missing) == 2
    err = capsys.readouterr().err
    assert "no run store here" in err and "Traceback" not in err
    config = case(tmp_path)
    store = tmp_path / "store.duckdb"
    assert run_cli(monkeypatch, "run", config, "--out", tmp_path / "one", "--record", "--store", store, "-q") == 0
    capsys.readouterr()
    assert run_cli(monkeypatch, "runs", "list", "--sweep", "rnus", "--store", store) == 2
    assert "did you mean 'runs'" in capsys.readouterr().err
    assert run_cli(monkeypatch, "runs", "show", "nothing", "--store", store) == 2
    assert "no stored scenario" in capsys.readouterr().err
