"""Grid: each campus's interconnection, its upgrades and queue date, regional headroom, and the
contract a large load signs with its utility.

Variables
    grid_mw[s, y] ≥ 0               grid MW contracted at s in y (import capacity, counted in headroom,
                                    billed the region's demand charge)
    grid_upgrade_mw[s, y] ≥ 0       interconnection upgrade energised at s in y (not before the queue year)
    grid_contract_new_mw[s, y] ≥ 0  contract MW signed in y (at least the rise of grid_mw), held for the
                                    region's minimum term (only where the region has one)
    grid_exit_mw[s, b, y] ≥ 0       contract MW of vintage b ended in y inside its term, for the region's
                                    exit fee (only where the region sets one)
    grid_top_shortfall_gwh[s, y] ≥ 0  energy billed under take-or-pay but not taken (only where the
                                    region has a take-or-pay share)
    substation_build[s, y] ∈ {0, 1}   the campus's new substation comes online in y (only where the
                                    site has a substation cost and may upgrade)

Contract terms are columns of the regions table (``demand_charge_usd_per_kw_month``,
``take_or_pay_share``, ``contract_min_years``); the cost of reaching the grid grows with the site's
``line_distance_km`` at the region's ``line_usd_per_mw_km``, plus the site's ``substation_usd``.
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
    grid_energised_upper(m, ix)
    add_contracts(m, ix)
    add_substations(m, ix)


def add_contracts(m, ix: Index) -> None:
    """Minimum contract terms and take-or-pay, where a site's region has them."""
    term = [(s, y) for s, y in m.grid_mw if _region(ix, s)["contract_min_years"] > 0]
    m.grid_contract_new_mw = pyo.Var(term, domain=pyo.NonNegativeReals)
    exits = [(s, b, y) for s, b in term if finite(_region(ix, s)["exit_fee_usd_per_kw"])
             for y in ix.periods if b < y and (s, y) in m.grid_mw
             and ix.elapsed_years(b, y) < _region(ix, s)["contract_min_years"]]
    m.grid_exit_mw = pyo.Var(exits, domain=pyo.NonNegativeReals)
    grid_contract_new_lower(m, ix)
    grid_contract_term_lower(m, ix)
    grid_exit_upper(m, ix)
    top = [(s, y) for s, y in m.grid_mw if _region(ix, s)["take_or_pay_share"] > 0]
    m.grid_top_shortfall_gwh = pyo.Var(top, domain=pyo.NonNegativeReals)
    grid_take_or_pay_lower(m, ix)


def add_substations(m, ix: Index) -> None:
    """A new substation (a fixed cost) before the first interconnection upgrade, where the site has one."""
    sites = sorted({s for s, _ in ix.grid_upgrade if ix.S[s]["substation_usd"] > 0})
    m.substation_build = pyo.Var([(s, y) for s, y in ix.grid_upgrade if s in sites], domain=pyo.Binary)
    grid_substation_once_upper(m, ix, sites)
    grid_substation_upgrade_upper(m, ix)


def _region(ix: Index, s: str) -> dict:
    return ix.R[ix.region_of[s]]


def _previous(m, s: str, y: int, ix: Index):
    """grid_mw of the period before y (None in the first period or when the campus could not be open)."""
    before = ix.previous(y)
    return m.grid_mw[s, before] if before is not None and (s, before) in m.grid_mw else None


def grid_contract_new_lower(m, ix: Index) -> None:
    """A rise of the contract is a new contract: grid_contract_new_mw[s, y] ≥ grid_mw[s, y] − grid_mw[s, y−1]."""
    def rule(m, s, y):
        before = _previous(m, s, y, ix)
        return m.grid_contract_new_mw[s, y] - m.grid_mw[s, y] + (before if before is not None else 0) >= 0

    m.grid_contract_new_lower = pyo.Constraint(m.grid_contract_new_mw.index_set(), rule=rule)


def contract_vintages(ix: Index, m, s: str, y: int) -> list[int]:
    """Periods b ≤ y whose contracts are still inside the minimum term at y: elapsed years from b to y
    < contract_min_years."""
    term = _region(ix, s)["contract_min_years"]
    return [b for b in ix.periods if b <= y and ix.elapsed_years(b, y) < term and (s, b) in m.grid_contract_new_mw]


def _exits(m, ix: Index, s: str, b, until) -> list:
    """Exit variables of contract vintage b at s in periods up to ``until``."""
    return [m.grid_exit_mw[s, b, y] for y in ix.periods if b < y <= until and (s, b, y) in m.grid_exit_mw]


