"""Sweep files: designs, scenario lists, distributions, and located mistakes."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from optimizer.errors import InputError
from optimizer.sweep.design import draw, scenarios, unit_samples
from optimizer.sweep.execute import prepare
from optimizer.sweep.spec import Axis, read_sweep

from sweep.cases import GRID, sweep_file


def problems(path) -> list[str]:
    with pytest.raises(InputError) as err:
        prepare(path, store=path.parent / "store.duckdb")
    return [p.render() for p in err.value.problems]


def test_grid_is_every_combination_in_order(tmp_path):
    sweep = read_sweep(sweep_file(tmp_path, GRID))
    found = scenarios(sweep.spec)
    assert sweep.spec.count() == len(found) == 12
    assert [s.id for s in found[:3]] == ["s001", "s002", "s003"]
    assert [s.labels for s in found[:2]] == [{"target": "40", "carbon": "0"}, {"target": "40", "carbon": "50"}]
    assert found[-1].overrides == ["targets.compute_h100e={2026: 80}", "policy.carbon_price_usd_per_t=150"]


def test_one_at_a_time_varies_each_axis_around_the_base(tmp_path):
    body = {**copy.deepcopy(GRID), "design": "one_at_a_time"}
    body["axes"]["carbon"] = {**body["axes"]["carbon"], "base": 50}
    found = scenarios(read_sweep(sweep_file(tmp_path, body)).spec)
    # base = middle target (60) and carbon 50; then 40 and 80 alone; then 0, 100, 150 alone
    assert [(s.role, s.labels["target"], s.labels["carbon"]) for s in found] == [
        ("base", "60", "50"), ("target", "40", "50"), ("target", "80", "50"),
        ("carbon", "60", "0"), ("carbon", "60", "100"), ("carbon", "60", "150")]


def test_named_scenarios_carry_their_own_overrides(tmp_path):
    body = {"design": "scenarios", "set": {"solver.mip_gap": 0.01},
            "scenarios": [{"name": "low", "set": {"policy.carbon_price_usd_per_t": 0}},
                          {"name": "high", "set": {"policy.carbon_price_usd_per_t": 200}}]}
    found = scenarios(read_sweep(sweep_file(tmp_path, body)).spec)
    assert [s.id for s in found] == ["low", "high"]
    assert found[1].overrides == ["solver.mip_gap=0.01", "policy.carbon_price_usd_per_t=200"]


def test_sampled_designs_come_from_salib_and_repeat_with_the_seed(tmp_path):
    axes = {"carbon": {"key": "policy.carbon_price_usd_per_t", "distribution": {"kind": "uniform", "low": 0,
                                                                                  "high": 100}},
            "target": {"key": "reliability.reserve_margin", "distribution": {"kind": "triangular", "low": 0,
                                                                               "mode": 0.1, "high": 0.2}}}
    counts = {"latin_hypercube": 8, "sobol": 8 * 4, "morris": 8 * 3}
    for design, n in counts.items():
        spec = read_sweep(sweep_file(tmp_path, {"design": design, "samples": 8, "seed": 3, "axes": axes})).spec
        first, again = unit_samples(spec), unit_samples(spec)
        assert first.shape == (n, 2) and spec.count() == n
        np.testing.assert_array_equal(first, again)
        values = [s.values["carbon"] for s in scenarios(spec)]
        assert all(0 <= v <= 100 for v in values) and len(set(values)) > 1
    lhs = read_sweep(sweep_file(tmp_path, {"design": "latin_hypercube", "samples": 10, "axes": axes})).spec
    u = unit_samples(lhs)[:, 0]   # a Latin hypercube: one draw in each tenth
    assert sorted(np.floor(u * 10).astype(int)) == list(range(10))


@pytest.mark.parametrize("dist, u, expected", [
    ({"kind": "uniform", "low": 2, "high": 6}, 0.25, 3.0),
    ({"kind": "triangular", "low": 0, "mode": 1, "high": 2}, 0.5, 1.0),
    ({"kind": "triangular", "low": 0, "mode": 0, "high": 1}, 0.75, 0.5),      # 1 - sqrt(1 - 0.75)
    ({"kind": "normal", "mean": 10, "sd": 2}, 0.5, 10.0),
    ({"kind": "discrete", "values": ["a", "b", "c"], "weights": [1, 2, 1]}, 0.2, "a"),
    ({"kind": "discrete", "values": ["a", "b", "c"], "weights": [1, 2, 1]}, 0.5, "b"),
    ({"kind": "discrete", "values": ["a", "b", "c"], "weights": [1, 2, 1]}, 0.99, "c"),
])
def test_draws_follow_the_quantile_function(dist, u, expected):
    assert draw(Axis(key="x.y", distribution=dist), u) == pytest.approx(expected)


def test_normal_draws_stay_inside_the_tails_and_bounds():
    axis = Axis(key="x.y", distribution={"kind": "normal", "mean": 0, "sd": 1, "low": -1})
    assert draw(axis, 0.0) == pytest.approx(-1.0)
    assert draw(axis, 1.0) == pytest.approx(3.090232, rel=1e-5)   # the 99.9% quantile
    assert draw(Axis(key="x.y", distribution={"kind": "uniform", "low": 0, "high": 10}, round=0), 0.46) == 5


def test_mistakes_name_the_sweep_file_line(tmp_path):
    body = {"design": "grid", "axes": {
        "target": {"key": "targets.compute_h100e", "values": [{2026: 40}], "labels": ["a", "b"]},
        "carbon": {"key": "policy.carbon_price_usd_per_t", "values": [1], "distribution": {"kind": "nope"}}},
        "seeds": 3}
    found = problems(sweep_file(tmp_path, body))
    text = "\n".join(found)
    assert "sweep.yaml:" in text
    assert "unknown key 'seeds'" in text and "did you mean 'seed'" in text
    assert "2 labels for 1 values" in text
    assert "axes.carbon.distribution" in text


def test_design_needs_are_checked(tmp_path):
    assert any("needs samples" in p for p in problems(sweep_file(tmp_path, {
        "design": "morris", "axes": {"a": {"key": "solver.mip_gap", "values": [0.1, 0.2]}}})))
    assert any("needs values for axes a" in p for p in problems(sweep_file(tmp_path, {
        "design": "grid", "axes": {"a": {"key": "solver.mip_gap",
                                         "distribution": {"kind": "uniform", "low": 0, "high": 1}}}})))
    assert any("is both in set and an axis" in p for p in problems(sweep_file(tmp_path, {
        "set": {"solver.mip_gap": 0.1}, "axes": {"a": {"key": "solver.mip_gap", "values": [0.1]}}})))
    assert any("config file not found" in p for p in problems(sweep_file(tmp_path, {
        "config": "missing.yaml", "axes": {"a": {"key": "solver.mip_gap", "values": [0.1]}}})))
    assert any("not a plain name" in p for p in problems(sweep_file(tmp_path, {
        "name": "../up", "axes": {"a": {"key": "solver.mip_gap", "values": [0.1]}}})))


def test_a_bad_axis_value_names_the_value_and_the_scenario(tmp_path):
    body = {"axes": {"gap": {"key": "solver.mip_gap", "values": [0.01, -1]},
                     "typo": {"key": "solver.mip_gapp", "values": [0.1]}}}
    path = sweep_file(tmp_path, body)
    found = problems(path)
    lines = path.read_text().splitlines()
    bad = next(p for p in found if "axes.gap" in p)
    line = int(bad.split(":")[1])
    assert "- -1" in lines[line - 1] and "scenario s002" in bad
    assert any("axes.typo" in p and "unknown key 'mip_gapp'" in p for p in found)


def test_a_value_the_data_refuses_is_found_before_running(tmp_path):
    body = {"axes": {"year": {"key": "targets.compute_h100e", "values": [{2031: 10}]}}}
    found = problems(sweep_file(tmp_path, body))
    assert any("axes.year" in p and "2031" in p for p in found)
