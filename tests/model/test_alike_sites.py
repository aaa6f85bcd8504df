"""Alike campuses (optimizer/model/sites.py, ``alike`` and ``sites_order_lower``): interchangeable
campuses open in the sites table's order, at the cost the model has without the order rows.

Hand case: three alike 100 MW campuses A, B, C ($10M each to open) on gas at $1,000/kW and $30/MWh of
fuel (10 MMBtu/MWh × $3), 150 h100e of 1 MW units wanted in 2026 (one year, rate 0):

    campuses   2 of 3 (150 MW does not fit on one)      2 × $10M            =  $20.00M
    gas        150 MW × $1M/MW                                              = $150.00M
    fuel       150 MW × 8,760 h × $30/MWh                                   =  $39.42M
    total                                                                   = $209.42M

With the order rows the two campuses are A and B (the table's first two); without them, any two.
"""

from __future__ import annotations

import pytest
import pyomo.environ as pyo

from helpers import GAS, SITE, row, write_case
from optimizer.inputs.load import load_all
from optimizer.model.build import build_model
from optimizer.model.sites import alike
from optimizer.solve import solve

CAMPUS = row(SITE, gas_permit_mw=1000.0, site_capex_usd=10e6)
TARGET = {"targets": {"compute_h100e": {2026: 150}}, "solver": {"mip_gap": 0.0}}
TOTAL_MUSD = 20.0 + 150.0 + 39.42


def _sites(*changes: dict) -> list[dict]:
    return [row(CAMPUS, site_id=sid, name=f"site {sid}", lat=35.0 + i, lon=-90.0 - i, **extra)
            for i, (sid, extra) in enumerate(zip("ABC", changes))]


def _model(tmp_path, config=TARGET, sites=None, order_alike=True):
    path = write_case(tmp_path, config, sites=sites or _sites({}, {}, {}), techs=[GAS])
    _, inputs = load_all(path)
    return build_model(inputs, order_alike=order_alike), inputs


def _opened(m) -> list[str]:
    return [s for s in m.ix.sites if any(pyo.value(m.site_open[t, y]) > 0.5 for t, y in m.ix.site_years if t == s)]


def test_alike_campuses_open_in_table_order_at_the_same_cost(tmp_path):
    m, inputs = _model(tmp_path / "ordered")
    assert alike(m.ix) == [["A", "B", "C"]]      # name, lat and lon differ: reports and maps alone read them
    assert len(m.sites_order_lower) == 2         # A ≥ B and B ≥ C in 2026
    sol = solve(m, inputs.config.solver)
    assert sol.objective == pytest.approx(TOTAL_MUSD)
    assert _opened(m) == ["A", "B"]

    free, inputs = _model(tmp_path / "free", order_alike=False)
    assert not hasattr(free, "sites_order_lower")
    assert solve(free, inputs.config.solver).objective == pytest.approx(TOTAL_MUSD)
    assert len(_opened(free)) == 2


def test_a_campus_differing_in_one_column_is_not_alike(tmp_path):
    m, _ = _model(tmp_path, sites=_sites({}, {}, {"max_it_mw": 90.0}))
    assert alike(m.ix) == [["A", "B"]]


def test_a_campus_the_config_names_is_left_out(tmp_path):
    """B is forced open by a constraint: only A and C stay alike (C opens after A), and the plan opens B."""
    config = {**TARGET, "constraints": [{"kind": "force_site", "site": "B"}]}
    m, inputs = _model(tmp_path, config=config)
    assert alike(m.ix) == [["A", "C"]]
    sol = solve(m, inputs.config.solver)
    assert sol.objective == pytest.approx(TOTAL_MUSD)
    assert _opened(m) == ["A", "B"]


def test_no_alike_campuses_no_rows(tmp_path):
    m, _ = _model(tmp_path, sites=_sites({"pue": 1.1}, {"pue": 1.2}, {}))
    assert alike(m.ix) == [] and len(m.sites_order_lower) == 0


def test_stochastic_futures_are_built_without_the_order_rows(tmp_path, monkeypatch):
    """Futures share their decisions; campuses alike in one future may differ in another."""
    import optimizer.model.build as build
    from stochastic.cases import newsvendor
    from optimizer.stochastic.run import run_stochastic

    seen = []
    original = build.build_model

    def spy(inputs, relax_timing=False, order_alike=True):
        seen.append(order_alike)
        return original(inputs, relax_timing, order_alike)

    monkeypatch.setattr(build, "build_model", spy)
    run_stochastic(newsvendor(tmp_path / "case", {"low": 40, "high": 80}), out=tmp_path / "run")
    assert seen and not any(seen)
