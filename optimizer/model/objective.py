"""Objective: least net present cost, or most compute within the budgets.

    npv_cost_musd   = Σ_{c, y} discount[y] · cost_musd[c, y]
                      (asset categories through asset_cost_musd; the operating categories' per-slice
                      coefficients, discounted, are added to the objective vector at handoff)
                      discount[y]: the period's discount weight (Index.discount: Σ of yearly factors
                      over its length, from its start or midpoint)
    compute_measure = Σ_s site_h100e[s, last period] / 1000                 (final_year)
                    = Σ_{s, y} length_years[y] · site_h100e[s, y] / 1000    (h100e_years)
                    = Σ_{s, y} 12 · length_years[y] · site_h100e[s, y] / 1000   (h100e_months)
                    = Σ_y 12 · length_years[y] · target_reached[y]          (kind fastest: months at the target)

The value of time (min_cost), in MUSD:
    compute_value_musd = value_usd_per_h100e_month · Σ_{s, y} 12 · discount[y] · site_h100e[s, y] / 10⁶
    shortfall_musd     = shortfall_usd_per_h100e_month · Σ_y 12 · discount[y] · 1000 · compute_shortfall_kh100e[y] / 10⁶
    objective_cost     = npv_cost_musd + shortfall_musd − compute_value_musd
(12 · discount[y] is period y's months, discounted: its discount weight counts years.)

``objective_cost`` (minimise npv_cost_musd) is active for ``min_cost``. For ``max_compute`` the
solver maximises compute_measure first (``objective_compute``), then fixes it and minimises cost
(see :mod:`optimizer.solve`).
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.model.costs import ASSET_CATEGORIES
from optimizer.model.index import MUSD, Index


def add(m: pyo.ConcreteModel, ix: Index) -> None:
    m.npv_cost_musd = pyo.Expression(expr=pyo.quicksum(
        ix.discount[y] * m.asset_cost_musd[c, y] for c in ASSET_CATEGORIES for y in ix.periods))
    objective = ix.inputs.config.objective
    measure = objective.compute_measure
    years = [ix.periods[-1]] if measure == "final_year" else ix.periods
    per_year = {"final_year": 0.0, "h100e_years": 1.0, "h100e_months": 12.0}[measure]
    weight = {y: 1.0 if measure == "final_year" else per_year * ix.length_years[y] for y in years}
    if objective.kind == "fastest":
        m.compute_measure = pyo.Expression(expr=pyo.quicksum(
            12 * ix.length_years[y] * m.target_reached[y] for y in m.target_reached.keys()))
    else:
        m.compute_measure = pyo.Expression(expr=pyo.quicksum(
            weight[y] * m.site_h100e[s, y] / 1e3 for s, y in ix.site_years if y in weight))
    value = objective.value_usd_per_h100e_month or 0.0
    m.compute_value_musd = pyo.Expression(expr=pyo.quicksum(
        value * 12 * ix.discount[y] * m.site_h100e[s, y] / MUSD for s, y in ix.site_years) if value else 0.0)
    penalty = objective.shortfall_usd_per_h100e_month or 0.0
    m.shortfall_musd = pyo.Expression(expr=pyo.quicksum(
        penalty * 12 * ix.discount[y] * 1e3 * m.compute_shortfall_kh100e[y] / MUSD
        for y in m.compute_shortfall_kh100e.keys()))
    m.objective_cost = pyo.Objective(expr=m.npv_cost_musd + m.shortfall_musd - m.compute_value_musd,
                                     sense=pyo.minimize)
    m.objective_compute = pyo.Objective(expr=m.compute_measure, sense=pyo.maximize)
    m.objective_compute.deactivate()
