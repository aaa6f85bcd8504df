"""Objective: least net present cost, or most compute within the budgets.

    npv_cost_musd   = Σ_{c, y} discount[y] · cost_musd[c, y]
                      (asset categories through asset_cost_musd; the operating categories' per-slice
                      coefficients, discounted, are added to the objective vector at handoff)
                      discount[y]: the period's discount weight (Index.discount: Σ of yearly factors
                      over its length, from its start or midpoint)
    compute_measure = Σ_s site_h100e[s, last period] / 1000                 (final_year)
                    = Σ_{s, y} length_years[y] · site_h100e[s, y] / 1000    (h100e_years)

``objective_cost`` (minimise npv_cost_musd) is active for ``min_cost``. For ``max_compute`` the
solver maximises compute_measure first (``objective_compute``), then fixes it and minimises cost
(see :mod:`optimizer.solve`).
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.model.costs import ASSET_CATEGORIES
from optimizer.model.index import Index


def add(m: pyo.ConcreteModel, ix: Index) -> None:
    m.npv_cost_musd = pyo.Expression(expr=pyo.quicksum(
        ix.discount[y] * m.asset_cost_musd[c, y] for c in ASSET_CATEGORIES for y in ix.periods))
    measure = ix.inputs.config.objective.compute_measure
    years = [ix.periods[-1]] if measure == "final_year" else ix.periods
    weight = {y: 1.0 if measure == "final_year" else ix.length_years[y] for y in years}
    m.compute_measure = pyo.Expression(expr=pyo.quicksum(
        weight[y] * m.site_h100e[s, y] / 1e3 for s, y in ix.site_years if y in weight))
    m.objective_cost = pyo.Objective(expr=m.npv_cost_musd, sense=pyo.minimize)
    m.objective_compute = pyo.Objective(expr=m.compute_measure, sense=pyo.maximize)
    m.objective_compute.deactivate()
