"""Emissions: CO2 per year from on-site fuel and grid energy; a cap, a carbon price (in the
objective, see costs) and a minimum clean-energy share.

Accounts (coefficient lists, evaluated from the solution; :mod:`optimizer.model.accounts`)
    emissions_t[y] = Σ_{s,h} w_h · (Σ_k gen_mw · heat_rate[k] / 1000 · co2_kg_per_mmbtu[k] / 1000
                                    + import_mw · grid_co2_kg_per_mwh[r(s), h] · grid_co2_factor[r(s), y] / 1000)
    clean_mwh[y]   = Σ_{s,h} w_h · (Σ_{k clean} gen_mw + import_mw · grid_clean_share[r(s)])
    load_mwh[y]    = Σ_s facility_mwh[s, y]

Variables (only in years with a cap or a clean share: their totals are rows)
    emissions_kt[y] = emissions_t[y] / 1000,  clean_gwh[y] = clean_mwh[y] / 1000

Caps and shares are yearly: rows are per calendar year g (Index.year_groups: a whole-year period
alone, the months and quarters of one year together), over the rates of its periods weighted by
their lengths, ω_y = L_y / Σ_{y' ∈ g} L_{y'} (so a month of bridge power can be offset by cleaner
months of the same year; a whole-year period has ω = 1, as before).
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.model.accounts import Account, Terms
from optimizer.model.index import Index, finite
from optimizer.model.rows import add_block

KILO = 1e3


def add(m: pyo.ConcreteModel, ix: Index) -> None:
    m.emission_terms, m.clean_terms = _accounts(m, ix)
    m.emissions_t = Account(ix.periods, lambda y: m.emission_terms[y].value())
    m.clean_mwh = Account(ix.periods, lambda y: m.clean_terms[y].value())
    m.load_mwh = pyo.Expression(ix.periods, rule=lambda m, y: pyo.quicksum(
        m.facility_mwh[s, y] for s in ix.sites if (s, y) in m.facility_mwh))
    groups = ix.year_groups
    capped = [y for g in groups if finite(ix.inputs.carbon_cap_t[g]) for y in groups[g][0]]
    shared = [y for g in groups if ix.inputs.min_clean_share[g] > 0 for y in groups[g][0]]
    m.emissions_kt = pyo.Var(capped, domain=pyo.NonNegativeReals)
    m.clean_gwh = pyo.Var(shared, domain=pyo.NonNegativeReals)
    emissions_def(m, ix, capped)
    emissions_clean_def(m, ix, shared)
    emissions_cap_upper(m, ix)
    emissions_clean_share_lower(m, ix)


def _accounts(m, ix: Index) -> tuple[dict[int, Terms], dict[int, Terms]]:
    emitted = {y: Terms() for y in ix.periods}
    clean = {y: Terms() for y in ix.periods}
    w = ix.w
    for key in m.gen_mw.keys():
        s, k, y, h = key
        t = ix.K[k]
        emitted[y].add(m.gen_mw, key, w[y][h] * t["heat_rate_btu_per_kwh"] / 1e3 * t["co2_kg_per_mmbtu"] / 1e3)
        if t["clean"]:
            clean[y].add(m.gen_mw, key, w[y][h])
    for key in m.import_mw.keys():
        s, y, h = key
        r = ix.region_of[s]
        emitted[y].add(m.import_mw, key, w[y][h] * ix.grid_co2[r, h] * ix.grid_co2_factor(r, y) / 1e3)
        clean[y].add(m.import_mw, key, w[y][h] * ix.R[r]["grid_clean_share"])
    return emitted, clean


def _definition(m, name: str, var, accounts: dict[int, Terms], years: list[int]) -> None:
    """var[y] − Σ account terms / 1000 = 0 for the given years."""
    row = {y: i for i, y in enumerate(years)}
    block = add_block(m, name, years, lower=0.0, upper=0.0)
    block.term(var, range(len(years)), years, 1.0)
    for y in years:
        for component, keys, coefs in accounts[y].items():
            block.term(component, [row[y]] * len(keys), keys, [-c / KILO for c in coefs])


def emissions_def(m, ix: Index, years: list[int]) -> None:
    """emissions_kt[y] − emissions_t[y] / 1000 = 0, in years with a cap."""
    _definition(m, "emissions_def", m.emissions_kt, m.emission_terms, years)


def emissions_clean_def(m, ix: Index, years: list[int]) -> None:
    """clean_gwh[y] − clean_mwh[y] / 1000 = 0, in years with a clean-energy share."""
    _definition(m, "emissions_clean_def", m.clean_gwh, m.clean_terms, years)


def _weights(ix: Index, members: list) -> dict:
    """ω_y = L_y / Σ L over the periods of one calendar year."""
    total = sum(ix.length_years[y] for y in members)
    return {y: ix.length_years[y] / total for y in members}


def emissions_cap_upper(m, ix: Index) -> None:
    """Emission cap per calendar year g: Σ_{y ∈ g} ω_y · emissions_kt[y] ≤ carbon_cap_t[g] / 1000."""
    groups = ix.year_groups
    rows = [g for g in groups if finite(ix.inputs.carbon_cap_t[g])]
    m.emissions_cap_upper = pyo.Constraint(rows, rule=lambda m, g: pyo.quicksum(
        w * m.emissions_kt[y] for y, w in _weights(ix, groups[g][0]).items()) <= ix.inputs.carbon_cap_t[g] / KILO)


def emissions_clean_share_lower(m, ix: Index) -> None:
    """Clean-energy share per calendar year g:
    Σ_{y ∈ g} ω_y · (clean_gwh[y] − min_clean_share[g] · load_mwh[y] / 1000) ≥ 0."""
    groups = ix.year_groups
    rows = [g for g in groups if ix.inputs.min_clean_share[g] > 0]
    m.emissions_clean_share_lower = pyo.Constraint(rows, rule=lambda m, g: pyo.quicksum(
        w * (m.clean_gwh[y] - ix.inputs.min_clean_share[g] * m.load_mwh[y] / KILO)
        for y, w in _weights(ix, groups[g][0]).items()) >= 0)
