"""Model size and solve time of plans with sub-year periods: the monthly Colossus config and the
gigafactory with quarters for its first two years (targets moved to the last quarter of each of
those years, so that they mean what the yearly targets mean: online by the end of the year).

    .venv/bin/python benchmarks/sub_year_periods.py [colossus_monthly] [gigafactory_quarters]

Prints one JSON line per case: periods, status, net present cost, bound, gap, build, handoff and
HiGHS seconds, model size. Time-capped at 600 s of HiGHS per case.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from optimizer.pipeline import run_config

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    "colossus_monthly": ("configs/colossus_monthly.yaml", ["solver.time_limit_s=600"]),
    "gigafactory_quarters": ("configs/gigafactory.yaml", [
        "horizon.periods=[{step: quarter, until: 2027}]",
        'targets.compute_h100e={"2026Q4": 1.0e6, "2027Q4": 5.0e6, 2028: 15.0e6, 2029: 30.0e6, 2030: 50.0e6}',
        "solver.time_limit_s=600"]),
}
FIELDS = ("status", "objective_usd", "bound_usd", "mip_gap", "build_seconds", "handoff_seconds", "solve_seconds",
          "model")


def main(names: list[str]) -> None:
    for name in names or list(CASES):
        path, overrides = CASES[name]
        t0 = time.perf_counter()
        outcome = run_config(ROOT / path, overrides, write=False, explain=False)
        s = outcome.summary
        print(json.dumps({"case": name, "periods": len(s["periods"]), **{k: s.get(k) for k in FIELDS},
                          "wall_seconds": round(time.perf_counter() - t0, 1)}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
