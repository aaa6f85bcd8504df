"""Build tiny, hand-checkable cases: data tables and a config written into a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from optimizer.inputs.load import load_all
from optimizer.model.build import build_model
from optimizer.solve import solve

REGION = {"region_id": "R1", "name": "region one", "grid_price_usd_per_mwh": 50.0, "grid_co2_kg_per_mwh": 400.0,
          "grid_clean_share": 0.0, "grid_firm_fraction": 1.0, "headroom_mw": "", "headroom_growth_mw_per_year": 0.0}
SITE = {"site_id": "A", "name": "site A", "region_id": "R1", "lat": 35.0, "lon": -90.0, "max_it_mw": 100.0,
        "lead_time_years": 0, "site_capex_usd": 0.0, "shell_capex_usd_per_kw": 0.0, "lifetime_years": 1, "pue": 1.0,
        "grid_existing_mw": 0.0, "grid_upgrade_max_mw": 0.0, "grid_upgrade_usd_per_kw": 0.0, "grid_queue_year": 0,
        "gas_permit_mw": 0.0, "solar_land_mw": 0.0, "wind_land_mw": 0.0, "water_mgd": "", "profile_zone": "Z"}
GAS = {"tech_id": "gas", "name": "gas engine", "kind": "thermal", "fuel": "gas", "capex_usd_per_kw": 1000.0,
       "fom_usd_per_kw_year": 0.0, "vom_usd_per_mwh": 0.0, "heat_rate_btu_per_kwh": 10000.0,
       "fuel_price_usd_per_mmbtu": 3.0, "co2_kg_per_mmbtu": 50.0, "lead_time_years": 0, "lifetime_years": 1,
       "unit_mw": 0.0, "availability": 1.0, "firm_credit": 1.0, "storage_hours": 0.0, "round_trip_efficiency": 1.0,
       "clean": False, "first_year": 0, "max_mw_per_site": ""}
GPU = {"gpu_id": "X", "name": "1 MW test unit", "unit_name": "rack", "gpus_per_unit": 1, "it_kw_per_unit": 1000.0,
       "h100e_per_gpu": 1.0, "price_usd_per_unit": 0.0, "first_year": 2000, "last_year": 9999, "lifetime_years": 1,
       "supply_gpus_per_year": ""}


def row(base: dict, **changes) -> dict:
    return {**base, **changes}


def flat_profiles(zones=("Z",), solar=None, wind=None) -> pd.DataFrame:
    """One representative day standing for 365 days; capacity factors per hour (default 0)."""
    rows = []
    for z in zones:
        for h in range(24):
            rows.append({"zone": z, "day": "d1", "hour": h, "weight_days": 365,
                         "solar_cf": solar[h] if solar else 0.0, "wind_cf": wind[h] if wind else 0.0})
    return pd.DataFrame(rows)


def hourly_profiles(zone: str = "Z", days: list[dict] | None = None, **columns) -> pd.DataFrame:
    """An hourly year (2023, UTC) for one zone. ``columns`` give 8,760 values (or one number) per
    column; ``days`` gives 365 dicts of 24-hour lists per column instead."""
    stamps = pd.date_range("2023-01-01", periods=8760, freq="h", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    frame = pd.DataFrame({"timestamp": stamps, "zone": zone})
    if days is not None:
        for name in days[0]:
            frame[name] = [v for day in days for v in day[name]]
    for name, values in columns.items():
        frame[name] = values
    return frame


def write_case(folder: Path, config: dict, sites=(SITE,), regions=(REGION,), techs=(GAS,), gpus=(GPU,),
               profiles: pd.DataFrame | None = None, grid_profiles: pd.DataFrame | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows, template in (("sites", sites, SITE), ("regions", regions, REGION), ("techs", techs, GAS),
                                 ("gpus", gpus, GPU)):
        columns = list(dict.fromkeys([*template, *(key for r in rows for key in r)]))   # template + extra columns
        pd.DataFrame(list(rows), columns=columns).to_csv(folder / f"{name}.csv", index=False)
    (profiles if profiles is not None else flat_profiles()).to_csv(folder / "profiles.csv", index=False)
    if grid_profiles is not None:
        grid_profiles.to_csv(folder / "grid_profiles.csv", index=False)
    full = {"horizon": {"first_year": 2026, "last_year": 2026, "discount_rate": 0.0},
            "data": {k: f"{k}.csv" for k in ("sites", "regions", "techs", "gpus", "profiles")}
            | ({"grid_profiles": "grid_profiles.csv"} if grid_profiles is not None else {}),
            "time_slices": {"hours_per_slice": 24}, "reliability": {"reserve_margin": 0.0},
            "solver": {"time_limit_s": 60, "mip_gap": 0.0, "integer_gpus": True}}   # whole units: hand-checkable
    for key, value in config.items():
        full[key] = {**full.get(key, {}), **value} if isinstance(value, dict) and isinstance(full.get(key), dict) \
            else value
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(full, sort_keys=False))
    return path


def solve_case(folder: Path, config: dict, **tables):
    """Write, load, build and solve a case; return (model, solution)."""
    path = write_case(folder, config, **tables)
    _, inputs = load_all(path)
    m = build_model(inputs)
    solution = solve(m, inputs.config.solver, inputs.config.objective.kind)
    return m, solution


def siting(monkeypatch, *args) -> int:
    """Run the ``siting`` command in-process with ``args``; its exit code."""
    import sys

    import pytest

    from optimizer import cli

    monkeypatch.setattr(sys, "argv", ["siting", *map(str, args)])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    return exit_info.value.code


def grid_case_config(folder: Path) -> Path:
    """One 50 MW grid site, a $1M 1-MW GPU unit (30 a year), 10 h100e wanted in 2026."""
    site = row(SITE, grid_existing_mw=50.0)
    gpu = row(GPU, price_usd_per_unit=1e6, supply_gpus_per_year=30)
    return write_case(folder, {"name": "tiny", "targets": {"compute_h100e": {2026: 10}}}, sites=[site], techs=[],
                      gpus=[gpu])
