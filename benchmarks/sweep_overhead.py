"""Speed-up of a sweep with 1 and 2 worker processes, and the sweep machinery's overhead per scenario.

    .venv/bin/python benchmarks/sweep_overhead.py [--scenarios 16] [--workers 1 2]

The sweep: the monthly Colossus config (configs/colossus_monthly.yaml) over 4 gas prices x 4 engine
lead times, 16 distinct configs. Each worker count runs the whole sweep into a fresh store and
folder (nothing is skipped), in one process of this script, one after the other.

Overhead per scenario = (sweep wall time x workers - the sum of the scenarios' own run times) /
scenarios, where a scenario's run time is what its worker measured around load + build + solve +
shadow prices + results + writing its run folder (the same work ``siting run`` does). What is left
is the sweep machinery: starting the cluster and warming the workers, shipping tasks and data,
sending results and run folders back, the client writing them and the run store, and idle workers
at the end. Prints one JSON line per worker count.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def sweep_file(folder: Path, n: int) -> Path:
    side = max(1, round(n ** 0.5))
    gas = [round(1.0 + 0.2 * i, 2) for i in range(side)]
    lead = [6 + 6 * i for i in range(max(1, n // side))]
    body = {"name": "bench", "config": str(ROOT / "configs/colossus_monthly.yaml"), "design": "grid",
            "axes": {"gas": {"key": "data.prices.*.gas_hub_usd_per_mmbtu*", "values": gas},
                     "lead": {"key": "data.techs.gas_recip.lead_time_months", "values": lead}}}
    path = folder / "bench.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False))
    return path


def measure(path: Path, workers: int, folder: Path) -> dict:
    from optimizer.sweep.execute import execute, prepare

    t0 = time.perf_counter()
    prepared = prepare(path, out=folder / f"out-{workers}", store=folder / f"store-{workers}.duckdb")
    prepare_s = time.perf_counter() - t0
    outcome = execute(prepared, workers=workers)
    n = outcome.ran
    own = sum(outcome.run_seconds)
    overhead = (outcome.seconds * outcome.workers - own) / n
    return {"workers": outcome.workers, "scenarios": n, "failed": outcome.failed, "prepare_s": round(prepare_s, 2),
            "wall_s": round(outcome.seconds, 2), "sum_run_s": round(own, 2),
            "mean_run_s": round(own / n, 2), "overhead_s_per_scenario": round(overhead, 3),
            "overhead_share": round(overhead / (own / n), 4), "cores": os.cpu_count(),
            "load_1min": round(os.getloadavg()[0], 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenarios", type=int, default=16)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sweep-bench-") as tmp:
        folder = Path(tmp)
        path = sweep_file(folder, args.scenarios)
        rows = []
        for workers in args.workers:
            rows.append(measure(path, workers, folder))
            print(json.dumps(rows[-1]), flush=True)
        if len(rows) > 1:
            print(json.dumps({"speed_up": round(rows[0]["wall_s"] / rows[-1]["wall_s"], 2),
                              "from_workers": rows[0]["workers"], "to_workers": rows[-1]["workers"]}), flush=True)


if __name__ == "__main__":
    main()
