"""The config file's shape: typed, frozen pydantic models that forbid unknown keys.

Every section has defaults except ``horizon`` and ``data``. Years are calendar years; money in
USD, power in MW, compute in H100-equivalents (h100e). User constraints are a list of small
entries, each with a ``kind`` (see :mod:`optimizer.config.constraints`).

Every number must be finite (``inf`` and ``nan`` are refused: to set no limit, leave the key
out) and inside the range its description gives. The upper bounds lie far above any real plan
(MW ≤ 1e7, USD ≤ 1e15, h100e ≤ 1e12, GPUs ≤ 1e12, tCO2 ≤ 1e12 per year, ...): they catch typos
such as ``1e308`` before the solver sees them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from optimizer.inputs.periods import Period, canonical_when, expand
from optimizer.config.constraints import (GPUs, H100e, MW, NoBoolNumbers, PositiveH100e, PositiveUSD, Share, TonnesCO2,
                                          UserConstraint)

MAX_CARBON_PRICE_USD_PER_T = 1e5     # a hundred times the highest carbon prices discussed
MAX_VOLL_USD_PER_MWH = 1e7           # a hundred times the usual value of lost load
MAX_TIME_LIMIT_S = 1e7               # about 116 days
MAX_THREADS = 1024
MAX_SEED = 2**31 - 1                 # HiGHS random_seed range

CarbonPrice = Annotated[float, Field(ge=0, le=MAX_CARBON_PRICE_USD_PER_T, allow_inf_nan=False)]


class Section(NoBoolNumbers, BaseModel):
    """Base of every config section: unknown keys are errors, values are frozen, numbers finite."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _check_when(value: int | str) -> int | str:
    """A year stays (or becomes) an int; a month or quarter is written canonically ('2024-07', '2025Q1')."""
    return canonical_when(value)


When = Annotated[int | str, AfterValidator(_check_when)]


class PeriodStep(Section):
    """Periods of one length until a date: ``{step: month, until: "2024-12"}``."""

    step: Literal["month", "quarter", "year"] = Field(description="length of each period")
    until: When = Field(description="last period of this step: a month ('2024-12'), quarter ('2025Q4') or year "
                                    "(2026: until December)")


class Horizon(Section):
    """The planning periods. Without ``periods``: from ``first_year`` to ``last_year`` in steps of
    ``period_length_years``. With ``periods``: from ``first_month`` of ``first_year``, months or
    quarters as listed, then whole years to the end of ``last_year``."""

    first_year: int = Field(ge=2000, le=2100, description="first planning year")
    last_year: int = Field(ge=2000, le=2100, description="last planning year (inclusive)")
    period_length_years: int = Field(1, gt=0, le=100, description="years per investment period (1 to 100)")
    first_month: int = Field(1, ge=1, le=12, description="month in which the horizon starts (1 to 12; after January "
                                                         "only with periods)")
    periods: list[PeriodStep] | None = Field(
        None, description="sub-year periods first, e.g. [{step: month, until: '2024-12'}, {step: quarter, until: "
                          "'2025Q4'}]; the rest of the horizon is whole years")
    discount_rate: float = Field(0.07, ge=0, lt=1, description="real discount rate per year, e.g. 0.07 (0 to below 1)")
    discount_at: Literal["start", "midpoint"] = Field(
        "start", description="discount each period's costs from its start (default) or its midpoint")

    @model_validator(mode="after")
    def _ordered(self) -> "Horizon":
        if self.last_year < self.first_year:
            raise ValueError("last_year must not be before first_year")
        self.periods_list   # raises ValueError with the reason
        return self

    @property
    def periods_list(self) -> list[Period]:
        steps = [(p.step, p.until) for p in self.periods] if self.periods else None
        return expand(self.first_year, self.last_year, self.period_length_years, self.first_month, steps)

    @property
    def years(self) -> list[int | str]:
        """The period keys (calendar years when every period is a whole year)."""
        return [p.key for p in self.periods_list]


class DataFiles(Section):
    """Data tables; relative paths are relative to the config file that names them."""

    sites: Path = Field(description="candidate sites (CSV with lat/lon, or GeoJSON / GeoPackage)")
    regions: Path = Field(description="grid regions (CSV)")
    techs: Path = Field(description="power technologies (CSV)")
    gpus: Path = Field(description="GPU catalog (CSV)")
    profiles: Path = Field(description="hourly zone profiles (solar, wind, temperature) or representative days")
    grid_profiles: Path | None = Field(None, description="hourly grid price and carbon per region (optional)")
    prices: Path | None = Field(None, description="price paths by year (and region): gas hub price, grid price "
                                                  "adder, grid carbon factor (optional)")
    region_shapes: Path | None = Field(
        None, description="region polygons (GeoJSON / GeoPackage, property region_id): fill blank site regions "
                          "by spatial join and outline regions on the map (optional)")


