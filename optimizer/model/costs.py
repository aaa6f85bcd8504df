"""Costs in million USD: cash capex by year, and the annual cost by category that the objective
discounts. Both are accounting variables defined by equality rows.

Cash capex, ``capex_musd[c, y]`` (paid in the year an asset comes online)
    sites  site_capex_usd[s] · site_build[s, y] + shell_capex_usd_per_kw[s] · 1000 · shell_new_mw[s, y]
    gpus   (price_usd_per_unit[g] + cluster_usd_per_gpu[g] · gpus_per_unit[g]) · gpu_new_units[s, g, y]
    power  capex_usd_per_kw[k] · 1000 · cap_added_mw[s, k, y]
    grid   grid_upgrade_usd_per_kw[s] · 1000 · grid_upgrade_mw[s, y]
    grid_line   line_usd_per_mw_km[r(s)] · line_distance_km[s] · grid_upgrade_mw[s, y]
    substation  substation_usd[s] · substation_build[s, y]

Annual cost in period y (a rate per year; the objective weighs it by the period's discount weight,
which includes its length), ``cost_musd[c, y]``. The asset categories (annuities, fixed O&M) are
variables defined by ``costs_annual_def`` rows; the operating categories (fuel, variable O&M, grid
energy, carbon, unserved) go straight into the objective vector and are evaluated from the solution
(see :mod:`optimizer.model.accounts`).
    annuity_<asset>  Σ over assets in service in y of capex · crf(rate, life)  (only years inside the
                     horizon are counted, so a late build is not charged its whole price)
    fixed_om         Σ fom_usd_per_kw_year[k] · 1000 · cap_mw[s, k, y]
    rental           Σ_{k rented} 12 · rental_usd_per_kw_month[k] · 1000 · cap_mw[s, k, y]   (bridge power's rent)
    fuel             Σ_h w_h · gen_mw · heat_rate[k] / 1000 · fuel_price[s, k, y]  (gas: hub price of the
                     year + regional basis + delivery, see Index.fuel_usd_per_mmbtu)
    variable_om      Σ_h w_h · gen_mw · vom[k]
    grid_energy      Σ_h w_h · import_mw · (grid_price[r(s), h] + grid_price_adder[r(s), y])  (hourly where
                     grid profiles are given; the adder from the prices table)
    demand_charge    12 · demand_charge_usd_per_kw_month[r(s)] · 1000 · grid_mw[s, y]
    grid_exit        exit_fee_usd_per_kw[r(s)] · 1000 · Σ_b grid_exit_mw[s, b, y] / L   (a one-off fee, spread over
                     the L years of the period of exit, so that it counts once)
    mobilisation     capex_usd_per_kw[k] · 1000 · rent_added_mw[s, k, y] / L   (rented techs: the one-off fee for
                     each MW brought to site, spread over the period like the exit fee)
    take_or_pay      grid_top_shortfall_gwh[s, y] · 1000 · (grid_price_usd_per_mwh[r(s)] + grid_price_adder[r(s), y])
    carbon           carbon_price[y] · emissions_t[y]
    unserved         Σ_h w_h · unserved_mw · value_of_lost_load
(all divided by 10⁶ for MUSD)
"""

from __future__ import annotations


import pyomo.environ as pyo

from optimizer.model.accounts import Account, Terms
from optimizer.model.compute import unit_usd
from optimizer.model.index import MUSD, Index, crf
from optimizer.model.power_capacity import is_lumpy
from optimizer.model.rows import add_block

CAPEX_CATEGORIES = ("sites", "gpus", "power", "grid", "grid_line", "substation")
ASSET_CATEGORIES = tuple("annuity_" + c for c in CAPEX_CATEGORIES) + ("fixed_om", "rental")
OPERATING_CATEGORIES = ("fuel", "variable_om", "grid_energy", "demand_charge", "take_or_pay", "grid_exit",
                        "mobilisation", "carbon", "unserved")
COST_CATEGORIES = ASSET_CATEGORIES + OPERATING_CATEGORIES


