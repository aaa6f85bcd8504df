"""The sweep report, from hand-made results in a run store (no Dask, no solver): swings that can be
checked by hand, SALib tables of sampled designs, site shares, binding counts, plan signatures,
links to the run reports, failed scenarios, sweep.xlsx, escaping, and a headless-browser render."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizer.sweep.design import scenarios, unit_samples
from optimizer.sweep.analysis import (binding_counts, plan_changes, plan_table, read_sweep_data, sensitivity,
                                      site_frequency)
from optimizer.sweep.report import SHEETS, write_sweep_report
from optimizer.sweep.spec import Sweep
from optimizer.sweep.store import RunStore

SITES = pd.DataFrame({"site_id": ["A", "B", "C"], "name": ["site A", "site B", "site C"],
                      "region_id": ["R1", "R1", "R2"], "lat": [35.0, 36.0, 40.0], "lon": [-90.0, -95.0, -100.0]})
AXES = {"a": {"key": "data.prices.*.gas_hub_usd_per_mmbtu*", "values": [1, 2, 3], "labels": ["$1", "$2", "$3"]},
        "b": {"key": "policy.carbon_price_usd_per_t", "values": [10, 20]}}


def outcome_ab(values: dict) -> tuple[str, str, dict]:
    """Net present cost 1e9·a + 1e7·b; a ≤ 2: gas at A (100 + 0.2·b MW); a = 3: grid 300 + battery 100 MW at
    A and B, infeasible with b = 20. 'compute target 2026' binds everywhere (1000·a USD/h100e), 'gas permit
    at A' where b = 20."""
    a, b = values.get("a", 2), values.get("b", 10)
    if a == 3 and b == 20:
        return "infeasible", "no plan: compute target 2026 cannot be met", {}
    mw = {"gas": 100 + 0.2 * b} if a <= 2 else {"grid": 300.0, "battery": 100.0}
    sites = "A" if a <= 2 else "A,B"
    return "optimal", "", {"objective_usd": 1e9 * a + 1e7 * b, "capex_cash_usd": 5e8 * a, "mw_by_source": mw,
                           "peak_mw": 100.0 * a, "sites": sites, "n_sites": len(sites.split(",")),
                           "onsite_gas_share": 0.9 if a <= 2 else 0.0, "emissions_t": 1000.0 * b,
                           "solve_seconds": 1.5, "gpus": 10.0, "h100e": 10.0}


def tables_for(values: dict, metrics: dict) -> dict:
    chosen = set((metrics.get("sites") or "").split(","))
    sites = SITES.assign(selected=SITES["site_id"].isin(chosen), peak_facility_mw=100.0)
    binding = [{"family": "targets", "limit": "compute target 2026", "unit": "h100e",
                "value_usd_per_unit": 1000.0 * values.get("a", 2), "level": 10.0, "value_of_1pct_usd": 100.0,
                "constraint": "compute_target_lower", "index": "2026"}]
    if values.get("b") == 20:
        binding.append({"family": "permits", "limit": "gas permit at A", "unit": "MW", "value_usd_per_unit": 5.0,
                        "level": 500.0, "value_of_1pct_usd": 25.0, "constraint": "gas_permit", "index": "A"})
    return {"sites": sites, "binding": pd.DataFrame(binding)}


def build(tmp: Path, body: dict, outcome=outcome_ab, name: str = "tiny", no_folder=(),
          tables: bool = True) -> tuple[RunStore, Sweep]:
    """A run store holding the sweep ``body``, each scenario's result from ``outcome(values)`` (with sites
    and binding tables unless ``tables`` is False); each has a run folder with a report.html under
    tmp/runs, except ``no_folder`` (a worker that died)."""
    spec = Sweep.model_validate({"name": name, "config": "case/config.yaml", **body})
    found = scenarios(spec)
    store = RunStore(tmp / "store.duckdb")
    members = [{"scenario": s.id, "config_hash": f"{i:02d}hash{s.id}", "values": s.values, "labels": s.labels,
                "role": s.role} for i, s in enumerate(found)]
    store.register_sweep(spec.name, str(tmp / "sweep.yaml"), str(tmp / "case" / "config.yaml"), spec.design,
                         list(spec.axes), spec.model_dump(mode="json"), str(tmp / "out"), members)
    for member, s in zip(members, found):
        status, message, metrics = outcome(s.values)
        run_dir = None
        if s.id not in no_folder:
            run_dir = tmp / "runs" / s.id
            run_dir.mkdir(parents=True)
            (run_dir / "report.html").write_text("<!DOCTYPE html><title>run</title>")
        store.record({"config_hash": member["config_hash"], "status": status, "message": message,
                      "metrics": metrics, "tables": tables_for(s.values, metrics) if metrics and tables else {},
                      "run_seconds": 2.0},
                     str(run_dir) if run_dir else None)
    return store, spec


