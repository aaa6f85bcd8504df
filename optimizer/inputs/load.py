"""From a validated config to the one typed object the model reads: :class:`Inputs`.

All data tables are read and checked, then every reference between config and tables is
cross-checked (site, region, tech, GPU and day ids; years inside the horizon). Every problem is
collected and raised together as one :class:`InputError`.

Year maps in the config (``{2027: 40e9, 2030: 60e9}``) hold from the year given until the next
given year (a step function), except compute targets, which apply in the years given only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pandas as pd
from pydantic import ValidationError

from optimizer.config.constraints import candidate_sites
from optimizer.config.load import TABLE_KEYS, LoadedConfig, compose, unusable_name, validate
from optimizer.config.yaml_source import KeyPath, SourceMap, dotted
from optimizer.config.schema import Config, TimeSlices
from optimizer.errors import InputError, Problem, did_you_mean, display_path
from optimizer.inputs.columns import ID_COLUMNS, INF
from optimizer.inputs.edits import apply_edits, parse_edits
from optimizer.inputs.tables import read_table
from optimizer.inputs.hourly import to_wide
from optimizer.inputs.memo import SLICES, TABLES, file_key
from optimizer.inputs.periods import Period, describe_periods, month_of, period_containing, step_values
from optimizer.inputs.timeslices import GRID_VALUES, ZONE_VALUES, Slices, from_hourly, from_representative_days


@dataclass(frozen=True)
class PricePoint:
    """Prices of one region in one year from the optional prices table (see :func:`price_paths`)."""

    gas_hub_usd_per_mmbtu: float | None = None     # None: the techs table's fuel price
    grid_price_adder_usd_per_mwh: float = 0.0
    grid_co2_factor: float = 1.0


@dataclass(frozen=True)
class Inputs:
    """Everything the model needs, typed and checked. Tables are indexed by their id column."""

    config: Config
    periods: list[Period]                            # the planning periods, in time order
    years: list                                      # their keys (calendar years when all are whole years)
    regions: pd.DataFrame
    sites: pd.DataFrame
    techs: pd.DataFrame
    gpus: pd.DataFrame
    slices: Slices
    headroom_mw: dict[tuple[str, int], float]
    supply_gpus_per_year: dict[tuple[str, int], float]
    budget_usd_per_year: dict[int, float]
    carbon_price_usd_per_t: dict[int, float]
    carbon_cap_t: dict[int, float]
    min_clean_share: dict[int, float]
    compute_target_h100e: dict[int, float]
    fixed_load_mw: dict[tuple[str, int], float] = field(default_factory=dict)   # (site, year) -> MW, where > 0
    prices: dict[tuple[str, int], "PricePoint"] = field(default_factory=dict)   # (region, year) -> price path
    energised_mw: dict[tuple[str, int], float] = field(default_factory=dict)  # (site, period) -> grid MW energised
    committed_gpus: dict[tuple[str, int], float] = field(default_factory=dict)  # (gpu, period) -> GPUs to take
    notes: list[str] = field(default_factory=list)   # things to know that are not mistakes (validate prints them)
    files: dict[str, str] = field(default_factory=dict)
    source: SourceMap | None = None
    region_shapes: Any = None   # GeoDataFrame (region_id, geometry) or None

    def locate(self, path: KeyPath) -> tuple[str | None, int | None]:
        """File and line where the config wrote ``path`` (None, None if unknown)."""
        return self.source.locate(path) if self.source is not None else (None, None)

    @property
    def first_year(self) -> int:
        """Calendar year in which the horizon starts."""
        return self.periods[0].year

    def summary(self) -> dict[str, object]:
        return {
            "periods": describe_periods(self.periods),
            "sites": len(self.sites), "regions": len(self.regions), "techs": len(self.techs),
            "gpu products": len(self.gpus),
            "time slices": f"{self.slices.planned_slices or len(self.slices.table):,} per year: "
                           f"{self.slices.description}",
            "user constraints": len(self.config.constraints),
        }


def load_all(path: str | Path, overrides: Iterable[str] = (), cluster: bool = True) -> tuple[LoadedConfig, Inputs]:
    """Compose, validate and cross-check a config and its data; report every problem at once.
    ``cluster=False`` checks everything without finding typical days (``siting validate``)."""
    raw, smap, problems = compose(path, overrides)
    if raw is None:
        raise InputError(problems)
    config, found = validate(raw, smap)
    problems += found
    frames, found = _read_tables(raw, smap)
    problems += found
    shapes, found = _region_shapes(raw, smap, frames)
    problems += found
    slices = None
    if {"profiles", "sites"} <= set(frames):
        slices, found = _build_slices(raw, smap, config, frames, cluster)
        problems += found
    if {"sites", "regions", "techs", "gpus"} <= set(frames) and slices is not None:
        problems += _table_references(frames, slices, raw["data"]["sites"], config)
        problems += cross_check(raw, smap, frames)
    problems += year_checks(raw, smap)
    problems += _solver_option_checks(raw, smap)
    if problems:
        raise InputError(problems)
    loaded = LoadedConfig(config, Path(path).resolve(), smap, raw)
    inputs = _assemble(config, frames, slices, smap, shapes)
    inputs.notes.extend(defaulted_notes(raw, frames) + die_notes(config, frames, smap))
    return loaded, inputs


NEW_COLUMNS = {   # columns added to the tables later: a table without them gets a note, not an error
    "regions": {"demand_charge_usd_per_kw_month", "take_or_pay_share", "contract_min_years", "exit_fee_usd_per_kw",
                "line_usd_per_mw_km", "gas_basis_usd_per_mmbtu", "gas_delivery_usd_per_mmbtu"},
    "sites": {"line_distance_km", "substation_usd", "fixed_load_mw"},
    "techs": {"supply_mw_per_year", "fleet_mw", "rented", "rental_usd_per_kw_month"},
    "gpus": {"cluster_usd_per_gpu", "cluster_it_kw_per_gpu", "dies_per_gpu"},
}


def defaulted_notes(raw: dict, frames: dict[str, pd.DataFrame]) -> list[str]:
    """One note per table that leaves out columns the model has gained: their defaults are used."""
    from optimizer.inputs.columns import TABLES

    notes = []
    for name, added in NEW_COLUMNS.items():
        frame = frames.get(name)
        missing = [c for c in (frame.attrs.get("defaulted", []) if frame is not None else []) if c in added]
        if missing:
            defaults = {c.name: c.default for c in TABLES[name]}
            shown = ", ".join(f"{c} = {_default_text(defaults[c])}" for c in missing)
            notes.append(f"{display_path(raw['data'][name])} has no column {', '.join(missing)}: every row "
                         f"takes the default ({shown}); see docs/data.md")
    return notes


def _default_text(value) -> str:
    if isinstance(value, float) and value == INF:
        return "no limit"
    if isinstance(value, bool):
        return str(value).lower()
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


DIE_WORDS = re.compile(r"\bdies?\b", re.IGNORECASE)


def die_notes(config: Config, frames: dict[str, pd.DataFrame], smap: SourceMap) -> list[str]:
    """A warning where a config's GPU supply for a multi-die product reads as counted per die (its
    comment speaks of dies): the model counts GPUs as packages."""
    gpus = frames.get("gpus")
    if gpus is None:
        return []
    notes = []
    for g in config.supply.gpus_per_year:
        dies = int(gpus.at[g, "dies_per_gpu"]) if g in gpus.index else 1
        if dies <= 1:
            continue
        for path in (("supply", "gpus_per_year", g), ("supply", "gpus_per_year")):
            file, line = smap.locate(path)
            if file and line and DIE_WORDS.search(_comment(file, line)):
                notes.append(f"warning: {file}:{line}: supply.gpus_per_year.{g} speaks of dies, but GPUs are counted "
                             f"as packages ({dies} dies each): divide die counts by {dies}")
                break
    return notes


def _comment(file: str, line: int) -> str:
    """The comment on line ``line`` of ``file`` ('' if none or unreadable)."""
    try:
        text = Path(file).read_text(encoding="utf-8").splitlines()[line - 1]
    except (OSError, UnicodeDecodeError, IndexError):
        return ""
    return text.split("#", 1)[1] if "#" in text else ""


def _region_shapes(raw: dict, smap: SourceMap, frames: dict[str, pd.DataFrame]):
    """Read the optional region polygons and fill blank site regions from them (in place)."""
    from optimizer.inputs.shapes import assign_regions, read_region_shapes

    data = raw.get("data") if isinstance(raw.get("data"), dict) else {}
    shapes, problems = None, []
    if isinstance(data.get("region_shapes"), str) and not unusable_name(data["region_shapes"]):
        regions = frames["regions"].index if "regions" in frames else None
        shapes, problems = read_region_shapes(Path(data["region_shapes"]), regions)
        problems = [_problem(smap, ("data", "region_shapes"), f"{p.message}: {p.file}", p.hint)
                    if p.message == "data file not found" else p for p in problems]
    if "sites" in frames and isinstance(data.get("sites"), str):
        frames["sites"], found = assign_regions(frames["sites"], shapes, display_path(data["sites"]))
        problems += found
    return shapes, problems


def _read_tables(raw: dict, smap: SourceMap) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Read and check each table whose path the config gives, and apply the config's data edits to
    it (:mod:`optimizer.inputs.edits`) before any check across tables."""
    data = raw.get("data") if isinstance(raw.get("data"), dict) else {}
    edits, problems = parse_edits(raw, smap)
    frames: dict[str, pd.DataFrame] = {}
    for edit in edits:
        if data.get(edit.table) is None:
            problems.append(edit.problem(f"the config names no {edit.table} table",
                                         f"add data.{edit.table}: FILE to the config, or remove this edit"))
    for name in TABLE_KEYS:
        if not isinstance(data.get(name), str) or unusable_name(data[name]):
            continue    # not given, or a name that cannot be opened (reported when composing)
        path = Path(data[name])
        key = file_key(path)
        frame, found = TABLES.get((name, key) if key else None, lambda: read_table(name, path))
        if frame is not None:
            frame.attrs["file_key"] = key   # the slices' memo keys on it too: the file is hashed once
        for p in found:
            if p.line is None and p.file == display_path(path):   # the file as a whole: name the config line
                file, line = smap.locate(("data", name))
                text = f"data file not found: {display_path(path)}" if p.message == "data file not found" \
                    else f"data file {display_path(path)}: {p.message}"
                p = Problem(file, line, f"data.{name}", text, p.hint)
            problems.append(p)
        if frame is not None:
            frame = frame.set_index(ID_COLUMNS[name], drop=False) if name in ID_COLUMNS else frame
            frames[name], found = apply_edits(name, frame, [e for e in edits if e.table == name])
            problems += found
    return frames, problems


