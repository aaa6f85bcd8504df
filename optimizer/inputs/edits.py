"""Edits of data-table cells: the config's ``data_edits:`` list and ``--set data.TABLE.ROW.COLUMN=...``.

An edit is one text::

    techs.gas_recip.lead_time_months=24          set one cell
    regions.*.grid_price_usd_per_mwh*=1.2        multiply a column (``*`` right before ``=``)
    prices.2027.gas_hub_usd_per_mmbtu=4.5        a table without an id column: rows by year

``ROW`` is the row's id (the table's id column, :data:`optimizer.inputs.columns.ID_COLUMNS`) or
``*`` for every row; in ``prices`` (no id column) ``*`` or a year, for every row of that year. The
value is read as YAML, like every ``--set`` value, then converted and checked exactly as a cell
read from the file (:func:`optimizer.inputs.tables.convert_cells`): kind, minimum, maximum,
finiteness, what an empty value means. In a text column the value is kept as written (``no``
stays ``no``). A factor is a finite number; cells that are blank in the sense of "no limit" or
"not given" (an infinite or missing number) stay so, every other cell is multiplied and the
product checked like a cell.

``--set data.T.R.C=V`` is appended to ``data_edits`` as ``T.R.C=V`` when the config is composed
(:func:`optimizer.config.load.compose`), so the resolved config holds every edit; a base
config's edits come before those of a file extending it. Edits are applied in list order, to each
table right after it is read (:func:`optimizer.inputs.load._read_tables`), so that every later
check sees the edited values. Each mistake is a :class:`Problem` naming the list item's file and
line (or ``--set``) and the edit as written.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from optimizer.config.yaml_source import SourceMap, parse_value
from optimizer.errors import Problem, did_you_mean
from optimizer.inputs.columns import ID_COLUMNS, TABLES, Column
from optimizer.inputs.tables import convert_cells, table_rule

EDITABLE = ("sites", "regions", "techs", "gpus", "prices")
ROWS_BY_YEAR = {"prices": "year"}      # tables without an id column: a row part is a year
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
YEAR = re.compile(r"[0-9]{1,4}")
MAX_ROW_PROBLEMS = 10                  # refused cells of one edit reported one by one; the rest counted
EXAMPLE = "techs.gas_recip.lead_time_months=24"


@dataclass(frozen=True)
class Edit:
    """One parsed edit and where it was written."""

    shown: str               # as the user wrote it (``data.`` in front for --set)
    file: str | None
    line: int | None
    table: str
    row: str                 # an id, a year (prices) or '*'
    column: Column
    multiply: bool
    value: Any               # the value read as YAML (a factor when multiply)
    value_text: str          # the value as written

    def problem(self, message: str, hint: str) -> Problem:
        return Problem(self.file, self.line, self.shown, message, hint)


def parse_edits(raw: dict, smap: SourceMap) -> tuple[list[Edit], list[Problem]]:
    """The config's ``data_edits`` parsed, in order; a problem for each that cannot be read. Items
    that are not text are left to the schema, which reports them."""
    items = raw.get("data_edits") if isinstance(raw, dict) else None
    edits: list[Edit] = []
    problems: list[Problem] = []
    for i, text in enumerate(items if isinstance(items, list) else []):
        if not isinstance(text, str):
            continue
        file, line = smap.locate(("data_edits", i))
        edit, problem = parse_edit(text, file, line)
        if problem is not None:
            problems.append(problem)
        elif edit is not None:
            edits.append(edit)
    return edits, problems


def parse_edit(text: str, file: str | None, line: int | None) -> tuple[Edit | None, Problem | None]:
    """One edit text (``TABLE.ROW.COLUMN=value`` or ``TABLE.ROW.COLUMN*=factor``), or the problem with it."""
    on_command_line = file == "--set"
    prefix = "data." if on_command_line else ""
    shown = prefix + text

    def refuse(message: str, hint: str) -> tuple[None, Problem]:
        return None, Problem(file, line, repr(shown) if CONTROL.search(shown) else shown, message, hint)

    if CONTROL.search(text):
        return refuse("the edit holds a control character", f"write {prefix}{EXAMPLE}")
    if "=" not in text:
        return refuse("an edit needs '='", f"write {prefix}TABLE.ROW.COLUMN=value, e.g. {prefix}{EXAMPLE}")
    key, value_text = text.split("=", 1)
    key = key.strip()
    multiply = key.endswith("*")
    if multiply:
        key = key[:-1].rstrip()
    parts = [p.strip() for p in key.split(".")]
    op = "*=" if multiply else "="
    if any(not p for p in parts):
        return refuse("the edit's key has an empty part (two dots, or a dot at an end)",
                      f"write {prefix}TABLE.ROW.COLUMN{op}value, e.g. {prefix}{EXAMPLE}")
    if len(parts) < 3:
        named = ".".join(parts) if len(parts) == 2 else parts[0] + ".ROW"
        return refuse("a data edit names a table, a row and a column",
                      f"write {prefix}{named}.COLUMN{op}{value_text.strip() or 'value'} (ROW: an id or *), "
                      f"e.g. {prefix}{EXAMPLE}")
    table, row, column_name = parts[0], ".".join(parts[1:-1]), parts[-1]
    if table not in EDITABLE:
        editable = f"editable tables: {', '.join(EDITABLE)}"
        if table in TABLES or table == "region_shapes":
            return refuse(f"table '{table}' cannot be edited", editable)
        close = did_you_mean(table, EDITABLE)
        return refuse(f"unknown table '{table}'", (close + " " if close.startswith("did you mean") else "") + editable)
    columns = {c.name: c for c in TABLES[table]}
    if column_name not in columns:
        return refuse(f"unknown column '{column_name}' in table {table}", did_you_mean(column_name, columns))
    column = columns[column_name]
    if column_name == ID_COLUMNS.get(table):
        return refuse(f"the id column {column_name} cannot be edited",
                      f"edit the {table} file to rename or add a row; edits change other columns of a row")
    if multiply and column.kind not in ("float", "int"):
        held = "true/false" if column.kind == "bool" else "text"
        return refuse(f"cannot multiply column {column_name}: it holds {held}",
                      f"set it with '=': {prefix}{table}.{row}.{column_name}=value")
    value, found = parse_value(value_text, file or "--set")
    if found:
        return refuse(found[0].message, found[0].hint)
    if multiply:
        value = _number(value)
    if multiply and (value is None or not math.isfinite(value)):
        return refuse(f"a '*=' factor must be a finite number (got {value_text.strip()!r})",
                      f"write a number, e.g. {prefix}{table}.{row}.{column_name}*=1.2")
    if isinstance(value, (list, dict)):
        return refuse("a cell holds one value, not a list or mapping", "write one number or text")
    return Edit(shown, file, line, table, row, column, multiply, value, value_text), None


def _number(value: Any) -> float | None:
    """A factor as a number: a YAML number, or text that reads as one (``1e3``, which YAML 1.1
    leaves as text, as a cell holding it is read); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        number = pd.to_numeric(pd.Series([value.strip()]), errors="coerce").iloc[0]
        return None if pd.isna(number) and value.strip().lower() not in ("nan", "+nan", "-nan") else float(number)
    return None


