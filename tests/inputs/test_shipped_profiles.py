"""The shipped hourly profiles are exactly what data/make_profiles.py writes, and look right."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[2] / "data"


def test_generator_reproduces_the_shipped_files(tmp_path):
    spec = importlib.util.spec_from_file_location("make_profiles", DATA / "make_profiles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for name in ("profiles_hourly.csv.gz", "grid_hourly.csv.gz"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / name), pd.read_csv(DATA / name))


def test_shipped_profiles_match_their_calibration():
    profiles = pd.read_csv(DATA / "profiles_hourly.csv.gz")
    means = profiles.groupby("zone")[["solar_cf", "wind_cf"]].mean()
    assert means.loc["SOUTHWEST", "solar_cf"] == pytest.approx(0.29, abs=1e-3)
    assert means.loc["ERCOT-W", "wind_cf"] == pytest.approx(0.42, abs=1e-3)
    assert profiles.groupby("zone").size().eq(8760).all()
    # solar is zero at night: at 09:00 UTC (03:00 in Texas) nothing is produced
    night = profiles[profiles.timestamp.str.endswith("T09:00:00Z")]
    assert night["solar_cf"].max() == 0.0
    grid = pd.read_csv(DATA / "grid_hourly.csv.gz")
    regions = pd.read_csv(DATA / "regions.csv").set_index("region_id")
    price = grid.groupby("region_id")["price_usd_per_mwh"].mean()
    assert price.loc["ERCOT"] == pytest.approx(regions.at["ERCOT", "grid_price_usd_per_mwh"], rel=1e-3)
