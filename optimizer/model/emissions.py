"""Emissions: tCO2 per year from on-site fuel and grid energy; a cap, a carbon price (in the
objective, see costs) and a minimum clean-energy share.

    emissions_t[y] = Σ_{s,h} w_h · (Σ_k gen_mw · heat_rate[k] / 1000 · co2_kg_per_mmbtu[k] / 1000
                                      + import_mw · grid_co2_kg_per_mwh[r(s)] / 1000)
    clean_mwh[y]   = Σ_{s,h} w_h · (Σ_{k clean} gen_mw + import_mw · grid_clean_share[r(s)])
    load_mwh[y]    = Σ_s 8760 · facility_mw[s, y]
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from optimizer.model.index import Index, finite

KILO = 1e3  # cap rows in kt


def add(m: pyo.ConcreteModel, ix: Index) -> None:
    emitted, clean = defaultdict(list), defaultdict(list)
    w = ix.slice_weight_h
    for (s, k, y, h), var in m.gen_mw.items():
        t = ix.K[k]
        rate_t = t["heat_rate_btu_per_kwh"] / 1e3 * t["co2_kg_per_mmbtu"] / 1e3
        if rate_t:
            emitted[y].append(w[h] * rate_t * var)
        if t["clean"]:
            clean[y].append(w[h] * var)
    for (s, y, h), var in m.import_mw.items():
        region = ix.R[ix.region_of[s]]
        emitted[y].append(w[h] * region["grid_co2_kg_per_mwh"] / 1e3 * var)
        if region["grid_clean_share"]:
            clean[y].append(w[h] * region["grid_clean_share"] * var)
    hours = sum(w.values())
    m.emissions_t = pyo.Expression(ix.years, rule=lambda m, y: pyo.quicksum(emitted[y]))
    m.clean_mwh = pyo.Expression(ix.years, rule=lambda m, y: pyo.quicksum(clean[y]))
    m.load_mwh = pyo.Expression(ix.years, rule=lambda m, y: pyo.quicksum(
        hours * m.facility_mw[s, y] for s in ix.sites if (s, y) in m.facility_mw))
    emissions_cap_upper(m, ix)
    emissions_clean_share_lower(m, ix)


def emissions_cap_upper(m, ix: Index) -> None:
    """Emission cap: emissions_t[y] ≤ carbon_cap_t[y] (rows in kt)."""
    rows = [y for y in ix.years if finite(ix.inputs.carbon_cap_t[y])]
    m.emissions_cap_upper = pyo.Constraint(rows, rule=lambda m, y: (
        m.emissions_t[y] / KILO <= ix.inputs.carbon_cap_t[y] / KILO))


def emissions_clean_share_lower(m, ix: Index) -> None:
    """Clean-energy share: clean_mwh[y] ≥ min_clean_share[y] · load_mwh[y] (rows in GWh)."""
    rows = [y for y in ix.years if ix.inputs.min_clean_share[y] > 0]
    m.emissions_clean_share_lower = pyo.Constraint(rows, rule=lambda m, y: (
        m.clean_mwh[y] - ix.inputs.min_clean_share[y] * m.load_mwh[y]) / KILO >= 0)
