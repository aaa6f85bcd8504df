"""The sweep report: what a sweep's scenarios say together, from the run store alone.

:func:`write_sweep_report` writes ``report.html`` (one self-contained file, in the style of the run
report: charts as embedded PNG, every user text escaped, no external URL, script or font) and
``sweep.xlsx`` (one sheet per table) into a folder.

What the figures mean (which scenarios count, how swings are measured, plan signatures) is in
:mod:`optimizer.sweep.analysis`.
"""

from __future__ import annotations

import base64
import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from optimizer.report.escape import html_text, plot_text
from optimizer.report.metrics import usd_text
from optimizer.sweep.analysis import (METRICS, MIX_SHARE, NAMED_STATUSES, PLANNED, SIGNATURE_MW, Metric, SweepData,
                                      share_text, tonnes_text, axis_columns, binding_counts, grid_means, mw_by_source_table,
                                      plan_changes, plan_table, read_sweep_data, salib_used, same, scenario_table,
                                      sensitivity, site_frequency, sites_of)
from optimizer.sweep.spec import SAMPLED, Sweep
from optimizer.sweep.store import RunStore

SHEETS = ("scenarios", "sensitivity", "site_frequency", "binding_counts", "plans", "mw_by_source", "plan_changes")

MEASURES = {
    "one_at_a_time": "each bar: the metric with the axis at its lowest and at its highest value, every other axis at "
                     "its base value (ends labelled with the value); line: the base scenario",
    "grid": "each bar: the axis's main effect, the mean of the metric at each of its values over every combination "
            "of the other axes (dots), from the lowest to the highest mean (ends labelled with the value); line: the "
            "mean of all scenarios with a plan",
    "latin_hypercube": "each bar: the mean of the metric among the scenarios whose draw of the axis is in the lowest "
                       "third of its distribution against those in the highest third; line: the mean of all "
                       "scenarios with a plan",
    "morris": "left: Morris mu* (mean absolute elementary effect over the axis's whole range, metric units) and sigma "
              "(their spread: interactions or a non-linear response), SALib morris.analyze over the trajectories "
              "whose every scenario has a plan; right: the mean of the metric among the scenarios in the axis's "
              "lowest third of draws against its highest third",
    "sobol": "left: Sobol indices, SALib sobol.analyze (first order S1: the share of the metric's variance due to the "
             "axis alone; total order ST: with its interactions) over the sample blocks whose every scenario has a "
             "plan; right: the mean of the metric among the scenarios in the axis's lowest third of draws against "
             "its highest third",
}


# ---- charts --------------------------------------------------------------------------------------

@dataclass
class SweepChart:
    key: str
    title: str
    png: bytes
    caption: str = ""


def _fig_png(fig) -> bytes:
    from optimizer.report.charts import _png

    return _png(fig)


