"""Emissions: CO2 per year from on-site fuel and grid energy; a cap, a carbon price (in the
objective, see costs) and a minimum clean-energy share.

Variables (accounting, defined by equality rows)
    emissions_kt[y]  = Σ_{s,h} w_h · (Σ_k gen_mw · heat_rate[k] / 1000 · co2_kg_per_mmbtu[k] / 10⁶
                                      + import_mw · grid_co2_kg_per_mwh[r(s), h] / 10⁶)
    clean_gwh[y]     = Σ_{s,h} w_h · (Σ_{k clean} gen_mw + import_mw · grid_clean_share[r(s)]) / 1000

Expressions
    emissions_t[y] = 1000 · emissions_kt[y];  clean_mwh[y] = 1000 · clean_gwh[y]
    load_mwh[y]    = Σ_s facility_mwh[s, y]
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.model.index import Index, finite
from optimizer.model.rows import add_block

KILO = 1e3


def add(m: pyo.ConcreteModel, ix: Index) -> None:
    m.emissions_kt = pyo.Var(ix.years, domain=pyo.NonNegativeReals)
    m.clean_gwh = pyo.Var(ix.years, domain=pyo.NonNegativeReals)
    m.emissions_t = pyo.Expression(ix.years, rule=lambda m, y: KILO * m.emissions_kt[y])
    m.clean_mwh = pyo.Expression(ix.years, rule=lambda m, y: KILO * m.clean_gwh[y])
    m.load_mwh = pyo.Expression(ix.years, rule=lambda m, y: pyo.quicksum(
        m.facility_mwh[s, y] for s in ix.sites if (s, y) in m.facility_mwh))
    emissions_def(m, ix)
    emissions_clean_def(m, ix)
    emissions_cap_upper(m, ix)
    emissions_clean_share_lower(m, ix)


def emissions_def(m, ix: Index) -> None:
    """emissions_kt[y] − Σ w_h · co2 per MWh [t] / 1000 · (gen_mw or import_mw) = 0."""
    row = {y: i for i, y in enumerate(ix.years)}
    block = add_block(m, "emissions_def", ix.years, lower=0.0, upper=0.0)
    block.term(m.emissions_kt, range(len(ix.years)), ix.years, 1.0)
    w = ix.slice_weight_h
    keys = [key for key in m.gen_mw.keys()
            if ix.K[key[1]]["heat_rate_btu_per_kwh"] * ix.K[key[1]]["co2_kg_per_mmbtu"] > 0]
    block.term(m.gen_mw, [row[y] for s, k, y, h in keys], keys, [
        -w[h] * ix.K[k]["heat_rate_btu_per_kwh"] / 1e3 * ix.K[k]["co2_kg_per_mmbtu"] / 1e6 for s, k, y, h in keys])
    keys = list(m.import_mw.keys())
    block.term(m.import_mw, [row[y] for s, y, h in keys], keys, [
        -w[h] * ix.grid_co2[ix.region_of[s], h] / 1e6 for s, y, h in keys])


def emissions_clean_def(m, ix: Index) -> None:
    """clean_gwh[y] − Σ w_h · (clean gen_mw + import_mw · grid_clean_share) / 1000 = 0."""
    row = {y: i for i, y in enumerate(ix.years)}
    block = add_block(m, "emissions_clean_def", ix.years, lower=0.0, upper=0.0)
    block.term(m.clean_gwh, range(len(ix.years)), ix.years, 1.0)
    w = ix.slice_weight_h
    keys = [key for key in m.gen_mw.keys() if ix.K[key[1]]["clean"]]
    block.term(m.gen_mw, [row[y] for s, k, y, h in keys], keys, [-w[h] / KILO for s, k, y, h in keys])
    keys = [key for key in m.import_mw.keys() if ix.R[ix.region_of[key[0]]]["grid_clean_share"] > 0]
    block.term(m.import_mw, [row[y] for s, y, h in keys], keys, [
        -w[h] * ix.R[ix.region_of[s]]["grid_clean_share"] / KILO for s, y, h in keys])


def emissions_cap_upper(m, ix: Index) -> None:
    """Emission cap: emissions_kt[y] ≤ carbon_cap_t[y] / 1000."""
    rows = [y for y in ix.years if finite(ix.inputs.carbon_cap_t[y])]
    m.emissions_cap_upper = pyo.Constraint(rows, rule=lambda m, y: m.emissions_kt[y] <= ix.inputs.carbon_cap_t[y] / KILO)


def emissions_clean_share_lower(m, ix: Index) -> None:
    """Clean-energy share: clean_gwh[y] ≥ min_clean_share[y] · load_mwh[y] / 1000."""
    rows = [y for y in ix.years if ix.inputs.min_clean_share[y] > 0]
    m.emissions_clean_share_lower = pyo.Constraint(rows, rule=lambda m, y: (
        m.clean_gwh[y] - ix.inputs.min_clean_share[y] * m.load_mwh[y] / KILO >= 0))
