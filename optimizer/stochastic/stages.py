"""Which columns are first-stage decisions, and a first-stage plan fixed in a scenario's model.

A decision is first stage when it is an investment (a campus, a shell, GPUs, MW or units of a tech,
rented MW, the grid contract and its exits, an interconnection upgrade, a substation) for a period
that starts before ``first_stage_until``. Everything else (later investments, operation, costs) is
recourse: chosen per scenario. A decision is named by its variable and index, e.g.
``("cap_new_units", ("memphis", "gas_recip", 2025))``, so that the same decision is found in every
scenario's model although their columns differ (a scenario with a longer lead time has no column for
an early build: there the shared plan must leave it at 0).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from optimizer.handoff import StandardForm

# investment variables (all indexed with the period they come online or take effect in, last)
FIRST_STAGE = ("site_build", "shell_new_mw", "gpu_new_units", "cap_new_mw", "cap_new_units", "rent_added_mw",
               "grid_mw", "grid_contract_new_mw", "grid_exit_mw", "grid_upgrade_mw", "substation_build")
Key = tuple[str, Any]
TOLERANCE = 1e-6


def start_month(period) -> int:
    """The month ordinal a period key starts in (a year key: its January)."""
    return int(getattr(period, "start_month", None) if hasattr(period, "start_month") else int(period) * 12)


def decisions(form: StandardForm, until_month: int) -> dict[Key, int]:
    """First-stage decisions of a compiled scenario model: {(variable, index): column}."""
    out: dict[Key, int] = {}
    for j, var in enumerate(form.columns):
        name = var.parent_component().name
        if name in FIRST_STAGE:
            index = var.index()
            period = index[-1] if isinstance(index, tuple) else index
            if start_month(period) < until_month:
                out[(name, index)] = j
    return out


def plan_of(x: np.ndarray, stage: dict[Key, int]) -> dict[Key, float]:
    """The first-stage plan in a solution vector: {decision: value}."""
    return {key: float(x[j]) for key, j in stage.items()}


def fixed(form: StandardForm, stage: dict[Key, int], plan: dict[Key, float]) -> tuple[StandardForm | None, list[Key]]:
    """``form`` with every first-stage decision held at the plan's value (a decision the plan does not
    make: 0). Returns (form, []) or (None, the plan's decisions this scenario cannot take: no column for
    a non-zero value, or a value outside the column's bounds here)."""
    lower, upper = form.col_lower.copy(), form.col_upper.copy()
    bad = [key for key, v in plan.items() if key not in stage and abs(v) > TOLERANCE]
    for key, j in stage.items():
        v = plan.get(key, 0.0)
        if form.integer[j]:
            v = float(np.round(v))
        if v < lower[j] - TOLERANCE * max(1.0, abs(v)) or v > upper[j] + TOLERANCE * max(1.0, abs(v)):
            bad.append(key)
        lower[j] = upper[j] = min(max(v, lower[j]), upper[j])
    if bad:
        return None, bad
    return dataclasses.replace(form, col_lower=lower, col_upper=upper), []


def same_plan(a: dict[Key, float], b: dict[Key, float], tol: float = 1e-5) -> bool:
    keys = set(a) | set(b)
    return all(abs(a.get(k, 0.0) - b.get(k, 0.0)) <= tol * max(1.0, abs(a.get(k, 0.0))) for k in keys)


def describe(key: Key) -> dict:
    """A decision in planner words: decision, site, item (tech, GPU), period."""
    name, index = key
    index = index if isinstance(index, tuple) else (index,)
    what = {"site_build": ("campus built", "", ""), "shell_new_mw": ("data-hall shell", "", "MW"),
            "gpu_new_units": ("GPUs bought", "gpu", "units"), "cap_new_mw": ("power built", "tech", "MW"),
            "cap_new_units": ("power units built", "tech", "units"), "rent_added_mw": ("power rented", "tech", "MW"),
            "grid_mw": ("grid contract", "", "MW"), "grid_contract_new_mw": ("new grid contract", "", "MW"),
            "grid_exit_mw": ("grid contract exit", "", "MW"), "grid_upgrade_mw": ("grid upgrade", "", "MW"),
            "substation_build": ("substation built", "", "")}[name]
    item = str(index[1]) if what[1] and len(index) > 2 else ""
    return {"decision": what[0], "site": str(index[0]), "item": item, "period": str(index[-1]), "unit": what[2]}
