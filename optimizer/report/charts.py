"""Charts of a run, drawn with matplotlib (Agg) from the result tables; each returns PNG bytes.

Every function takes a :class:`RunData` and returns a :class:`Chart`, or None when the run has
nothing to draw for it (for instance no storage, or no solution).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
import pandas as pd  # noqa: E402

from optimizer.report.escape import plot_text  # noqa: E402
from optimizer.report.run_data import RunData  # noqa: E402

COLOURS = {"grid": "#7f7f7f", "solar_pv": "#f2b701", "wind": "#3a9bd9", "battery_4h": "#7b4fb5", "ccgt": "#c0504d",
           "gas_aero": "#e07b39", "gas_frame": "#a34a28", "gas_recip": "#d9a066", "fuel_cell": "#5a9e6f",
           "smr": "#2e7d32", "nuclear_ppa": "#66bb6a", "unserved": "#000000"}
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
           "#bab0ac", "#86bcb6", "#d37295", "#499894", "#a0cbe8"]


@dataclass
class Chart:
    key: str
    title: str
    png: bytes
    caption: str = ""


def colour(name: str, i: int) -> str:
    return COLOURS.get(name, PALETTE[i % len(PALETTE)])


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def _stacked(ax, frame: pd.DataFrame, ylabel: str) -> None:
    bottom = None
    for i, column in enumerate(frame.columns):
        ax.bar(frame.index.astype(str), frame[column], bottom=bottom, label=plot_text(column), color=colour(column, i))
        bottom = frame[column] if bottom is None else bottom + frame[column]
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, ncol=2, frameon=False)
    ax.grid(axis="y", alpha=0.3)


def capacity_by_source(run: RunData) -> Chart | None:
    cap = run.table("capacity")
    power = run.table("site_power")
    if cap.empty and power.empty:
        return None
    frame = cap.pivot_table(index="year", columns="tech_id", values="capacity_mw", aggfunc="sum").fillna(0) \
        if not cap.empty else pd.DataFrame()
    grid = power.groupby("year")["grid_peak_mw"].sum()
    frame = frame.reindex(sorted(set(frame.index) | set(grid.index))).fillna(0)
    frame.insert(0, "grid", grid.reindex(frame.index).fillna(0))
    frame = frame.loc[:, (frame > 0).any()]
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    _stacked(ax, frame, "MW")
    ax.set_title("Capacity by power source (grid: peak import)")
    return Chart("capacity", "Capacity by power source", _png(fig), "MW in service at all sites, by year")


def load_vs_firm(run: RunData) -> Chart | None:
    power = run.table("site_power")
    if power.empty:
        return None
    by_year = power.groupby("year")[["facility_mw", "firm_mw", "need_mw"]].sum()
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    ax.plot(by_year.index.astype(str), by_year["facility_mw"], marker="o", label="peak facility load")
    ax.plot(by_year.index.astype(str), by_year["need_mw"], ls="--", label="load × (1 + reserve margin)")
    ax.plot(by_year.index.astype(str), by_year["firm_mw"], marker="s", label="firm capacity")
    ax.set_ylabel("MW")
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    ax.set_title("Facility load against firm capacity")
    return Chart("firm", "Facility load and firm capacity", _png(fig))


def grid_vs_headroom(run: RunData) -> Chart | None:
    regions = run.table("regions")
    if regions.empty or not (regions["grid_mw"] > 0).any():
        return None
    used = regions[regions.groupby("region_id")["grid_mw"].transform("max") > 0]
    names = list(dict.fromkeys(used["region_id"]))
    fig, axes = plt.subplots(1, len(names), figsize=(min(3.0 * len(names) + 1, 7.5), 3.0), squeeze=False)
    for ax, region in zip(axes[0], names):
        r = used[used.region_id == region]
        ax.bar(r["year"].astype(str), r["grid_mw"], color=COLOURS["grid"], label="grid contracted")
        if r["headroom_mw"].notna().any():
            ax.plot(r["year"].astype(str), r["headroom_mw"], color="#c0504d", marker="_", ms=18, ls="none",
                    label="headroom")
        ax.set_title(plot_text(region), fontsize=9)
        ax.tick_params(labelsize=7)
    axes[0][0].set_ylabel("MW")
    axes[0][0].legend(fontsize=7, frameon=False)
    fig.suptitle("Grid use against regional headroom", fontsize=10)
    return Chart("headroom", "Grid use and regional headroom", _png(fig))


def gpus_by_product(run: RunData) -> Chart | None:
    gpus = run.table("gpus")
    if gpus.empty:
        return None
    frame = gpus.pivot_table(index="year", columns="gpu_id", values="gpus", aggfunc="sum").fillna(0)
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    _stacked(ax, frame, "GPUs in service")
    ax.set_title("GPUs by product")
    return Chart("gpus", "GPUs by product", _png(fig))


def compute_vs_target(run: RunData) -> Chart | None:
    compute = run.table("compute")
    if compute.empty:
        return None
    fig, ax = plt.subplots(figsize=(7.5, 3.0))
    years = compute["year"].astype(str)
    ax.bar(years, compute["h100e"] / 1e6, color="#4e79a7", label="h100e in service")
    targets = compute.dropna(subset=["target_h100e"])
    if not targets.empty:
        ax.plot(targets["year"].astype(str), targets["target_h100e"] / 1e6, "D", color="#e15759", label="target")
    ax.plot(years, compute["largest_site_h100e"] / 1e6, "o--", color="#59a14f", label="largest single site")
    ax.set_ylabel("million h100e")
    ax.legend(fontsize=8, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    ax.set_title("Compute against target")
    return Chart("compute", "Compute and targets", _png(fig))


def capex_vs_budget(run: RunData) -> Chart | None:
    costs = run.table("costs")
    if costs.empty:
        return None
    cash = costs[costs.kind == "cash_capex"].pivot_table(index="year", columns="category", values="usd",
                                                         aggfunc="sum").fillna(0) / 1e9
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    _stacked(ax, cash.loc[:, (cash > 0).any()] if (cash > 0).any().any() else cash, "billion USD")
    limits = run.table("limits")
    if not limits.empty and limits["capex_budget_usd"].notna().any():
        ax.plot(limits["year"].astype(str), limits["capex_budget_usd"] / 1e9, "_", color="#c0504d", ms=25, mew=2,
                label="budget")
        ax.legend(fontsize=8, frameon=False)
    ax.set_title("Cash capex per year")
    return Chart("capex", "Cash capex and budget", _png(fig))


def cost_breakdown(run: RunData) -> Chart | None:
    costs = run.table("costs")
    if costs.empty:
        return None
    npv = costs[costs.kind == "annual_cost"].groupby("category")["npv_usd"].sum() / 1e9
    npv = npv[npv > 1e-6].sort_values()
    if npv.empty:
        return None
    fig, ax = plt.subplots(figsize=(7.5, 0.4 * len(npv) + 1.2))
    ax.barh([plot_text(c) for c in npv.index], npv.values, color="#4e79a7")
    ax.set_xlabel("billion USD, present value")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("Net present cost by category")
    return Chart("costs", "Cost breakdown", _png(fig))


def emissions(run: RunData) -> Chart | None:
    em = run.table("emissions")
    if em.empty:
        return None
    fig, ax = plt.subplots(figsize=(7.5, 3.0))
    ax.bar(em["year"].astype(str), em["emissions_t"] / 1e6, color="#9c755f", label="Mt CO2")
    ax.set_ylabel("Mt CO2")
    other = ax.twinx()
    other.plot(em["year"].astype(str), em["clean_share"] * 100, "o-", color="#59a14f", label="clean share")
    other.set_ylabel("clean share, %")
    other.set_ylim(0, 100)
    ax.set_title("Emissions and clean share")
    return Chart("emissions", "Emissions and clean share", _png(fig))


def dispatch_day(run: RunData) -> Chart | None:
    dispatch = run.table("dispatch")
    sites = run.table("sites")
    if dispatch.empty or sites.empty:
        return None
    site = sites.sort_values("peak_facility_mw", ascending=False)["site_id"].iloc[0]
    year = int(dispatch[dispatch.site_id == site]["year"].max())
    d = dispatch[(dispatch.site_id == site) & (dispatch.year == year)].copy()
    d["period"] = d["slice"].str.split("/").str[0]
    heaviest = d.groupby("period")["weight_h"].first().idxmax()
    d = d[d.period == heaviest]
    frame = d.pivot_table(index="slice", columns="source", values="mw", aggfunc="sum").fillna(0)
    frame = frame.loc[:, (frame.abs() > 1e-6).any()]
    if len(frame) > 48:
        frame = frame.iloc[:48]
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    positive = frame.clip(lower=0)
    ax.stackplot(range(len(frame)), positive.T.values, labels=[plot_text(c) for c in positive.columns],
                 colors=[colour(c, i) for i, c in enumerate(positive.columns)], alpha=0.9)
    negative = frame.clip(upper=0)
    if (negative < 0).any().any():
        ax.stackplot(range(len(frame)), negative.T.values, colors=[colour(c, i) for i, c in enumerate(negative.columns)],
                     alpha=0.5)
    ax.plot(range(len(frame)), frame.sum(axis=1), color="black", lw=1.2, label="facility load")
    ax.set_xticks(range(len(frame)))
    ax.set_xticklabels([s.split("/")[-1] for s in frame.index], fontsize=7, rotation=90)
    ax.set_ylabel("MW")
    ax.set_xlabel(f"slice of typical day {heaviest} (hour, UTC)")
    ax.legend(fontsize=7, ncol=3, frameon=False, loc="lower left")
    ax.set_title(f"Dispatch at {plot_text(site)}, {year} (storage charging below zero)")
    return Chart("dispatch", "Dispatch on a representative day", _png(fig))


CONUS = (-124.8, 24.4, -66.9, 49.4)        # the lower 48: the national view
STATE_LINES = {"color": "#b4b4b4", "linewidth": 0.5}
LABEL_PT = 7                                # site labels, points


@dataclass
class SiteMap:
    """The map figure before it is saved, and what was drawn on it (for tests)."""
    fig: object
    ax: object
    states: object = None                   # LineCollection of the state outlines, or None
    regions: list = field(default_factory=list)   # region ids whose outlines are drawn
    labels: list = field(default_factory=list)    # one Annotation per site


def _view(points, outlines) -> tuple[float, float, float, float]:
    """Map extent (lon0, lat0, lon1, lat1): the sites and drawn regions with a margin, at least
    12° × 7°; a view wider than 30° of longitude shows the whole lower 48."""
    import numpy as np

    bounds = [points.total_bounds] + [o.total_bounds for o in outlines]
    x0, y0 = np.min([b[0] for b in bounds]), np.min([b[1] for b in bounds])
    x1, y1 = np.max([b[2] for b in bounds]), np.max([b[3] for b in bounds])
    x0, y0, x1, y1 = x0 - 1.0, y0 - 1.0, x1 + 1.0, y1 + 1.0
    if x1 - x0 < 12:
        x0, x1 = (x0 + x1) / 2 - 6, (x0 + x1) / 2 + 6
    if y1 - y0 < 7:
        y0, y1 = (y0 + y1) / 2 - 3.5, (y0 + y1) / 2 + 3.5
    if x1 - x0 > 30:
        x0, y0, x1, y1 = min(x0, CONUS[0]), min(y0, CONUS[1]), max(x1, CONUS[2]), max(y1, CONUS[3])
    return x0, y0, x1, y1


def _state_lines(states):
    """The state borders as one LineCollection (each ring once per state)."""
    from matplotlib.collections import LineCollection

    rings = []
    for geometry in states.geometry:
        for polygon in getattr(geometry, "geoms", [geometry]):
            if polygon is not None and polygon.geom_type == "Polygon":
                rings += [polygon.exterior.coords, *(i.coords for i in polygon.interiors)]
    return LineCollection([list(r) for r in rings], zorder=1, **STATE_LINES)


def _hits(box, boxes) -> int:
    """How many of ``boxes`` (an n × 4 array of x0, y0, x1, y1) the box (x0, y0, x1, y1) touches."""
    return int(((box[0] <= boxes[:, 2]) & (boxes[:, 0] <= box[2]) & (box[1] <= boxes[:, 3]) &
                (boxes[:, 1] <= box[3])).sum())


def _place_labels(ax, points, radii_pt) -> list:
    """Site labels placed one by one (chosen and larger sites first) where they touch no label
    placed before, stay inside the map and cover no other site's marker if they can: beside the
    marker first (right, upper right, lower right, left, ..., above, below), then in rings further
    out, joined to their site by a leader line."""
    import numpy as np

    fig = ax.figure
    fig.canvas.draw()                       # final axes position (after the aspect) and a renderer
    renderer = fig.canvas.get_renderer()
    px = fig.dpi / 72.0
    frame = ax.get_window_extent(renderer)
    centres = ax.transData.transform(points[["lon", "lat"]].to_numpy(dtype=float))
    radii = np.asarray(radii_pt, dtype=float) * px
    markers = np.column_stack([centres - radii[:, None], centres + radii[:, None]])
    order = sorted(range(len(points)), key=lambda i: (not points["selected"].iloc[i], -radii[i], i))
    placed = np.empty((0, 4))
    labels: list = [None] * len(points)
    for i in order:
        text = plot_text(points["site_id"].iloc[i])
        probe = ax.text(0, 0, text, fontsize=LABEL_PT)
        size = probe.get_window_extent(renderer)
        probe.remove()
        w, h = size.width + 2, size.height + 2      # a pixel of air on every side
        (x, y), others = centres[i], np.delete(markers, i, axis=0)
        best = None
        for ring in range(12):
            d = radii[i] + 2 * px + ring * h
            e = 0.7 * d
            for k, (dx, dy) in enumerate(((d, -h / 2), (e, e), (e, -e - h), (-d - w, -h / 2), (-e - w, e),
                                          (-e - w, -e - h), (-w / 2, d), (-w / 2, -d - h))):
                box = (x + dx, y + dy, x + dx + w, y + dy + h)
                if not (frame.x0 <= box[0] and box[2] <= frame.x1 and frame.y0 <= box[1] and box[3] <= frame.y1):
                    continue
                score = (_hits(box, placed), _hits(box, others), ring, k)
                if best is None or score < best[0]:
                    best = (score, dx, dy)
            if best is not None and best[0][:2] == (0, 0):
                break
        score, dx, dy = best if best is not None else ((0, 0, 0, 0), radii[i], -h / 2)
        placed = np.vstack([placed, (x + dx, y + dy, x + dx + w, y + dy + h)])
        leader = {"arrowstyle": "-", "color": "#666666", "lw": 0.5, "shrinkA": 0,
                  "shrinkB": radii_pt[i]} if score[2] > 0 else None
        labels[i] = ax.annotate(text, (points["lon"].iloc[i], points["lat"].iloc[i]),
                                xytext=((dx + 1) / px, (dy + 1) / px), textcoords="offset points", fontsize=LABEL_PT,
                                ha="left", va="bottom", zorder=5, arrowprops=leader, annotation_clip=False)
        labels[i].set_in_layout(False)      # the layout is fixed: saving must not move the axes
    return labels


def draw_site_map(run: RunData) -> SiteMap | None:
    """The site map as a figure: grey state outlines, region outlines coloured under the sites,
    sites as rings (candidates) or dots (chosen, sized by peak MW), labels that do not overlap."""
    import math

    sites = run.table("sites")
    if sites.empty:
        return None
    import geopandas as gpd

    points = gpd.GeoDataFrame(sites, geometry=gpd.points_from_xy(sites["lon"], sites["lat"]), crs="EPSG:4326")
    if "selected" not in points:
        points["selected"] = False
    points["selected"] = points["selected"].fillna(False).astype(bool)
    peak = points["peak_facility_mw"].fillna(0).clip(lower=0) if "peak_facility_mw" in points else 0 * points["lon"]
    regions = list(dict.fromkeys(points["region_id"]))
    shapes = run.region_shapes
    outlines = {r: shapes[shapes.region_id == r] for r in regions} if shapes is not None else {}
    outlines = {r: o for r, o in outlines.items() if not o.empty}
    x0, y0, x1, y1 = _view(points, list(outlines.values()))
    aspect = 1 / math.cos(math.radians((y0 + y1) / 2))
    height = min(max(6.9 * (y1 - y0) * aspect / (x1 - x0) + 1.0, 3.4), 7.5)
    fig, ax = plt.subplots(figsize=(8.9, height))
    drawn = SiteMap(fig, ax)
    states = run.state_shapes
    if states is not None and not states.empty:
        drawn.states = ax.add_collection(_state_lines(states))
    for i, region in enumerate(regions):
        if region in outlines:
            outlines[region].plot(ax=ax, color=PALETTE[i % len(PALETTE)], alpha=0.12,
                                  edgecolor=PALETTE[i % len(PALETTE)], linewidth=0.8, zorder=2)
            drawn.regions.append(region)
    # marker radii, points: the ring (40 pt²) and, for a chosen site, its dot (30 + MW / 5 pt²)
    radii = [math.sqrt(max(40.0, 30 + mw / 5 if chosen else 0.0)) / 2 for chosen, mw in zip(points["selected"], peak)]
    for i, region in enumerate(regions):
        group = points[points.region_id == region]
        chosen = group[group.selected]
        group.plot(ax=ax, color="none", edgecolor=PALETTE[i % len(PALETTE)], markersize=40, linewidth=1, zorder=3)
        if not chosen.empty:
            chosen.plot(ax=ax, color=PALETTE[i % len(PALETTE)], markersize=(30 + peak[chosen.index] / 5).to_numpy(),
                        alpha=0.8, zorder=4)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(aspect)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    keys = [Line2D([], [], marker="o", ls="none", ms=7, color=PALETTE[i % len(PALETTE)], label=plot_text(region))
            for i, region in enumerate(regions)]
    ax.legend(handles=keys, fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="region",
              title_fontsize=7)
    ax.set_title("Candidate sites (rings) and chosen sites (filled, sized by peak MW)", fontsize=10)
    fig.tight_layout()
    drawn.labels = _place_labels(ax, points, radii)
    return drawn


def site_map(run: RunData) -> Chart | None:
    drawn = draw_site_map(run)
    if drawn is None:
        return None
    caption = ("grey lines: state borders (U.S. Census Bureau cartographic boundaries); coloured: region outlines"
               if drawn.states is not None else "")
    return Chart("map", "Site map", _png(drawn.fig), caption)


def build_schedule(run: RunData) -> Chart | None:
    sites = run.table("sites")
    power = run.table("site_power")
    if sites.empty or power.empty:
        return None
    chosen = sites[sites.selected]
    if chosen.empty:
        return None
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(chosen) + 1.4))
    for i, site in enumerate(chosen["site_id"]):
        p = power[(power.site_id == site) & (power.facility_mw > 0)]
        ax.scatter(p["year"], [i] * len(p), s=20 + p["facility_mw"] / 3, color="#4e79a7", alpha=0.8)
        online = chosen.loc[chosen.site_id == site, "online_year"].iloc[0]
        ax.scatter([online], [i], marker="|", s=300, color="#e15759")
    ax.set_yticks(range(len(chosen)))
    ax.set_yticklabels([plot_text(s) for s in chosen["site_id"]])
    years = sorted(power["year"].unique())
    ax.set_xticks(years)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("Build schedule: campus online (red) and facility MW (dot size)")
    return Chart("schedule", "Build schedule", _png(fig))


ALL = (build_schedule, capacity_by_source, load_vs_firm, grid_vs_headroom, gpus_by_product, compute_vs_target,
       capex_vs_budget, cost_breakdown, emissions, dispatch_day, site_map)


def all_charts(run: RunData) -> dict[str, Chart]:
    charts = {}
    for make in ALL:
        chart = make(run)
        if chart is not None:
            charts[chart.key] = chart
    return charts
