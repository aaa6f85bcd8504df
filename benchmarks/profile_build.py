"""Time (and optionally profile) build, compile and pass for one synthetic instance, without solving.

    python benchmarks/profile_build.py 50x10x6x4x48            # seconds per stage
    python benchmarks/profile_build.py 50x10x6x4x48 --profile  # plus the top of a cProfile of the build
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from generate import write_instance  # noqa: E402
from optimizer.handoff import compile_model  # noqa: E402
from optimizer.inputs.load import load_all  # noqa: E402
from optimizer.model.build import build_model  # noqa: E402
from optimizer.solve import to_highs  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("size", help="sites x years x techs x gpus x slices")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_instance(Path(tmp), *map(int, args.size.split("x")))
        _, inputs = load_all(path)
        t0 = time.perf_counter()
        m = build_model(inputs)
        t1 = time.perf_counter()
        form = compile_model(m)
        t2 = time.perf_counter()
        to_highs(form, inputs.config.solver)
        t3 = time.perf_counter()
        nnz = form.size["nonzeros"]
        print(f"build {t1 - t0:.2f} s, compile {t2 - t1:.2f} s, pass {t3 - t2:.2f} s; {form.size}; "
              f"{nnz / (t3 - t0):,.0f} nnz/s")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(build_model, inputs)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
