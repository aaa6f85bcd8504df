"""A run folder read back for reporting: summary, result tables and the resolved config.

Reports read only these files (no Pyomo), so a report can be rebuilt from a run folder at any time.

The time axis of every table is its planning period: the ``period`` column (a label: ``2027`` for a
year, ``2025Q1`` for a quarter, ``2024-07`` for a month), or ``year`` in run folders written before
periods existed. :func:`period_labels` reads either as text labels and :func:`in_time_order` orders
labels by the month they start in (never alphabetically: ``2024-07`` comes after ``2024Q2``).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

import optimizer
from optimizer.errors import InputError, Problem, display_path
from optimizer.inputs.periods import month_of
from optimizer.run_folder import INCOMPLETE_SUFFIX

TABLES = ("sites", "capacity", "gpus", "site_power", "energy", "dispatch", "costs", "compute", "emissions",
          "regions", "solver", "limits", "binding")
# state outlines for the map: a run folder's own copy, else the ones shipped with the repository
STATE_SHAPES = "state_shapes.geojson"
SHIPPED_STATE_SHAPES = Path(optimizer.__file__).resolve().parents[1] / "data" / "us_states.geojson"
# columns of text besides the ids (``*_id``): read as written, never as numbers or missing values
TEXT_COLUMNS = {"name", "limit", "unit", "family", "constraint", "index", "kind", "category", "source", "slice",
                "largest_site", "metric"}
# period labels are read as pandas finds them (years of a yearly plan as numbers, so results.xlsx keeps
# them as numbers) and turned into text labels by period_labels / label_text wherever they are used
MONTHS_OF_LABEL = {"month": 1, "quarter": 3, "year": 12}


def label_text(value) -> str | None:
    """A period label as text: ``2027`` (int, float 2027.0 or text) -> '2027', '2025Q1' unchanged; None
    for a missing value."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "item") and not isinstance(value, str):     # numpy scalars
        return label_text(value.item())
    return str(value)


def time_column(frame: pd.DataFrame) -> str:
    """``period`` where the table has it, else ``year`` (run folders from before sub-year periods)."""
    return "period" if "period" in frame.columns else "year"


def period_labels(frame: pd.DataFrame, column: str | None = None) -> pd.Series:
    """The period of each row as a text label (from ``period``, else ``year``; or from ``column``)."""
    column = column or time_column(frame)
    if column not in frame.columns:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return pd.Series([label_text(v) for v in frame[column]], index=frame.index, dtype=object)


def label_month(label) -> int | None:
    """Month ordinal (12 · year + month − 1) in which the period labelled ``label`` starts; None if the
    label is not a year, month or quarter."""
    text = label_text(label)
    return None if text is None else month_of(int(text) if text.isdigit() else text)


def label_kind(label) -> str:
    """'month' (2024-07), 'quarter' (2025Q1) or 'year' (2027) by the label's form."""
    text = label_text(label) or ""
    return "month" if "-" in text else "quarter" if "Q" in text.upper() else "year"


def in_time_order(labels) -> list[str]:
    """The distinct labels ordered by the month each period starts in; labels that are not dates keep
    their order of first appearance, after the dated ones."""
    seen = list(dict.fromkeys(t for t in (label_text(v) for v in labels) if t is not None))
    dated = [t for t in seen if label_month(t) is not None]
    return sorted(dated, key=label_month) + [t for t in seen if label_month(t) is None]


def by_period(frame: pd.DataFrame, column: str, order: list[str] | None = None) -> pd.Series:
    """Σ ``column`` per period label, in time order (``order`` if given, periods without rows left out)."""
    if frame.empty:
        return pd.Series(dtype=float)
    sums = frame.groupby(period_labels(frame).rename("period"), sort=False)[column].sum()
    keys = [k for k in (order if order is not None else in_time_order(sums.index)) if k in sums.index]
    return sums.reindex(keys)


