"""The main job: config -> inputs -> model -> solve -> results -> run folder.

A run folder holds ``summary.json``, ``tables/*.csv`` (one tidy table per result family),
``config.resolved.yaml`` (the config as the model saw it: bases merged, constraint files read in),
``highs.log`` (the solver's log) and the report. A new run never overwrites an earlier one, and a
folder is either complete or named ``*.incomplete`` (:mod:`optimizer.run_folder`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import pandas as pd
import yaml

from optimizer.errors import display_path
from optimizer.inputs.load import Inputs, load_all
from optimizer.inputs.periods import month_of
from optimizer.interrupts import STOP, deferred
from optimizer.model.build import build_model
from optimizer.progress import Progress
from optimizer.results import Results, read_results
from optimizer.run_folder import RunFolder, claim, write_json
from optimizer.solve import Solution, solve


@dataclass
class RunOutcome:
    inputs: Inputs
    solution: Solution
    results: Results | None
    out_dir: Path
    summary: dict
    model: object = None
    prices: object = None          # optimizer.explain.duals.ShadowPrices of a solved plan
    explanation: object = None     # optimizer.explain.elastic.Explanation of an infeasible one

INFEASIBLE = ("infeasible", "infeasible_or_unbounded")
# summary.json keys that hold wall times: the only entries two runs of one config may differ in
TIMING_KEYS = {("build_seconds",), ("handoff_seconds",), ("solve_seconds",), ("shadow_prices", "seconds")}


def without_timings(summary: dict) -> dict:
    """A copy of ``summary`` without its wall times (for comparing runs)."""
    out = json.loads(json.dumps(summary))
    for path in TIMING_KEYS:
        node = out
        for key in path[:-1]:
            node = node.get(key, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict):
            node.pop(path[-1], None)
    return out
BINDING_IN_SUMMARY = 20


def run_config(config_path: str | Path, overrides: Iterable[str] = (), out: Path | None = None,
               runs_root: Path = Path("runs"), write: bool = True, progress: Progress | None = None,
               verbose: bool = False, explain: bool = True, explain_infeasible: bool = True) -> RunOutcome:
    """Load, build, solve, explain and (``write``) write a run folder; see :mod:`optimizer.run_folder`
    for how the folder is claimed and :mod:`optimizer.interrupts` for Ctrl-C and SIGTERM.
    ``explain=False`` skips the shadow prices of a plan and the explanation of an infeasible one
    (``siting run --no-explain``): the run ends after the solve. ``explain_infeasible=False`` keeps the
    shadow prices of a plan but skips the explanation of an infeasible model (its elastic re-solves
    can take longer than the solve; sweeps with ``explain: plans``)."""
    progress = progress or Progress()
    STOP.clear()
    progress.stage("loading the config and data")
    loaded, inputs = load_all(config_path, overrides)
    folder = claim(out, runs_root, inputs.config.name or Path(config_path).stem) if write else None
    try:
        outcome = _solve(inputs, progress, folder, verbose, explain, explain_infeasible)
    except BaseException:
        if folder is not None:
            folder.abandon()
        raise
    if folder is not None:
        progress.stage("writing results and the report")
        outcome.out_dir = _write_folder(folder, outcome, loaded.raw, progress)
    return outcome


def _solve(inputs: Inputs, progress: Progress, folder: RunFolder | None, verbose: bool,
           explain: bool = True, explain_infeasible: bool = True) -> RunOutcome:
    """Build, solve, read the plan and explain it; an interrupt after the solve keeps the plan."""
    progress.stage("building the model")
    t0 = time.perf_counter()
    model = build_model(inputs)
    build_seconds = time.perf_counter() - t0
    log_path = folder.partial / "highs.log" if folder is not None else None
    solution = solve(model, inputs.config.solver, inputs.config.objective.kind, progress, log_path, verbose)
    with deferred():
        results = read_results(model, solution, build_seconds) if solution.has_solution else None
    prices, explanation = None, None
    if explain and (solution.has_solution or explain_infeasible) and not STOP.requested:
        progress.stage("pricing what binds" if solution.has_solution else "explaining the outcome")
        try:
            prices, explanation = _explain(inputs, model, solution)
        except KeyboardInterrupt as exc:
            STOP.record(exc)
        if STOP.requested:   # stopped while explaining: what it found is incomplete
            prices, explanation = None, None
    parts = objective_parts(model) if solution.has_solution else None
    summary = make_summary(inputs, solution, results, build_seconds, parts)
    summary.update(explain_summary(prices, explanation))
    if prices is not None and prices.lp is not None and inputs.energised_mw and not STOP.requested:
        summary["grid_step_delay_usd"] = grid_step_delays(inputs, prices)
    if STOP.requested:
        summary["interrupted"] = STOP.signal_name
    return RunOutcome(inputs, solution, results, folder.final if folder else Path(), summary, model, prices,
                      explanation)


def _write_folder(folder: RunFolder, outcome: RunOutcome, raw: dict, progress: Progress) -> Path:
    """Write the run into its claimed folder and move it into place; if writing fails, into a
    rescue folder that the terminal names. Signals wait until the folder is complete."""
    with deferred():
        try:
            _write_all(folder.partial, outcome, raw)
        except OSError as exc:
            rescue = folder.rescue()
            progress.stage(f"could not write {display_path(folder.partial)} ({exc}); writing to {rescue}")
            outcome.summary["rescued_from"] = str(folder.final)
            _write_all(rescue, outcome, raw)
        return folder.finish()


def _write_all(out_dir: Path, outcome: RunOutcome, raw: dict) -> None:
    inputs, prices = outcome.inputs, outcome.prices
    _write_run(out_dir, outcome.summary, outcome.results, raw, limits_table(inputs), inputs.region_shapes,
               prices.table if prices is not None else None)
    from optimizer.report.writer import build_report

    build_report(out_dir)


def _explain(inputs: Inputs, model, solution: Solution):
    """Shadow prices of a plan, or the explanation of an infeasible model."""
    if solution.has_solution:
        from optimizer.explain.duals import shadow_prices

        return shadow_prices(model, solution, inputs.config.solver), None
    if solution.status in INFEASIBLE:
        from optimizer.explain.elastic import explain_infeasible

        return None, explain_infeasible(inputs)
    return None, None


def explain_summary(prices, explanation) -> dict:
    """summary.json entries: ``binding`` (the most valuable binding limits) or ``explanation``."""
    out: dict = {}
    if prices is not None:
        top = prices.table.head(BINDING_IN_SUMMARY)
        out["binding"] = [{k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
                          for row in top.drop(columns=["constraint", "index"]).to_dict("records")]
        out["shadow_prices"] = {"status": prices.status, "lp_objective_usd": prices.lp_objective_usd,
                                "seconds": round(prices.seconds, 3), "binding_limits": len(prices.table)}
    if explanation is not None:
        out["explanation"] = explanation.as_dict()
    return out


def grid_step_delays(inputs: Inputs, prices) -> list[dict]:
    """What one period's delay of each grid energisation step costs: the step adds ΔMW in period p;
    delayed, p has only the MW of the period before. ``delay_usd``: the rise of net present cost when
    the plan's LP (its binary decisions held) is re-solved with that limit, a warm re-solve; None when
    the plan as built cannot absorb the delay (a target or another limit would break: re-plan with
    the step delayed to see whether another plan can). ``usd_per_mw``: the limit's shadow price."""
    from optimizer.explain.duals import tightened_cost_usd

    binding = prices.table
    value = {row.index: row.value_usd_per_unit for row in binding.itertuples()
             if row.constraint == "grid_energised_upper"}
    rows = {str(con.index()): i for i, (con, *_) in enumerate(prices.form.pyomo_rows)
            if con.parent_component().name == "grid_energised_upper"}
    out = []
    first = inputs.periods[0]
    for s, path in inputs.config.grid.energised_mw.items():
        # a step dated before the horizon is not one it can delay; one dated at its start is
        starts_inside = any(month_of(when) >= first.start_month for when in path)
        before = 0.0 if starts_inside else inputs.energised_mw.get((s, first.key), 0.0)
        for p in inputs.periods:
            mw = inputs.energised_mw.get((s, p.key), 0.0)
            if mw > before + 1e-9:
                key = str((s, p.key))
                cost = tightened_cost_usd(prices, rows[key], before) if key in rows else 0.0
                out.append({"site": s, "period": p.label, "start": p.start_date, "mw_added": mw - before,
                            "usd_per_mw": value.get(key, 0.0), "delay_usd": cost, "months": p.months})
            before = mw
    return out


