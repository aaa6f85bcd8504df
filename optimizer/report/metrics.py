"""Numbers a report shows: the headline, the money measures, the build schedule, from the tables.

The money measures are pure functions of the result tables (``costs``, ``gpus``, ``emissions``,
``site_power``), so ``summary.json`` (:func:`optimizer.pipeline.make_summary`, from the solved
model's tables) and the reports (from the run folder's CSV files) compute them the same way.

Notation: cash[c, y] and cost[c, y] are the ``usd`` of the costs table rows of kind ``cash_capex`` and
``annual_cost``; npv[c, y] = d_y · cost[c, y] their ``npv_usd``, with d_y the discount factor of
model year y (the sum of the yearly factors of the period it stands for, as the objective uses).
"""

from __future__ import annotations

import pandas as pd

from optimizer.report.run_data import RunData

HOURS = 8760.0
MW_PER_GW = 1000.0
# cost categories that are not about power: GPUs (packages) and sites (campuses and data-hall shells),
# as cash capex categories and as annuities
GPU_CATEGORIES = ("gpus", "annuity_gpus")
SITE_CATEGORIES = ("sites", "annuity_sites")
NOT_ENERGY_CATEGORIES = GPU_CATEGORIES + SITE_CATEGORIES


def discount_factors(costs: pd.DataFrame) -> dict[int, float]:
    """d_y = npv[c, y] / cost[c, y], read from the largest annual cost of year y (every category of
    a year has the same factor). A year whose annual costs are all zero has no factor (and is left out
    of the levelised measures)."""
    if costs.empty:
        return {}
    annual = costs[(costs.kind == "annual_cost") & (costs.usd.abs() > 0)]
    largest = annual.assign(size=annual.usd.abs()).sort_values("size").groupby("year").last()
    return {int(y): float(row.npv_usd / row.usd) for y, row in largest.iterrows()}


def cash_capex_usd_by_year(costs: pd.DataFrame) -> dict[int, float]:
    """capex_usd[y] = Σ_c cash[c, y]: USD paid in year y for the assets coming online then (sites and
    shells, GPUs (packages), power, grid, ...); undiscounted."""
    if costs.empty:
        return {}
    cash = costs[costs.kind == "cash_capex"].groupby("year")["usd"].sum()
    return {int(y): float(v) for y, v in cash.items()}


def annual_cost_usd_by_year(costs: pd.DataFrame) -> dict[int, float]:
    """annual_cost_usd[y] = Σ_c cost[c, y]: the cost of one year of model year y, undiscounted:
    annuities of the assets in service + fixed O&M + operating costs (fuel, variable O&M, grid energy,
    carbon, unserved load and any other category the model adds)."""
    if costs.empty:
        return {}
    annual = costs[costs.kind == "annual_cost"].groupby("year")["usd"].sum()
    return {int(y): float(v) for y, v in annual.items()}


def peak_facility_mw(site_power: pd.DataFrame) -> float:
    """max_y Σ_s facility_mw[s, y]: the largest facility load (IT load · peak PUE) of the plan, in MW."""
    if site_power.empty:
        return 0.0
    return float(site_power.groupby("year")["facility_mw"].sum().max())


def usd_per_gw_facility(capex_cash_usd_total: float, peak_mw: float) -> float | None:
    """USD of cash capex per GW of facility = capex_cash_usd_total / (peak_facility_mw / 1000).

    capex_cash_usd_total = Σ_y Σ_c cash[c, y] is everything paid for assets over the horizon (sites and
    shells, GPUs (packages), power, grid; replacements bought within the horizon included),
    undiscounted; peak_facility_mw is :func:`peak_facility_mw`. None when nothing is built (no load)."""
    if peak_mw <= 0:
        return None
    return capex_cash_usd_total / (peak_mw / MW_PER_GW)


def energy_cost_usd_per_mwh(costs: pd.DataFrame, emissions: pd.DataFrame) -> float | None:
    """Levelised energy cost, USD per MWh of facility energy:

        Σ_y Σ_{c ∉ GPUs, sites} npv[c, y]  /  Σ_y d_y · load_mwh[y]

    load_mwh[y] is the facility energy of one year of model year y (the emissions table: IT energy ·
    mean PUE, plus any fixed site load the model has). The
    numerator takes every annual-cost category except the GPUs' and the sites' (annuity_gpus,
    annuity_sites; the cash capex categories gpus and sites are excluded too): grid energy, fuel,
    variable O&M, fixed O&M, annuities of power and grid assets, carbon, unserved load. The categories
    are excluded rather than listed, so a power category the model adds (a demand charge, take-or-pay,
    another annuity) is counted without a change here. None without facility energy."""
    factors = discount_factors(costs)
    if not factors or emissions.empty:
        return None
    annual = costs[(costs.kind == "annual_cost") & ~costs.category.isin(NOT_ENERGY_CATEGORIES)]
    mwh = sum(factors.get(int(y), 0.0) * e for y, e in emissions.set_index("year")["load_mwh"].items())
    return float(annual["npv_usd"].sum() / mwh) if mwh else None


