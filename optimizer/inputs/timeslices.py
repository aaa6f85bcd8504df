"""Time slices from the representative-day profile table.

Each representative day ``d`` stands for ``weight_days[d]`` days of the year. A slice is a block
of ``hours_per_slice`` consecutive hours of one day; its capacity factors are the block's mean and
its weight is ``weight_days[d] × hours_per_slice`` hours per year, so that the slice weights sum to
8,760 h. When the config uses a subset of the days, their weights are scaled up to a full year.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from optimizer.errors import Problem, did_you_mean

HOURS_PER_YEAR = 8760.0
DAYS_PER_YEAR = 365.0


@dataclass(frozen=True)
class Slices:
    """Slices of a representative year.

    ``table`` has one row per slice: ``slice`` (id ``day/hh``), ``day``, ``hour`` (first hour),
    ``position`` (index within its day), ``weight_h``. ``cf`` is indexed by (zone, slice) with
    columns ``solar_cf`` and ``wind_cf``.
    """

    table: pd.DataFrame
    cf: pd.DataFrame
    hours_per_slice: int

    @property
    def ids(self) -> list[str]:
        return self.table["slice"].tolist()

    @property
    def zones(self) -> set[str]:
        return set(self.cf.index.get_level_values(0))


def build_slices(profiles: pd.DataFrame, days: list[str] | None, hours_per_slice: int,
                 file: str, days_line: tuple[str | None, int | None]) -> tuple[Slices | None, list[Problem]]:
    """Aggregate the hourly representative days into slices; check the table's shape."""
    problems = _check_shape(profiles, file)
    if problems:
        return None, problems
    all_days = list(dict.fromkeys(profiles["day"]))
    if days is not None:
        unknown = [d for d in days if d not in all_days]
        for d in unknown:
            problems.append(Problem(days_line[0], days_line[1], "time_slices.days",
                                    f"unknown day '{d}' in {file}", did_you_mean(d, all_days)))
        if problems:
            return None, problems
    chosen = days if days is not None else all_days
    frame = profiles[profiles["day"].isin(chosen)].copy()
    weights = frame.groupby("day", sort=False)["weight_days"].first()
    frame["weight_days"] = frame["day"].map(weights * (DAYS_PER_YEAR / weights.sum()))
    frame["block"] = frame["hour"] // hours_per_slice
    grouped = frame.groupby(["zone", "day", "block"], sort=False).agg(
        solar_cf=("solar_cf", "mean"), wind_cf=("wind_cf", "mean"), weight_days=("weight_days", "first"))
    grouped = grouped.reset_index()
    grouped["slice"] = grouped["day"].astype(str) + "/" + (grouped["block"] * hours_per_slice).map("{:02d}".format)
    first_zone = grouped["zone"].iloc[0]
    table = grouped[grouped["zone"] == first_zone][["slice", "day", "block", "weight_days"]].copy()
    table["hour"] = table["block"] * hours_per_slice
    table["position"] = table["block"]
    table["weight_h"] = table["weight_days"] * hours_per_slice
    table = table[["slice", "day", "hour", "position", "weight_h"]].reset_index(drop=True)
    cf = grouped.set_index(["zone", "slice"])[["solar_cf", "wind_cf"]]
    return Slices(table, cf, hours_per_slice), []


def _check_shape(profiles: pd.DataFrame, file: str) -> list[Problem]:
    """Every (zone, day) has hours 0..23 once; a day has one weight; weights sum to 365 days."""
    problems = []
    for (zone, day), group in profiles.groupby(["zone", "day"], sort=False):
        hours = sorted(group["hour"])
        if hours != list(range(24)):
            line = int(group.index[0]) + 2
            missing = sorted(set(range(24)) - set(hours))
            extra = len(hours) - len(set(hours))
            what = f"missing hours {missing}" if missing else f"{extra} repeated hour(s)"
            problems.append(Problem(file, line, f"zone {zone}, day {day}", f"day must have hours 0 to 23 once: {what}",
                                    "give 24 rows per zone and day"))
    for day, group in profiles.groupby("day", sort=False):
        if group["weight_days"].nunique() > 1:
            problems.append(Problem(file, int(group.index[0]) + 2, f"day {day}, column weight_days",
                                    "a day has different weights on different rows", "use one weight per day"))
    zones_days = profiles.groupby("zone")["day"].apply(lambda s: tuple(sorted(set(s))))
    if zones_days.nunique() > 1:
        problems.append(Problem(file, None, "column day", "zones do not all have the same days",
                                "give every zone the same representative days"))
    if not problems:
        total = profiles.groupby("day")["weight_days"].first().sum()
        if abs(total - DAYS_PER_YEAR) > 0.5:
            problems.append(Problem(file, None, "column weight_days",
                                    f"day weights sum to {total:g} days, not {DAYS_PER_YEAR:g}",
                                    "scale weight_days so that the days stand for one whole year"))
    return problems

