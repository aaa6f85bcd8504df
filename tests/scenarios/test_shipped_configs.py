"""Regression tests for every shipped scenario: status, objective and sites chosen.

A change to the model or to the shipped data that moves one of these answers makes a test fail;
if the move is intended, run the config, check the new answer makes sense, and update the
expectation here together with configs/README.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.pipeline import run_config

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
# The MIP gap of each run is at most 1% (example: 0.1%); an answer may move by that much with the
# solver's path.
TOLERANCE = 0.015


def shipped() -> list[str]:
    return sorted(p.stem for p in CONFIGS.glob("*.yaml"))


def test_every_shipped_config_has_an_expectation():
    assert shipped() == sorted(EXPECTED), "add the new config's key results to EXPECTED"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shipped_config_answer(name):
    cost, sites, targets = EXPECTED[name]
    outcome = run_config(CONFIGS / f"{name}.yaml", write=False)
    summary = outcome.summary
    assert summary["status"] == "optimal", summary["message"]
    assert summary["objective_usd"] == pytest.approx(cost, rel=TOLERANCE)
    assert set(summary["sites"]) == sites
    assert {y for y, met in summary["targets_met"].items() if met} == targets
