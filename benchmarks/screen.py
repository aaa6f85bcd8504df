"""The screen (solver.screen) against the whole model on synthetic instances with many candidate
campuses of which a share is needed: time to the 1% gap, the gap, the short list and the bound.

    .venv/bin/python benchmarks/screen.py 200x5x6x4x24:0.05 100x5x6x4x48:0.3
    .venv/bin/python benchmarks/screen.py --screen-only 200x10x6x4x48:0.05

A case is SIZE:SHARE (benchmarks/generate.py; the compute target rises to SHARE of what all campuses
can hold). Each case: the whole model as `siting run` solves it (root heuristic, branch and bound),
then the screen; one line of JSON each.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import write_instance  # noqa: E402
from optimizer.inputs.load import load_all  # noqa: E402
from optimizer.model.build import build_model  # noqa: E402
from optimizer.solve import solve  # noqa: E402


def measure(case: str, scratch: Path, cap_s: float, screen_only: bool = False) -> dict:
    size, share = case.split(":")
    config = write_instance(scratch / case.replace(":", "_"), *map(int, size.split("x")), time_limit_s=cap_s,
                            target_share=float(share))
    out = {"case": case}
    for screen in (True,) if screen_only else (False, True):
        _, inputs = load_all(config, [f"solver.screen={str(screen).lower()}"])
        m = build_model(inputs)
        t0 = time.perf_counter()
        sol = solve(m, inputs.config.solver)
        key = "screen" if screen else "whole"
        out[key] = {"seconds": round(time.perf_counter() - t0, 1), "status": sol.status, "gap": sol.mip_gap,
                    "objective_usd": None if sol.objective is None else sol.objective * 1e6,
                    "bound_usd": None if sol.bound is None else sol.bound * 1e6}
        if screen and sol.screen:
            out[key].update(short_list=len(sol.screen["short_list"]), rounds=len(sol.screen["rounds"]))
    return out


if __name__ == "__main__":
    only = "--screen-only" in sys.argv
    with tempfile.TemporaryDirectory() as scratch:
        for case in [a for a in sys.argv[1:] if not a.startswith("--")]:
            print(json.dumps(measure(case, Path(scratch), 900.0, only)), flush=True)