def gpu_rounding(inputs: Inputs, gpus: pd.DataFrame) -> dict | None:
    """With continuous GPU counts (``solver.integer_gpus: false``, the default): what rounding every
    purchase (site, product, period) to the nearest whole unit changes — the purchases that are not
    whole, the largest change in units (at most 0.5), GPUs and cash capex in all. None with integer GPUs."""
    if inputs.config.solver.integer_gpus or gpus.empty:
        return None
    G = inputs.gpus
    per_unit = gpus["gpu_id"].map(G["gpus_per_unit"]).astype(float)
    unit_usd = gpus["gpu_id"].map(G["price_usd_per_unit"] + G["cluster_usd_per_gpu"] * G["gpus_per_unit"]).astype(float)
    new = gpus["new_units"].astype(float)
    change = new.round() - new
    whole = change.abs() <= 1e-6
    return {"purchases": int((new > 1e-6).sum()), "purchases_not_whole": int((~whole & (new > 1e-6)).sum()),
            "max_units_changed": float(change.abs().max()), "gpus_changed": float((change * per_unit).sum()),
            "cash_capex_changed_usd": float((change * unit_usd).sum())}


def limits_table(inputs: Inputs) -> pd.DataFrame:
    """The limits the config set, per period (for reports): targets, budget (per year), carbon cap, clean share."""
    inf = float("inf")
    rows = [{"period": p.label, "year": p.year, "compute_target_h100e": inputs.compute_target_h100e.get(y),
             "capex_budget_usd": None if inputs.budget_usd_per_year[y] == inf else inputs.budget_usd_per_year[y],
             "carbon_cap_t": None if inputs.carbon_cap_t[y] == inf else inputs.carbon_cap_t[y],
             "min_clean_share": inputs.min_clean_share[y] or None} for p, y in zip(inputs.periods, inputs.years)]
    return pd.DataFrame(rows)


