"""Compute: GPU deployments, their IT load, supply caps and compute targets.

Variables
    gpu_new_units[s, g, y] ∈ ℤ≥0   units (servers or racks) of product g deployed at s in y
    it_mw[s, y] ≥ 0                 IT load of all GPUs in service at s in y

    compute_shortfall_kh100e[y] ≥ 0 thousands of h100e short of the target in y (only with
                                    objective.shortfall_usd_per_h100e_month: soft targets)
    target_reached[y] ∈ {0, 1}      objective.fastest_h100e is online in y (kind fastest only)
    gpu_idle_units[s, g, y] ≥ 0     committed units delivered but not yet powered (only for products with
                                    supply.committed_gpus, from their first committed period: without a
                                    commitment a GPU is bought when it can run)

Expressions
    gpu_units[s, g, y] = Σ_{b ∈ active(s,g,y)} gpu_new_units[s, g, b]   (in service: b ≤ y < b + life)
    gpu_powered[s, g, y] = gpu_units[s, g, y] − gpu_idle_units[s, g, y]   (running: IT load and compute)
    site_h100e[s, y]   = Σ_g gpu_powered[s, g, y] · gpus_per_unit[g] · h100e_per_gpu[g]
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.model.index import Index, finite

KILO = 1e3  # compute rows are written in thousands of h100e to keep coefficients near 1


def add(m: pyo.ConcreteModel, ix: Index) -> None:
    integer = ix.inputs.config.solver.integer_gpus
    m.gpu_new_units = pyo.Var(ix.gpu_build, domain=pyo.NonNegativeIntegers if integer else pyo.NonNegativeReals)
    m.it_mw = pyo.Var(ix.site_years, domain=pyo.NonNegativeReals)
    m.gpu_units = pyo.Expression(list(ix.gpu_active), rule=lambda m, s, g, y: pyo.quicksum(
        m.gpu_new_units[s, g, b] for b in ix.gpu_active[s, g, y]))
    committed = ix.inputs.committed_gpus
    m.gpu_idle_units = pyo.Var(_idle_keys(ix), domain=pyo.NonNegativeReals)
    m.gpu_powered = pyo.Expression(list(ix.gpu_active), rule=lambda m, s, g, y: m.gpu_units[s, g, y] - (
        m.gpu_idle_units[s, g, y] if (s, g, y) in m.gpu_idle_units else 0))
    m.site_h100e = pyo.Expression(ix.site_years, rule=lambda m, s, y: pyo.quicksum(
        m.gpu_powered[s, g, y] * h100e_per_unit(ix, g) for g in ix.gpus if (s, g, y) in ix.gpu_active))
    compute_it_def(m, ix)
    compute_shell_upper(m, ix)
    compute_water_upper(m, ix)
    compute_supply_upper(m, ix)
    compute_committed_lower(m, ix)
    compute_idle_upper(m, ix)
    objective = ix.inputs.config.objective
    soft = objective.shortfall_usd_per_h100e_month is not None
    m.compute_shortfall_kh100e = pyo.Var(sorted(ix.inputs.compute_target_h100e, key=ix.periods.index) if soft else [],
                                         domain=pyo.NonNegativeReals)
    compute_target_lower(m, ix)
    compute_cluster_lower(m, ix)
    m.target_reached = pyo.Var(ix.periods if objective.kind == "fastest" else [], domain=pyo.Binary)
    compute_reached_lower(m, ix)
    compute_reached_order(m, ix)


def h100e_per_unit(ix: Index, g: str) -> float:
    return ix.G[g]["gpus_per_unit"] * ix.G[g]["h100e_per_gpu"]


def unit_usd(ix: Index, g: str) -> float:
    """All-in price of one unit: price_usd_per_unit + cluster_usd_per_gpu · gpus_per_unit."""
    p = ix.G[g]
    return p["price_usd_per_unit"] + p["cluster_usd_per_gpu"] * p["gpus_per_unit"]


def unit_it_kw(ix: Index, g: str) -> float:
    """All-in IT power of one unit: it_kw_per_unit + cluster_it_kw_per_gpu · gpus_per_unit."""
    p = ix.G[g]
    return p["it_kw_per_unit"] + p["cluster_it_kw_per_gpu"] * p["gpus_per_unit"]


def compute_it_def(m, ix: Index) -> None:
    """IT load of the GPUs in service with their cluster share:
    it_mw[s, y] = Σ_g gpu_powered[s, g, y] · (it_kw_per_unit[g] + cluster_it_kw_per_gpu[g] · gpus_per_unit[g]) / 1000."""
    m.compute_it_def = pyo.Constraint(ix.site_years, rule=lambda m, s, y: m.it_mw[s, y] == pyo.quicksum(
        m.gpu_powered[s, g, y] * unit_it_kw(ix, g) / 1e3 for g in ix.gpus if (s, g, y) in ix.gpu_active))


def compute_shell_upper(m, ix: Index) -> None:
    """GPUs need data halls: it_mw[s, y] ≤ shell_mw[s, y]."""
    m.compute_shell_upper = pyo.Constraint(ix.site_years, rule=lambda m, s, y: m.it_mw[s, y] - m.shell_mw[s, y] <= 0)


LITRES_PER_GALLON = 3.785411784


def water_it_mw(ix: Index, s: str) -> float:
    """IT MW a site's water can cool: water_mgd · 10⁶ · 3.785 L / (24 h · 1000 kW/MW · WUE L/kWh)."""
    wue = ix.inputs.config.facility.water_l_per_kwh
    water = ix.S[s]["water_mgd"]
    if wue == 0 or not finite(water):
        return float("inf")
    return water * 1e6 * LITRES_PER_GALLON / (24 * 1e3 * wue)


