"""What a sweep's scenarios say together, as tables: swings per axis and metric, where the plan
changes, site shares, binding counts, the most frequent plans, every scenario.

Which scenarios count: a scenario **has a plan** when its status is ``optimal``, ``time_limit`` or
``feasible`` and it has a net present cost. Scenarios that finished without a plan (infeasible,
error, input_error, ...) are listed with their message and left out of every swing, share and
distribution; ``pending`` scenarios (not run yet) are counted and left out too.

**Swings** (the tornado of each metric: net present cost ``objective_usd``, ``peak_mw``,
``onsite_gas_share``, ``emissions_t``), one bar per axis, sorted by swing, measured by design:

- ``one_at_a_time``: the metric with the axis at its lowest and at its highest value, every other
  axis at its base value (the scenarios whose role is the axis, and the base scenario); the bar
  spans the two, the line is the base scenario. Values are ordered by number when they are all
  numbers, else as listed in the sweep file.
- ``grid``: the axis's main effect: the mean of the metric at each of its values over every
  combination of the other axes (dots); the bar spans the lowest to the highest of these means,
  drawn around the mean of all scenarios (the line).
- ``latin_hypercube``: the mean of the metric among the scenarios whose draw of the axis lies in
  the lowest third of its distribution (unit coordinate u ≤ 1/3, from
  :func:`optimizer.sweep.design.unit_samples`) against those in the highest third (u ≥ 2/3).
- ``morris``: SALib ``morris.analyze`` mu* (mean absolute elementary effect, in metric units over
  the axis's whole range: the unit coordinate) and sigma per axis, over the trajectories whose
  every scenario has a plan; and the lowest/highest-third swing as for latin_hypercube.
- ``sobol``: SALib ``sobol.analyze`` (first order S1 and total order ST, no second order) over the
  sample blocks whose every scenario has a plan; and the lowest/highest-third swing.
- ``scenarios`` (named scenarios): no axes, no swings.

**Where the plan changes**: per axis, the scenarios grouped by the axis's value (one_at_a_time: the
axis's own scenarios and the base; grid: those with every other axis at its base value, ``base``
or the middle value; sampled designs: the lowest, middle and highest third
of the draws); the most common plan of each group (sites chosen and mix: the dominant power source,
most MW, then the others holding at least 20% of the plan's MW; scenarios without a plan count as
"no plan"), and where it differs from the group before.

**Plan signature**: the sorted sites chosen and each source's MW rounded to 10 MW.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from optimizer.report.metrics import usd_text
from optimizer.sweep.spec import SAMPLED, Sweep
from optimizer.sweep.store import RunStore, plain_keys

PLANNED = ("optimal", "time_limit", "feasible")
NAMED_STATUSES = ("optimal", "time_limit", "infeasible", "error", "pending")
MIX_SHARE = 0.20              # a source is part of a plan's mix from this share of its MW
SIGNATURE_MW = 10.0           # plan signatures round MW to this
THIRD = 1.0 / 3.0
EPS = 1e-9


@dataclass(frozen=True)
class Metric:
    column: str
    title: str
    unit: str                                  # of the chart's axis
    scale: float                               # metric × scale = chart units
    text: Callable[[float], str]               # a value as text
    delta: Callable[[float], str]              # a difference (swing) as text


def _mw(v: float) -> str:
    return f"{v:,.0f} MW"


def share_text(v: float) -> str:
    return f"{v:.1%}"


def _points(v: float) -> str:
    return f"{v * 100:,.1f} pp"


def tonnes_text(v: float) -> str:
    return f"{v / 1e6:,.2f} Mt" if abs(v) >= 1e5 else f"{v:,.0f} t"


METRICS = (Metric("objective_usd", "net present cost", "billion USD", 1e-9, usd_text, usd_text),
           Metric("peak_mw", "peak MW", "MW", 1.0, _mw, _mw),
           Metric("onsite_gas_share", "on-site gas share", "% of energy", 100.0, share_text, _points),
           Metric("emissions_t", "emissions", "Mt CO2", 1e-6, tonnes_text, tonnes_text))


# ---- reading the store ---------------------------------------------------------------------------

@dataclass
class SweepData:
    """A sweep as the store holds it: the validated spec (None if unreadable), the sweeps row and
    every scenario (sorted by position) with ``planned`` (has a plan) and ``finished`` flags."""

    name: str
    spec: Sweep | None
    info: dict
    frame: pd.DataFrame
    store: RunStore
    _tables: dict = field(default_factory=dict)

    @property
    def design(self) -> str:
        return self.spec.design if self.spec is not None else str(self.info.get("design") or "")

    @property
    def axes(self) -> list[str]:
        if self.spec is not None:
            return list(self.spec.axes)
        try:
            return list(json.loads(self.info.get("axes") or "[]"))
        except ValueError:
            return []

    @property
    def planned(self) -> pd.DataFrame:
        return self.frame[self.frame["planned"]]

    @property
    def failed(self) -> pd.DataFrame:
        return self.frame[self.frame["finished"] & ~self.frame["planned"]]

    def table(self, family: str) -> pd.DataFrame:
        """A result table across the sweep's scenarios (read once)."""
        if family not in self._tables:
            try:
                self._tables[family] = self.store.table(family, self.name)
            except Exception:   # noqa: BLE001 - a store without result tables: report without them
                self._tables[family] = pd.DataFrame()
        return self._tables[family]


