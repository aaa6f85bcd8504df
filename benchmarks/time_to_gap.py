"""Time to a proven gap against the LP relaxation, and what the shadow prices cost.

For each case: plain HiGHS (default options) solving the LP relaxation of the same model alone;
then the whole solve as `siting run` does it (root heuristic, branch and bound when needed) to the
case's gap; then the shadow prices. One line of JSON per case: ``solve_seconds`` from the Pyomo model
(its compilation included), ``after_handoff_seconds`` from the model in HiGHS's hands, as the LP's
time is measured.

    .venv/bin/python benchmarks/time_to_gap.py 5x3x4x2x24 20x5x6x4x48 example gigafactory full_year
    .venv/bin/python benchmarks/time_to_gap.py --set solver.decompose=true gigafactory@8d

A size ``SxYxTxGxH`` is a synthetic instance (benchmarks/generate.py, gap 1%); a name is a shipped
config (its own gap); ``NAME@Nd`` is that config with N representative days and a 1% gap (the
target's measure: ``gigafactory@8d``); ``full_year`` is benchmarks/full_year_case.py. ``--set KEY=VALUE``
(repeatable) overrides every case's config as `siting run --set` does.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from optimizer.explain.duals import shadow_prices  # noqa: E402
from optimizer.handoff import compile_model  # noqa: E402
from optimizer.inputs.load import load_all  # noqa: E402
from optimizer.model.build import build_model  # noqa: E402
from optimizer.solve import run_highs, solve, to_highs  # noqa: E402


def config_of(case: str, scratch: Path) -> Path:
    if case == "full_year":
        from full_year_case import make
        return make(scratch / case)
    if re.fullmatch(r"\d+(x\d+){4}", case):
        from generate import write_instance
        return write_instance(scratch / case, *map(int, case.split("x")), time_limit_s=600)
    return ROOT / "configs" / f"{case}.yaml"


def overrides_of(case: str) -> list[str]:
    days = re.fullmatch(r"(.+)@(\d+)d", case)
    return [f"time_slices.representative_days={days.group(2)}", "solver.mip_gap=0.01"] if days else []


def measure(case: str, scratch: Path, extra: list[str] = ()) -> dict:
    _, inputs = load_all(config_of(case.split("@")[0], scratch), overrides_of(case) + list(extra))
    m = build_model(inputs)
    options = inputs.config.solver
    lp = to_highs(compile_model(m), options.model_copy(update={"relax_integrality": True}))
    t0 = time.perf_counter()
    run_highs(lp)
    lp_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    sol = solve(m, options)
    solve_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    prices = shadow_prices(m, sol, options)
    return {"case": case, "rows": sol.model_size.get("rows"), "integers": sol.model_size.get("integer_columns"),
            "lp_seconds": round(lp_seconds, 2), "status": sol.status, "gap": sol.mip_gap,
            "config_gap": options.mip_gap, "solve_seconds": round(solve_seconds, 2),
            "solve_over_lp": round(solve_seconds / lp_seconds, 2) if lp_seconds else None,
            "after_handoff_seconds": round(sol.solve_seconds, 3),
            "after_handoff_over_lp": round(sol.solve_seconds / lp_seconds, 2) if lp_seconds else None,
            "duals_seconds": round(time.perf_counter() - t0, 2), "duals_status": prices.status}


if __name__ == "__main__":
    args, cases, extra = iter(sys.argv[1:]), [], []
    for a in args:
        if a == "--set":
            extra.append(next(args))
        else:
            cases.append(a)
    with tempfile.TemporaryDirectory() as scratch:
        for case in cases:
            print(json.dumps(measure(case, Path(scratch), extra)), flush=True)
