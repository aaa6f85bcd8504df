"""Read and check the data tables named in a config.

Each table is checked against its column declarations (:mod:`optimizer.inputs.columns`): the
file exists and parses, required columns are there, cells are numbers where numbers are needed
and inside their bounds, ids are unique. Problems name the file, the row (the line in a CSV) and
the column. Sites may be a CSV with ``lat``/``lon`` or a GeoJSON / GeoPackage read by geopandas.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from optimizer.errors import Problem, did_you_mean, display_path
from optimizer.inputs.columns import ID_COLUMNS, TABLES, TECH_KINDS, Column

GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")
TRUE_WORDS = {"true", "yes", "1", "y", "t"}
FALSE_WORDS = {"false", "no", "0", "n", "f", ""}


def read_table(table: str, path: Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read one table and check it; return (frame or None, problems)."""
    shown = display_path(path)
    frame, problems = _read_file(path, shown)
    if frame is None:
        return None, problems
    first_row_line = 1 if path.suffix.lower() in GEO_SUFFIXES else 2
    problems += _check_columns(table, frame, shown)
    if problems:
        return None, problems
    typed, problems = _typed(TABLES[table], frame, shown, first_row_line)
    id_col = ID_COLUMNS.get(table)
    if id_col is not None and typed is not None:
        problems += _duplicates(typed, id_col, shown, first_row_line)
    if table == "techs" and typed is not None:
        for i, kind in enumerate(typed["kind"]):
            if kind not in TECH_KINDS:
                problems.append(Problem(shown, i + first_row_line, f"row {i + first_row_line}, column kind",
                                        f"unknown tech kind '{kind}'", did_you_mean(kind, TECH_KINDS)))
    return (typed if not problems else None), problems


def _read_file(path: Path, shown: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    if not path.exists():
        return None, [Problem(shown, None, "", "data file not found",
                              "check the path under 'data:'; it is relative to the config file")]
    try:
        if path.suffix.lower() in GEO_SUFFIXES:
            return _read_geo(path), []
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path), []
        return pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True), []
    except Exception as exc:  # any parser failure is a user-file problem
        return None, [Problem(shown, None, "", f"cannot read the table: {exc}",
                              "save it as a comma-separated file with one header line")]


def _read_geo(path: Path) -> pd.DataFrame:
    import geopandas as gpd

    frame = gpd.read_file(path)
    points = frame.geometry.representative_point()
    out = pd.DataFrame(frame.drop(columns="geometry"))
    out["lat"], out["lon"] = points.y, points.x
    return out.astype(object).where(out.notna(), "").astype(str)


def _check_columns(table: str, frame: pd.DataFrame, shown: str) -> list[Problem]:
    known = {c.name for c in TABLES[table]}
    frame.columns = [str(c).strip() for c in frame.columns]
    problems = [Problem(shown, 1, f"column {c.name}", "required column is missing",
                        f"add a '{c.name}' column: {c.description}")
                for c in TABLES[table] if c.required and c.name not in frame.columns]
    problems += [Problem(shown, 1, f"column {c}", "unknown column", did_you_mean(c, known))
                 for c in frame.columns if c not in known]
    return problems


def _typed(columns: list[Column], frame: pd.DataFrame, shown: str, first: int) -> tuple[pd.DataFrame, list[Problem]]:
    """Convert every declared column to its type, filling defaults; report bad cells."""
    out = {}
    problems: list[Problem] = []
    for column in columns:
        cells = frame[column.name].tolist() if column.name in frame.columns else [None] * len(frame)
        values = []
        for i, cell in enumerate(cells):
            value, error = _convert(column, cell)
            if error:
                line = i + first
                problems.append(Problem(shown, line, f"row {line}, column {column.name}", error,
                                        f"{column.description}"))
            values.append(value)
        out[column.name] = values
    return pd.DataFrame(out, index=frame.index), problems


def _convert(column: Column, cell) -> tuple[object, str | None]:
    """One cell as the column's type; (value, error message or None)."""
    text = "" if cell is None else str(cell).strip()
    if text == "":
        if column.default is not None:
            return column.default, None
        if column.blank_means is not None:
            return column.blank_means, None
        return None, "empty cell in a required column"
    if column.kind == "str":
        return text, None
    if column.kind == "bool":
        low = text.lower()
        if low in TRUE_WORDS:
            return True, None
        if low in FALSE_WORDS:
            return False, None
        return None, f"'{text}' is not true/false"
    try:
        number = float(text)
    except ValueError:
        return None, f"'{text}' is not a number"
    if math.isnan(number):
        return None, f"'{text}' is not a number"
    if column.kind == "int":
        if not number.is_integer():
            return None, f"'{text}' is not a whole number"
        number = int(number)
    if column.minimum is not None and number < column.minimum:
        return None, f"{text} is below the minimum {column.minimum:g}"
    if column.maximum is not None and number > column.maximum:
        return None, f"{text} is above the maximum {column.maximum:g}"
    return number, None


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
