"""Rows of the model in the planner's words: what limit a row is, its unit, its level, and how
many planner units one unit of the row is (``per_row_unit``): a row's slack times it is the
relaxation in planner units, and its dual (million USD of net present cost per row unit) divided
by it, times 10⁶, is USD per planner unit.

Row units (see docs/formulation.md): compute rows are in thousands of h100e or GPUs, money rows
in million USD, emissions in kt, clean energy in GWh, power in MW.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.model.compute import KILO, water_it_mw
from optimizer.model.index import MUSD, Index


@dataclass(frozen=True)
class Limit:
    """One planner-set limit behind a model row."""

    family: str        # targets, supply, grid, budget, permits, emissions, water, campus, user
    what: str          # e.g. "ERCOT grid headroom in 2028"
    unit: str          # the planner unit one more of which the value is quoted for, e.g. "MW"
    per_row_unit: float       # planner units in one unit of the row (e.g. 1,000 h100e per row unit)
    level: float | None       # the limit's value in planner units (None: not a single number)
    relax_up: bool            # True: relaxing raises the limit (caps); False: lowers it (targets, floors)

    @property
    def usd_per_row_unit(self) -> float:
        """× dual (MUSD per row unit) → USD per planner unit."""
        return MUSD / self.per_row_unit


def site_name(ix: Index, s: str) -> str:
    return str(ix.S[s]["name"]) if s in ix.S and ix.S[s].get("name") else s


def describe(ix: Index, name: str, index) -> Limit | None:
    """The planner's limit behind row ``name[index]``, or None for rows that are definitions."""
    rule = RULES.get(name)
    if rule is not None:
        return rule(ix, *(index if isinstance(index, tuple) else (index,)))
    if name.startswith("user_"):
        return _user(ix, name, index)
    return None


def _target(ix, y):
    return Limit("targets", f"compute target {y}", "h100e", KILO, ix.inputs.compute_target_h100e[y], False)


def _supply(ix, g, y):
    return Limit("supply", f"{g} GPU supply in {y}", "GPU", KILO,
                 ix.inputs.supply_gpus_per_year[g, y] * ix.length_years[y], True)


def _committed(ix, g, y):
    return Limit("targets", f"{g} GPUs committed for {y}", "GPU", KILO, ix.inputs.committed_gpus[g, y], False)


def _cluster(ix, t, s, y):
    target = ix.inputs.config.targets.single_cluster[t]
    unit = "h100e" if target.min_h100e is not None else "GPU"
    need = target.min_h100e if target.min_h100e is not None else target.min_gpus
    return Limit("targets", f"single-cluster target #{t + 1} at {site_name(ix, s)} in {y}", unit, KILO, need, False)


def _water(ix, s, y):
    water = ix.S[s]["water_mgd"]
    return Limit("water", f"cooling water at {site_name(ix, s)} in {y}", "million gallons/day",
                 water / water_it_mw(ix, s), water, True)


def _campus(ix, s, y):
    return Limit("campus", f"campus size at {site_name(ix, s)} in {y}", "MW of IT", 1.0, ix.S[s]["max_it_mw"], True)


def _headroom(ix, r, y):
    return Limit("grid", f"{r} grid headroom in {y}", "MW", 1.0, ix.inputs.headroom_mw[r, y], True)


def _connection(ix, s, y):
    return Limit("grid", f"grid connection at {site_name(ix, s)} in {y}", "MW", 1.0,
                 ix.S[s]["grid_existing_mw"] + ix.S[s]["grid_upgrade_max_mw"], True)


def _energised(ix, s, y):
    return Limit("grid", f"grid energised at {site_name(ix, s)} by {y}", "MW", 1.0,
                 ix.inputs.energised_mw[s, y], True)


def _upgrade(ix, s):
    return Limit("grid", f"largest grid upgrade at {site_name(ix, s)}", "MW", 1.0, ix.S[s]["grid_upgrade_max_mw"], True)


def _permit(ix, s, y):
    return Limit("permits", f"gas permit at {site_name(ix, s)} in {y}", "MW", 1.0, ix.S[s]["gas_permit_mw"], True)


def _equipment(ix, k, y):
    name = ix.K[k].get("name") or k
    return Limit("supply", f"{name} equipment supply in {y}", "MW", 1.0,
                 ix.K[k]["supply_mw_per_year"] * ix.length_years[y], True)


def _fleet(ix, k, y):
    name = ix.K[k].get("name") or k
    return Limit("supply", f"{name} fleet in {y}", "MW", 1.0, ix.K[k]["fleet_mw"], True)


def _contract_term(ix, s, y):
    years = ix.R[ix.region_of[s]]["contract_min_years"]
    return Limit("grid", f"{years}-year grid contract term at {site_name(ix, s)} in {y}", "MW", 1.0, None, False)