def compute_water_upper(m, ix: Index) -> None:
    """Cooling water: it_mw[s, y] ≤ water_mgd[s] · 10⁶ · 3.785 / (24,000 · WUE), written only where it is
    tighter than the campus size max_it_mw[s]."""
    rows = [(s, y) for s, y in ix.site_years if water_it_mw(ix, s) < ix.S[s]["max_it_mw"]]
    m.compute_water_upper = pyo.Constraint(rows, rule=lambda m, s, y: m.it_mw[s, y] <= water_it_mw(ix, s))


def compute_supply_upper(m, ix: Index) -> None:
    """The GPU shortage: Σ_s gpu_new_units[s, g, y] · gpus_per_unit[g] ≤ supply[g, y] · length_years[y]
    (supply in GPUs per year; a month gets a twelfth)."""
    rows = [(g, y) for g in ix.gpus for y in ix.periods
            if finite(ix.inputs.supply_gpus_per_year[g, y]) and any((s, g, y) in m.gpu_new_units for s in ix.sites)]
    m.compute_supply_upper = pyo.Constraint(rows, rule=lambda m, g, y: pyo.quicksum(
        m.gpu_new_units[s, g, y] for s in ix.sites if (s, g, y) in m.gpu_new_units) * ix.G[g]["gpus_per_unit"] / KILO
        <= ix.inputs.supply_gpus_per_year[g, y] * ix.length_years[y] / KILO)


def compute_target_lower(m, ix: Index) -> None:
    """Compute target: Σ_s site_h100e[s, y] (+ compute_shortfall_kh100e[y] · 1000 when targets are soft)
    ≥ target_h100e[y] (rows in thousands of h100e)."""
    rows = sorted(ix.inputs.compute_target_h100e, key=ix.periods.index)

    def rule(m, y):
        held = [m.site_h100e[s, y] for s in ix.sites if (s, y) in m.site_h100e]
        if y in m.compute_shortfall_kh100e:
            return pyo.quicksum(held) / KILO + m.compute_shortfall_kh100e[y] >= ix.inputs.compute_target_h100e[y] / KILO
        if not held:   # nothing can be online that year (lead times, first years, every site forbidden):
            # a row without terms, kept with its level so that an explanation can say by how much
            return no_terms(m) >= ix.inputs.compute_target_h100e[y] / KILO
        return pyo.quicksum(held) / KILO >= ix.inputs.compute_target_h100e[y] / KILO

    m.compute_target_lower = pyo.Constraint(rows, rule=rule)


def no_terms(m):
    """A body of value 0 that Pyomo keeps as an expression (a plain 0 would make the row a
    Python bool): rows without any term are handed to HiGHS as empty rows, see
    :func:`optimizer.handoff.compile_model`."""
    if not hasattr(m, "zero_body"):
        m.zero_body = pyo.Param(initialize=0.0, mutable=True)
    return m.zero_body