def objective_parts(model) -> dict[str, float]:
    """The value-of-time terms of the solved objective, MUSD: compute_value (credited) and shortfall."""
    import pyomo.environ as pyo

    return {name: float(pyo.value(getattr(model, name + "_musd"), exception=False) or 0.0)
            for name in ("compute_value", "shortfall")}


def periods_summary(inputs: Inputs) -> list[dict]:
    """summary.json ``periods``: label, start date and length of every planning period."""
    return [{"period": p.label, "start": p.start_date, "months": p.months} for p in inputs.periods]


def time_to_target_days(inputs: Inputs, compute: pd.DataFrame) -> dict[str, float | None]:
    """Per compute target (and the fastest target): days from the horizon's start to the start of the
    first period in which the compute online meets it (None if never)."""
    from datetime import date

    start = {p.label: date(p.year, p.month, 1) for p in inputs.periods}
    origin = start[inputs.periods[0].label]
    held = list(zip(compute["period"], compute["h100e"]))
    labels = {p.key: p.label for p in inputs.periods}
    levels = {labels[k]: v for k, v in inputs.compute_target_h100e.items()}
    if inputs.config.objective.fastest_h100e is not None:
        levels["fastest"] = inputs.config.objective.fastest_h100e
    out = {}
    for name, level in levels.items():
        first = next((label for label, h in held if h >= level * (1 - 1e-6)), None)
        out[name] = None if first is None else (start[first] - origin).days
    return out


