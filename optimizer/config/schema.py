"""The config file's shape: typed, frozen pydantic models that forbid unknown keys.

Every section has defaults except ``horizon`` and ``data``. Years are calendar years; money in
USD, power in MW, compute in H100-equivalents (h100e). User constraints are a list of small
entries, each with a ``kind`` (see :mod:`optimizer.config.constraints`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, PositiveFloat, PositiveInt, model_validator

from optimizer.config.constraints import UserConstraint

YearMap = dict[int, NonNegativeFloat]


class Section(BaseModel):
    """Base of every config section: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Horizon(Section):
    """The planning years. Periods run from ``first_year`` to ``last_year`` in steps of
    ``period_length_years``; each period stands for that many years."""

    first_year: int = Field(ge=2000, le=2100, description="first planning year")
    last_year: int = Field(ge=2000, le=2100, description="last planning year (inclusive)")
    period_length_years: PositiveInt = Field(1, description="years per investment period")
    discount_rate: float = Field(0.07, ge=0, lt=1, description="real discount rate per year, e.g. 0.07")

    @model_validator(mode="after")
    def _ordered(self) -> "Horizon":
        if self.last_year < self.first_year:
            raise ValueError("last_year must not be before first_year")
        return self

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1, self.period_length_years))


class DataFiles(Section):
    """Data tables; relative paths are relative to the config file that names them."""

    sites: Path = Field(description="candidate sites (CSV with lat/lon, or GeoJSON / GeoPackage)")
    regions: Path = Field(description="grid regions (CSV)")
    techs: Path = Field(description="power technologies (CSV)")
    gpus: Path = Field(description="GPU catalog (CSV)")
    profiles: Path = Field(description="hourly zone profiles (solar, wind, temperature) or representative days")
    grid_profiles: Path | None = Field(None, description="hourly grid price and carbon per region (optional)")
    region_shapes: Path | None = Field(
        None, description="region polygons (GeoJSON / GeoPackage, property region_id): fill blank site regions "
                          "by spatial join and outline regions on the map (optional)")


class TimeSlices(Section):
    """How the year is represented. With hourly profiles: ``full_year`` (8,760 hours) or
    ``representative_days`` found by tsam. With a table of representative days: ``days`` picks some."""

    resolution: Literal["representative_days", "full_year"] = "representative_days"
    representative_days: int = Field(8, ge=1, le=364, description="typical days tsam finds in the hourly year")
    method: Literal["hierarchical", "kmeans", "averaging", "contiguous"] = "hierarchical"
    extreme_days: list[Literal["lowest_wind", "lowest_solar", "hottest", "highest_price"]] = Field(
        default_factory=list, description="extreme days added as their own typical days")
    link_days: bool = Field(False, description="carry storage across days in calendar order (Kotzur et al.)")
    days: list[str] | None = Field(None, description="day ids of a representative-day table (default: all)")
    hours_per_slice: Literal[1, 2, 3, 4, 6, 8, 12, 24] = Field(1, description="hours averaged into one slice")


class Facility(Section):
    """PUE per hour from ambient temperature: pue + rise · max(0, T − reference); water use
    per kWh of IT energy (WUE), which with a site's ``water_mgd`` caps the IT load it can cool."""

    pue_from_temperature: bool = False
    pue_rise_per_degree_c: NonNegativeFloat = Field(0.005, description="PUE added per °C above the reference")
    pue_reference_c: float = Field(20.0, description="temperature up to which the site's PUE holds")
    water_l_per_kwh: NonNegativeFloat = Field(
        0.5, description="on-site cooling water per kWh of IT energy (WUE), litres; 0: dry cooling")


class Objective(Section):
    """``min_cost``: least net present cost meeting every target. ``max_compute``: most compute
    within the budgets (final-year h100e or h100e-years summed), then least cost for it."""

    kind: Literal["min_cost", "max_compute"] = "min_cost"
    compute_measure: Literal["final_year", "h100e_years"] = "final_year"


class ClusterTarget(Section):
    """At least ``min_h100e`` (or ``min_gpus``) at one single campus from ``year`` on."""

    year: int
    min_h100e: PositiveFloat | None = None
    min_gpus: PositiveInt | None = None

    @model_validator(mode="after")
    def _one_measure(self) -> "ClusterTarget":
        if (self.min_h100e is None) == (self.min_gpus is None):
            raise ValueError("give exactly one of min_h100e or min_gpus")
        return self


class Targets(Section):
    compute_h100e: YearMap = Field(default_factory=dict, description="year -> minimum h100e online")
    single_cluster: list[ClusterTarget] = Field(default_factory=list)


class Budget(Section):
    capex_usd_per_year: PositiveFloat | dict[int, PositiveFloat] | None = Field(
        None, description="cash capex limit per year (one number for every year, or year -> USD)")
    capex_usd_total: PositiveFloat | None = Field(None, description="cash capex limit over the horizon")


class Grid(Section):
    headroom_mw: dict[str, YearMap] = Field(
        default_factory=dict,
        description="region -> year -> MW of new large-load headroom; overrides the regions table")


class Supply(Section):
    gpus_per_year: dict[str, YearMap] = Field(
        default_factory=dict,
        description="GPU product -> year -> GPUs deliverable that year; overrides the GPU catalog")


class Policy(Section):
    carbon_price_usd_per_t: NonNegativeFloat | YearMap = 0.0
    carbon_cap_t: YearMap = Field(default_factory=dict, description="year -> tCO2 cap on all sites")
    min_clean_share: float | dict[int, float] | None = Field(
        None, description="minimum share of facility energy from clean sources (0 to 1)")

    @model_validator(mode="after")
    def _shares(self) -> "Policy":
        values = self.min_clean_share
        values = values.values() if isinstance(values, dict) else [values] if values is not None else []
        if any(not 0 <= v <= 1 for v in values):
            raise ValueError("min_clean_share must be between 0 and 1")
        return self


class Reliability(Section):
    reserve_margin: NonNegativeFloat = Field(0.10, description="firm capacity above peak facility load, e.g. 0.1")
    n_minus_1: bool = Field(False, description="on-site firm capacity must survive the loss of the largest unit")
    value_of_lost_load_usd_per_mwh: PositiveFloat | None = Field(
        None, description="allow unserved load at this penalty; omitted means load must always be served")


class Solver(Section):
    time_limit_s: PositiveFloat = 600.0
    mip_gap: float = Field(0.01, ge=0, le=1)
    threads: PositiveInt | None = None
    seed: int = 0
    presolve: bool = True
    integer_gpus: bool = Field(True, description="GPU units as integers (False: a faster LP relaxation)")
    integer_power_units: bool = Field(True, description="lumpy techs in whole units")
    relax_integrality: bool = Field(False, description="solve the LP relaxation (a bound, or the answer when "
                                                       "every integer is fixed by constraints)")
    highs_options: dict[str, bool | int | float | str] = Field(
        default_factory=dict, description="further HiGHS options by name, e.g. mip_heuristic_effort: 0.2")


class Config(Section):
    """A whole scenario."""

    name: str | None = None
    description: str = ""
    horizon: Horizon
    data: DataFiles
    time_slices: TimeSlices = TimeSlices()
    facility: Facility = Facility()
    objective: Objective = Objective()
    targets: Targets = Targets()
    budget: Budget = Budget()
    grid: Grid = Grid()
    supply: Supply = Supply()
    policy: Policy = Policy()
    reliability: Reliability = Reliability()
    solver: Solver = Solver()
    constraints: list[UserConstraint] = Field(default_factory=list)
