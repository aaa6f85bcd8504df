"""From a sweep file to its scenarios: each a list of ``--set`` overrides and the axis values it holds.

Sampled designs draw points of the unit hypercube with SALib (``latin``, ``sobol`` with first and
total orders, ``morris`` trajectories on ``levels`` levels) and map each coordinate ``u`` to its
axis through the distribution's quantile function: uniform ``low + u·(high − low)``, triangular and
normal by ``scipy.stats`` (normal draws kept between the 0.1% and 99.9% quantiles, and inside
``low``/``high`` when given), discrete by the cumulative weights (``values`` without a
distribution are drawn as equally likely alternatives).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optimizer.sweep.spec import SAMPLED, Axis, Discrete, Normal, Sweep, Triangular, Uniform, oat_base

NORMAL_TAIL = 0.001


@dataclass(frozen=True)
class Scenario:
    """One run of a sweep."""

    id: str                                   # s001, ... or the name of a named scenario
    values: dict[str, Any]                    # axis -> the value it takes here
    labels: dict[str, str]                    # axis -> that value as shown in reports
    overrides: list[str]                      # --set texts: the sweep's set, then one per axis
    role: str = ""                            # one_at_a_time: "base" or the axis varied
    origin: dict[str, int] = field(default_factory=dict)   # axis -> index of the value in its values list

    @property
    def title(self) -> str:
        return ", ".join(f"{axis}={label}" for axis, label in self.labels.items()) or self.id


def override(key: str, value: Any) -> str:
    """``key=value`` as ``--set`` takes it (``key*=value`` multiplies a data column)."""
    from optimizer.api import yaml_text

    return f"{key}={yaml_text(value)}"


def shared_overrides(spec: Sweep) -> list[str]:
    return [override(key, value) for key, value in spec.set.items()]


def scenarios(spec: Sweep) -> list[Scenario]:
    """Every scenario of the sweep, in a fixed order (the same file gives the same list)."""
    if spec.design == "scenarios":
        return [Scenario(s.name, dict(s.set), {k: value_label(v) for k, v in s.set.items()},
                         shared_overrides(spec) + [override(k, v) for k, v in s.set.items()])
                for s in spec.scenarios]
    if spec.design == "grid":
        points = [dict(zip(spec.axes, combo))
                  for combo in itertools.product(*(range(len(a.values)) for a in spec.axes.values()))]
        return _numbered(spec, [(_from_indices(spec, p), "", p) for p in points])
    if spec.design == "one_at_a_time":
        return _numbered(spec, _one_at_a_time(spec))
    unit = unit_samples(spec)
    rows = []
    for u in unit:
        values = {name: draw(axis, x) for (name, axis), x in zip(spec.axes.items(), u)}
        rows.append((values, "", {}))
    return _numbered(spec, rows)


def _from_indices(spec: Sweep, indices: dict[str, int]) -> dict[str, Any]:
    return {name: spec.axes[name].values[i] for name, i in indices.items()}


def _one_at_a_time(spec: Sweep) -> list[tuple[dict, str, dict]]:
    base = {name: oat_base(axis) for name, axis in spec.axes.items()}
    base_origin = {name: _index(axis, base[name]) for name, axis in spec.axes.items()}
    rows = [(dict(base), "base", {k: v for k, v in base_origin.items() if v is not None})]
    for name, axis in spec.axes.items():
        for i, value in enumerate(axis.values):
            if value == base[name]:
                continue
            point = dict(base)
            point[name] = value
            origin = {k: v for k, v in base_origin.items() if v is not None}
            origin[name] = i
            rows.append((point, name, origin))
    return rows


def _index(axis: Axis, value: Any) -> int | None:
    return next((i for i, v in enumerate(axis.values or []) if v == value), None)


def _numbered(spec: Sweep, rows: list[tuple[dict, str, dict]]) -> list[Scenario]:
    width = max(3, len(str(len(rows))))
    out = []
    for n, (values, role, origin) in enumerate(rows, start=1):
        if not origin:
            origin = {name: i for name in values if (i := _index(spec.axes[name], values[name])) is not None}
        labels = {name: axis_label(spec.axes[name], values[name], origin.get(name)) for name in values}
        overrides = shared_overrides(spec) + [override(key, value) for name, value in values.items()
                                              for key in spec.axes[name].keys]
        out.append(Scenario(f"s{n:0{width}d}", values, labels, overrides, role, origin))
    return out


def axis_label(axis: Axis, value: Any, index: int | None) -> str:
    if axis.labels is not None and index is not None:
        return axis.labels[index]
    return value_label(value)


def value_label(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {value_label(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(value_label(v) for v in value)
    return str(value)


def salib_problem(spec: Sweep) -> dict:
    """The unit-hypercube problem SALib samples and analyses (every axis on [0, 1])."""
    return {"num_vars": len(spec.axes), "names": list(spec.axes), "bounds": [[0.0, 1.0]] * len(spec.axes)}


def unit_samples(spec: Sweep) -> np.ndarray:
    """Points of the unit hypercube, one row per scenario, drawn by SALib with the sweep's seed."""
    problem = salib_problem(spec)
    if spec.design == "latin_hypercube":
        from SALib.sample import latin

        return latin.sample(problem, spec.samples, seed=spec.seed)
    if spec.design == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, spec.samples, calc_second_order=False, scramble=True, seed=spec.seed)
    if spec.design == "morris":
        from SALib.sample import morris

        return morris.sample(problem, spec.samples, num_levels=spec.levels, seed=spec.seed)
    raise ValueError(f"{spec.design} is not a sampled design ({', '.join(SAMPLED)})")


def draw(axis: Axis, u: float) -> Any:
    """The axis's value at quantile ``u`` of its distribution (rounded as the axis asks)."""
    dist = axis.distribution if axis.distribution is not None else Discrete(kind="discrete", values=axis.values)
    u = min(max(float(u), 0.0), 1.0)
    if isinstance(dist, Discrete):
        weights = np.asarray(dist.weights if dist.weights is not None else [1.0] * len(dist.values), dtype=float)
        edges = np.cumsum(weights) / weights.sum()
        return dist.values[min(int(np.searchsorted(edges, u, side="right")), len(dist.values) - 1)]
    if isinstance(dist, Uniform):
        value = dist.low + u * (dist.high - dist.low)
    elif isinstance(dist, Triangular):
        from scipy.stats import triang

        width = dist.high - dist.low
        value = float(triang.ppf(u, (dist.mode - dist.low) / width, loc=dist.low, scale=width))
    else:
        value = _normal(dist, u)
    if axis.round is not None:
        value = round(value, axis.round)
        return int(value) if axis.round == 0 else value
    return float(value)


def _normal(dist: Normal, u: float) -> float:
    from scipy.stats import norm

    lo = NORMAL_TAIL if dist.low is None else max(NORMAL_TAIL, norm.cdf(dist.low, dist.mean, dist.sd))
    hi = 1 - NORMAL_TAIL if dist.high is None else min(1 - NORMAL_TAIL, norm.cdf(dist.high, dist.mean, dist.sd))
    return float(norm.ppf(lo + u * (hi - lo), dist.mean, dist.sd))