def all_in_usd_per_gpu_hour(costs: pd.DataFrame, gpus: pd.DataFrame) -> float | None:
    """Levelised all-in cost, USD per GPU-hour in service:

        Σ_y Σ_c npv[c, y]  /  Σ_y d_y · 8760 · gpus[y]

    with every annual-cost category (GPU (package) and site annuities, power, grid, operating costs) and
    gpus[y] the GPUs in service in model year y. None without GPUs."""
    factors = discount_factors(costs)
    if not factors or gpus.empty:
        return None
    npv = costs.loc[costs.kind == "annual_cost", "npv_usd"].sum()
    gpu_hours = sum(factors.get(int(y), 0.0) * HOURS * g for y, g in gpus.groupby("year")["gpus"].sum().items())
    return float(npv / gpu_hours) if gpu_hours else None


def money_measures(costs: pd.DataFrame, gpus: pd.DataFrame, emissions: pd.DataFrame,
                   site_power: pd.DataFrame) -> dict:
    """The money measures of a plan, as summary.json holds them (years as text keys):

    capex_usd                          {year: USD}  cash capex paid in the year (undiscounted)
    capex_cash_usd_total               USD          Σ_y capex_usd[y]
    annual_cost_usd                    {year: USD}  one year's cost (undiscounted), see annual_cost_usd_by_year
    usd_per_gw_facility                USD/GW       capex_cash_usd_total / peak facility GW
    energy_cost_usd_per_mwh_facility   USD/MWh      levelised, power-related costs only
    all_in_usd_per_gpu_hour            USD/GPU-h    levelised, every cost
    """
    capex = cash_capex_usd_by_year(costs)
    total = float(sum(capex.values()))
    return {"capex_usd": {str(y): v for y, v in capex.items()},
            "capex_cash_usd_total": total,
            "annual_cost_usd": {str(y): v for y, v in annual_cost_usd_by_year(costs).items()},
            "usd_per_gw_facility": usd_per_gw_facility(total, peak_facility_mw(site_power)),
            "energy_cost_usd_per_mwh_facility": energy_cost_usd_per_mwh(costs, emissions),
            "all_in_usd_per_gpu_hour": all_in_usd_per_gpu_hour(costs, gpus)}


def usd_text(usd) -> str:
    """Money for a headline: $ B from 0.1 B, $ M from 0.1 M, whole dollars below; '—' for None."""
    if usd is None:
        return "—"
    if abs(usd) >= 1e8:
        return f"${usd / 1e9:,.2f} B"
    return f"${usd / 1e6:,.2f} M" if abs(usd) >= 1e5 else f"${usd:,.0f}"


def _per_unit_text(value, unit: str) -> str:
    return "—" if value is None else f"${value:,.2f}/{unit}"


def _years(measures: dict) -> list[str]:
    return sorted(measures.get("annual_cost_usd") or {}, key=int)


def money_cards(measures: dict) -> list[tuple[str, str]]:
    """(value, label) of each money measure, labelled with its unit and what it includes, from a dict
    with the keys of :func:`money_measures` and ``objective_usd`` (summary.json, or a headline). Only
    the net present cost when the plan has no cost tables."""
    years = _years(measures)
    span = "" if not years else years[0] if len(years) == 1 else f"{years[0]}–{years[-1]}"
    out = [(usd_text(measures.get("objective_usd")),
            f"net present cost, USD (discounted{', ' + span if span else ''})")]
    if not years:
        return out
    final = years[-1]
    return out + [
        (usd_text(measures.get("capex_cash_usd_total")), f"cash capex, USD (total {span}, undiscounted)"),
        (usd_text(measures["annual_cost_usd"][final]),
         f"annual cost in {final}, USD (annuities + fixed O&M + operating costs, undiscounted)"),
        (_gw_text(measures.get("usd_per_gw_facility")), "$ per GW of facility (cash capex total ÷ peak facility GW)"),
        (_per_unit_text(measures.get("energy_cost_usd_per_mwh_facility"), "MWh"),
         "energy cost, $/MWh of facility energy, levelised (grid energy, fuel, O&M, power and grid annuities, "
         "carbon, unserved; no GPUs, no sites)"),
        (_per_unit_text(measures.get("all_in_usd_per_gpu_hour"), "GPU-hour"),
         "all-in cost, $/GPU-hour in service, levelised (everything: GPUs (packages), sites, power, grid, "
         "operating costs)")]


