"""Charts of a run, drawn with matplotlib (Agg) from the result tables; each returns PNG bytes.

Every function takes a :class:`RunData` and returns a :class:`Chart`, or None when the run has
nothing to draw for it (for instance no storage, or no solution). The x axis of the charts over time
is the planning periods in time order, one slot per period, labelled ``2027``, ``2025Q1`` or
``2024-07``; MW and GPUs are levels in the period, energy, emissions and annual costs rates per year,
cash capex what the period pays.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
import pandas as pd  # noqa: E402

from optimizer.report.escape import plot_text  # noqa: E402
from optimizer.report.run_data import RunData, by_period, in_time_order, label_text, period_labels  # noqa: E402

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


def _png(fig, dpi: int = 110) -> bytes:
    """The figure as PNG bytes (tight layout, ``dpi``, Agg); the figure is closed.

    ``tight_layout`` leaves a placeholder layout engine on the figure, and with any engine set
    ``savefig`` first draws the whole figure without rendering it (to run the engine), then draws it
    again to render: removing the engine once the layout is done saves that first draw. The pixels
    are the same."""
    buf = io.BytesIO()
    fig.tight_layout()
    fig.set_layout_engine(None)
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


@contextmanager
def _no_idle_draws(fig):
    """Within the block, ``fig.canvas.draw_idle()`` does nothing. geopandas' ``plot`` ends with it, and
    on Agg that is a full draw of the figure for every layer plotted (some 30 on a national map);
    the figure is drawn when it is laid out and saved."""
    canvas = fig.canvas
    canvas.draw_idle = lambda *args, **kwargs: None
    try:
        yield
    finally:
        del canvas.draw_idle


def _stacked(ax, frame: pd.DataFrame, ylabel: str) -> None:
    bottom = None
    for i, column in enumerate(frame.columns):
        ax.bar(frame.index.astype(str), frame[column], bottom=bottom, label=plot_text(column), color=colour(column, i))
        bottom = frame[column] if bottom is None else bottom + frame[column]
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, ncol=2, frameon=False)
    ax.grid(axis="y", alpha=0.3)


def _period_ticks(ax, run: RunData, axis: str = "x") -> None:
    """Period labels of a sub-year plan, upright and small so that 20-odd months stay legible
    (yearly plans keep matplotlib's ticks, as their reports always had)."""
    if run.sub_year:
        ax.tick_params(axis=axis, labelrotation=90, labelsize=7)


def _by_period_pivot(frame: pd.DataFrame, columns: str, values: str) -> pd.DataFrame:
    """Σ ``values`` by period (rows, in time order) and ``columns``."""
    if frame.empty:
        return pd.DataFrame()
    out = frame.assign(_p=period_labels(frame).to_numpy()).pivot_table(index="_p", columns=columns, values=values,
                                                                       aggfunc="sum").fillna(0)
    out = out.reindex(in_time_order(out.index))
    out.index.name = None
    return out


def _in_time_order(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows in time order of their period (stable within a period)."""
    if frame.empty:
        return frame
    labels = period_labels(frame)
    rank = {p: i for i, p in enumerate(in_time_order(labels))}
    return frame.iloc[labels.map(rank).fillna(len(rank)).argsort(kind="stable")]


def capacity_by_source(run: RunData) -> Chart | None:
    cap = run.table("capacity")
    power = run.table("site_power")
    if cap.empty and power.empty:
        return None
    frame = _by_period_pivot(cap, "tech_id", "capacity_mw")
    grid = by_period(power, "grid_peak_mw")
    frame = frame.reindex(in_time_order(list(frame.index) + list(grid.index))).fillna(0)
    frame.insert(0, "grid", grid.reindex(frame.index).fillna(0))
    frame = frame.loc[:, (frame > 0).any()]
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    _stacked(ax, frame, "MW")
    _period_ticks(ax, run)
    ax.set_title("Capacity by power source (grid: peak import)")
    return Chart("capacity", "Capacity by power source", _png(fig),
                 f"MW in service at all sites, by {'period' if run.sub_year else 'year'}")


def load_vs_firm(run: RunData) -> Chart | None:
    power = run.table("site_power")
    if power.empty:
        return None
    by_year = pd.DataFrame({c: by_period(power, c) for c in ("facility_mw", "firm_mw", "need_mw")})
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    ax.plot(by_year.index.astype(str), by_year["facility_mw"], marker="o", label="peak facility load")
    ax.plot(by_year.index.astype(str), by_year["need_mw"], ls="--", label="load × (1 + reserve margin)")
    ax.plot(by_year.index.astype(str), by_year["firm_mw"], marker="s", label="firm capacity")
    ax.set_ylabel("MW")
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    _period_ticks(ax, run)
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
        r = _in_time_order(used[used.region_id == region])
        ax.bar(period_labels(r), r["grid_mw"], color=COLOURS["grid"], label="grid contracted")
        if r["headroom_mw"].notna().any():
            ax.plot(period_labels(r), r["headroom_mw"], color="#c0504d", marker="_", ms=18 if not run.sub_year else 6,
                    ls="none", label="headroom")
        ax.set_title(plot_text(region), fontsize=9)
        ax.tick_params(labelsize=7)
        _period_ticks(ax, run)
    axes[0][0].set_ylabel("MW")
    axes[0][0].legend(fontsize=7, frameon=False)
    fig.suptitle("Grid use against regional headroom", fontsize=10)
    return Chart("headroom", "Grid use and regional headroom", _png(fig))


def gpus_by_product(run: RunData) -> Chart | None:
    gpus = run.table("gpus")
    if gpus.empty:
        return None
    frame = _by_period_pivot(gpus, "gpu_id", "gpus")
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    _stacked(ax, frame, "GPUs in service")
    _period_ticks(ax, run)
    ax.set_title("GPUs by product")
    return Chart("gpus", "GPUs by product", _png(fig))


def compute_vs_target(run: RunData) -> Chart | None:
    compute = run.table("compute")
    if compute.empty:
        return None
    fig, ax = plt.subplots(figsize=(7.5, 3.0))
    compute = _in_time_order(compute)
    years = period_labels(compute)
    ax.bar(years, compute["h100e"] / 1e6, color="#4e79a7", label="h100e in service")
    targets = compute.dropna(subset=["target_h100e"])
    if not targets.empty:
        ax.plot(period_labels(targets), targets["target_h100e"] / 1e6, "D", color="#e15759", label="target")
    ax.plot(years, compute["largest_site_h100e"] / 1e6, "o--", color="#59a14f", label="largest single site")
    ax.set_ylabel("million h100e")
    ax.legend(fontsize=8, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    _period_ticks(ax, run)
    ax.set_title("Compute against target")
    return Chart("compute", "Compute and targets", _png(fig))


def capex_vs_budget(run: RunData) -> Chart | None:
    costs = run.table("costs")
    if costs.empty:
        return None
    cash = _by_period_pivot(costs[costs.kind == "cash_capex"], "category", "usd") / 1e9
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    _stacked(ax, cash.loc[:, (cash > 0).any()] if (cash > 0).any().any() else cash, "billion USD")
    limits = run.table("limits")
    budgeted = not limits.empty and "capex_budget_usd" in limits and limits["capex_budget_usd"].notna().any()
    if budgeted and not run.sub_year:
        ax.plot(period_labels(limits), limits["capex_budget_usd"] / 1e9, "_", color="#c0504d", ms=25, mew=2,
                label="budget")
        ax.legend(fontsize=8, frameon=False)
    elif budgeted:
        _budget_by_calendar_year(ax, run, cash.sum(axis=1), _in_time_order(limits))
    _period_ticks(ax, run)
    ax.set_title("Cash capex per period" if run.sub_year else "Cash capex per year")
    caption = ("bars: cash capex each period pays; the budget holds for each calendar year's months and quarters "
               "together (line: what the calendar year has paid so far)") if run.sub_year and budgeted else ""
    return Chart("capex", "Cash capex and budget", _png(fig), caption)


def _budget_by_calendar_year(ax, run: RunData, cash_busd: pd.Series, limits: pd.DataFrame) -> None:
    """Sub-year plans: the budget is per calendar year (the months and quarters of a year share it;
    a period of L whole years has L years of it). Marks the budget of each period's year and the cash
    its year has paid up to and including the period."""
    budget = dict(zip(period_labels(limits), limits["capex_budget_usd"] / 1e9))
    years = dict(zip(period_labels(limits), limits["year"])) if "year" in limits else {}
    groups: dict = {}                      # calendar year (or whole-year period) -> [(label, paid so far)]
    marks = []
    for label in cash_busd.index:
        months = run.period_months.get(label, 12)
        group = groups.setdefault(years.get(label, label) if months < 12 else ("whole", label), [])
        group.append((label, (group[-1][1] if group else 0.0) + cash_busd[label]))
        b = budget.get(label)
        marks.append(float("nan") if b is None or b != b else b * (months / 12 if months >= 12 else 1.0))
    ax.plot(list(cash_busd.index), marks, "_", color="#c0504d", ms=10, mew=2, label="budget per calendar year")
    for i, points in enumerate(groups.values()):
        ax.plot([p for p, _ in points], [v for _, v in points], "o-", color="#7f7f7f", ms=3, lw=1,
                label="paid in the calendar year so far" if i == 0 else None)
    ax.legend(fontsize=8, frameon=False)


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
    em = _in_time_order(em)
    ax.bar(period_labels(em), em["emissions_t"] / 1e6, color="#9c755f", label="Mt CO2")
    ax.set_ylabel("Mt CO2 per year" if run.sub_year else "Mt CO2")
    other = ax.twinx()
    other.plot(period_labels(em), em["clean_share"] * 100, "o-", color="#59a14f", label="clean share")
    other.set_ylabel("clean share, %")
    other.set_ylim(0, 100)
    _period_ticks(ax, run)
    ax.set_title("Emissions and clean share")
    return Chart("emissions", "Emissions and clean share", _png(fig),
                 "emissions as a rate per year in each period" if run.sub_year else "")


def dispatch_day(run: RunData) -> Chart | None:
    dispatch = run.table("dispatch")
    sites = run.table("sites")
    if dispatch.empty or sites.empty:
        return None
    site = sites.sort_values("peak_facility_mw", ascending=False)["site_id"].iloc[0]
    at_site = dispatch[dispatch.site_id == site]
    busy = at_site[(at_site["mw"].abs() > 1e-6).to_numpy()]
    if busy.empty:
        return None
    year = in_time_order(period_labels(busy))[-1]        # the last period with any dispatch at the site
    d = at_site[(period_labels(at_site) == year).to_numpy()].copy()
    d["day"] = d["slice"].str.split("/").str[0]
    heaviest = d.groupby("day")["weight_h"].first().idxmax()
    d = d[d.day == heaviest]
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
    fig.draw_without_rendering()            # final axes position (after the aspect), no pixels
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
    with _no_idle_draws(fig):
        for i, region in enumerate(regions):
            if region in outlines:
                outlines[region].plot(ax=ax, color=PALETTE[i % len(PALETTE)], alpha=0.12,
                                      edgecolor=PALETTE[i % len(PALETTE)], linewidth=0.8, zorder=2)
                drawn.regions.append(region)
        for i, region in enumerate(regions):
            group = points[points.region_id == region]
            chosen = group[group.selected]
            group.plot(ax=ax, color="none", edgecolor=PALETTE[i % len(PALETTE)], markersize=40, linewidth=1,
                       zorder=3)
            if not chosen.empty:
                chosen.plot(ax=ax, color=PALETTE[i % len(PALETTE)],
                            markersize=(30 + peak[chosen.index] / 5).to_numpy(), alpha=0.8, zorder=4)
    # marker radii, points: the ring (40 pt²) and, for a chosen site, its dot (30 + MW / 5 pt²)
    radii = [math.sqrt(max(40.0, 30 + mw / 5 if chosen else 0.0)) / 2 for chosen, mw in zip(points["selected"], peak)]
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
    labels = in_time_order(period_labels(power))
    yearly = not run.sub_year and all(label.isdigit() for label in labels)
    x_of = {label: int(label) if yearly else i for i, label in enumerate(labels)}
    online_column = "online_period" if "online_period" in chosen.columns else "online_year"
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(chosen) + 1.4 + (0.4 if run.sub_year else 0)))
    for i, site in enumerate(chosen["site_id"]):
        p = power[(power.site_id == site) & (power.facility_mw > 0)]
        ax.scatter([x_of[label] for label in period_labels(p)], [i] * len(p), s=20 + p["facility_mw"] / 3,
                   color="#4e79a7", alpha=0.8)
        online = label_text(chosen.loc[chosen.site_id == site, online_column].iloc[0])
        ax.scatter([x_of.get(online, float("nan")) if online is not None else float("nan")], [i], marker="|", s=300,
                   color="#e15759")
    ax.set_yticks(range(len(chosen)))
    ax.set_yticklabels([plot_text(s) for s in chosen["site_id"]])
    ax.set_xticks([x_of[label] for label in labels])
    if not yearly:
        ax.set_xticklabels(labels)
    _period_ticks(ax, run)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("Build schedule: campus online (red) and facility MW (dot size)")
    return Chart("schedule", "Build schedule", _png(fig))


RENTED_HATCH = "////"
CAMPUS_COLOUR = "#4e79a7"


@dataclass
class Timeline:
    """The build timeline before it is saved, and what was drawn (for tests): ``rows`` top to bottom as
    (site, item, kind) with kind 'campus', 'grid', 'power', 'rented' or 'gpus'; ``bars`` the bar patches
    of each row; ``periods`` the x axis, one slot per period."""
    fig: object
    ax: object
    periods: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    bars: dict = field(default_factory=dict)
    markers: dict = field(default_factory=dict)


TIMELINE_AXES_PT = 0.78 * 8.5 * 72       # about the width of the timeline's axes, points
NOTE_PT = 6                                 # notes on the timeline, points


def _fitting(notes: dict[int, str], slot_pt: float, centred: bool = False, latest_first: bool = False) \
        -> dict[int, str]:
    """The notes (slot -> text) that fit side by side: a note that would run into one placed before is
    left out (the bar or marker still shows the change). Placed left to right, or right to left with
    ``latest_first`` (levels: the latest level is the one to read)."""
    out, placed = {}, []
    for i in sorted(notes, reverse=latest_first):
        width = 0.62 * NOTE_PT * len(notes[i]) + 3
        start = (i + 0.5) * slot_pt - width / 2 if centred else i * slot_pt + 0.05 * slot_pt
        if all(start + width <= a or b <= start for a, b in placed):
            out[i] = notes[i]
            placed.append((start, start + width))
    return out


def _compact(n: float) -> str:
    """1,234 -> '1.2k', 100,000 -> '100k', 2.5e6 -> '2.5M'."""
    for size, unit in ((1e6, "M"), (1e3, "k")):
        if abs(n) >= size:
            v = n / size
            return f"{v:,.1f}{unit}".replace(".0" + unit, unit) if v < 10 else f"{v:,.0f}{unit}"
    return f"{n:,.0f}"


def _spans(values: list[float], eps: float = 1e-6) -> list[tuple[int, int]]:
    """(first, last) slot of each run of values above ``eps``."""
    out, start = [], None
    for i, v in enumerate(values + [0.0]):
        if v > eps and start is None:
            start = i
        elif v <= eps and start is not None:
            out.append((start, i - 1))
            start = None
    return out


def _site_items(run: RunData, site: str, x: dict) -> list[tuple[str, str, dict]]:
    """The rows of one chosen site: (item, kind, what to draw), in reading order."""
    n = len(x)
    power, cap, gpus = run.table("site_power"), run.table("capacity"), run.table("gpus")
    items = []
    here = power[power.site_id == site] if not power.empty else power
    here_p = period_labels(here)
    if "open" in here.columns:
        opened = [0.0] * n
        for label, is_open in zip(here_p, here["open"]):
            if label in x and str(is_open).strip().lower() in ("true", "1", "1.0"):
                opened[x[label]] = 1.0
    else:
        sites = run.table("sites")
        column = "online_period" if "online_period" in sites.columns else "online_year"
        online = label_text(sites.loc[sites.site_id == site, column].iloc[0])
        opened = [1.0 if online in x and i >= x[online] else 0.0 for i in range(n)]
    items.append(("campus", "campus", {"levels": opened, "notes": {}}))
    if "grid_mw" in here.columns and (here["grid_mw"] > 1e-6).any():
        levels = [0.0] * n
        for label, mw in zip(here_p, here["grid_mw"]):
            if label in x:
                levels[x[label]] = float(mw)
        notes, before = {}, 0.0
        for i, mw in enumerate(levels):
            if abs(mw - before) >= 0.5 and mw > 1e-6:
                notes[i] = f"{mw:,.0f} MW"
            before = mw
        items.append(("grid", "grid", {"levels": levels, "notes": notes}))
    rented = run.rented_techs
    at = cap[cap.site_id == site] if not cap.empty else cap
    for tech in dict.fromkeys(at["tech_id"]) if not at.empty else []:
        rows = at[at.tech_id == tech]
        levels, new = [0.0] * n, [0.0] * n
        for label, mw, added in zip(period_labels(rows), rows["capacity_mw"], rows["added_mw"]):
            if label in x:
                levels[x[label]] += float(mw)
                new[x[label]] += float(added)
        if max(levels) <= 1e-6:
            continue
        notes = {}
        if tech in rented:
            before = 0.0
            for i, mw in enumerate(levels):
                if abs(mw - before) >= 0.5 and mw > 1e-6:
                    notes[i] = f"{mw:,.0f} MW"
                before = mw
        else:
            notes = {i: f"+{a:,.0f} MW" for i, a in enumerate(new) if a >= 0.5}
        items.append((tech, "rented" if tech in rented else "power", {"levels": levels, "notes": notes}))
    from optimizer.report.metrics import _added_gpus

    added = _added_gpus(gpus[gpus.site_id == site] if not gpus.empty else gpus)
    for gpu in dict.fromkeys(added["gpu_id"]):
        rows = added[added.gpu_id == gpu]
        counts = [0.0] * n
        for label, a in zip(rows["period"], rows["added"]):
            if label in x:
                counts[x[label]] += float(a)
        if max(counts) > 0:
            items.append((f"GPUs {gpu}", "gpus", {"counts": counts}))
    return items


def draw_build_timeline(run: RunData) -> Timeline | None:
    """A Gantt chart of the build, one row per chosen site and item: the campus (open), the grid
    contract (labelled where its MW changes), each power source from the first period it serves
    (owned: solid, labelled with MW added; rented bridge power: hatched and labelled 'rented', for the
    periods it is on site, with its MW where it changes), and GPU deliveries (circles sized by the GPUs
    delivered in the period). One slot per period on the x axis, in time order; None for a plan of one
    period or without a chosen site."""
    sites = run.table("sites")
    periods = run.periods
    if len(periods) < 2 or sites.empty or "selected" not in sites.columns:
        return None
    chosen = sites[sites.selected.astype(str).str.lower().isin(["true", "1", "1.0"])]
    if chosen.empty:
        return None
    x = {label: i for i, label in enumerate(periods)}
    column = "online_period" if "online_period" in chosen.columns else "online_year"
    online = {s: x.get(label_text(o), len(x)) for s, o in zip(chosen["site_id"], chosen[column])}
    order = sorted(chosen["site_id"], key=lambda s: online[s])          # first campus first
    per_site = [(s, _site_items(run, s, x)) for s in order]
    n_rows = sum(len(items) for _, items in per_site)
    many = len(periods) > 12
    fig, ax = plt.subplots(figsize=(8.5, min(0.34 * n_rows + (2.3 if many else 1.9), 30)))
    drawn = Timeline(fig, ax, periods)
    top = max((max(max(i.get("counts", [0])) for _, _, i in items) for _, items in per_site), default=0) or 1.0
    slot_pt = TIMELINE_AXES_PT / len(periods)                      # width of one period, points
    biggest = min(17.0, 0.9 * slot_pt) ** 2                         # marker area of the largest delivery, pt²
    row, ticks = 0, []
    for k, (site, items) in enumerate(per_site):
        if k:
            ax.axhline(row - 0.5, color="#999999", lw=0.6)
        for j, (item, kind, what) in enumerate(items):
            y = -row
            label = f"{site} · {item}" if j == 0 else item
            if kind == "rented":
                label += " (rented)"
            ticks.append((y, plot_text(label)))
            drawn.rows.append((site, item, kind))
            if kind == "gpus":
                counts = what["counts"]
                xs = [i + 0.5 for i, c in enumerate(counts) if c > 0]
                sizes = [biggest * (0.1 + 0.9 * (c / top) ** 0.5) for c in counts if c > 0]
                drawn.markers[site, item] = ax.scatter(xs, [y] * len(xs), s=sizes, color="#59a14f", alpha=0.75,
                                                       edgecolor="#2e6b2e", zorder=3)
                notes = {int(xi): f"+{_compact(c)}" for xi, c in zip(xs, [c for c in counts if c > 0])}
                for i, note in _fitting(notes, slot_pt, centred=True).items():
                    ax.annotate(note, (i + 0.5, y), xytext=(0, biggest ** 0.5 / 2 + 1), textcoords="offset points",
                                ha="center", va="bottom", fontsize=6, color="#2e6b2e")
            else:
                colour_ = CAMPUS_COLOUR if kind == "campus" else COLOURS["grid"] if kind == "grid" else \
                    colour(item, row)
                style = {"facecolor": "white", "edgecolor": colour_, "hatch": RENTED_HATCH, "linewidth": 1.0} \
                    if kind == "rented" else {"color": colour_, "alpha": 0.85 if kind != "grid" else 0.6}
                bars = []
                for first, last in _spans(what["levels"]):
                    bars += list(ax.barh(y, last - first + 1, left=first, height=0.56, **style))
                    if kind == "rented":
                        ax.text(first + 0.08, y, "rented", fontsize=6, va="center", ha="left", color="#333333",
                                zorder=4, bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none"})
                drawn.bars[site, item] = bars
                for i, note in _fitting(what["notes"], slot_pt, latest_first=kind in ("grid", "rented")).items():
                    ax.text(i + 0.05, y + 0.3, note, fontsize=6, va="bottom", ha="left", color="#333333")
                if kind == "campus":
                    first = next((i for i, v in enumerate(what["levels"]) if v > 0), None)
                    if first is not None:
                        ax.plot([first], [y], marker="|", ms=12, mew=2, color="#e15759", zorder=4)
            row += 1
    ax.set_yticks([t for t, _ in ticks])
    ax.set_yticklabels([t for _, t in ticks], fontsize=7)
    ax.set_ylim(-row + 0.4, 0.9)
    ax.set_xlim(0, len(periods))
    ax.set_xticks([i + 0.5 for i in range(len(periods))])
    ax.set_xticklabels(periods, fontsize=7, rotation=90 if many else 0)
    ax.set_xticks(range(len(periods) + 1), minor=True)
    ax.tick_params(axis="x", which="major", length=0)
    ax.grid(axis="x", which="minor", alpha=0.25)
    _shade_steps(ax, run, periods)
    kinds = {kind for _, _, kind in drawn.rows}
    keys = [plt.Rectangle((0, 0), 1, 1, color=CAMPUS_COLOUR, alpha=0.85, label="campus open")]
    if "grid" in kinds:
        keys.append(plt.Rectangle((0, 0), 1, 1, color=COLOURS["grid"], alpha=0.6,
                                  label="grid contract (MW where it changes)"))
    if "power" in kinds:
        keys.append(plt.Rectangle((0, 0), 1, 1, facecolor="#dddddd", edgecolor="#666666",
                                  label="owned power, colour by source (+MW added)"))
    if "rented" in kinds:
        keys.append(plt.Rectangle((0, 0), 1, 1, facecolor="white", edgecolor="#333333", hatch=RENTED_HATCH,
                                  label="rented bridge power: temporary (MW where it changes)"))
    if "gpus" in kinds:
        keys.append(Line2D([], [], marker="o", ls="none", color="#59a14f", label="GPUs delivered (size: count)"))
    ax.legend(handles=keys, fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.14 if not many
              else -0.2), ncol=3)
    ax.set_title("Build timeline: what each chosen site has in service, period by period", fontsize=10, pad=12)
    return drawn


def _shade_steps(ax, run: RunData, periods: list[str]) -> None:
    """Months, quarters and years in a mixed horizon: alternate background bands and their names."""
    months = [run.period_months.get(p, 12) for p in periods]
    if len(set(months)) < 2:
        return
    start, shade = 0, 0
    for i in range(1, len(months) + 1):
        if i == len(months) or months[i] != months[start]:
            name = {1: "months", 3: "quarters", 12: "years"}.get(months[start], f"{months[start]}-month periods")
            if i - start == 1:
                name = {"months": "month", "quarters": "quarter", "years": "year"}.get(name, name)
            ax.axvspan(start, i, color=("#ececec", "#f7f7f7")[shade % 2], zorder=0)
            shade += 1
            ax.text((start + i) / 2, 1.0, name, transform=ax.get_xaxis_transform(), ha="center", va="bottom",
                    fontsize=6, color="#666666")
            start = i


def build_timeline(run: RunData) -> Chart | None:
    drawn = draw_build_timeline(run)
    if drawn is None:
        return None
    caption = ("one column per planning period; bars: in service; hatched: rented bridge power, on site only for "
               "the periods shown; circles: GPUs delivered in the period")
    return Chart("timeline", "Build timeline", _png(drawn.fig), caption)


ALL = (build_schedule, build_timeline, capacity_by_source, load_vs_firm, grid_vs_headroom, gpus_by_product,
       compute_vs_target, capex_vs_budget, cost_breakdown, emissions, dispatch_day, site_map)


def all_charts(run: RunData) -> dict[str, Chart]:
    charts = {}
    for make in ALL:
        chart = make(run)
        if chart is not None:
            charts[chart.key] = chart
    return charts
