"""Planning periods: whole years, or months and quarters mixed with years.

A horizon is a list of consecutive :class:`Period` s. Each has a start month, a length in months
and a label: ``2027`` (a calendar year, or a multi-year step starting in January), ``2025Q1`` (a
calendar quarter) or ``2024-07`` (a month). Calendar arithmetic lives here and in
:class:`optimizer.model.index.Index`; constraint families only ask for keys, lengths and weights.

Period keys, the index of every variable and row, are the calendar year (an ``int``) when every
period is a whole year, so that yearly plans read as before; otherwise every key is a
:class:`PeriodKey`, the label as a string that orders by time (``2024-12 < 2025Q1 < 2026``).

A **when** (a date in the config: a target, a grid energisation step, a price step) is a year
(``2027``: 1 January), a month (``"2024-07"``) or a quarter (``"2025Q1"``: its first month).
Months are counted as ordinals ``12 · year + month − 1``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STEP_MONTHS = {"month": 1, "quarter": 3, "year": 12}
WHEN = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})|[Qq]([1-4]))?\s*$")


class PeriodKey(str):
    """A period label that sorts by start month rather than alphabetically."""

    def __new__(cls, label: str, start_month: int) -> "PeriodKey":
        key = super().__new__(cls, label)
        key.start_month = start_month
        return key

    def __reduce__(self):
        return PeriodKey, (str(self), self.start_month)

    __hash__ = str.__hash__
    __eq__ = str.__eq__
    __ne__ = str.__ne__

    def _other(self, other) -> int:
        if not isinstance(other, PeriodKey):
            return NotImplemented
        return other.start_month

    def __lt__(self, other):
        o = self._other(other)
        return o if o is NotImplemented else self.start_month < o

    def __le__(self, other):
        o = self._other(other)
        return o if o is NotImplemented else self.start_month <= o

    def __gt__(self, other):
        o = self._other(other)
        return o if o is NotImplemented else self.start_month > o

    def __ge__(self, other):
        o = self._other(other)
        return o if o is NotImplemented else self.start_month >= o


@dataclass(frozen=True)
class Period:
    """One planning period: ``start_month`` (ordinal), ``months`` long, with its ``key`` and ``label``."""

    key: int | PeriodKey
    label: str
    start_month: int
    months: int

    @property
    def year(self) -> int:
        """Calendar year in which the period starts."""
        return self.start_month // 12

    @property
    def month(self) -> int:
        """Calendar month (1–12) in which the period starts."""
        return self.start_month % 12 + 1

    @property
    def end_month(self) -> int:
        """Ordinal of the first month after the period."""
        return self.start_month + self.months

    @property
    def length_years(self) -> float:
        return self.months / 12

    @property
    def start_date(self) -> str:
        return f"{self.year}-{self.month:02d}-01"

    @property
    def sub_year(self) -> bool:
        return self.months < 12


def month_of(when: int | str) -> int | None:
    """The month ordinal a *when* names (its first month), or None if it is not one."""
    if isinstance(when, bool):
        return None
    if isinstance(when, int):
        return when * 12
    match = WHEN.match(str(when))
    if not match:
        return None
    year, month, quarter = match.groups()
    if month is not None:
        m = int(month)
        return int(year) * 12 + m - 1 if 1 <= m <= 12 else None
    if quarter is not None:
        return int(year) * 12 + 3 * (int(quarter) - 1)
    return int(year) * 12


def canonical_when(when: int | str) -> int | str:
    """``2027`` and ``"2027"`` -> 2027; ``"2024-7"`` -> ``"2024-07"``; ``"2025q1"`` -> ``"2025Q1"``.
    Raises ValueError for anything else."""
    month = month_of(when)
    if month is None:
        raise ValueError(f"'{when}' is not a year (2027), month ('2024-07') or quarter ('2025Q1')")
    if isinstance(when, int) or WHEN.match(str(when)).group(2) is None and WHEN.match(str(when)).group(3) is None:
        return month // 12
    return label(month, 3 if WHEN.match(str(when)).group(3) else 1)


def months_text(months: float) -> str:
    """A span of months in words: ``1 year``, ``2 years``, ``1 month``, ``4.5 months``."""
    if months % 12 == 0:
        years = int(months // 12)
        return f"{years} year{'s' if years != 1 else ''}"
    return f"{months:g} month{'s' if months != 1 else ''}"


def label(start_month: int, months: int) -> str:
    year, month = divmod(start_month, 12)
    if months == 1:
        return f"{year}-{month + 1:02d}"
    if months == 3:
        return f"{year}Q{month // 3 + 1}"
    return str(year)


def _end_of(until: int | str, step: str) -> int | None:
    """Ordinal of the month after ``until`` (a year, quarter or month, to its end), rounded up to the
    end of the ``step`` period it falls in."""
    start = month_of(until)
    if start is None:
        return None
    match = WHEN.match(str(until))
    span = 1 if match.group(2) is not None else 3 if match.group(3) is not None else 12
    end = start + span
    size = STEP_MONTHS[step]
    return end + (-end) % size


def expand(first_year: int, last_year: int, period_length_years: int = 1, first_month: int = 1,
           steps: list[tuple[str, int | str]] | None = None) -> list[Period]:
    """The periods of a horizon; raises ValueError with a message a planner can act on.

    Without ``steps``: periods of ``period_length_years`` from January of ``first_year``. With
    ``steps`` [(step, until), ...]: from ``first_month`` of ``first_year``, periods of each step until
    the end of its ``until`` (inclusive), then whole years to the end of ``last_year``."""
    end = (last_year + 1) * 12
    if not steps:
        if first_month != 1:
            raise ValueError("a horizon starting after January needs periods: [{step: month, until: ...}]")
        return [Period(y, str(y), y * 12, 12 * period_length_years)
                for y in range(first_year, last_year + 1, period_length_years)]
    if period_length_years != 1:
        raise ValueError("give either periods or period_length_years, not both")
    cursor = first_year * 12 + first_month - 1
    spans: list[tuple[int, int]] = []
    for i, (step, until) in enumerate(steps):
        size = STEP_MONTHS[step]
        stop = _end_of(until, step)
        if stop is None:
            raise ValueError(f"periods[{i}].until '{until}' is not a year (2025), month ('2024-12') or quarter "
                             "('2025Q4')")
        if stop <= cursor:
            raise ValueError(f"periods[{i}] ends ({label(stop - 1, 1)}) before it starts ({label(cursor, 1)}): "
                             "list the steps in time order")
        if stop > end:
            raise ValueError(f"periods[{i}] runs past the horizon's last_year {last_year}")
        if cursor % size:
            raise ValueError(f"periods[{i}]: a {step} must start in {'January' if size == 12 else 'Jan, Apr, Jul or Oct'}"
                             f", but this step starts in {label(cursor, 1)}; use months until then")
        while cursor < stop:
            spans.append((cursor, size))
            cursor += size
    if cursor < end and cursor % 12:
        raise ValueError(f"after the last step the horizon continues in whole years, which must start in January, "
                         f"not {label(cursor, 1)}: end the last step in December or at last_year")
    spans += [(m, 12) for m in range(cursor, end, 12)]
    if all(months == 12 for _, months in spans):
        return [Period(m // 12, str(m // 12), m, 12) for m, _ in spans]
    return [Period(PeriodKey(label(m, n), m), label(m, n), m, n) for m, n in spans]


def period_containing(periods: list[Period], month: int) -> Period | None:
    """The period that contains a month ordinal (None outside the horizon)."""
    for p in periods:
        if p.start_month <= month < p.end_month:
            return p
    return None


def step_values(periods: list[Period], given: dict, base: dict) -> dict:
    """A step function over periods: each period takes the value of the latest *when* at or before its
    start (``given``: when -> value); periods before the first *when* keep ``base[key]``."""
    points = sorted((month_of(w), v) for w, v in given.items())
    out = {}
    for p in periods:
        value = base[p.key]
        for start, v in points:
            if start <= p.start_month:
                value = v
        out[p.key] = value
    return out


def describe_periods(periods: list[Period]) -> str:
    """``2026–2030 (5 periods of 1 yr)`` or ``2024-03–2027 (10 months, 4 quarters, 2 years)``."""
    span = f"{periods[0].label}–{periods[-1].label}"
    if not any(p.sub_year for p in periods):
        return f"{span} ({len(periods)} periods of {periods[0].months // 12} yr)"
    counts = {}
    for p in periods:
        name = {1: "month", 3: "quarter"}.get(p.months, "year")
        counts[name] = counts.get(name, 0) + 1
    parts = [f"{n} {name}{'s' if n > 1 else ''}" for name, n in counts.items()]
    return f"{span} ({', '.join(parts)})"