def compute_cluster_lower(m, ix: Index) -> None:
    """Single-cluster target t: one campus (cluster_pick[t, s] = 1) holds at least N from year y on:
    site_h100e[s, y'] ≥ N · cluster_pick[t, s] for y' ≥ y, and Σ_s cluster_pick[t, s] = 1.
    With ``min_gpus`` the GPU count replaces h100e."""
    targets = list(enumerate(ix.inputs.config.targets.single_cluster))
    m.cluster_pick = pyo.Var([(t, s) for t, _ in targets for s in ix.sites], domain=pyo.Binary)
    m.compute_cluster_pick = pyo.Constraint([t for t, _ in targets], rule=lambda m, t: pyo.quicksum(
        m.cluster_pick[t, s] for s in ix.sites) == 1)
    first = {t: ix.period_at(c.year) for t, c in targets}
    rows = [(t, s, y) for t, c in targets for s in ix.sites for y in ix.periods
            if first[t] is not None and ix.P[y].start_month >= ix.P[first[t]].start_month]

    def rule(m, t, s, y):
        target = ix.inputs.config.targets.single_cluster[t]
        need = target.min_h100e if target.min_h100e is not None else target.min_gpus
        per_unit = (lambda g: h100e_per_unit(ix, g)) if target.min_h100e is not None else \
            (lambda g: ix.G[g]["gpus_per_unit"])
        held = pyo.quicksum(m.gpu_powered[s, g, y] * per_unit(g) for g in ix.gpus if (s, g, y) in ix.gpu_active)
        return held / KILO - need / KILO * m.cluster_pick[t, s] >= 0

    m.compute_cluster_lower = pyo.Constraint(rows, rule=rule)


def compute_reached_lower(m, ix: Index) -> None:
    """The fastest target is online where it counts as reached (kind fastest):
    Σ_s site_h100e[s, y] / 1000 − fastest_h100e / 1000 · target_reached[y] ≥ 0."""
    level = ix.inputs.config.objective.fastest_h100e

    def rule(m, y):
        held = pyo.quicksum(m.site_h100e[s, y] for s in ix.sites if (s, y) in m.site_h100e)
        return held / KILO - level / KILO * m.target_reached[y] >= 0

    m.compute_reached_lower = pyo.Constraint(list(m.target_reached.keys()), rule=rule)


def compute_reached_order(m, ix: Index) -> None:
    """Once reached, the target stays reached: target_reached[y] − target_reached[y−1] ≥ 0."""
    rows = [y for y in m.target_reached.keys() if ix.previous(y) is not None]
    m.compute_reached_order = pyo.Constraint(rows, rule=lambda m, y: (
        m.target_reached[y] - m.target_reached[ix.previous(y)] >= 0))


def compute_committed_lower(m, ix: Index) -> None:
    """Committed deliveries are taken: Σ_s gpu_new_units[s, g, y] · gpus_per_unit[g] ≥ committed[g, y]
    (rows in thousands of GPUs)."""
    committed = ix.inputs.committed_gpus

    def rule(m, g, y):
        taken = [m.gpu_new_units[s, g, y] for s in ix.sites if (s, g, y) in m.gpu_new_units]
        body = pyo.quicksum(taken) * ix.G[g]["gpus_per_unit"] / KILO if taken else no_terms(m)
        return body >= committed[g, y] / KILO

    m.compute_committed_lower = pyo.Constraint(sorted(committed, key=lambda k: (k[0], ix.periods.index(k[1]))),
                                               rule=rule)


def _idle_keys(ix: Index) -> list:
    """(s, g, y) where committed units of g can wait for power: from g's first committed period on."""
    committed = ix.inputs.committed_gpus
    first = {}
    for g, y in committed:
        if g not in first or ix.P[y].start_month < ix.P[first[g]].start_month:
            first[g] = y
    return [(s, g, y) for s, g, y in ix.gpu_active
            if g in first and ix.P[y].start_month >= ix.P[first[g]].start_month]


def _committed_in_service(ix: Index, s: str, g: str, y) -> list:
    """Periods b whose deliveries of g at s are in service in y and were committed (the units that may idle)."""
    return [b for b in ix.gpu_active[s, g, y] if (g, b) in ix.inputs.committed_gpus]


def compute_idle_upper(m, ix: Index) -> None:
    """Only committed deliveries wait for power, and a unit once powered stays powered:
    gpu_idle_units[s, g, y] − Σ_{b committed, in service} gpu_new_units[s, g, b] ≤ 0 and
    gpu_idle_units[s, g, y] − gpu_idle_units[s, g, y−1] − gpu_new_units[s, g, y] ≤ 0."""
    keys = list(m.gpu_idle_units.keys())

    def delivered(m, s, g, y):
        units = [m.gpu_new_units[s, g, b] for b in _committed_in_service(ix, s, g, y) if (s, g, b) in m.gpu_new_units]
        return m.gpu_idle_units[s, g, y] - pyo.quicksum(units) <= 0 if units else m.gpu_idle_units[s, g, y] <= 0

    def stays_powered(m, s, g, y):
        before = ix.previous(y)
        held = m.gpu_idle_units[s, g, before] if before is not None and (s, g, before) in m.gpu_idle_units else 0
        new = m.gpu_new_units[s, g, y] if (s, g, y) in m.gpu_new_units else 0
        return m.gpu_idle_units[s, g, y] - held - new <= 0

    m.compute_idle_upper = pyo.Constraint(keys, rule=delivered)
    m.compute_idle_order = pyo.Constraint(keys, rule=stays_powered)
