"""Dispatch: the hourly power balance of every campus in every time slice.

Variables (per site s, year y, slice h; only where the campus can be open)
    gen_mw[s, k, y, h] ≥ 0                 output of thermal, solar, wind and PPA techs
    import_mw[s, y, h] ≥ 0                 grid energy bought
    charge_mw, discharge_mw[s, k, y, h] ≥ 0 storage power;  soc_mwh[s, k, y, h] ≥ 0 its state of charge
    unserved_mw[s, y, h] ≥ 0               only when reliability.value_of_lost_load_usd_per_mwh is set

Expressions
    facility_mw[s, y]  = pue_peak[s, y] · it_mw[s, y] + fixed_load_mw[s, y] · site_open[s, y]   peak facility load
                         (pue_peak[s, y]: the highest PUE over period y's slices; a year: the year's)
    facility_mwh[s, y] = 8760 · (pue_mean[s, y] · it_mw[s, y] + fixed_load_mw[s, y] · site_open[s, y])   (per year)
Slices are those of the period (Index.slices_of: its seasons' typical days), weighted per year (Index.w).
(pue[s, h] is the site's PUE, or rises with the slice's temperature when facility.pue_from_temperature)
"""

from __future__ import annotations

import math

import pyomo.environ as pyo

from optimizer.model.index import Index
from optimizer.model.rows import add_block

GENERATING = ("thermal", "solar", "wind", "ppa")


def add(m: pyo.ConcreteModel, ix: Index) -> None:
    H = ix.slices_of
    gen = [(s, k, y, h) for (s, k, y) in ix.tech_active if ix.tech_kind[k] in GENERATING for h in H[y]
           if ix.cf.get((s, k, h), 1.0) > 0]
    store = [(s, k, y, h) for (s, k, y) in ix.tech_active if ix.tech_kind[k] == "storage" for h in H[y]]
    grid_sites = set(ix.grid_sites)
    m.gen_mw = pyo.Var(gen, domain=pyo.NonNegativeReals)
    m.import_mw = pyo.Var([(s, y, h) for s, y in ix.site_years if s in grid_sites for h in H[y]],
                          domain=pyo.NonNegativeReals)
    m.charge_mw = pyo.Var(store, domain=pyo.NonNegativeReals)
    m.discharge_mw = pyo.Var(store, domain=pyo.NonNegativeReals)
    linked = ix.calendar is not None
    m.soc_mwh = pyo.Var(store, domain=pyo.Reals if linked else pyo.NonNegativeReals)
    voll = ix.inputs.config.reliability.value_of_lost_load_usd_per_mwh
    m.unserved_mw = pyo.Var([(s, y, h) for s, y in ix.site_years for h in H[y]] if voll else [],
                            domain=pyo.NonNegativeReals)
    fixed = ix.inputs.fixed_load_mw
    m.facility_mw = pyo.Expression(ix.site_years, rule=lambda m, s, y: ix.pue_peak_in[s, y] * m.it_mw[s, y] + (
        fixed[s, y] * m.site_open[s, y] if (s, y) in fixed else 0))
    hours = {y: sum(ix.w[y].values()) for y in ix.periods}
    m.facility_mwh = pyo.Expression(ix.site_years, rule=lambda m, s, y: hours[y] * (ix.pue_mean[s, y] * m.it_mw[s, y] + (
        fixed[s, y] * m.site_open[s, y] if (s, y) in fixed else 0)))
    # the hourly rows are row blocks (optimizer/model/rows.py): hundreds of thousands of them
    dispatch_balance(m, ix)
    dispatch_gen_upper(m, ix)
    dispatch_charge_upper(m, ix)
    dispatch_discharge_upper(m, ix)
    dispatch_soc_balance(m, ix)
    if linked:
        add_linked_storage(m, ix)
    else:
        dispatch_soc_upper(m, ix)


def _techs_at(ix: Index):
    """(s, y) -> (generating techs, storage techs) in service."""
    out = {(s, y): ([], []) for s, y in ix.site_years}
    for s, k, y in ix.tech_active:
        out[s, y][0 if ix.tech_kind[k] in GENERATING else 1].append(k)
    return out


