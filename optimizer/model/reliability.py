"""Reliability: firm capacity covers the peak facility load with a reserve margin, and optionally
survives the loss of the largest on-site unit (N+1).

    firm_mw[s, y] = grid_firm_fraction[r(s)] · grid_mw[s, y] + Σ_k firm_credit[k] · cap_mw[s, k, y]
    need_mw[s, y] = (1 + reserve_margin) · facility_mw[s, y]
With ``reserve_margin: null`` there is no firm-capacity row (the hourly balance still holds).

Variables (N+1 only)
    has_unit[s, k, y] ∈ {0, 1}   at least one unit of lumpy tech k is in service at s in y

Curtailment terms (config ``grid.curtailment``, per site or region: share c, minutes D, demand-response
share d): when the utility curtails, storage must carry what the campus cannot shed, in power and in
energy, for every grid-connected site and period:
    Σ_{k storage} cap_mw[s, k, y]                    ≥ (c − d) · grid_mw[s, y]
    Σ_{k storage} storage_hours[k] · cap_mw[s, k, y] ≥ (c − d) · grid_mw[s, y] · D / 60
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.model.index import Index
from optimizer.model.power_capacity import cap_upper_mw, is_lumpy


def add(m: pyo.ConcreteModel, ix: Index) -> None:
    m.firm_mw = pyo.Expression(ix.site_years, rule=lambda m, s, y: _firm(m, ix, s, y))
    margin = ix.inputs.config.reliability.reserve_margin
    m.need_mw = pyo.Expression(ix.site_years, rule=lambda m, s, y: (1 + (margin or 0)) * m.facility_mw[s, y])
    if margin is not None:       # reserve_margin: null switches the firm-capacity rule off
        reliability_firm_lower(m, ix)
    lumpy = [(s, k, y) for (s, k, y) in ix.tech_active
             if ix.inputs.config.reliability.n_minus_1 and is_lumpy(ix, k) and ix.K[k]["firm_credit"] > 0]
    m.has_unit = pyo.Var(lumpy, domain=pyo.Binary)
    reliability_n1_lower(m, ix)
    reliability_n1_link(m, ix)
    reliability_curtailment_power_lower(m, ix)
    reliability_curtailment_energy_lower(m, ix)


def curtailment_terms(ix: Index, s: str):
    """The curtailment terms that bind site s (its own entry, else its region's), or None."""
    terms = ix.inputs.config.grid.curtailment
    return terms.get(s) or terms.get(ix.region_of[s])


def _curtailment_rows(m, ix: Index) -> list:
    return [(s, y) for s, y in m.grid_mw if (t := curtailment_terms(ix, s)) is not None
            and t.share > t.demand_response_share]


def _storage(m, ix: Index, s: str, y, per_mw) -> object:
    return pyo.quicksum(per_mw(k) * m.cap_mw[s, k, y] for k in ix.techs
                        if ix.tech_kind[k] == "storage" and (s, k, y) in m.cap_mw)


def reliability_curtailment_power_lower(m, ix: Index) -> None:
    """Storage power covers a curtailment: Σ_{k storage} cap_mw[s, k, y] − (c − d) · grid_mw[s, y] ≥ 0."""
    def rule(m, s, y):
        t = curtailment_terms(ix, s)
        return _storage(m, ix, s, y, lambda k: 1.0) - (t.share - t.demand_response_share) * m.grid_mw[s, y] >= 0

    m.reliability_curtailment_power_lower = pyo.Constraint(_curtailment_rows(m, ix), rule=rule)


def reliability_curtailment_energy_lower(m, ix: Index) -> None:
    """Storage energy lasts the curtailment:
    Σ_{k storage} storage_hours[k] · cap_mw[s, k, y] − (c − d) · grid_mw[s, y] · minutes / 60 ≥ 0."""
    def rule(m, s, y):
        t = curtailment_terms(ix, s)
        need_h = (t.share - t.demand_response_share) * t.minutes / 60
        return _storage(m, ix, s, y, lambda k: ix.K[k]["storage_hours"]) - need_h * m.grid_mw[s, y] >= 0

    m.reliability_curtailment_energy_lower = pyo.Constraint(_curtailment_rows(m, ix), rule=rule)


def _firm(m, ix: Index, s: str, y: int):
    terms = [ix.K[k]["firm_credit"] * m.cap_mw[s, k, y] for k in ix.techs
             if (s, k, y) in ix.tech_active and ix.K[k]["firm_credit"] > 0]
    if (s, y) in m.grid_mw:
        terms.append(ix.R[ix.region_of[s]]["grid_firm_fraction"] * m.grid_mw[s, y])
    return pyo.quicksum(terms)


def reliability_firm_lower(m, ix: Index) -> None:
    """Firm capacity covers the peak with margin: firm_mw[s, y] ≥ (1 + reserve_margin) · facility_mw[s, y]."""
    m.reliability_firm_lower = pyo.Constraint(ix.site_years, rule=lambda m, s, y: (
        m.firm_mw[s, y] - m.need_mw[s, y] >= 0))


def reliability_n1_lower(m, ix: Index) -> None:
    """N+1: losing one unit of any lumpy tech still leaves enough firm capacity:
    firm_mw[s, y] − firm_credit[k] · unit_mw[k] · has_unit[s, k, y] ≥ need_mw[s, y]."""
    m.reliability_n1_lower = pyo.Constraint(m.has_unit.index_set(), rule=lambda m, s, k, y: (
        m.firm_mw[s, y] - ix.K[k]["firm_credit"] * ix.K[k]["unit_mw"] * m.has_unit[s, k, y] - m.need_mw[s, y] >= 0))


def reliability_n1_link(m, ix: Index) -> None:
    """has_unit is 1 whenever the tech is in service: cap_mw[s, k, y] ≤ M · has_unit[s, k, y],
    with M the largest capacity the site allows for k."""
    def rule(m, s, k, y):
        big_m = cap_upper_mw(ix, s, k) or 3 * ix.pue_peak[s] * ix.S[s]["max_it_mw"]
        return m.cap_mw[s, k, y] - big_m * m.has_unit[s, k, y] <= 0

    m.reliability_n1_link = pyo.Constraint(m.has_unit.index_set(), rule=rule)
