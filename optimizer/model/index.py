"""Sparse index sets and plain-float coefficients for the model, computed once from :class:`Inputs`.

Only pairs that can take a non-zero value are indexed: a (site, tech) pair only where the tech is
allowed at the site (land for solar and wind, a gas permit for gas, an interconnection for a grid-
delivered PPA; not forbidden by a user constraint); an asset year only from the earliest year it
can come online (lead time from the first year, the tech's or product's first year, user
``earliest_year``); dispatch only for years in which the campus can be open.

Periods (:mod:`optimizer.inputs.periods`) are whole years, or months and quarters mixed with years.
Every asset is indexed by the period it comes **online**, and its cash capex is paid in that period.
Families ask the index for a period's length (``length_years``), its discount weight (``discount``),
the previous period (``previous``), the time between two periods (``elapsed_years``) and which
periods an asset is in service; they do no calendar arithmetic themselves. Money inside the model
is in million USD (``MUSD``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

from optimizer.config.constraints import EarliestYear, ForbidTech, candidate_sites
from optimizer.errors import InputError, Problem
from optimizer.inputs.load import Inputs
from optimizer.inputs.periods import Period, month_of, months_text, period_containing

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
    periods: list                                    # period keys in time order (see inputs/periods.py)
    P: dict                                          # key -> Period (label, start month, months)
    length_years: dict                               # key -> the period's length in years
    discount: dict                                   # key -> its discount weight: Σ of yearly factors over it
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
    slice_weight_h: dict[str, float]                # h -> hours of the year it stands for (all seasons)
    slices_of: dict                                  # period -> its slices (those of the seasons it overlaps)
    w: dict                                          # period -> {h: hours per year h stands for in it}
    slice_prev: dict[str, str]                       # previous slice in the same period (cyclic)
    hours_per_slice: float
    cf: dict[tuple[str, str, str], float]           # (s, k, h) -> capacity factor (solar, wind only)
    pue: dict[tuple[str, str], float]               # (s, h) -> PUE in that slice
    pue_peak: dict[str, float]                       # s -> highest PUE of the year
    pue_peak_in: dict                                # (s, y) -> highest PUE over period y's slices
    pue_mean: dict                                   # (s, y) -> energy-weighted PUE over period y's slices
    grid_price: dict[tuple[str, str], float]        # (r, h) -> USD/MWh
    grid_co2: dict[tuple[str, str], float]          # (r, h) -> kg/MWh
    period_slices: dict[str, list[str]]             # period -> its slices in order
    calendar: list[str] | None                      # period of each day of the year (storage linking)
    grid_sites: list[str]
    grid_upgrade: list[tuple[str, int]]
    # With relax_timing: the first month (ordinal) each asset group may come online under its lead time,
    # earliest_year or first year; keys ("site", s), ("tech", s, k), ("gpu", g), ("grid", s)
    timing_first: dict[tuple, int] = field(default_factory=dict)
    S: dict[str, dict] = field(default_factory=dict)   # site id -> row of the sites table
    K: dict[str, dict] = field(default_factory=dict)   # tech id -> row of the techs table
    G: dict[str, dict] = field(default_factory=dict)   # gpu id -> row of the GPU catalog
    R: dict[str, dict] = field(default_factory=dict)   # region id -> row of the regions table

    def annuity_weight(self, built, life_years: int) -> float:
        """Σ of discounted annuity factors over the horizon periods in which an asset built in
        ``built`` is in service: the objective weight of one MUSD of its capex."""
        factor = crf(self.inputs.config.horizon.discount_rate, life_years)
        return factor * sum(self.discount[y] for y in self.in_service(built, life_years * 12))

    def in_service(self, built, life_months: float) -> list:
        """Periods an asset built in ``built`` serves: see :func:`serves`."""
        return [y for y in self.periods if serves(self.P[built], self.P[y], life_months)]

    def previous(self, y):
        """The period before ``y`` (None for the first)."""
        i = self.periods.index(y)
        return self.periods[i - 1] if i > 0 else None

    def elapsed_years(self, b, y) -> float:
        """Years from the start of period ``b`` to the start of period ``y``."""
        return (self.P[y].start_month - self.P[b].start_month) / 12

    def year_of(self, y) -> int:
        """Calendar year in which period ``y`` starts."""
        return self.P[y].year

    def period_at(self, when):
        """Key of the period containing a *when* (a year's January, a month, a quarter's first month)."""
        p = period_containing(list(self.P.values()), month_of(when))
        return p.key if p is not None else None

    def label(self, y) -> str:
        return self.P[y].label

    @cached_property
    def year_groups(self) -> dict:
        """Periods grouped by the calendar year they start in, keyed by the group's first period, with
        the years of money each group's yearly limits stand for: a whole-year period of L years alone
        (L), the months and quarters of one calendar year together (1: a year's budget, however much of
        the year the horizon covers)."""
        groups: dict = {}
        first_of_year: dict = {}
        for y in self.periods:
            p = self.P[y]
            if p.months >= 12:
                groups[y] = ([y], p.length_years)
            else:
                head = first_of_year.setdefault(p.year, y)
                groups.setdefault(head, ([], 1.0))[0].append(y)
        return groups

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
    """The index of the model. ``relax_timing`` lets every asset come online from the first period
    whatever its lead time, earliest_year, first year or queue year (the elastic model of
    :mod:`optimizer.explain.elastic` prices running early); ``timing_first`` keeps the real first months."""
    cfg = inputs.config
    periods = inputs.periods
    years = [p.key for p in periods]
    P = {p.key: p for p in periods}
    m0 = periods[0].start_month

    def starting_from(month: float, until: float = float("inf")) -> list:
        """Periods that start at or after ``month`` (a month ordinal, fractions rounded up) and before ``until``."""
        return [p.key for p in periods if month - 1e-9 <= p.start_month < until]

    S, K = inputs.sites.to_dict("index"), inputs.techs.to_dict("index")
    G, R = inputs.gpus.to_dict("index"), inputs.regions.to_dict("index")
    earliest = _earliest(cfg.constraints)
    sites = candidate_sites(cfg.constraints, inputs.sites.index)
    region_of = {s: S[s]["region_id"] for s in sites}
    regions = list(inputs.regions.index)

    site_build_years, timing_first = {}, {}
    for s in sites:
        first_open = max(m0 + lead_months(S[s]), 12 * earliest.get(("site", s), 0))
        if relax_timing:
            timing_first["site", s], first_open = first_open, m0
        site_build_years[s] = starting_from(first_open)
    site_years = [(s, y) for s in sites for y in years
                  if site_build_years[s] and P[y].start_month >= P[site_build_years[s][0]].start_month]
    open_sites = sorted({s for s, _ in site_years}, key=sites.index)

    techs = list(inputs.techs.index)
    tech_kind = {k: K[k]["kind"] for k in techs}
    site_techs = [(s, k) for s in open_sites for k in techs if _allowed(S[s], K[k], cfg.constraints, s, k, region_of[s])]
    tech_build, tech_active = [], {}
    for s, k in site_techs:
        t = K[k]
        timing = max(m0 + lead_months(t), 12 * int(t["first_year"]), 12 * earliest.get(("tech", k), 0))
        if relax_timing:
            timing_first["tech", s, k], timing = timing, m0
        built = starting_from(max(timing, P[site_build_years[s][0]].start_month))
        tech_build += [(s, k, y) for y in built]
        for y in years:
            # a rented tech is rented period by period: what is "built" in y serves in y only
            active = [y] if t["rented"] and y in built else \
                [b for b in built if serves(P[b], P[y], 12 * int(t["lifetime_years"]))]
            if active:
                tech_active[s, k, y] = active

    gpus = list(inputs.gpus.index)
    gpu_build, gpu_active = [], {}
    for g in gpus:
        p = G[g]
        first = max(12 * int(p["first_year"]), 12 * earliest.get(("gpu", g), 0))
        if relax_timing:
            timing_first["gpu", g], first = first, m0
        for s in open_sites:
            built = starting_from(max(first, P[site_build_years[s][0]].start_month), 12 * (int(p["last_year"]) + 1))
            gpu_build += [(s, g, y) for y in built]
            for y in years:
                active = [b for b in built
                          if serves(P[b], P[y], 12 * int(p["lifetime_years"]))]
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
    slices_of, w = period_slice_weights(periods, table, inputs.slices.seasons)
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
            queue = 12 * int(S[s]["grid_queue_year"])
            if relax_timing:
                timing_first["grid", s], queue = queue, m0
            grid_upgrade += [(s, y) for y in starting_from(max(queue, P[site_build_years[s][0]].start_month))]

    index = Index(
        inputs=inputs, periods=years, P=P, length_years={p.key: p.length_years for p in periods},
        discount=discount_weights(periods, cfg.horizon.discount_rate, cfg.horizon.discount_at), sites=open_sites,
        region_of=region_of, regions=regions,
        sites_in_region={r: [s for s in open_sites if region_of[s] == r] for r in regions},
        site_years=site_years, site_build_years=site_build_years, techs=techs, tech_kind=tech_kind,
        site_techs=site_techs, tech_build=tech_build, tech_active=tech_active, gpus=gpus, gpu_build=gpu_build,
        gpu_active=gpu_active, slices=slices, slice_weight_h=weight, slices_of=slices_of, w=w,
        slice_prev=prev, hours_per_slice=float(inputs.slices.hours_per_slice), cf=cf, grid_sites=grid_sites,
        grid_upgrade=grid_upgrade, timing_first=timing_first, S=S, K=K, G=G, R=R, pue=pue,
        pue_peak={s: max(pue[s, h] for h in slices) for s in open_sites},
        **_pue_by_period(pue, open_sites, years, slices_of, w),
        grid_price=grid_price, grid_co2=grid_co2, period_slices=period_slices,
        calendar=inputs.slices.calendar if cfg.time_slices.link_days and len(period_slices) > 1 else None,
    )
    _check_forced_sites(index)
    return index


def _pue_by_period(pue: dict, sites: list[str], years: list, slices_of: dict, w: dict) -> dict:
    """``pue_peak_in`` and ``pue_mean`` per (site, period), computed once per distinct set of slices
    (every whole year shares the year's: a 10-year plan at 8,760 slices does the sums once, not ten times)."""
    peak, mean, done = {}, {}, {}
    for y in years:
        first = done.setdefault(id(slices_of[y]), y)
        for s in sites:
            if first != y:
                peak[s, y], mean[s, y] = peak[s, first], mean[s, first]
                continue
            peak[s, y] = max(pue[s, h] for h in slices_of[y])
            mean[s, y] = sum(w[y][h] * pue[s, h] for h in slices_of[y]) / sum(w[y].values())
    return {"pue_peak_in": peak, "pue_mean": mean}


def season_of_month(month: int, seasons: list[str]) -> str:
    """The season (``year``, ``Q1``–``Q4``, ``01``–``12``) a calendar month (0–11) belongs to."""
    return seasons[month * len(seasons) // 12]   # the seasons split the year evenly, in calendar order


def period_slice_weights(periods: list[Period], table, seasons: list[str]) -> tuple[dict, dict]:
    """Slices of each period and their weights: a period sees the slices of the seasons it overlaps
    (all of them for a year), weighted to stand for a whole year (Σ_h w[y][h] = 8,760), so that every
    family reads per-year rates whatever the period's length:
    w[y][h] = weight_h[h] · 8760 / Σ_{h' in the period's seasons} weight_h[h']."""
    weight = dict(zip(table["slice"], table["weight_h"]))
    season = dict(zip(table["slice"], table["season"])) if "season" in table else {h: "year" for h in weight}
    slices = list(weight)
    slices_of, w = {}, {}
    for p in periods:
        covered = {season_of_month(mo % 12, seasons) for mo in range(p.start_month, p.end_month)}
        if covered >= set(season.values()):
            slices_of[p.key], w[p.key] = slices, weight     # every season: the year's weights as they are
            continue
        ids = [h for h in slices if season[h] in covered]
        scale = 8760.0 / sum(weight[h] for h in ids)
        slices_of[p.key], w[p.key] = ids, {h: weight[h] * scale for h in ids}
    return slices_of, w


def serves(built: Period, p: Period, life_months: float) -> bool:
    """Whether an asset built in period ``built`` with a life of ``life_months`` is in service in ``p``:
    p starts at or after ``built`` and before the life ends; for an asset built in a month or quarter,
    p must also end within its life (a one-year asset bought in March 2026 does not serve all of 2027).
    Between whole-year periods a period that starts inside the life counts whole, as it always has."""
    end_of_life = built.start_month + life_months
    if not built.start_month <= p.start_month < end_of_life:
        return False
    return not built.sub_year or p.end_month <= end_of_life


def lead_months(row: dict) -> float:
    """A row's lead time in months: ``lead_time_months`` where given, else 12 · ``lead_time_years``."""
    months = row.get("lead_time_months", INF)
    return float(months) if finite(months) else 12.0 * int(row["lead_time_years"])


def discount_weights(periods: list[Period], rate: float, at: str = "start") -> dict:
    """Discount weight of each period: the present value, at the horizon's start, of one USD per year
    paid over the period. A period of L ≥ 1 whole years starting t years in: Σ_{j < L} (1 + rate)^−(t + j + δ);
    a sub-year period of L years: L · (1 + rate)^−(t + δ · L); δ = 0 (discount_at: start) or ½ (midpoint)."""
    m0 = periods[0].start_month
    half = 0.5 if at == "midpoint" else 0.0
    out = {}
    for p in periods:
        t, length = (p.start_month - m0) / 12, p.length_years
        if p.months >= 12:
            out[p.key] = sum((1 + rate) ** -(t + j + half) for j in range(p.months // 12))
        else:
            out[p.key] = length * (1 + rate) ** -(t + half * length)
    return out


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
        by = c.by_year or index.year_of(index.periods[-1])
        years = [y for y in index.site_build_years.get(c.site, []) if index.year_of(y) <= by]
        if not years:
            lead = lead_months(index.S[c.site]) if c.site in index.S else 0
            why = "it is forbidden" if c.site not in index.site_build_years else \
                f"its lead time is {months_text(lead)} from {index.label(index.periods[0])}"
            file, line = index.inputs.locate(("constraints", i))
            problems.append(Problem(file, line, f"constraints[{i}]", f"site '{c.site}' cannot open by {by}: {why}",
                                    "move by_year later or remove the entry"))
    if problems:
        raise InputError(problems)


def finite(value: float) -> bool:
    return value is not None and not math.isinf(value)
