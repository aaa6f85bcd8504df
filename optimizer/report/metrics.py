"""Numbers a report shows: the headline, the build schedule and levelised costs, from the tables."""

from __future__ import annotations

import pandas as pd

from optimizer.report.run_data import RunData

HOURS = 8760.0


def discount_factors(run: RunData) -> dict[int, float]:
    """Present-value factor of each model year's costs (as the objective uses), from the costs table."""
    costs = run.table("costs")
    annual = costs[(costs.kind == "annual_cost") & (costs.usd.abs() > 0)] if not costs.empty else costs
    if annual.empty:
        return {}
    return (annual["npv_usd"] / annual["usd"]).groupby(annual["year"]).first().to_dict()


def headline(run: RunData) -> dict:
    """Status, total cost, peak MW, GPUs and compute in the final year, targets, gap, levelised costs."""
    s = run.summary
    out = {"status": s.get("status"), "message": s.get("message", ""), "objective_usd": s.get("objective_usd"),
           "mip_gap": s.get("mip_gap"), "targets_met": s.get("targets_met", {}), "sites": s.get("sites", [])}
    if not run.solved:
        return out
    power, compute, gpus = run.table("site_power"), run.table("compute"), run.table("gpus")
    final = int(compute["year"].max())
    out["final_year"] = final
    out["peak_facility_mw"] = float(power.groupby("year")["facility_mw"].sum().max()) if not power.empty else 0.0
    out["gpus_final"] = float(gpus.loc[gpus.year == final, "gpus"].sum()) if not gpus.empty else 0.0
    out["h100e_final"] = float(compute.loc[compute.year == final, "h100e"].sum())
    largest = compute.loc[compute.year == final].iloc[0]
    out["largest_site"] = largest["largest_site"] if isinstance(largest["largest_site"], str) else None
    out["largest_site_h100e"] = float(largest["largest_site_h100e"])
    out.update(levelised(run))
    return out


def levelised(run: RunData) -> dict:
    """Present cost divided by present GPU-hours and by present MWh of facility energy."""
    factors = discount_factors(run)
    costs, gpus, em = run.table("costs"), run.table("gpus"), run.table("emissions")
    if not factors or costs.empty:
        return {"usd_per_gpu_hour": None, "usd_per_mwh": None}
    npv = costs.loc[costs.kind == "annual_cost", "npv_usd"].sum()
    gpu_hours = sum(factors.get(y, 0) * g * HOURS for y, g in gpus.groupby("year")["gpus"].sum().items())
    mwh = sum(factors.get(y, 0) * e for y, e in em.set_index("year")["load_mwh"].items())
    return {"usd_per_gpu_hour": npv / gpu_hours if gpu_hours else None, "usd_per_mwh": npv / mwh if mwh else None}


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