def tornado_chart(data: SweepData, sens: pd.DataFrame, metric: Metric) -> SweepChart | None:
    """The tornado of one metric (one bar per axis, largest swing on top); morris and sobol add a
    panel of their SALib indices."""
    from optimizer.report.charts import plt  # matplotlib on Agg, as the run report draws

    rows = sens[(sens["metric"] == metric.title)]
    bars = rows[rows["swing"].notna()]
    salib = data.design in ("morris", "sobol") and rows[["mu_star", "ST"]].notna().any().any()
    if (bars.empty and not salib) or constant(data, metric) is not None:
        return None
    n = len(rows)
    height = 0.5 * n + 1.5
    if salib:
        fig, (left, ax) = plt.subplots(1, 2, figsize=(9.5, height), gridspec_kw={"width_ratios": [1, 1.3]})
        _salib_panel(left, rows, data.design, metric)
    else:
        fig, ax = plt.subplots(figsize=(8.5, height))
    bars = bars.sort_values("swing", ascending=True, kind="stable")
    ys = range(len(bars))
    s = metric.scale
    ax.barh(list(ys), (bars["high"] - bars["low"]) * s, left=bars["low"] * s, color="#4e79a7", alpha=0.85,
            height=0.55)
    for y, (_, r) in zip(ys, bars.iterrows()):
        if not r["swing"]:
            continue
        ax.annotate(plot_text(_short(r["low_at"])), (r["low"] * s, y), xytext=(-3, 0), textcoords="offset points",
                    ha="right", va="center", fontsize=7, color="#333333")
        ax.annotate(plot_text(_short(r["high_at"])), (r["high"] * s, y), xytext=(3, 0), textcoords="offset points",
                    ha="left", va="center", fontsize=7, color="#333333")
        if data.design == "grid":
            dots = grid_means(data, r["axis"], metric.column).to_numpy() * s
            ax.plot(dots, [y] * len(dots), "o", color="#f28e2b", ms=4, zorder=3)
    ref = rows["reference"].dropna()
    if not ref.empty:
        ax.axvline(float(ref.iloc[0]) * s, color="#c0504d", lw=1, ls="--")
    ax.set_yticks(list(ys))
    ax.set_yticklabels([plot_text(a) for a in bars["axis"]], fontsize=8)
    if len(bars):
        lo, hi = float(bars["low"].min() * s), float(bars["high"].max() * s)
        pad = (hi - lo) * 0.4 or max(abs(hi) * 0.05, 1e-9)
        ax.set_xlim(lo - pad, hi + pad)
    ax.set_xlabel(metric.unit)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(f"{metric.title}: swing by axis" if not salib else "lowest vs highest third of draws", fontsize=10)
    if salib:
        fig.suptitle(f"{metric.title}: what moves it", fontsize=11)
    key = "tornado_" + metric.column
    return SweepChart(key, f"Tornado: {metric.title}", _fig_png(fig), MEASURES.get(data.design, ""))


def _short(label: str) -> str:
    """An end's label for the chart: a third of draws as its value range ('lowest third (30–50)' ->
    '30–50'), anything else cut to 24 characters."""
    label = str(label or "")
    for name in ("lowest third", "highest third"):
        if label.startswith(name):
            inner = label[len(name):].strip()
            return inner[1:-1] if inner.startswith("(") else ("low ⅓" if name.startswith("lowest") else "high ⅓")
    return label if len(label) <= 24 else label[:23] + "…"


def constant(data: SweepData, metric: Metric) -> float | None:
    """The metric's value when it is the same (up to round-off) in every scenario with a plan."""
    values = data.planned[metric.column].dropna()
    if values.empty or not same(float(values.min()), float(values.max())):
        return None
    return float(values.iloc[0])


def _salib_panel(ax, rows: pd.DataFrame, design: str, metric: Metric) -> None:
    if design == "morris":
        rows = rows.sort_values("mu_star", ascending=True, na_position="first", kind="stable")
        ys = np.arange(len(rows))
        ax.barh(ys + 0.18, rows["mu_star"].fillna(0) * metric.scale, height=0.36, color="#4e79a7", label="mu*")
        ax.barh(ys - 0.18, rows["sigma"].fillna(0) * metric.scale, height=0.36, color="#f28e2b", label="sigma")
        ax.set_xlabel(f"{metric.unit} over the axis's range")
        ax.set_title("Morris elementary effects", fontsize=10)
    else:
        rows = rows.sort_values("ST", ascending=True, na_position="first", kind="stable")
        ys = np.arange(len(rows))
        ax.barh(ys + 0.18, rows["ST"].fillna(0), height=0.36, color="#4e79a7", label="ST (total)")
        ax.barh(ys - 0.18, rows["S1"].fillna(0), height=0.36, color="#f28e2b", label="S1 (first order)")
        ax.set_xlabel("share of variance")
        ax.set_title("Sobol indices", fontsize=10)
    ax.set_yticks(ys)
    ax.set_yticklabels([plot_text(a) for a in rows["axis"]], fontsize=8)
    ax.legend(fontsize=7, frameon=False)
    ax.grid(axis="x", alpha=0.3)


