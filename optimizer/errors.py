"""The project's exceptions, all in one place.

::

    SitingError                 base of every error the CLI reports without a traceback
    ├── InputError              a user mistake in a config or data file (exit code 2)
    │   └── carries Problem(file, line, key, message, hint) entries, all reported at once
    └── SolveError              the solver could not be run at all (exit code 3)

A :class:`Problem` is one mistake: where it is (file, line, key path), what is wrong and how
to fix it. Validation collects every problem it finds and raises one :class:`InputError`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable


@dataclass(frozen=True)
class Problem:
    """One mistake in an input, located as precisely as the input allows."""

    file: str | None
    line: int | None
    key: str
    message: str
    hint: str = ""

    def __post_init__(self) -> None:
        if self.line is not None and type(self.line) is not int:   # numpy integers from table positions
            object.__setattr__(self, "line", int(self.line))

    def render(self) -> str:
        where = self.file or "<config>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        text = f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"
        if self.hint:
            text += f" (fix: {self.hint})"
        return text


class SitingError(Exception):
    """Base class of errors reported to the user as one plain message."""


class InputError(SitingError):
    """One or more mistakes in a config or data file."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file or "", p.line or 0))
        super().__init__(self.render())

    def render(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} found:"
        return "\n".join([head] + [f"  - {p.render()}" for p in self.problems])


class SolveError(SitingError):
    """The solver could not be started or crashed."""


def unique(problems: Iterable[Problem], key=lambda p: (p.file, p.line, p.key, p.message)) -> list[Problem]:
    """``problems`` without repeats (the same ``key``), in order."""
    seen, out = set(), []
    for p in problems:
        k = key(p)
        if k not in seen:
            seen.add(k)
            out.append(p)
    return out


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A 'did you mean' phrase for the closest of ``choices``, or a list of the valid ones."""
    choices = sorted(set(str(c) for c in choices))
    close = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if len(choices) <= 12:
        return "valid: " + ", ".join(choices)
    return f"valid: {', '.join(choices[:12])}, ... ({len(choices)} in all)"


def display_path(path: str | Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)
