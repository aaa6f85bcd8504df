"""Near-optimal alternatives: hand-checkable cases (two equally cheap campuses give both; one cheap
campus gives only itself), every alternative within the slack from its own cost and apart from the
others, the distance and the sentences, the command and its page in a browser."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from helpers import SITE, row, siting as run_cli, write_case
from optimizer.alternatives.run import run_alternatives
from optimizer.alternatives.search import Plan, describe_difference, distance, with_cost_row
from optimizer.handoff import StandardForm

# gas at 1000 USD/kW and 30 USD/MWh of fuel (tests/helpers.py GAS), 1 MW per h100e, data halls at 100 USD/kW:
# 40 h100e cost 40 MW x (1e6 + 8760 x 30) + 40,000 kW x 100
COST_40 = 40 * (1e6 + 8760 * 30.0) + 40_000 * 100.0


def sites_case(folder: Path, extra_capex_b: float = 0.0, n: int = 2) -> Path:
    """``n`` campuses able to hold the 40 MW alone; all alike except B's extra site capex."""
    names = "ABCDEF"[:n]
    sites = [row(SITE, site_id=s, name=f"site {s}", lat=35.0 + i, lon=-90.0 - i, gas_permit_mw=500.0,
                  shell_capex_usd_per_kw=100.0, site_capex_usd=extra_capex_b if s == "B" else 0.0)
             for i, s in enumerate(names)]
    return write_case(folder, {"name": "pair", "targets": {"compute_h100e": {2026: 40}}}, sites=sites)


def test_alike_campuses_that_cost_to_open_give_both(tmp_path):
    """Two alike campuses, each $1M to open: the alternatives search sees both (the order rows of alike
    campuses would let B open only with A, and so hide the plan on B)."""
    sites = [row(SITE, site_id=s, name=f"site {s}", lat=35.0 + i, lon=-90.0 - i, gas_permit_mw=500.0,
                 shell_capex_usd_per_kw=100.0, site_capex_usd=1e6) for i, s in enumerate("AB")]
    case = write_case(tmp_path / "case", {"name": "alike", "targets": {"compute_h100e": {2026: 40}}}, sites=sites)
    plans = run_alternatives(case, out=tmp_path / "alt", slack=0.01, count=3).plans
    assert sorted(p["sites"] for p in plans) == [["A"], ["B"]]
    assert plans[0]["objective_usd"] == pytest.approx(plans[1]["objective_usd"], rel=1e-9)


def test_two_equally_cheap_campuses_give_both(tmp_path):
    outcome = run_alternatives(sites_case(tmp_path / "case"), out=tmp_path / "alt", slack=0.01, count=3)
    plans = outcome.plans
    assert [p["sites"] for p in plans] in ([["A"], ["B"]], [["B"], ["A"]])
    assert [p["objective_usd"] for p in plans] == pytest.approx([COST_40, COST_40], rel=1e-9)
    assert plans[1]["nearest_distance"] == pytest.approx(1 / 3)   # sites differ (1), power and GPUs the same (0)
    s = outcome.summary
    assert s["distinct_plans"] == 2 and s["repeats"] == 1 and "repeats an earlier plan" in s["stopped"]
    folder = outcome.out_dir
    for p in plans:   # each plan is a whole run folder
        summary = json.loads((folder / p["folder"] / "summary.json").read_text())
        assert summary["objective_usd"] == pytest.approx(p["objective_usd"], rel=1e-9)
        assert (folder / p["folder"] / "report.html").is_file()
    assert json.loads((folder / "alt-0" / "summary.json").read_text())["binding"]   # the optimum is priced
    table = (folder / "tables" / "alternatives.csv").read_text()
    assert table.count("\n") == 3


def test_the_python_api_returns_the_plans(tmp_path):
    from optimizer import api

    frame = api.alternatives(sites_case(tmp_path / "case"), {"solver.mip_gap": 0.0}, out=tmp_path / "alt",
                             slack=0.01, count=2)
    assert len(frame) == 2 and list(frame["objective_usd"]) == pytest.approx([COST_40] * 2, rel=1e-9)
    assert frame.attrs["summary"]["distinct_plans"] == 2 and frame.attrs["folder"] == tmp_path / "alt"


def test_only_the_plan_within_the_slack_is_returned(tmp_path):
    # B costs 10 million more to open: 20% more than the whole plan at A, far outside a 2% slack
    outcome = run_alternatives(sites_case(tmp_path / "case", extra_capex_b=10e6), out=tmp_path / "alt",
                               slack=0.02, count=3)
    assert [p["sites"] for p in outcome.plans] == [["A"]]
    assert outcome.summary["distinct_plans"] == 1
    # with a 30% slack, B comes within reach
    wide = run_alternatives(sites_case(tmp_path / "case2", extra_capex_b=10e6), out=tmp_path / "alt2",
                            slack=0.3, count=3)
    assert [p["sites"] for p in wide.plans] == [["A"], ["B"]]
    assert wide.plans[1]["gap_to_optimum"] == pytest.approx(10e6 / COST_40, rel=1e-6)


