"""Costs in million USD: cash capex by year, and the annual cost by category that the objective
discounts.

Cash capex (paid in the year an asset comes online)
    sites  site_capex_usd[s] · site_build[s, y] + shell_capex_usd_per_kw[s] · 1000 · shell_new_mw[s, y]
    gpus   price_usd_per_unit[g] · gpu_new_units[s, g, y]
    power  capex_usd_per_kw[k] · 1000 · cap_added_mw[s, k, y]
    grid   grid_upgrade_usd_per_kw[s] · 1000 · grid_upgrade_mw[s, y]

Annual cost in year y (cost_musd[c, y])
    annuity_<asset>  Σ over assets in service in y of capex · crf(rate, life)  (only years inside the
                     horizon are counted, so a late build is not charged its whole price)
    fixed_om         Σ fom_usd_per_kw_year[k] · 1000 · cap_mw[s, k, y]
    fuel             Σ_h w_h · gen_mw · heat_rate[k] / 1000 · fuel_price[k]
    variable_om      Σ_h w_h · gen_mw · vom[k]
    grid_energy      Σ_h w_h · import_mw · grid_price[r(s)]
    carbon           carbon_price[y] · emissions_t[y]
    unserved         Σ_h w_h · unserved_mw · value_of_lost_load
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from optimizer.model.index import MUSD, Index, crf

CAPEX_CATEGORIES = ("sites", "gpus", "power", "grid")
COST_CATEGORIES = ("annuity_sites", "annuity_gpus", "annuity_power", "annuity_grid", "fixed_om", "fuel",
                   "variable_om", "grid_energy", "carbon", "unserved")


def capex_assets(m, ix: Index):
    """Every investment as (category, online year, life years, MUSD per unit of var, var)."""
    for s, y in m.site_build:
        row = ix.S[s]
        yield "sites", y, int(row["lifetime_years"]), row["site_capex_usd"] / MUSD, m.site_build[s, y]
        yield "sites", y, int(row["lifetime_years"]), row["shell_capex_usd_per_kw"] * 1e3 / MUSD, m.shell_new_mw[s, y]
    for s, g, y in m.gpu_new_units:
        p = ix.G[g]
        yield "gpus", y, int(p["lifetime_years"]), p["price_usd_per_unit"] / MUSD, m.gpu_new_units[s, g, y]
    for s, k, y in ix.tech_build:
        t = ix.K[k]
        yield "power", y, int(t["lifetime_years"]), t["capex_usd_per_kw"] * 1e3 / MUSD, m.cap_added_mw[s, k, y]
    for s, y in m.grid_upgrade_mw:
        yield "grid", y, int(ix.S[s]["lifetime_years"]), ix.S[s]["grid_upgrade_usd_per_kw"] * 1e3 / MUSD, \
            m.grid_upgrade_mw[s, y]


def add(m: pyo.ConcreteModel, ix: Index) -> None:
    """Declare capex_musd[category, y] (cash) and cost_musd[category, y] (annual, undiscounted)."""
    cash, annual = defaultdict(list), defaultdict(list)
    rate = ix.inputs.config.horizon.discount_rate
    for category, built, life, musd, var in capex_assets(m, ix):
        if musd == 0:
            continue
        cash[category, built].append(musd * var)
        yearly = musd * crf(rate, life)
        for y in ix.years:
            if built <= y < built + life:
                annual["annuity_" + category, y].append(yearly * var)
    for key, terms in _operating(m, ix).items():
        annual[key].extend(terms)
    m.capex_musd = pyo.Expression([(c, y) for c in CAPEX_CATEGORIES for y in ix.years],
                                  rule=lambda m, c, y: pyo.quicksum(cash.get((c, y), [])))
    m.cost_musd = pyo.Expression([(c, y) for c in COST_CATEGORIES for y in ix.years],
                                 rule=lambda m, c, y: pyo.quicksum(annual.get((c, y), [])))


def _operating(m, ix: Index) -> dict:
    out = defaultdict(list)
    w = ix.slice_weight_h
    for (s, k, y), var in m.cap_mw.items():
        if ix.K[k]["fom_usd_per_kw_year"]:
            out["fixed_om", y].append(ix.K[k]["fom_usd_per_kw_year"] * 1e3 / MUSD * var)
    for (s, k, y, h), var in m.gen_mw.items():
        t = ix.K[k]
        fuel = t["heat_rate_btu_per_kwh"] / 1e3 * t["fuel_price_usd_per_mmbtu"]
        if fuel:
            out["fuel", y].append(w[h] * fuel / MUSD * var)
        if t["vom_usd_per_mwh"]:
            out["variable_om", y].append(w[h] * t["vom_usd_per_mwh"] / MUSD * var)
    for (s, y, h), var in m.import_mw.items():
        out["grid_energy", y].append(w[h] * ix.R[ix.region_of[s]]["grid_price_usd_per_mwh"] / MUSD * var)
    voll = ix.inputs.config.reliability.value_of_lost_load_usd_per_mwh
    for (s, y, h), var in m.unserved_mw.items():
        out["unserved", y].append(w[h] * voll / MUSD * var)
    for y in ix.years:
        price = ix.inputs.carbon_price_usd_per_t[y]
        if price:
            out["carbon", y].append(price / MUSD * m.emissions_t[y])
    return out
