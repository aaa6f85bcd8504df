"""The shipped stochastic configs: colossus_uncertain solved (about 20 s), gigafactory_uncertain
checked future by future (its run takes minutes: configs/README.md gives its answer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.inputs.load import load_all
from optimizer.stochastic.futures import futures
from optimizer.stochastic.run import run_stochastic

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
M = 1e6


def test_colossus_uncertain(tmp_path):
    """configs/README.md: the first ten months are the same in every future but one; engines in six
    months would be worth $25.6M to a plan that could count on them, and such a plan fails elsewhere."""
    outcome = run_stochastic(CONFIGS / "colossus_uncertain.yaml", out=tmp_path / "run")
    st = outcome.summary["stochastic"]
    assert outcome.status == "optimal" and st["gap"] <= 1e-4
    assert st["expected_cost_usd"] == pytest.approx(3481.2 * M, rel=2e-4)
    assert st["evpi_usd"] == pytest.approx(5.1 * M, abs=1.5 * M)
    assert st["vss_usd"] == pytest.approx(0.0, abs=1.0 * M)
    regret = st["regret"]
    fast = regret["plans"].index("engines_fast")
    assert regret["max_regret_usd"][fast] is None                     # it cannot be carried out elsewhere
    assert {r["scenario"] for r in regret["cannot_complete"] if r["plan"] == "engines_fast"} == \
        {"as_planned", "gas_high", "grid_late", "gas_high_grid_late"}
    assert all("gas_recip" in r["reason"] for r in regret["cannot_complete"] if r["plan"] == "engines_fast")
    stochastic = regret["plans"].index("stochastic")
    assert regret["max_regret_usd"][stochastic] == pytest.approx(25.6 * M, abs=1.0 * M)
    assert any(r["item"] == "gas_mobile" and r["decision"] == "power rented" for r in st["first_stage"])
    assert (outcome.out_dir / "report.html").is_file()


def test_gigafactory_uncertain_futures_all_load():
    loaded, base = load_all(CONFIGS / "gigafactory_uncertain.yaml", cluster=False)
    found = futures(base.config.uncertainty, CONFIGS / "gigafactory_uncertain.yaml")
    assert [f.name for f in found] == ["as_planned", "rubin_short", "headroom_short", "rubin_and_headroom_more"]
    assert sum(f.probability for f in found) == pytest.approx(1.0)
    for f in found:
        _, inputs = load_all(CONFIGS / "gigafactory_uncertain.yaml", f.overrides, cluster=False)
        assert [p.key for p in inputs.periods] == [p.key for p in base.periods]
