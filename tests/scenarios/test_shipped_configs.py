"""Regression tests for every shipped scenario: status, objective and sites chosen.

A change to the model or to the shipped data that moves one of these answers makes a test fail;
if the move is intended, run the config, check the new answer makes sense, and update the
expectation here together with configs/README.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from optimizer.pipeline import run_config, without_timings

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "configs"

# config -> (net present cost in USD, sites built, targets that must be met)
EXPECTED = {
    "example": (4.4706e9, {"memphis", "amarillo"}, {"2027", "2030"}),
    "colossus": (5.1435e9, {"memphis"}, {"2024", "2025"}),
    "gigafactory": (309.84e9, {"memphis", "southaven", "abilene", "richland", "new_albany", "new_carlisle",
                               "amarillo", "odessa", "temple", "sweetwater", "valdosta", "council_bluffs",
                               "pryor", "eagle_mountain", "lake_charles", "huntsville"},
                    {"2026", "2027", "2028", "2029", "2030"}),
}


def shipped() -> list[str]:
    return sorted(p.stem for p in CONFIGS.glob("*.yaml"))


FIRST_RUNS: dict[str, dict] = {}


def solve_shipped(name: str) -> dict:
    return run_config(CONFIGS / f"{name}.yaml", write=False).summary


def test_every_shipped_config_has_an_expectation():
    assert shipped() == sorted(EXPECTED), "add the new config's key results to EXPECTED"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shipped_config_answer(name):
    """A proven plan (optimal within the config's gap, never a time-limited one) whose cost is the
    expected one within that gap, with the expected campuses and targets."""
    cost, sites, targets = EXPECTED[name]
    summary = FIRST_RUNS[name] = solve_shipped(name)
    assert summary["status"] == "optimal", summary["message"]
    gap = yaml.safe_load((CONFIGS / f"{name}.yaml").read_text())["solver"]["mip_gap"]
    assert summary["mip_gap"] <= gap
    # both runs are within ``gap`` of the optimum, so they are within about ``gap`` of each other
    assert summary["objective_usd"] == pytest.approx(cost, rel=gap + 1e-4)
    assert set(summary["sites"]) == sites
    assert {y for y, met in summary["targets_met"].items() if met} == targets


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_same_config_same_plan(name):
    """HiGHS runs with pinned threads and seed: a second run gives the same summary.json but for
    its wall times, whatever the machine's load."""
    first = FIRST_RUNS.get(name) or solve_shipped(name)
    assert without_timings(solve_shipped(name)) == without_timings(first)