def mw_chart(mw: pd.DataFrame) -> SweepChart | None:
    """MW of each power source across the scenarios with a plan: a box per source with every scenario
    as a dot."""
    from optimizer.report.charts import plt  # matplotlib on Agg, as the run report draws

    from optimizer.report.charts import colour

    sources = [c for c in mw.columns if c != "scenario"]
    if not sources or mw.empty:
        return None
    fig, ax = plt.subplots(figsize=(8.5, 3.4))
    values = [mw[c].to_numpy(dtype=float) for c in sources]
    ax.boxplot(values, positions=range(len(sources)), widths=0.5, showfliers=False,
               medianprops={"color": "#333333"})
    jitter = np.random.default_rng(0)
    for i, (source, v) in enumerate(zip(sources, values)):
        ax.scatter(i + jitter.uniform(-0.15, 0.15, len(v)), v, s=14, color=colour(source, i), alpha=0.8, zorder=3)
    ax.set_xticks(range(len(sources)))
    ax.set_xticklabels([plot_text(s) for s in sources], fontsize=8, rotation=30 if len(sources) > 6 else 0)
    ax.set_ylabel("MW (largest in any period; grid: contracted)")
    ax.grid(axis="y", alpha=0.3)
    ax.set_title("MW by power source across scenarios")
    return SweepChart("mw_by_source", "MW by power source", _fig_png(fig),
                      f"one dot per scenario with a plan ({len(mw)}); boxes: quartiles and median")


