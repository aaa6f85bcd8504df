"""Build the siting MILP from :class:`Inputs`. Reads as the list of constraint families."""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.inputs.load import Inputs
from optimizer.model import (budget, compute, costs, dispatch, emissions, grid, objective, power_capacity,
                             reliability, sites, user_constraints)
from optimizer.model.index import build_index



def build_model(inputs: Inputs, relax_timing: bool = False, order_alike: bool = True) -> pyo.ConcreteModel:
    """The Pyomo model; ``model.ix`` keeps the index it was built from. ``relax_timing``: see
    :func:`optimizer.model.index.build_index` (used by the elastic model only). ``order_alike``: the
    order rows of interchangeable campuses (:func:`optimizer.model.sites.sites_order_lower`); off where
    one model is one member of several that share decisions (stochastic futures: campuses alike in one
    future need not be alike in another), and for near-optimal alternatives (their searches weigh
    alike campuses apart, and a plan on the second of two alike campuses is an alternative)."""
    ix = build_index(inputs, relax_timing)
    m = pyo.ConcreteModel(name=inputs.config.name or "siting")
    m.ix = ix
    m.row_blocks = {}             # large hourly families as coefficient arrays (model/rows.py)
    sites.add(m, ix, order_alike) # campuses and data halls
    compute.add(m, ix)            # GPUs, IT load, supply caps, compute targets
    power_capacity.add(m, ix)     # MW by tech: lead times, lifetimes, units, permits, land
    dispatch.add(m, ix)           # hourly balance, storage
    grid.add(m, ix)               # interconnection, upgrades, regional headroom
    reliability.add(m, ix)        # firm capacity, reserve margin, N+1
    emissions.add(m, ix)          # tCO2, cap, clean share
    costs.add(m, ix)              # cash capex and annual costs by category
    budget.add(m, ix)             # capex per year and in total
    user_constraints.add(m, ix)   # planner-written constraints
    objective.add(m, ix)          # least cost, or most compute
    return m
