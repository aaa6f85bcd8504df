"""The full-year single-site case of the performance benchmarks: one site, 8,760 hours, solar, wind,
gas, a 4-hour battery and a 50 MW grid connection, 100 MW of GPUs (the shipped hourly profiles of
the first zone).

    .venv/bin/python benchmarks/full_year_case.py FOLDER     # writes FOLDER/config.yaml and its tables
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from helpers import GAS, GPU, SITE, row, write_case  # noqa: E402

def make(folder: Path) -> Path:
    prof = pd.read_csv(ROOT / "data" / "profiles_hourly.csv.gz")
    zone = prof["zone"].iloc[0]
    p = prof[prof.zone == zone].copy()
    p["zone"] = "Z"
    techs = [row(GAS, tech_id="gas", capex_usd_per_kw=1000.0, lifetime_years=25),
             row(GAS, tech_id="pv", kind="solar", fuel="none", capex_usd_per_kw=1200.0, firm_credit=0.0,
                 lifetime_years=30, heat_rate_btu_per_kwh=0.0),
             row(GAS, tech_id="wind", kind="wind", fuel="none", capex_usd_per_kw=1500.0, firm_credit=0.0,
                 lifetime_years=30, heat_rate_btu_per_kwh=0.0),
             row(GAS, tech_id="bat", kind="storage", fuel="none", capex_usd_per_kw=1500.0, storage_hours=4.0,
                 firm_credit=0.5, round_trip_efficiency=0.85, lifetime_years=15, heat_rate_btu_per_kwh=0.0)]
    site = row(SITE, grid_existing_mw=50.0, gas_permit_mw=500.0, solar_land_mw=500.0, wind_land_mw=500.0,
               max_it_mw=200.0, lifetime_years=30)
    config = {"targets": {"compute_h100e": {2026: 100}}, "time_slices": {"resolution": "full_year", "hours_per_slice": 1},
              "horizon": {"first_year": 2026, "last_year": 2026, "discount_rate": 0.07},
              "solver": {"time_limit_s": 600, "mip_gap": 0.001, "integer_gpus": False}}
    return write_case(folder, config, sites=[site], techs=techs, gpus=[row(GPU, lifetime_years=5, price_usd_per_unit=1e5)], profiles=p)

if __name__ == "__main__":
    print(make(Path(sys.argv[1])))