def _time_slice_settings(raw: dict, config: Config | None) -> TimeSlices:
    if config is not None:
        return config.time_slices
    try:
        return TimeSlices.model_validate(raw.get("time_slices") or {})
    except (ValidationError, TypeError):
        return TimeSlices()


def _build_slices(raw: dict, smap: SourceMap, config: Config | None, frames: dict[str, pd.DataFrame],
                  cluster: bool = True) -> tuple[Slices | None, list[Problem]]:
    """Time slices from the profile table (hourly or representative days) and grid profiles, in the
    seasons the config asks for (``auto``: the finest sub-year step of ``horizon.periods``)."""
    from optimizer.inputs.timeslices import finest_months, resolve_seasons

    settings = _time_slice_settings(raw, config)
    horizon = raw.get("horizon") if isinstance(raw, dict) else None
    seasons = resolve_seasons(settings.seasons, finest_months(horizon.get("periods") if isinstance(horizon, dict)
                                                              else None))
    profiles = frames["profiles"]
    if settings.seasons == "auto" and (settings.link_days or profiles.attrs.get("table") != "profiles_hourly"):
        seasons = "year"    # typical days need an hourly year to be drawn per season, and linking one calendar
    file = display_path(raw["data"]["profiles"])
    hourly = "point data.profiles at an hourly table (timestamp, zone, ...)"
    if profiles.attrs.get("table") != "profiles_hourly":
        problems = []
        for key, bad, why, hint in (
                ("resolution", settings.resolution == "full_year", "full_year needs hourly profiles", hourly),
                ("link_days", settings.link_days, "linking days needs hourly profiles (a calendar)", hourly),
                ("seasons", seasons != "year", f"seasons ({seasons}) need hourly profiles to draw typical days from",
                 hourly + ", or set time_slices.seasons: year")):
            if bad:
                problems.append(_problem(smap, ("time_slices", key), why, hint))
        if "grid_profiles" in frames:
            problems.append(_problem(smap, ("data", "grid_profiles"), "hourly grid profiles need hourly zone profiles",
                                     "use an hourly data.profiles table, or remove grid_profiles"))
        if problems:
            return None, problems
        return from_representative_days(profiles, settings.days, settings.hours_per_slice, file,
                                        smap.locate(("time_slices", "days")))
    problems = []
    if settings.days is not None:
        problems.append(_problem(smap, ("time_slices", "days"), "days picks from a representative-day table",
                                 "use representative_days: N with hourly profiles"))
    if settings.link_days and seasons != "year" and settings.resolution == "representative_days":
        problems.append(_problem(smap, ("time_slices", "link_days"), f"linking days across a season is not "
                                 f"supported yet (seasons: {seasons})", "use seasons: year or link_days: false"))
    if problems:
        return None, problems
    sites = _candidates(frames["sites"], config)
    zones = set(sites["profile_zone"].where(sites["profile_zone"] != "", sites["site_id"]))
    regions = set(sites["region_id"])
    grid = frames.get("grid_profiles")
    key = (profiles.attrs.get("file_key"), grid.attrs.get("file_key") if grid is not None else None,
           tuple(sorted(zones)), tuple(sorted(regions)), settings.model_dump_json(), cluster, seasons)
    if key[0] is None:
        key = None
    return SLICES.get(key, lambda: _hourly_slices(raw, smap, frames, zones, regions, settings, cluster, seasons))