def make_summary(inputs: Inputs, solution: Solution, results: Results | None, build_seconds: float,
                 parts: dict[str, float] | None = None) -> dict:
    """summary.json: status, objective, solver statistics and, with a plan, what it builds and what it
    costs. The money entries come from :func:`optimizer.report.metrics.money_measures` (the reports use
    the same function on the run folder's tables):

    objective_usd                      net present cost, USD: Σ_y d_y · annual_cost_usd[y] (discounted)
    capex_usd                          {year: cash capex paid in that model year, USD, undiscounted}
    capex_cash_usd_total               Σ_y capex_usd[y], USD
    annual_cost_usd                    {year: annuities + fixed O&M + operating costs of one year, USD,
                                       undiscounted}
    usd_per_gw_facility                capex_cash_usd_total / (max_y Σ_s facility_mw[s, y] / 1000), USD/GW
    energy_cost_usd_per_mwh_facility   Σ_y Σ_{c not GPUs or sites} d_y · cost[c, y] / Σ_y d_y · facility MWh[y]
    all_in_usd_per_gpu_hour            Σ_y Σ_c d_y · cost[c, y] / Σ_y d_y · 8760 · GPUs in service[y]
    """
    from optimizer.report.metrics import money_measures

    kind = inputs.config.objective.kind
    objective = solution.objective
    if objective is not None and parts:     # net present cost: the objective without the value of time
        objective = objective + parts["compute_value"] - parts["shortfall"]
    summary = {
        "name": inputs.config.name, "status": solution.status, "message": solution.message,
        "objective_kind": kind,
        "objective_usd": _usd(objective) if kind == "min_cost" or solution.compute_measure is not None else None,
        "bound_usd": _usd(solution.bound), "mip_gap": solution.mip_gap,
        "build_seconds": round(build_seconds, 3), "handoff_seconds": round(solution.handoff_seconds, 3),
        "solve_seconds": round(solution.solve_seconds, 3), "model": solution.model_size,
        "periods": periods_summary(inputs),
    }
    if solution.screen is not None:
        summary["screen"] = solution.screen
    if solution.decomposition is not None:
        summary["decomposition"] = solution.decomposition
    if parts and any(parts.values()):
        summary.update({"compute_value_usd": _usd(parts["compute_value"]), "shortfall_usd": _usd(parts["shortfall"]),
                        "objective_with_value_usd": _usd(solution.objective)})
    if results is None:
        return summary
    r = results
    grid = r.site_power.assign(tech_id="grid").groupby(["tech_id", "period"], sort=False)["grid_peak_mw"].sum()
    cap = pd.concat([r.capacity.groupby(["tech_id", "period"], sort=False)["capacity_mw"].sum(), grid])
    gpus = r.gpus.groupby(["gpu_id", "period"], sort=False)["gpus"].sum()
    targets = {str(y): bool(row.h100e >= row.target_h100e * (1 - 1e-6))
               for y, row in r.compute.set_index("period").iterrows() if row.target_h100e is not None
               and row.target_h100e == row.target_h100e}
    summary.update({
        "sites": r.sites.loc[r.sites.selected, "site_id"].tolist(),
        "capacity_mw": _nested(cap), "gpus": _nested(gpus),
        "compute_h100e": {str(y): float(v) for y, v in r.compute.set_index("period")["h100e"].items()},
        **money_measures(r.costs, r.gpus, r.emissions, r.site_power),
        "emissions_t": {str(y): float(v) for y, v in r.emissions.set_index("period")["emissions_t"].items()},
        "targets_met": targets,
        "time_to_target_days": time_to_target_days(inputs, r.compute),
    })
    rounding = gpu_rounding(inputs, r.gpus)
    if rounding is not None:
        summary["gpu_rounding"] = rounding
    idle = r.gpus.groupby("period", sort=False)[["idle_gpus", "idle_usd_per_year"]].sum() if not r.gpus.empty else None
    if idle is not None and (idle["idle_gpus"] > 1e-6).any():
        length = {p.label: p.length_years for p in inputs.periods}
        summary["idle_gpus"] = {str(k): float(v) for k, v in idle["idle_gpus"].items() if v > 1e-6}
        summary["idle_gpu_cost_usd"] = float(sum(v * length[k] for k, v in idle["idle_usd_per_year"].items()))
    return summary


def _usd(musd: float | None) -> float | None:
    return None if musd is None else float(musd) * 1e6


def _nested(series) -> dict:
    out: dict = {}
    for (a, y), v in series.items():
        if abs(v) > 1e-6:
            out.setdefault(str(a), {})[str(y)] = float(v)
    return out


def _write_run(out_dir: Path, summary: dict, results: Results | None, raw: dict, limits: pd.DataFrame,
               shapes=None, binding: pd.DataFrame | None = None) -> None:
    write_json(out_dir / "summary.json", summary)
    (out_dir / "config.resolved.yaml").write_text(yaml.safe_dump(_plain(raw), sort_keys=False))
    if results is None:
        return
    tables = out_dir / "tables"
    tables.mkdir(exist_ok=True)
    limits.to_csv(tables / "limits.csv", index=False)
    for name, frame in results.tables().items():
        frame.to_csv(tables / f"{name}.csv", index=False)
    if shapes is not None:
        (tables / "region_shapes.geojson").write_text(shapes.to_json())
    from optimizer.report.run_data import copy_state_shapes

    copy_state_shapes(tables)      # state outlines for the map: the folder reads on its own
    if binding is not None:
        binding.to_csv(tables / "binding.csv", index=False)


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