def _gw_text(usd_per_gw) -> str:
    return "—" if usd_per_gw is None else f"{usd_text(usd_per_gw)}/GW"


def money_by_year(measures: dict) -> list[tuple[str, str, str]]:
    """(year, cash capex, annual cost) as text per model year, USD, undiscounted."""
    capex, annual = measures.get("capex_usd") or {}, measures.get("annual_cost_usd") or {}
    return [(y, usd_text(capex.get(y, 0.0)), usd_text(annual[y])) for y in _years(measures)]


def headline(run: RunData) -> dict:
    """Status, net present cost, the money measures (:func:`money_measures`), peak MW, GPUs and
    compute in the final year, targets, gap."""
    s = run.summary
    out = {"status": s.get("status"), "message": s.get("message", ""), "objective_usd": s.get("objective_usd"),
           "mip_gap": s.get("mip_gap"), "targets_met": s.get("targets_met", {}), "sites": s.get("sites", [])}
    if not run.solved:
        return out
    power, compute, gpus = run.table("site_power"), run.table("compute"), run.table("gpus")
    final = int(compute["year"].max())
    out["final_year"] = final
    out["peak_facility_mw"] = peak_facility_mw(power)
    out["gpus_final"] = float(gpus.loc[gpus.year == final, "gpus"].sum()) if not gpus.empty else 0.0
    out["h100e_final"] = float(compute.loc[compute.year == final, "h100e"].sum())
    largest = compute.loc[compute.year == final].iloc[0]
    out["largest_site"] = largest["largest_site"] if isinstance(largest["largest_site"], str) else None
    out["largest_site_h100e"] = float(largest["largest_site_h100e"])
    out.update(money_measures(run.table("costs"), gpus, run.table("emissions"), power))
    return out


SHOWN_MW = 0.5  # additions that round to 0 MW are not listed in the schedule


def schedule(run: RunData) -> pd.DataFrame:
    """What each chosen site gets in which year: campus, MW added by source (from 0.5 MW), GPUs
    added by product."""
    sites, cap, gpus = run.table("sites"), run.table("capacity"), run.table("gpus")
    power = run.table("site_power")
    rows = []
    for _, site in sites[sites.selected].iterrows() if not sites.empty else []:
        sid = site["site_id"]
        years = sorted(set(power.loc[power.site_id == sid, "year"]))
        for y in years:
            parts = []
            if int(site["online_year"]) == y:
                parts.append("campus opens")
            up = power.loc[(power.site_id == sid) & (power.year == y), "grid_upgrade_mw"].sum()
            if up >= SHOWN_MW:
                parts.append(f"grid +{up:,.0f} MW")
            for _, c in cap[(cap.site_id == sid) & (cap.year == y) & (cap.added_mw >= SHOWN_MW)].iterrows():
                parts.append(f"{c['tech_id']} +{c['added_mw']:,.0f} MW")
            for _, g in gpus[(gpus.site_id == sid) & (gpus.year == y) & (gpus.new_units > 0)].iterrows():
                per_unit = g["gpus"] / g["units"] if g["units"] else 0
                parts.append(f"{g['gpu_id']} +{g['new_units'] * per_unit:,.0f} GPUs")
            if parts:
                rows.append({"site": sid, "year": y, "built": "; ".join(parts)})
    return pd.DataFrame(rows, columns=["site", "year", "built"])


def capacity_table(run: RunData) -> pd.DataFrame:
    """MW by source (rows) and year (columns), grid as its peak import."""
    cap, power = run.table("capacity"), run.table("site_power")
    frame = cap.pivot_table(index="tech_id", columns="year", values="capacity_mw", aggfunc="sum").fillna(0) \
        if not cap.empty else pd.DataFrame()
    if not power.empty:
        grid = power.groupby("year")["grid_peak_mw"].sum().rename("grid").to_frame().T
        frame = pd.concat([grid, frame]).fillna(0)
    return frame.round(0)


def binding_table(run: RunData, rows: int = 15) -> pd.DataFrame:
    """The most valuable binding limits (shadow prices) in planner units, for reports."""
    frame = run.table("binding")
    if frame.empty:
        return frame
    top = frame.head(rows)
    return pd.DataFrame({
        "limit": top["limit"], "unit": top["unit"],
        "USD per unit relaxed": top["value_usd_per_unit"].map(lambda v: f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}"),
        "level": top["level"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}"),
        "USD per 1% relaxed": top["value_of_1pct_usd"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")})


def explanation_lines(run: RunData) -> list[str]:
    """Why an infeasible run has no plan (from summary.json)."""
    return list((run.summary.get("explanation") or {}).get("lines", []))
