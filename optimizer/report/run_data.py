"""A run folder read back for reporting: summary, result tables and the resolved config.

Reports read only these files (no Pyomo), so a report can be rebuilt from a run folder at any time.
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
from optimizer.run_folder import INCOMPLETE_SUFFIX

TABLES = ("sites", "capacity", "gpus", "site_power", "energy", "dispatch", "costs", "compute", "emissions",
          "regions", "solver", "limits", "binding")
# state outlines for the map: a run folder's own copy, else the ones shipped with the repository
STATE_SHAPES = "state_shapes.geojson"
SHIPPED_STATE_SHAPES = Path(optimizer.__file__).resolve().parents[1] / "data" / "us_states.geojson"
# columns of text besides the ids (``*_id``): read as written, never as numbers or missing values
TEXT_COLUMNS = {"name", "limit", "unit", "family", "constraint", "index", "kind", "category", "source", "slice",
                "largest_site", "metric"}


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