def _hourly_slices(raw: dict, smap: SourceMap, frames: dict[str, pd.DataFrame], zones: set, regions: set,
                   settings: TimeSlices, cluster: bool, seasons: str) -> tuple[Slices | None, list[Problem]]:
    """Time slices from hourly zone (and grid) profiles of the candidate sites' zones and regions."""
    profiles = frames["profiles"]
    file = display_path(raw["data"]["profiles"])
    wide, problems = to_wide(profiles[profiles["zone"].isin(zones)] if zones & set(profiles["zone"]) else profiles,
                             "zone", list(ZONE_VALUES), file)
    grid = frames.get("grid_profiles")
    grid = grid[grid["region_id"].isin(regions)] if grid is not None else None
    if grid is not None and not grid.empty and wide is not None:
        grid_wide, found = to_wide(grid, "region_id", list(GRID_VALUES), display_path(raw["data"]["grid_profiles"]))
        problems += found
        if grid_wide is not None:
            if not grid_wide.index.equals(wide.index):
                problems.append(_problem(smap, ("data", "grid_profiles"), "grid profiles cover other hours than the "
                                         "zone profiles", "use the same year, in UTC, for both"))
            wide = wide.join(grid_wide)
    if problems:
        return None, problems
    return from_hourly(wide, settings, smap.locate, cluster, seasons)


