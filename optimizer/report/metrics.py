"""Numbers a report shows: the headline, the money measures, the build schedule, from the tables.

The money measures are pure functions of the result tables (``costs``, ``gpus``, ``emissions``,
``site_power``), so ``summary.json`` (:func:`optimizer.pipeline.make_summary`, from the solved
model's tables) and the reports (from the run folder's CSV files) compute them the same way.

Time axis: the planning period y, keyed by its label (``2027``, ``2025Q1``, ``2024-07``; the ``period``
column, or ``year`` in run folders from before sub-year periods), in time order. For yearly plans
the label is the year as text, so every measure reads as before.

Notation: cash[c, y] and cost[c, y] are the ``usd`` of the costs table rows of kind ``cash_capex`` and
``annual_cost``: cash is what period y pays, cost a rate per year within y (undiscounted). npv[c, y] =
d_y · cost[c, y] is their ``npv_usd``, with d_y the discount weight of period y: the present value of
one USD per year paid over y (for a year, the yearly factor; for a period of L whole years, the sum of
its L yearly factors; for a month or quarter, its length in years times the factor at its start or
midpoint), as the objective uses. d_y already holds the period's length, so Σ_y d_y · x[y] of a rate
x per year is the discounted amount over the horizon.
"""

from __future__ import annotations

import pandas as pd

from optimizer.report.run_data import RunData, by_period, in_time_order, label_kind, label_text, period_labels

HOURS = 8760.0
MW_PER_GW = 1000.0
SHOWN_MW = 0.5  # additions that round to 0 MW are not listed in the schedule
# cost categories that are not about power: GPUs (packages) and sites (campuses and data-hall shells),
# as cash capex categories and as annuities
GPU_CATEGORIES = ("gpus", "annuity_gpus")
SITE_CATEGORIES = ("sites", "annuity_sites")
NOT_ENERGY_CATEGORIES = GPU_CATEGORIES + SITE_CATEGORIES


def discount_factors(costs: pd.DataFrame) -> dict[str, float]:
    """d_y = npv[c, y] / cost[c, y] per period label, read from the largest annual cost of period y
    (every category of a period has the same factor). A period whose annual costs are all zero has no
    factor (and is left out of the levelised measures)."""
    if costs.empty:
        return {}
    annual = costs[(costs.kind == "annual_cost") & (costs.usd.abs() > 0)]
    annual = annual.assign(_period=period_labels(annual), size=annual.usd.abs())
    largest = annual.sort_values("size").groupby("_period", sort=False).last()
    return {y: float(largest.loc[y, "npv_usd"] / largest.loc[y, "usd"]) for y in in_time_order(largest.index)}


def cash_capex_usd_by_period(costs: pd.DataFrame) -> dict[str, float]:
    """capex_usd[y] = Σ_c cash[c, y]: USD paid in period y for the assets coming online then (sites
    and shells, GPUs (packages), power, grid, ...); undiscounted. Keyed by period label, in time order."""
    if costs.empty:
        return {}
    return {y: float(v) for y, v in by_period(costs[costs.kind == "cash_capex"], "usd").items()}


def annual_cost_usd_by_period(costs: pd.DataFrame) -> dict[str, float]:
    """annual_cost_usd[y] = Σ_c cost[c, y]: the cost per year of period y (for a year: that year's
    cost), undiscounted: annuities of the assets in service + fixed O&M + operating costs (fuel,
    variable O&M, grid energy, carbon, unserved load and any other category the model adds). A rate:
    a month of it costs annual_cost_usd[y] / 12. Keyed by period label, in time order."""
    if costs.empty:
        return {}
    return {y: float(v) for y, v in by_period(costs[costs.kind == "annual_cost"], "usd").items()}


# the names from before sub-year periods (keys are now period labels: the year as text for yearly plans)
cash_capex_usd_by_year = cash_capex_usd_by_period
annual_cost_usd_by_year = annual_cost_usd_by_period