class TimeSlices(Section):
    """How the year is represented. With hourly profiles: ``full_year`` (8,760 hours) or
    ``representative_days`` found by tsam, per season (``seasons``: the whole year, each quarter or
    each month). With a table of representative days: ``days`` picks some (seasons: year only)."""

    resolution: Literal["representative_days", "full_year"] = "representative_days"
    representative_days: int = Field(8, ge=1, le=364, description="typical days tsam finds in each season of the "
                                                                  "hourly year (at most the days of the season)")
    seasons: Literal["auto", "year", "quarter", "month"] = Field(
        "auto", description="draw typical days per season so that sub-year periods see their own weather; auto: "
                            "the finest sub-year step of the horizon's periods, else year")
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
    pue_rise_per_degree_c: float = Field(0.005, ge=0, le=1, description="PUE added per °C above the reference "
                                                                        "(0 to 1)")
    pue_reference_c: float = Field(20.0, ge=-80, le=70, description="temperature up to which the site's PUE "
                                                                    "holds, °C (-80 to 70)")
    water_l_per_kwh: float = Field(
        0.5, ge=0, le=100, description="on-site cooling water per kWh of IT energy (WUE), litres; 0: dry cooling "
                                       "(0 to 100)")
    fixed_load_mw: dict[str, MW | dict[When, MW]] = Field(
        default_factory=dict,
        description="site -> facility MW that is not GPUs (existing halls, contracted inference, offices), one "
                    "number or year -> MW (held until the next year given); overrides the sites table's "
                    "fixed_load_mw; counted in the years the campus is open")


class Objective(Section):
    """``min_cost``: least net present cost meeting every target. ``max_compute``: most compute
    within the budgets (final-period h100e, or h100e-years or h100e-months summed), then least cost
    for it. ``fastest``: the earliest period with ``fastest_h100e`` online, then least cost.

    The value of time: ``value_usd_per_h100e_month`` credits every h100e-month delivered against the
    cost (min_cost); ``shortfall_usd_per_h100e_month`` makes compute targets soft, each h100e-month
    short of a target costing that much."""

    kind: Literal["min_cost", "max_compute", "fastest"] = "min_cost"
    compute_measure: Literal["final_year", "h100e_years", "h100e_months"] = "final_year"
    fastest_h100e: PositiveH100e | None = Field(
        None, description="kind fastest: the h100e to have online as early as possible (above 0, at most 1e12)")
    value_usd_per_h100e_month: float | None = Field(
        None, ge=0, le=1e6, description="USD each h100e-month delivered is worth, traded against cost "
                                         "(min_cost; 0 to 1e6; an H100 rents for about $1,500 a month)")
    shortfall_usd_per_h100e_month: float | None = Field(
        None, gt=0, le=1e6, description="compute targets become soft: USD per h100e-month short of a target "
                                         "(above 0, at most 1e6)")

    @model_validator(mode="after")
    def _fastest_level(self) -> "Objective":
        if (self.kind == "fastest") != (self.fastest_h100e is not None):
            raise ValueError("kind fastest needs fastest_h100e, and fastest_h100e needs kind fastest")
        if self.value_usd_per_h100e_month is not None and self.kind != "min_cost":
            raise ValueError("value_usd_per_h100e_month is for kind min_cost")
        return self


class ClusterTarget(Section):
    """At least ``min_h100e`` (or ``min_gpus``) at one single campus from ``year`` on (a year, or a
    month 'YYYY-MM' or quarter 'YYYYQn' with sub-year periods)."""

    year: When
    min_h100e: PositiveH100e | None = Field(None, description="h100e at the campus (above 0, at most 1e12)")
    min_gpus: Annotated[int, Field(gt=0, le=10**12)] | None = Field(
        None, description="GPUs at the campus (1 to 1e12)")

    @model_validator(mode="after")
    def _one_measure(self) -> "ClusterTarget":
        if (self.min_h100e is None) == (self.min_gpus is None):
            raise ValueError("give exactly one of min_h100e or min_gpus")
        return self


class Targets(Section):
    compute_h100e: dict[When, H100e] = Field(default_factory=dict,
                                            description="when (year, 'YYYY-MM' or 'YYYYQn') -> minimum h100e online in that "
                                                        "period (0 to 1e12)")
    single_cluster: list[ClusterTarget] = Field(default_factory=list)