def _candidates(sites: pd.DataFrame, config: Config | None) -> pd.DataFrame:
    """The rows of the sites table the config keeps (``only_sites``, ``forbid_site``): only their
    profile zones and regions shape the time slices."""
    if config is None:
        return sites
    return sites.loc[candidate_sites(config.constraints, sites.index)]


def _assemble(cfg: Config, frames: dict[str, pd.DataFrame], slices: Slices, source: SourceMap,
              shapes=None) -> Inputs:
    periods = cfg.horizon.periods_list
    years = [p.key for p in periods]
    sites = frames["sites"].copy()
    sites["name"] = sites["name"].where(sites["name"] != "", sites["site_id"])
    sites["profile_zone"] = sites["profile_zone"].where(sites["profile_zone"] != "", sites["site_id"])
    regions, gpus = frames["regions"], frames["gpus"]
    headroom = {}
    start = periods[0].start_month
    for r, row in regions.iterrows():
        table = {p.key: row.headroom_mw + row.headroom_growth_mw_per_year * (p.start_month - start) / 12
                 for p in periods}
        headroom.update({(r, y): v for y, v in _step(cfg.grid.headroom_mw.get(r, {}), periods, table).items()})
    supply = {}
    for g, row in gpus.iterrows():
        table = {y: row.supply_gpus_per_year for y in years}
        supply.update({(g, y): v for y, v in _step(cfg.supply.gpus_per_year.get(g, {}), periods, table).items()})
    fixed = {}
    for sid, row in sites.iterrows():
        table = {y: float(row.fixed_load_mw) for y in years}
        fixed.update({(sid, y): v for y, v in _step(cfg.facility.fixed_load_mw.get(sid), periods, table).items()
                      if v > 0})
    committed = {(g, period_containing(periods, month_of(w)).key): float(v)
                 for g, path in cfg.supply.committed_gpus.items() for w, v in path.items()}
    energised = {(sid, y): v for sid, path in cfg.grid.energised_mw.items()
                 for y, v in _step(path, periods, {y: 0.0 for y in years}).items()}
    prices = price_paths(frames.get("prices"), list(regions.index), periods)
    return Inputs(
        config=cfg, periods=periods, years=years,
        regions=regions, sites=sites, techs=frames["techs"], gpus=gpus, slices=slices,
        headroom_mw=headroom, supply_gpus_per_year=supply,
        budget_usd_per_year=_step(cfg.budget.capex_usd_per_year, periods, {y: INF for y in years}),
        carbon_price_usd_per_t=_step(cfg.policy.carbon_price_usd_per_t, periods, {y: 0.0 for y in years}),
        carbon_cap_t=_step(cfg.policy.carbon_cap_t, periods, {y: INF for y in years}),
        min_clean_share=_step(cfg.policy.min_clean_share, periods, {y: 0.0 for y in years}),
        compute_target_h100e={period_containing(periods, month_of(w)).key: v
                              for w, v in cfg.targets.compute_h100e.items()},
        fixed_load_mw=fixed, prices=prices, energised_mw=energised, committed_gpus=committed,
        files={k: str(getattr(cfg.data, k)) for k in ("sites", "regions", "techs", "gpus", "profiles")},
        source=source, region_shapes=shapes,
    )


