"""A run folder read back for reporting: summary, result tables and the resolved config.

Reports read only these files (no Pyomo), so a report can be rebuilt from a run folder at any time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from optimizer.errors import InputError, Problem, display_path

TABLES = ("sites", "capacity", "gpus", "site_power", "energy", "dispatch", "costs", "compute", "emissions",
          "regions", "solver", "limits", "binding")


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
    def config(self) -> dict:
        """The resolved config as a mapping (empty when the run folder has none)."""
        import yaml

        return (yaml.safe_load(self.config_text) if self.config_text else None) or {}


def read_run(folder: str | Path) -> RunData:
    """Read a run folder written by ``siting run``; a clear error if it is not one."""
    folder = Path(folder)
    summary_path = folder / "summary.json"
    if not summary_path.exists():
        raise InputError([Problem(display_path(folder), None, "", "not a run folder (no summary.json)",
                                  "give a folder written by 'siting run'")])
    summary = json.loads(summary_path.read_text())
    config_path = folder / "config.resolved.yaml"
    config_text = config_path.read_text() if config_path.exists() else ""
    tables = {}
    for name in TABLES:
        path = folder / "tables" / f"{name}.csv"
        if path.exists():
            tables[name] = pd.read_csv(path)
    return RunData(folder, summary, config_text, tables)
