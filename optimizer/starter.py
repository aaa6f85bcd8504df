"""``siting init NAME``: a commented starter config and an empty constraints file, from the
shipped data, small enough to solve to a proven optimum in seconds.

The config names two candidate campuses, two years, a compute target and the shipped tables by
paths relative to the folder it is written in; every section a planner edits next is there,
commented. Nothing is overwritten: an existing file is an input error.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from optimizer.errors import InputError, Problem, display_path

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schemas" / "config.schema.json"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True)
class StarterChoices:
    """What ``siting init`` asks (each with a default)."""

    first_year: int = 2026
    target_h100e: float = 50_000
    sites: tuple[str, ...] = ("memphis", "abilene")


def write_starter(name: str, folder: Path, choices: StarterChoices = StarterChoices()) -> tuple[Path, Path]:
    """Write ``folder/NAME.yaml`` and ``folder/constraints/NAME.yaml``; return both paths."""
    if not NAME.fullmatch(name):
        raise InputError([Problem(None, None, "NAME", f"'{name}' is not a usable config name",
                                  "use letters, digits, '-', '_' or '.', up to 64 characters")])
    config = folder / f"{name}.yaml"
    constraints = folder / "constraints" / f"{name}.yaml"
    taken = [p for p in (config, constraints) if p.exists()]
    if taken:
        raise InputError([Problem(display_path(p), None, "", "already exists",
                                  "choose another name; siting init never overwrites a file") for p in taken])
    constraints.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(starter_config(name, folder, choices), encoding="utf-8")
    constraints.write_text(starter_constraints(name, folder), encoding="utf-8")
    return config, constraints


def _relative(target: Path, folder: Path) -> str:
    return Path(os.path.relpath(target, folder.resolve())).as_posix()


def _schema_line(folder: Path) -> str:
    if not SCHEMA_FILE.exists():
        return ""
    return f"# yaml-language-server: $schema={_relative(SCHEMA_FILE, folder)}\n"


def starter_config(name: str, folder: Path, c: StarterChoices) -> str:
    """The starter config's text (comments say what each section is for)."""
    data = _relative(DATA_DIR, folder)
    last = c.first_year + 1
    sites = ", ".join(c.sites)
    return f"""{_schema_line(folder)}# {name}: a starter config written by `siting init`. Solve it with
#   siting run {display_path(folder / f'{name}.yaml')}
# then edit: more sites, years and targets, budgets, policy, constraints. configs/README.md explains
# every section; docs/data.md every column of the data tables.
name: {name}
description: >
  {c.target_h100e:,.0f} H100-equivalents from {last} on one of {len(c.sites)} candidate campuses.

horizon:
  first_year: {c.first_year}
  last_year: {last}
  discount_rate: 0.07

data:                              # the shipped tables (data/SOURCES.md gives every figure's source)
  sites: {data}/sites.csv
  regions: {data}/regions.csv
  techs: {data}/techs.csv
  gpus: {data}/gpus.csv
  profiles: {data}/profiles_hourly.csv.gz
  grid_profiles: {data}/grid_hourly.csv.gz
  prices: {data}/prices.csv

time_slices:
  representative_days: 2           # typical days found in the hourly year; more is finer and slower
  hours_per_slice: 4

targets:
  compute_h100e:
    {last}: {c.target_h100e:g}

# budget:
#   capex_usd_per_year: 5.0e9
# policy:
#   carbon_price_usd_per_t: 50
reliability:
  reserve_margin: 0.10

solver:
  threads: 1                       # the same plan on any machine
  time_limit_s: 120
  mip_gap: 0.001

constraints:
  - kind: only_sites
    name: starter candidates
    site: [{sites}]
  - kind: site_count
    max: 1
  - constraints/{name}.yaml        # your own constraint entries
"""


def starter_constraints(name: str, folder: Path) -> str:
    """An empty constraints file with an example entry in comments."""
    schema = ""
    if SCHEMA_FILE.exists():
        schema = f"# yaml-language-server: $schema={_relative(SCHEMA_FILE.with_name('constraints.schema.json'), folder / 'constraints')}\n"
    return f"""{schema}# Constraint entries for {name}.yaml, one '- kind: ...' each. For example:
# - kind: tech_capacity
#   name: no new engines before 2028
#   tech: gas_recip
#   years: [{2026}, {2027}]
#   max_mw: 0
constraints: []
"""