def price_paths(table: pd.DataFrame | None, regions: list[str], periods: list[Period]
                ) -> dict[tuple[str, int], PricePoint]:
    """(region, period key) -> prices. Each column is a step path: a value holds from its row's year
    until a later row gives one (a period takes the value of the year it starts in). For a region, its
    own rows' values come first, then the values of the rows for every region (blank region_id); where
    neither gives one, the regions and techs tables' prices hold (hub: the techs table's fuel price,
    adder 0, carbon factor 1)."""
    if table is None or table.empty:
        return {}
    columns = ("gas_hub_usd_per_mmbtu", "grid_price_adder_usd_per_mwh", "grid_co2_factor")
    out = {}
    for r in regions:
        for p in periods:
            values = [_path_value(table, r, p.year, c) for c in columns]
            if any(v is not None for v in values):
                hub, adder, factor = values
                out[r, p.key] = PricePoint(hub, 0.0 if adder is None else adder, 1.0 if factor is None else factor)
    return out


def _path_value(table: pd.DataFrame, r: str, y: int, column: str) -> float | None:
    """The latest value of ``column`` at or before ``y``: region r's own rows first, then every region's."""
    for scope in (r, ""):
        rows = table[(table["region_id"] == scope) & (table["year"] <= y) & table[column].notna()]
        if not rows.empty:
            return float(rows.sort_values("year")[column].iloc[-1])
    return None


def _step(value, periods: list[Period], base: dict) -> dict:
    """A number applies to every period; a {when: value} map holds from each when given onward (see
    :func:`optimizer.inputs.periods.step_values`)."""
    if value is None:
        return dict(base)
    if not isinstance(value, dict):
        return {p.key: float(value) for p in periods}
    return {k: float(v) for k, v in step_values(periods, value, base).items()}


