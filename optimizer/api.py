"""The Python API, for notebooks and scripts: load a config, override keys, solve, and get the
results as DataFrames and the summary as a dict, without writing a run folder.

::

    from optimizer import api

    plan = api.run("configs/example.yaml", {"solver.time_limit_s": 60, "targets.compute_h100e": {2030: 2e6}})
    plan.status                      # "optimal"
    plan.summary["objective_usd"]    # net present cost, USD
    plan.tables["capacity"]          # MW by site, tech and year (one DataFrame per result family)
    plan.binding                     # what binds, priced (DataFrame)

Overrides are the same as ``siting run --set``: a mapping ``{"path.to.key": value}`` (values are
written as YAML, so numbers, lists and year maps work) or ``"path.to.key=value"`` strings. Data
cells too: ``{"data.techs.gas_recip.lead_time_months": 24}`` sets a cell, and a key ending in ``*``
multiplies, ``{"data.regions.*.grid_price_usd_per_mwh*": 1.2}`` (docs/data.md, "Editing data cells"). Mistakes
raise :class:`optimizer.errors.InputError` (its ``problems`` list each mistake with file, line and
key). ``run(..., out=folder)`` also writes a run folder, exactly as ``siting run`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd
import yaml

from optimizer.errors import InputError, Problem

Overrides = Mapping[str, Any] | Iterable[str] | None


def override_texts(overrides: Overrides) -> list[str]:
    """``{"solver.mip_gap": 0.01}`` or ``["solver.mip_gap=0.01"]`` as ``--set`` texts (values of a
    mapping written as YAML flow text)."""
    if overrides is None:
        return []
    if isinstance(overrides, str):
        raise InputError([Problem("--set", None, overrides, "overrides are a mapping or a list of 'key=value'",
                                  "pass {'solver.mip_gap': 0.01} or ['solver.mip_gap=0.01']")])
    if isinstance(overrides, Mapping):
        return [f"{key}={yaml_text(value)}" for key, value in overrides.items()]
    return [str(text) for text in overrides]


def yaml_text(value: Any) -> str:
    """A value as one line of YAML flow text (``{2030: 2000000.0}``, ``[a, b]``, ``60``)."""
    if isinstance(value, tuple):
        value = list(value)
    text = yaml.safe_dump(value, default_flow_style=True, width=1_000_000).strip()
    return text[:-3].strip() if text.endswith("...") else text


def load(config: str | Path, overrides: Overrides = None):
    """The validated inputs of a config (:class:`optimizer.inputs.load.Inputs`), typical days found."""
    from optimizer.inputs.load import load_all

    return load_all(config, override_texts(overrides))[1]


@dataclass
class Plan:
    """The outcome of :func:`run`."""

    status: str
    has_solution: bool
    summary: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    binding: pd.DataFrame | None = None
    explanation: list[str] = field(default_factory=list)
    out_dir: Path | None = None
    inputs: Any = None

    @property
    def objective_usd(self) -> float | None:
        return self.summary.get("objective_usd")


def run(config: str | Path, overrides: Overrides = None, out: str | Path | None = None) -> Plan:
    """Solve a config. Nothing is written unless ``out`` names a run folder (new, or empty)."""
    from optimizer.pipeline import run_config

    outcome = run_config(config, override_texts(overrides), Path(out) if out is not None else None,
                         write=out is not None)
    tables = outcome.results.tables() if outcome.results is not None else {}
    return Plan(outcome.solution.status, outcome.solution.has_solution, outcome.summary, dict(tables),
                outcome.prices.table if outcome.prices is not None else None,
                outcome.explanation.lines() if outcome.explanation is not None else [],
                outcome.out_dir if out is not None else None, outcome.inputs)


def sweep(path: str | Path, workers: int | None = None, scheduler: str | None = None, out: str | Path | None = None,
          store: str | Path | None = None, report: bool = True) -> pd.DataFrame:
    """Run a sweep file as ``siting sweep`` does (scenarios already stored are skipped) and return its
    scenarios with their results, one row each (see :meth:`optimizer.sweep.store.RunStore.scenarios`).
    Call it under ``if __name__ == "__main__":`` in a script: Dask starts worker processes."""
    from optimizer.sweep.execute import execute, prepare

    prepared = prepare(path, Path(out) if out is not None else None, Path(store) if store is not None else None)
    outcome = execute(prepared, workers, scheduler)
    if report and not outcome.stopped:
        from optimizer.sweep.report import write_sweep_report

        write_sweep_report(prepared.store, prepared.name, prepared.folder, prepared.sweep.spec)
    return prepared.store.scenarios(prepared.name)


def alternatives(config: str | Path, overrides: Overrides = None, out: str | Path | None = None,
                 **settings) -> pd.DataFrame:
    """Near-optimal alternatives, as ``siting alternatives`` finds them (``settings``: slack, count,
    threshold, method, space, seed, workers, scheduler; the config's ``alternatives`` block for the
    rest). Writes the alternatives folder (``out``, or a new one under runs/) and returns one row per
    plan: cost, gap to the optimum, campuses, MW by source, h100e by product, what differs."""
    from optimizer.alternatives.run import run_alternatives

    outcome = run_alternatives(config, override_texts(overrides), Path(out) if out is not None else None, **settings)
    frame = pd.DataFrame(outcome.plans)
    frame.attrs["folder"] = outcome.out_dir
    frame.attrs["summary"] = outcome.summary
    return frame


def stochastic(config: str | Path, overrides: Overrides = None, out: str | Path | None = None,
               method: str | None = None, workers: int | None = None, scheduler: str | None = None) -> dict:
    """The two-stage stochastic plan of a config's ``uncertainty`` block, as ``siting stochastic`` makes it;
    returns summary.json's ``stochastic`` entry (expected cost, EVPI, VSS, regret, first stage) with the
    folder under ``"folder"``. With workers or a scheduler, call it under ``if __name__ == "__main__":``."""
    from optimizer.stochastic.run import run_stochastic

    outcome = run_stochastic(config, override_texts(overrides), Path(out) if out is not None else None,
                             workers=workers, scheduler=scheduler, method=method)
    return {**outcome.summary.get("stochastic", {}), "status": outcome.status, "folder": outcome.out_dir}
