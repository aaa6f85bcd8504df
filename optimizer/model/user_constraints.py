"""User constraints: each kind of YAML entry is translated by one function here.

``forbid_site``, ``only_sites``, ``forbid_tech`` and ``earliest_year`` shape the index sets instead of adding rows
(see :mod:`optimizer.model.index`); ``force_site`` is checked for feasibility there too. Rows are
indexed by (entry number, year) and named ``user_<kind>_<upper|lower>``.
"""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.core.expr.numvalue import is_constant

from optimizer.config import constraints as uc
from optimizer.errors import InputError, Problem
from optimizer.model.index import Index


def add(m: pyo.ConcreteModel, ix: Index) -> None:
    entries = list(enumerate(ix.inputs.config.constraints))
    for name in ("user_tech_capacity_upper", "user_tech_capacity_lower", "user_max_share_upper",
                 "user_clean_share_lower",
                 "user_gpu_count_upper", "user_gpu_count_lower"):
        setattr(m, name, pyo.Constraint(pyo.Any))
    m.user_site_count_upper = pyo.Constraint(pyo.Any)
    m.user_site_count_lower = pyo.Constraint(pyo.Any)
    m.user_force_site = pyo.Constraint(pyo.Any)
    for i, entry in entries:
        TRANSLATE.get(type(entry), lambda m, ix, i, e: None)(m, ix, i, entry)


def _row(ix: Index, component, key, body, lower: float | None = None, upper: float | None = None) -> None:
    """component[key] = lower ≤ body ≤ upper, unless the body holds no variable (no asset of the
    entry can exist in that year): then a bound it already meets is dropped, and one it cannot
    meet is an input error naming the entry."""
    if not is_constant(body):
        component[key] = (lower, body, upper)
        return
    value = pyo.value(body)
    if (lower is None or value >= lower - 1e-9) and (upper is None or value <= upper + 1e-9):
        return
    i, year = key if isinstance(key, tuple) else (key, None)
    file, line = ix.inputs.locate(("constraints", i))
    when = f" in {year}" if year is not None else ""
    raise InputError([Problem(file, line, f"constraints[{i}]",
                              f"this entry cannot be met{when}: nothing it counts can exist then "
                              "(lead times, first years, forbidden sites or techs)",
                              "lower the minimum, limit the entry to later years, or allow the assets it needs")])


def _sites_in_scope(ix: Index, site: str | None, region: str | None) -> list[str]:
    if site is not None:
        return [site] if site in ix.sites else []
    if region is not None:
        return ix.sites_in_region.get(region, [])
    return ix.sites


def _years(ix: Index, years: list[int] | None) -> list[int]:
    return ix.periods if years is None else [y for y in ix.periods if ix.year_of(y) in years]


def tech_capacity(m, ix: Index, i: int, e: uc.TechCapacity) -> None:
    """Σ_{s ∈ scope, k ∈ techs} cap_mw[s, k, y] ≤ max_mw (user_tech_capacity_upper) and ≥ min_mw (…_lower)."""
    sites = _sites_in_scope(ix, e.site, e.region)
    for y in _years(ix, e.years):
        total = pyo.quicksum(m.cap_mw[s, k, y] for s in sites for k in e.techs if (s, k, y) in m.cap_mw)
        if e.max_mw is not None:
            _row(ix, m.user_tech_capacity_upper, (i, y), total, upper=e.max_mw)
        if e.min_mw is not None:
            _row(ix, m.user_tech_capacity_lower, (i, y), total, lower=e.min_mw)


def site_count(m, ix: Index, i: int, e: uc.SiteCount) -> None:
    """min ≤ Σ_{s, y} site_build[s, y] ≤ max."""
    total = pyo.quicksum(m.site_build.values())
    if e.max is not None:
        _row(ix, m.user_site_count_upper, i, total, upper=e.max)
    if e.min is not None:
        _row(ix, m.user_site_count_lower, i, total, lower=e.min)


