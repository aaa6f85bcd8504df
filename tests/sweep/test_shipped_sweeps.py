"""The shipped sweep files are valid: every scenario's config composes, validates and hashes apart
(running them is for `siting sweep`, not for the test suite)."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.sweep.execute import prepare

SWEEPS = sorted((Path(__file__).resolve().parents[2] / "configs" / "sweeps").glob("*.yaml"))


@pytest.mark.parametrize("path", SWEEPS, ids=[p.stem for p in SWEEPS])
def test_shipped_sweep_is_valid(path, tmp_path):
    prepared = prepare(path, out=tmp_path / "out", store=tmp_path / "store.duckdb")
    assert len(prepared.scenarios) == 27
    assert len(set(prepared.hashes.values())) == 27        # every scenario is a different model
    assert prepared.name == path.stem


def test_both_shipped_sweeps_are_there():
    assert {p.stem for p in SWEEPS} == {"colossus_power_mix", "gigafactory_assumptions"}