@dataclass
class RunData:
    folder: Path
    summary: dict
    config_text: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.summary.get("name") or self.folder.name

    @property
    def solved(self) -> bool:
        return bool(self.tables)

    def table(self, name: str) -> pd.DataFrame:
        return self.tables.get(name, pd.DataFrame())

    @cached_property
    def periods(self) -> list[str]:
        """The plan's period labels in time order: summary.json ``periods``, else every label in the
        tables (old run folders: their years)."""
        listed = [str(p["period"]) for p in self.summary.get("periods") or [] if isinstance(p, dict)]
        if listed:
            return listed
        labels: list = []
        for name in ("compute", "site_power", "costs", "emissions", "capacity", "gpus"):
            frame = self.table(name)
            if not frame.empty:
                labels += list(period_labels(frame))
        return in_time_order(labels)

    @cached_property
    def period_months(self) -> dict[str, int]:
        """Months in each period: summary.json ``periods``, else by the form of its label (a month 1, a
        quarter 3, a year: the gap to the next year's label, 12 for the last)."""
        listed = {str(p["period"]): int(p["months"]) for p in self.summary.get("periods") or []
                  if isinstance(p, dict) and "months" in p}
        if listed:
            return listed
        out = {}
        for i, label in enumerate(self.periods):
            kind = label_kind(label)
            if kind != "year":
                out[label] = MONTHS_OF_LABEL[kind]
                continue
            after = self.periods[i + 1] if i + 1 < len(self.periods) else None
            gap = label_month(after) - label_month(label) if after and label_month(after) is not None \
                and label_month(label) is not None else None
            out[label] = gap if gap and gap > 0 else (out[self.periods[i - 1]] if i else 12)
        return out

    @property
    def sub_year(self) -> bool:
        """True when some period is shorter than a year (months or quarters)."""
        return any(m < 12 for m in self.period_months.values())

    @cached_property
    def rented_techs(self) -> set[str]:
        """Techs that are rented period by period (bridge power): the capacity table's ``rented`` column
        where it has one; else the ``rented`` column of the techs table the config names, if it can be
        read (run folders written before the column); else none."""
        cap = self.table("capacity")
        if cap.empty:
            return set()
        if "rented" in cap.columns:
            flags = cap["rented"].map(lambda v: str(v).strip().lower() in ("true", "1", "yes"))
            return set(cap.loc[flags, "tech_id"])
        listed = self._techs_table_rented()
        return listed & set(cap["tech_id"]) if listed is not None else set()

    def _techs_table_rented(self) -> set[str] | None:
        path = (self.config.get("data") or {}).get("techs") if isinstance(self.config, dict) else None
        if not path:
            return None
        path = Path(str(path))
        if not path.is_absolute():
            path = self.folder / path
        try:
            techs = pd.read_csv(path, dtype={"tech_id": str}, keep_default_na=False)
        except (OSError, ValueError):
            return None
        if "rented" not in techs.columns or "tech_id" not in techs.columns:
            return set() if "tech_id" in techs.columns else None
        flags = techs["rented"].map(lambda v: str(v).strip().lower() in ("true", "1", "yes"))
        return set(techs.loc[flags, "tech_id"])

    @cached_property
    def region_shapes(self):
        """Region polygons copied into the run folder (a GeoDataFrame), or None."""
        path = self.folder / "tables" / "region_shapes.geojson"
        if not path.exists():
            return None
        import geopandas as gpd

        return gpd.read_file(path)

    @cached_property
    def state_shapes(self):
        """State outlines drawn under the regions on the map (a GeoDataFrame: name, postal, geometry):
        the run folder's ``tables/state_shapes.geojson``, else the repository's
        ``data/us_states.geojson``; None when neither can be read (the map is drawn without them)."""
        import geopandas as gpd

        for path in (self.folder / "tables" / STATE_SHAPES, SHIPPED_STATE_SHAPES):
            if path.is_file():
                try:
                    return gpd.read_file(path)
                except Exception:   # a damaged copy: try the next one
                    continue
        return None

    @cached_property
    def config(self) -> dict:
        """The resolved config as a mapping (empty when the run folder has none)."""
        import yaml

        return (yaml.safe_load(self.config_text) if self.config_text else None) or {}


def copy_state_shapes(tables: Path) -> None:
    """Copy the shipped state outlines into a run folder's ``tables/`` (so its map keeps them when
    the folder is moved away from the repository); nothing when the repository has none."""
    if SHIPPED_STATE_SHAPES.is_file():
        shutil.copyfile(SHIPPED_STATE_SHAPES, Path(tables) / STATE_SHAPES)


def check_finished(folder: str | Path) -> None:
    """A clear error for a folder that a stopped run left incomplete (``NAME.incomplete``)."""
    folder = Path(folder)
    if folder.name.endswith(INCOMPLETE_SUFFIX) or (not folder.exists() and
                                                   folder.with_name(folder.name + INCOMPLETE_SUFFIX).exists()):
        raise InputError([Problem(display_path(folder), None, "", "this run did not finish: it was stopped before "
                                  "its folder was complete", "run the config again")])


def read_run(folder: str | Path) -> RunData:
    """Read a run folder written by ``siting run``; a clear error if it is not one."""
    folder = Path(folder)
    summary_path = folder / "summary.json"
    if not summary_path.is_file():
        raise InputError([Problem(display_path(folder), None, "", "not a run folder (no summary.json)",
                                  "give a folder written by 'siting run'")])
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError([Problem(display_path(summary_path), None, "", f"cannot read the run summary: {exc}",
                                  "give a folder written by 'siting run', unedited")]) from None
    config_path = folder / "config.resolved.yaml"
    config_text = config_path.read_text() if config_path.exists() else ""
    tables = {}
    for name in TABLES:
        path = folder / "tables" / f"{name}.csv"
        if path.exists():
            tables[name] = read_table_csv(path)
    return RunData(folder, summary, config_text, tables)


def read_table_csv(path: Path) -> pd.DataFrame:
    """A result table as written: ids and names stay text (a site called 'NA' or '1e3' is not a
    number or a missing value); only empty cells are missing."""
    header = pd.read_csv(path, nrows=0).columns
    text = {c: str for c in header if c.endswith("_id") or c in TEXT_COLUMNS}
    return pd.read_csv(path, dtype=text, keep_default_na=False, na_values=[""])
