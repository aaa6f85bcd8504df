"""Time slices: the hours the model dispatches, each with its weight in hours per year.

Three ways to get them:

- **representative days given by the user** (a table with ``zone, day, hour, weight_days``): each
  day stands for ``weight_days`` days; a subset of days is scaled up to a whole year;
- **full year** from an hourly table: 8,760 hours, cyclic over the year (or over each season);
- **representative days found by tsam** from an hourly table: ``k`` typical days (plus extreme
  days when asked) per season, weighted by how many days of the season each stands for; the
  calendar (which typical day stands for each day of the year, in order) is kept for storage
  linking.

Seasons (``time_slices.seasons``) split the 365-day year (hour 0 is 1 January 00:00, no
29 February) into the whole ``year``, quarters ``Q1``..``Q4`` (90, 91, 92, 92 days) or months
``01``..``12``, so that a sub-year period of the horizon sees its own weather and prices. Each
slice belongs to one season; the weights of a season's slices sum to its hours (January 744 h,
Q1 2,160 h). Typical days are found for each season separately and named with the season in
front (``01d02/13``: typical day 2 of January, hour 13; ``Q1d00/04``); with one season, the year,
they keep their plain names (``d03/04``). The full year keeps its hour ids (``h0744``); with
seasons, storage cycles within each season (the season is the slice's period).

A slice is a block of ``hours_per_slice`` consecutive hours of a period, with the block's mean
values; slice weights always sum to 8,760 h. Profile columns are preserved in each season's mean
(tsam rescales typical days; capacity factors are then clipped to [0, 1]).
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimizer.errors import Problem, did_you_mean
from optimizer.inputs.periods import STEP_MONTHS

HOURS_PER_YEAR = 8760.0
DAYS_PER_YEAR = 365.0
MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)   # a 365-day year
SEASON_DAYS = {"year": 365, **{f"Q{q + 1}": sum(MONTH_DAYS[3 * q:3 * q + 3]) for q in range(4)},
               **{f"{m + 1:02d}": d for m, d in enumerate(MONTH_DAYS)}}   # season id -> days
SEASON_NAMES = {"year": ("year", "year"), "quarter": ("quarter", "quarters"), "month": ("month", "months")}
ZONE_VALUES = ("solar_cf", "wind_cf", "temperature_c")
GRID_VALUES = ("price_usd_per_mwh", "co2_kg_per_mwh")
EXTREMES = {  # extreme day -> (helper column, how it is aggregated over zones, tsam field)
    "lowest_wind": ("wind_cf", "mean", "min_period"),
    "lowest_solar": ("solar_cf", "mean", "min_period"),
    "hottest": ("temperature_c", "max", "max_value"),
    "highest_price": ("price_usd_per_mwh", "mean", "max_value"),
}


@dataclass(frozen=True)
class Slices:
    """``table``: one row per slice (``slice``, ``period``, ``position``, ``hour``, ``weight_h``,
    ``season``): ``period`` is the span storage cycles over (a typical day, the season, or the
    year), ``position`` the slice's place in it, ``hour`` its first hour (of the day for typical
    days, of the year for the full year), ``weight_h`` the hours of the 365-day year it stands for,
    ``season`` the season it belongs to (``year``, ``Q1``..``Q4`` or ``01``..``12``).
    ``cf``: index (zone, slice), columns solar_cf, wind_cf, temperature_c (NaN when not given).
    ``grid``: index (region, slice), price and carbon of grid energy, or None (flat, from the
    regions table). ``calendar``: the period standing for each day of the year, or None.
    ``seasons``: the season ids in calendar order."""

    table: pd.DataFrame
    cf: pd.DataFrame
    hours_per_slice: int
    grid: pd.DataFrame | None = None
    calendar: list[str] | None = None
    description: str = ""
    planned_slices: int | None = None   # validation's stand-in: how many slices the solve will have
    seasons: list[str] = dataclasses.field(default_factory=lambda: ["year"])

    @property
    def ids(self) -> list[str]:
        return self.table["slice"].tolist()

    def season_hours(self) -> dict[str, float]:
        """Hours of the 365-day year in each season, in calendar order (their weights' sums)."""
        return season_hours(self.seasons)

    @property
    def zones(self) -> set[str]:
        return set(self.cf.index.get_level_values(0))


# ---- seasons -------------------------------------------------------------------------------------

def resolve_seasons(setting: str, finest_months: int) -> str:
    """The seasons to draw typical days in: ``setting`` unless ``auto``; ``auto`` follows the finest
    sub-year step of the horizon's periods in months: 1 or 2 -> month, 3 to 11 -> quarter, else year."""
    if setting != "auto":
        return setting
    if finest_months >= 12:
        return "year"
    return "quarter" if finest_months >= 3 else "month"


def finest_months(periods) -> int:
    """Months of the finest step in the raw ``horizon.periods`` list (``[{"step": "month", ...}]``):
    1 if any step is month, 3 if any is quarter, else 12 (also when the list is missing or malformed)."""
    if not isinstance(periods, list):
        return 12
    steps = [p.get("step") for p in periods if isinstance(p, dict)]
    return min([STEP_MONTHS[s] for s in steps if isinstance(s, str) and s in STEP_MONTHS] or [12])


def season_ids(seasons: str) -> list[str]:
    """The season ids of a seasons setting (year, quarter or month), in calendar order."""
    if seasons == "quarter":
        return [f"Q{q}" for q in range(1, 5)]
    if seasons == "month":
        return [f"{m:02d}" for m in range(1, 13)]
    return ["year"]


def season_hours(ids: list[str]) -> dict[str, float]:
    """Hours of each season of the 365-day year (days × 24: January 744, Q1 2,160, year 8,760)."""
    return {s: 24.0 * SEASON_DAYS[s] for s in ids}


def day_seasons(seasons: str) -> list[str]:
    """The season of each of the 365 days of the year, in order."""
    return [s for s in season_ids(seasons) for _ in range(SEASON_DAYS[s])]


def _describe_count(counts: list[int]) -> str:
    """One count, or the range ``a–b`` when seasons differ (months with fewer days than asked)."""
    low, high = min(counts), max(counts)
    return f"{low}" if low == high else f"{low}–{high}"


def _per_season(seasons: str) -> str:
    """`` per month × 12 months`` (nothing for the year): how typical days are drawn."""
    if seasons == "year":
        return ""
    one, many = SEASON_NAMES[seasons]
    return f" per {one} × {len(season_ids(seasons))} {many}"


# ---- representative days given by the user ----------------------------------------------------

def from_representative_days(profiles: pd.DataFrame, days: list[str] | None, hours_per_slice: int, file: str,
                             days_line: tuple[str | None, int | None]) -> tuple[Slices | None, list[Problem]]:
    """Slices from a table of representative days; checks the table's shape."""
    problems = _check_shape(profiles, file)
    if problems:
        return None, problems
    all_days = list(dict.fromkeys(profiles["day"]))
    if days is not None:
        problems = [Problem(days_line[0], days_line[1], "time_slices.days", f"unknown day '{d}' in {file}",
                            did_you_mean(d, all_days)) for d in days if d not in all_days]
        if problems:
            return None, problems
    chosen = days if days is not None else all_days
    frame = profiles[profiles["day"].isin(chosen)].copy()
    weights = frame.groupby("day", sort=False)["weight_days"].first()
    frame["weight_days"] = frame["day"].map(weights * (DAYS_PER_YEAR / weights.sum()))
    frame["block"] = frame["hour"] // hours_per_slice
    grouped = frame.groupby(["zone", "day", "block"], sort=False).agg(
        solar_cf=("solar_cf", "mean"), wind_cf=("wind_cf", "mean"), weight_days=("weight_days", "first")).reset_index()
    grouped["slice"] = grouped["day"].astype(str) + "/" + (grouped["block"] * hours_per_slice).map("{:02d}".format)
    grouped["temperature_c"] = np.nan
    first_zone = grouped["zone"].iloc[0]
    table = grouped[grouped["zone"] == first_zone].rename(columns={"day": "period", "block": "position"})
    table = table.assign(hour=table["position"] * hours_per_slice, weight_h=table["weight_days"] * hours_per_slice,
                         season="year")
    table = table[["slice", "period", "position", "hour", "weight_h", "season"]].reset_index(drop=True)
    cf = grouped.set_index(["zone", "slice"])[list(ZONE_VALUES)]
    description = f"{len(chosen)} representative days given × {24 // hours_per_slice} slices"
    return Slices(table, cf, hours_per_slice, description=description), []


def _check_shape(profiles: pd.DataFrame, file: str) -> list[Problem]:
    """Every (zone, day) has hours 0..23 once; a day has one weight; weights sum to 365 days."""
    problems = []
    for (zone, day), group in profiles.groupby(["zone", "day"], sort=False):
        hours = sorted(group["hour"])
        if hours != list(range(24)):
            missing = sorted(set(range(24)) - set(hours))
            what = f"missing hours {missing}" if missing else f"{len(hours) - len(set(hours))} repeated hour(s)"
            problems.append(Problem(file, int(group.index[0]) + 2, f"zone {zone}, day {day}",
                                    f"day must have hours 0 to 23 once: {what}", "give 24 rows per zone and day"))
    for day, group in profiles.groupby("day", sort=False):
        if group["weight_days"].nunique() > 1:
            problems.append(Problem(file, int(group.index[0]) + 2, f"day {day}, column weight_days",
                                    "a day has different weights on different rows", "use one weight per day"))
    if profiles.groupby("zone")["day"].apply(lambda s: tuple(sorted(set(s)))).nunique() > 1:
        problems.append(Problem(file, None, "column day", "zones do not all have the same days",
                                "give every zone the same representative days"))
    if not problems:
        total = profiles.groupby("day")["weight_days"].first().sum()
        if abs(total - DAYS_PER_YEAR) > 0.5:
            problems.append(Problem(file, None, "column weight_days",
                                    f"day weights sum to {total:g} days, not {DAYS_PER_YEAR:g}",
                                    "scale weight_days so that the days stand for one whole year"))
    return problems


# ---- from an hourly year -------------------------------------------------------------------------

def from_hourly(wide: pd.DataFrame, settings, where, cluster: bool = True,
                seasons: str | None = None) -> tuple[Slices | None, list[Problem]]:
    """Slices from a wide hourly frame (columns ``value|zone`` and ``value|region``).

    ``settings`` is the config's time_slices section; ``where(path)`` locates a config key;
    ``seasons`` is the resolved setting (year, quarter, month; default: ``settings.seasons`` with
    ``auto`` read as year). ``cluster=False`` (validation) checks everything but does not run tsam:
    the slices are then the 365 daily means, which name the same zones and values, described as
    still to be found."""
    wide = wide.dropna(axis=1, how="all")
    blanks = [c for c in wide.columns if wide[c].isna().any()]
    if blanks:
        name, key = blanks[0].split("|")
        return None, [Problem(None, None, f"{name} of {key}", "some hours are blank",
                              "give a value for every hour, or leave the whole column out")]
    hps = settings.hours_per_slice
    seasons = seasons or resolve_seasons(getattr(settings, "seasons", "year"), 12)
    if seasons != "year":
        wide = from_january(wide)
    if settings.resolution == "full_year":
        return _full_year(wide, hps, seasons), []
    if not cluster:
        return _unclustered(wide, settings, where, seasons)
    return _typical_days(wide, settings, where, seasons)


def from_january(wide: pd.DataFrame) -> pd.DataFrame:
    """The hourly year read as a cycle starting on 1 January (UTC), so that seasons fall on their
    months whatever day the data starts (a July–June year is rotated; the hours before 1 January wrap
    round to the end). A year that already starts on 1 January, or has no 1 January 00:00 (not a
    timestamp index), is returned as it is."""
    index = wide.index
    if not isinstance(index, pd.DatetimeIndex) or len(index) == 0:
        return wide
    starts = np.flatnonzero((index.month == 1) & (index.day == 1) & (index.hour == 0))
    if len(starts) == 0 or starts[0] == 0:
        return wide
    order = np.roll(np.arange(len(wide)), -int(starts[0]))
    return wide.iloc[order]


def _unclustered(wide: pd.DataFrame, settings, where, seasons: str) -> tuple[Slices | None, list[Problem]]:
    """Validation's stand-in for typical days: daily means (each in its day's season), with the
    extreme days checked; ``planned_slices``: (typical days, at most the season's days, + extreme
    days) × slices per day, summed over the seasons."""
    _, _, problems = _extreme_columns(wide, settings, where)
    if problems:
        return None, problems
    typical = [min(settings.representative_days, SEASON_DAYS[s]) for s in season_ids(seasons)]
    extra = f" + {len(settings.extreme_days)} extreme" if settings.extreme_days else ""
    per_day = 24 // settings.hours_per_slice
    description = (f"{_describe_count(typical)} typical days{extra}{_per_season(seasons)} (tsam, {settings.method}) "
                   f"× {per_day} slices, found when solving")
    planned = sum(n + len(settings.extreme_days) for n in typical) * per_day
    return dataclasses.replace(_full_year(wide, 24, seasons), description=description, planned_slices=planned), []


def _extreme_columns(wide: pd.DataFrame, settings, where) -> tuple[pd.DataFrame, dict[str, list[str]], list[Problem]]:
    """The hourly frame with one helper column per extreme day, tsam's extreme settings, problems."""
    frame = wide.copy()
    extremes: dict[str, list[str]] = {"min_period": [], "max_value": []}
    problems = []
    for i, name in enumerate(settings.extreme_days):
        value, how, field = EXTREMES[name]
        cols = [c for c in wide.columns if c.startswith(value + "|")]
        if not cols:
            file, line = where(("time_slices", "extreme_days", i))
            problems.append(Problem(file, line, f"time_slices.extreme_days[{i}]",
                                    f"'{name}' needs {value} data, which the profiles do not have",
                                    "add the column to the hourly data or remove this extreme day"))
            continue
        helper = f"_{name}"
        frame[helper] = wide[cols].mean(axis=1) if how == "mean" else wide[cols].max(axis=1)
        extremes[field].append(helper)
    return frame, extremes, problems


def _full_year(wide: pd.DataFrame, hps: int, seasons: str = "year") -> Slices:
    """Blocks of ``hps`` hours through the year, ids ``h0744`` (first hour of the year). Each block's
    season follows its day of the 365-day year; with seasons other than the year, storage cycles
    within each season (period = season, position counted from the season's first block)."""
    blocks = np.arange(len(wide)) // hps
    values = wide.groupby(blocks).mean()
    ids = [f"h{p * hps:04d}" for p in values.index]
    hours = values.index * hps
    season = "year" if seasons == "year" else np.asarray(day_seasons(seasons), dtype=object)[np.asarray(hours) // 24]
    table = pd.DataFrame({"slice": ids, "period": "year", "position": values.index, "hour": hours,
                          "weight_h": float(hps), "season": season})
    if seasons != "year":
        table["period"] = table["season"]
        table["position"] = table.groupby("season", sort=False).cumcount()
    values.index = ids
    cf, grid = _split(values)
    by = "" if seasons == "year" else f", storage cycling within each of {len(season_ids(seasons))} " \
                                      f"{SEASON_NAMES[seasons][1]}"
    return Slices(table, cf, hps, grid, None, f"full year: {len(ids):,} slices of {hps} h{by}",
                  seasons=season_ids(seasons))


def _typical_days(wide: pd.DataFrame, settings, where, seasons: str) -> tuple[Slices | None, list[Problem]]:
    """``representative_days`` typical days (at most the season's days) plus the extreme days,
    found by tsam in each season's days separately; the calendar joins the seasons' in order."""
    frame, extremes, problems = _extreme_columns(wide, settings, where)
    if problems:
        return None, problems
    hps = settings.hours_per_slice
    tables, values, calendar, typical, extreme = [], [], [], [], []
    first = 0
    for season in season_ids(seasons):
        days = SEASON_DAYS[season]
        k = min(settings.representative_days, days)
        part = frame if seasons == "year" else frame.iloc[24 * first:24 * (first + days)]
        table, flat, assigned = _season_days(part, list(wide.columns), settings, extremes, k, hps,
                                             "" if seasons == "year" else season)
        tables.append(table.assign(season=season))
        values.append(flat)
        calendar += assigned
        typical.append(k)
        extreme.append(max(0, table["period"].nunique() - k))
        first += days
    table = pd.concat(tables, ignore_index=True)
    cf, grid = _split(pd.concat(values))
    extra = f" + {_describe_count(extreme)} extreme" if max(extreme) > 0 else ""
    description = (f"{_describe_count(typical)} typical days{extra}{_per_season(seasons)} (tsam, {settings.method}) "
                   f"× {24 // hps} slices")
    return Slices(table, cf, hps, grid, calendar, description, seasons=season_ids(seasons)), []


def _season_days(part: pd.DataFrame, columns: list[str], settings, extremes: dict[str, list[str]], k: int,
                 hps: int, prefix: str) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """tsam's ``k`` typical days (+ extremes) of ``part`` (whole days of one season): the slice rows
    (``{prefix}d03/04``, weights in hours of the season), their values (index slice) and the
    typical day standing for each day of ``part``."""
    result = _aggregate(part, settings, extremes, k)
    reps = result.cluster_representatives[columns]
    counts = {int(c): float(v) for c, v in result.cluster_counts.items()}
    rows, values = [], []
    for p in sorted(counts):
        day = reps.xs(p, level=0).to_numpy()
        day = day.reshape(24 // hps, hps, -1).mean(axis=1)
        for pos in range(24 // hps):
            rows.append({"slice": f"{prefix}d{p:02d}/{pos * hps:02d}", "period": f"{prefix}d{p:02d}",
                         "position": pos, "hour": pos * hps, "weight_h": counts[p] * hps})
            values.append(day[pos])
    table = pd.DataFrame(rows)
    flat = pd.DataFrame(values, columns=columns, index=table["slice"])
    return table, flat, [f"{prefix}d{int(a):02d}" for a in result.cluster_assignments]


def _aggregate(part: pd.DataFrame, settings, extremes: dict[str, list[str]], k: int):
    """tsam's aggregation of ``part`` into ``k`` typical days, extreme days appended; temperature
    and the extreme helper columns are not rescaled."""
    import tsam

    no_rescale = [c for c in part.columns if c.startswith(("temperature_c|", "_"))]
    method = settings.method
    if method == "kmeans":
        method = tsam.KMeans(random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tsam.aggregate(
            part, n_clusters=k, period_duration=24,
            cluster=tsam.ClusterConfig(method=method),
            extremes=tsam.ExtremeConfig(method="append", **extremes) if any(extremes.values()) else None,
            rescale_exclude_columns=no_rescale or None)


def _split(values: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Wide slice values -> (zone, slice) and (region, slice) frames; capacity factors clipped."""
    long = values.T.stack().rename("value").reset_index()
    long.columns = ["column", "slice", "value"]
    parts = long["column"].str.split("|", n=1, expand=True)
    long["name"], long["key"] = parts[0], parts[1]
    zone = long[long["name"].isin(ZONE_VALUES)].pivot_table(index=["key", "slice"], columns="name", values="value",
                                                               sort=False)
    for column in ZONE_VALUES:
        if column not in zone.columns:
            zone[column] = 0.0 if column != "temperature_c" else np.nan
    zone[["solar_cf", "wind_cf"]] = zone[["solar_cf", "wind_cf"]].clip(0, 1)
    zone.index.names = ["zone", "slice"]
    grid = long[long["name"].isin(GRID_VALUES)]
    if grid.empty:
        return zone[list(ZONE_VALUES)], None
    grid = grid.pivot_table(index=["key", "slice"], columns="name", values="value", sort=False)
    grid.index.names = ["region", "slice"]
    return zone[list(ZONE_VALUES)], grid[list(GRID_VALUES)]