def force_site(m, ix: Index, i: int, e: uc.ForceSite) -> None:
    """Σ_{y ≤ by_year} site_build[s, y] = 1."""
    by = e.by_year or ix.year_of(ix.periods[-1])
    m.user_force_site[i] = pyo.quicksum(m.site_build[e.site, y] for y in ix.site_build_years[e.site]
                                        if ix.year_of(y) <= by) == 1


def max_share(m, ix: Index, i: int, e: uc.MaxShare) -> None:
    """Σ_{s ∈ scope, h} w_h · gen_mw[s, k ∈ techs, y, h] ≤ max_share · Σ_{s ∈ scope} facility_mwh[s, y]."""
    sites = set(_sites_in_scope(ix, e.site, e.region))
    w = ix.w
    techs = set(e.techs)
    by_year: dict[int, list] = {}
    for (s, k, y, h), var in m.gen_mw.items():
        if s in sites and k in techs:
            by_year.setdefault(y, []).append(w[y][h] * var)
    for y in _years(ix, e.years):
        load = pyo.quicksum(m.facility_mwh[s, y] for s in sites if (s, y) in m.facility_mwh)
        _row(ix, m.user_max_share_upper, (i, y), (pyo.quicksum(by_year.get(y, [])) - e.max_share * load) / 1e3,
             upper=0.0)


def clean_share(m, ix: Index, i: int, e: uc.CleanShare) -> None:
    """Σ_{s ∈ scope, h} w_h · (Σ_{k clean} gen_mw[s, k, y, h] + grid_clean_share[r(s)] · import_mw[s, y, h])
    ≥ min_share · Σ_{s ∈ scope} facility_mwh[s, y]   (rows in GWh)."""
    sites = set(_sites_in_scope(ix, e.site, e.region))
    w = ix.w
    by_year: dict[int, list] = {}
    for (s, k, y, h), var in m.gen_mw.items():
        if s in sites and ix.K[k]["clean"]:
            by_year.setdefault(y, []).append(w[y][h] * var)
    for (s, y, h), var in m.import_mw.items():
        share = ix.R[ix.region_of[s]]["grid_clean_share"]
        if s in sites and share > 0:
            by_year.setdefault(y, []).append(w[y][h] * share * var)
    for y in _years(ix, e.years):
        load = pyo.quicksum(m.facility_mwh[s, y] for s in sites if (s, y) in m.facility_mwh)
        _row(ix, m.user_clean_share_lower, (i, y), (pyo.quicksum(by_year.get(y, [])) - e.min_share * load) / 1e3,
             lower=0.0)


def gpu_count(m, ix: Index, i: int, e: uc.GpuCount) -> None:
    """Σ_{s ∈ scope, g ∈ gpus} gpu_powered[s, g, y] · gpus_per_unit[g] ≤ max_gpus / ≥ min_gpus (rows in thousands;
    GPUs running: committed units waiting for power do not count)."""
    sites = _sites_in_scope(ix, e.site, e.region)
    gpus = e.gpus or ix.gpus
    for y in _years(ix, e.years):
        total = pyo.quicksum(m.gpu_powered[s, g, y] * ix.G[g]["gpus_per_unit"] / 1e3
                             for s in sites for g in gpus if (s, g, y) in m.gpu_units)
        if e.max_gpus is not None:
            _row(ix, m.user_gpu_count_upper, (i, y), total, upper=e.max_gpus / 1e3)
        if e.min_gpus is not None:
            _row(ix, m.user_gpu_count_lower, (i, y), total, lower=e.min_gpus / 1e3)


TRANSLATE = {
    uc.TechCapacity: tech_capacity,
    uc.SiteCount: site_count,
    uc.ForceSite: force_site,
    uc.MaxShare: max_share,
    uc.CleanShare: clean_share,
    uc.GpuCount: gpu_count,
    # ForbidSite, OnlySites, ForbidTech and EarliestYear shape the index sets (model/index.py).
}
