"""Budget: cash capex within each year's budget and within the total budget.

    capex_total_musd[y] = Σ_c capex_musd[c, y]       (see :mod:`optimizer.model.costs`)
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.model.costs import CAPEX_CATEGORIES
from optimizer.model.index import MUSD, Index, finite


def add(m: pyo.ConcreteModel, ix: Index) -> None:
    m.capex_total_musd = pyo.Expression(ix.periods, rule=lambda m, y: pyo.quicksum(
        m.capex_musd[c, y] for c in CAPEX_CATEGORIES))
    budget_capex_upper(m, ix)
    budget_total_upper(m, ix)


def budget_capex_upper(m, ix: Index) -> None:
    """Cash capex per calendar year within its budget (rows keyed by the year's first period g; see
    Index.year_groups): Σ_{y ∈ g} capex_total_musd[y] ≤ budget_usd_per_year[g] · years[g] / 10⁶, where
    years[g] is the length of a whole-year period and 1 for the months and quarters of one year."""
    groups = ix.year_groups
    rows = [g for g in groups if finite(ix.inputs.budget_usd_per_year[g])]
    m.budget_capex_upper = pyo.Constraint(rows, rule=lambda m, g: (
        pyo.quicksum(m.capex_total_musd[y] for y in groups[g][0])
        <= ix.inputs.budget_usd_per_year[g] * groups[g][1] / MUSD))


def budget_total_upper(m, ix: Index) -> None:
    """Cash capex over the horizon within the total budget: Σ_y capex_total_musd[y] ≤ capex_usd_total / 10⁶."""
    total = ix.inputs.config.budget.capex_usd_total
    m.budget_total_upper = pyo.Constraint([0] if total else [], rule=lambda m, _: (
        pyo.quicksum(m.capex_total_musd[y] for y in ix.periods) <= total / MUSD))
