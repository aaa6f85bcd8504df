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
from optimizer.model.rows import add_block

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
    # the hourly rows are row blocks (optimizer/model/rows.py): hundreds of thousands of them
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
    Σ_k gen_mw + import_mw + Σ_storage (discharge_mw − charge_mw) + unserved_mw − pue[s] · it_mw[s, y] = 0."""
    keys = [(s, y, h) for s, y in ix.site_years for h in ix.slices]
    block = add_block(m, "dispatch_balance", keys, lower=0.0, upper=0.0)
    row = {key: i for i, key in enumerate(keys)}
    for var in (m.gen_mw, m.discharge_mw):
        ks = list(var.keys())
        block.term(var, [row[s, y, h] for s, k, y, h in ks], ks, 1.0)
    ks = list(m.charge_mw.keys())
    block.term(m.charge_mw, [row[s, y, h] for s, k, y, h in ks], ks, -1.0)
    for var in (m.import_mw, m.unserved_mw):
        ks = list(var.keys())
        block.term(var, [row[key] for key in ks], ks, 1.0)
    block.term(m.it_mw, range(len(keys)), [(s, y) for s, y, h in keys], [-ix.S[s]["pue"] for s, y, h in keys])


def dispatch_gen_upper(m, ix: Index) -> None:
    """Output within capacity: gen_mw[s, k, y, h] − cap_mw[s, k, y] · f ≤ 0, f = cf[s, k, h] (solar,
    wind) or availability[k] (thermal, PPA)."""
    keys = list(m.gen_mw.keys())
    block = add_block(m, "dispatch_gen_upper", keys, upper=0.0)
    block.term(m.gen_mw, range(len(keys)), keys, 1.0)
    factors = [-(ix.cf[s, k, h] if (s, k, h) in ix.cf else ix.K[k]["availability"]) for s, k, y, h in keys]
    block.term(m.cap_mw, range(len(keys)), [(s, k, y) for s, k, y, h in keys], factors)


def _storage_upper(m, name: str, var, per_mw) -> None:
    keys = list(var.keys())
    block = add_block(m, name, keys, upper=0.0)
    block.term(var, range(len(keys)), keys, 1.0)
    block.term(m.cap_mw, range(len(keys)), [(s, k, y) for s, k, y, h in keys], [-per_mw(k) for s, k, y, h in keys])


def dispatch_charge_upper(m, ix: Index) -> None:
    """Storage charging within its power: charge_mw[s, k, y, h] ≤ cap_mw[s, k, y]."""
    _storage_upper(m, "dispatch_charge_upper", m.charge_mw, lambda k: 1.0)


def dispatch_discharge_upper(m, ix: Index) -> None:
    """Storage discharging within its power: discharge_mw[s, k, y, h] ≤ cap_mw[s, k, y]."""
    _storage_upper(m, "dispatch_discharge_upper", m.discharge_mw, lambda k: 1.0)


def dispatch_soc_upper(m, ix: Index) -> None:
    """Stored energy within the energy capacity: soc_mwh[s, k, y, h] ≤ storage_hours[k] · cap_mw[s, k, y]."""
    _storage_upper(m, "dispatch_soc_upper", m.soc_mwh, lambda k: ix.K[k]["storage_hours"])


def dispatch_soc_balance(m, ix: Index) -> None:
    """State of charge, cyclic within each representative day:
    soc_mwh[h] − soc_mwh[prev(h)] − Δt · √η · charge_mw[h] + Δt / √η · discharge_mw[h] = 0,
    η = round-trip efficiency."""
    dt = ix.hours_per_slice
    keys = list(m.soc_mwh.keys())
    n = len(keys)
    eta = [math.sqrt(ix.K[k]["round_trip_efficiency"]) for s, k, y, h in keys]
    block = add_block(m, "dispatch_soc_balance", keys, lower=0.0, upper=0.0)
    block.term(m.soc_mwh, range(n), keys, 1.0)
    block.term(m.soc_mwh, range(n), [(s, k, y, ix.slice_prev[h]) for s, k, y, h in keys], -1.0)
    block.term(m.charge_mw, range(n), keys, [-dt * e for e in eta])
    block.term(m.discharge_mw, range(n), keys, [dt / e for e in eta])
