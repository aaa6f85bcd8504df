"""The same plan at full and at aggregated resolution; hourly PUE and hourly grid prices.

All cases: discount rate 0, one-year lives, one 1 MW GPU unit (as in test_micro)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest

from helpers import GAS, SITE, hourly_profiles, row, solve_case

HOURS = 8760.0
SUNNY = [0.0] * 8 + [1.0] * 8 + [0.0] * 8
CLOUDY = [0.0] * 24
SOLAR = row(GAS, tech_id="pv", kind="solar", fuel="none", capex_usd_per_kw=100.0, heat_rate_btu_per_kwh=0.0,
            fuel_price_usd_per_mmbtu=0.0, co2_kg_per_mmbtu=0.0, firm_credit=0.0, clean=True)
BATTERY = row(GAS, tech_id="bat", kind="storage", fuel="none", capex_usd_per_kw=300.0, heat_rate_btu_per_kwh=0.0,
              fuel_price_usd_per_mmbtu=0.0, co2_kg_per_mmbtu=0.0, storage_hours=48.0, round_trip_efficiency=0.81,
              firm_credit=1.0)
GAS_BACKUP = row(GAS, capex_usd_per_kw=1000.0, fuel_price_usd_per_mmbtu=20.0)  # $200/MWh of fuel


def two_day_year() -> pd.DataFrame:
    """Two sunny days then a cloudy one, repeated through the year."""
    days = [{"solar_cf": SUNNY if d % 3 != 2 else CLOUDY, "wind_cf": [0.0] * 24} for d in range(365)]
    return hourly_profiles(days=days)


def storage_case(tmp_path, time_slices):
    site = row(SITE, solar_land_mw=100.0, gas_permit_mw=10.0)
    config = {"targets": {"compute_h100e": {2026: 1}}, "time_slices": {"hours_per_slice": 1, **time_slices}}
    return solve_case(tmp_path, config, sites=[site], techs=[SOLAR, BATTERY, GAS_BACKUP], profiles=two_day_year())


def test_linked_typical_days_match_the_full_year(tmp_path):
    """Two typical days represent this year exactly; with storage linked across days in calendar
    order the plan costs what the full 8,760-hour solve costs. Without linking, energy cannot be
    carried into the cloudy day, so gas runs and the plan costs more."""
    _, full = storage_case(tmp_path / "full", {"resolution": "full_year"})
    m_linked, linked = storage_case(tmp_path / "linked", {"representative_days": 2, "link_days": True})
    _, cyclic = storage_case(tmp_path / "cyclic", {"representative_days": 2})
    assert full.status == linked.status == cyclic.status == "optimal"
    assert linked.objective == pytest.approx(full.objective, rel=1e-6)
    assert cyclic.objective > full.objective * 1.05
    assert len(m_linked.soc_day_mwh) == 365
    # the battery carries a cloudy day: 24 MWh of load at 0.9 discharge efficiency
    assert pyo.value(m_linked.cap_mw["A", "bat", 2026]) * 48 >= 24 / 0.9 - 1e-6


def test_pue_rises_with_temperature(tmp_path):
    """PUE 1.1 at 10 °C and 1.2 at 30 °C (0.01 per °C above 20 °C) for 6 hours a day: energy is
    365 · (18 · 1.1 + 6 · 1.2) MWh per MW of IT, and firm capacity must cover 1.2 MW."""
    temperature = np.tile([10.0] * 12 + [30.0] * 6 + [10.0] * 6, 365)
    site = row(SITE, pue=1.1, grid_existing_mw=10.0)
    config = {"targets": {"compute_h100e": {2026: 1}}, "time_slices": {"resolution": "full_year", "hours_per_slice": 1},
              "facility": {"pue_from_temperature": True, "pue_rise_per_degree_c": 0.01, "pue_reference_c": 20}}
    m, sol = solve_case(tmp_path, config, sites=[site], techs=[],
                        profiles=hourly_profiles(solar_cf=0.0, temperature_c=temperature))
    assert sol.objective == pytest.approx(365 * (18 * 1.1 + 6 * 1.2) * 50 / 1e6)
    assert pyo.value(m.need_mw["A", 2026]) == pytest.approx(1.2)
    assert pyo.value(m.load_mwh[2026]) == pytest.approx(365 * (18 * 1.1 + 6 * 1.2))


def test_hourly_grid_price_and_carbon(tmp_path):
    """$100/MWh and 600 kg/MWh at night, $20 and 200 kg by day: a 1 MW load pays
    365 · 12 · (100 + 20) USD and emits 365 · 12 · (0.6 + 0.2) t."""
    stamps = pd.date_range("2023-01-01", periods=8760, freq="h", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    night = np.tile([True] * 12 + [False] * 12, 365)
    grid = pd.DataFrame({"timestamp": stamps, "region_id": "R1", "price_usd_per_mwh": np.where(night, 100.0, 20.0),
                         "co2_kg_per_mwh": np.where(night, 600.0, 200.0)})
    site = row(SITE, grid_existing_mw=10.0)
    config = {"targets": {"compute_h100e": {2026: 1}}, "time_slices": {"representative_days": 2, "hours_per_slice": 1}}
    m, sol = solve_case(tmp_path, config, sites=[site], techs=[], profiles=hourly_profiles(solar_cf=0.0),
                        grid_profiles=grid)
    assert sol.objective == pytest.approx(365 * 12 * (100 + 20) / 1e6)
    assert pyo.value(m.emissions_t[2026]) == pytest.approx(365 * 12 * (0.6 + 0.2))