def _land(ix, s, kind, y):
    return Limit("permits", f"{kind} land at {site_name(ix, s)} in {y}", "MW", 1.0, ix.S[s][f"{kind}_land_mw"], True)


def _budget(ix, y):
    return Limit("budget", f"capex budget {ix.year_of(y)}", "USD", MUSD,
                 ix.inputs.budget_usd_per_year[y] * ix.year_groups[y][1], True)


def _budget_total(ix, _):
    return Limit("budget", "total capex budget", "USD", MUSD, ix.inputs.config.budget.capex_usd_total, True)


def _carbon(ix, y):
    return Limit("emissions", f"carbon cap {ix.year_of(y)}", "tCO2", KILO, ix.inputs.carbon_cap_t[y], True)


def _clean(ix, y):
    return Limit("emissions", f"clean-energy share {ix.year_of(y)} (at least {ix.inputs.min_clean_share[y]:.0%})",
                 "MWh of clean energy", KILO, None, False)


RULES = {
    "compute_target_lower": _target, "compute_supply_upper": _supply, "compute_committed_lower": _committed, "compute_cluster_lower": _cluster,
    "compute_water_upper": _water, "sites_shell_upper": _campus, "grid_headroom_upper": _headroom,
    "grid_connection_upper": _connection, "grid_upgrade_total_upper": _upgrade, "grid_energised_upper": _energised,
    "power_gas_permit_upper": _permit, "power_supply_upper": _equipment, "power_fleet_upper": _fleet,
    "grid_contract_term_lower": _contract_term, "power_land_upper": _land, "budget_capex_upper": _budget,
    "budget_total_upper": _budget_total, "emissions_cap_upper": _carbon, "emissions_clean_share_lower": _clean,
}
# Not listed: definitions, dispatch and reliability rows. Their duals are often degenerate (a
# reserve margin and an energy balance that bind together share one value between them).

# user rows: kind -> (unit, planner units per row unit)
USER_UNITS = {"tech_capacity": ("MW", 1.0), "gpu_count": ("GPU", KILO), "site_count": ("site", 1.0),
              "max_share": ("MWh", KILO), "clean_share": ("MWh of clean energy", KILO),
              "force_site": ("forced site", 1.0)}


def _user(ix, name: str, index) -> Limit | None:
    i, year = index if isinstance(index, tuple) else (index, None)
    entries = ix.inputs.config.constraints
    if not isinstance(i, int) or i >= len(entries):
        return None
    entry = entries[i]
    unit, factor = USER_UNITS.get(entry.kind, ("unit", 1.0))
    when = f" in {year}" if year is not None else ""
    upper = name.endswith("_upper")
    level = _user_level(entry, upper)
    return Limit("user", f"{entry.label(i)}{when}", unit, factor, level, upper)


def _user_level(entry, upper: bool) -> float | None:
    """The entry's bound in the row's unit (shares are not: None)."""
    for field in (("max_mw", "max_gpus", "max") if upper else ("min_mw", "min_gpus", "min")):
        value = getattr(entry, field, None)
        if value is not None:
            return float(value)
    return None


