"""Alike candidate campuses: the order rows (``sites_order_lower``) against HiGHS's own symmetry detection.

A synthetic instance (benchmarks/generate.py) whose campuses are made alike (every column of the sites
table copied from the first campus but the id, name, lat and lon), solved three ways in one process:

- ``order``: as `siting run` builds it (the order rows; HiGHS's symmetry detection on);
- ``highs``: without the order rows, HiGHS's symmetry detection alone;
- ``neither``: without the order rows and with HiGHS's detection off.

    .venv/bin/python benchmarks/alike_campuses.py 10 0.0001
    .venv/bin/python benchmarks/alike_campuses.py 20 0.001 --time-limit 300

Arguments: campuses, MIP gap. One line of JSON per way.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import write_instance  # noqa: E402
from optimizer.inputs.load import load_all  # noqa: E402
from optimizer.model.build import build_model  # noqa: E402
from optimizer.solve import solve  # noqa: E402

WAYS = {"order": (True, []), "highs": (False, []),
        "neither": (False, ["solver.highs_options={mip_detect_symmetry: false}"])}


def alike_instance(folder: Path, campuses: int, gap: float, time_limit_s: float) -> Path:
    """campuses × 5 years × 6 techs × 4 GPUs × 24 slices, every campus a copy of the first (500 MW, 500 MW of
    gas permits)."""
    config = write_instance(folder, campuses, 5, 6, 4, 24, time_limit_s=time_limit_s, mip_gap=gap)
    sites = pd.read_csv(folder / "sites.csv")
    for column in sites.columns.difference(["site_id", "name", "lat", "lon"]):
        sites[column] = sites.loc[0, column]
    sites["gas_permit_mw"], sites["max_it_mw"] = 500, 500
    sites.to_csv(folder / "sites.csv", index=False)
    return config


def measure(config: Path, way: str) -> dict:
    order_alike, extra = WAYS[way]
    _, inputs = load_all(config, extra)
    m = build_model(inputs, order_alike=order_alike)
    t0 = time.perf_counter()
    sol = solve(m, inputs.config.solver)
    return {"way": way, "seconds": round(time.perf_counter() - t0, 2), "status": sol.status,
            "objective_musd": sol.objective, "gap": sol.mip_gap, "order_rows": len(getattr(m, "sites_order_lower", []))}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("campuses", type=int)
    parser.add_argument("gap", type=float)
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--ways", default="order,highs,neither")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = alike_instance(Path(scratch), args.campuses, args.gap, args.time_limit)
        for way in args.ways.split(","):
            print(json.dumps({"campuses": args.campuses, "config_gap": args.gap, **measure(path, way)}), flush=True)