def _table_references(frames: dict[str, pd.DataFrame], slices: Slices, sites_path: str,
                      config: Config | None) -> list[Problem]:
    """Sites name known regions; sites that may build solar or wind have a profile zone; PUE from
    temperature needs each site's temperature."""
    problems = []
    sites, regions = frames["sites"], frames["regions"]
    prices = frames.get("prices")
    if prices is not None and config is not None and config.data.prices is not None:
        shown = display_path(config.data.prices)
        for i, rid in enumerate(prices["region_id"]):
            if rid and rid not in regions.index:
                problems.append(Problem(shown, i + 2, f"row {i + 2}, column region_id", f"unknown region '{rid}'",
                                        did_you_mean(rid, regions.index)))
        duplicated = prices.duplicated(["region_id", "year"])
        for i in duplicated.to_numpy().nonzero()[0]:
            problems.append(Problem(shown, int(i) + 2, f"row {int(i) + 2}", "a second row for this region and year",
                                    "keep one row per region and year"))
    candidates = set(_candidates(sites, config).index)
    file = display_path(sites_path)
    temperature = slices.cf["temperature_c"].notna().groupby(level=0).all()
    needs_temperature = config is not None and config.facility.pue_from_temperature
    for i, (sid, row) in enumerate(sites.iterrows()):
        line = i + 2
        if row.region_id and row.region_id not in regions.index:   # blank: reported by assign_regions
            problems.append(Problem(file, line, f"row {line}, column region_id",
                                    f"site '{sid}' names unknown region '{row.region_id}'",
                                    did_you_mean(row.region_id, regions.index)))
        zone = row.profile_zone or sid
        if sid not in candidates:
            continue
        if (row.solar_land_mw > 0 or row.wind_land_mw > 0 or needs_temperature) and zone not in slices.zones:
            problems.append(Problem(file, line, f"row {line}, column profile_zone",
                                    f"site '{sid}' has no profile zone '{zone}' in the profile table",
                                    did_you_mean(zone, slices.zones)))
        elif needs_temperature and not temperature.get(zone, False):
            problems.append(Problem(file, line, f"row {line}, column profile_zone",
                                    f"facility.pue_from_temperature needs temperature_c for zone '{zone}'",
                                    "add temperature_c to the hourly profiles or switch pue_from_temperature off"))
    return problems


def _get(raw: Any, *path) -> Any:
    for part in path:
        if not isinstance(raw, dict) or part not in raw:
            return None
        raw = raw[part]
    return raw


def _problem(smap: SourceMap, path: KeyPath, message: str, hint: str) -> Problem:
    file, line = smap.locate(path)
    return Problem(file, line, dotted(path), message, hint)


