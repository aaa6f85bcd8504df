"""Time slices: the hours the model dispatches, each with its weight in hours per year.

Three ways to get them:

- **representative days given by the user** (a table with ``zone, day, hour, weight_days``): each
  day stands for ``weight_days`` days; a subset of days is scaled up to a whole year;
- **full year** from an hourly table: 8,760 hours in one period, cyclic over the year;
- **representative days found by tsam** from an hourly table: ``k`` typical days (plus extreme
  days when asked), weighted by how many days of the year each stands for; the calendar (which
  typical day stands for each day of the year, in order) is kept for storage linking.

A slice is a block of ``hours_per_slice`` consecutive hours of a period, with the block's mean
values; slice weights always sum to 8,760 h. Profile columns are preserved in their annual mean
(tsam rescales typical days; capacity factors are then clipped to [0, 1]).
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimizer.errors import Problem, did_you_mean

HOURS_PER_YEAR = 8760.0
DAYS_PER_YEAR = 365.0
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
    """``table``: one row per slice (``slice``, ``period``, ``position``, ``hour``, ``weight_h``).
    ``cf``: index (zone, slice), columns solar_cf, wind_cf, temperature_c (NaN when not given).
    ``grid``: index (region, slice), price and carbon of grid energy, or None (flat, from the
    regions table). ``calendar``: the period standing for each day of the year, or None."""

    table: pd.DataFrame
    cf: pd.DataFrame
    hours_per_slice: int
    grid: pd.DataFrame | None = None
    calendar: list[str] | None = None
    description: str = ""
    planned_slices: int | None = None   # validation's stand-in: how many slices the solve will have

    @property
    def ids(self) -> list[str]:
        return self.table["slice"].tolist()

    @property
    def zones(self) -> set[str]:
        return set(self.cf.index.get_level_values(0))


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
    table = table.assign(hour=table["position"] * hours_per_slice, weight_h=table["weight_days"] * hours_per_slice)
    table = table[["slice", "period", "position", "hour", "weight_h"]].reset_index(drop=True)
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

def from_hourly(wide: pd.DataFrame, settings, where, cluster: bool = True) -> tuple[Slices | None, list[Problem]]:
    """Slices from a wide hourly frame (columns ``value|zone`` and ``value|region``).

    ``settings`` is the config's time_slices section; ``where(path)`` locates a config key.
    ``cluster=False`` (validation) checks everything but does not run tsam: the slices are then
    the 365 daily means, which name the same zones and values, described as still to be found."""
    wide = wide.dropna(axis=1, how="all")
    blanks = [c for c in wide.columns if wide[c].isna().any()]
    if blanks:
        name, key = blanks[0].split("|")
        return None, [Problem(None, None, f"{name} of {key}", "some hours are blank",
                              "give a value for every hour, or leave the whole column out")]
    hps = settings.hours_per_slice
    if settings.resolution == "full_year":
        return _full_year(wide, hps), []
    if not cluster:
        return _unclustered(wide, settings, where)
    return _typical_days(wide, settings, where)


def _unclustered(wide: pd.DataFrame, settings, where) -> tuple[Slices | None, list[Problem]]:
    """Validation's stand-in for typical days: daily means, with the extreme days checked."""
    _, _, problems = _extreme_columns(wide, settings, where)
    if problems:
        return None, problems
    extra = f" + {len(settings.extreme_days)} extreme" if settings.extreme_days else ""
    per_day = 24 // settings.hours_per_slice
    description = (f"{settings.representative_days} typical days{extra} (tsam, {settings.method}) × {per_day} "
                   "slices, found when solving")
    planned = (settings.representative_days + len(settings.extreme_days)) * per_day
    return dataclasses.replace(_full_year(wide, 24), description=description, planned_slices=planned), []


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


def _full_year(wide: pd.DataFrame, hps: int) -> Slices:
    blocks = np.arange(len(wide)) // hps
    values = wide.groupby(blocks).mean()
    ids = [f"h{p * hps:04d}" for p in values.index]
    table = pd.DataFrame({"slice": ids, "period": "year", "position": values.index, "hour": values.index * hps,
                          "weight_h": float(hps)})
    values.index = ids
    cf, grid = _split(values)
    return Slices(table, cf, hps, grid, None, f"full year: {len(ids):,} slices of {hps} h")


def _typical_days(wide: pd.DataFrame, settings, where) -> tuple[Slices | None, list[Problem]]:
    import tsam

    frame, extremes, problems = _extreme_columns(wide, settings, where)
    if problems:
        return None, problems
    no_rescale = [c for c in frame.columns if c.startswith(("temperature_c|", "_"))]
    method = settings.method
    if method == "kmeans":
        method = tsam.KMeans(random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = tsam.aggregate(
            frame, n_clusters=settings.representative_days, period_duration=24,
            cluster=tsam.ClusterConfig(method=method),
            extremes=tsam.ExtremeConfig(method="append", **extremes) if any(extremes.values()) else None,
            rescale_exclude_columns=no_rescale or None)
    reps = result.cluster_representatives[list(wide.columns)]
    counts = {int(k): float(v) for k, v in result.cluster_counts.items()}
    hps = settings.hours_per_slice
    periods = sorted(counts)
    rows, values = [], []
    for p in periods:
        day = reps.xs(p, level=0).to_numpy()
        day = day.reshape(24 // hps, hps, -1).mean(axis=1)
        for pos in range(24 // hps):
            rows.append({"slice": f"d{p:02d}/{pos * hps:02d}", "period": f"d{p:02d}", "position": pos,
                         "hour": pos * hps, "weight_h": counts[p] * hps})
            values.append(day[pos])
    table = pd.DataFrame(rows)
    flat = pd.DataFrame(values, columns=wide.columns, index=table["slice"])
    cf, grid = _split(flat)
    calendar = [f"d{int(a):02d}" for a in result.cluster_assignments]
    n_extreme = len(periods) - settings.representative_days
    extra = f" + {n_extreme} extreme" if n_extreme > 0 else ""
    description = f"{settings.representative_days} typical days{extra} (tsam, {settings.method}) × {24 // hps} slices"
    return Slices(table, cf, hps, grid, calendar, description), []


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