def row_of(sens: pd.DataFrame, metric: str, axis: str) -> pd.Series:
    found = sens[(sens.metric == metric) & (sens.axis == axis)]
    assert len(found) == 1
    return found.iloc[0]


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grid")
    store, spec = build(tmp, {"design": "grid", "axes": AXES})
    paths = write_sweep_report(store, "tiny", tmp / "report")       # spec read back from the store
    return store, spec, tmp, paths


def test_grid_main_effects_by_hand(grid):
    store, spec, _, _ = grid
    sens = sensitivity(read_sweep_data(store, "tiny"))
    # planned: (1,10) 1.1e9, (1,20) 1.2e9, (2,10) 2.1e9, (2,20) 2.2e9, (3,10) 3.1e9; (3,20) infeasible, left out
    a = row_of(sens, "net present cost", "a")
    assert a["low"] == pytest.approx(1.15e9) and a["high"] == pytest.approx(3.1e9)
    assert a["swing"] == pytest.approx(1.95e9) and (a["low_at"], a["high_at"]) == ("$1", "$3")
    b = row_of(sens, "net present cost", "b")
    assert b["low"] == pytest.approx(1.7e9) and b["high"] == pytest.approx(2.1e9) and b["swing"] == pytest.approx(4e8)
    assert (b["low_at"], b["high_at"]) == ("20", "10")
    assert a["reference"] == pytest.approx(9.7e9 / 5) and a["scenarios"] == 5
    cost = sens[sens.metric == "net present cost"]
    assert list(cost.axis) == ["a", "b"]                       # sorted by swing
    assert row_of(sens, "peak MW", "a")["swing"] == pytest.approx(300.0 - 100.0)
    assert row_of(sens, "emissions", "b")["swing"] == pytest.approx(1000.0 * 20 - 1000.0 * 10)


def test_grid_sites_binding_plans_and_flips(grid):
    store, *_ = grid
    data = read_sweep_data(store, "tiny")
    freq = site_frequency(data).set_index("site_id")
    assert freq.loc["A", "share"] == 1.0 and freq.loc["B", "share"] == pytest.approx(0.2)
    assert freq.loc["C", "chosen_in"] == 0 and freq.loc["C", "name"] == "site C"
    binds = binding_counts(data).set_index("limit")
    assert binds.loc["compute target 2026", "scenarios"] == 5
    assert binds.loc["compute target 2026", "median_usd_per_unit"] == 2000.0
    assert binds.loc["gas permit at A", "scenarios"] == 2 and binds.loc["gas permit at A", "share"] == 0.4
    plans = plan_table(data)
    assert list(plans["plan"]) == ["A | gas 100 MW", "A, B | battery 100 MW; grid 300 MW"]
    assert list(plans["scenarios"]) == [4, 1] and plans["share"].iloc[0] == 0.8
    assert plans["mean_cost_usd"].iloc[0] == pytest.approx(1.65e9)
    changes = plan_changes(data)
    flips = changes[changes.change != ""]
    assert list(zip(flips.axis, flips.value, flips.change)) == [("a", "$3", "gas → grid+battery; sites A → A, B")]
    assert list(changes[changes.axis == "b"]["plan"]) == ["gas at A", "gas at A"]


def test_grid_report_lists_every_scenario_with_links_and_messages(grid):
    _, spec, tmp, paths = grid
    page = paths["html"].read_text()
    for s in scenarios(spec):
        assert f"<a href='../runs/{s.id}/report.html' data-scenario='{s.id}'>{s.id}</a>" in page
        assert (paths["html"].parent / f"../runs/{s.id}/report.html").resolve().is_file()
    assert "no plan: compute target 2026 cannot be met" in page
    assert "1 scenario without a plan (s006 (infeasible))" in page
    assert "<b>a $3</b>: gas → grid+battery; sites A → A, B" in page
    for attr in re.findall(r"""(?:src|href)\s*=\s*['"]([^'"]*)['"]""", page):
        assert attr.startswith("data:image/png;base64,") or not re.match(r"^[a-z]+:", attr), attr
    assert "http://" not in page and "https://" not in page
    sheets = pd.ExcelFile(paths["excel"]).sheet_names
    assert set(SHEETS) <= set(sheets)
    assert {"scenarios", "sensitivity", "site_frequency", "binding_counts", "plans", "mw_by_source"} <= set(sheets)
    rows = pd.read_excel(paths["excel"], sheet_name="scenarios")
    assert len(rows) == 6 and rows.loc[rows.scenario == "s006", "status"].item() == "infeasible"