def read_sweep_data(store: RunStore, sweep: str, spec: Sweep | None = None) -> SweepData:
    """The sweep ``sweep`` from ``store``; ``spec`` read from the store's ``sweeps.spec`` when None."""
    with store.connect(read_only=True) as con:
        rows = con.execute("SELECT * FROM sweeps WHERE sweep = ?", [sweep]).df()
    if rows.empty:
        raise ValueError(f"no sweep named '{sweep}' in the run store {store.path}")
    info = rows.iloc[0].to_dict()
    if spec is None and info.get("spec"):
        try:
            spec = Sweep.model_validate(json.loads(info["spec"]))
        except Exception:   # noqa: BLE001 - an older or damaged spec: the report goes on without it
            spec = None
    frame = store.scenarios(sweep).sort_values("position", kind="stable").reset_index(drop=True)
    frame["planned"] = frame["status"].isin(PLANNED) & frame["objective_usd"].notna()
    frame["finished"] = frame["status"] != "pending"
    return SweepData(sweep, spec, info, frame, store)


# ---- values of an axis ---------------------------------------------------------------------------

def value_key(value: Any) -> str:
    """An axis value as canonical text (a value read back from the store's JSON equals the spec's)."""
    return json.dumps(plain_keys(value), sort_keys=True, default=str)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def value_order(data: SweepData, axis: str) -> dict[str, float]:
    """Rank of each value (by :func:`value_key`) of an axis: by number when every value is a number,
    else in the order of the sweep file's ``values`` (then of first appearance)."""
    seen = [v.get(axis) for v in data.frame["axis_values"] if axis in v]
    listed = list(data.spec.axes[axis].values or []) if data.spec is not None and axis in data.spec.axes else []
    every = listed + seen
    if every and all(_is_number(v) for v in every):
        return {value_key(v): float(v) for v in every}
    order: dict[str, float] = {}
    for v in every:
        order.setdefault(value_key(v), float(len(order)))
    return order


def _labels_of(data: SweepData, axis: str) -> dict[str, str]:
    """value key -> its label as the scenarios show it."""
    out = {}
    for values, labels in zip(data.frame["axis_values"], data.frame["labels"]):
        if axis in values:
            out.setdefault(value_key(values[axis]), str(labels.get(axis, values[axis])))
    return out


def unit_coordinates(data: SweepData) -> np.ndarray | None:
    """The unit-hypercube point of each scenario (rows in scenario order) of a sampled design; None
    when the spec is unknown or its sample does not match the stored scenarios."""
    if data.spec is None or data.spec.design not in SAMPLED:
        return None
    from optimizer.sweep.design import unit_samples

    unit = np.asarray(unit_samples(data.spec), dtype=float)
    if len(unit) != len(data.frame) or list(data.frame["position"]) != list(range(len(data.frame))):
        return None
    return unit


# ---- sensitivity ---------------------------------------------------------------------------------

SENSITIVITY_COLUMNS = ["metric", "axis", "measure", "low", "low_at", "high", "high_at", "swing", "reference",
                       "scenarios", "means", "mu_star", "mu_star_conf", "sigma", "S1", "S1_conf", "ST", "ST_conf"]


