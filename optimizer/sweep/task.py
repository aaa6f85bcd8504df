"""What a worker does with one scenario: run its resolved config and hand everything back.

The task is self-contained, so that any Dask worker can run it, on this machine or another: the
resolved config (bases merged, constraint files read in, the scenario's overrides applied) travels
with the task, and the data files travel once per worker as bytes named by their SHA-256
(:func:`materialise` writes each to a cache folder the first time). The run folder is written in
a scratch folder on the worker and sent back as files; only the sweep client writes the sweep's
folder and its run store. A scenario that fails comes back as a result with its reason, never
as an exception (a worker that dies is Dask's to retry).
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import yaml

DATA_CACHE = "siting-sweep-data"
STORED_TABLES = ("sites", "capacity", "gpus", "site_power", "energy", "costs", "compute", "emissions", "regions",
                 "binding")   # dispatch stays in the run folder: per hour and large


def warm_up() -> None:
    """Import what a scenario needs, once per worker process, before the first scenario arrives."""
    import optimizer.pipeline  # noqa: F401
    import optimizer.report.writer  # noqa: F401


def data_bundle(files: dict[str, bytes]) -> dict[str, bytes]:
    """The data files (digest -> bytes) as a task result, which Dask can recompute if lost."""
    return files


def materialise(files: dict[str, tuple[str, str]], bundle: dict[str, bytes]) -> dict[str, str]:
    """Write each data file (key -> (digest, file name)) under the worker's cache once; its path."""
    root = Path(tempfile.gettempdir()) / DATA_CACHE
    paths = {}
    for key, (digest, name) in files.items():
        target = root / digest / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            scratch = target.with_name(f".{name}.{os.getpid()}.part")
            scratch.write_bytes(bundle[digest])
            os.replace(scratch, target)   # atomic: two workers of one machine may race
        paths[key] = str(target)
    return paths


def run_scenario(task: dict, bundle: dict[str, bytes]) -> dict:
    """Run one scenario: ``task`` holds ``raw`` (the resolved config), ``files`` (data key -> digest,
    name), ``scenario`` and ``config_hash``. Returns a plain dict: status, message, summary, metrics,
    tables, the run folder's files and timings."""
    started = time.perf_counter()
    out: dict[str, Any] = {"scenario": task["scenario"], "config_hash": task["config_hash"],
                           "worker": f"{socket.gethostname()}:{os.getpid()}"}
    scratch = Path(tempfile.mkdtemp(prefix="siting-scenario-"))
    try:
        raw = dict(task["raw"])
        raw["data"] = {**raw["data"], **materialise(task["files"], bundle)}
        config = scratch / "config.yaml"
        config.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
        out.update(_run(config, scratch / "run", task.get("explain", "all")))
    except Exception as exc:   # noqa: BLE001 - every failure of one scenario is recorded, the sweep goes on
        out.update(status="error", message=f"{type(exc).__name__}: {exc}",
                   traceback="".join(traceback.format_exception(exc))[-4000:])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    out["run_seconds"] = time.perf_counter() - started
    return out


def _run(config: Path, folder: Path, explain: str = "all") -> dict:
    from optimizer.errors import InputError
    from optimizer.pipeline import run_config

    try:
        outcome = run_config(config, [], folder, explain=explain != "none", explain_infeasible=explain == "all")
    except InputError as exc:
        return {"status": "input_error", "message": exc.render()}
    summary = outcome.summary
    files = {str(p.relative_to(outcome.out_dir)): p.read_bytes()
             for p in sorted(outcome.out_dir.rglob("*")) if p.is_file()}
    tables = {}
    if outcome.results is not None:
        tables = {name: frame for name, frame in outcome.results.tables().items() if name in STORED_TABLES}
    if outcome.prices is not None:
        tables["binding"] = outcome.prices.table
    message = summary.get("message") or ""
    if outcome.explanation is not None:
        message = "; ".join(outcome.explanation.lines()[:3]) or message
    return {"status": outcome.solution.status, "has_solution": outcome.solution.has_solution,
            "message": message, "summary": summary, "metrics": metrics(outcome), "tables": tables, "files": files}


def metrics(outcome) -> dict:
    """The figures a sweep compares scenarios by (None where the run has no plan)."""
    s = outcome.summary
    out = {"objective_usd": s.get("objective_usd"), "bound_usd": s.get("bound_usd"), "gap": s.get("mip_gap"),
           "capex_cash_usd": s.get("capex_cash_usd_total"), "solve_seconds": s.get("solve_seconds"),
           "sites": ",".join(sorted(s.get("sites") or [])), "n_sites": len(s.get("sites") or [])}
    if outcome.results is None:
        return out
    r = outcome.results
    techs = outcome.inputs.techs
    facility = r.site_power.groupby("period", sort=False)["facility_mw"].sum()
    gpus = r.gpus.groupby("period", sort=False)[["gpus", "h100e"]].sum()
    energy = r.energy.groupby("source")["energy_mwh"].sum()
    gas = [t for t in energy.index if t in techs.index and techs.loc[t, "fuel"] == "gas"]
    total = float(energy.sum())
    out.update(mw_by_source=r.mw_by_source(), peak_mw=float(facility.max()) if not facility.empty else 0.0,
               gpus=float(gpus["gpus"].iloc[-1]) if not gpus.empty else 0.0,
               h100e=float(gpus["h100e"].iloc[-1]) if not gpus.empty else 0.0,
               emissions_t=float(r.emissions["emissions_t"].sum()),
               onsite_gas_share=float(energy[gas].sum()) / total if total > 0 else 0.0)
    return out
