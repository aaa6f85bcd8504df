"""Side-by-side comparison of several runs: cost, MW by source, GPUs, compute and sites.

Runs may have different planning periods (one yearly, one in months then years): every row is a
number per run (the final period's, or a total), never a column per period, and periods are matched
by label only where a row names one (time to a target)."""

from __future__ import annotations

from datetime import date, timedelta

import base64
from datetime import datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from optimizer.errors import InputError, Problem, display_path  # noqa: E402
from optimizer.report.charts import _png, colour  # noqa: E402
from optimizer.report.escape import html_text, plot_text  # noqa: E402
from optimizer.report.metrics import capacity_table, headline, periods_text, shows_time  # noqa: E402
from optimizer.report.run_data import RunData, in_time_order, read_run  # noqa: E402
from optimizer.report.writer import CSS, SCRIPT, _md_table  # noqa: E402


def comparison_table(runs: list[RunData]) -> pd.DataFrame:
    """One column per run: status, net present cost, cash capex, $ per GW of facility, the levelised
    energy and all-in costs (see :func:`optimizer.report.metrics.money_measures`), final-period GPUs,
    compute, peak MW, MW by source, sites. When a run has months or quarters or values time: its
    periods, final period, days to each target (by target label) and the value of compute."""
    timed = any(shows_time(run) for run in runs)
    final = "final period" if any(run.sub_year for run in runs) else "final year"
    columns = {}
    for run in runs:
        head = headline(run)
        col = {"status": head["status"], "net present cost, $B": (head.get("objective_usd") or 0) / 1e9,
               **_money_rows(head),
               "peak facility MW": head.get("peak_facility_mw"),
               f"GPUs (packages), {final}": head.get("gpus_final"),
               f"h100e, {final}": head.get("h100e_final"), "sites": ", ".join(head.get("sites", []))}
        if timed:
            col.update(_time_rows(run, head))
        if run.solved:
            cap = capacity_table(run)
            last = cap.columns[-1] if len(cap.columns) else None      # columns in time order
            for tech, mw in (cap[last].items() if last is not None else []):
                if mw:
                    col[f"MW {tech}, {final}"] = mw
        columns[_label(run, columns)] = col
    table = pd.DataFrame(columns)
    return table.loc[sorted(table.index, key=lambda r: _row_rank(r, list(table.index)))]


def _row_rank(row: str, rows: list[str]) -> tuple:
    """Rows in reading order: the run's figures, its periods, days to each target (targets in time
    order, the fastest last), the value of compute, then MW by source; otherwise as first seen."""
    seen = rows.index(row)
    if row.startswith("MW "):
        return (4, 0, seen)
    if row.startswith("days to target "):
        target = row.removeprefix("days to target ")
        order = in_time_order([r.removeprefix("days to target ") for r in rows if r.startswith("days to target ")])
        return (2, order.index(target) if target in order else len(order), seen)
    if row in ("periods", "final period"):
        return (1, 0, seen)
    if row.startswith(("value of compute", "net objective")):
        return (3, 0, seen)
    return (0, 0, seen)


def _time_rows(run: RunData, head: dict) -> dict:
    """Periods, final period, the date each target is reached and the days from the run's start (keyed
    by the target's label, so runs with other periods line up on the same target), value of compute ($B)."""
    s = run.summary
    rows = {"periods": periods_text(run) or None, "final period": head.get("final_period")}
    origin = (s.get("periods") or [{}])[0].get("start")
    for target, days in (s.get("time_to_target_days") or {}).items():
        # the date, not only the days: runs may start on different dates
        when = None if days is None or origin is None else \
            (date.fromisoformat(origin) + timedelta(days=int(round(days)))).isoformat()
        rows[f"target {target} reached"] = None if days is None else f"{when} ({int(round(days))} days)"
    if "compute_value_usd" in s:
        value, net = s.get("compute_value_usd"), s.get("objective_with_value_usd")
        rows["value of compute, $B"] = None if value is None else value / 1e9
        rows["net objective (cost − value + shortfall), $B"] = None if net is None else net / 1e9
    return rows


