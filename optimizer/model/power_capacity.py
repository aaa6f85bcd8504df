"""Power capacity: what each site builds of each tech, when it comes online and how long it lasts.

Variables
    cap_new_mw[s, k, y] ≥ 0        MW of a continuous tech coming online at s in y
    cap_new_units[s, k, y] ∈ ℤ≥0   units of a lumpy tech (unit_mw[k] > 0) coming online at s in y
    cap_mw[s, k, y] ≥ 0            MW in service at s in y (storage: power; energy = MW × storage_hours)
    rent_added_mw[s, k, y] ≥ 0     bridge power (rented techs) brought to s for y: the rise of cap_mw over
                                   the period before, which pays the mobilisation fee

Rented techs are rented period by period: what comes "online" in y serves in y only, so cap_mw[s, k, y] =
cap_added_mw[s, k, y], and it can rise or fall from one period to the next.

Expressions
    cap_added_mw[s, k, y] = cap_new_mw[s, k, y]  or  unit_mw[k] · cap_new_units[s, k, y]

Bounds
    cap_mw[s, k, y] ≤ max_mw_per_site[k]
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.model.index import Index, finite


def is_lumpy(ix: Index, k: str) -> bool:
    return ix.K[k]["unit_mw"] > 0 and ix.inputs.config.solver.integer_power_units


def add(m: pyo.ConcreteModel, ix: Index) -> None:
    m.cap_new_mw = pyo.Var([b for b in ix.tech_build if not is_lumpy(ix, b[1])], domain=pyo.NonNegativeReals)
    m.cap_new_units = pyo.Var([b for b in ix.tech_build if is_lumpy(ix, b[1])], domain=pyo.NonNegativeIntegers)
    m.cap_added_mw = pyo.Expression(ix.tech_build, rule=lambda m, s, k, y: (
        ix.K[k]["unit_mw"] * m.cap_new_units[s, k, y] if is_lumpy(ix, k) else m.cap_new_mw[s, k, y]))
    m.cap_mw = pyo.Var(list(ix.tech_active), domain=pyo.NonNegativeReals,
                       bounds=lambda m, s, k, y: (0, cap_upper_mw(ix, s, k, permit=False)))
    m.rent_added_mw = pyo.Var([b for b in ix.tech_build if ix.K[b[1]]["rented"]], domain=pyo.NonNegativeReals)
    power_capacity_def(m, ix)
    power_rent_added_lower(m, ix)
    power_gas_permit_upper(m, ix)
    power_land_upper(m, ix)
    power_supply_upper(m, ix)
    power_fleet_upper(m, ix)


def cap_upper_mw(ix: Index, s: str, k: str, permit: bool = True) -> float | None:
    """A valid upper bound on cap_mw[s, k, ·] (None: none), also the big-M of N+1 links. The gas
    permit is left out of the variable's own bound (``permit=False``): it is a row of its own, whose
    dual prices the permit."""
    limits = [ix.K[k]["max_mw_per_site"]]
    kind = ix.K[k]["kind"]
    if ix.K[k]["fuel"] == "gas" and permit:
        limits.append(ix.S[s]["gas_permit_mw"])
    if kind == "solar":
        limits.append(ix.S[s]["solar_land_mw"])
    if kind == "wind":
        limits.append(ix.S[s]["wind_land_mw"])
    value = min(limits)
    return value if finite(value) else None


def power_capacity_def(m, ix: Index) -> None:
    """Capacity in service: cap_mw[s, k, y] = Σ_{b ≤ y < b + life[k]} cap_added_mw[s, k, b]."""
    m.power_capacity_def = pyo.Constraint(list(ix.tech_active), rule=lambda m, s, k, y: m.cap_mw[s, k, y] == (
        pyo.quicksum(m.cap_added_mw[s, k, b] for b in ix.tech_active[s, k, y])))


def power_rent_added_lower(m, ix: Index) -> None:
    """Bridge power brought to site: rent_added_mw[s, k, y] ≥ cap_mw[s, k, y] − cap_mw[s, k, y−1]
    (the previous period's term is left out in a site's first rental period)."""
    def rule(m, s, k, y):
        before = ix.previous(y)
        held = m.cap_mw[s, k, before] if before is not None and (s, k, before) in m.cap_mw else 0
        return m.rent_added_mw[s, k, y] - m.cap_mw[s, k, y] + held >= 0

    m.power_rent_added_lower = pyo.Constraint(m.rent_added_mw.index_set(), rule=rule)


def power_gas_permit_upper(m, ix: Index) -> None:
    """On-site gas within the permit: Σ_{k burns gas} cap_mw[s, k, y] ≤ gas_permit_mw[s]."""
    gas = {(s, y): [k for k in ix.techs if ix.K[k]["fuel"] == "gas" and (s, k, y) in ix.tech_active]
           for s, y in ix.site_years}
    rows = [key for key, techs in gas.items() if techs]
    m.power_gas_permit_upper = pyo.Constraint(rows, rule=lambda m, s, y: pyo.quicksum(
        m.cap_mw[s, k, y] for k in gas[s, y]) <= ix.S[s]["gas_permit_mw"])


def power_land_upper(m, ix: Index) -> None:
    """Land for solar and wind: Σ_{k of kind} cap_mw[s, k, y] ≤ land_mw[s, kind]."""
    rows, techs = [], {}
    for kind, column in (("solar", "solar_land_mw"), ("wind", "wind_land_mw")):
        for s, y in ix.site_years:
            ks = [k for k in ix.techs if ix.K[k]["kind"] == kind and (s, k, y) in ix.tech_active]
            if len(ks) > 1:
                rows.append((s, kind, y))
                techs[s, kind, y] = (ks, ix.S[s][column])
    m.power_land_upper = pyo.Constraint(rows, rule=lambda m, s, kind, y: pyo.quicksum(
        m.cap_mw[s, k, y] for k in techs[s, kind, y][0]) <= techs[s, kind, y][1])


def power_supply_upper(m, ix: Index) -> None:
    """The equipment supply chain: MW of a tech coming online in y, all sites together, within what
    this buyer can get: Σ_s cap_added_mw[s, k, y] ≤ supply_mw_per_year[k] · length_years[y]; for rented
    techs the MW brought to site, Σ_s rent_added_mw[s, k, y] (how fast the fleet can be mobilised)."""
    added = {k: m.rent_added_mw if ix.K[k]["rented"] else m.cap_added_mw for k in ix.techs}
    rows = [(k, y) for k in ix.techs for y in ix.periods if finite(ix.K[k]["supply_mw_per_year"])
            and any((s, k, y) in added[k] for s in ix.sites)]
    m.power_supply_upper = pyo.Constraint(rows, rule=lambda m, k, y: pyo.quicksum(
        added[k][s, k, y] for s in ix.sites if (s, k, y) in added[k])
        <= ix.K[k]["supply_mw_per_year"] * ix.length_years[y])


def power_fleet_upper(m, ix: Index) -> None:
    """A rental fleet: MW of a tech in service at once over all sites within its fleet:
    Σ_s cap_mw[s, k, y] ≤ fleet_mw[k]."""
    rows = [(k, y) for k in ix.techs for y in ix.periods if finite(ix.K[k]["fleet_mw"])
            and any((s, k, y) in m.cap_mw for s in ix.sites)]
    m.power_fleet_upper = pyo.Constraint(rows, rule=lambda m, k, y: pyo.quicksum(
        m.cap_mw[s, k, y] for s in ix.sites if (s, k, y) in m.cap_mw) <= ix.K[k]["fleet_mw"])