def test_one_at_a_time_swings_by_hand(tmp_path):
    axes = {**AXES, "c": {"key": "solver.mip_gap", "values": [0, 1]}}

    def outcome(values):
        if values["c"] == 1:
            return "error", "RuntimeError: the worker running it died 4 times", {}
        return outcome_ab(values)

    store, spec = build(tmp_path, {"design": "one_at_a_time", "axes": axes}, outcome, no_folder=("s005",))
    # s001 base (a=2, b=10, c=0), s002 a=1, s003 a=3, s004 b=20, s005 c=1 (error, no run folder)
    data = read_sweep_data(store, "tiny", spec)
    sens = sensitivity(data)
    a, b, c = (row_of(sens, "net present cost", x) for x in "abc")
    assert (a["low"], a["high"], a["swing"]) == (pytest.approx(1.1e9), pytest.approx(3.1e9), pytest.approx(2e9))
    assert (a["low_at"], a["high_at"]) == ("$1", "$3")
    assert (b["low"], b["high"], b["swing"]) == (pytest.approx(2.1e9), pytest.approx(2.2e9), pytest.approx(1e8))
    assert np.isnan(c["swing"]) and c["scenarios"] == 1     # the error is left out: only the base is left
    assert a["reference"] == pytest.approx(2.1e9)
    assert list(sens[sens.metric == "net present cost"].axis) == ["a", "b", "c"]
    assert row_of(sens, "on-site gas share", "a")["swing"] == pytest.approx(0.9)
    changes = plan_changes(data)
    assert list(changes[changes.axis == "c"]["plan"]) == ["gas at A", "no plan (error)"]
    paths = write_sweep_report(store, "tiny", tmp_path / "report", spec)
    page = paths["html"].read_text()
    assert "<td class='t' data-scenario='s005'>s005</td>" in page           # no run folder: no link
    assert "RuntimeError: the worker running it died 4 times" in page
    assert "<a href='../runs/s004/report.html' data-scenario='s004'>s004</a>" in page


def linear(values: dict) -> tuple[str, str, dict]:
    x, y = values["x"], values["y"]
    return "optimal", "", {"objective_usd": 1e9 * (1 + 3 * x + 0.1 * y), "peak_mw": 100.0 + 50 * x,
                           "onsite_gas_share": 0.5, "emissions_t": 1e6 * y, "mw_by_source": {"gas": 100.0},
                           "sites": "A", "n_sites": 1, "capex_cash_usd": 1e9, "solve_seconds": 1.0}


SAMPLED_AXES = {"x": {"key": "policy.carbon_price_usd_per_t", "distribution": {"kind": "uniform", "low": 0, "high": 1}},
                "y": {"key": "solver.mip_gap", "distribution": {"kind": "uniform", "low": 0, "high": 10}}}


def test_morris_sensitivity_from_salib(tmp_path):
    body = {"design": "morris", "samples": 4, "levels": 4, "seed": 2, "axes": SAMPLED_AXES}
    broken = {}

    def outcome(values):
        if not broken:                     # the first scenario fails: its trajectory is left out
            broken["x"] = values
            return "error", "ValueError: boom", {}
        return linear(values)

    store, spec = build(tmp_path, body, outcome, tables=False)
    sens = sensitivity(read_sweep_data(store, "tiny", spec))
    x, y = row_of(sens, "net present cost", "x"), row_of(sens, "net present cost", "y")
    # linear: every elementary effect over the unit range is the coefficient (x: 3e9, y: 0.1·10·1e9)
    assert x["mu_star"] == pytest.approx(3e9) and y["mu_star"] == pytest.approx(1e9)
    assert x["sigma"] == pytest.approx(0.0, abs=1.0)
    assert x["swing"] > 0 and x["low_at"].startswith("lowest third")
    assert list(sens[sens.metric == "net present cost"].axis) == ["x", "y"]
    page = write_sweep_report(store, "tiny", tmp_path / "report", spec)["html"].read_text()
    assert "SALib analysed 9 scenarios for net present cost" in page and "mu*" in page