def grid_contract_term_lower(m, ix: Index) -> None:
    """Contracts are held for their minimum term unless ended for the exit fee:
    grid_mw[s, y] ≥ Σ_{b ≤ y, y − b < term} (grid_contract_new_mw[s, b] − Σ_{b < e ≤ y} grid_exit_mw[s, b, e])."""
    m.grid_contract_term_lower = pyo.Constraint(m.grid_contract_new_mw.index_set(), rule=lambda m, s, y: (
        m.grid_mw[s, y] - pyo.quicksum(m.grid_contract_new_mw[s, b] - pyo.quicksum(_exits(m, ix, s, b, y))
                                       for b in contract_vintages(ix, m, s, y)) >= 0))


def grid_exit_upper(m, ix: Index) -> None:
    """A contract is ended at most once: Σ_e grid_exit_mw[s, b, e] ≤ grid_contract_new_mw[s, b]."""
    vintages = sorted({(s, b) for s, b, _ in m.grid_exit_mw})
    m.grid_exit_upper = pyo.Constraint(vintages, rule=lambda m, s, b: pyo.quicksum(_exits(m, ix, s, b, ix.periods[-1]))
                                       - m.grid_contract_new_mw[s, b] <= 0)


def grid_take_or_pay_lower(m, ix: Index) -> None:
    """Take-or-pay: energy taken under the contract (grid energy and grid-delivered PPA energy, which
    share it, see grid_import_upper) is at least a share of the contract around the clock (rows in GWh):
    grid_top_shortfall_gwh[s, y] + Σ_h w_h · (import_mw[s, y, h] + Σ_{k ppa} gen_mw[s, k, y, h]) / 1000
        ≥ share[r] · hours · grid_mw[s, y] / 1000."""
    hours = {y: sum(ix.w[y].values()) for y in ix.periods}
    ppa = [k for k in ix.techs if ix.tech_kind[k] == "ppa"]

    def rule(m, s, y):
        w = ix.w[y]
        taken = pyo.quicksum(w[h] * m.import_mw[s, y, h] for h in ix.slices_of[y] if (s, y, h) in m.import_mw)
        taken += pyo.quicksum(w[h] * m.gen_mw[s, k, y, h] for k in ppa for h in ix.slices_of[y]
                              if (s, k, y, h) in m.gen_mw)
        share = _region(ix, s)["take_or_pay_share"]
        return m.grid_top_shortfall_gwh[s, y] + (taken - share * hours[y] * m.grid_mw[s, y]) / 1e3 >= 0

    m.grid_take_or_pay_lower = pyo.Constraint(m.grid_top_shortfall_gwh.index_set(), rule=rule)


def grid_substation_once_upper(m, ix: Index, sites: list[str]) -> None:
    """One substation per campus: Σ_y substation_build[s, y] ≤ 1."""
    years = {s: [y for t, y in m.substation_build if t == s] for s in sites}
    m.grid_substation_once_upper = pyo.Constraint(sites, rule=lambda m, s: pyo.quicksum(
        m.substation_build[s, y] for y in years[s]) <= 1)


def grid_substation_upgrade_upper(m, ix: Index) -> None:
    """Upgrades need the substation: grid_upgrade_mw[s, y] ≤ grid_upgrade_max_mw[s] · Σ_{b ≤ y} substation_build[s, b]."""
    keys = list(m.substation_build.keys())
    m.grid_substation_upgrade_upper = pyo.Constraint(keys, rule=lambda m, s, y: m.grid_upgrade_mw[s, y] - (
        ix.S[s]["grid_upgrade_max_mw"] * pyo.quicksum(m.substation_build[s, b] for t, b in keys if t == s and b <= y))
        <= 0)


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
    rows = [(r, y) for r in ix.regions for y in ix.periods if finite(ix.inputs.headroom_mw[r, y])
            and any((s, y) in m.grid_mw for s in ix.sites_in_region[r])]
    m.grid_headroom_upper = pyo.Constraint(rows, rule=lambda m, r, y: pyo.quicksum(
        m.grid_mw[s, y] for s in ix.sites_in_region[r] if (s, y) in m.grid_mw) <= ix.inputs.headroom_mw[r, y])


def grid_energised_upper(m, ix: Index) -> None:
    """What the utility has energised by each date (config ``grid.energised_mw``, a step path per site):
    grid_mw[s, y] ≤ energised_mw[s, y]."""
    energised = ix.inputs.energised_mw
    rows = [(s, y) for s, y in m.grid_mw if (s, y) in energised]
    m.grid_energised_upper = pyo.Constraint(rows, rule=lambda m, s, y: m.grid_mw[s, y] <= energised[s, y])
