"""The futures of a stochastic plan: named scenarios of the config's ``uncertainty`` block, or draws
from a sweep file's axes; and the expected-value future the VSS is measured with.

Each future is a list of ``--set`` overrides applied to the config, so a future can change anything a
sweep axis can: prices, supply, headroom, queue dates, targets, data cells.

The expected-value future sets each overridden key to its probability-weighted mean where every
future gives it a number (rounded where they are all whole numbers: months, years, units), and
otherwise to its most probable value (a mapping, a date, a key some futures leave at the config's
value).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from optimizer.errors import Problem

BASE = object()     # a key a future leaves at the config's value


@dataclass(frozen=True)
class Future:
    name: str
    probability: float
    values: dict[str, Any]                 # key -> value, as --set takes them
    overrides: list[str] = field(default_factory=list)
    origin: tuple = ()                     # where the config wrote it: ("uncertainty", "scenarios", i)


def futures(uncertainty, config_path: Path) -> list[Future]:
    """The futures the block names or draws, each with its --set overrides."""
    from optimizer.sweep.design import override

    if uncertainty.scenarios:
        given = [s.probability for s in uncertainty.scenarios]
        n = len(given)
        return [Future(s.name, s.probability if s.probability is not None else 1.0 / n, dict(s.set),
                       [override(k, v) for k, v in s.set.items()], ("uncertainty", "scenarios", i))
                for i, s in enumerate(uncertainty.scenarios)]
    return _drawn(uncertainty.from_sweep, config_path)


def _drawn(spec, config_path: Path) -> list[Future]:
    """``samples`` equally likely draws (a Latin hypercube, seeded) from the sweep file's axes; a sweep
    of named scenarios gives those, equally likely."""
    from scipy.stats import qmc

    from optimizer.sweep.design import draw, override
    from optimizer.sweep.spec import read_sweep

    sweep = read_sweep((config_path.parent / spec.file).resolve())
    origin = ("uncertainty", "from_sweep", "file")
    if sweep.spec.design == "scenarios":
        n = len(sweep.spec.scenarios)
        return [Future(s.name, 1.0 / n, dict(s.set), [override(k, v) for k, v in s.set.items()], origin)
                for s in sweep.spec.scenarios]
    axes = sweep.spec.axes
    u = qmc.LatinHypercube(d=len(axes), seed=spec.seed).random(spec.samples)
    out = []
    for i, row in enumerate(u):
        values = {}
        for (name, axis), ui in zip(axes.items(), row):
            v = draw(axis, ui)
            for key in axis.keys:
                values[key] = v
        out.append(Future(f"f{i + 1:02d}", 1.0 / spec.samples, values,
                          [override(k, v) for k, v in values.items()], origin))
    return out


def expected_value_future(futures_: list[Future], base_value=None) -> Future:
    """One future with every key at its expected value (numbers) or most probable value (the rest).
    ``base_value(key)``: the config's own value of a key a future leaves alone (BASE when unknown)."""
    from optimizer.sweep.design import override

    keys = list(dict.fromkeys(k for f in futures_ for k in f.values))
    p = np.array([f.probability for f in futures_])
    values: dict[str, Any] = {}
    for key in keys:
        own = base_value(key) if base_value is not None else BASE
        value = _combined([f.values.get(key, own) for f in futures_], p)
        if value is not BASE:
            values[key] = value
    return Future("expected_value", 1.0, values, [override(k, v) for k, v in values.items()])


def _combined(got: list, p: np.ndarray):
    """The expected value of numbers (whole numbers stay whole), mappings with the same keys entry by
    entry, and the most probable value of anything else (BASE: the config's own)."""
    if all(_number(v) for v in got):
        mean = float(np.dot(p, [float(v) for v in got]))
        return int(round(mean)) if all(isinstance(v, int) for v in got) else mean
    if all(isinstance(v, dict) for v in got) and all(set(v) == set(got[0]) for v in got):
        return {k: _combined([v[k] for v in got], p) for k in got[0]}
    weight: dict[str, list] = {}
    for prob, v in zip(p, got):
        tag = "<base>" if v is BASE else repr(v)
        weight.setdefault(tag, [0.0, v])[0] += prob
    return max(weight.values(), key=lambda t: t[0])[1]


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def relocated(source, future: Future, problems: list[Problem]) -> list[Problem]:
    """Problems loading ``future`` raised (the config alone loads cleanly, so its overrides caused them)
    name the config's line of that future; a problem found in a data file keeps its place and says
    which future made it one."""
    out = []
    where = source.locate(tuple(future.origin) + (("set",) if future.origin[:2] == ("uncertainty", "scenarios")
                                                  else ())) if future.origin else (None, None)
    for p in problems:
        if p.file == "--set":
            out.append(Problem(*where, f"uncertainty scenario {future.name}: {p.key}", p.message, p.hint))
        else:
            line = f", line {where[1]}" if where[1] else ""
            out.append(Problem(p.file, p.line, p.key, f"{p.message} (with the overrides of uncertainty scenario "
                               f"{future.name}{line})", p.hint))
    return out