# Rows that are not planner limits, described for conflict lists (IIS): name -> template over the index.
ROW_TEXT = {
    "sites_build_once_upper": "{site} is built at most once",
    "sites_order_lower": "{site} is open by {y} if the next campus like it is (alike campuses open in table order)",
    "compute_it_def": "IT load of the GPUs at {site} in {y}",
    "compute_shell_upper": "data-hall space for the GPUs at {site} in {y}",
    "compute_cluster_pick": "one campus holds single-cluster target #{t}",
    "power_capacity_def": "{k} MW in service at {site} in {y}",
    "dispatch_balance": "energy balance at {site} in {y}, slice {h}",
    "dispatch_gen_upper": "{k} output within its capacity at {site} in {y}, slice {h}",
    "dispatch_charge_upper": "{k} charging within its power at {site} in {y}, slice {h}",
    "dispatch_discharge_upper": "{k} discharging within its power at {site} in {y}, slice {h}",
    "dispatch_soc_upper": "{k} state of charge within its energy at {site} in {y}, slice {h}",
    "dispatch_soc_balance": "{k} state of charge carried over at {site} in {y}, slice {h}",
    "dispatch_soc_day_balance": "{k} stored energy carried from day {d} to the next at {site} in {y}",
    "dispatch_soc_max_def": "{k} highest stored energy of typical day at {site} in {y}, slice {h}",
    "dispatch_soc_min_def": "{k} lowest stored energy of typical day at {site} in {y}, slice {h}",
    "dispatch_soc_day_upper": "{k} stored energy within its energy on day {d} at {site} in {y}",
    "dispatch_soc_day_lower": "{k} stored energy above zero on day {d} at {site} in {y}",
    "grid_open_upper": "grid use only at an open campus: {site} in {y}",
    "grid_import_upper": "grid energy within the contract at {site} in {y}, slice {h}",
    "grid_contract_new_lower": "a rise of the grid contract at {site} in {y} is a new contract",
    "grid_take_or_pay_lower": "take-or-pay energy of the grid contract at {site} in {y}",
    "grid_substation_once_upper": "one new substation at {site}",
    "grid_exit_upper": "the grid contract signed at {site} in {y} is ended at most once",
    "grid_substation_upgrade_upper": "a grid upgrade at {site} in {y} needs its substation",
    "reliability_firm_lower": "firm capacity with the reserve margin at {site} in {y}",
    "reliability_n1_lower": "N+1 on {k} at {site} in {y}",
    "reliability_n1_link": "{k} in service counts for N+1 at {site} in {y}",
    "reliability_curtailment_power_lower": "storage power rides through the utility's curtailment at {site} in {y}",
    "reliability_curtailment_energy_lower": "storage energy lasts the utility's curtailment at {site} in {y}",
    "power_rent_added_lower": "{k} brought to {site} for {y} pays its mobilisation",
    "compute_idle_upper": "idle {g} units at {site} in {y} are committed deliveries",
    "compute_idle_order": "{g} units at {site} powered by {y} stay powered",
    "compute_reached_lower": "the fastest target counts as reached in {y} only with the compute online",
    "compute_reached_order": "the fastest target, once reached by {y}, stays reached",
    "costs_capex_def": "capex of {c} in {y}",
    "costs_annual_def": "annual cost of {c} in {y}",
    "emissions_def": "emissions in {y}",
    "objective_compute_floor": "compute held at its maximum while cost is minimised",
    "emissions_clean_def": "clean energy in {y}",
    "alternative_cost_upper": "net present cost within the alternatives' slack of the least cost",
    "stochastic_cvar_excess": "a future's cost above the CVaR threshold",
}
INDEX_FIELDS = {
    "sites_build_once_upper": ("s",), "sites_order_lower": ("s", "y"),
    "compute_it_def": ("s", "y"), "compute_shell_upper": ("s", "y"),
    "compute_cluster_pick": ("t",), "power_capacity_def": ("s", "k", "y"), "dispatch_balance": ("s", "y", "h"),
    "dispatch_gen_upper": ("s", "k", "y", "h"), "dispatch_charge_upper": ("s", "k", "y", "h"),
    "dispatch_discharge_upper": ("s", "k", "y", "h"), "dispatch_soc_upper": ("s", "k", "y", "h"),
    "dispatch_soc_balance": ("s", "k", "y", "h"), "dispatch_soc_day_balance": ("s", "k", "y", "d"),
    "dispatch_soc_max_def": ("s", "k", "y", "h"), "dispatch_soc_min_def": ("s", "k", "y", "h"),
    "dispatch_soc_day_upper": ("s", "k", "y", "d"), "dispatch_soc_day_lower": ("s", "k", "y", "d"),
    "grid_open_upper": ("s", "y"), "grid_import_upper": ("s", "y", "h"), "grid_contract_new_lower": ("s", "y"),
    "grid_take_or_pay_lower": ("s", "y"), "grid_substation_once_upper": ("s",), "grid_exit_upper": ("s", "y"),
    "grid_substation_upgrade_upper": ("s", "y"),
    "reliability_firm_lower": ("s", "y"), "reliability_n1_lower": ("s", "k", "y"),
    "reliability_n1_link": ("s", "k", "y"), "reliability_curtailment_power_lower": ("s", "y"),
    "reliability_curtailment_energy_lower": ("s", "y"), "power_rent_added_lower": ("s", "k", "y"),
    "compute_idle_upper": ("s", "g", "y"), "compute_idle_order": ("s", "g", "y"), "compute_reached_lower": ("y",), "compute_reached_order": ("y",),
    "costs_capex_def": ("c", "y"), "costs_annual_def": ("c", "y"),
    "emissions_def": ("y",), "emissions_clean_def": ("y",), "objective_compute_floor": (),
    "alternative_cost_upper": (), "stochastic_cvar_excess": (),
}


def row_text(ix: Index, name: str, index) -> str:
    """A row in the planner's words, with the model's name and index after it for reference."""
    ref = f"{name}[{', '.join(str(i) for i in index) if isinstance(index, tuple) else index}]"
    limit = describe(ix, name, index)
    if limit is not None:
        return f"{limit.what} ({ref})"
    template, fields = ROW_TEXT.get(name), INDEX_FIELDS.get(name)
    values = index if isinstance(index, tuple) else () if index is None else (index,)
    if template is None or fields is None or len(fields) != len(values):
        return ref
    named = dict(zip(fields, values))
    if "s" in named:
        named["site"] = site_name(ix, named["s"])
    if "t" in named and isinstance(named["t"], int):
        named["t"] = named["t"] + 1
    return f"{template.format(**named)} ({ref})"