def test_latin_hypercube_thirds_and_sobol_indices(tmp_path):
    body = {"design": "latin_hypercube", "samples": 9, "seed": 5, "axes": SAMPLED_AXES}
    store, spec = build(tmp_path / "lhs", body, linear, tables=False)
    sens = sensitivity(read_sweep_data(store, "tiny", spec))
    unit = unit_samples(spec)
    cost = np.array([linear(s.values)[2]["objective_usd"] for s in scenarios(spec)])
    low, high = cost[unit[:, 0] <= 1 / 3].mean(), cost[unit[:, 0] >= 2 / 3].mean()
    x = row_of(sens, "net present cost", "x")
    assert (x["low"], x["high"]) == (pytest.approx(low), pytest.approx(high))
    assert x["swing"] == pytest.approx(high - low)
    assert x["scenarios"] == (unit[:, 0] <= 1 / 3).sum() + (unit[:, 0] >= 2 / 3).sum()

    body = {"design": "sobol", "samples": 8, "seed": 1, "axes": SAMPLED_AXES}
    store, spec = build(tmp_path / "sobol", body, linear, name="sob", tables=False)
    sens = sensitivity(read_sweep_data(store, "sob", spec))
    x, y = row_of(sens, "net present cost", "x"), row_of(sens, "net present cost", "y")
    assert x["ST"] > y["ST"] and x["S1"] > y["S1"] and np.isfinite([x["S1_conf"], x["ST_conf"]]).all()
    assert row_of(sens, "on-site gas share", "x")["ST"] == 0.0      # constant: nothing to apportion


def test_user_text_is_escaped(tmp_path):
    evil = "<script>alert(1)</script>"
    axes = {"<b>axis</b>": {"key": "policy.carbon_price_usd_per_t", "values": [1, 2],
                            "labels": ["<img src=x onerror=alert(2)>", "$2 & 'more'"]}}

    def outcome(values):
        if values["<b>axis</b>"] == 2:
            return "error", f"bad {evil}", {}
        return outcome_ab({"a": 1, "b": 10})

    store, spec = build(tmp_path, {"design": "grid", "axes": axes, "description": evil}, outcome, name=evil)
    paths = write_sweep_report(store, evil, tmp_path / "report")
    page = paths["html"].read_text()
    assert page.count("<script") == 1 and "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;: sweep report" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page and "&lt;b&gt;axis&lt;/b&gt;" in page
    assert "bad &lt;script&gt;" in page and "<b>axis</b>" not in page


def test_browser_renders_the_sweep_report(grid, tmp_path, chromium):
    """Headless Chromium opens the sweep report: every chart image decodes, no console error."""
    *_, paths = grid
    page = paths["html"].read_text()
    charts = len(re.findall(r"<img ", page))
    assert charts >= 6 and "data-chart='map'" in page
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0"]
    dom = subprocess.run([chromium, *flags, "--virtual-time-budget=5000", "--dump-dom", paths["html"].as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert f'data-charts-loaded="{charts}"' in dom.stdout
    assert "Uncaught" not in dom.stderr and ":CONSOLE(" not in dom.stderr


def test_named_scenarios_and_pending(tmp_path):
    body = {"design": "scenarios", "scenarios": [{"name": "cheap", "set": {"policy.carbon_price_usd_per_t": 0}},
                                                 {"name": "dear", "set": {"policy.carbon_price_usd_per_t": 100}}]}
    store, spec = build(tmp_path, body, lambda values: outcome_ab({"a": 1, "b": 10}))
    later = {"name": "later", "config": "c.yaml", "design": "grid", "axes": AXES}
    member = {"scenario": "s001", "config_hash": "never-run", "values": {"a": 1, "b": 10},
              "labels": {"a": "$1", "b": "10"}}
    store.register_sweep("later", "", "", "grid", ["a", "b"], later, "", [member])
    page = write_sweep_report(store, "tiny", tmp_path / "named")["html"].read_text()
    assert "has no axes to rank" in page and "<a href='../runs/cheap/report.html' data-scenario='cheap'>" in page
    page = write_sweep_report(store, "later", tmp_path / "pending")["html"].read_text()
    assert "<b>1</b><span>pending</span>" in page and "0 of 1 scenarios have a plan" in page
