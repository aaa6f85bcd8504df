"""Hourly input tables: one year of 8,760 hours per zone or region, checked and turned wide.

Timestamps must carry a UTC offset (``2023-01-01T00:00:00Z`` or ``…-06:00``) so that hours of
different zones line up and daylight-saving changes cannot create gaps or repeated hours; every
zone has each hour exactly once, consecutive, 8,760 of them. A leap year's 29 February must be
dropped: rows written on 29 February are refused (with the line of the first), and the gap they
leave (28 February 23:00 to 1 March 00:00, as written) is not a missing-hours gap. Every problem
names the line of the row it is about.
"""

from __future__ import annotations

import calendar
import re

import pandas as pd

from optimizer.errors import Problem

HOURS_PER_YEAR = 8760
OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"
LEAP_DAY = re.compile(r"\d{4}-02-29")
HOUR = pd.Timedelta(hours=1)
LEAP_DAY_GAP = pd.Timedelta(hours=25)   # from 28 February 23:00 to 1 March 00:00 with 29 February dropped


def to_wide(frame: pd.DataFrame, key: str, values: list[str], shown: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Check an hourly long table and return it wide: a UTC hourly index, columns ``value|key``."""
    text = frame["timestamp"].astype(str).str.strip()
    lines = frame.index.to_numpy() + 2   # the frame keeps the CSV's row numbers, also when filtered
    naive = ~text.str.contains(OFFSET, regex=True)
    if naive.any():
        first = int(naive.to_numpy().nonzero()[0][0])
        line = int(lines[first])
        return None, [Problem(shown, line, f"row {line}, column timestamp",
                              f"timestamp '{text.iat[first]}' has no UTC offset ({int(naive.sum())} such rows)",
                              "write times in UTC with a Z (2023-01-01T00:00:00Z) or with their offset (-06:00)")]
    stamps, problems = _parse_times(text, lines, shown)
    if problems:
        return None, problems
    frame = frame.assign(_t=stamps, _line=lines, _date=text.str[:10].to_numpy())
    reference = None
    for name, group in frame.groupby(key, sort=False):
        problems += _check_year(group, f"{key} {name}", shown)
        problems += _partly_blank(group, values, f"{key} {name}", shown)
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


def _partly_blank(group: pd.DataFrame, values: list[str], what: str, shown: str) -> list[Problem]:
    """A value blank in some hours but not all (a column left out, or blank throughout, is allowed)."""
    problems = []
    for column in values:
        if column not in group.columns:
            continue
        blank = group[column].isna().to_numpy()
        if blank.any() and not blank.all():
            line = int(group["_line"].to_numpy()[blank.nonzero()[0][0]])
            problems.append(Problem(shown, line, f"row {line}, column {column}",
                                    f"{what}: {column} is blank in {int(blank.sum()):,} of {len(blank):,} hours",
                                    "give a value for every hour, or leave the whole column empty"))
    return problems


def _parse_times(text: pd.Series, lines, shown: str) -> tuple[pd.Series | None, list[Problem]]:
    """The timestamps in UTC, or a problem naming the first that cannot be read."""
    try:
        stamps = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
    except (ValueError, TypeError) as exc:
        return None, [Problem(shown, None, "column timestamp", f"cannot read the timestamps: {exc}",
                              "write ISO 8601 times such as 2023-01-01T00:00:00Z")]
    bad = stamps.isna().to_numpy()
    if not bad.any():
        return stamps, []
    first = int(bad.nonzero()[0][0])
    line, written = int(lines[first]), text.iat[first]
    where = f"row {line}, column timestamp"
    if LEAP_DAY.match(written):
        return None, [Problem(shown, line, where, f"timestamp '{written}' is 29 February of a year without one",
                              "drop 29 February; a model year has 8,760 hours")]
    return None, [Problem(shown, line, where, f"cannot read the timestamp '{written}' ({int(bad.sum()):,} such rows)",
                          "write ISO 8601 times such as 2023-01-01T00:00:00Z")]


def _check_year(group: pd.DataFrame, what: str, shown: str) -> list[Problem]:
    """Problems with one zone's (or region's) hours: repeated hours, 29 February, gaps, count."""
    group = group.sort_values("_t", kind="stable")
    times = group["_t"]
    dup = times.duplicated()
    if dup.any():
        line = int(group["_line"][dup].iat[0])
        return [Problem(shown, line, what, f"hour {times[dup].iat[0]:%Y-%m-%d %H:%M} UTC appears twice",
                        "give each hour once (repeated local hours usually mean a daylight-saving mix-up: use UTC)")]
    leap = group["_date"].str.fullmatch(LEAP_DAY.pattern).to_numpy(dtype=bool)
    rest = group[~leap]
    problems = _gaps(rest, what, shown)
    if not problems and len(rest) != HOURS_PER_YEAR:
        counted = "without 29 February it has" if leap.any() else "has"
        problems.append(Problem(shown, int(rest["_line"].min()) if len(rest) else None, what,
                                f"{counted} {len(rest):,} hours; a year needs {HOURS_PER_YEAR:,}",
                                "give exactly one year of hours"))
    if leap.any():
        message = (f"has 29 February (a leap day) and so has {len(group):,} hours; a year needs {HOURS_PER_YEAR:,}"
                   if not problems else f"has 29 February (a leap day); a model year has {HOURS_PER_YEAR:,} hours")
        problems.insert(0, Problem(shown, int(group["_line"][leap].min()), what, message, "drop 29 February"))
    return problems


def _gaps(group: pd.DataFrame, what: str, shown: str) -> list[Problem]:
    """The first gap in sorted hours, at the line of the row after which it starts; the gap a
    dropped 29 February leaves is none."""
    steps = group["_t"].diff().iloc[1:]
    dates = group["_date"].to_numpy()
    for i in (steps != HOUR).to_numpy().nonzero()[0]:
        before, after = dates[i], dates[i + 1]
        if steps.iat[i] == LEAP_DAY_GAP and _around_leap_day(before, after):
            continue
        return [Problem(shown, int(group["_line"].iat[i]), what,
                        f"hours are missing after {group['_t'].iat[i]:%Y-%m-%d %H:%M} UTC",
                        "give every hour of the year, one row each")]
    return []


def _around_leap_day(before: str, after: str) -> bool:
    """True when ``before`` is 28 February and ``after`` 1 March of the same leap year (as written)."""
    year = before[:4]
    return (year.isdigit() and calendar.isleap(int(year))
            and before == f"{year}-02-28" and after == f"{year}-03-01")
