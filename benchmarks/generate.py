"""Synthetic instances of a chosen size: sites × years × techs × GPU products × slices.

``write_instance(folder, n_sites, n_years, n_techs, n_gpus, n_slices, seed)`` writes data tables
and a config into ``folder`` and returns the config path. Sites are spread over regions of five
sites each, with seeded random sizes, prices, permits and land; the compute target grows from the
third year to about 30% of what the sites can hold (``target_share``), so that siting choices matter.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

import pandas as pd
import yaml

DATA = Path(__file__).resolve().parents[1] / "data"
TECH_ORDER = ["gas_recip", "solar_pv", "battery_4h", "wind", "gas_aero", "ccgt", "fuel_cell", "smr"]
GPU_ORDER = ["GB200", "GB300", "B200", "MI355X", "H200", "RUBIN", "H100"]


def write_instance(folder: Path, n_sites: int, n_years: int, n_techs: int, n_gpus: int, n_slices: int,
                   seed: int = 0, time_limit_s: float = 600.0, mip_gap: float = 0.01,
                   target_share: float = 0.3) -> Path:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    first = 2026
    n_regions = max(1, math.ceil(n_sites / 5))
    regions = pd.DataFrame([{
        "region_id": f"R{r}", "name": f"region {r}", "grid_price_usd_per_mwh": rng.uniform(45, 90),
        "grid_co2_kg_per_mwh": rng.uniform(250, 550), "grid_clean_share": rng.uniform(0.1, 0.5),
        "grid_firm_fraction": 1.0, "headroom_mw": rng.choice([300, 600, 1000]),
        "headroom_growth_mw_per_year": rng.choice([100, 300, 500])} for r in range(n_regions)])
    sites = pd.DataFrame([{
        "site_id": f"S{i:03d}", "name": f"site {i}", "region_id": f"R{i // 5}", "lat": 30 + rng.random() * 15,
        "lon": -120 + rng.random() * 40, "max_it_mw": rng.choice([200, 500, 1000, 2000]),
        "lead_time_years": rng.choice([0, 1, 2]), "site_capex_usd": rng.uniform(50e6, 300e6),
        "shell_capex_usd_per_kw": 10000, "lifetime_years": 30, "pue": rng.choice([1.1, 1.15, 1.2]),
        "grid_existing_mw": rng.choice([0, 100, 300]), "grid_upgrade_max_mw": rng.choice([0, 500, 1000]),
        "grid_upgrade_usd_per_kw": rng.uniform(150, 400), "grid_queue_year": first + rng.choice([0, 1, 2, 3]),
        "gas_permit_mw": rng.choice([0, 500, 1500]), "solar_land_mw": rng.choice([0, 500, 1500]),
        "wind_land_mw": rng.choice([0, 500, 1500]), "profile_zone": "Z0"} for i in range(n_sites)])
    techs = pd.read_csv(DATA / "techs.csv").set_index("tech_id").loc[TECH_ORDER[:n_techs]].reset_index()
    gpus = pd.read_csv(DATA / "gpus.csv").set_index("gpu_id").loc[GPU_ORDER[:n_gpus]].reset_index()
    gpus["first_year"], gpus["last_year"], gpus["supply_gpus_per_year"] = first, "", ""
    profiles, hours_per_slice = _profiles(n_slices)
    for name, frame in (("regions", regions), ("sites", sites), ("techs", techs), ("gpus", gpus),
                        ("profiles", profiles)):
        frame.to_csv(folder / f"{name}.csv", index=False)
    capacity_h100e = float(sites.max_it_mw.sum()) * 1000 / 132 * 72 * 2.5
    years = list(range(first, first + n_years))
    ramp = years[min(2, n_years - 1):]
    targets = {y: float(round(target_share * capacity_h100e * (i + 1) / len(ramp), -3)) for i, y in enumerate(ramp)}
    config = {
        "name": f"bench-{n_sites}x{n_years}x{n_techs}x{n_gpus}x{n_slices}",
        "horizon": {"first_year": first, "last_year": years[-1], "discount_rate": 0.07},
        "data": {k: f"{k}.csv" for k in ("sites", "regions", "techs", "gpus", "profiles")},
        "time_slices": {"hours_per_slice": hours_per_slice},
        "targets": {"compute_h100e": targets},
        "solver": {"time_limit_s": time_limit_s, "mip_gap": mip_gap},
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _profiles(n_slices: int) -> tuple[pd.DataFrame, int]:
    """Representative days whose slices number ``n_slices``: 1, 2 or 4 days spread over the year,
    taken from the shipped hourly ERCOT-W profile, each standing for an equal share of the year."""
    hourly = pd.read_csv(DATA / "profiles_hourly.csv.gz")
    zone = hourly[hourly.zone == "ERCOT-W"].reset_index(drop=True)
    for days in (1, 2, 4):
        per_day = n_slices // days
        if per_day * days == n_slices and per_day in (1, 2, 3, 4, 6, 8, 12, 24):
            rows = []
            for i, start_day in enumerate(range(15, 365, 365 // days)[:days]):
                block = zone.iloc[start_day * 24:(start_day + 1) * 24]
                rows += [{"zone": "Z0", "day": f"d{i}", "hour": h, "weight_days": 365 / days,
                          "solar_cf": r.solar_cf, "wind_cf": r.wind_cf} for h, r in enumerate(block.itertuples())]
            return pd.DataFrame(rows), 24 // per_day
    raise ValueError(f"cannot make {n_slices} slices from up to 4 days of 24 hours")