def cell_text(edit: Edit) -> str:
    """The edit's value as the text of a cell: YAML numbers and true/false written plainly, an empty
    value (or null) as an empty cell; in a text column the text as written."""
    value, written = edit.value, edit.value_text.strip()
    if edit.column.kind == "str":
        return value.strip() if isinstance(value, str) else written
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def apply_edits(table: str, frame: pd.DataFrame, edits: list[Edit]) -> tuple[pd.DataFrame, list[Problem]]:
    """``frame`` (a typed table as read, indexed by its id column) with ``edits`` applied in order;
    an edit that cannot be applied leaves the table as it was and adds a problem."""
    if not edits:
        return frame, []
    problems: list[Problem] = []
    frame = frame.copy()
    for edit in edits:
        rows, problem = _rows(table, frame, edit)
        if problem is not None:
            problems.append(problem)
            continue
        name = edit.column.name
        if edit.multiply:
            found = _multiply(frame, rows, edit)
        else:
            found = _set(table, frame, rows, edit)
        problems += found
        every_row_set = edit.row == "*" and not edit.multiply
        if every_row_set and not found and name in frame.attrs.get("defaulted", []):   # no row takes the default
            frame.attrs["defaulted"] = [c for c in frame.attrs["defaulted"] if c != name]
    return frame, problems