def cross_check(raw: dict, smap: SourceMap, frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """Ids in the config that the tables do not know."""
    ids = {"site": frames["sites"].index, "region": frames["regions"].index,
           "tech": frames["techs"].index, "gpu": frames["gpus"].index}
    problems = []

    def check(kind: str, value: Any, path: KeyPath) -> None:
        for j, v in enumerate([value] if not isinstance(value, list) else value):
            if isinstance(v, str) and v not in ids[kind]:
                where = path + (j,) if isinstance(value, list) else path
                problems.append(_problem(smap, where, f"unknown {kind} '{v}'", did_you_mean(v, ids[kind])))

    for r in _get(raw, "grid", "headroom_mw") or {}:
        check("region", r, ("grid", "headroom_mw", r))
    for g in _get(raw, "supply", "gpus_per_year") or {}:
        check("gpu", g, ("supply", "gpus_per_year", g))
    for g in _get(raw, "supply", "committed_gpus") or {}:
        check("gpu", g, ("supply", "committed_gpus", g))
    for sid in _get(raw, "facility", "fixed_load_mw") or {}:
        check("site", sid, ("facility", "fixed_load_mw", sid))
    for sid in _get(raw, "grid", "energised_mw") or {}:
        check("site", sid, ("grid", "energised_mw", sid))
    for key in _get(raw, "grid", "curtailment") or {}:
        if isinstance(key, str) and key not in ids["site"] and key not in ids["region"]:
            problems.append(_problem(smap, ("grid", "curtailment", key), f"unknown site or region '{key}'",
                                     did_you_mean(key, [*ids["site"], *ids["region"]])))
    entries = raw.get("constraints") if isinstance(raw.get("constraints"), list) else []
    for i, entry in enumerate(entries):
        for kind in ("site", "region", "tech", "gpu") if isinstance(entry, dict) else ():
            if entry.get(kind) is not None:
                check(kind, entry[kind], ("constraints", i, kind))
    return problems


def _solver_option_checks(raw: dict, smap: SourceMap) -> list[Problem]:
    options = _get(raw, "solver", "highs_options")
    if not isinstance(options, dict) or not options:
        return []
    from optimizer.solve import rejected_highs_options

    return [_problem(smap, ("solver", "highs_options", name), message,
                     "see the option list in the HiGHS documentation")
            for name, message in rejected_highs_options(options).items()]


MIN_YEAR, MAX_YEAR = 1000, 3000   # beyond any horizon the schema allows; guards range() against huge ints


def year_checks(raw: dict, smap: SourceMap) -> list[Problem]:
    """Every date the config names is a model period's start (a year: its January), and every year a
    user constraint names is a year the horizon covers."""
    from optimizer.config.schema import Horizon

    horizon = raw.get("horizon")
    try:
        known = {k: v for k, v in horizon.items() if k in Horizon.model_fields}
        periods = Horizon.model_validate(known).periods_list
    except (ValidationError, ValueError, TypeError, AttributeError):
        return []      # the schema reports the horizon itself
    starts = {p.start_month for p in periods}
    years = {p.year for p in periods}
    span = describe_periods(periods)
    problems = []

    end = periods[-1].end_month

    def check(when: Any, path: KeyPath, year_only: bool = False, step: bool = False) -> None:
        if isinstance(when, bool) or not isinstance(when, (int, str)):
            return
        month = month_of(when)
        if month is None:
            return     # the schema reports a malformed date
        if year_only and isinstance(when, int) and when in years:
            return
        if step and month < end and any(p.sub_year for p in periods):
            return     # a step of a path: from the first period starting at or after it
        if month not in starts:
            what = f"year {when} is not a model year" if isinstance(when, int) else \
                f"'{when}' is not the start of a model period"
            problems.append(_problem(smap, path, f"{what} ({span})",
                                     "use a year or date at which a period starts, or widen the horizon"))

    maps = [("targets", "compute_h100e"), ("budget", "capex_usd_per_year"), ("policy", "carbon_price_usd_per_t"),
            ("policy", "carbon_cap_t"), ("policy", "min_clean_share")]
    maps += [("grid", "headroom_mw", r) for r in _get(raw, "grid", "headroom_mw") or {}]
    maps += [("supply", "gpus_per_year", g) for g in _get(raw, "supply", "gpus_per_year") or {}]
    maps += [("facility", "fixed_load_mw", sid) for sid in _get(raw, "facility", "fixed_load_mw") or {}]
    maps += [("grid", "energised_mw", sid) for sid in _get(raw, "grid", "energised_mw") or {}]
    maps += [("supply", "committed_gpus", g) for g in _get(raw, "supply", "committed_gpus") or {}]
    for path in maps:
        value = _get(raw, *path)
        seen: dict = {}
        for y in value if isinstance(value, dict) else ():
            check(y, path + (y,), step=path[:2] not in (("targets", "compute_h100e"), ("supply", "committed_gpus")))
            month = month_of(y) if isinstance(y, (int, str)) else None
            if month is not None and month in seen:
                problems.append(_problem(smap, path + (y,), f"'{y}' names the same date as '{seen[month]}'",
                                         "keep one of the two entries"))
            seen.setdefault(month, y)
    clusters = _get(raw, "targets", "single_cluster")
    for i, target in enumerate(clusters if isinstance(clusters, list) else []):
        check(_get(target, "year"), ("targets", "single_cluster", i, "year"))
    entries = raw.get("constraints") if isinstance(raw.get("constraints"), list) else []
    for i, entry in enumerate(e for e in entries):
        if not isinstance(entry, dict):
            continue
        for j, y in enumerate(entry.get("years") if isinstance(entry.get("years"), list) else []):
            check(y, ("constraints", i, "years", j), year_only=True)
        for key in ("by_year", "year"):
            check(entry.get(key), ("constraints", i, key), year_only=True)
    return problems
