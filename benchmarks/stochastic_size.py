"""Size and time of the stochastic gigafactory: the deterministic equivalent and the scenario
decomposition for 4, 8 and 16 futures (benchmarks/gigafactory_futures.yaml, drawn with seed 0), each
capped at 15 minutes. Each case runs in its own process (peak memory is that process's); one line of
JSON per case.

    .venv/bin/python benchmarks/stochastic_size.py --scenarios 4 8 16 --method equivalent decomposition

Measured: loading and building every future, the equivalent's rows, columns and non-zeros, the solve
(status, objective, bound, gap), and the peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "gigafactory.yaml"
FUTURES = ROOT / "benchmarks" / "gigafactory_futures.yaml"


def overrides(n: int, cap_s: float) -> list[str]:
    from optimizer.sweep.design import override

    block = {"from_sweep": {"file": str(FUTURES), "samples": n, "seed": 0}, "first_stage_until": 2028,
             "regret": False, "decomposition": {"time_limit_s": cap_s, "mip_gap": 0.01}}
    return [override("uncertainty", block), override("solver.time_limit_s", cap_s)]


def one(n: int, method: str, cap_s: float) -> dict:
    from optimizer.inputs.load import load_all
    from optimizer.progress import Progress
    from optimizer.stochastic.equivalent import build_equivalent
    from optimizer.stochastic.run import _evaluator, load_scenarios, solve_equivalent

    t0 = time.perf_counter()
    sets = overrides(n, cap_s)
    _, base = load_all(CONFIG, sets)
    block = base.config.uncertainty
    scenarios = load_scenarios(CONFIG, sets, base, block, Progress())
    members = [s.member for s in scenarios]
    build_s = time.perf_counter() - t0
    size = build_equivalent(members).form.size
    t1 = time.perf_counter()
    with _evaluator(1, None, n, base.config.solver, Progress()) as evaluate:
        if method == "equivalent":
            solved = solve_equivalent(members, base.config.solver, block.risk, Progress(), evaluate=evaluate)
        else:
            from optimizer.stochastic.decompose import decompose

            solved = decompose(members, base.config.solver, block.risk, block.decomposition, Progress(), evaluate)
    return {"scenarios": n, "method": method, "load_build_s": round(build_s, 1),
            "solve_s": round(time.perf_counter() - t1, 1), "status": solved.status,
            "objective_usd": None if solved.objective is None else solved.objective * 1e6,
            "bound_usd": None if solved.bound is None else solved.bound * 1e6, "gap": solved.gap,
            "equivalent": size, "iterations": len(solved.history),
            "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenarios", type=int, nargs="+", default=[4, 8, 16])
    parser.add_argument("--method", nargs="+", default=["equivalent", "decomposition"])
    parser.add_argument("--cap-s", type=float, default=900.0)
    parser.add_argument("--one", nargs=2, metavar=("N", "METHOD"))
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(int(args.one[0]), args.one[1], args.cap_s)), flush=True)
        return
    for n in args.scenarios:
        for method in args.method:
            done = subprocess.run([sys.executable, __file__, "--one", str(n), method, "--cap-s", str(args.cap_s)],
                                  capture_output=True, text=True)
            print(done.stdout.strip() or json.dumps({"scenarios": n, "method": method,
                                                     "error": done.stderr[-2000:]}), flush=True)


if __name__ == "__main__":
    main()