def cost_chart(planned: pd.DataFrame) -> SweepChart | None:
    from optimizer.report.charts import plt  # matplotlib on Agg, as the run report draws

    cost = planned["objective_usd"].dropna().to_numpy(dtype=float) / 1e9
    if not len(cost):
        return None
    fig, ax = plt.subplots(figsize=(8.5, 2.8))
    bins = min(20, max(5, len(cost) // 2))
    if np.ptp(cost) == 0:
        ax.bar([cost[0]], [len(cost)], width=max(abs(cost[0]) * 0.01, 1e-3), color="#4e79a7")
    else:
        ax.hist(cost, bins=bins, color="#4e79a7", alpha=0.85)
    ax.plot(cost, np.zeros_like(cost), "|", color="#333333", ms=14, mew=1)
    ax.set_xlabel("net present cost, billion USD")
    ax.set_ylabel("scenarios")
    ax.grid(axis="y", alpha=0.3)
    ax.set_title("Net present cost across scenarios")
    return SweepChart("cost", "Net present cost", _fig_png(fig), "bars: scenarios per cost bin; ticks: each scenario")


def site_map_chart(data: SweepData, freq: pd.DataFrame) -> SweepChart | None:
    """The run report's site map (:func:`optimizer.report.charts.draw_site_map`) with each candidate
    labelled by the share of scenarios that choose it; chosen sites filled, sized by that share."""
    from optimizer.report.charts import draw_site_map
    from optimizer.report.run_data import RunData

    sites = freq.dropna(subset=["lat", "lon"])
    if sites.empty:
        return None
    region = sites["region_id"].where(sites["region_id"].notna(), "").astype(str)
    frame = pd.DataFrame({"site_id": [f"{s} {v:.0%}" for s, v in zip(sites["site_id"], sites["share"])],
                          "region_id": region.to_numpy(), "lat": sites["lat"].astype(float).to_numpy(),
                          "lon": sites["lon"].astype(float).to_numpy(),
                          "selected": (sites["share"] > 0).to_numpy(),
                          "peak_facility_mw": (sites["share"] * 1000.0).to_numpy()})   # dot area 30 + 200·share pt²
    shapes = next((Path(r) for r in data.frame["run_dir"]
                   if isinstance(r, str) and (Path(r) / "tables" / "region_shapes.geojson").is_file()),
                  Path(data.info.get("folder") or "."))
    try:
        drawn = draw_site_map(RunData(shapes, {}, "", {"sites": frame}))
    except Exception:   # noqa: BLE001 - a map that cannot be drawn leaves the table
        return None
    if drawn is None:
        return None
    drawn.ax.set_title("Share of scenarios with a plan that choose each site (filled: chosen at least once, "
                       "sized by share)", fontsize=9)
    return SweepChart("map", "Site choice across scenarios", _fig_png(drawn.fig),
                      "labels: site and the share of scenarios with a plan that choose it; rings: candidates")


# ---- the report ----------------------------------------------------------------------------------

def sweep_tables(data: SweepData, folder: Path) -> dict[str, pd.DataFrame]:
    """Every table of the report (the sheets of sweep.xlsx)."""
    return {"scenarios": scenario_table(data, folder), "sensitivity": sensitivity(data),
            "site_frequency": site_frequency(data), "binding_counts": binding_counts(data),
            "plans": plan_table(data), "mw_by_source": mw_by_source_table(data), "plan_changes": plan_changes(data)}


def write_sweep_report(store: RunStore, sweep: str, folder: Path, spec: Sweep | None = None, *,
                       wall_seconds: float | None = None) -> dict[str, Path]:
    """Write ``folder/report.html`` and ``folder/sweep.xlsx`` for the sweep ``sweep`` of ``store``;
    ``spec`` is the validated sweep (read from the store when None); ``wall_seconds`` the sweep's
    wall time when the caller measured it (else estimated from the stored results). Returns the
    paths by kind (html, excel)."""
    from optimizer.report.charts import plt  # matplotlib on Agg, as the run report draws

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = read_sweep_data(store, sweep, spec)
    tables = sweep_tables(data, folder)
    charts: list[SweepChart] = []
    try:
        for metric in METRICS:
            chart = tornado_chart(data, tables["sensitivity"], metric)
            if chart is not None:
                charts.append(chart)
        for chart in (site_map_chart(data, tables["site_frequency"]), mw_chart(tables["mw_by_source"]),
                      cost_chart(data.planned)):
            if chart is not None:
                charts.append(chart)
    finally:
        plt.close("all")
    paths = {"html": folder / "report.html", "excel": folder / "sweep.xlsx"}
    paths["html"].write_text(render_html(data, tables, {c.key: c for c in charts}, wall_seconds), encoding="utf-8")
    write_excel(tables, paths["excel"])
    return paths


def write_excel(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    """sweep.xlsx: one sheet per table (text that a spreadsheet could take for a formula stays text)."""
    from optimizer.report.writer import _keep_text_as_text

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in tables.items():
            frame = frame.copy()
            for column in frame.columns:
                if frame[column].dtype == object:
                    frame[column] = frame[column].map(lambda v: json.dumps(v, default=str)
                                                      if isinstance(v, (dict, list)) else v)
            frame.to_excel(writer, sheet_name=name[:31], index=False)
            _keep_text_as_text(writer.sheets[name[:31]], frame)
    return path


# ---- HTML ----------------------------------------------------------------------------------------

EXTRA_CSS = """
a{color:#2b5d8a}td.msg{text-align:left;white-space:pre-wrap;max-width:360px;font-size:.9em;color:#8a1f1f}
td.t{text-align:left}table.text th{text-align:left}.note{font-size:.85em;color:#555}ul.flips li{margin:2px 0}
.scroll{overflow-x:auto}
"""


def _duration(seconds: float) -> str:
    seconds = float(seconds)
    if seconds < 60:
        return f"{seconds:,.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:,.1f} min"
    return f"{seconds / 3600:,.2f} h"


def wall_time(data: SweepData) -> float | None:
    """Seconds from the first stored scenario's start to the last one's finish (finished_at minus
    run_seconds); None without timings."""
    frame = data.frame[data.frame["finished"]]
    if frame.empty or "finished_at" not in frame or frame["finished_at"].isna().all():
        return None
    end = pd.to_datetime(frame["finished_at"])
    start = end - pd.to_timedelta(frame["run_seconds"].fillna(0.0), unit="s")
    seconds = (end.max() - start.min()).total_seconds()
    return seconds if seconds >= 0 else None


def _table(headers: list[str], rows: list[list[str]], classes: str = "") -> str:
    """An HTML table from escaped cells (each cell already HTML)."""
    head = "".join(f"<th>{html_text(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}</td>" for c in row) + "</tr>"
                   for row in rows)
    cls = f" class='{classes}'" if classes else ""
    return f"<div class='scroll'><table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def _num(v, fmt: Callable[[float], str]) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)) or v is pd.NA:
        return "—"
    try:
        return html_text(fmt(float(v)))
    except (TypeError, ValueError):
        return "—"


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _figure(chart: SweepChart | None) -> str:
    if chart is None:
        return ""
    png = base64.b64encode(chart.png).decode()
    return (f"<figure><img alt='{html_text(chart.title)}' data-chart='{html_text(chart.key)}' "
            f"src='data:image/png;base64,{png}'><figcaption>{html_text(chart.caption)}</figcaption></figure>")


def _axis_description(spec: Sweep | None, axis: str) -> tuple[str, str, str]:
    """(key, values, base) of an axis as text."""
    if spec is None or axis not in spec.axes:
        return "", "", ""
    a = spec.axes[axis]
    from optimizer.sweep.design import value_label

    if spec.design in SAMPLED and a.distribution is not None:
        values = _distribution_text(a.distribution) + (f", rounded to {a.round} decimals" if a.round is not None
                                                       else "")
    elif spec.design in SAMPLED:
        values = "one of " + (", ".join(a.labels) if a.labels is not None else ", ".join(value_label(v) for v in a.values))
    else:
        values = ", ".join(a.labels) if a.labels is not None else ", ".join(value_label(v) for v in a.values or [])
    base = ""
    if spec.design == "one_at_a_time":
        from optimizer.sweep.spec import oat_base

        b = oat_base(a)
        labelled = [lab for v, lab in zip(a.values or [], a.labels or []) if v == b]
        base = labelled[0] if labelled else value_label(b)
    key = ", ".join(a.key) if isinstance(a.key, (list, tuple)) else a.key     # one key, or several set alike
    return key, values, base


def _distribution_text(d) -> str:
    from optimizer.sweep.design import value_label

    if d.kind == "uniform":
        return f"uniform {d.low:g} to {d.high:g}"
    if d.kind == "triangular":
        return f"triangular {d.low:g} to {d.high:g}, mode {d.mode:g}"
    if d.kind == "normal":
        bounds = "".join(f", {k} {v:g}" for k, v in (("low", d.low), ("high", d.high)) if v is not None)
        return f"normal, mean {d.mean:g}, sd {d.sd:g}{bounds}"
    weights = f" (weights {', '.join(f'{w:g}' for w in d.weights)})" if d.weights else ""
    return "one of " + ", ".join(value_label(v) for v in d.values) + weights


def render_html(data: SweepData, tables: dict[str, pd.DataFrame], charts: dict[str, SweepChart],
                wall_seconds: float | None = None) -> str:
    from optimizer.report.writer import CSS, SCRIPT

    esc = html_text
    spec, frame = data.spec, data.frame
    statuses = Counter(frame["status"])
    cards = [(data.design or "—", "design"), (f"{len(frame):,}", "scenarios")]
    cards += [(f"{statuses.get(s, 0):,}", s) for s in NAMED_STATUSES]
    cards += [(f"{n:,}", s) for s, n in statuses.items() if s not in NAMED_STATUSES]
    wall = wall_seconds if wall_seconds is not None else wall_time(data) if spec is not None else None
    if wall is not None:
        cards.append((_duration(wall), "wall time" + ("" if wall_seconds is not None else
                                                     " (first start to last finish in the store)")))
    run_total = frame["run_seconds"].dropna().sum()
    if run_total > 0:
        cards.append((_duration(run_total), "scenario run time, summed"))
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{esc(data.name)} — sweep report"
             f"</title><style>{CSS}{EXTRA_CSS}</style></head><body>",
             f"<h1>{esc(data.name)}: sweep report</h1>"]
    if spec is not None and spec.description:
        parts.append(f"<p>{esc(spec.description)}</p>")
    parts.append("<div class='cards'>" + "".join(f"<div class='card'><b>{esc(v)}</b><span>{esc(k)}</span></div>"
                                                for v, k in cards) + "</div>")
    where = [("base config", data.info.get("config") or (spec.config if spec else "")),
             ("sweep file", data.info.get("file")), ("run store", str(data.store.path))]
    parts.append("<p>" + " · ".join(f"{esc(name.capitalize() if i == 0 else name)}: <code>{esc(path)}</code>"
                                    for i, (name, path) in enumerate((n, p) for n, p in where if p)) + "</p>")
    planned, failed = data.planned, data.failed
    pending = int((~frame["finished"]).sum())
    parts.append(f"<p>{len(planned):,} of {len(frame):,} scenarios have a plan"
                 + (f"; {len(failed):,} finished without one and are left out of the swings, shares and "
                    f"distributions (listed with their message under Every scenario)" if len(failed) else "")
                 + (f"; {pending:,} not run yet (pending)" if pending else "") + ".</p>")
    if spec is not None and spec.set:
        parts.append("<p>In every scenario: " + esc(", ".join(f"{k}={v}" for k, v in spec.set.items())) + "</p>")
    if data.axes:
        parts.append("<h2>Axes</h2>")
        head = ["axis", "key", "values" if data.design not in SAMPLED else "values or distribution"]
        if data.design == "one_at_a_time":
            head.append("base")
        rows = []
        for axis in data.axes:
            key, values, base = _axis_description(spec, axis)
            row = [esc(axis), f"<code>{esc(key)}</code>", esc(values)]
            if data.design == "one_at_a_time":
                row.append(esc(base))
            rows.append(row)
        parts.append(_table(head, rows, "text"))
        if data.design in SAMPLED and spec is not None:
            parts.append(f"<p class='note'>{spec.samples:,} samples, seed {spec.seed}"
                         + (f", {spec.levels} levels" if data.design == "morris" else "") + ".</p>")
    parts.append(_sensitivity_html(data, tables["sensitivity"], charts))
    parts.append(_changes_html(data, tables["plan_changes"]))
    parts.append(_sites_html(data, tables["site_frequency"], charts))
    parts.append("<h2>Distributions</h2>")
    if planned.empty:
        parts.append("<p>(no scenario has a plan)</p>")
    parts += [_figure(charts.get("mw_by_source")), _figure(charts.get("cost"))]
    if not planned.empty:
        cost = planned["objective_usd"]
        parts.append(f"<p>Net present cost: min {esc(usd_text(cost.min()))}, median {esc(usd_text(cost.median()))}, "
                     f"max {esc(usd_text(cost.max()))}.</p>")
    parts.append(_binding_html(tables["binding_counts"], len(planned)))
    parts.append(_plans_html(tables["plans"]))
    parts.append(_scenarios_html(data, tables["scenarios"]))
    parts.append(f"<script>{SCRIPT}</script></body></html>")
    return "\n".join(p for p in parts if p)


def _sensitivity_html(data: SweepData, sens: pd.DataFrame, charts: dict[str, SweepChart]) -> str:
    esc = html_text
    parts = ["<h2>What moves the results</h2>"]
    if data.design == "scenarios" or not data.axes:
        parts.append("<p>A list of named scenarios has no axes to rank: compare the scenarios in the tables below.</p>")
        return "\n".join(parts)
    parts.append("<p>One bar per axis, the largest swing on top; how a swing is measured is written under each "
                 "chart. Ends are labelled with the value (or third of draws) that gives them.</p>")
    failed = data.failed
    if len(failed):
        ids = _shorten(", ".join(f"{s} ({t})" for s, t in zip(failed["scenario"], failed["status"])))
        parts.append(f"<p class='note'>Left out: {len(failed):,} scenario{'s' if len(failed) != 1 else ''} without "
                     f"a plan ({esc(ids)})"
                     + (" and the trajectories or sample blocks they belong to (SALib needs whole ones)"
                        if data.design in ("morris", "sobol") else "") + ".</p>")
    used = salib_used(data)
    if used:
        parts.append("<p class='note'>SALib analysed " + esc(", ".join(f"{n:,} scenarios for {m}"
                                                                       for m, n in used.items()))
                     + "; conf.: the half-width of the 95% bootstrap confidence interval (100 resamples). Few "
                       "samples give rough indices: read them with their intervals.</p>")
    for metric in METRICS:
        rows = sens[sens["metric"] == metric.title]
        parts.append(f"<h3>{esc(metric.title)}</h3>")
        chart = charts.get("tornado_" + metric.column)
        fixed = constant(data, metric)
        if fixed is not None:
            parts.append(f"<p>{esc(metric.text(fixed))} in every scenario with a plan: no axis moves it.</p>")
            continue
        if chart is None:
            parts.append("<p>(no swing: too few scenarios with a plan)</p>")
            continue
        parts.append(_figure(chart))
        head = ["axis", "low end", "at", "high end", "at", "swing"]
        if data.design == "morris":
            head += ["mu*", "mu* conf.", "sigma"]
        if data.design == "sobol":
            head += ["S1", "S1 conf.", "ST", "ST conf."]
        body = []
        for _, r in rows.iterrows():
            row = [esc(r["axis"]), _num(r["low"], metric.text), esc(_text(r["low_at"])), _num(r["high"], metric.text),
                   esc(_text(r["high_at"])),
                   _num(r["swing"], metric.delta)]
            if data.design == "morris":
                row += [_num(r["mu_star"], metric.delta), _num(r["mu_star_conf"], metric.delta),
                        _num(r["sigma"], metric.delta)]
            if data.design == "sobol":
                row += [_num(r[k], lambda v: f"{v:.2f}") for k in ("S1", "S1_conf", "ST", "ST_conf")]
            body.append(row)
        parts.append(_table(head, body))
        ref = rows["reference"].dropna()
        if not ref.empty:
            what = "base scenario" if data.design == "one_at_a_time" else "mean of all scenarios with a plan"
            parts.append(f"<p class='note'>Line: {esc(what)}, {esc(metric.text(float(ref.iloc[0])))}.</p>")
    return "\n".join(parts)


def _base_labels(data: SweepData) -> dict[str, str]:
    """Each axis's base value as labelled in the sweep file."""
    if data.spec is None:
        return {}
    from optimizer.sweep.design import axis_label
    from optimizer.sweep.spec import oat_base

    out = {}
    for name, axis in data.spec.axes.items():
        base = oat_base(axis)
        if base is not None:
            index = next((i for i, v in enumerate(axis.values or []) if v == base), None)
            out[name] = axis_label(axis, base, index)
    return out


def _changes_html(data: SweepData, changes: pd.DataFrame) -> str:
    esc = html_text
    parts = ["<h2>Where the plan changes</h2>"]
    if changes.empty:
        parts.append("<p>(no axes: nothing to compare)</p>" if data.design == "scenarios" or not data.axes
                     else "<p>(no finished scenario yet)</p>")
        return "\n".join(parts)
    group = {"one_at_a_time": "the axis's value, every other axis at base",
             "grid": "the axis's value, every other axis at its base value (its base, or the middle value: "
                     + ", ".join(f"{a} {b}" for a, b in _base_labels(data).items()) + ")"}.get(
        data.design, "the lowest, middle and highest third of the axis's draws")
    parts.append(f"<p>The most common plan (mix: the sources with the dominant source (most MW) first, then the "
                 f"others with at least {MIX_SHARE:.0%} of the plan's MW; and the sites chosen) by {esc(group)}.</p>")
    flips = changes[changes["change"] != ""]
    if flips.empty:
        parts.append("<p><b>The most common plan is the same at every value of every axis.</b></p>")
    else:
        parts.append("<ul class='flips'>" + "".join(f"<li><b>{esc(r['axis'])} {esc(r['value'])}</b>: "
                                                   f"{esc(r['change'])}</li>" for _, r in flips.iterrows()) + "</ul>")
    rows = [[esc(r["axis"]), esc(r["value"]), f"{r['scenarios']:,}", esc(r["plan"]), _num(r["share"], share_text),
             esc(r["change"])] for _, r in changes.iterrows()]
    parts.append(_table(["axis", "value", "scenarios", "most common plan", "share of them", "change"], rows, "text"))
    return "\n".join(parts)


def _sites_html(data: SweepData, freq: pd.DataFrame, charts: dict[str, SweepChart]) -> str:
    esc = html_text
    parts = ["<h2>Site choice</h2>"]
    if freq.empty:
        return "\n".join(parts + ["<p>(no sites)</p>"])
    parts.append(f"<p>How often each site is chosen, as a share of the {len(data.planned):,} scenarios with a "
                 f"plan.</p>")
    chosen, never = freq[freq["chosen_in"] > 0], freq[freq["chosen_in"] == 0]
    rows = [[esc(r["site_id"]), esc(r["name"] if isinstance(r["name"], str) else ""),
             esc(r["region_id"] if isinstance(r["region_id"], str) else ""), f"{r['chosen_in']:,}",
             _num(r["share"], share_text)] for _, r in chosen.iterrows()]
    if rows:
        parts.append(_table(["site", "name", "region", "scenarios choosing it", "share"], rows, "text"))
    if not never.empty:
        parts.append(f"<p class='note'>Never chosen ({len(never):,}): {esc(', '.join(map(str, never['site_id'])))}."
                     "</p>")
    parts.append(_figure(charts.get("map")))
    return "\n".join(parts)


def _binding_html(counts: pd.DataFrame, planned: int) -> str:
    esc = html_text
    parts = ["<h2>What binds</h2>"]
    if counts.empty:
        return "\n".join(parts + ["<p>(no binding limits stored)</p>"])
    parts.append(f"<p>Each limit that binds in at least one plan: in how many of the {planned:,} scenarios with a "
                 "plan, and the median of its shadow price (net present cost saved per unit relaxed, and per 1% "
                 "relaxed) over those scenarios.</p>")
    money = lambda v: f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}"  # noqa: E731
    rows = [[esc(r["limit"]), esc(r["family"]), esc(r["unit"]), f"{r['scenarios']:,}", _num(r["share"], share_text),
             _num(r["median_usd_per_unit"], money), _num(r["median_value_of_1pct_usd"], money)]
            for _, r in counts.iterrows()]
    parts.append(_table(["limit", "family", "unit", "binds in", "share", "median USD per unit relaxed",
                         "median USD per 1% relaxed"], rows))
    return "\n".join(parts)


