"""Tidy result tables read from a solved model: one DataFrame per result family, in USD, MW, MWh,
tCO2 and h100e. Nothing downstream (reports, summaries) needs Pyomo.

Tables by period have a ``period`` column (its label: ``2027``, ``2025Q1``, ``2024-07``) and a ``year``
column (the calendar year it starts in). Energy, emissions and annual costs are rates per year within
the period (multiply by ``length_years`` for the period's total); cash capex is what the period pays.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyomo.environ as pyo

from optimizer.model.compute import unit_it_kw, unit_usd
from optimizer.model.costs import CAPEX_CATEGORIES, COST_CATEGORIES
from optimizer.model.index import MUSD, crf

TOL = 1e-6


@dataclass(frozen=True)
class Results:
    """Every result table; ``tables()`` names them for writing."""

    sites: pd.DataFrame
    capacity: pd.DataFrame
    gpus: pd.DataFrame
    site_power: pd.DataFrame
    energy: pd.DataFrame
    dispatch: pd.DataFrame
    costs: pd.DataFrame
    compute: pd.DataFrame
    emissions: pd.DataFrame
    regions: pd.DataFrame
    solver: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def mw_by_source(self) -> dict[str, float]:
        """MW by source: each tech's most MW in service in any period (summed over sites), and the grid's
        most contracted MW; sources with none left out."""
        most = self.capacity.groupby(["tech_id", "period"], sort=False)["capacity_mw"].sum().groupby(level=0).max()
        out = {tech: float(mw) for tech, mw in most.items() if mw > 1e-6}
        grid = self.site_power.groupby("period", sort=False)["grid_mw"].sum()
        if not grid.empty and grid.max() > 1e-6:
            out["grid"] = float(grid.max())
        return out


def _v(x) -> float:
    value = pyo.value(x, exception=False)
    return 0.0 if value is None or abs(value) < TOL else float(value)


def read_results(m: pyo.ConcreteModel, solution=None, build_seconds: float = 0.0) -> Results:
    tables = dict(sites=site_table(m), capacity=capacity_table(m), gpus=gpu_table(m),
                  site_power=site_power_table(m), energy=energy_table(m), dispatch=dispatch_table(m),
                  costs=cost_table(m), compute=compute_table(m), emissions=emissions_table(m),
                  regions=region_table(m))
    tables = {name: with_periods(frame, m.ix) for name, frame in tables.items()}
    return Results(**tables, solver=solver_table(solution, build_seconds))


def with_periods(frame: pd.DataFrame, ix) -> pd.DataFrame:
    """Where a table has a ``year`` column of period keys: a ``period`` label column before it and the
    calendar year in it (unchanged for yearly plans, whose keys are years)."""
    yearly = not any(ix.P[k].sub_year for k in ix.periods)
    out = frame.copy()
    for column, label in (("year", "period"), ("online_year", "online_period")):
        if column not in out.columns:
            continue
        keys = [k if k is not None and k == k else None for k in out[column]]
        out.insert(list(out.columns).index(column), label, [None if k is None else ix.label(k) for k in keys])
        if not yearly:
            out[column] = pd.array([None if k is None else ix.year_of(k) for k in keys], dtype="Int64")
    return out


def solver_table(solution, build_seconds: float) -> pd.DataFrame:
    """Model size and solver statistics as (metric, value) rows."""
    if solution is None:
        return pd.DataFrame(columns=["metric", "value"])
    rows = [("status", solution.status), ("objective_musd", solution.objective), ("bound_musd", solution.bound),
            ("mip_gap", solution.mip_gap), ("build_seconds", build_seconds),
            ("handoff_seconds", solution.handoff_seconds), ("solve_seconds", solution.solve_seconds)]
    rows += list(solution.model_size.items())
    return pd.DataFrame(rows, columns=["metric", "value"])


def site_table(m) -> pd.DataFrame:
    ix = m.ix
    rows = []
    for s, row in ix.inputs.sites.iterrows():
        online = [y for y in ix.site_build_years.get(s, []) if _v(m.site_build[s, y]) > 0.5]
        peak = max((_v(m.it_mw[s, y]) for y in ix.periods if (s, y) in m.it_mw), default=0.0)
        facility = max((_v(m.facility_mw[s, y]) for y in ix.periods if (s, y) in m.facility_mw), default=0.0)
        rows.append({"site_id": s, "name": row["name"], "region_id": row.region_id, "lat": row.lat, "lon": row.lon,
                     "selected": bool(online), "online_year": online[0] if online else None,
                     "max_it_mw": row.max_it_mw, "peak_it_mw": peak,
                     "peak_facility_mw": facility})     # peak PUE and fixed load, as the model's facility_mw
    return pd.DataFrame(rows)


def capacity_table(m) -> pd.DataFrame:
    ix = m.ix
    rows = []
    for (s, k, y), var in m.cap_mw.items():
        mw = _v(var)
        rented = bool(ix.K[k]["rented"])
        # bought: MW coming online in y; rented (bridge power): MW brought to site for y
        added = _v(m.rent_added_mw[s, k, y]) if rented else \
            _v(m.cap_added_mw[s, k, y]) if (s, k, y) in m.cap_added_mw else 0.0
        if mw or added:
            units = _v(m.cap_new_units[s, k, y]) if (s, k, y) in m.cap_new_units and not rented else None
            rows.append({"site_id": s, "tech_id": k, "year": y, "capacity_mw": mw, "added_mw": added,
                         "added_units": units, "storage_mwh": mw * ix.K[k]["storage_hours"], "rented": rented})
    return pd.DataFrame(rows, columns=["site_id", "tech_id", "year", "capacity_mw", "added_mw", "added_units",
                                       "storage_mwh", "rented"])


def gpu_table(m) -> pd.DataFrame:
    ix = m.ix
    rows = []
    rate = ix.inputs.config.horizon.discount_rate
    for (s, g, y), expr in m.gpu_units.items():
        units = _v(expr)
        new = _v(m.gpu_new_units[s, g, y]) if (s, g, y) in m.gpu_new_units else 0.0
        idle = _v(m.gpu_idle_units[s, g, y]) if (s, g, y) in m.gpu_idle_units else 0.0
        if units or new:
            p = ix.G[g]
            running = units - idle
            rows.append({"site_id": s, "gpu_id": g, "year": y, "new_units": new, "units": units,
                         "gpus": running * p["gpus_per_unit"],
                         "h100e": running * p["gpus_per_unit"] * p["h100e_per_gpu"],
                         "it_mw": running * unit_it_kw(ix, g) / 1e3, "idle_gpus": idle * p["gpus_per_unit"],
                         "idle_usd_per_year": idle * unit_usd(ix, g) * crf(rate, int(p["lifetime_years"]))})
    return pd.DataFrame(rows, columns=["site_id", "gpu_id", "year", "new_units", "units", "gpus", "h100e", "it_mw",
                                       "idle_gpus", "idle_usd_per_year"])


def site_power_table(m) -> pd.DataFrame:
    """Per site and year: halls, IT and facility load, grid contract and the peak actually drawn
    (import plus grid-delivered PPA energy), firm capacity and what reliability needs."""
    peak: dict[tuple[str, int], dict[str, float]] = {}
    for (s, y, h), var in m.import_mw.items():
        peak.setdefault((s, y), {}).setdefault(h, 0.0)
        peak[s, y][h] += _v(var)
    for (s, k, y, h), var in m.gen_mw.items():
        if m.ix.tech_kind[k] == "ppa":
            peak.setdefault((s, y), {}).setdefault(h, 0.0)
            peak[s, y][h] += _v(var)
    rows = []
    for s, y in m.ix.site_years:
        rows.append({"site_id": s, "year": y, "open": _v(m.site_open[s, y]) > 0.5, "shell_mw": _v(m.shell_mw[s, y]),
                     "it_mw": _v(m.it_mw[s, y]), "facility_mw": _v(m.facility_mw[s, y]),
                     "grid_mw": _v(m.grid_mw[s, y]) if (s, y) in m.grid_mw else 0.0,
                     "grid_peak_mw": max(peak.get((s, y), {}).values(), default=0.0),
                     "grid_upgrade_mw": _v(m.grid_upgrade_mw[s, y]) if (s, y) in m.grid_upgrade_mw else 0.0,
                     "firm_mw": _v(m.firm_mw[s, y]), "need_mw": _v(m.need_mw[s, y])})
    return pd.DataFrame(rows)


def dispatch_table(m) -> pd.DataFrame:
    """MW by source in every slice: generation per tech, grid, storage (discharge +, charge −), unserved."""
    rows = []
    for (s, k, y, h), var in m.gen_mw.items():
        rows.append((s, y, h, k, _v(var)))
    for (s, y, h), var in m.import_mw.items():
        rows.append((s, y, h, "grid", _v(var)))
    for (s, k, y, h), var in m.discharge_mw.items():
        rows.append((s, y, h, k, _v(var) - _v(m.charge_mw[s, k, y, h])))
    for (s, y, h), var in m.unserved_mw.items():
        rows.append((s, y, h, "unserved", _v(var)))
    frame = pd.DataFrame(rows, columns=["site_id", "year", "slice", "source", "mw"])
    frame["weight_h"] = [m.ix.w[y][h] for y, h in zip(frame["year"], frame["slice"])]
    open_years = {(s, y) for s, y in m.ix.site_years if _v(m.site_open[s, y]) > 0.5}
    keep = [(s, y) in open_years for s, y in zip(frame.site_id, frame.year)]
    return frame[keep].reset_index(drop=True)


def energy_table(m) -> pd.DataFrame:
    d = dispatch_table(m)
    if d.empty:
        return pd.DataFrame(columns=["site_id", "year", "source", "energy_mwh"])
    d["energy_mwh"] = d["mw"] * d["weight_h"]
    out = d.groupby(["site_id", "year", "source"], as_index=False, sort=False)["energy_mwh"].sum()
    return out[out["energy_mwh"].abs() > TOL].reset_index(drop=True)


def cost_table(m) -> pd.DataFrame:
    """USD by year and category: cash capex (what budgets limit) and annual cost (what the objective
    discounts), with the discounted value of each annual cost."""
    ix = m.ix
    rows = []
    for y in ix.periods:
        for c in CAPEX_CATEGORIES:
            rows.append({"year": y, "kind": "cash_capex", "category": c, "usd": _v(m.capex_musd[c, y]) * MUSD,
                         "npv_usd": None})
        for c in COST_CATEGORIES:
            annual = _v(m.cost_musd[c, y]) * MUSD
            rows.append({"year": y, "kind": "annual_cost", "category": c, "usd": annual,
                         "npv_usd": annual * ix.discount[y]})
    return pd.DataFrame(rows)


def compute_table(m) -> pd.DataFrame:
    ix = m.ix
    rows = []
    for y in ix.periods:
        per_site = {s: _v(m.site_h100e[s, y]) for s in ix.sites if (s, y) in m.site_h100e}
        largest = max(per_site.items(), key=lambda kv: kv[1], default=(None, 0.0))
        rows.append({"year": y, "h100e": sum(per_site.values()), "target_h100e": ix.inputs.compute_target_h100e.get(y),
                     "largest_site": largest[0] if largest[1] else None, "largest_site_h100e": largest[1]})
    return pd.DataFrame(rows)


def emissions_table(m) -> pd.DataFrame:
    ix = m.ix
    rows = []
    for y in ix.periods:
        load = _v(m.load_mwh[y])
        rows.append({"year": y, "emissions_t": _v(m.emissions_t[y]), "load_mwh": load,
                     "clean_mwh": _v(m.clean_mwh[y]), "clean_share": _v(m.clean_mwh[y]) / load if load else None,
                     "cap_t": ix.inputs.carbon_cap_t[y] if ix.inputs.carbon_cap_t[y] != float("inf") else None})
    return pd.DataFrame(rows)


def region_table(m) -> pd.DataFrame:
    ix = m.ix
    rows = []
    for r in ix.regions:
        for y in ix.periods:
            used = sum(_v(m.grid_mw[s, y]) for s in ix.sites_in_region[r] if (s, y) in m.grid_mw)
            headroom = ix.inputs.headroom_mw[r, y]
            rows.append({"region_id": r, "year": y, "grid_mw": used,
                         "headroom_mw": headroom if headroom != float("inf") else None})
    return pd.DataFrame(rows)