def sensitivity(data: SweepData) -> pd.DataFrame:
    """One row per metric and axis (see the module docstring): ``low`` and ``high`` the ends of the
    tornado bar in metric units (``low`` ≤ ``high``), ``low_at``/``high_at`` what gives each end (an
    axis value's label, or 'lowest third'/'highest third'), ``swing`` = high − low (NaN when fewer
    than two groups have a plan), ``reference`` the line (base scenario or mean of all), ``scenarios``
    how many scenarios with a plan the swing uses, ``means`` (grid: the mean at each value), and the
    SALib indices of morris (mu_star, mu_star_conf, sigma) and sobol (S1, S1_conf, ST, ST_conf)."""
    design, axes = data.design, data.axes
    rows: list[dict] = []
    if design == "scenarios" or not axes:
        return pd.DataFrame(columns=SENSITIVITY_COLUMNS)
    unit = unit_coordinates(data) if design in SAMPLED else None
    salib = _salib(data, unit) if design in ("morris", "sobol") else {}
    for metric in METRICS:
        for axis in axes:
            if design == "one_at_a_time":
                row = _one_at_a_time(data, axis, metric.column)
            elif design == "grid":
                row = _main_effect(data, axis, metric.column)
            else:
                row = _thirds(data, axis, metric.column, unit)
            row.update(salib.get((metric.column, axis), {}))
            rows.append({"metric": metric.title, "axis": axis, **row})
    frame = pd.DataFrame(rows)
    for column in SENSITIVITY_COLUMNS:
        if column not in frame:
            frame[column] = np.nan
    frame = frame[SENSITIVITY_COLUMNS]
    frame["_rank"] = frame["ST"].where(frame["ST"].notna(), frame["mu_star"]) if design in ("morris", "sobol") \
        else frame["swing"]
    if design in ("morris", "sobol"):
        frame["_rank"] = frame["_rank"].where(frame["_rank"].notna(), -1.0)
    frame["_metric"] = frame["metric"].map({m.title: i for i, m in enumerate(METRICS)})
    frame = frame.sort_values(["_metric", "_rank"], ascending=[True, False], na_position="last", kind="stable")
    return frame.drop(columns=["_rank", "_metric"]).reset_index(drop=True)


def same(a: float, b: float) -> bool:
    """Equal up to solver round-off (a relative 1e-9)."""
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1.0)


def _ends(points: list[tuple[str, float]]) -> dict:
    """low/high ends of a bar from (label, value) pairs; a swing within round-off is 0, with no end
    named (no value moves the metric)."""
    (a_label, a), (b_label, b) = points
    if same(a, b):
        return {"low": min(a, b), "low_at": "", "high": max(a, b), "high_at": "", "swing": 0.0}
    if a <= b:
        return {"low": a, "low_at": a_label, "high": b, "high_at": b_label, "swing": b - a}
    return {"low": b, "low_at": b_label, "high": a, "high_at": a_label, "swing": a - b}


def _one_at_a_time(data: SweepData, axis: str, column: str) -> dict:
    planned = data.planned
    base = planned[planned["role"] == "base"][column].dropna()
    reference = float(base.iloc[0]) if not base.empty else float("nan")
    own = planned[planned["role"].isin([axis, "base"])]
    own = own[own[column].notna() & own["axis_values"].map(lambda v: axis in v)]
    out = {"measure": "lowest vs highest value, others at base", "reference": reference, "scenarios": len(own)}
    if own.empty:
        return out
    order = value_order(data, axis)
    ranked = sorted(((order.get(value_key(v[axis]), math.inf), i) for i, v in zip(own.index, own["axis_values"])))
    first, last = ranked[0][1], ranked[-1][1]
    if ranked[0][0] == ranked[-1][0]:
        return {**out, "swing": float("nan")}
    label = lambda i: str(own.at[i, "labels"].get(axis, own.at[i, "axis_values"][axis]))  # noqa: E731
    return {**out, **_ends([(label(first), float(own.at[first, column])), (label(last), float(own.at[last, column]))])}


