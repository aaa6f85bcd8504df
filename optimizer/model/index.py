"""Sparse index sets and plain-float coefficients for the model, computed once from :class:`Inputs`.

Only pairs that can take a non-zero value are indexed: a (site, tech) pair only where the tech is
allowed at the site (land for solar and wind, a gas permit for gas, an interconnection for a grid-
delivered PPA; not forbidden by a user constraint); an asset year only from the earliest year it
can come online (lead time from the first year, the tech's or product's first year, user
``earliest_year``); dispatch only for years in which the campus can be open.

Conventions: every asset is indexed by the year it comes **online**, and its cash capex is paid
in that year. Money inside the model is in million USD (``MUSD``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from optimizer.config.constraints import EarliestYear, ForbidTech, candidate_sites
from optimizer.errors import InputError, Problem
from optimizer.inputs.load import Inputs

MUSD = 1e6
INF = float("inf")


def crf(rate: float, life_years: int) -> float:
    """Capital recovery factor: the annuity per unit of capital over ``life_years``."""
    if rate == 0:
        return 1.0 / life_years
    return rate / (1 - (1 + rate) ** -life_years)


@dataclass
class Index:
    """Everything the constraint families need, as sets and dicts of plain floats."""

    inputs: Inputs
    years: list[int]
    period_years: int
    discount: dict[int, float]                       # year -> Σ of discount factors over the period
    sites: list[str]
    region_of: dict[str, str]
    regions: list[str]
    sites_in_region: dict[str, list[str]]
    site_years: list[tuple[str, int]]               # (s, y): the campus can be open in y
    site_build_years: dict[str, list[int]]          # s -> years the campus can come online
    techs: list[str]
    tech_kind: dict[str, str]
    site_techs: list[tuple[str, str]]
    tech_build: list[tuple[str, str, int]]          # (s, k, y): capacity can come online in y
    tech_active: dict[tuple[str, str, int], list[int]]  # (s, k, y) -> online years still in service at y
    gpus: list[str]
    gpu_build: list[tuple[str, str, int]]           # (s, g, y): units can be deployed in y
    gpu_active: dict[tuple[str, str, int], list[int]]
    slices: list[str]
    slice_weight_h: dict[str, float]
    slice_prev: dict[str, str]                       # previous slice in the same period (cyclic)
    hours_per_slice: float
    cf: dict[tuple[str, str, str], float]           # (s, k, h) -> capacity factor (solar, wind only)
    pue: dict[tuple[str, str], float]               # (s, h) -> PUE in that slice
    pue_peak: dict[str, float]                       # s -> highest PUE of the year
    pue_mean: dict[str, float]                       # s -> energy-weighted PUE of the year
    grid_price: dict[tuple[str, str], float]        # (r, h) -> USD/MWh
    grid_co2: dict[tuple[str, str], float]          # (r, h) -> kg/MWh
    period_slices: dict[str, list[str]]             # period -> its slices in order
    calendar: list[str] | None                      # period of each day of the year (storage linking)
    grid_sites: list[str]
    grid_upgrade: list[tuple[str, int]]
    # With relax_timing: the first year each asset group may come online under its lead time,
    # earliest_year or first year; keys ("site", s), ("tech", s, k), ("gpu", g), ("grid", s)
    timing_first: dict[tuple, int] = field(default_factory=dict)
    S: dict[str, dict] = field(default_factory=dict)   # site id -> row of the sites table
    K: dict[str, dict] = field(default_factory=dict)   # tech id -> row of the techs table
    G: dict[str, dict] = field(default_factory=dict)   # gpu id -> row of the GPU catalog
    R: dict[str, dict] = field(default_factory=dict)   # region id -> row of the regions table

    def annuity_weight(self, built: int, life_years: int) -> float:
        """Σ of discounted annuity factors over the horizon years in which an asset built in
        ``built`` is in service: the objective weight of one MUSD of its capex."""
        factor = crf(self.inputs.config.horizon.discount_rate, life_years)
        return factor * sum(self.discount[y] for y in self.years if built <= y < built + life_years)

    def fuel_usd_per_mmbtu(self, s: str, k: str, y: int) -> float:
        """Fuel price of tech k at site s in year y. Gas: the hub price of the prices table (else the
        techs table's fuel price) + the region's basis + its delivery charge; other fuels: the techs table's."""
        tech = self.K[k]
        if tech["fuel"] != "gas":
            return tech["fuel_price_usd_per_mmbtu"]
        r = self.region_of[s]
        point = self.inputs.prices.get((r, y))
        hub = point.gas_hub_usd_per_mmbtu if point is not None and point.gas_hub_usd_per_mmbtu is not None \
            else tech["fuel_price_usd_per_mmbtu"]
        return hub + self.R[r]["gas_basis_usd_per_mmbtu"] + self.R[r]["gas_delivery_usd_per_mmbtu"]

    def grid_price_adder(self, r: str, y: int) -> float:
        """USD/MWh added to region r's grid energy price in year y (prices table)."""
        point = self.inputs.prices.get((r, y))
        return point.grid_price_adder_usd_per_mwh if point is not None else 0.0

    def grid_co2_factor(self, r: str, y: int) -> float:
        """Region r's grid carbon intensity in year y relative to the regions table (prices table)."""
        point = self.inputs.prices.get((r, y))
        return point.grid_co2_factor if point is not None else 1.0


def build_index(inputs: Inputs, relax_timing: bool = False) -> Index:
    """The index of the model. ``relax_timing`` lets every asset come online from the first year
    whatever its lead time, earliest_year, first year or queue year (the elastic model of
    :mod:`optimizer.explain.elastic` prices running early); ``timing_first`` keeps the real first years."""
    cfg = inputs.config
    years = inputs.years
    y0, length = years[0], inputs.period_years
    rate = cfg.horizon.discount_rate
    discount = {y: sum((1 + rate) ** -(y + j - y0) for j in range(length)) for y in years}

    S, K = inputs.sites.to_dict("index"), inputs.techs.to_dict("index")
    G, R = inputs.gpus.to_dict("index"), inputs.regions.to_dict("index")
    earliest = _earliest(cfg.constraints)
    sites = candidate_sites(cfg.constraints, inputs.sites.index)
    region_of = {s: S[s]["region_id"] for s in sites}
    regions = list(inputs.regions.index)

    site_build_years, timing_first = {}, {}
    for s in sites:
        first_open = max(y0 + int(S[s]["lead_time_years"]), earliest.get(("site", s), 0))
        if relax_timing:
            timing_first["site", s], first_open = first_open, y0
        site_build_years[s] = [y for y in years if y >= first_open]
    site_years = [(s, y) for s in sites for y in years if site_build_years[s] and y >= site_build_years[s][0]]
    open_sites = sorted({s for s, _ in site_years}, key=sites.index)

    techs = list(inputs.techs.index)
    tech_kind = {k: K[k]["kind"] for k in techs}
    site_techs = [(s, k) for s in open_sites for k in techs if _allowed(S[s], K[k], cfg.constraints, s, k, region_of[s])]
    tech_build, tech_active = [], {}
    for s, k in site_techs:
        t = K[k]
        timing = max(y0 + int(t["lead_time_years"]), int(t["first_year"]), earliest.get(("tech", k), 0))
        if relax_timing:
            timing_first["tech", s, k], timing = timing, y0
        first = max(timing, site_build_years[s][0])
        built = [y for y in years if y >= first]
        tech_build += [(s, k, y) for y in built]
        for y in years:
            active = [b for b in built if b <= y < b + int(t["lifetime_years"])]
            if active:
                tech_active[s, k, y] = active

    gpus = list(inputs.gpus.index)
    gpu_build, gpu_active = [], {}
    for g in gpus:
        p = G[g]
        first = max(int(p["first_year"]), earliest.get(("gpu", g), 0))
        if relax_timing:
            timing_first["gpu", g], first = first, y0
        for s in open_sites:
            built = [y for y in years if max(first, site_build_years[s][0]) <= y <= int(p["last_year"])]
            gpu_build += [(s, g, y) for y in built]
            for y in years:
                active = [b for b in built if b <= y < b + int(p["lifetime_years"])]
                if active:
                    gpu_active[s, g, y] = active

    table = inputs.slices.table
    slices = table["slice"].tolist()
    prev, period_slices = {}, {}
    for period, rows in table.groupby("period", sort=False):
        ids = rows.sort_values("position")["slice"].tolist()
        period_slices[period] = ids
        prev.update({h: ids[i - 1] for i, h in enumerate(ids)})
    weight = dict(zip(table["slice"], table["weight_h"]))
    pue = _pue(inputs, S, open_sites, slices)
    grid_price, grid_co2 = _grid_values(inputs, R, slices)
    cf = {}
    for s, k in site_techs:
        if tech_kind[k] in ("solar", "wind"):
            zone = S[s]["profile_zone"]
            column = "solar_cf" if tech_kind[k] == "solar" else "wind_cf"
            values = inputs.slices.cf.loc[zone, column]
            cf.update({(s, k, h): float(values[h]) for h in slices})

    grid_sites = [s for s in open_sites if _grid_max_mw(S[s]) > 0]
    grid_upgrade = []
    for s in grid_sites:
        if S[s]["grid_upgrade_max_mw"] > 0:
            queue = int(S[s]["grid_queue_year"])
            if relax_timing:
                timing_first["grid", s], queue = queue, y0
            first = max(queue, site_build_years[s][0])
            grid_upgrade += [(s, y) for y in years if y >= first]

    index = Index(
        inputs=inputs, years=years, period_years=length, discount=discount, sites=open_sites,
        region_of=region_of, regions=regions,
        sites_in_region={r: [s for s in open_sites if region_of[s] == r] for r in regions},
        site_years=site_years, site_build_years=site_build_years, techs=techs, tech_kind=tech_kind,
        site_techs=site_techs, tech_build=tech_build, tech_active=tech_active, gpus=gpus, gpu_build=gpu_build,
        gpu_active=gpu_active, slices=slices, slice_weight_h=dict(zip(table["slice"], table["weight_h"])),
        slice_prev=prev, hours_per_slice=float(inputs.slices.hours_per_slice), cf=cf, grid_sites=grid_sites,
        grid_upgrade=grid_upgrade, timing_first=timing_first, S=S, K=K, G=G, R=R, pue=pue,
        pue_peak={s: max(pue[s, h] for h in slices) for s in open_sites},
        pue_mean={s: sum(weight[h] * pue[s, h] for h in slices) / sum(weight.values()) for s in open_sites},
        grid_price=grid_price, grid_co2=grid_co2, period_slices=period_slices,
        calendar=inputs.slices.calendar if cfg.time_slices.link_days and len(period_slices) > 1 else None,
    )
    _check_forced_sites(index)
    return index


def _pue(inputs: Inputs, S: dict, sites: list[str], slices: list[str]) -> dict[tuple[str, str], float]:
    """PUE per site and slice: constant, or rising with temperature above a reference."""
    facility = inputs.config.facility
    if not facility.pue_from_temperature:
        return {(s, h): S[s]["pue"] for s in sites for h in slices}
    out = {}
    for s in sites:
        temps = inputs.slices.cf.loc[S[s]["profile_zone"], "temperature_c"]
        for h in slices:
            out[s, h] = S[s]["pue"] + facility.pue_rise_per_degree_c * max(0.0, temps[h] - facility.pue_reference_c)
    return out


def _grid_values(inputs: Inputs, R: dict, slices: list[str]) -> tuple[dict, dict]:
    """Grid price and carbon per region and slice: hourly profiles where given, else flat."""
    grid = inputs.slices.grid
    price, co2 = {}, {}
    for r in R:
        if grid is not None and r in grid.index.get_level_values(0):
            values = grid.loc[r]
            price.update({(r, h): float(values.at[h, "price_usd_per_mwh"]) for h in slices})
            co2.update({(r, h): float(values.at[h, "co2_kg_per_mwh"]) for h in slices})
        else:
            price.update({(r, h): R[r]["grid_price_usd_per_mwh"] for h in slices})
            co2.update({(r, h): R[r]["grid_co2_kg_per_mwh"] for h in slices})
    return price, co2


def _grid_max_mw(site: dict) -> float:
    return float(site["grid_existing_mw"] + site["grid_upgrade_max_mw"])


def _allowed(site: dict, tech: dict, entries, s: str, k: str, region: str) -> bool:
    """Whether tech ``k`` may be built at site ``s`` at all."""
    for c in entries:
        if isinstance(c, ForbidTech) and k in c.techs:
            if (c.site is None and c.region is None) or c.site == s or c.region == region:
                return False
    if tech["kind"] == "solar":
        return site["solar_land_mw"] > 0
    if tech["kind"] == "wind":
        return site["wind_land_mw"] > 0
    if tech["kind"] == "ppa":
        return _grid_max_mw(site) > 0
    if tech["fuel"] == "gas":
        return site["gas_permit_mw"] > 0
    return tech["max_mw_per_site"] > 0


def _earliest(entries) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for c in entries:
        if isinstance(c, EarliestYear):
            for kind in ("tech", "gpu", "site"):
                if getattr(c, kind) is not None:
                    key = (kind, getattr(c, kind))
                    out[key] = max(out.get(key, 0), c.year)
    return out


def _check_forced_sites(index: Index) -> None:
    """A forced site must be able to open by its year; say so before any solve."""
    from optimizer.config.constraints import ForceSite

    problems = []
    for i, c in enumerate(index.inputs.config.constraints):
        if not isinstance(c, ForceSite):
            continue
        by = c.by_year or index.years[-1]
        years = [y for y in index.site_build_years.get(c.site, []) if y <= by]
        if not years:
            lead = int(index.inputs.sites.at[c.site, "lead_time_years"])
            why = "it is forbidden" if c.site not in index.site_build_years else \
                f"its lead time is {lead} years from {index.years[0]}"
            file, line = index.inputs.locate(("constraints", i))
            problems.append(Problem(file, line, f"constraints[{i}]", f"site '{c.site}' cannot open by {by}: {why}",
                                    "move by_year later or remove the entry"))
    if problems:
        raise InputError(problems)


def finite(value: float) -> bool:
    return value is not None and not math.isinf(value)