class Budget(Section):
    capex_usd_per_year: PositiveUSD | dict[int, PositiveUSD] | None = Field(
        None, description="cash capex limit per year (one number for every year, or year -> USD; above 0, "
                          "at most 1e15)")
    capex_usd_total: PositiveUSD | None = Field(None, description="cash capex limit over the horizon (above 0, "
                                                                  "at most 1e15)")


class Curtailment(Section):
    """A utility's curtailment terms: on request the campus must drop ``share`` of its grid contract
    for ``minutes``, riding through on storage or shedding load (demand response)."""

    share: Share = Field(description="share of the grid contract the utility may curtail (0 to 1)")
    minutes: float = Field(gt=0, le=10080, description="how long a curtailment lasts, minutes (above 0, at most a week)")
    demand_response_share: Share = Field(
        0.0, description="share of the grid contract the campus may shed itself (throttling GPUs, demand response) "
                         "instead of covering it with storage (0 to 1)")


class Grid(Section):
    headroom_mw: dict[str, dict[When, MW]] = Field(
        default_factory=dict,
        description="region -> when (year, 'YYYY-MM', 'YYYYQn') -> MW of new large-load headroom from then on "
                    "(0 to 1e7); overrides the regions table")
    energised_mw: dict[str, dict[When, MW]] = Field(
        default_factory=dict,
        description="site -> when -> grid MW the utility has energised from then on (a step path, 0 before the "
                    "first date), e.g. {memphis: {'2024-06': 8, '2024-08': 50}}; caps the site's grid contract")
    curtailment: dict[str, Curtailment] = Field(
        default_factory=dict,
        description="site or region -> curtailment terms the utility sets (a site's own entry wins over its "
                    "region's), e.g. {TVA: {share: 1.0, minutes: 30, demand_response_share: 0.2}}")


class Supply(Section):
    gpus_per_year: dict[str, dict[When, GPUs]] = Field(
        default_factory=dict,
        description="GPU product -> when (year, 'YYYY-MM', 'YYYYQn') -> GPUs deliverable per year from then on, "
                    "pro-rated over shorter periods (0 to 1e12); overrides the GPU catalog")
    committed_gpus: dict[str, dict[When, GPUs]] = Field(
        default_factory=dict,
        description="GPU product -> when -> GPUs the buyer has committed to take in that period (a vendor "
                    "allocation); GPUs delivered before their power is ready wait idle, and are reported so")


class Policy(Section):
    carbon_price_usd_per_t: CarbonPrice | dict[int, CarbonPrice] = Field(
        0.0, description="USD per tCO2 (one number, or year -> USD; 0 to 1e5)")
    carbon_cap_t: dict[int, TonnesCO2] = Field(default_factory=dict,
                                               description="year -> tCO2 cap on all sites (0 to 1e12)")
    min_clean_share: Share | dict[int, Share] | None = Field(
        None, description="minimum share of facility energy from clean sources (0 to 1)")


class Reliability(Section):
    reserve_margin: float | None = Field(0.10, ge=0, le=10, description="firm capacity above peak facility load, "
                                                                        "e.g. 0.1 (0 to 10); null switches the "
                                                                        "firm-capacity rule off")
    n_minus_1: bool = Field(False, description="on-site firm capacity must survive the loss of the largest unit")
    value_of_lost_load_usd_per_mwh: float | None = Field(
        None, gt=0, le=MAX_VOLL_USD_PER_MWH,
        description="allow unserved load at this penalty (above 0, at most 1e7); omitted means load must always "
                    "be served")


