"""Models of many candidate campuses: the whole model, the screen (solver.screen) and the campus
decomposition (solver.decompose) on synthetic instances: time to the gap, the gap against the whole
model's bound, peak memory.

    .venv/bin/python benchmarks/many_campuses.py 200x10x6x4x48:0.3
    .venv/bin/python benchmarks/many_campuses.py --methods decompose,whole 100x5x6x4x48:0.3
    .venv/bin/python benchmarks/many_campuses.py --methods screen 200x10x6x4x48:0.05

A case is SIZE:SHARE (benchmarks/generate.py; the compute target rises to SHARE of what all campuses
can hold). Each method of each case runs in a fresh process (its peak memory is its own) with the
case's time limit (--cap, default 900 s) and a 1% gap; one line of JSON each.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

METHODS = {"whole": ["solver.screen=false", "solver.decompose=false"],
           "screen": ["solver.screen=true", "solver.decompose=false"],
           "decompose": ["solver.screen=false", "solver.decompose=true"]}


def measure(case: str, method: str, scratch: Path, cap_s: float) -> dict:
    """One method on one case, in this process."""
    from generate import write_instance
    from optimizer.inputs.load import load_all
    from optimizer.model.build import build_model
    from optimizer.solve import solve

    size, share = case.split(":")
    config = write_instance(scratch / case.replace(":", "_"), *map(int, size.split("x")), time_limit_s=cap_s,
                            target_share=float(share))
    _, inputs = load_all(config, METHODS[method])
    m = build_model(inputs)
    t0 = time.perf_counter()
    sol = solve(m, inputs.config.solver)
    out = {"case": case, "method": method, "seconds": round(time.perf_counter() - t0, 1), "status": sol.status,
           "gap": sol.mip_gap, "objective_usd": None if sol.objective is None else sol.objective * 1e6,
           "bound_usd": None if sol.bound is None else sol.bound * 1e6, "rows": sol.model_size.get("rows")}
    if sol.screen:
        out.update(short_list=len(sol.screen["short_list"]), rounds=len(sol.screen["rounds"]))
    if sol.decomposition:
        out.update(rounds=len(sol.decomposition["rounds"]), campuses_used=len(sol.decomposition["campuses_used"]))
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def main(argv: list[str]) -> None:
    methods = ["decompose", "whole"]
    cap = 900.0
    cases = []
    args = iter(argv)
    for a in args:
        if a == "--methods":
            methods = next(args).split(",")
        elif a == "--cap":
            cap = float(next(args))
        else:
            cases.append(a)
    for case in cases:
        for method in methods:
            done = subprocess.run([sys.executable, __file__, "--one", case, method, str(cap)], capture_output=True,
                                  text=True)
            lines = done.stdout.strip().splitlines()
            print(lines[-1] if done.returncode == 0 and lines else
                  json.dumps({"case": case, "method": method, "failed": done.stderr[-500:]}), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        with tempfile.TemporaryDirectory() as scratch:
            print(json.dumps(measure(sys.argv[2], sys.argv[3], Path(scratch), float(sys.argv[4]))), flush=True)
    else:
        main(sys.argv[1:])
