"""Hourly input tables: one year of 8,760 hours per zone or region, checked and turned wide.

Timestamps must carry a UTC offset (``2023-01-01T00:00:00Z`` or ``…-06:00``) so that hours of
different zones line up and daylight-saving changes cannot create gaps or repeated hours; every
zone has each hour exactly once, consecutive, 8,760 of them (a leap year's 29 February dropped).
"""

from __future__ import annotations

import pandas as pd

from optimizer.errors import Problem

HOURS_PER_YEAR = 8760
OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"


def to_wide(frame: pd.DataFrame, key: str, values: list[str], shown: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Check an hourly long table and return it wide: a UTC hourly index, columns ``value|key``."""
    text = frame["timestamp"].astype(str).str.strip()
    naive = ~text.str.contains(OFFSET, regex=True)
    if naive.any():
        first = int(naive.to_numpy().nonzero()[0][0])
        return None, [Problem(shown, first + 2, f"row {first + 2}, column timestamp",
                              f"timestamp '{text.iat[first]}' has no UTC offset ({int(naive.sum())} such rows)",
                              "write times in UTC with a Z (2023-01-01T00:00:00Z) or with their offset (-06:00)")]
    try:
        stamps = pd.to_datetime(text, utc=True, format="ISO8601")
    except (ValueError, TypeError) as exc:
        return None, [Problem(shown, None, "column timestamp", f"cannot read the timestamps: {exc}",
                              "write ISO 8601 times such as 2023-01-01T00:00:00Z")]
    frame = frame.assign(_t=stamps, _line=frame.index + 2)
    problems = []
    reference = None
    for name, group in frame.groupby(key, sort=False):
        problems += _check_year(group, f"{key} {name}", shown)
        times = pd.DatetimeIndex(group["_t"]).sort_values()
        if reference is None:
            reference = times
        elif not problems and not times.equals(reference):
            problems.append(Problem(shown, int(group["_line"].iat[0]), f"{key} {name}",
                                    "covers other hours than the first zone in the file",
                                    "give every zone the same year of hours"))
    if problems:
        return None, problems
    wide = frame.pivot(index="_t", columns=key, values=values).sort_index()
    wide.columns = [f"{value}|{name}" for value, name in wide.columns]
    wide.index.name = "timestamp"
    return wide, []


def _check_year(group: pd.DataFrame, what: str, shown: str) -> list[Problem]:
    times = group["_t"]
    dup = times.duplicated()
    if dup.any():
        line = int(group["_line"][dup].iat[0])
        return [Problem(shown, line, what, f"hour {times[dup].iat[0]:%Y-%m-%d %H:%M} UTC appears twice",
                        "give each hour once (repeated local hours usually mean a daylight-saving mix-up: use UTC)")]
    ordered = times.sort_values()
    steps = ordered.diff().dropna()
    gaps = steps != pd.Timedelta(hours=1)
    if gaps.any():
        where = int(gaps.to_numpy().nonzero()[0][0])
        return [Problem(shown, None, what, f"hours are missing after {ordered.iat[where]:%Y-%m-%d %H:%M} UTC",
                        "give every hour of the year, one row each")]
    if len(times) != HOURS_PER_YEAR:
        hint = "drop 29 February" if len(times) == HOURS_PER_YEAR + 24 else "give exactly one year of hours"
        return [Problem(shown, None, what, f"has {len(times):,} hours; a year needs {HOURS_PER_YEAR:,}", hint)]
    return []
