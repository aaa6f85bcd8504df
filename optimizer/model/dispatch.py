"""Dispatch: the hourly power balance of every campus in every time slice.

Variables (per site s, year y, slice h; only where the campus can be open)
    gen_mw[s, k, y, h] ≥ 0                 output of thermal, solar, wind and PPA techs
    import_mw[s, y, h] ≥ 0                 grid energy bought
    charge_mw, discharge_mw[s, k, y, h] ≥ 0 storage power;  soc_mwh[s, k, y, h] ≥ 0 its state of charge
    unserved_mw[s, y, h] ≥ 0               only when reliability.value_of_lost_load_usd_per_mwh is set

Expressions
    facility_mw[s, y] = pue[s] · it_mw[s, y]     (GPUs run flat out in every slice)
"""

from __future__ import annotations

import math

import pyomo.environ as pyo

from optimizer.model.index import Index

GENERATING = ("thermal", "solar", "wind", "ppa")


def add(m: pyo.ConcreteModel, ix: Index) -> None:
    H = ix.slices
    gen = [(s, k, y, h) for (s, k, y) in ix.tech_active if ix.tech_kind[k] in GENERATING for h in H
           if ix.cf.get((s, k, h), 1.0) > 0]
    store = [(s, k, y, h) for (s, k, y) in ix.tech_active if ix.tech_kind[k] == "storage" for h in H]
    grid_sites = set(ix.grid_sites)
    m.gen_mw = pyo.Var(gen, domain=pyo.NonNegativeReals)
    m.import_mw = pyo.Var([(s, y, h) for s, y in ix.site_years if s in grid_sites for h in H],
                          domain=pyo.NonNegativeReals)
    m.charge_mw = pyo.Var(store, domain=pyo.NonNegativeReals)
    m.discharge_mw = pyo.Var(store, domain=pyo.NonNegativeReals)
    m.soc_mwh = pyo.Var(store, domain=pyo.NonNegativeReals)
    voll = ix.inputs.config.reliability.value_of_lost_load_usd_per_mwh
    m.unserved_mw = pyo.Var([(s, y, h) for s, y in ix.site_years for h in H] if voll else [],
                            domain=pyo.NonNegativeReals)
    m.facility_mw = pyo.Expression(ix.site_years, rule=lambda m, s, y: ix.S[s]["pue"] * m.it_mw[s, y])
    dispatch_balance(m, ix)
    dispatch_gen_upper(m, ix)
    dispatch_charge_upper(m, ix)
    dispatch_discharge_upper(m, ix)
    dispatch_soc_upper(m, ix)
    dispatch_soc_balance(m, ix)


def _techs_at(ix: Index):
    """(s, y) -> (generating techs, storage techs) in service."""
    out = {(s, y): ([], []) for s, y in ix.site_years}
    for s, k, y in ix.tech_active:
        out[s, y][0 if ix.tech_kind[k] in GENERATING else 1].append(k)
    return out


def dispatch_balance(m, ix: Index) -> None:
    """Supply meets load in every slice:
    Σ_k gen_mw + import_mw + Σ_storage (discharge_mw − charge_mw) + unserved_mw = facility_mw[s, y]."""
    at = _techs_at(ix)
    rows = [(s, y, h) for s, y in ix.site_years for h in ix.slices]

    def rule(m, s, y, h):
        gens, stores = at[s, y]
        supply = [m.gen_mw[s, k, y, h] for k in gens if (s, k, y, h) in m.gen_mw]
        supply += [m.discharge_mw[s, k, y, h] - m.charge_mw[s, k, y, h] for k in stores]
        if (s, y, h) in m.import_mw:
            supply.append(m.import_mw[s, y, h])
        if (s, y, h) in m.unserved_mw:
            supply.append(m.unserved_mw[s, y, h])
        return pyo.quicksum(supply) - ix.S[s]["pue"] * m.it_mw[s, y] == 0

    m.dispatch_balance = pyo.Constraint(rows, rule=rule)


def dispatch_gen_upper(m, ix: Index) -> None:
    """Output within capacity: gen_mw[s, k, y, h] ≤ cap_mw[s, k, y] · cf[s, k, h] (solar, wind) or
    · availability[k] (thermal, PPA)."""
    def rule(m, s, k, y, h):
        factor = ix.cf[s, k, h] if (s, k, h) in ix.cf else ix.K[k]["availability"]
        return m.gen_mw[s, k, y, h] - factor * m.cap_mw[s, k, y] <= 0

    m.dispatch_gen_upper = pyo.Constraint(m.gen_mw.index_set(), rule=rule)


def dispatch_charge_upper(m, ix: Index) -> None:
    """Storage charging within its power: charge_mw[s, k, y, h] ≤ cap_mw[s, k, y]."""
    m.dispatch_charge_upper = pyo.Constraint(m.charge_mw.index_set(), rule=lambda m, s, k, y, h: (
        m.charge_mw[s, k, y, h] - m.cap_mw[s, k, y] <= 0))


def dispatch_discharge_upper(m, ix: Index) -> None:
    """Storage discharging within its power: discharge_mw[s, k, y, h] ≤ cap_mw[s, k, y]."""
    m.dispatch_discharge_upper = pyo.Constraint(m.discharge_mw.index_set(), rule=lambda m, s, k, y, h: (
        m.discharge_mw[s, k, y, h] - m.cap_mw[s, k, y] <= 0))


def dispatch_soc_upper(m, ix: Index) -> None:
    """Stored energy within the energy capacity: soc_mwh[s, k, y, h] ≤ storage_hours[k] · cap_mw[s, k, y]."""
    m.dispatch_soc_upper = pyo.Constraint(m.soc_mwh.index_set(), rule=lambda m, s, k, y, h: (
        m.soc_mwh[s, k, y, h] - ix.K[k]["storage_hours"] * m.cap_mw[s, k, y] <= 0))


def dispatch_soc_balance(m, ix: Index) -> None:
    """State of charge, cyclic within each representative day:
    soc_mwh[h] = soc_mwh[prev(h)] + Δt · (√η · charge_mw[h] − discharge_mw[h] / √η), η = round-trip efficiency."""
    dt = ix.hours_per_slice

    def rule(m, s, k, y, h):
        eta = math.sqrt(ix.K[k]["round_trip_efficiency"])
        p = ix.slice_prev[h]
        return m.soc_mwh[s, k, y, h] - m.soc_mwh[s, k, y, p] - dt * eta * m.charge_mw[s, k, y, h] \
            + dt / eta * m.discharge_mw[s, k, y, h] == 0

    m.dispatch_soc_balance = pyo.Constraint(m.soc_mwh.index_set(), rule=rule)
