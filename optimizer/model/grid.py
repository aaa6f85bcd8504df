"""Grid: each campus's interconnection, its upgrades and queue date, and regional headroom.

Variables
    grid_mw[s, y] ≥ 0          grid MW contracted at s in y (import capacity, counted in headroom)
    grid_upgrade_mw[s, y] ≥ 0  interconnection upgrade energised at s in y (not before the queue year)
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.model.index import Index, finite
from optimizer.model.rows import add_block


def add(m: pyo.ConcreteModel, ix: Index) -> None:
    grid_sites = set(ix.grid_sites)
    m.grid_mw = pyo.Var([(s, y) for s, y in ix.site_years if s in grid_sites], domain=pyo.NonNegativeReals)
    m.grid_upgrade_mw = pyo.Var(ix.grid_upgrade, domain=pyo.NonNegativeReals)
    grid_connection_upper(m, ix)
    grid_open_upper(m, ix)
    grid_upgrade_total_upper(m, ix)
    grid_import_upper(m, ix)
    grid_headroom_upper(m, ix)


def _upgrade_years(ix: Index) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for s, y in ix.grid_upgrade:
        out.setdefault(s, []).append(y)
    return out


def grid_connection_upper(m, ix: Index) -> None:
    """Contract within the interconnection: grid_mw[s, y] ≤ grid_existing_mw[s] + Σ_{b ≤ y} grid_upgrade_mw[s, b]."""
    ups = _upgrade_years(ix)
    m.grid_connection_upper = pyo.Constraint(m.grid_mw.index_set(), rule=lambda m, s, y: m.grid_mw[s, y] - (
        pyo.quicksum(m.grid_upgrade_mw[s, b] for b in ups.get(s, []) if b <= y)) <= ix.S[s]["grid_existing_mw"])


def grid_open_upper(m, ix: Index) -> None:
    """Only an open campus draws on the grid: grid_mw[s, y] ≤ (existing + max upgrade) · site_open[s, y]."""
    m.grid_open_upper = pyo.Constraint(m.grid_mw.index_set(), rule=lambda m, s, y: m.grid_mw[s, y] - (
        ix.S[s]["grid_existing_mw"] + ix.S[s]["grid_upgrade_max_mw"]) * m.site_open[s, y] <= 0)


def grid_upgrade_total_upper(m, ix: Index) -> None:
    """Upgrades within what the utility can build: Σ_y grid_upgrade_mw[s, y] ≤ grid_upgrade_max_mw[s]."""
    ups = _upgrade_years(ix)
    m.grid_upgrade_total_upper = pyo.Constraint(list(ups), rule=lambda m, s: pyo.quicksum(
        m.grid_upgrade_mw[s, y] for y in ups[s]) <= ix.S[s]["grid_upgrade_max_mw"])


def grid_import_upper(m, ix: Index) -> None:
    """Grid energy and grid-delivered PPA energy within the contract:
    import_mw[s, y, h] + Σ_{k ppa} gen_mw[s, k, y, h] − grid_mw[s, y] ≤ 0."""
    keys = list(m.import_mw.keys())
    row = {key: i for i, key in enumerate(keys)}
    block = add_block(m, "grid_import_upper", keys, upper=0.0)
    block.term(m.import_mw, range(len(keys)), keys, 1.0)
    ppa = [key for key in m.gen_mw.keys() if ix.tech_kind[key[1]] == "ppa"]
    block.term(m.gen_mw, [row[s, y, h] for s, k, y, h in ppa], ppa, 1.0)
    block.term(m.grid_mw, range(len(keys)), [(s, y) for s, y, h in keys], -1.0)


def grid_headroom_upper(m, ix: Index) -> None:
    """Regional headroom for new large loads: Σ_{s ∈ r} grid_mw[s, y] ≤ headroom_mw[r, y]."""
    rows = [(r, y) for r in ix.regions for y in ix.years if finite(ix.inputs.headroom_mw[r, y])
            and any((s, y) in m.grid_mw for s in ix.sites_in_region[r])]
    m.grid_headroom_upper = pyo.Constraint(rows, rule=lambda m, r, y: pyo.quicksum(
        m.grid_mw[s, y] for s in ix.sites_in_region[r] if (s, y) in m.grid_mw) <= ix.inputs.headroom_mw[r, y])
