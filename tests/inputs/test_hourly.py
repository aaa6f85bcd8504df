"""Hourly inputs: the checks on a year of hours, and the representative days tsam finds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import SITE, hourly_profiles, row, write_case
from optimizer.errors import InputError
from optimizer.inputs.load import load_all

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
SHIPPED = pd.read_csv(ROOT / "data" / "profiles_hourly.csv.gz")


def case(tmp_path, profiles, time_slices=None, **kw):
    config = {"time_slices": {"hours_per_slice": 1, **(time_slices or {})}}
    return write_case(tmp_path, config, sites=[row(SITE, solar_land_mw=10.0, wind_land_mw=10.0)],
                      profiles=profiles, **kw)


def problems_of(path) -> str:
    with pytest.raises(InputError) as caught:
        load_all(path)
    return caught.value.render()


def test_naive_timestamps_are_refused(tmp_path):
    frame = hourly_profiles(solar_cf=0.2)
    frame["timestamp"] = frame["timestamp"].str.rstrip("Z")
    text = problems_of(case(tmp_path, frame))
    assert "profiles.csv:2: row 2, column timestamp: timestamp '2023-01-01T00:00:00' has no UTC offset" in text


def test_leap_year_gap_and_duplicate_are_named(tmp_path):
    stamps = pd.date_range("2024-01-01", periods=8784, freq="h", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    leap = pd.DataFrame({"timestamp": stamps, "zone": "Z", "solar_cf": 0.2})
    assert "has 8,784 hours; a year needs 8,760 (fix: drop 29 February)" in problems_of(case(tmp_path / "a", leap))
    gap = hourly_profiles(solar_cf=0.2).drop(index=100)
    assert "hours are missing after 2023-01-05 03:00 UTC" in problems_of(case(tmp_path / "b", gap))
    dup = hourly_profiles(solar_cf=0.2)
    dup.loc[101, "timestamp"] = dup.loc[100, "timestamp"]
    assert "hour 2023-01-05 04:00 UTC appears twice" in problems_of(case(tmp_path / "c", dup))


def test_capacity_factor_out_of_range_names_the_row(tmp_path):
    frame = hourly_profiles(solar_cf=0.2, wind_cf=0.3)
    frame.loc[9, "wind_cf"] = 1.7
    assert "profiles.csv:11: row 11, column wind_cf: 1.7 is above the maximum 1" in problems_of(case(tmp_path, frame))


def test_offsets_are_read_as_utc(tmp_path):
    frame = hourly_profiles(solar_cf=np.tile(np.r_[np.zeros(12), np.ones(12)], 365))
    local = pd.to_datetime(frame["timestamp"]).dt.tz_convert("-06:00")
    frame["timestamp"] = local.dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    _, inputs = load_all(case(tmp_path, frame, {"resolution": "full_year"}))
    assert len(inputs.slices.table) == 8760
    assert inputs.slices.cf.loc[("Z", "h0012"), "solar_cf"] == 1.0


@pytest.mark.parametrize("k", [4, 8])
def test_typical_days_keep_annual_energy_and_weights(tmp_path, k):
    year = SHIPPED[SHIPPED.zone == "ERCOT-W"].assign(zone="Z")
    _, inputs = load_all(case(tmp_path, year, {"representative_days": k, "hours_per_slice": 2}))
    table = inputs.slices.table
    assert table["weight_h"].sum() == pytest.approx(8760)
    assert table["period"].nunique() == k
    w = table.set_index("slice")["weight_h"]
    for column in ("solar_cf", "wind_cf"):
        kept = (inputs.slices.cf.loc["Z", column] * w).sum()
        assert kept == pytest.approx(year[column].sum(), rel=2e-3), column
    assert len(inputs.slices.calendar) == 365


def test_extreme_days_keep_the_peaks(tmp_path):
    year = SHIPPED[SHIPPED.zone == "TVA"].assign(zone="Z")
    settings = {"representative_days": 4, "extreme_days": ["hottest", "lowest_wind"]}
    _, inputs = load_all(case(tmp_path, year, settings))
    cf = inputs.slices.cf.loc["Z"]
    assert cf["temperature_c"].max() == pytest.approx(year["temperature_c"].max())
    table = inputs.slices.table.set_index("slice")
    daily_wind = cf["wind_cf"].groupby(table["period"]).mean()
    assert daily_wind.min() == pytest.approx(year["wind_cf"].to_numpy().reshape(365, 24).mean(axis=1).min(), rel=1e-6)
    assert table["period"].nunique() == 6
    _, plain = load_all(case(tmp_path / "plain", year, {"representative_days": 4}))
    assert plain.slices.cf.loc["Z", "temperature_c"].max() < year["temperature_c"].max()


def test_days_and_full_year_need_the_right_table(tmp_path):
    year = hourly_profiles(solar_cf=0.2)
    assert "days picks from a representative-day table" in problems_of(case(tmp_path / "a", year, {"days": ["d1"]}))
    text = problems_of(case(tmp_path / "b", None, {"resolution": "full_year", "link_days": True}))
    assert "time_slices.resolution: full_year needs hourly profiles" in text
    assert "time_slices.link_days: linking days needs hourly profiles" in text
