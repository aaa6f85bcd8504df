"""Two-stage stochastic plans, checked by hand on a newsvendor (tests/stochastic/cases.py):

    cost(q, D) = q + late · max(D − q, 0)     MUSD; q units bought in 2026 (first stage), D wanted in 2027

Two equally likely demands 40 and 80, late = 1.5: the critical ratio (1.5 − 1)/1.5 = 1/3 ≤ F(40) = 1/2,
so q* = 40 and RP = 40 + ½ · 1.5 · 40 = 70; wait and see ½ (40 + 80) = 60, EVPI 10; the mean demand 60
gives q = 60 and EEV = 60 + ½ · 1.5 · 20 = 75, VSS 5.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from helpers import siting
from optimizer.errors import InputError
from optimizer.stochastic.equivalent import cvar
from optimizer.stochastic.futures import Future, expected_value_future
from optimizer.stochastic.run import run_stochastic
from stochastic.cases import newsvendor

M = 1e6


def gpu_purchases(folder, gpu: str, period: str) -> dict[str, float]:
    """Units of ``gpu`` bought in ``period`` per scenario (from each scenario's run folder)."""
    out = {}
    for path in sorted((folder / "scenarios").iterdir()):
        g = pd.read_csv(path / "tables" / "gpus.csv")
        out[path.name] = float(g.loc[(g.gpu_id == gpu) & (g.period.astype(str) == period), "new_units"].sum())
    return out


def test_newsvendor_plan_evpi_and_vss_by_hand(tmp_path):
    outcome = run_stochastic(newsvendor(tmp_path / "case", {"low": 40, "high": 80}), out=tmp_path / "run")
    st = outcome.summary["stochastic"]
    assert st["expected_cost_usd"] == pytest.approx(70 * M)
    assert [s["cost_usd"] for s in st["scenarios"]] == pytest.approx([40 * M, 100 * M])
    assert [s["own_optimum_usd"] for s in st["scenarios"]] == pytest.approx([40 * M, 80 * M])
    assert st["wait_and_see_usd"] == pytest.approx(60 * M)
    assert st["evpi_usd"] == pytest.approx(10 * M)
    assert st["expected_value_plan_usd"] == pytest.approx(75 * M)
    assert st["vss_usd"] == pytest.approx(5 * M)
    bought = [r for r in st["first_stage"] if r["decision"] == "GPUs bought"]
    assert bought == [{"decision": "GPUs bought", "site": "A", "item": "X", "period": "2026", "unit": "units",
                       "value": 40.0}]
    folder = outcome.out_dir
    # the first stage is one plan: the same 2026 purchase in every scenario; the recourse differs
    assert gpu_purchases(folder, "X", "2026") == {"high": 40.0, "low": 40.0}
    assert gpu_purchases(folder, "Y", "2027") == {"high": 40.0, "low": 0.0}
    gpus = pd.read_csv(folder / "tables" / "gpus.csv")
    assert list(gpus.columns)[0] == "scenario" and set(gpus.scenario) == {"low", "high"}
    sites = pd.read_csv(folder / "tables" / "sites.csv")
    assert list(sites.peak_it_mw) == [40.0, 80.0]                # the campus runs 40 or 80 MW of GPUs in 2027
    once = [p.name for p in (folder / "tables").glob("*.csv")
            if "scenario" not in pd.read_csv(p, nrows=0).columns and (folder / "scenarios/low/tables" / p.name).is_file()]
    assert once                                                  # the same in every scenario: written once
    for name in once:
        assert pd.read_csv(folder / "tables" / name).equals(pd.read_csv(folder / "scenarios/high/tables" / name))
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["objective_usd"] == pytest.approx(70 * M) and summary["stochastic"]["method"] == "equivalent"
    for name in ("low", "high"):
        one = json.loads((folder / "scenarios" / name / "summary.json").read_text())
        assert one["stochastic_scenario"]["name"] == name
    assert (folder / "tables" / "regret.csv").is_file() and (folder / "tables" / "first_stage.csv").is_file()


def test_cvar_at_the_smallest_probability_is_the_worst_case_and_gives_the_min_max_plan(tmp_path):
    # λ = 1, α = 0.7 ≥ 1 − 0.3: CVaR is the worst scenario's cost; min over q of max(q + 1.5·max(0, 80 − q), q)
    # is at q = 80 (cost 80 in both), while the expected cost alone (p_low = 0.7) picks q = 40 (58)
    probabilities = {"low": 0.7, "high": 0.3}
    worst = run_stochastic(newsvendor(tmp_path / "a", {"low": 40, "high": 80}, probabilities,
                                      risk={"cvar_alpha": 0.7, "cvar_weight": 1.0}), out=tmp_path / "ra")
    st = worst.summary["stochastic"]
    assert [s["cost_usd"] for s in st["scenarios"]] == pytest.approx([80 * M, 80 * M])
    assert st["cvar_usd"] == pytest.approx(80 * M) and st["objective_usd"] == pytest.approx(80 * M)
    assert gpu_purchases(worst.out_dir, "X", "2026") == {"high": 80.0, "low": 80.0}
    mean = run_stochastic(newsvendor(tmp_path / "b", {"low": 40, "high": 80}, probabilities), out=tmp_path / "rb",)
    assert mean.summary["stochastic"]["expected_cost_usd"] == pytest.approx(58 * M)
    assert gpu_purchases(mean.out_dir, "X", "2026") == {"high": 40.0, "low": 40.0}


def test_regret_table_on_three_scenarios_by_hand(tmp_path):
    # late = 2: plan q (each scenario's own plan buys its demand) costs q + 2·max(0, D − q)
    outcome = run_stochastic(newsvendor(tmp_path / "case", {"low": 40, "mid": 60, "high": 80}, late_musd=2.0),
                             out=tmp_path / "run")
    regret = outcome.summary["stochastic"]["regret"]
    assert regret["plans"] == ["low", "mid", "high", "expected_value", "stochastic"]
    cost = np.array(regret["cost_usd"]) / M
    np.testing.assert_allclose(cost[:3], [[40, 80, 120], [60, 60, 100], [80, 80, 80]])
    np.testing.assert_allclose(np.array(regret["regret_usd"])[:3] / M, [[0, 20, 40], [20, 0, 20], [40, 20, 0]])
    assert np.array(regret["max_regret_usd"][:3]) / M == pytest.approx([40, 20, 40])
    assert regret["min_max_regret_plan"] == "mid"
    # the stochastic plan (critical ratio ½ ≤ F(60) = ⅔: q = 60) is the mid plan: ⅓ (60 + 60 + 100)
    np.testing.assert_allclose(cost[4], [60, 60, 100])
    assert outcome.summary["stochastic"]["expected_cost_usd"] == pytest.approx(220 / 3 * M)
    frame = pd.read_csv(outcome.out_dir / "tables" / "regret.csv")
    assert len(frame) == 15 and frame.loc[(frame.plan == "low") & (frame.scenario == "high"), "regret_usd"].item() \
        == pytest.approx(40 * M)


def test_decomposition_agrees_with_the_equivalent(tmp_path):
    case = newsvendor(tmp_path / "case", {"low": 40, "mid": 55, "high": 80}, {"low": 0.5, "mid": 0.3, "high": 0.2},
                      late_musd=1.7, extra={"regret": False})
    whole = run_stochastic(case, out=tmp_path / "eq", method="equivalent").summary
    parts = run_stochastic(case, out=tmp_path / "dec", method="decomposition").summary
    optimum = whole["stochastic"]["objective_usd"]
    gap = 0.01    # the decomposition's configured gap (uncertainty.decomposition.mip_gap)
    assert parts["stochastic"]["method"] == "decomposition"
    assert parts["stochastic"]["objective_usd"] <= optimum * (1 + gap) + 1e-6
    assert parts["stochastic"]["bound_usd"] <= optimum * (1 + 1e-9)
    history = parts["stochastic"]["decomposition"]
    assert history and all(h["bound_usd"] <= optimum * (1 + 1e-9) for h in history)
    assert [h["bound_usd"] for h in history] == sorted(h["bound_usd"] for h in history)   # the best bound so far


def test_a_decision_one_scenario_cannot_take_is_left_out_of_the_shared_plan(tmp_path):
    # in "no_x", product X is not sold in 2026: the shared plan buys no X, every unit is bought late
    case = newsvendor(tmp_path / "case", {"normal": 40, "no_x": 40}, late_musd=1.5)
    import yaml

    config = yaml.safe_load(case.read_text())
    config["uncertainty"]["scenarios"][1]["set"]["data.gpus.X.first_year"] = 2027
    case.write_text(yaml.safe_dump(config, sort_keys=False))
    outcome = run_stochastic(case, out=tmp_path / "run")
    st = outcome.summary["stochastic"]
    assert [r for r in st["first_stage"] if r["decision"] == "GPUs bought"] == []
    assert [s["cost_usd"] for s in st["scenarios"]] == pytest.approx([60 * M, 60 * M])
    regret = st["regret"]
    assert regret["cost_usd"][0][1] is None                  # "normal"'s own plan (40 X in 2026) cannot be taken
    reason = next(r["reason"] for r in regret["cannot_complete"] if (r["plan"], r["scenario"]) == ("normal", "no_x"))
    assert "cannot be taken" in reason


def test_cvar_by_hand():
    assert cvar([10, 20, 30], [0.5, 0.3, 0.2], 0.8) == pytest.approx(30)
    assert cvar([10, 20, 30], [0.5, 0.3, 0.2], 0.5) == pytest.approx((0.3 * 20 + 0.2 * 30) / 0.5)
    assert cvar([10, 20, 30], [0.5, 0.3, 0.2], 0.0) == pytest.approx(0.5 * 10 + 0.3 * 20 + 0.2 * 30)


def test_expected_value_future_averages_numbers_and_mappings():
    futures = [Future("a", 0.25, {"x": 10, "y": 1.0, "t": {2027: 40}, "s": "on", "only_a": 5}),
               Future("b", 0.75, {"x": 20, "y": 3.0, "t": {2027: 80}, "s": "off"})]
    ev = expected_value_future(futures).values
    assert ev["x"] == 18 and isinstance(ev["x"], int)          # 17.5 rounded: whole numbers stay whole
    assert ev["y"] == pytest.approx(2.5) and ev["t"] == {2027: 70} and ev["s"] == "off"
    assert "only_a" not in ev                                   # most probable: the config's own value


def test_mistakes_name_the_config_line(tmp_path):
    import yaml

    case = newsvendor(tmp_path / "case", {"low": 40, "high": 80})
    config = yaml.safe_load(case.read_text())
    config["uncertainty"]["scenarios"][1]["set"] = {"targets.compute_h100e": {2027: 80}, "budget.capex_usd_per_yeer": 1}
    case.write_text(yaml.safe_dump(config, sort_keys=False))
    with pytest.raises(InputError) as exc:
        run_stochastic(case, out=tmp_path / "run")
    text = exc.value.render()
    assert "uncertainty scenario high" in text and "capex_usd_per_yeer" in text and "config.yaml:" in text
    config["uncertainty"]["scenarios"][1]["set"] = {"targets.compute_h100e": {2027: 80}, "solver.mip_gap": 0.1}
    case.write_text(yaml.safe_dump(config, sort_keys=False))
    with pytest.raises(InputError) as exc:           # one solver, horizon and objective for every future
        run_stochastic(case, out=tmp_path / "run")
    assert "scenario high sets solver.mip_gap" in exc.value.render()
    config["uncertainty"]["scenarios"][1]["set"] = {"targets.compute_h100e": {2027: 80}}
    config["uncertainty"]["first_stage_until"] = 2026   # the horizon starts in 2026: nothing would be shared
    case.write_text(yaml.safe_dump(config, sort_keys=False))
    with pytest.raises(InputError) as exc:
        run_stochastic(case, out=tmp_path / "run")
    assert "first_stage_until" in exc.value.render() and "no decision would be shared" in exc.value.render()
    config["uncertainty"]["first_stage_until"] = 2027
    config["uncertainty"]["scenarios"][0]["probability"] = 0.5
    config["uncertainty"]["scenarios"][1]["set"]["solver.mip_gap"] = 0.1
    case.write_text(yaml.safe_dump(config, sort_keys=False))
    with pytest.raises(InputError) as exc:
        run_stochastic(case, out=tmp_path / "run2")
    assert "every scenario a probability" in exc.value.render()
    assert not (tmp_path / "run").exists() and not (tmp_path / "run2").exists()


def test_a_max_compute_objective_is_refused(tmp_path):
    case = newsvendor(tmp_path / "case", {"low": 40, "high": 80})
    with pytest.raises(InputError) as exc:
        run_stochastic(case, ["objective.kind=max_compute"], out=tmp_path / "run")
    assert "min_cost" in exc.value.render()


def test_siting_run_makes_the_stochastic_plan(tmp_path, monkeypatch, capsys):
    case = newsvendor(tmp_path / "case", {"low": 40, "high": 80})
    assert siting(monkeypatch, "run", case, "--out", tmp_path / "run", "--quiet") == 0
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["stochastic"]["evpi_usd"] == pytest.approx(10 * M)
    assert siting(monkeypatch, "stochastic", case, "--out", tmp_path / "dec", "--method", "decomposition") == 0
    out = capsys.readouterr().out
    assert "EVPI" in out and "low" in out


def test_plans_are_evaluated_on_dask_workers_alike(tmp_path):
    case = newsvendor(tmp_path / "case", {"low": 40, "mid": 60, "high": 80}, late_musd=2.0)
    here = run_stochastic(case, out=tmp_path / "here").summary["stochastic"]["regret"]
    dask = run_stochastic(case, out=tmp_path / "dask", workers=2).summary["stochastic"]["regret"]
    np.testing.assert_allclose(np.array(dask["cost_usd"], dtype=float), np.array(here["cost_usd"], dtype=float))


def test_siting_validate_checks_every_future(tmp_path, monkeypatch, capsys):
    import yaml

    case = newsvendor(tmp_path / "case", {"low": 40, "high": 80})
    assert siting(monkeypatch, "validate", case) == 0
    assert "low (50%), high (50%)" in capsys.readouterr().out
    config = yaml.safe_load(case.read_text())
    config["uncertainty"]["scenarios"][1]["set"]["data.gpus.Z.first_year"] = 2027    # no product Z
    case.write_text(yaml.safe_dump(config, sort_keys=False))
    assert siting(monkeypatch, "validate", case) != 0
    err = capsys.readouterr().err
    assert "uncertainty scenario high" in err and "config.yaml" in err


def test_futures_drawn_from_a_sweep_file(tmp_path):
    import yaml

    from optimizer.inputs.load import load_all
    from optimizer.stochastic.futures import futures

    case = newsvendor(tmp_path / "case", {"low": 40, "high": 80})
    sweep = {"name": "demand", "config": "config.yaml", "design": "latin_hypercube", "samples": 4,
             "axes": {"late_price": {"key": "data.gpus.Y.price_usd_per_unit",
                                     "distribution": {"kind": "uniform", "low": 1.2e6, "high": 2.0e6}},
                      "demand": {"key": "targets.compute_h100e", "values": [{2027: 40}, {2027: 80}]}}}
    (tmp_path / "case" / "demand.yaml").write_text(yaml.safe_dump(sweep, sort_keys=False))
    config = yaml.safe_load(case.read_text())
    config["uncertainty"] = {"from_sweep": {"file": "demand.yaml", "samples": 6, "seed": 3},
                             "first_stage_until": 2027}
    case.write_text(yaml.safe_dump(config, sort_keys=False))
    _, base = load_all(case, cluster=False)
    drawn = futures(base.config.uncertainty, case)
    assert [f.name for f in drawn] == [f"f{i:02d}" for i in range(1, 7)]
    assert all(f.probability == pytest.approx(1 / 6) for f in drawn)
    prices = sorted(f.values["data.gpus.Y.price_usd_per_unit"] for f in drawn)
    assert all(1.2e6 <= v <= 2.0e6 for v in prices)
    assert [int((v - 1.2e6) / (0.8e6 / 6)) for v in prices] == [0, 1, 2, 3, 4, 5]   # one draw per sixth (LHS)
    assert {f.values["targets.compute_h100e"][2027] for f in drawn} == {40, 80}
    assert [f.values for f in futures(base.config.uncertainty, case)] == [f.values for f in drawn]   # seeded
    outcome = run_stochastic(case, out=tmp_path / "run")
    assert len(outcome.summary["stochastic"]["scenarios"]) == 6 and outcome.status == "optimal"


def test_a_folder_that_cannot_be_written_is_rescued(tmp_path, monkeypatch):
    from optimizer.stochastic import run as stochastic_run

    case = newsvendor(tmp_path / "case", {"low": 40, "high": 80}, extra={"regret": False})
    real = stochastic_run.combined_tables
    calls = []

    def full_disk(*args):
        calls.append(1)
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        return real(*args)

    monkeypatch.setattr(stochastic_run, "combined_tables", full_disk)
    outcome = run_stochastic(case, out=tmp_path / "run")
    assert outcome.summary["rescued_from"] == str(tmp_path / "run")
    assert outcome.out_dir != tmp_path / "run" and (outcome.out_dir / "report.html").is_file()
    assert not (tmp_path / "run").exists()


def test_cvar_is_solved_whole_and_refused_for_the_decomposition(tmp_path):
    import yaml

    risk = {"cvar_alpha": 0.5, "cvar_weight": 0.5}
    case = newsvendor(tmp_path / "case", {"low": 40, "high": 80}, risk=risk,
                      extra={"equivalent_max_nonzeros": 1, "regret": False})      # auto would decompose
    assert run_stochastic(case, out=tmp_path / "run").summary["stochastic"]["method"] == "equivalent"
    config = yaml.safe_load(case.read_text())
    config["uncertainty"]["method"] = "decomposition"
    case.write_text(yaml.safe_dump(config, sort_keys=False))
    with pytest.raises(InputError) as exc:
        run_stochastic(case, out=tmp_path / "run2")
    assert "config.yaml:" in exc.value.render() and "cvar_weight" in exc.value.render()


def test_validate_refuses_what_run_refuses(tmp_path, monkeypatch, capsys):
    case = newsvendor(tmp_path / "case", {"low": 40, "high": 80})
    assert siting(monkeypatch, "validate", case, "--set", "objective.kind=max_compute") != 0
    assert "min_cost" in capsys.readouterr().err


def test_an_infeasible_plan_names_the_future_without_a_plan(tmp_path):
    # the campus holds 500 MW: 1,000 h100e in 2027 cannot be met in "huge", whatever is shared
    outcome = run_stochastic(newsvendor(tmp_path / "case", {"low": 40, "huge": 1000}), out=tmp_path / "run")
    assert outcome.status == "infeasible"
    assert "huge has no plan even on its own" in outcome.summary["message"]
    assert (outcome.out_dir / "report.html").is_file()


@pytest.mark.parametrize("risk", [None, {"cvar_alpha": 0.5, "cvar_weight": 0.5}])
def test_a_large_equivalent_starts_from_a_completed_plan(tmp_path, monkeypatch, risk):
    """From START_ROWS rows the equivalent starts from a scenario's own first stage completed everywhere,
    the dearest own optimum first (here high's: 80 units); the answer is the same."""
    from optimizer.inputs.load import load_all
    from optimizer.progress import Progress
    from optimizer.stochastic import run as stochastic_run
    from optimizer.stochastic.equivalent import build_equivalent

    case = newsvendor(tmp_path / "case", {"low": 40, "high": 80}, {"low": 0.6, "high": 0.4}, risk=risk)
    _, base = load_all(case)
    block = base.config.uncertainty
    members = [s.member for s in stochastic_run.load_scenarios(case, [], base, block, Progress())]
    eq = build_equivalent(members, block.risk.cvar_alpha, block.risk.cvar_weight)
    with stochastic_run._evaluator(1, None, 2, base.config.solver, Progress()) as evaluate:
        start = stochastic_run.starting_plan(members, eq, base.config.solver, evaluate, Progress())
        assert eq.plan(start)[("gpu_new_units", ("A", "X", 2026))] == 80
        assert [m.own[1] for m in members] == pytest.approx([40.0, 80.0])     # kept for the regret table
        monkeypatch.setattr(stochastic_run, "START_ROWS", 0)
        started = stochastic_run.solve_equivalent(members, base.config.solver, block.risk, Progress(), None, evaluate)
    monkeypatch.setattr(stochastic_run, "START_ROWS", 10**9)
    plain = stochastic_run.solve_equivalent(members, base.config.solver, block.risk, Progress())
    assert started.status == plain.status == "optimal"
    assert started.objective == pytest.approx(plain.objective)


def test_the_decomposition_finds_a_hedge_no_own_plan_gives(tmp_path):
    """80 units wanted in both futures. In "a" late units are capped at 30 (at least 50 bought early); in
    "b" early units are capped at 60 and late ones cost $0.5M. a's own plan (80 early) cannot be taken
    in b, b's own plan (all 80 late) cannot be completed in a: the plan for both together buys 50 to 60
    early, at ½ (X + 1.5 (80 − X)) + ½ (X + 0.5 (80 − X)) = $80M whatever X. One step: the own plans and
    their mean (40 early) all fail; the plan of the failing futures together is the incumbent."""
    import yaml

    case = newsvendor(tmp_path / "case", {"a": 80, "b": 80},
                      extra={"regret": False, "decomposition": {"max_iterations": 1}})
    config = yaml.safe_load(case.read_text())
    config["uncertainty"]["scenarios"][0]["set"]["data.gpus.Y.supply_gpus_per_year"] = 30
    config["uncertainty"]["scenarios"][1]["set"].update({"data.gpus.X.supply_gpus_per_year": 60,
                                                        "data.gpus.Y.price_usd_per_unit": 0.5e6})
    case.write_text(yaml.safe_dump(config, sort_keys=False))
    whole = run_stochastic(case, out=tmp_path / "eq", method="equivalent").summary["stochastic"]
    parts = run_stochastic(case, out=tmp_path / "dec", method="decomposition").summary["stochastic"]
    assert whole["objective_usd"] == pytest.approx(80 * M)
    assert parts["objective_usd"] == pytest.approx(80 * M) and parts["bound_usd"] <= 80 * M * (1 + 1e-9)
    early = next(r["value"] for r in parts["first_stage"] if r["decision"] == "GPUs bought")
    assert 50 <= early <= 60