def dispatch_balance(m, ix: Index) -> None:
    """Supply meets load in every slice:
    Σ_k gen_mw + import_mw + Σ_storage (discharge_mw − charge_mw) + unserved_mw
        − pue[s, h] · it_mw[s, y] − fixed_load_mw[s, y] · site_open[s, y] = 0."""
    keys = [(s, y, h) for s, y in ix.site_years for h in ix.slices_of[y]]
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
    block.term(m.it_mw, range(len(keys)), [(s, y) for s, y, h in keys], [-ix.pue[s, h] for s, y, h in keys])
    # fixed load in the years the campus is open: site_open[s, y] = Σ_{b ≤ y} site_build[s, b]
    fixed = [(i, (s, b), ix.inputs.fixed_load_mw[s, y]) for i, (s, y, h) in enumerate(keys)
             if (s, y) in ix.inputs.fixed_load_mw for b in ix.site_build_years[s] if b <= y]
    if fixed:
        block.term(m.site_build, [i for i, _, _ in fixed], [key for _, key, _ in fixed], [-mw for _, _, mw in fixed])


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
    """State of charge, cyclic within each period (representative day, or the whole year):
    soc_mwh[h] − soc_mwh[prev(h)] − Δt · √η · charge_mw[h] + Δt / √η · discharge_mw[h] = 0,
    η = round-trip efficiency. With linked days, soc_mwh is the change since the start of the day
    and the first slice of a day has no soc_mwh[prev(h)] term."""
    dt = ix.hours_per_slice
    keys = list(m.soc_mwh.keys())
    n = len(keys)
    eta = [math.sqrt(ix.K[k]["round_trip_efficiency"]) for s, k, y, h in keys]
    block = add_block(m, "dispatch_soc_balance", keys, lower=0.0, upper=0.0)
    block.term(m.soc_mwh, range(n), keys, 1.0)
    first = {ids[0] for ids in ix.period_slices.values()} if ix.calendar is not None else set()
    carried = [(i, (s, k, y, ix.slice_prev[h])) for i, (s, k, y, h) in enumerate(keys) if h not in first]
    block.term(m.soc_mwh, [i for i, _ in carried], [key for _, key in carried], -1.0)
    block.term(m.charge_mw, range(n), keys, [-dt * e for e in eta])
    block.term(m.discharge_mw, range(n), keys, [dt / e for e in eta])


def add_linked_storage(m, ix: Index) -> None:
    """Storage across days in calendar order (Kotzur et al., 2018). For each storage (s, k, y):

        soc_day_mwh[d]          stored energy at the start of calendar day d (d = 0 … 364, cyclic)
        soc_max_mwh[p], soc_min_mwh[p]   highest / lowest intra-day change in typical day p

    dispatch_soc_day_balance  soc_day[d + 1] − soc_day[d] − soc_mwh[p(d), last slice] = 0
    dispatch_soc_max_def      soc_mwh[h] − soc_max[p(h)] ≤ 0,   dispatch_soc_min_def  soc_mwh[h] − soc_min[p(h)] ≥ 0
    dispatch_soc_day_upper    soc_day[d] + soc_max[p(d)] − storage_hours · cap_mw ≤ 0
    dispatch_soc_day_lower    soc_day[d] + soc_min[p(d)] ≥ 0
    """
    stores = sorted({(s, k, y) for s, k, y, h in m.soc_mwh.keys()}, key=str)
    days = range(len(ix.calendar))
    periods = list(ix.period_slices)
    m.soc_day_mwh = pyo.Var([(*key, d) for key in stores for d in days], domain=pyo.NonNegativeReals)
    m.soc_max_mwh = pyo.Var([(*key, p) for key in stores for p in periods], domain=pyo.NonNegativeReals)
    m.soc_min_mwh = pyo.Var([(*key, p) for key in stores for p in periods], bounds=(None, 0))
    last = {p: ids[-1] for p, ids in ix.period_slices.items()}
    day_keys = [(*key, d) for key in stores for d in days]
    n = len(day_keys)
    balance = add_block(m, "dispatch_soc_day_balance", day_keys, lower=0.0, upper=0.0)
    balance.term(m.soc_day_mwh, range(n), [(s, k, y, (d + 1) % len(days)) for s, k, y, d in day_keys], 1.0)
    balance.term(m.soc_day_mwh, range(n), day_keys, -1.0)
    balance.term(m.soc_mwh, range(n), [(s, k, y, last[ix.calendar[d]]) for s, k, y, d in day_keys], -1.0)
    period_of = {h: p for p, ids in ix.period_slices.items() for h in ids}
    soc_keys = list(m.soc_mwh.keys())
    for name, var, bounds in (("dispatch_soc_max_def", m.soc_max_mwh, {"upper": 0.0}),
                              ("dispatch_soc_min_def", m.soc_min_mwh, {"lower": 0.0})):
        block = add_block(m, name, soc_keys, **bounds)
        block.term(m.soc_mwh, range(len(soc_keys)), soc_keys, 1.0)
        block.term(var, range(len(soc_keys)), [(s, k, y, period_of[h]) for s, k, y, h in soc_keys], -1.0)
    upper = add_block(m, "dispatch_soc_day_upper", day_keys, upper=0.0)
    upper.term(m.soc_day_mwh, range(n), day_keys, 1.0)
    upper.term(m.soc_max_mwh, range(n), [(s, k, y, ix.calendar[d]) for s, k, y, d in day_keys], 1.0)
    upper.term(m.cap_mw, range(n), [(s, k, y) for s, k, y, d in day_keys],
               [-ix.K[k]["storage_hours"] for s, k, y, d in day_keys])
    lower = add_block(m, "dispatch_soc_day_lower", day_keys, lower=0.0)
    lower.term(m.soc_day_mwh, range(n), day_keys, 1.0)
    lower.term(m.soc_min_mwh, range(n), [(s, k, y, ix.calendar[d]) for s, k, y, d in day_keys], 1.0)