def _main_effect(data: SweepData, axis: str, column: str) -> dict:
    planned = data.planned[data.planned[column].notna()]
    reference = float(planned[column].mean()) if not planned.empty else float("nan")
    out = {"measure": "main effect: range of the mean at each value", "reference": reference,
           "scenarios": len(planned)}
    means = grid_means(data, axis, column)
    if means.empty:
        return out
    labels = _labels_of(data, axis)
    out["means"] = "; ".join(f"{labels.get(k, k)}: {v:.6g}" for k, v in means.items())
    if len(means) < 2:
        return {**out, "swing": float("nan")}
    lo, hi = means.idxmin(), means.idxmax()
    return {**out, **_ends([(labels.get(lo, lo), float(means[lo])), (labels.get(hi, hi), float(means[hi]))])}


def grid_means(data: SweepData, axis: str, column: str) -> pd.Series:
    """The mean of a metric over the scenarios with a plan at each value of an axis (indexed by
    :func:`value_key`, in value order)."""
    planned = data.planned[data.planned[column].notna()]
    planned = planned[planned["axis_values"].map(lambda v: axis in v)]
    if planned.empty:
        return pd.Series(dtype=float)
    keys = planned["axis_values"].map(lambda v: value_key(v[axis]))
    means = planned.groupby(keys.to_numpy(), sort=False)[column].mean()
    order = value_order(data, axis)
    return means.reindex(sorted(means.index, key=lambda k: order.get(k, math.inf)))