def capex_assets(m, ix: Index):
    """Every investment as (category, online year, life years, MUSD per unit of the variable, var, key)."""
    for s, y in m.site_build:
        row = ix.S[s]
        yield "sites", y, int(row["lifetime_years"]), row["site_capex_usd"] / MUSD, m.site_build, (s, y)
        yield "sites", y, int(row["lifetime_years"]), row["shell_capex_usd_per_kw"] * 1e3 / MUSD, m.shell_new_mw, (s, y)
    for s, g, y in m.gpu_new_units:
        p = ix.G[g]
        yield "gpus", y, int(p["lifetime_years"]), unit_usd(ix, g) / MUSD, m.gpu_new_units, (s, g, y)
    for s, k, y in ix.tech_build:
        t = ix.K[k]
        if t["rented"]:
            continue   # rented, not bought: rent and mobilisation fees are operating costs
        musd_per_mw = t["capex_usd_per_kw"] * 1e3 / MUSD
        if is_lumpy(ix, k):
            yield "power", y, int(t["lifetime_years"]), musd_per_mw * t["unit_mw"], m.cap_new_units, (s, k, y)
        else:
            yield "power", y, int(t["lifetime_years"]), musd_per_mw, m.cap_new_mw, (s, k, y)
    for s, y in m.grid_upgrade_mw:
        life = int(ix.S[s]["lifetime_years"])
        yield "grid", y, life, ix.S[s]["grid_upgrade_usd_per_kw"] * 1e3 / MUSD, m.grid_upgrade_mw, (s, y)
        line = ix.R[ix.region_of[s]]["line_usd_per_mw_km"] * ix.S[s]["line_distance_km"]
        if line > 0:
            yield "grid_line", y, life, line / MUSD, m.grid_upgrade_mw, (s, y)
    for s, y in m.substation_build:
        yield "substation", y, int(ix.S[s]["lifetime_years"]), ix.S[s]["substation_usd"] / MUSD, m.substation_build, (s, y)


class _Terms:
    """Collects (row, var component, key, coefficient) entries, then writes them into a block."""

    def __init__(self, rows: dict):
        self.rows = rows
        self.by_var: dict[int, tuple] = {}

    def add(self, row_key, var, key, coef: float) -> None:
        if coef:
            entry = self.by_var.setdefault(id(var), (var, [], [], []))
            entry[1].append(self.rows[row_key])
            entry[2].append(key)
            entry[3].append(-coef)

    def write(self, block) -> None:
        for var, rows, keys, coefs in self.by_var.values():
            block.term(var, rows, keys, coefs)


def add(m: pyo.ConcreteModel, ix: Index) -> None:
    cash_index = [(c, y) for c in CAPEX_CATEGORIES for y in ix.periods]
    asset_index = [(c, y) for c in ASSET_CATEGORIES for y in ix.periods]
    m.capex_musd = pyo.Var(cash_index, domain=pyo.NonNegativeReals)
    m.asset_cost_musd = pyo.Var(asset_index, domain=pyo.NonNegativeReals)
    costs_capex_def(m, ix, cash_index)
    costs_annual_def(m, ix, asset_index)
    operating = operating_terms(m, ix)
    m.objective_terms = {"objective_cost": [(var, keys, [ix.discount[y] * c for c in coefs])
                                            for (_, y), account in operating.items()
                                            for var, keys, coefs in account.items()]}

    def annual(key) -> float:
        if key[0] in ASSET_CATEGORIES:
            return m.asset_cost_musd[key].value or 0.0
        return operating[key].value()

    m.cost_musd = Account([(c, y) for c in COST_CATEGORIES for y in ix.periods], annual)


def costs_capex_def(m, ix: Index, index) -> None:
    """capex_musd[c, y] − Σ capex of assets of category c coming online in y = 0."""
    terms = _Terms({key: i for i, key in enumerate(index)})
    for category, built, _, musd, var, key in capex_assets(m, ix):
        terms.add((category, built), var, key, musd)
    block = add_block(m, "costs_capex_def", index, lower=0.0, upper=0.0)
    block.term(m.capex_musd, range(len(index)), index, 1.0)
    terms.write(block)


