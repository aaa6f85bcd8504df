"""HiGHS's LP methods on the LP relaxations of our models: dual simplex (the default), interior point
with and without crossover, PDLP, and the parallel options on this machine's 2 cores.

    .venv/bin/python benchmarks/lp_methods.py 20x5x6x4x48 100x5x6x4x48 gigafactory@16d full_year

Cases as in benchmarks/time_to_gap.py. Each method solves the same LP relaxation from scratch, capped
at --cap seconds (default 300); one line of JSON per case: seconds, status and objective per method.
``--methods a,b`` runs only those (names as in METHODS).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from time_to_gap import config_of, overrides_of  # noqa: E402

METHODS = {
    "simplex": {},
    "ipm+crossover": {"solver": "ipm", "run_crossover": "on"},
    "ipm": {"solver": "ipm", "run_crossover": "off"},
    "pdlp": {"solver": "pdlp"},
    "simplex/2 threads": {"threads": 2, "parallel": "on"},
    "ipm+crossover/2 threads": {"solver": "ipm", "run_crossover": "on", "threads": 2, "parallel": "on"},
}


def measure(case: str, scratch: Path, cap_s: float, methods: list[str]) -> dict:
    import highspy

    from optimizer.handoff import compile_model
    from optimizer.inputs.load import load_all
    from optimizer.model.build import build_model
    from optimizer.solve import run_highs, to_highs

    _, inputs = load_all(config_of(case.split("@")[0], scratch), overrides_of(case))
    form = compile_model(build_model(inputs))
    options = inputs.config.solver.model_copy(update={"relax_integrality": True, "time_limit_s": cap_s})
    out = {"case": case, "rows": int(form.A.shape[0])}
    for name, highs_options in ((n, METHODS[n]) for n in methods):
        highspy.Highs.resetGlobalScheduler(True)     # HiGHS sizes its thread pool once: let `threads` count
        h = to_highs(form, options)
        for key, value in highs_options.items():
            h.setOptionValue(key, value)
        t0 = time.perf_counter()
        run_highs(h)
        info = h.getInfo()
        out[name] = {"seconds": round(time.perf_counter() - t0, 2), "status": h.modelStatusToString(h.getModelStatus()),
                     "objective": info.objective_function_value, "basis": bool(h.getBasis().valid)}
    return out


if __name__ == "__main__":
    args, cases, cap, methods = iter(sys.argv[1:]), [], 300.0, list(METHODS)
    for a in args:
        if a == "--cap":
            cap = float(next(args))
        elif a == "--methods":
            methods = next(args).split(",")
        else:
            cases.append(a)
    with tempfile.TemporaryDirectory() as scratch:
        for case in cases:
            print(json.dumps(measure(case, Path(scratch), cap, methods)), flush=True)