def _rows(table: str, frame: pd.DataFrame, edit: Edit) -> tuple[pd.Series | None, Problem | None]:
    """The rows an edit changes (a boolean mask), or the problem with its row part."""
    if edit.row == "*":
        return pd.Series(True, index=frame.index), None
    if table in ROWS_BY_YEAR:
        column = ROWS_BY_YEAR[table]
        years = sorted({int(y) for y in frame[column]})
        if not YEAR.fullmatch(edit.row):
            return None, edit.problem(f"rows of {table} are chosen by year or *, not '{edit.row}'",
                                      f"write {table}.YEAR.{edit.column.name} or {table}.*.{edit.column.name}; "
                                      f"years in the table: {', '.join(map(str, years))}")
        mask = frame[column] == int(edit.row)
        if not mask.any():
            return None, edit.problem(f"no row of year {edit.row} in table {table}",
                                      f"{did_you_mean(edit.row, map(str, years))} (or * for every row)")
        return mask, None
    mask = pd.Series(frame.index == edit.row, index=frame.index)
    if not mask.any():
        what = ID_COLUMNS[table].removesuffix("_id")
        return None, edit.problem(f"unknown {what} '{edit.row}' in table {table}",
                                  f"{did_you_mean(edit.row, frame.index)} (or * for every row)")
    return mask, None


def _set(table: str, frame: pd.DataFrame, rows: pd.Series, edit: Edit) -> list[Problem]:
    values, errors = convert_cells(edit.column, [cell_text(edit)])
    if errors:
        return [edit.problem(errors[0][1], edit.column.description)]
    refused = table_rule(table, edit.column.name, values[0])
    if refused:
        return [edit.problem(*refused)]
    _assign(frame, rows, edit.column.name, [values[0]] * int(rows.sum()))
    return []


def _multiply(frame: pd.DataFrame, rows: pd.Series, edit: Edit) -> list[Problem]:
    """Multiply the finite cells of the chosen rows; blank ("no limit", "not given") cells stay."""
    name = edit.column.name
    cells = frame.loc[rows.to_numpy(), name]
    finite = [isinstance(v, (int, float)) and math.isfinite(v) for v in cells]
    chosen = cells[finite]
    if chosen.empty:
        return []
    products = [repr(float(v) * float(edit.value)) for v in chosen]
    values, errors = convert_cells(edit.column, products)
    if errors:
        ids = _row_names(frame, chosen.index)
        out = [edit.problem(f"row {ids[i]}: {message}", edit.column.description)
               for i, message in errors[:MAX_ROW_PROBLEMS]]
        if len(errors) > MAX_ROW_PROBLEMS:
            out.append(edit.problem(f"{len(errors) - MAX_ROW_PROBLEMS} more rows are refused the same way",
                                    edit.column.description))
        return out
    mask = rows.to_numpy().copy()
    mask[mask.nonzero()[0]] = finite
    _assign(frame, mask, name, values)
    return []


def _row_names(frame: pd.DataFrame, index: pd.Index) -> list[str]:
    """How a message names rows: by id (``'gas'``), or by year and region in prices."""
    if frame.index.name is not None:
        return [f"'{i}'" for i in index]
    return [f"{frame.at[i, 'year']} {frame.at[i, 'region_id'] or '(every region)'}" for i in index]


def _assign(frame: pd.DataFrame, mask, name: str, values: list) -> None:
    """Write ``values`` into the cells of column ``name`` where ``mask`` holds, in row order."""
    frame.loc[pd.Series(mask, index=frame.index).to_numpy(dtype=bool), name] = values
