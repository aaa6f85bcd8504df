"""Read and check the data tables named in a config.

Each table is checked against its column declarations (:mod:`optimizer.inputs.columns`): the
file exists and parses, required columns are there, cells are numbers where numbers are needed
and inside their bounds, ids are unique. Problems name the file, the row (the line in a CSV) and
the column. Sites may be a CSV with ``lat``/``lon`` or a GeoJSON / GeoPackage read by geopandas.

Hostile files are refused with a problem, not a traceback or a hang: a folder or a device such
as ``/dev/zero``, a CSV holding more than :data:`MAX_TABLE_BYTES` of text (counted after
decompression, so a small ``.gz`` cannot expand without bound), and numbers that are not finite
(``inf``, ``nan``, ``1e400``: an empty cell is how a table says "no limit").
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import Problem, did_you_mean, display_path
from optimizer.inputs.columns import ID_COLUMNS, INF, TABLES, TECH_KINDS, Column, number_text

NEEDS_ROWS = {"sites": "candidate site", "regions": "grid region", "gpus": "GPU product", "profiles": "profile hour",
              "profiles_hourly": "profile hour"}
MAX_COLUMNS = 200           # a table has a few dozen columns at most
MAX_HEADER_BYTES = 20_000
MAX_COLUMN_PROBLEMS = 10    # unknown columns reported one by one; the rest counted
GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")
TRUE_WORDS = {"true", "yes", "1", "y", "t"}
FALSE_WORDS = {"false", "no", "0", "n", "f", ""}
MAX_TABLE_BYTES = 500_000_000   # CSV text after decompression: hourly profiles of about 1,200 zones
OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}   # read here, under the byte limit
PANDAS_ONLY = (".zip", ".zst", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")   # left to pandas


class TableTooLarge(Exception):
    """A table's text went past :data:`MAX_TABLE_BYTES`."""


class _Capped(io.RawIOBase):
    """A binary stream that raises :class:`TableTooLarge` instead of delivering more than ``limit`` bytes."""

    def __init__(self, raw, limit: int):
        super().__init__()
        self.raw, self.left = raw, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer) or 0
        self.left -= n
        if self.left < 0:
            raise TableTooLarge
        return n