def _plans_html(plans: pd.DataFrame, top: int = 15) -> str:
    esc = html_text
    parts = ["<h2>Plans that appear most often</h2>"]
    if plans.empty:
        return "\n".join(parts + ["<p>(no scenario has a plan)</p>"])
    parts.append(f"<p>A plan: the sites chosen and each power source's MW rounded to {SIGNATURE_MW:.0f} MW. "
                 f"{len(plans):,} distinct plan{'s' if len(plans) != 1 else ''}"
                 + (f"; the {top} most common shown (all in sweep.xlsx)" if len(plans) > top else "") + ".</p>")
    rows = [[f"<td class='t'>{esc(r['plan'])}</td>", f"{r['scenarios']:,}", _num(r["share"], share_text),
             _num(r["mean_cost_usd"], usd_text), f"<td class='t'>{esc(_shorten(r['scenario_ids']))}</td>"]
            for _, r in plans.head(top).iterrows()]
    parts.append(_table(["plan (sites | MW by source)", "scenarios", "share", "mean net present cost",
                         "scenario ids"], rows))
    return "\n".join(parts)


def _shorten(text: str, most: int = 160) -> str:
    return text if len(text) <= most else text[:most].rsplit(", ", 1)[0] + ", …"


def _scenarios_html(data: SweepData, table: pd.DataFrame) -> str:
    esc = html_text
    axes = list(axis_columns(data).values())
    head = ["scenario"] + axes + (["role"] if "role" in table else []) + \
        ["status", "net present cost", "cash capex", "peak MW", "on-site gas", "emissions", "sites", "solve s",
         "message"]
    rows = []
    for _, r in table.iterrows():
        link = r["report"] if isinstance(r["report"], str) else ""
        sid = esc(r["scenario"])
        cell = f"<td class='t'><a href='{esc(link)}' data-scenario='{sid}'>{sid}</a></td>" if link else \
            f"<td class='t' data-scenario='{sid}'>{sid}</td>"
        status = str(r["status"])
        css = "ok" if status in PLANNED else "" if status == "pending" else "bad"
        row = [cell] + [f"<td class='t'>{esc(r[a])}</td>" for a in axes]
        if "role" in table:
            row.append(f"<td class='t'>{esc(r['role'])}</td>")
        row += [f"<td class='t {css}'>{esc(status)}</td>", _num(r["objective_usd"], usd_text),
                _num(r["capex_cash_usd"], usd_text), _num(r["peak_mw"], lambda v: f"{v:,.0f}"),
                _num(r["onsite_gas_share"], share_text), _num(r["emissions_t"], tonnes_text),
                f"<td class='t'>{esc(', '.join(sites_of(r['sites'])))}</td>",
                _num(r["solve_seconds"], lambda v: f"{v:,.1f}"),
                f"<td class='msg'>{esc(r['message'] if isinstance(r['message'], str) else '')}</td>"]
        rows.append(row)
    note = ("<p>Each id links to the scenario's own run report. Scenarios without a plan show why in "
            "'message'.</p>")
    return "<h2>Every scenario</h2>" + note + _table(head, rows)
