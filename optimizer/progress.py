"""What a run is doing, while it does it: stages, and during a solve the elapsed time, the best
plan, the bound and the gap.

:class:`Progress` is silent (tests, ``--quiet``). :class:`LiveProgress` updates one line in place
on a terminal (rich); :class:`PlainProgress` prints plain lines when the output is not a terminal
(a log file, CI): a solve line when a better plan is found (at most once a second) and otherwise
every ``every_s`` seconds. Every class writes to stderr so
that stdout holds only the result.
"""

from __future__ import annotations

import time
from typing import Callable

from rich.console import Console
from rich.markup import escape

Formatter = Callable[[float], str]
IMPROVED_EVERY_S = 1.0   # a better plan is reported at once, but not more than once a second


def usd_of_musd(value: float) -> str:
    """An objective in MUSD as USD billions or millions."""
    usd = value * 1e6
    return f"${usd / 1e9:,.3f} B" if abs(usd) >= 1e8 else f"${usd / 1e6:,.2f} M"


def solve_line(elapsed_s: float, best: float | None, bound: float | None, gap: float | None,
               fmt: Formatter) -> str:
    """``12 s  best $4.471 B  bound $4.466 B  gap 0.11%`` (parts unknown yet are left out)."""
    parts = [f"{elapsed_s:,.0f} s"]
    parts.append(f"best {fmt(best)}" if best is not None else "no plan yet")
    if bound is not None:
        parts.append(f"bound {fmt(bound)}")
    if gap is not None and best is not None:
        parts.append(f"gap {gap:.2%}")
    return "  ".join(parts)


class Progress:
    """Silent progress: the interface every reporter implements."""

    def stage(self, text: str, fmt: Formatter = usd_of_musd) -> None:
        """A new stage begins (``fmt`` formats objective values during a solve stage)."""

    def solving(self, elapsed_s: float, best: float | None, bound: float | None, gap: float | None) -> None:
        """The solver's latest figures, in the objective's units."""

    def close(self) -> None:
        """The run ended: clear anything drawn in place."""


class PlainProgress(Progress):
    """One line per stage; during a solve, a line at most every ``every_s`` seconds."""

    def __init__(self, console: Console, every_s: float = 10.0):
        self.console, self.every_s = console, every_s
        self.t0 = time.perf_counter()
        self.last_line = -1e9
        self.last_best: float | None = None
        self.fmt: Formatter = usd_of_musd
        self.text = ""

    def stage(self, text: str, fmt: Formatter = usd_of_musd) -> None:
        self.text, self.fmt = text, fmt
        self.console.print(f"[{time.perf_counter() - self.t0:6.1f} s] {text}", markup=False, highlight=False)

    def solving(self, elapsed_s, best, bound, gap) -> None:
        now = time.perf_counter()
        improved = best is not None and best != self.last_best
        if now - self.last_line < (IMPROVED_EVERY_S if improved else self.every_s):
            return
        self.last_line, self.last_best = now, best
        self.console.print(f"[{now - self.t0:6.1f} s]   {solve_line(elapsed_s, best, bound, gap, self.fmt)}",
                           markup=False, highlight=False)


class LiveProgress(Progress):
    """A spinner line updated in place on a terminal."""

    def __init__(self, console: Console):
        self.console = console
        self.t0 = time.perf_counter()
        self.fmt: Formatter = usd_of_musd
        self.text = ""
        self.status = console.status("starting", spinner="dots")
        self.status.start()

    def stage(self, text: str, fmt: Formatter = usd_of_musd) -> None:
        self.text, self.fmt = text, fmt
        self.status.update(escape(f"{text}  ({time.perf_counter() - self.t0:,.0f} s)"))

    def solving(self, elapsed_s, best, bound, gap) -> None:
        self.status.update(escape(f"{self.text}: {solve_line(elapsed_s, best, bound, gap, self.fmt)}"))

    def close(self) -> None:
        self.status.stop()


def for_console(console: Console, quiet: bool = False) -> Progress:
    """The reporter that suits ``console``: silent when quiet, live on a terminal, else plain lines."""
    if quiet:
        return Progress()
    return LiveProgress(console) if console.is_terminal else PlainProgress(console)


class SweepProgress:
    """A sweep's progress: scenarios done, failed and remaining, and an estimate of the time left.
    A bar on a terminal; plain lines elsewhere (at most every ``every_s`` seconds, and the last);
    nothing when quiet. Call it with (done, failed, remaining, seconds_left)."""

    def __init__(self, console: Console, quiet: bool = False, every_s: float = 10.0):
        self.console, self.quiet, self.every_s = console, quiet, every_s
        self.bar = None
        self.task = None
        self.last_line = -1e9
        self.t0 = time.perf_counter()

    def __call__(self, done: int, failed: int, remaining: int, seconds_left: float | None) -> None:
        if self.quiet:
            return
        text = f"{done} done, {failed} failed, {remaining} to go" + (
            f", about {_duration(seconds_left)} left" if seconds_left is not None and remaining else "")
        if self.console.is_terminal:
            self._bar(done + failed, done + failed + remaining, text)
            return
        now = time.perf_counter()
        if remaining == 0 or now - self.last_line >= self.every_s:
            self.last_line = now
            self.console.print(f"[{now - self.t0:6.1f} s] scenarios: {text}", markup=False, highlight=False)

    def _bar(self, finished: int, total: int, text: str) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn

        if self.bar is None:
            self.bar = Bar(TextColumn("scenarios"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                           console=self.console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task("", total=total)
        self.bar.update(self.task, completed=finished, total=total, description=escape(text))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _duration(seconds: float) -> str:
    """``45 s``, ``12 min``, ``3.5 h``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
