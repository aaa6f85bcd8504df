"""Measure build, handoff and HiGHS time on synthetic instances; append results to a CSV.

    python benchmarks/run_benchmarks.py                  # the default size ladder
    python benchmarks/run_benchmarks.py --sizes 50x10x6x4x48 --time-limit 120

Per size: rows, columns, nonzeros; Pyomo build seconds; handoff seconds (standard-form compile +
passModel); HiGHS seconds; total; peak memory (RSS); build+handoff throughput in nonzeros per
second; and, for the same model written to MPS and solved by HiGHS alone, its solve time and the
ratio of our total to it. Each size runs in a fresh process so that memory is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

DEFAULT_SIZES = ["5x3x4x2x24", "10x5x6x4x24", "20x5x6x4x48", "50x10x6x4x48"]


def measure(size: str, time_limit: float, mip_gap: float, seed: int) -> dict:
    from generate import write_instance
    from optimizer.inputs.load import load_all
    from optimizer.model.build import build_model
    from optimizer.solve import new_highs, solve

    n_sites, n_years, n_techs, n_gpus, n_slices = map(int, size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        path = write_instance(Path(tmp), n_sites, n_years, n_techs, n_gpus, n_slices, seed, time_limit, mip_gap)
        _, inputs = load_all(path)
        t0 = time.perf_counter()
        m = build_model(inputs)
        build_s = time.perf_counter() - t0
        sol = solve(m, inputs.config.solver)
        mps = Path(tmp) / "model.mps"
        sol.highs.writeModel(str(mps))
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        h = new_highs()
        h.setOptionValue("time_limit", time_limit)
        h.setOptionValue("mip_rel_gap", mip_gap)
        t1 = time.perf_counter()
        h.readModel(str(mps))
        h.run()
        mps_s = time.perf_counter() - t1
    total = build_s + sol.handoff_seconds + sol.solve_seconds
    nnz = sol.model_size["nonzeros"]
    return {"size": size, **sol.model_size, "status": sol.status, "gap": sol.mip_gap,
            "build_s": round(build_s, 2), "handoff_s": round(sol.handoff_seconds, 2),
            "highs_s": round(sol.solve_seconds, 2), "total_s": round(total, 2),
            "nnz_per_s": round(nnz / (build_s + sol.handoff_seconds)),
            "overhead_share": round((total - sol.solve_seconds) / total, 3),
            "mps_highs_s": round(mps_s, 2), "ratio_total_to_mps": round(total / mps_s, 2) if mps_s else None,
            "peak_rss_mb": round(peak_mb)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="*", default=DEFAULT_SIZES, help="sites x years x techs x gpus x slices")
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--mip-gap", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.time_limit, args.mip_gap, args.seed)))
        return
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    rows = []
    for size in args.sizes:
        done = subprocess.run([sys.executable, __file__, "--one", size, "--time-limit", str(args.time_limit),
                               "--mip-gap", str(args.mip_gap), "--seed", str(args.seed)],
                              capture_output=True, text=True, check=True)
        row = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(json.dumps(row), flush=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"results-{stamp}.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