def _money_rows(head: dict) -> dict:
    """Cash capex total ($B, undiscounted), $B per GW of facility (cash capex total ÷ peak facility GW),
    energy cost ($/MWh of facility energy, power-related costs only) and all-in cost ($/GPU-hour);
    None for a run without a plan."""
    total, per_gw = head.get("capex_cash_usd_total"), head.get("usd_per_gw_facility")
    return {"cash capex total, $B (undiscounted)": None if total is None else total / 1e9,
            "$B per GW of facility (cash capex ÷ peak facility GW)": None if per_gw is None else per_gw / 1e9,
            "energy cost, $/MWh of facility energy (no GPUs, no sites)": head.get("energy_cost_usd_per_mwh_facility"),
            "all-in cost, $/GPU-hour": head.get("all_in_usd_per_gpu_hour")}


def _label(run: RunData, taken) -> str:
    label = run.name
    n = 2
    while label in taken:
        label, n = f"{run.name} ({n})", n + 1
    return label


def compare_runs(folders: list[Path], out: Path | None = None) -> dict[str, Path]:
    """compare.html, compare.md and compare.png side by side for two or more run folders; run names,
    tech ids and site ids are escaped (pandas to_html escape=True, md_cell, plot_text)."""
    if len(folders) < 2:
        raise InputError([Problem(None, None, "compare", "give at least two run folders", "siting compare RUN_A RUN_B")])
    runs = [read_run(f) for f in folders]
    out = out or Path("runs") / f"compare-{datetime.now():%Y%m%d-%H%M%S}"
    if out.exists() and any(out.iterdir()):
        raise InputError([Problem(None, None, "--out", f"folder {display_path(out)} exists and is not empty",
                                  "choose a new folder")])
    out.mkdir(parents=True, exist_ok=True)
    table = comparison_table(runs)
    chart = _cost_and_mw_chart(table)
    (out / "compare.png").write_bytes(chart)
    fmt = table.map(_cell_text)
    img = base64.b64encode(chart).decode()
    page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Scenario comparison</title>"
            f"<style>{CSS}</style></head><body><h1>Scenario comparison</h1>"
            + fmt.to_html(border=0, escape=True)
            + f"<figure><img alt='cost and MW by scenario' src='data:image/png;base64,{img}'></figure>"
            + "<p>Runs: " + ", ".join(html_text(f) for f in folders) + f"</p><script>{SCRIPT}</script></body></html>")
    (out / "compare.html").write_text(page, encoding="utf-8")
    md = "# Scenario comparison\n\n" + _md_table(fmt, index=True) + "\n\n![cost and MW by scenario](compare.png)\n"
    (out / "compare.md").write_text(md, encoding="utf-8")
    return {"html": out / "compare.html", "markdown": out / "compare.md"}


def _cell_text(value):
    """Numbers with thousands separators and two decimals, '—' for a missing one, text unchanged."""
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    return f"{value:,.2f}" if isinstance(value, float) else value


def _cost_and_mw_chart(table: pd.DataFrame) -> bytes:
    """Net present cost and final-year MW by source, one bar per run (labels through plot_text)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
    names = [plot_text(name) for name in table.columns]
    left.bar(names, pd.to_numeric(table.loc["net present cost, $B"]).to_numpy(), color="#4e79a7")
    left.set_ylabel("net present cost, $B")
    rows = [r for r in table.index if r.startswith("MW ")]
    bottom = pd.Series(0.0, index=table.columns)
    for i, r in enumerate(rows):
        values = pd.to_numeric(table.loc[r]).fillna(0)
        tech = r.removeprefix("MW ").removesuffix(", final year").removesuffix(", final period")
        right.bar(names, values.to_numpy(), bottom=bottom.to_numpy(), label=plot_text(tech), color=colour(tech, i))
        bottom += values
    right.set_ylabel("MW, final period" if any(r.endswith(", final period") for r in rows) else "MW, final year")
    if rows:
        right.legend(fontsize=7, frameon=False)
    for ax in (left, right):
        ax.tick_params(axis="x", labelsize=8, rotation=20)
    return _png(fig)