def peak_facility_mw(site_power: pd.DataFrame) -> float:
    """max_y Σ_s facility_mw[s, y]: the largest facility load (IT load · peak PUE) of any period, in MW."""
    if site_power.empty:
        return 0.0
    return float(by_period(site_power, "facility_mw").max())


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

    load_mwh[y] is the facility energy per year in period y (the emissions table: IT energy · mean
    PUE, plus any fixed site load the model has); d_y · load_mwh[y] is the discounted energy of the
    whole period. The
    numerator takes every annual-cost category except the GPUs' and the sites' (annuity_gpus,
    annuity_sites; the cash capex categories gpus and sites are excluded too): grid energy, fuel,
    variable O&M, fixed O&M, annuities of power and grid assets, carbon, unserved load. The categories
    are excluded rather than listed, so a power category the model adds (a demand charge, take-or-pay,
    another annuity) is counted without a change here. None without facility energy."""
    factors = discount_factors(costs)
    if not factors or emissions.empty:
        return None
    annual = costs[(costs.kind == "annual_cost") & ~costs.category.isin(NOT_ENERGY_CATEGORIES)]
    mwh = sum(factors.get(y, 0.0) * e for y, e in zip(period_labels(emissions), emissions["load_mwh"]))
    return float(annual["npv_usd"].sum() / mwh) if mwh else None


def all_in_usd_per_gpu_hour(costs: pd.DataFrame, gpus: pd.DataFrame) -> float | None:
    """Levelised all-in cost, USD per GPU-hour in service:

        Σ_y Σ_c npv[c, y]  /  Σ_y d_y · 8760 · gpus[y]

    with every annual-cost category (GPU (package) and site annuities, power, grid, operating costs) and
    gpus[y] the GPUs in service in period y. None without GPUs."""
    factors = discount_factors(costs)
    if not factors or gpus.empty:
        return None
    npv = costs.loc[costs.kind == "annual_cost", "npv_usd"].sum()
    gpu_hours = sum(factors.get(y, 0.0) * HOURS * g for y, g in by_period(gpus, "gpus").items())
    return float(npv / gpu_hours) if gpu_hours else None


def money_measures(costs: pd.DataFrame, gpus: pd.DataFrame, emissions: pd.DataFrame,
                   site_power: pd.DataFrame) -> dict:
    """The money measures of a plan, as summary.json holds them (periods as their labels, in time
    order: ``"2027"`` for a year, ``"2025Q1"``, ``"2024-07"``):

    capex_usd                          {period: USD}  cash capex paid in the period (undiscounted)
    capex_cash_usd_total               USD            Σ_y capex_usd[y]
    annual_cost_usd                    {period: USD}  cost per year in the period (undiscounted), see
                                                      annual_cost_usd_by_period
    usd_per_gw_facility                USD/GW         capex_cash_usd_total / peak facility GW
    energy_cost_usd_per_mwh_facility   USD/MWh        levelised, power-related costs only
    all_in_usd_per_gpu_hour            USD/GPU-h      levelised, every cost
    """
    capex = cash_capex_usd_by_period(costs)
    total = float(sum(capex.values()))
    return {"capex_usd": capex,
            "capex_cash_usd_total": total,
            "annual_cost_usd": annual_cost_usd_by_period(costs),
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


def _periods(measures: dict) -> list[str]:
    """The period labels of the money measures, in time order."""
    return in_time_order(measures.get("annual_cost_usd") or {})


def money_cards(measures: dict) -> list[tuple[str, str]]:
    """(value, label) of each money measure, labelled with its unit and what it includes, from a dict
    with the keys of :func:`money_measures` and ``objective_usd`` (summary.json, or a headline). Only
    the net present cost when the plan has no cost tables. The annual cost is the final period's: for
    a month or quarter, a rate per year."""
    periods = _periods(measures)
    span = "" if not periods else periods[0] if len(periods) == 1 else f"{periods[0]}–{periods[-1]}"
    out = [(usd_text(measures.get("objective_usd")),
            f"net present cost, USD (discounted{', ' + span if span else ''})")]
    if not periods:
        return out
    final = periods[-1]
    annual = f"annual cost in {final}, USD" if label_kind(final) == "year" else \
        f"annual cost rate in {final}, USD per year"
    return out + [
        (usd_text(measures.get("capex_cash_usd_total")), f"cash capex, USD (total {span}, undiscounted)"),
        (usd_text(measures["annual_cost_usd"][final]),
         f"{annual} (annuities + fixed O&M + operating costs, undiscounted)"),
        (_gw_text(measures.get("usd_per_gw_facility")), "$ per GW of facility (cash capex total ÷ peak facility GW)"),
        (_per_unit_text(measures.get("energy_cost_usd_per_mwh_facility"), "MWh"),
         "energy cost, $/MWh of facility energy, levelised (grid energy, fuel, O&M, power and grid annuities, "
         "carbon, unserved; no GPUs, no sites)"),
        (_per_unit_text(measures.get("all_in_usd_per_gpu_hour"), "GPU-hour"),
         "all-in cost, $/GPU-hour in service, levelised (everything: GPUs (packages), sites, power, grid, "
         "operating costs)")]


def _gw_text(usd_per_gw) -> str:
    return "—" if usd_per_gw is None else f"{usd_text(usd_per_gw)}/GW"


def money_by_period(measures: dict) -> list[tuple[str, str, str]]:
    """(period, cash capex, annual cost) as text per period, USD, undiscounted: cash capex is what
    the period pays, annual cost a rate per year (for a year, that year's cost)."""
    capex, annual = measures.get("capex_usd") or {}, measures.get("annual_cost_usd") or {}
    return [(y, usd_text(capex.get(y, 0.0)), usd_text(annual[y])) for y in _periods(measures)]


money_by_year = money_by_period


def _rows_at(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    return frame[(period_labels(frame) == label).to_numpy()] if not frame.empty else frame


def headline(run: RunData) -> dict:
    """Status, net present cost, the money measures (:func:`money_measures`), peak MW, GPUs and
    compute in the final period, targets, gap."""
    s = run.summary
    out = {"status": s.get("status"), "message": s.get("message", ""), "objective_usd": s.get("objective_usd"),
           "mip_gap": s.get("mip_gap"), "targets_met": s.get("targets_met", {}), "sites": s.get("sites", [])}
    if not run.solved:
        return out
    power, compute, gpus = run.table("site_power"), run.table("compute"), run.table("gpus")
    final = in_time_order(period_labels(compute))[-1]
    at_final = _rows_at(compute, final)
    out["final_period"] = final
    out["final_year"] = int(at_final["year"].iloc[0]) if "year" in at_final else final
    out["peak_facility_mw"] = peak_facility_mw(power)
    out["gpus_final"] = float(_rows_at(gpus, final)["gpus"].sum()) if not gpus.empty else 0.0
    out["h100e_final"] = float(at_final["h100e"].sum())
    largest = at_final.iloc[0]
    out["largest_site"] = largest["largest_site"] if isinstance(largest["largest_site"], str) else None
    out["largest_site_h100e"] = float(largest["largest_site_h100e"])
    out.update(money_measures(run.table("costs"), gpus, run.table("emissions"), power))
    return out


def axis_name(run: RunData) -> str:
    """What a table calls its time axis: 'year' for yearly plans (as reports always did), else 'period'."""
    return "period" if run.sub_year else "year"


def periods_text(run: RunData) -> str:
    """``2024-03 … 2027: 10 months, 4 quarters, 2 years`` (how many periods of each length)."""
    periods = run.periods
    if not periods:
        return ""
    counts: dict[str, int] = {}
    for p in periods:
        months = run.period_months.get(p, 12)
        name = "month" if months == 1 else "quarter" if months == 3 else "year" if months == 12 else \
            f"{months // 12}-year period" if months % 12 == 0 else f"{months}-month period"
        counts[name] = counts.get(name, 0) + 1
    span = periods[0] if len(periods) == 1 else f"{periods[0]} … {periods[-1]}"
    return f"{span}: " + ", ".join(f"{n} {name}{'s' if n != 1 else ''}" for name, n in counts.items())


def shows_time(run: RunData) -> bool:
    """Whether the report states time to target and the value of time: for plans with months or
    quarters, and for any plan whose config values time (value of compute, soft targets, fastest);
    a yearly plan without them reads as it always did."""
    s = run.summary
    return run.sub_year or any(k in s for k in ("compute_value_usd", "shortfall_usd", "objective_with_value_usd")) \
        or "fastest" in (s.get("time_to_target_days") or {}) or s.get("objective_kind") == "fastest"


def _target_level(run: RunData, label: str) -> float | None:
    """The compute target (h100e) of a period: the compute table's target, else the limits table's."""
    for name, column in (("compute", "target_h100e"), ("limits", "compute_target_h100e")):
        frame = run.table(name)
        if column in frame.columns:
            rows = _rows_at(frame, label)[column].dropna()
            if not rows.empty:
                return float(rows.iloc[0])
    return None


def _period_after_days(run: RunData, days) -> str | None:
    """The period that starts ``days`` after the horizon's start (summary.json periods)."""
    from datetime import date

    starts = [(str(p["period"]), p.get("start")) for p in run.summary.get("periods") or [] if isinstance(p, dict)]
    try:
        dates = [(label, date.fromisoformat(start)) for label, start in starts]
    except (TypeError, ValueError):
        return None
    if not dates:
        return None
    origin = dates[0][1]
    reached = [label for label, d in dates if (d - origin).days <= days]
    return reached[-1] if reached else None


def time_lines(run: RunData) -> list[str]:
    """:func:`target_time_lines`, then :func:`value_lines`."""
    return target_time_lines(run) + value_lines(run)


def target_time_lines(run: RunData) -> list[str]:
    """One line per compute target (and the fastest level) from summary.json ``time_to_target_days``:
    ``100,000 h100e target of 2024-07: reached after 122 days (period 2024-07)``, days from the
    horizon's start to the start of the first period that meets it."""
    s = run.summary
    lines = []
    targets = s.get("time_to_target_days") or {}
    keys = in_time_order([k for k in targets if k != "fastest"]) + (["fastest"] if "fastest" in targets else [])
    for key in keys:
        days = targets[key]
        if key == "fastest":
            level = ((run.config.get("objective") or {}) if isinstance(run.config, dict) else {}).get("fastest_h100e")
            what = f"fastest to {float(level):,.0f} h100e" if isinstance(level, (int, float)) else "fastest target"
        else:
            level = _target_level(run, key)
            what = f"{level:,.0f} h100e target of {key}" if level is not None else f"compute target of {key}"
        if days is None:
            lines.append(f"{what}: not reached within the horizon")
            continue
        where = _period_after_days(run, days)
        lines.append(f"{what}: reached after {float(days):,.0f} days" + (f" (period {where})" if where else ""))
    return lines


def value_lines(run: RunData) -> list[str]:
    """When the config values time (summary.json ``compute_value_usd``): the value of the compute
    delivered, the shortfall against soft targets (if any) and the net objective."""
    s = run.summary
    if not any(k in s for k in ("compute_value_usd", "shortfall_usd", "objective_with_value_usd")):
        return []
    value, shortfall = s.get("compute_value_usd"), s.get("shortfall_usd")
    lines = []
    if value:
        lines.append(f"value of compute delivered: {usd_text(value)} (discounted, credited against cost)")
    if shortfall:
        lines.append(f"shortfall against soft targets: {usd_text(shortfall)} (discounted)")
    terms = "".join([" + shortfall" if shortfall else "", " − value of compute" if value else ""])
    lines.append(f"net objective (net present cost{terms}): {usd_text(s.get('objective_with_value_usd'))}")
    return lines


def delay_lines(run: RunData) -> list[str]:
    """What a period's delay of each grid energisation step costs (summary.json ``grid_step_delay_usd``:
    the plan's LP re-solved with the step a period later, its build decisions held), and the GPUs that
    wait idle for power."""
    s = run.summary
    lines = []
    for step in s.get("grid_step_delay_usd") or []:
        span = "a month's" if step.get("months") == 1 else "a quarter's" if step.get("months") == 3 else "a period's"
        delay = step.get("delay_usd", 0.0)
        cost = "more than the plan as built can absorb (re-run with the step delayed to see another plan)" \
            if delay is None else usd_text(delay) if delay > 0.5 else "nothing"
        lines.append(f"grid step delay: {span} delay of the step at {step['site']} in {step['period']} "
                     f"(+{step['mw_added']:,.0f} MW) costs {cost}")
    rounding = s.get("gpu_rounding")
    if rounding and rounding.get("purchases_not_whole"):
        lines.append(f"GPU rounding: GPU counts are planned continuously; rounding each of the "
                     f"{rounding['purchases_not_whole']:,} purchases that are not whole units to the nearest unit "
                     f"(at most {rounding['max_units_changed']:.2f} units each) changes GPUs by "
                     f"{rounding['gpus_changed']:+,.0f} and cash capex by {usd_text(rounding['cash_capex_changed_usd'])}")
    idle = s.get("idle_gpus") or {}
    if idle:
        most = max(idle.values())
        lines.append(f"idle GPUs: up to {most:,.0f} wait for power in {', '.join(idle)}; their capital "
                     f"costs {usd_text(s.get('idle_gpu_cost_usd'))} while idle (undiscounted)")
    return lines


def _added_gpus(gpus: pd.DataFrame) -> pd.DataFrame:
    """GPUs delivered per (site, product, period): new_units × GPUs per unit, or the rise of ``gpus``.
    GPUs per unit = (gpus + idle_gpus) / units: ``gpus`` counts the GPUs running, ``idle_gpus`` those
    delivered but idle (committed deliveries ahead of power)."""
    if gpus.empty:
        return pd.DataFrame(columns=["site_id", "gpu_id", "period", "added"])
    out = gpus.assign(period=period_labels(gpus).to_numpy())
    if "new_units" in out.columns and "units" in out.columns:
        held = out["gpus"] + (out["idle_gpus"].fillna(0) if "idle_gpus" in out.columns else 0.0)
        per_unit = (held / out["units"].where(out["units"] != 0)).fillna(0)
        return out.assign(added=out["new_units"].fillna(0) * per_unit)
    order = {p: i for i, p in enumerate(in_time_order(out["period"]))}
    out = out.assign(_i=out["period"].map(order)).sort_values(["site_id", "gpu_id", "_i"], kind="stable")
    rise = out.groupby(["site_id", "gpu_id"])["gpus"].diff().fillna(out["gpus"])
    return out.assign(added=rise.clip(lower=0)).drop(columns="_i")


def schedule(run: RunData) -> pd.DataFrame:
    """What each chosen site gets in which period: campus, MW added by source (from 0.5 MW; rented
    bridge power as MW brought in and returned), GPUs added by product. The period column is called
    ``year`` for yearly plans."""
    sites, cap, gpus = run.table("sites"), run.table("capacity"), run.table("gpus")
    power = run.table("site_power")
    axis = axis_name(run)
    rows = []
    if sites.empty:
        return pd.DataFrame(rows, columns=["site", axis, "built"])
    rented = run.rented_techs
    cap_p = period_labels(cap) if not cap.empty else pd.Series(dtype=object)
    power_p, added = period_labels(power), _added_gpus(gpus)
    online_column = "online_period" if "online_period" in sites.columns else "online_year"
    chosen = sites[sites.selected]
    if chosen.empty:
        return pd.DataFrame(rows, columns=["site", axis, "built"])
    # row positions per (site, period label), in row order: one pass over each table, not a mask per pair
    power_rows = _rows_by(power.site_id, power_p)
    cap_rows = _rows_by(cap.site_id, cap_p) if not cap.empty else {}
    added = added[(added.added > 0).to_numpy()]
    added_rows = _rows_by(added.site_id, added.period)
    for _, site in chosen.iterrows():
        sid = site["site_id"]
        periods = in_time_order(power_p[(power.site_id == sid).to_numpy()])
        online = label_text(site.get(online_column))
        level: dict[str, float] = {}          # rented MW at the site in the period before
        for y in periods:
            parts = []
            if online == y:
                parts.append("campus opens")
            up = power["grid_upgrade_mw"].iloc[power_rows.get((sid, y), [])].sum()
            if up >= SHOWN_MW:
                parts.append(f"grid +{up:,.0f} MW")
            here = cap.iloc[cap_rows.get((sid, y), [])] if not cap.empty else cap
            for _, c in here.iterrows():
                if c["tech_id"] in rented:
                    continue
                if c["added_mw"] >= SHOWN_MW:
                    parts.append(f"{c['tech_id']} +{c['added_mw']:,.0f} MW")
            for tech in dict.fromkeys(list(here["tech_id"]) + list(level) if not here.empty else list(level)):
                if tech not in rented:
                    continue
                now = float(here.loc[here.tech_id == tech, "capacity_mw"].sum()) if not here.empty else 0.0
                change, level[tech] = now - level.get(tech, 0.0), now
                if change >= SHOWN_MW:
                    parts.append(f"{tech} +{change:,.0f} MW rented")
                elif change <= -SHOWN_MW:
                    parts.append(f"{tech} −{-change:,.0f} MW returned")
            for _, g in added.iloc[added_rows.get((sid, y), [])].iterrows():
                parts.append(f"{g['gpu_id']} +{g['added']:,.0f} GPUs")
            if parts:
                rows.append({"site": sid, axis: y, "built": "; ".join(parts)})
    return pd.DataFrame(rows, columns=["site", axis, "built"])


def _rows_by(sites: pd.Series, periods: pd.Series) -> dict[tuple, list[int]]:
    """Row positions per (site, period label), each list in row order; rows without a label are left out."""
    out: dict[tuple, list[int]] = {}
    for i, key in enumerate(zip(sites, periods)):
        if key[1] is not None:
            out.setdefault(key, []).append(i)
    return out


GRID_ROWS = {"grid_mw": "grid contracted", "grid_peak_mw": "grid peak import"}


def capacity_table(run: RunData) -> pd.DataFrame:
    """MW by source (rows) and period (columns, in time order); the grid twice, as the MW contracted
    (what the regional headroom counts and the demand charge bills) and as its peak import; the
    columns are named ``year`` for yearly plans."""
    cap, power = run.table("capacity"), run.table("site_power")
    frame = cap.assign(_p=period_labels(cap)).pivot_table(index="tech_id", columns="_p", values="capacity_mw",
                                                          aggfunc="sum").fillna(0) \
        if not cap.empty else pd.DataFrame()
    if not power.empty:
        grid = pd.DataFrame([by_period(power, column).rename(row) for column, row in GRID_ROWS.items()
                             if column in power.columns])
        frame = pd.concat([grid, frame]).fillna(0)
    if frame.empty:
        return frame
    frame = frame[[p for p in in_time_order(frame.columns)]]
    frame.columns.name = axis_name(run)
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
