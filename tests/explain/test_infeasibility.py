"""Infeasible configs, one known reason each: the explanation names that reason first and the
relaxation it reports matches a hand computation."""

from __future__ import annotations

import json
import sys

import pytest

from helpers import GAS, GPU, REGION, SITE, row, write_case
from optimizer import cli
from optimizer.explain.elastic import explain_infeasible
from optimizer.inputs.load import load_all


def explain(tmp_path, config, **tables):
    _, inputs = load_all(write_case(tmp_path, config, **tables))
    return explain_infeasible(inputs)


SUPPLY_CASE = dict(config={"targets": {"compute_h100e": {2026: 10}}},
                   sites=[row(SITE, grid_existing_mw=100.0)], techs=[],
                   gpus=[row(GPU, gpu_id="A1", price_usd_per_unit=1e6, supply_gpus_per_year=6)])


def test_target_beyond_total_supply(tmp_path):
    """10 h100e wanted, 6 GPUs of the only product obtainable: 4 short, supply +4 (+67%)."""
    e = explain(tmp_path, **SUPPLY_CASE)
    assert e.status == "explained"
    [short] = e.shortfalls
    assert short.what == "compute target 2026" and short.amount == pytest.approx(4)
    first = e.relaxations[0]
    assert (first.family, first.what) == ("supply", "A1 GPU supply in 2026")
    assert first.amount == pytest.approx(4) and first.share == pytest.approx(4 / 6)
    assert first.text == "A1 GPU supply in 2026 would have to rise by 4 GPU from 6, +67%"
    assert any("A1 GPU supply in 2026" in line for line in e.iis)       # HiGHS's IIS, in planner words
    assert any("compute target 2026" in line for line in e.iis)


def test_budget_too_small_in_one_year(tmp_path):
    """10 GPUs at $1M each in 2026 with a $6M budget: the 2026 budget must rise by $4M; 2027 has room."""
    config = {"horizon": {"first_year": 2026, "last_year": 2027},
              "targets": {"compute_h100e": {2026: 10, 2027: 10}}, "budget": {"capex_usd_per_year": 6e6}}
    e = explain(tmp_path, config, sites=[row(SITE, grid_existing_mw=100.0)], techs=[],
                gpus=[row(GPU, price_usd_per_unit=1e6, lifetime_years=2)])
    first = e.relaxations[0]
    assert (first.family, first.what) == ("budget", "capex budget 2026")
    assert first.amount == pytest.approx(4e6)
    assert [r.what for r in e.relaxations] == ["capex budget 2026"]
    assert e.shortfalls[0].what == "compute target 2026" and e.shortfalls[0].amount == pytest.approx(4)


def test_regional_headroom_too_small(tmp_path):
    """Two forced 10 MW grid-only sites share 15 MW of headroom: 5 MW more are needed."""
    config = {"targets": {"compute_h100e": {2026: 20}},
              "constraints": [{"kind": "force_site", "site": "A"}, {"kind": "force_site", "site": "B"}]}
    sites = [row(SITE, site_id=s, max_it_mw=10.0, grid_existing_mw=20.0) for s in ("A", "B")]
    e = explain(tmp_path, config, sites=sites, regions=[row(REGION, headroom_mw=15.0)], techs=[])
    first = e.relaxations[0]
    assert (first.family, first.what, first.unit) == ("grid", "R1 grid headroom in 2026", "MW")
    assert first.amount == pytest.approx(5.0)


def test_lead_time_makes_a_year_impossible(tmp_path):
    """Gas with a one-year lead time on a site without grid: the 2026 target cannot be served; the
    gas would have to come online in 2026, one year early, with 10 MW."""
    config = {"horizon": {"first_year": 2026, "last_year": 2027}, "targets": {"compute_h100e": {2026: 10}}}
    e = explain(tmp_path, config, sites=[row(SITE, gas_permit_mw=20.0)], techs=[row(GAS, lead_time_years=1)])
    first = e.relaxations[0]
    assert first.family == "timing"
    assert first.amount == pytest.approx(10.0)
    assert first.text == ("10 MW of gas would have to come online at site A in 2026, 1 year before its lead time "
                          "or first year allows (2027)")
    assert e.shortfalls[0].amount == pytest.approx(10)


def test_campus_lead_time_names_the_site(tmp_path):
    config = {"targets": {"compute_h100e": {2026: 10}}}
    e = explain(tmp_path, config, sites=[row(SITE, grid_existing_mw=100.0, lead_time_years=1)], techs=[])
    assert e.relaxations[0].text == "site A would have to open in 2026, 1 year before its lead time allows (2027)"
    # the target row has nothing that could meet it: it is an empty row, an IIS on its own
    assert e.iis == ["compute target 2026 (compute_target_lower[2026])"]


def test_feasible_config_has_nothing_to_explain(tmp_path):
    e = explain(tmp_path, {"targets": {"compute_h100e": {2026: 10}}}, sites=[row(SITE, grid_existing_mw=100.0)],
                techs=[])
    assert e.status == "feasible" and e.lines() == ["the plan is feasible: nothing to explain"]


def run_cli(monkeypatch, *args) -> int:
    monkeypatch.setattr(sys, "argv", ["siting", *map(str, args)])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    return exit_info.value.code


def test_explain_command_and_infeasible_run_say_why(tmp_path, monkeypatch, capsys):
    path = write_case(tmp_path / "case", **SUPPLY_CASE)
    assert run_cli(monkeypatch, "explain", path) == 0
    out = capsys.readouterr().out
    assert "the compute target 2026 is 4 h100e short (of 10)" in out
    assert "A1 GPU supply in 2026 would have to rise by 4 GPU" in out
    assert run_cli(monkeypatch, "run", path, "--out", tmp_path / "run") == 3
    out = capsys.readouterr().out
    assert "why there is no plan" in out and "A1 GPU supply in 2026" in out
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["explanation"]["relaxations"][0]["limit"] == "A1 GPU supply in 2026"
    assert "A1 GPU supply in 2026 would have to rise" in (tmp_path / "run" / "report.md").read_text()


def test_a_physical_limit_is_named_when_no_planner_limit_helps(tmp_path):
    """200 one-MW units on a 100 MW campus: the target is 100 short and no planner limit can fix
    it; the IIS names the campus size."""
    e = explain(tmp_path, {"targets": {"compute_h100e": {2026: 200}}}, sites=[row(SITE, grid_existing_mw=500.0)],
                techs=[])
    assert e.shortfalls[0].amount == pytest.approx(100)
    assert not e.relaxations and "physical limit of the data" in e.notes[0]
    assert any("campus size at site A in 2026" in line for line in e.iis)