def read_table(table: str, path: Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read one table and check it; return (frame or None, problems)."""
    shown = display_path(path)
    frame, problems = _read_file(path, shown)
    if frame is None:
        return None, problems
    first_row_line = 1 if path.suffix.lower() in GEO_SUFFIXES else 2
    if table == "profiles" and "timestamp" in frame.columns:
        table = "profiles_hourly"   # an hourly table instead of representative days
    problems += _check_columns(table, frame, shown)
    if not problems and frame.empty and table in NEEDS_ROWS:
        problems.append(Problem(shown, 1, "", "the table has a header but no rows",
                                f"give at least one {NEEDS_ROWS[table]}, one row each"))
    if problems:
        return None, problems
    typed, problems = _typed(TABLES[table], frame, shown, first_row_line)
    id_col = ID_COLUMNS.get(table)
    if id_col is not None and typed is not None:
        problems += _duplicates(typed, id_col, shown, first_row_line)
    if table == "techs" and typed is not None:
        for i, kind in enumerate(typed["kind"]):
            refused = table_rule(table, "kind", kind)
            if refused:
                problems.append(Problem(shown, i + first_row_line, f"row {i + first_row_line}, column kind", *refused))
    if typed is not None:
        typed.attrs["table"] = table
        # optional columns the file leaves out: every row takes the default (validate says so)
        typed.attrs["defaulted"] = [c.name for c in TABLES[table] if not c.required and c.name not in frame.columns]
    return (typed if not problems else None), problems


def convert_cells(column: Column, cells: list[str]) -> tuple[list, list[tuple[int, str]]]:
    """Text cells of one column as its type, checked as cells read from a file are (kind, minimum,
    maximum, finiteness, blank meaning); (values, [(position, error)]). Data edits
    (:mod:`optimizer.inputs.edits`) convert their values with it."""
    return _convert_column(column, pd.Series([str(c) for c in cells], dtype=object).str.strip())


def table_rule(table: str, column: str, value) -> tuple[str, str] | None:
    """(message, hint) when a typed cell breaks a rule of its table beyond its column's type and
    range (a tech's kind is one of :data:`TECH_KINDS`), else None."""
    if table == "techs" and column == "kind" and value not in TECH_KINDS:
        return f"unknown tech kind '{value}'", did_you_mean(value, TECH_KINDS)
    return None


def _read_file(path: Path, shown: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The table as text cells (empty where nothing is written), or a problem saying why not."""
    if not path.exists():
        return None, [Problem(shown, None, "", "data file not found",
                              "check the path under 'data:'; it is relative to the config file")]
    if not path.is_file():
        what = "is a folder, not a table" if path.is_dir() else "is not a regular file (it is a device, pipe or socket)"
        return None, [Problem(shown, None, "", what,
                              "point 'data:' at a CSV file (or GeoJSON / GeoPackage for sites)")]
    try:
        if path.suffix.lower() in GEO_SUFFIXES:
            return _read_geo(path), []
        if path.suffix.lower() == ".parquet":
            return _as_text(pd.read_parquet(path)), []
        return _read_csv(path), []
    except TableTooLarge:
        return None, [Problem(shown, None, "", f"holds more than {MAX_TABLE_BYTES:,} bytes of text",
                              "check that the path names the right file; split very large tables")]
    except TableTooWide:
        return None, [Problem(shown, 1, "header", f"has more than {MAX_COLUMNS} columns (or a header line over "
                              f"{MAX_HEADER_BYTES:,} bytes)", "write one header line with the table's columns; "
                              "see docs/data.md")]
    except Exception as exc:  # any parser failure is a user-file problem
        return None, [Problem(shown, None, "", f"cannot read the table: {exc}",
                              "save it as a comma-separated file with one header line")]


def _read_csv(path: Path) -> pd.DataFrame:
    """A CSV (plain, .gz, .bz2 or .xz) as text cells, read through a byte limit."""
    options = {"dtype": str, "keep_default_na": False, "skipinitialspace": True}
    name = path.name.lower()
    if name.endswith(PANDAS_ONLY):
        return pd.read_csv(path, **options)
    opener = OPENERS.get(path.suffix.lower(), open)
    with opener(path, "rb") as raw:
        header = raw.readline(MAX_HEADER_BYTES + 1)
    if len(header) > MAX_HEADER_BYTES or header.count(b",") >= MAX_COLUMNS:
        raise TableTooWide()
    with opener(path, "rb") as raw:
        return pd.read_csv(io.BufferedReader(_Capped(raw, MAX_TABLE_BYTES)), encoding="utf-8", **options)


class TableTooWide(Exception):
    """The header line holds more columns than any table has."""


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Typed cells (parquet, geopandas) as text, missing values as empty cells."""
    return frame.astype(object).where(frame.notna(), "").astype(str)


def _read_geo(path: Path) -> pd.DataFrame:
    import geopandas as gpd

    frame = gpd.read_file(path)
    points = frame.geometry.representative_point()
    out = pd.DataFrame(frame.drop(columns="geometry"))
    out["lat"], out["lon"] = points.y, points.x
    return _as_text(out)


def _check_columns(table: str, frame: pd.DataFrame, shown: str) -> list[Problem]:
    known = {c.name for c in TABLES[table]}
    frame.columns = [str(c).strip() for c in frame.columns]
    problems = [Problem(shown, 1, f"column {c.name}", "required column is missing",
                        f"add a '{c.name}' column: {c.description}")
                for c in TABLES[table] if c.required and c.name not in frame.columns]
    unknown = [c for c in frame.columns if c not in known]
    problems += [Problem(shown, 1, f"column {c}", "unknown column", did_you_mean(c, known))
                 for c in unknown[:MAX_COLUMN_PROBLEMS]]
    if len(unknown) > MAX_COLUMN_PROBLEMS:
        problems.append(Problem(shown, 1, "header", f"{len(unknown) - MAX_COLUMN_PROBLEMS:,} more unknown columns",
                                "see docs/data.md for the table's columns"))
    return problems


def _typed(columns: list[Column], frame: pd.DataFrame, shown: str, first: int) -> tuple[pd.DataFrame, list[Problem]]:
    """Convert every declared column to its type, filling defaults; report bad cells."""
    out = {}
    problems: list[Problem] = []
    for column in columns:
        if column.name not in frame.columns:
            out[column.name] = [column.default] * len(frame)
            continue
        values, errors = _convert_column(column, frame[column.name].astype(str).str.strip())
        for i, error in errors:
            line = i + first
            problems.append(Problem(shown, line, f"row {line}, column {column.name}", error, column.description))
        out[column.name] = values
    return pd.DataFrame(out, index=frame.index), problems


def _convert_column(column: Column, text: pd.Series) -> tuple[list, list[tuple[int, str]]]:
    """A column's cells as its type (vectorised); (values, [(row position, error)])."""
    blank = (text == "").to_numpy()
    fill = column.default if column.default is not None else column.blank_means
    errors = [(i, "empty cell in a required column") for i in blank.nonzero()[0]] if fill is None else []
    cells = text.to_numpy()
    if column.kind == "str":
        return [fill if b else v for v, b in zip(cells, blank)], errors
    if column.kind == "bool":
        low = text.str.lower().to_numpy()
        for i in (~blank & ~pd.Series(low).isin(TRUE_WORDS | FALSE_WORDS).to_numpy()).nonzero()[0]:
            errors.append((i, f"'{cells[i]}' is not true/false"))
        return [fill if b else (v in TRUE_WORDS) for v, b in zip(low, blank)], errors
    number = pd.to_numeric(text.where(~blank), errors="coerce").to_numpy(dtype=float)
    nan_text = text.str.fullmatch(r"[+-]?nan", case=False).to_numpy(dtype=bool)
    unreadable = ~blank & np.isnan(number) & ~nan_text
    valid = ~blank & np.isfinite(number)
    checks = [(unreadable, "'{}' is not a number"), (~blank & ~unreadable & ~valid, _not_finite(column))]
    if column.kind == "int":
        checks.append((valid & (np.mod(np.where(valid, number, 0), 1) != 0), "'{}' is not a whole number"))
    if column.minimum is not None:
        checks.append((valid & (number < column.minimum), "{} is below the minimum " + number_text(column.minimum)))
    if column.maximum is not None:
        checks.append((valid & (number > column.maximum), "{} is above the maximum " + number_text(column.maximum)))
    for mask, message in checks:
        errors += [(i, message.format(cells[i])) for i in mask.nonzero()[0]]
    if column.kind == "int":
        values = [fill if b else (int(v) if ok else None) for v, b, ok in zip(number, blank, valid)]
    else:
        values = np.where(blank, np.nan if fill is None else fill, number).tolist()
    return values, sorted(errors)


def _not_finite(column: Column) -> str:
    """The message for inf, nan or 1e400 in a numeric column ('{}' is the cell)."""
    if INF in (column.default, column.blank_means):
        return "'{}' is not a finite number: leave the cell empty for no limit"
    return "'{}' is not a finite number"


def _duplicates(frame: pd.DataFrame, id_col: str, shown: str, first: int) -> list[Problem]:
    seen: dict[str, int] = {}
    problems = []
    for i, value in enumerate(frame[id_col]):
        line = i + first
        if value in seen:
            problems.append(Problem(shown, line, f"row {line}, column {id_col}",
                                    f"duplicate id '{value}' (also on row {seen[value]})", "give every row its own id"))
        else:
            seen[value] = line
    return problems