class Solver(Section):
    time_limit_s: float = Field(600.0, gt=0, le=MAX_TIME_LIMIT_S, description="seconds (above 0, at most 1e7)")
    mip_gap: float = Field(0.01, ge=0, le=1, description="relative MIP gap at which HiGHS stops (0 to 1)")
    threads: int = Field(1, ge=1, le=MAX_THREADS, description="HiGHS threads (1 to 1024); pinned to 1 by default so that a config takes the same path, and gives the same plan, on any machine")
    seed: int = Field(0, ge=0, le=MAX_SEED, description="HiGHS random seed (0 to 2,147,483,647)")
    presolve: bool = True
    integer_gpus: bool = Field(False, description="GPU units as integers; by default continuous (a GPU count is many units: planning to a fraction of a unit solves several times faster, and the summary reports the rounding)")
    integer_power_units: bool = Field(True, description="lumpy techs in whole units")
    root_heuristic: Literal["auto"] | bool = Field(
        "auto", description="before branch and bound, solve the LP relaxation and a MIP with the integers it leaves "
                            "whole fixed: a plan at root-LP time, proven when within mip_gap of the LP bound; auto: for "
                            "models with at least 250 integer columns (smaller ones solve faster without)")
    screen: bool = Field(False, description="for many candidate campuses of which few are needed: a short list by "
                         "pricing campuses against the LP of the list (column generation), the MIP on the short list, "
                         "and a Lagrangian bound of the full model for its gap (docs/formulation.md, 'Screening many "
                         "campuses')")
    decompose: Literal["auto"] | bool = Field(
        "auto", description="Dantzig-Wolfe decomposition over campuses: each campus's own LP priced against a small "
                            "master of campus plans, a plan from whole-number campus plans, its gap against the whole "
                            "model's LP bound (docs/formulation.md, 'Decomposition over campuses'); auto: models of at "
                            "least 20 campuses and 250 integer columns, at a mip_gap of 0.5% or more or from "
                            "250,000 rows")
    relax_integrality: bool = Field(False, description="solve the LP relaxation (a bound, or the answer when "
                                                       "every integer is fixed by constraints)")
    highs_options: dict[str, bool | int | float | str] = Field(
        default_factory=dict, description="further HiGHS options by name, e.g. mip_heuristic_effort: 0.2")


class Alternatives(Section):
    """Near-optimal alternatives (``siting alternatives``): plans within ``slack`` of the least cost that
    differ as much as possible from the optimum and from each other (docs/formulation.md,
    "Near-optimal alternatives")."""

    slack: float = Field(0.02, gt=0, le=1, description="how much dearer than the optimum an alternative may be, "
                                                       "as a share of its net present cost (0.02: 2%)")
    count: int = Field(8, ge=1, le=100, description="alternatives to look for (besides the optimum)")
    threshold: float = Field(0.1, ge=0, le=1, description="plans closer than this (0 to 1: the mean of the "
                                                          "campus, MW-by-source and GPU-product distances) are the "
                                                          "same plan")
    method: Literal["hsj", "random"] = Field("hsj", description="hsj: Hop-Skip-Jump, each alternative avoids "
                                             "what earlier plans used; random: random directions in the space")
    space: list[Literal["sites", "power", "gpus"]] = Field(
        default_factory=lambda: ["sites", "power", "gpus"], min_length=1,
        description="what alternatives should differ in: campuses, MW by source, GPU products")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="seed of the random directions")
    mip_gap: float = Field(0.1, ge=0, le=1, description="how close to its best each alternative's search must "
                                                         "come (the distance objective, not the cost: any plan "
                                                         "within the slack is a valid alternative)")
    time_limit_s: float = Field(60.0, gt=0, le=MAX_TIME_LIMIT_S, description="seconds for each alternative's "
                                                                              "search (its best plan is kept)")


