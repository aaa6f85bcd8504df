"""The sweep file: a base config, overrides shared by every scenario, and axes of alternatives.

::

    name: colossus_power_mix
    config: ../colossus.yaml            # relative to this file
    set: {solver.time_limit_s: 120}     # in every scenario, like --set
    design: grid                        # grid | one_at_a_time | latin_hypercube | sobol | morris | scenarios
    axes:
      gas_price:                        # the axis's name, shown in reports
        key: "data.prices.*.gas_hub_usd_per_mmbtu*"   # any --set key; a trailing * multiplies a data column
        values: [1.0, 1.28, 1.6]
        labels: [$3.52, $4.50, $5.60]
      engine_lead:
        key: data.techs.gas_recip.lead_time_months
        values: [12, 24]
      grid_step:                        # a date that is a key: name each alternative whole
        key: grid.headroom_mw.TVA
        values: [{2024: 150, 2025: 300}, {2024: 150, 2026: 300}]

Designs: ``grid`` (every combination), ``one_at_a_time`` (every axis at its ``base`` value, then
each axis through its values alone: the tornado), ``latin_hypercube``, ``sobol`` and ``morris``
(``samples`` draws from each axis's ``distribution``, with ``seed``; sampled by SALib), and
``scenarios`` (a named list, each with its own ``set``). Mistakes are reported like config
mistakes: file, line, key and a fix.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from optimizer.config.constraints import NoBoolNumbers
from optimizer.config.load import _pydantic_problems, unusable_name
from optimizer.config.yaml_source import SourceMap, load_yaml
from optimizer.errors import InputError, Problem, display_path

DESIGNS = ("grid", "one_at_a_time", "latin_hypercube", "sobol", "morris", "scenarios")
SAMPLED = ("latin_hypercube", "sobol", "morris")
MAX_SCENARIOS = 10_000
MAX_SAMPLES = 10_000
Number = Annotated[float, Field(allow_inf_nan=False)]
Label = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, (int, float)) and not isinstance(v, bool)
                                       else v)]   # a number written as a label is its text


class _Part(NoBoolNumbers, BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Uniform(_Part):
    """Every value in [low, high] equally likely."""

    kind: Literal["uniform"]
    low: Number
    high: Number

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        return self


class Triangular(_Part):
    """Values in [low, high], most likely at ``mode``."""

    kind: Literal["triangular"]
    low: Number
    mode: Number
    high: Number

    @model_validator(mode="after")
    def _ordered(self):
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(f"needs low <= mode <= high and low < high (got {self.low:g}, {self.mode:g}, "
                             f"{self.high:g})")
        return self


class Normal(_Part):
    """Normal around ``mean`` with standard deviation ``sd``; the draws are kept inside the 0.1% and
    99.9% quantiles (and inside ``low``/``high`` when given)."""

    kind: Literal["normal"]
    mean: Number
    sd: Number = Field(gt=0)
    low: Number | None = None
    high: Number | None = None


class Discrete(_Part):
    """One of ``values``, with ``weights`` (default: equally likely)."""

    kind: Literal["discrete"]
    values: list[Any] = Field(min_length=1)
    weights: list[Annotated[float, Field(ge=0, allow_inf_nan=False)]] | None = None

    @model_validator(mode="after")
    def _weights(self):
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"{len(self.weights)} weights for {len(self.values)} values: give one per value")
            if not sum(self.weights) > 0:
                raise ValueError("the weights sum to zero: give at least one a positive weight")
        return self


Distribution = Annotated[Union[Uniform, Triangular, Normal, Discrete], Field(discriminator="kind")]


class Axis(_Part):
    """One assumption to vary: a ``--set`` key and its alternatives."""

    key: str | list[str] = Field(description="a --set key path: a config key (solver.mip_gap), a data cell "
                                             "(data.techs.gas_recip.capex_usd_per_kw) or column "
                                             "(data.regions.*.col); a trailing * multiplies. A list of keys: "
                                             "each takes the value")
    values: list[Any] | None = Field(None, min_length=1, description="the alternatives (grid, one_at_a_time)")
    labels: list[Label] | None = Field(None, description="a name for each value, shown in reports")
    base: Any = Field(None, description="the value every other axis is tried around (one_at_a_time; default: "
                                        "the middle value)")
    distribution: Distribution | None = Field(None, description="what to draw samples from (latin_hypercube, "
                                                                 "sobol, morris)")
    round: int | None = Field(None, ge=0, le=12, description="decimals to round drawn values to (0: whole numbers)")

    @model_validator(mode="after")
    def _consistent(self):
        if self.labels is not None and self.values is not None and len(self.labels) != len(self.values):
            raise ValueError(f"{len(self.labels)} labels for {len(self.values)} values: give one label per value")
        if self.labels is not None and self.values is None:
            raise ValueError("labels name values: give values too")
        for key in self.keys:
            if not key.strip() or any(not part.strip() for part in key.rstrip("*").split(".")):
                raise ValueError(f"'{key}' is not a key path: write section.key (as for --set)")
        if not self.keys:
            raise ValueError("give at least one key")
        return self

    @property
    def keys(self) -> list[str]:
        """The keys the axis sets (one, or several that take the same value)."""
        return [self.key] if isinstance(self.key, str) else list(self.key)


class NamedScenario(_Part):
    """One scenario of a ``scenarios`` design."""

    name: str = Field(min_length=1, description="the scenario's name (its id in the run store)")
    set: dict[str, Any] = Field(default_factory=dict, description="overrides, as in --set")


class Sweep(_Part):
    """A sweep file."""

    name: str = Field(min_length=1, description="the sweep's name: its folder and its key in the run store")
    description: str = ""
    config: str = Field(description="the base config, relative to the sweep file")
    set: dict[str, Any] = Field(default_factory=dict, description="overrides in every scenario, as in --set")
    design: Literal["grid", "one_at_a_time", "latin_hypercube", "sobol", "morris", "scenarios"] = "grid"
    axes: dict[str, Axis] = Field(default_factory=dict)
    scenarios: list[NamedScenario] = Field(default_factory=list)
    samples: int | None = Field(None, ge=1, le=MAX_SAMPLES, description="draws (latin_hypercube), base samples "
                                "(sobol: N·(axes+2) scenarios) or trajectories (morris: N·(axes+1))")
    levels: int = Field(4, ge=2, le=100, description="grid levels of a morris design")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="seed of the sampled designs")
    timeout_s: float | None = Field(None, gt=0, le=1e7, description="solver time limit of each scenario (its "
                                    "best plan is kept, status time_limit)")
    explain: Literal["all", "plans", "none"] = Field(
        "all", description="all: shadow prices of plans and the explanation of infeasible scenarios (as siting "
                           "run); plans: shadow prices only (an explanation re-solves the model several times); "
                           "none: neither (the report then cannot say what binds)")

    @model_validator(mode="after")
    def _design_needs(self):
        problems = []
        if self.design == "scenarios":
            if not self.scenarios:
                problems.append("design scenarios needs a 'scenarios' list")
            if self.axes:
                problems.append("design scenarios takes no axes: give each scenario its own 'set'")
            names = [s.name for s in self.scenarios]
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                problems.append(f"scenario names must differ: {', '.join(twice)} used twice")
        else:
            if not self.axes:
                problems.append(f"design {self.design} needs axes")
            if self.scenarios:
                problems.append("a scenarios list needs design: scenarios")
        if self.design in SAMPLED:
            if self.samples is None:
                problems.append(f"design {self.design} needs samples: N")
            lacking = [name for name, axis in self.axes.items() if axis.distribution is None and axis.values is None]
            if lacking:
                problems.append(f"axes {', '.join(lacking)} need a distribution (or values to draw from)")
        elif self.design != "scenarios":
            lacking = [name for name, axis in self.axes.items() if axis.values is None]
            if lacking:
                problems.append(f"design {self.design} needs values for axes {', '.join(lacking)}")
        keys = [key for axis in self.axes.values() for key in axis.keys]
        twice = sorted({k for k in keys if keys.count(k) > 1})
        if twice:
            problems.append(f"two axes vary the same key: {', '.join(twice)}")
        both = sorted(set(keys) & set(self.set))
        if both:
            problems.append(f"{', '.join(both)} is both in set and an axis: keep one")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def count(self) -> int:
        """How many scenarios the design makes."""
        d = len(self.axes)
        if self.design == "scenarios":
            return len(self.scenarios)
        if self.design == "grid":
            return math.prod(len(a.values) for a in self.axes.values())
        if self.design == "one_at_a_time":
            return 1 + sum(len([v for v in a.values if v != oat_base(a)]) for a in self.axes.values())
        if self.design == "latin_hypercube":
            return self.samples
        if self.design == "sobol":
            return self.samples * (d + 2)
        return self.samples * (d + 1)


def oat_base(axis: Axis) -> Any:
    """The value of an axis while the others vary: ``base``, else the middle of ``values`` (None for a
    sampled axis without either)."""
    if axis.base is not None:
        return axis.base
    return axis.values[(len(axis.values) - 1) // 2] if axis.values else None


class SweepFile:
    """A validated sweep file with where each key was written."""

    def __init__(self, path: Path, spec: Sweep, smap: SourceMap):
        self.path, self.spec, self.smap = path, spec, smap

    @property
    def config_path(self) -> Path:
        return (self.path.parent / self.spec.config).resolve()

    def locate(self, *path) -> tuple[str | None, int | None]:
        return self.smap.locate(tuple(path))


def read_sweep(path: str | Path) -> SweepFile:
    """Read and validate a sweep file; every mistake at once, located (:class:`InputError`)."""
    path = Path(path)
    raw, smap, problems = load_yaml(path)
    if problems:
        raise InputError(problems)
    if not isinstance(raw, dict):
        raise InputError([Problem(display_path(path), 1, "", "a sweep file is a mapping (name, config, axes, ...)",
                                  "start with 'name:' and 'config:' at the left margin")])
    try:
        spec = Sweep.model_validate(raw)
    except ValidationError as exc:
        raise InputError(_pydantic_problems(exc, raw, smap, Sweep)) from None
    problems = _names(spec, smap, path)
    if not (path.parent / spec.config).is_file():
        file, line = smap.locate(("config",))
        problems.append(Problem(file, line, "config", f"config file not found: {spec.config}",
                                "the path is relative to the sweep file"))
    n = spec.count()
    if n > MAX_SCENARIOS:
        file, line = smap.locate(("design",))
        problems.append(Problem(file, line, "design", f"{n:,} scenarios: more than {MAX_SCENARIOS:,}",
                                "use fewer values or samples, or a sampled design"))
    if problems:
        raise InputError(problems)
    return SweepFile(path.resolve(), spec, smap)


PLAIN_NAME = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")


def _names(spec: Sweep, smap: SourceMap, path: Path) -> list[Problem]:
    """Names that become folder names or ids must be plain."""
    problems = []
    named = [(("name",), spec.name)] + [(("scenarios", i, "name"), s.name) for i, s in enumerate(spec.scenarios)]
    for key, name in named:
        if unusable_name(name) or not set(name) <= PLAIN_NAME or name.startswith("."):
            file, line = smap.locate(key)
            problems.append(Problem(file, line, ".".join(map(str, key)), f"'{name}' is not a plain name",
                                    "use letters, digits, '_', '-' and '.' (it names a folder)"))
    return problems