@pytest.mark.parametrize("method", ["hsj", "random"])
def test_every_alternative_is_within_the_slack_and_apart(tmp_path, method):
    slack, threshold = 0.05, 0.1
    outcome = run_alternatives(sites_case(tmp_path / "case", n=4), out=tmp_path / "alt", slack=slack, count=3,
                               threshold=threshold, method=method, seed=7)
    plans = outcome.plans
    assert len(plans) >= 3
    best = plans[0]["objective_usd"]
    for p in plans:
        own = json.loads((outcome.out_dir / p["folder"] / "summary.json").read_text())["objective_usd"]
        assert own <= best * (1 + slack) * (1 + 1e-9)
    found = outcome.search.plans
    for i, a in enumerate(found):
        for b in found[:i]:
            assert distance(a, b, ("sites", "power", "gpus")) >= threshold
    assert len({tuple(p["sites"]) for p in plans}) == len(plans)


def test_distance_and_sentence_by_hand():
    a = Plan(0, 100.0, {"sites": {"A": 1.0, "B": 1.0, "C": 0.0}, "power": {"gas": 300.0, "grid": 100.0},
                        "gpus": {"X": 10.0}})
    b = Plan(1, 101.0, {"sites": {"A": 1.0, "B": 0.0, "C": 1.0}, "power": {"gas": 100.0, "grid": 300.0},
                        "gpus": {"X": 10.0}})
    # sites: Jaccard 1 - 1/3; power: shares (0.75, 0.25) vs (0.25, 0.75): half L1 = 0.5; gpus: 0
    assert distance(a, b, ("sites",)) == pytest.approx(2 / 3)
    assert distance(a, b, ("power",)) == pytest.approx(0.5)
    assert distance(a, b, ("sites", "power", "gpus")) == pytest.approx((2 / 3 + 0.5 + 0) / 3)
    text = describe_difference(b, a, {"C": "Cedar", "B": "Birch"})
    assert text == "Adds Cedar and drops Birch; more grid (25% → 75% of MW)"
    assert describe_difference(a, a) == "the least-cost plan"


def test_the_cost_row_holds_the_whole_objective():
    import scipy.sparse as sp

    form = StandardForm(sp.csc_matrix(np.eye(2)), np.array([2.0, 3.0]), 5.0, np.zeros(2), np.ones(2) * 10,
                        np.zeros(2, dtype=bool), np.zeros(2), np.ones(2) * 10, [None, None], [])
    alt = with_cost_row(form, optimum=20.0, slack=0.1)
    assert alt.A.shape == (3, 2) and list(alt.A.toarray()[2]) == [2.0, 3.0]
    assert alt.row_upper[2] == pytest.approx(20.0 * 1.1 - 5.0) and alt.row_lower[2] == -np.inf
    assert alt.row_label(2) == ("alternative_cost_upper", None)


def test_the_command_writes_a_page_that_renders(tmp_path, monkeypatch, capsys, chromium):
    config = sites_case(tmp_path / "case", n=3)
    out = tmp_path / "alt"
    assert run_cli(monkeypatch, "alternatives", config, "--slack", "0.01", "--count", "2", "--out", out) == 0
    printed = capsys.readouterr().out
    assert "optimum" in printed and "alternatives.html" in printed
    page = out / "alternatives.html"
    html = page.read_text()
    assert html.count("class='alt'") == 3 and "alt-1/report.html" in html
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000",
                          "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    images = html.count("<img")
    assert images >= 5   # three maps and two charts
    assert f"data-charts-loaded=\"{images}\"" in dom


def test_alternatives_need_a_cost_objective(tmp_path, monkeypatch, capsys):
    config = sites_case(tmp_path / "case")
    code = run_cli(monkeypatch, "alternatives", config, "--set", "objective.kind=max_compute")
    assert code == 2 and "alternatives compare costs" in capsys.readouterr().err
    assert run_cli(monkeypatch, "alternatives", config, "--method", "spores") == 2
    assert "unknown method" in capsys.readouterr().err


def test_random_directions_run_as_dask_tasks(tmp_path):
    here = run_alternatives(sites_case(tmp_path / "case", n=4), out=tmp_path / "here", slack=0.05, count=3,
                            method="random", seed=3)
    there = run_alternatives(sites_case(tmp_path / "case", n=4), out=tmp_path / "there", slack=0.05, count=3,
                             method="random", seed=3, workers=2)
    assert len(there.plans) == len(here.plans) >= 3
    best = there.plans[0]["objective_usd"]
    assert all(p["objective_usd"] <= best * 1.05 * (1 + 1e-9) for p in there.plans)
    assert len({tuple(p["sites"]) for p in there.plans}) == len(there.plans)
    assert (there.out_dir / "alt-3" / "report.html").is_file()


def test_the_config_block_sets_the_search_and_the_command_line_wins(tmp_path):
    import yaml

    from optimizer.alternatives.run import settings_of
    from optimizer.inputs.load import load_all

    config = sites_case(tmp_path / "case")
    raw = yaml.safe_load(config.read_text())
    raw["alternatives"] = {"slack": 0.3, "count": 1, "method": "random", "space": ["sites"], "seed": 5}
    config.write_text(yaml.safe_dump(raw))
    block = load_all(config)[1].config
    chosen = settings_of(block)
    assert (chosen.slack, chosen.count, chosen.method, chosen.space, chosen.seed) == (0.3, 1, "random", ("sites",), 5)
    assert settings_of(block, slack=0.01, space=["power", "sites"]).space == ("sites", "power")
    assert settings_of(block, slack=0.01).slack == 0.01