class UncertainScenario(Section):
    """One future of a stochastic plan: overrides (the keys ``--set`` and sweep axes take: config keys and
    data cells ``data.TABLE.ROW.COLUMN``, ``...*`` to multiply) and its probability."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$",
                      description="the scenario's name (letters, digits, _ . -, not first a dot): its folder, "
                                  "shown in reports and tables; not 'expected_value' or 'stochastic'")
    probability: float | None = Field(None, gt=0, le=1, description="its probability; leave it out in every "
                                                                      "scenario for equally likely futures")
    set: dict[str, object] = Field(default_factory=dict, description="overrides, e.g. "
                                   "{data.techs.gas_recip.lead_time_months: 24, 'data.prices.*.gas_hub_usd_per_mmbtu*': 1.5}")


class FromSweep(Section):
    """Scenarios drawn from a sweep file's axes (their distributions, or their values as equally likely
    alternatives), each equally likely."""

    file: str = Field(description="the sweep file, relative to this config")
    samples: int = Field(8, ge=2, le=1000, description="how many scenarios to draw")
    seed: int = Field(0, ge=0, le=MAX_SEED, description="seed of the draws")


class Risk(Section):
    """Objective: (1 − weight) · expected net present cost + weight · CVaR_alpha of the cost."""

    cvar_alpha: float = Field(0.9, ge=0, lt=1, description="CVaR level: the mean cost of the worst (1 − alpha) "
                                                           "share of futures")
    cvar_weight: float = Field(0.0, ge=0, le=1, description="λ: 0 minimises the expected cost, 1 the CVaR alone")


class Decomposition(Section):
    """Scenario decomposition (docs/formulation.md, "Decisions under uncertainty")."""

    max_iterations: int = Field(30, ge=1, le=10_000, description="Lagrangian iterations at most")
    mip_gap: float = Field(0.01, ge=0, le=1, description="stop when the incumbent is this close to the bound")
    time_limit_s: float = Field(3600.0, gt=0, le=MAX_TIME_LIMIT_S, description="seconds for the whole decomposition")
    step: float = Field(1.0, gt=0, le=2, description="Polyak step factor θ of the multiplier updates (halved "
                                                     "after 3 iterations without a better bound)")


SHARED_BY_FUTURES = ("horizon", "objective", "solver", "uncertainty", "alternatives", "extends")


class Uncertainty(Section):
    """A two-stage stochastic plan (``siting run`` on a config with this block): decisions that come online
    before ``first_stage_until`` are one plan for every scenario; later ones are chosen per scenario."""

    scenarios: list[UncertainScenario] = Field(default_factory=list, description="named futures")
    from_sweep: FromSweep | None = Field(None, description="or draw the futures from a sweep file's axes")
    first_stage_until: When | None = Field(None, description="decisions for periods that start before this month, "
                                           "quarter or year are shared (default: the first period's)")
    risk: Risk = Risk()
    method: Literal["auto", "equivalent", "decomposition"] = Field(
        "auto", description="equivalent: one model of every scenario; decomposition: scenario by scenario "
                            "(a Lagrangian bound and evaluated plans); auto: the equivalent up to "
                            "equivalent_max_nonzeros")
    equivalent_max_nonzeros: int = Field(1_000_000, ge=1, description="auto: the largest equivalent (non-zeros) "
                                         "solved whole; above it the decomposition (benchmarks/README.md: the "
                                         "gigafactory's equivalent of 8 futures, 750,000 non-zeros, solves in 7 "
                                         "minutes; of 16, 1.5 million, its root LP not in 15)")
    decomposition: Decomposition = Decomposition()
    regret: bool = Field(True, description="evaluate every scenario's own plan in every other scenario (the "
                                           "regret table; n² solves) and the expected-value plan (VSS)")

    @model_validator(mode="after")
    def _futures(self):
        if bool(self.scenarios) == (self.from_sweep is not None):
            raise ValueError("give either scenarios or from_sweep")
        if self.scenarios:
            if len(self.scenarios) < 2:
                raise ValueError("a stochastic plan needs at least two scenarios")
            names = [s.name for s in self.scenarios]
            reserved = sorted({"expected_value", "stochastic"} & set(names))
            if reserved:
                raise ValueError(f"{', '.join(reserved)} names a plan of the regret table: call the scenario "
                                 f"something else")
            if len(set(names)) != len(names):
                raise ValueError(f"scenario names repeat: {sorted({n for n in names if names.count(n) > 1})}")
            given = [s.probability for s in self.scenarios if s.probability is not None]
            if given and len(given) != len(self.scenarios):
                raise ValueError("give every scenario a probability, or none (equally likely)")
            if given and abs(sum(given) - 1.0) > 1e-6:
                raise ValueError(f"the probabilities add up to {sum(given):.6g}, not 1")
            for s in self.scenarios:
                fixed = sorted(k for k in s.set if k.split(".")[0] in SHARED_BY_FUTURES)
                if fixed:
                    raise ValueError(f"scenario {s.name} sets {', '.join(fixed)}: the horizon, objective, solver "
                                     "and uncertainty settings are the config's, one for every future")
        if self.method == "decomposition" and self.risk.cvar_weight > 0:
            raise ValueError("the decomposition minimises the expected cost: with risk.cvar_weight > 0 use method "
                             "equivalent (or auto)")
        return self


class Config(Section):
    """A whole scenario."""

    name: str | None = None
    description: str = ""
    horizon: Horizon
    data: DataFiles
    data_edits: list[str] = Field(
        default_factory=list,
        description="edits of data-table cells, applied in order after each table is read: "
                    "'TABLE.ROW.COLUMN=value' sets a cell, 'TABLE.ROW.COLUMN*=factor' multiplies (blank cells stay "
                    "blank); ROW is the row's id or * for every row (prices: a year or *), e.g. "
                    "techs.gas_recip.lead_time_months=24; a base config's edits come first; --set "
                    "data.TABLE.ROW.COLUMN=value adds one")
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
    alternatives: Alternatives = Alternatives()
    uncertainty: Uncertainty | None = Field(None, description="futures for a two-stage stochastic plan "
                                             "(docs/formulation.md, 'Decisions under uncertainty')")
    constraints: list[UserConstraint] = Field(default_factory=list)