def costs_annual_def(m, ix: Index, index) -> None:
    """asset_cost_musd[c, y] − Σ annuities (or fixed O&M) of the assets in service in year y = 0."""
    terms = _Terms({key: i for i, key in enumerate(index)})
    rate = ix.inputs.config.horizon.discount_rate
    for category, built, life, musd, var, key in capex_assets(m, ix):
        yearly = musd * crf(rate, life)
        for y in ix.in_service(built, 12 * life):
            terms.add(("annuity_" + category, y), var, key, yearly)
    for (s, k, y) in m.cap_mw:
        terms.add(("fixed_om", y), m.cap_mw, (s, k, y), ix.K[k]["fom_usd_per_kw_year"] * 1e3 / MUSD)
        if ix.K[k]["rented"]:
            terms.add(("rental", y), m.cap_mw, (s, k, y), 12 * ix.K[k]["rental_usd_per_kw_month"] * 1e3 / MUSD)
    block = add_block(m, "costs_annual_def", index, lower=0.0, upper=0.0)
    block.term(m.asset_cost_musd, range(len(index)), index, 1.0)
    terms.write(block)


def operating_terms(m, ix: Index) -> dict[tuple[str, int], Terms]:
    """MUSD per year of fuel, variable O&M, grid energy, carbon and unserved load, as coefficient lists."""
    out = {(c, y): Terms() for c in OPERATING_CATEGORIES for y in ix.periods}
    w = ix.w
    fuel_usd_per_mwh = {}
    for (s, k, y, h) in m.gen_mw:
        t = ix.K[k]
        key = (s, k, y, h)
        if (s, k, y) not in fuel_usd_per_mwh:
            fuel_usd_per_mwh[s, k, y] = t["heat_rate_btu_per_kwh"] / 1e3 * ix.fuel_usd_per_mmbtu(s, k, y)
        out["fuel", y].add(m.gen_mw, key, w[y][h] * fuel_usd_per_mwh[s, k, y] / MUSD)
        out["variable_om", y].add(m.gen_mw, key, w[y][h] * t["vom_usd_per_mwh"] / MUSD)
    for (s, y, h) in m.import_mw:
        r = ix.region_of[s]
        out["grid_energy", y].add(m.import_mw, (s, y, h), w[y][h] * (ix.grid_price[r, h] + ix.grid_price_adder(r, y)) / MUSD)
    for (s, y) in m.grid_mw:
        charge = ix.R[ix.region_of[s]]["demand_charge_usd_per_kw_month"]
        if charge > 0:
            out["demand_charge", y].add(m.grid_mw, (s, y), 12 * charge * 1e3 / MUSD)
    for (s, b, y) in m.grid_exit_mw:   # a one-off fee: spread over the period's years (each year's cost ÷ L)
        out["grid_exit", y].add(m.grid_exit_mw, (s, b, y),
                                ix.R[ix.region_of[s]]["exit_fee_usd_per_kw"] * 1e3 / MUSD / ix.length_years[y])
    for (s, k, y) in m.rent_added_mw:   # bridge power's mobilisation fee: one-off, spread over the period
        out["mobilisation", y].add(m.rent_added_mw, (s, k, y), ix.K[k]["capex_usd_per_kw"] * 1e3 / MUSD / ix.length_years[y])
    for (s, y) in m.grid_top_shortfall_gwh:
        r = ix.region_of[s]
        out["take_or_pay", y].add(m.grid_top_shortfall_gwh, (s, y),
                                  1e3 * (ix.R[r]["grid_price_usd_per_mwh"] + ix.grid_price_adder(r, y)) / MUSD)
    voll = ix.inputs.config.reliability.value_of_lost_load_usd_per_mwh
    for (s, y, h) in m.unserved_mw:
        out["unserved", y].add(m.unserved_mw, (s, y, h), w[y][h] * voll / MUSD)
    for y in ix.periods:
        price = ix.inputs.carbon_price_usd_per_t[y]
        for var, keys, coefs in m.emission_terms[y].items():
            for key, t_per_unit in zip(keys, coefs):
                out["carbon", y].add(var, key, price * t_per_unit / MUSD)
    return out
