"""The alternatives page: every plan within the slack side by side.

``alternatives.html`` (self-contained, like a run report): a card per plan (its net present cost
and gap to the optimum, what distinguishes it in one sentence, its campuses on a small map, MW by
source, h100e bought by product, a link to its own run report), a chart of MW by source and one of
h100e by product across the plans, and a table of the campuses, sources and GPU products: in how
many plans each appears. Every text from the user's files is escaped.
"""

from __future__ import annotations

import base64
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from optimizer.report.charts import _png  # noqa: E402
from optimizer.report.escape import html_text, plot_text  # noqa: E402

MAP_DPI = 48          # the campus maps are small: one per card


def write_alternatives_report(folder: Path, summary: dict) -> Path:
    """Write ``folder/alternatives.html`` from the summary the search wrote and the plans' run folders."""
    plans = summary["alternatives"]
    charts = {"mw": _stacked(plans, "mw_by_source", "MW (most in service in any period; grid: contracted)",
                             "MW by source"),
              "h100e": _stacked(plans, "h100e_by_product", "h100e bought over the horizon", "h100e by product")}
    maps = {p["alternative"]: _mini_map(folder / p["folder"]) for p in plans}
    from optimizer.alternatives.run import frequency

    html = _render(summary, plans, charts, maps, frequency(plans))
    path = folder / "alternatives.html"
    path.write_text(html, encoding="utf-8")
    return path


def _stacked(plans: list[dict], key: str, xlabel: str, title: str) -> bytes | None:
    """One horizontal bar per plan, stacked by source (or product)."""
    from optimizer.report.charts import colour

    frame = pd.DataFrame([p[key] for p in plans], index=[_title(p) for p in plans]).fillna(0.0)
    if frame.empty or not frame.to_numpy().any():
        return None
    frame = frame[frame.sum().sort_values(ascending=False).index]
    fig, ax = plt.subplots(figsize=(8.9, 0.45 * len(plans) + 1.6))
    left = pd.Series(0.0, index=frame.index)
    for i, column in enumerate(frame.columns):
        ax.barh(range(len(frame)), frame[column], left=left, color=colour(column, i), label=plot_text(column))
        left += frame[column]
    ax.set_yticks(range(len(frame)), [plot_text(t) for t in frame.index])
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(fontsize=8, ncol=min(5, len(frame.columns)), loc="upper center", bbox_to_anchor=(0.5, -0.25),
              frameon=False)
    return _png(fig)


def _mini_map(run_folder: Path) -> bytes | None:
    """The plan's own site map (as its run report draws it), small."""
    from optimizer.report.charts import draw_site_map
    from optimizer.report.run_data import read_run

    try:
        drawn = draw_site_map(read_run(run_folder))
    except (OSError, ValueError, KeyError):
        return None
    return None if drawn is None else _png(drawn.fig, MAP_DPI)


def _title(plan: dict) -> str:
    return "optimum" if plan["alternative"] == 0 else f"alternative {plan['alternative']}"


def _busd(usd: float) -> str:
    return f"${usd / 1e9:,.3f} B" if abs(usd) >= 1e8 else f"${usd / 1e6:,.1f} M"


def _img(png: bytes | None, alt: str) -> str:
    if png is None:
        return ""
    return f"<img alt='{html_text(alt)}' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"


def _card(plan: dict, png: bytes | None) -> str:
    esc = html_text
    gap = "the least cost" if plan["alternative"] == 0 else f"+{plan['gap_to_optimum']:.2%} over the optimum"
    mw = "".join(f"<tr><td>{esc(k)}</td><td class='n'>{v:,.0f}</td></tr>"
                 for k, v in sorted(plan["mw_by_source"].items(), key=lambda t: -t[1]) if v >= 0.5)
    gpus = "".join(f"<tr><td>{esc(k)}</td><td class='n'>{v:,.0f}</td></tr>"
                   for k, v in sorted(plan["h100e_by_product"].items(), key=lambda t: -t[1]))
    link = f"{plan['folder']}/report.html"
    return (f"<div class='alt'><h3><a href='{esc(link)}'>{esc(_title(plan))}</a></h3>"
            f"<p class='cost'>{_busd(plan['objective_usd'])} <span>{esc(gap)}</span></p>"
            f"<p class='differs'>{esc(plan['differs'])}</p>{_img(png, _title(plan) + ' campuses')}"
            f"<p>campuses: {esc(', '.join(plan['sites']))}</p>"
            f"<table><tr><th>source</th><th>MW</th></tr>{mw}</table>"
            f"<table><tr><th>GPU product</th><th>h100e</th></tr>{gpus}</table></div>")


def _render(summary: dict, plans: list[dict], charts: dict, maps: dict, freq: pd.DataFrame) -> str:
    from optimizer.report.writer import CSS, SCRIPT

    esc = html_text
    name = summary.get("name") or "config"
    n = len(plans) - 1
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(name)}: alternatives</title>",
             f"<style>{CSS}.alts{{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:14px}}"
             ".alt{border:1px solid #ddd;border-radius:6px;padding:8px 10px}.alt img{width:100%}"
             ".alt h3{margin:4px 0}.cost{font-size:1.2em;margin:2px 0}.cost span{font-size:.75em;color:#666}"
             ".differs{font-style:italic}.alt table{margin:6px 0;font-size:.85em}</style></head><body>",
             f"<h1>{esc(name)}: near-optimal alternatives</h1>",
             f"<p>{n} alternative{'s' if n != 1 else ''} within {summary['slack']:.1%} of the least net present cost "
             f"({_busd(summary['optimum_usd'])}), found by {esc(_method_text(summary))}, differing in "
             f"{esc(', '.join(summary['space']))}. Plans closer than {summary['threshold']} count as the same plan; "
             f"{summary['distinct_plans']} distinct plan{'s' if summary['distinct_plans'] != 1 else ''} "
             f"found ({esc(summary['stopped'])}).</p>",
             "<div class='alts'>" + "".join(_card(p, maps.get(p["alternative"])) for p in plans) + "</div>",
             "<h2>Across the plans</h2>"]
    for key, title in (("mw", "MW by source"), ("h100e", "h100e by product")):
        if charts.get(key) is not None:
            parts.append(f"<figure>{_img(charts[key], title)}</figure>")
    parts.append("<h2>In how many plans</h2><table><tr><th>kind</th><th>item</th><th>plans</th><th>share</th></tr>"
                 + "".join(f"<tr><td>{esc(r.kind)}</td><td>{esc(r.item)}</td><td class='n'>{r.plans}</td>"
                           f"<td class='n'>{r.share:.0%}</td></tr>" for r in freq.itertuples()) + "</table>")
    parts.append(f"<script>{SCRIPT}</script></body></html>")
    return "\n".join(parts)


def _method_text(summary: dict) -> str:
    return "Hop-Skip-Jump (each alternative avoids what earlier plans used)" if summary["method"] == "hsj" \
        else "random directions in the decision space"
