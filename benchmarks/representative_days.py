"""How close do k typical days come to the full 8,760-hour year? One year, three sites.

    python benchmarks/representative_days.py            # k = 4, 8, 16 and the full year

The case (written to a temporary folder from the shipped data): Abilene (ERCOT), Cheyenne
(Mountain West) and Memphis (TVA) with construction and power lead times set to zero so that all can
be built in one year; 300,000 h100e of GB300 racks; a carbon price of $150/t, so that solar, wind
and batteries matter; hourly grid prices and carbon; continuous sizes (an LP apart from the site
choice, and all three sites forced, so the LP relaxation is exact) solved as an LP with HiGHS's
interior-point method, so that the full year solves on two cores. Each k runs with and without storage linked
across days. Records objective, its error against the full year, MW by tech, slices and seconds.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from optimizer.inputs.load import load_all  # noqa: E402
from optimizer.model.build import build_model  # noqa: E402
from optimizer.results import capacity_table  # noqa: E402
from optimizer.solve import solve  # noqa: E402

SITES = ["abilene", "cheyenne", "memphis"]
TECHS = ["solar_pv", "wind", "battery_4h", "gas_recip", "gas_aero", "ccgt"]


def write_case(folder: Path) -> Path:
    data = ROOT / "data"
    sites = pd.read_csv(data / "sites.csv")
    sites = sites[sites.site_id.isin(SITES)].assign(lead_time_years=0, grid_queue_year=0)
    techs = pd.read_csv(data / "techs.csv")
    techs = techs[techs.tech_id.isin(TECHS)].assign(lead_time_years=0)
    gpus = pd.read_csv(data / "gpus.csv")
    gpus = gpus[gpus.gpu_id == "GB300"].assign(supply_gpus_per_year="")
    sites.to_csv(folder / "sites.csv", index=False)
    techs.to_csv(folder / "techs.csv", index=False)
    gpus.to_csv(folder / "gpus.csv", index=False)
    config = {
        "name": "representative-days-benchmark",
        "horizon": {"first_year": 2027, "last_year": 2027, "discount_rate": 0.07},
        "data": {"sites": "sites.csv", "techs": "techs.csv", "regions": str(data / "regions.csv"),
                 "gpus": "gpus.csv", "profiles": str(data / "profiles_hourly.csv.gz"),
                 "grid_profiles": str(data / "grid_hourly.csv.gz")},
        "targets": {"compute_h100e": {2027: 300000}},
        "policy": {"carbon_price_usd_per_t": 150},
        "constraints": [{"kind": "force_site", "site": s} for s in SITES],
        "solver": {"time_limit_s": 1800, "mip_gap": 0.0001, "integer_gpus": False, "integer_power_units": False,
                   "relax_integrality": True, "highs_options": {"solver": "ipm"}},
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def run(path: Path, time_slices: dict) -> dict:
    _, inputs = load_all(path, [f"time_slices={json.dumps(time_slices)}"])
    t0 = time.perf_counter()
    m = build_model(inputs)
    sol = solve(m, inputs.config.solver)
    seconds = time.perf_counter() - t0
    cap = capacity_table(m).groupby("tech_id")["capacity_mw"].sum().round(0).to_dict()
    return {"slices": len(inputs.slices.table), "status": sol.status, "objective_musd": sol.objective,
            "seconds": round(seconds, 1), "rows": sol.model_size["rows"], "mw": cap}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_case(Path(tmp))
        full = run(path, {"resolution": "full_year", "hours_per_slice": 1})
        print(json.dumps({"case": "full year", **full}), flush=True)
        for k in (4, 8, 16):
            for link in (False, True):
                out = run(path, {"representative_days": k, "hours_per_slice": 1, "link_days": link,
                                 "extreme_days": ["lowest_wind"]})
                out["error"] = round(out["objective_musd"] / full["objective_musd"] - 1, 5)
                print(json.dumps({"case": f"k={k}{' linked' if link else ''}", **out}), flush=True)


if __name__ == "__main__":
    main()