def _third_masks(data: SweepData, axis: str, unit: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Scenario rows in the lowest and highest third of the axis's draws: by the unit coordinate
    (u ≤ 1/3, u ≥ 2/3); without it, by the rank of numeric values."""
    if unit is not None and data.spec is not None and axis in data.spec.axes:
        u = unit[:, list(data.spec.axes).index(axis)]
    else:
        values = pd.Series([v.get(axis) if _is_number(v.get(axis)) else np.nan for v in data.frame["axis_values"]])
        u = ((values.rank(method="average") - 1) / max(values.notna().sum() - 1, 1)).to_numpy()
    return u <= THIRD + EPS, u >= 2 * THIRD - EPS


def _thirds(data: SweepData, axis: str, column: str, unit: np.ndarray | None) -> dict:
    frame = data.frame
    usable = (frame["planned"] & frame[column].notna()).to_numpy()
    reference = float(frame.loc[usable, column].mean()) if usable.any() else float("nan")
    low, high = _third_masks(data, axis, unit)
    low, high = low & usable, high & usable
    out = {"measure": "mean in the lowest vs the highest third of draws", "reference": reference,
           "scenarios": int(low.sum() + high.sum())}
    if not low.any() or not high.any():
        return {**out, "swing": float("nan")}
    return {**out, **_ends([(_range_label("lowest third", frame.loc[low, "axis_values"], axis),
                             float(frame.loc[low, column].mean())),
                            (_range_label("highest third", frame.loc[high, "axis_values"], axis),
                             float(frame.loc[high, column].mean()))])}


def _range_label(name: str, values: pd.Series, axis: str) -> str:
    numbers = [v[axis] for v in values if _is_number(v.get(axis))]
    if not numbers:
        return name
    lo, hi = min(numbers), max(numbers)
    return f"{name} ({lo:.4g})" if lo == hi else f"{name} ({lo:.4g}–{hi:.4g})"


def _salib(data: SweepData, unit: np.ndarray | None) -> dict[tuple[str, str], dict]:
    """SALib indices per (metric column, axis): morris mu*, sigma; sobol S1, ST. Only complete
    trajectories (morris) or sample blocks (sobol) are analysed: those whose every scenario has a plan."""
    if unit is None:
        return {}
    from optimizer.sweep.design import salib_problem

    spec = data.spec
    problem = salib_problem(spec)
    d = problem["num_vars"]
    size = d + 1 if spec.design == "morris" else d + 2
    out: dict[tuple[str, str], dict] = {}
    for metric in METRICS:
        y = data.frame[metric.column].where(data.frame["planned"]).to_numpy(dtype=float)
        if len(y) % size:
            continue
        whole = np.isfinite(y).reshape(-1, size).all(axis=1)
        if not whole.any():
            continue
        keep = np.repeat(whole, size)
        x, y = unit[keep], y[keep]
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            if spec.design == "morris":
                from SALib.analyze import morris

                si = morris.analyze(problem, x, y, num_levels=spec.levels, num_resamples=100, seed=spec.seed + 1)
                for i, axis in enumerate(problem["names"]):
                    out[metric.column, axis] = {"mu_star": float(si["mu_star"][i]),
                                                "mu_star_conf": float(si["mu_star_conf"][i]),
                                                "sigma": float(si["sigma"][i])}
            else:
                from SALib.analyze import sobol

                if np.ptp(y) == 0:      # no variation: nothing to apportion
                    si = {k: np.zeros(d) for k in ("S1", "S1_conf", "ST", "ST_conf")}
                else:
                    si = sobol.analyze(problem, y, calc_second_order=False, num_resamples=100, seed=spec.seed + 1)
                for i, axis in enumerate(problem["names"]):
                    out[metric.column, axis] = {k: float(si[k][i]) for k in ("S1", "S1_conf", "ST", "ST_conf")}
    return out


def salib_used(data: SweepData) -> dict[str, int]:
    """How many scenarios SALib analysed, by metric title (morris and sobol)."""
    if data.design not in ("morris", "sobol") or data.spec is None:
        return {}
    d = len(data.spec.axes)
    size = d + 1 if data.design == "morris" else d + 2
    out = {}
    for metric in METRICS:
        y = data.frame[metric.column].where(data.frame["planned"]).to_numpy(dtype=float)
        if len(y) % size == 0:
            out[metric.title] = int(np.isfinite(y).reshape(-1, size).all(axis=1).sum() * size)
    return out


# ---- plans ---------------------------------------------------------------------------------------

def sites_of(text) -> list[str]:
    return sorted(s for s in str(text or "").split(",") if s.strip()) if isinstance(text, str) else []


def mix_of(mw_by_source: dict) -> str:
    """The plan's mix: its dominant power source (most MW), then the other sources with at least 20%
    of its MW in name order, joined by '+' (two plans with the same dominant source and the same
    sources above 20% have the same mix)."""
    mw = {k: float(v) for k, v in (mw_by_source or {}).items() if v is not None and float(v) > 0}
    total = sum(mw.values())
    if total <= 0:
        return "no power"
    dominant = min(mw, key=lambda k: (-mw[k], k))
    others = sorted(k for k, v in mw.items() if k != dominant and v >= MIX_SHARE * total - EPS)
    return "+".join([dominant] + others)


def plan_of(row) -> tuple[str, str]:
    """(sites, mix) of a scenario; ('no plan', status) without one."""
    if not row["planned"]:
        return ("no plan", str(row["status"]))
    return (", ".join(sites_of(row["sites"])) or "none", mix_of(row["mw_by_source"]))


def plan_text(plan: tuple[str, str]) -> str:
    sites, mix = plan
    return f"no plan ({mix})" if sites == "no plan" else f"{mix} at {sites}"


def signature(row) -> str:
    """Sorted sites chosen and each source's MW rounded to 10 MW."""
    sources = {k: round(float(v) / SIGNATURE_MW) * SIGNATURE_MW for k, v in (row["mw_by_source"] or {}).items()
               if v is not None}
    parts = [f"{k} {v:,.0f} MW" for k, v in sorted(sources.items()) if v > 0]
    return f"{', '.join(sites_of(row['sites'])) or 'no site'} | {'; '.join(parts) or 'no power'}"


def plan_table(data: SweepData) -> pd.DataFrame:
    """Plan signatures by how often they appear: count, share of the scenarios with a plan, mean net
    present cost, the scenarios."""
    planned = data.planned
    columns = ["plan", "scenarios", "share", "mean_cost_usd", "min_cost_usd", "max_cost_usd", "scenario_ids"]
    if planned.empty:
        return pd.DataFrame(columns=columns)
    sig = planned.apply(signature, axis=1)
    groups = planned.groupby(sig.to_numpy(), sort=False)
    out = pd.DataFrame({"plan": list(groups.groups),
                        "scenarios": groups.size().to_numpy(),
                        "mean_cost_usd": groups["objective_usd"].mean().to_numpy(),
                        "min_cost_usd": groups["objective_usd"].min().to_numpy(),
                        "max_cost_usd": groups["objective_usd"].max().to_numpy(),
                        "scenario_ids": [", ".join(g["scenario"]) for _, g in groups]})
    out["share"] = out["scenarios"] / len(planned)
    out = out.sort_values(["scenarios", "mean_cost_usd"], ascending=[False, True], kind="stable")
    return out[columns].reset_index(drop=True)


def plan_changes(data: SweepData) -> pd.DataFrame:
    """Per axis and value (or third of draws), the most common plan and whether it changed from the
    value before (see the module docstring)."""
    columns = ["axis", "value", "scenarios", "plan", "sites", "mix", "share", "change"]
    design = data.design
    finished = data.frame[data.frame["finished"]]
    rows = []
    if design == "scenarios" or finished.empty:
        return pd.DataFrame(columns=columns)
    unit = unit_coordinates(data) if design in SAMPLED else None
    for axis in data.axes:
        groups: list[tuple[str, pd.DataFrame]] = []
        if design in SAMPLED:
            low, high = _third_masks(data, axis, unit)
            middle = ~low & ~high
            for name, mask in (("lowest third", low), ("middle third", middle), ("highest third", high)):
                part = data.frame[mask & data.frame["finished"].to_numpy()]
                if not part.empty:
                    groups.append((_range_label(name, part["axis_values"], axis), part))
        else:
            part = finished[finished["role"].isin([axis, "base"])] if design == "one_at_a_time" \
                else _base_slice(data, finished, axis)
            part = part[part["axis_values"].map(lambda v: axis in v)]
            keys = part["axis_values"].map(lambda v: value_key(v[axis]))
            order, labels = value_order(data, axis), _labels_of(data, axis)
            for key in sorted(dict.fromkeys(keys), key=lambda k: order.get(k, math.inf)):
                groups.append((labels.get(key, key), part[(keys == key).to_numpy()]))
        before = None
        for label, part in groups:
            plans = [plan_of(r) for _, r in part.iterrows()]
            counts = Counter(plans)
            top = max(counts.values())
            plan = next(p for p in plans if counts[p] == top)      # ties: the first in scenario order
            change = "" if before is None or plan == before else _change_text(before, plan)
            rows.append({"axis": axis, "value": label, "scenarios": len(part), "plan": plan_text(plan),
                         "sites": plan[0], "mix": plan[1], "share": top / len(part), "change": change})
            before = plan
    return pd.DataFrame(rows, columns=columns)


def _base_slice(data: SweepData, finished: pd.DataFrame, axis: str) -> pd.DataFrame:
    """A grid's scenarios with every axis but ``axis`` at its base value (``base``, or the middle
    value): one scenario per value of ``axis``, so a change is the axis's doing. All scenarios when
    the sweep has no spec or the slice is empty."""
    if data.spec is None:
        return finished
    from optimizer.sweep.spec import oat_base

    bases = {name: value_key(oat_base(a)) for name, a in data.spec.axes.items() if name != axis}
    at_base = finished["axis_values"].map(lambda v: all(value_key(v.get(n)) == k for n, k in bases.items()))
    return finished[at_base.to_numpy()] if at_base.any() else finished


def _change_text(before: tuple[str, str], after: tuple[str, str]) -> str:
    if before[0] == "no plan" or after[0] == "no plan":
        return f"{plan_text(before)} → {plan_text(after)}"
    parts = []
    if before[1] != after[1]:
        parts.append(f"{before[1]} → {after[1]}")
    if before[0] != after[0]:
        parts.append(f"sites {before[0]} → {after[0]}")
    return "; ".join(parts)


# ---- sites, binding limits, MW -------------------------------------------------------------------

def site_frequency(data: SweepData) -> pd.DataFrame:
    """Each candidate site (the sites table of the scenarios) with how many scenarios with a plan
    choose it and their share."""
    planned = data.planned
    counts = Counter(s for text in planned["sites"] for s in sites_of(text))
    sites = data.table("sites")
    columns = ["site_id", "name", "region_id", "lat", "lon", "chosen_in", "share"]
    if not sites.empty and "site_id" in sites:
        keep = [c for c in ("site_id", "name", "region_id", "lat", "lon") if c in sites]
        frame = sites[keep].drop_duplicates("site_id").reset_index(drop=True)
    else:
        frame = pd.DataFrame(columns=["site_id"])
    extra = [s for s in counts if s not in set(frame["site_id"])]
    if extra:
        frame = pd.concat([frame, pd.DataFrame({"site_id": extra})], ignore_index=True)
    for column in columns[1:5]:
        if column not in frame:
            frame[column] = np.nan
    frame["chosen_in"] = frame["site_id"].map(lambda s: counts.get(s, 0)).astype(int)
    frame["share"] = frame["chosen_in"] / len(planned) if len(planned) else 0.0
    frame = frame.sort_values(["chosen_in", "site_id"], ascending=[False, True], kind="stable")
    return frame[columns].reset_index(drop=True)


def binding_counts(data: SweepData) -> pd.DataFrame:
    """Each limit of the binding tables: in how many scenarios with a plan it binds, their share,
    the median of its shadow price (USD per unit relaxed) and of the USD per 1% relaxed."""
    columns = ["family", "limit", "unit", "scenarios", "share", "median_usd_per_unit", "median_value_of_1pct_usd"]
    b = data.table("binding")
    planned = data.planned
    if b.empty or "limit" not in b or planned.empty:
        return pd.DataFrame(columns=columns)
    b = b[b["scenario"].isin(set(planned["scenario"]))].copy()
    if b.empty:
        return pd.DataFrame(columns=columns)
    for column in ("family", "unit"):
        if column not in b:
            b[column] = ""
        b[column] = b[column].fillna("").astype(str)
    for column in ("value_usd_per_unit", "value_of_1pct_usd"):
        b[column] = pd.to_numeric(b[column], errors="coerce") if column in b else np.nan
    per = b.groupby(["family", "limit", "unit", "scenario"], sort=False)[["value_usd_per_unit",
                                                                          "value_of_1pct_usd"]].mean()
    grouped = per.groupby(level=[0, 1, 2], sort=False)
    out = pd.DataFrame({"scenarios": grouped.size(),
                        "median_usd_per_unit": grouped["value_usd_per_unit"].median(),
                        "median_value_of_1pct_usd": grouped["value_of_1pct_usd"].median()}).reset_index()
    out["share"] = out["scenarios"] / len(planned)
    out = out.sort_values(["scenarios", "median_value_of_1pct_usd"], ascending=[False, False], kind="stable",
                          na_position="last")
    return out[columns].reset_index(drop=True)


def mw_by_source_table(data: SweepData) -> pd.DataFrame:
    """MW by power source (columns, largest total first) of each scenario with a plan (rows)."""
    planned = data.planned
    if planned.empty:
        return pd.DataFrame(columns=["scenario"])
    frame = pd.DataFrame([{k: float(v) for k, v in (m or {}).items() if v is not None}
                          for m in planned["mw_by_source"]]).fillna(0.0)
    if not frame.empty:
        frame = frame[frame.sum().sort_values(ascending=False, kind="stable").index]
    frame.insert(0, "scenario", planned["scenario"].to_numpy())
    return frame


# ---- every scenario ------------------------------------------------------------------------------

def report_link(run_dir, folder: Path) -> str | None:
    """The scenario's run report as a link from ``folder``: relative when possible; None when the
    scenario has no run folder or its report.html is missing."""
    if not isinstance(run_dir, str) or not run_dir:
        return None
    target = Path(run_dir) / "report.html"
    if not target.is_file():
        return None
    try:
        return Path(os.path.relpath(target.resolve(), Path(folder).resolve())).as_posix()
    except ValueError:      # another drive (Windows)
        return target.resolve().as_uri()


SCENARIO_COLUMNS = ("status", "objective_usd", "capex_cash_usd", "peak_mw", "onsite_gas_share", "emissions_t",
                    "sites", "solve_seconds", "message")


def axis_columns(data: SweepData) -> dict[str, str]:
    """axis -> its column in the scenario table: the axis's name, or 'axis NAME' where the name is
    one of the table's own columns."""
    axes = list(dict.fromkeys(data.axes + [k for labels in data.frame["labels"] for k in labels]))
    taken = {"scenario", "role", "report", *SCENARIO_COLUMNS}
    return {a: f"axis {a}" if a in taken else a for a in axes}


def scenario_table(data: SweepData, folder: Path) -> pd.DataFrame:
    """Every scenario: id, one column per axis (its label), status, money, MW, gas share, emissions,
    sites, solve seconds, message, and the link to its run report (``report``)."""
    frame = data.frame
    out = pd.DataFrame({"scenario": frame["scenario"]})
    for axis, column in axis_columns(data).items():
        out[column] = [labels.get(axis, "") for labels in frame["labels"]]
    if data.design == "one_at_a_time":
        out["role"] = frame["role"]
    for column in SCENARIO_COLUMNS:
        out[column] = frame[column]
    out["report"] = [report_link(r, folder) for r in frame["run_dir"]]
    return out

