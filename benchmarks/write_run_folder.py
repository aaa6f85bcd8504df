"""Time writing a run folder: the CSV tables, the report (charts, report.html, report.md) and results.xlsx.

    .venv/bin/python benchmarks/write_run_folder.py [--config configs/gigafactory.yaml] [--repeat 3]
                                                    [--no-explain] [--keep FOLDER]

Solves the config once without writing (``run_config(..., write=False)``; with the shadow prices
unless ``--no-explain``, so the report has its "what binds" section), then writes its run folder
``--repeat`` times into fresh temporary folders exactly as ``siting run`` does
(``optimizer.pipeline._write_all``), timing each step of the same call:

    csv_tables     _write_run: summary.json, config.resolved.yaml, tables/*.csv and the shapes
    read_run       reading the folder back (optimizer.report.run_data.read_run)
    charts         every chart drawn and saved as PNG (optimizer.report.charts.all_charts)
    html_markdown  report.html, report.md and report_files/*.png (with the headline and tables they show)
    write_excel    results.xlsx
    build_report   read_run + charts + html_markdown + write_excel
    total          _write_all: csv_tables + build_report

Prints one JSON line with the median of each step over the repeats (and every repeat's figures).
``--keep FOLDER`` copies the last folder written there (to compare its files with another one).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@contextmanager
def timed(module, name: str, into: dict, key: str):
    """Wrap ``module.name`` so that each call adds its wall time to ``into[key]`` (nothing when the
    module has no such name: older versions of the code)."""
    original = getattr(module, name, None)
    if original is None:
        yield
        return

    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            into[key] = into.get(key, 0.0) + time.perf_counter() - t0

    setattr(module, name, wrapper)
    try:
        yield
    finally:
        setattr(module, name, original)


def write_once(outcome, raw: dict, folder: Path) -> dict:
    from optimizer import pipeline
    from optimizer.report import writer

    steps: dict = {}
    with timed(pipeline, "_write_run", steps, "csv_tables"), timed(writer, "read_run", steps, "read_run"), \
            timed(writer, "all_charts", steps, "charts"), timed(writer, "render_html", steps, "html_markdown"), \
            timed(writer, "render_markdown", steps, "html_markdown"), \
            timed(writer, "headline", steps, "html_markdown"), timed(writer, "report_tables", steps, "html_markdown"), \
            timed(writer, "write_excel", steps, "write_excel"), timed(writer, "build_report", steps, "build_report"):
        t0 = time.perf_counter()
        pipeline._write_all(folder, outcome, raw)
        steps["total"] = time.perf_counter() - t0
    return {k: round(v, 3) for k, v in steps.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "configs" / "gigafactory.yaml"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-explain", action="store_true", help="solve without the shadow prices")
    parser.add_argument("--keep", type=Path, help="copy the last run folder written here")
    args = parser.parse_args()

    from optimizer.inputs.load import load_all
    from optimizer.pipeline import run_config

    os.chdir(ROOT)                      # configs name their data relative to the repository
    t0 = time.perf_counter()
    outcome = run_config(args.config, write=False, explain=not args.no_explain)
    solve_seconds = time.perf_counter() - t0
    loaded, _ = load_all(args.config)   # the raw config, as the run writes it to config.resolved.yaml
    if outcome.results is None:
        raise SystemExit(f"{args.config}: no plan ({outcome.solution.status}); nothing to write")
    runs = []
    with tempfile.TemporaryDirectory(prefix="write-run-folder-") as tmp:
        for i in range(args.repeat):
            folder = Path(tmp) / f"run{i}"
            folder.mkdir()
            runs.append(write_once(outcome, loaded.raw, folder))
        if args.keep is not None:
            shutil.rmtree(args.keep, ignore_errors=True)
            shutil.copytree(folder, args.keep)
    keys = ["csv_tables", "read_run", "charts", "html_markdown", "write_excel", "build_report", "total"]
    median = {k: round(statistics.median(r.get(k, 0.0) for r in runs), 3) for k in keys}
    print(json.dumps({"config": os.path.relpath(args.config, ROOT), "explain": not args.no_explain,
                      "solve_seconds": round(solve_seconds, 1), "repeat": args.repeat, "median_seconds": median,
                      "runs": runs, "load": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
