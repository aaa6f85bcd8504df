"""The page of a two-stage stochastic plan: ``report.html`` of the run folder ``siting run`` writes for a
config with an ``uncertainty`` block (:mod:`optimizer.stochastic.run`).

Self-contained, like a run report, and made only from the folder (a copied folder still opens):
``summary.json`` (its ``stochastic`` entry) and each ``scenarios/NAME/summary.json``. In reading order:

* the headline: expected net present cost, EVPI, VSS, CVaR (when the config weighs it), method and gap,
  the first-stage date, the number of scenarios, and a sentence of what EVPI and VSS mean for this plan;
* the first-stage decisions, one plan for every scenario;
* the recourse by scenario: its probability, the overrides it sets, the plan's cost there against its own
  optimum, MW by source and GPUs by product per period, a link to its own run report;
* the regret table: every plan (each scenario's own, the expected-value plan, the stochastic plan) in
  every scenario, with its largest regret and expected cost; cells where a plan cannot be completed say
  why (tooltip and footnote);
* the cost distribution: the plan's cost in each scenario with the probabilities, the expected cost
  and the CVaR; the decomposition's bound and incumbent by iteration when it ran.

EVPI, VSS or the regret table may be missing (``regret: false``, or a stopped run) or None (not
computable): the page says so. Every text from the data is escaped.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from urllib.parse import quote

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from optimizer.report.alternatives import _img  # noqa: E402
from optimizer.report.charts import PALETTE, _png  # noqa: E402
from optimizer.report.escape import html_text, plot_text  # noqa: E402
from optimizer.report.metrics import usd_text  # noqa: E402
from optimizer.report.run_data import in_time_order, label_month  # noqa: E402

MATRIX_SCENARIOS = 24      # the regret table shows every scenario's column up to this many (all in tables/regret.csv)
BARS = 40                  # the cost chart has a bar per scenario up to this many, else the distribution
STOCHASTIC, EXPECTED_VALUE = "stochastic", "expected_value"
METHODS = {"equivalent": "deterministic equivalent (every scenario in one model)",
           "decomposition": "scenario decomposition (a Lagrangian bound and evaluated plans)"}
NOT_COMPUTED = "not computed"
BEST = " class='best'"
CANNOT = "cannot be computed"
STYLE = (".lead{font-size:1.05em;background:#f4f6f9;border-left:4px solid #4e79a7;padding:8px 12px}"
         ".scen{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:14px}"
         ".sc{border:1px solid #ddd;border-radius:6px;padding:8px 10px;min-width:0;overflow-x:auto}.sc h3{margin:4px 0}"
         ".sc table{margin:6px 0;font-size:.85em}.sc ul{margin:4px 0;padding-left:18px;font-size:.85em}"
         ".cost{font-size:1.1em;margin:2px 0}.cost span{font-size:.8em;color:#666}"
         "tr.this td{background:#e3ecf7;font-weight:bold}tr.mmr td{background:#e6f4e7}"
         "tr.this.mmr td{background:linear-gradient(#e3ecf7,#e6f4e7)}"
         "td span.r{display:block;font-size:.8em;color:#666}td.no{color:#c62828;cursor:help}"
         "td.best{font-weight:bold}.note{font-size:.85em;color:#555}")


def write_stochastic_report(out_dir: Path) -> Path:
    """Write ``out_dir/report.html`` from the folder's ``summary.json`` and its scenario run folders."""
    out_dir = Path(out_dir)
    summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    st = summary.get("stochastic") or {}
    runs = {s["name"]: _scenario_summary(out_dir, s["name"]) for s in st.get("scenarios") or []}
    charts = {"costs": _cost_chart(st), "decomposition": _decomposition_chart(st.get("decomposition") or [])}
    path = out_dir / "report.html"
    path.write_text(render(summary, runs, charts), encoding="utf-8")
    return path


# ---------------------------------------------------------------- reading

def _plain_name(name) -> bool:
    """A name that is one folder inside ``scenarios/`` (not a path, not ``.`` or ``..``)."""
    text = str(name)
    return bool(text) and text not in (".", "..") and not any(c in text for c in "/\\\0")


def _scenario_summary(out_dir: Path, name) -> dict | None:
    """``scenarios/NAME/summary.json``, or None when the folder has none (or cannot be read)."""
    if not _plain_name(name):
        return None
    try:
        return json.loads((out_dir / "scenarios" / str(name) / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _link(name) -> str:
    """The address of a scenario's own run report, relative to the page."""
    return f"scenarios/{quote(str(name), safe='')}/report.html"


# ---------------------------------------------------------------- words and numbers

def _money(usd) -> str:
    """Money as the other reports write it ($ M / $ B); a rounding error around zero is zero."""
    if usd is None:
        return "—"
    return usd_text(0.0 if abs(usd) < 0.5 else usd)


def _amount(value) -> str:
    v = float(value)
    return f"{v:,.0f}" if v.is_integer() else f"{v:,.3f}".rstrip("0").rstrip(".")


def _value_text(value) -> str:
    """An override's value as the config writes it: numbers, text, mappings {k: v}, lists [a, b]."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value_text(v) for v in value) + "]"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float):
        return _amount(value) if math.isfinite(value) else str(value)
    return str(value)


def _plan_kinds(st: dict) -> list[str]:
    """'stochastic', 'expected_value' or 'scenario' for each plan of the regret table: the stochastic
    plan is the last row, the expected-value plan (when it has one) the one before it."""
    regret = st.get("regret") or {}
    plans = regret.get("plans") or []
    if len(regret.get("kinds") or []) == len(plans):
        return list(regret["kinds"])
    kinds = ["scenario"] * len(plans)
    if plans and plans[-1] == STOCHASTIC:
        kinds[-1] = STOCHASTIC
    if len(plans) > 1 and plans[-2] == EXPECTED_VALUE and "expected_value_plan_usd" in st:
        kinds[-2] = EXPECTED_VALUE
    return kinds


def _plan_title(name, kind: str) -> str:
    if kind == STOCHASTIC:
        return "stochastic plan (this plan)"
    if kind == EXPECTED_VALUE:
        return "expected-value plan"
    return f"plan for {name}"


def _risk_weighted(st: dict) -> bool:
    return (st.get("cvar_weight") or 0) > 0


def _measure(st: dict) -> str:
    """What EVPI and VSS are measured in."""
    if _risk_weighted(st):
        w = st["cvar_weight"]
        return f"risk-weighted cost ({1 - w:.2g} × expected + {w:.2g} × CVaR {st.get('cvar_alpha', 0):.0%})"
    return "expected net present cost"


def _cannot_complete_in(st: dict, plan_index: int) -> list[str]:
    """The scenarios where the regret table's plan ``plan_index`` cannot be completed."""
    regret = st.get("regret") or {}
    row = (regret.get("cost_usd") or [])[plan_index] if plan_index < len(regret.get("cost_usd") or []) else []
    return [str(s) for s, v in zip(regret.get("scenarios") or [], row) if v is None]


def _evpi(st: dict) -> tuple[str, str]:
    """(card value, sentence) of the expected value of perfect information."""
    if "evpi_usd" not in st:
        return NOT_COMPUTED, ""
    if st["evpi_usd"] is None:
        alone = [str(s["name"]) for s in st.get("scenarios") or [] if s.get("own_optimum_usd") is None]
        why = f"{', '.join(alone)} {'has' if len(alone) == 1 else 'have'} no plan of its own" if alone \
            else "some scenario has no plan of its own"
        return CANNOT, f"The value of knowing the future (EVPI) cannot be computed: {why}."
    return _money(st["evpi_usd"]), (
        f"Knowing the future before committing would save {_money(st['evpi_usd'])} (EVPI: this plan's "
        f"{_measure(st)} is {_money(st.get('objective_usd'))}; planning each scenario knowing it would come, "
        f"{_money(st.get('wait_and_see_usd'))}).")


def _vss(st: dict) -> tuple[str, str]:
    """(card value, sentence) of the value of the stochastic solution."""
    if "vss_usd" in st and st["vss_usd"] is not None:
        return _money(st["vss_usd"]), (
            f"Planning for the average future instead of the spread would cost {_money(st['vss_usd'])} more "
            f"(VSS: the first stage of the plan made for the expected-value future, completed in every "
            f"scenario, comes to {_money(st.get('expected_value_plan_usd'))}).")
    if "regret" not in st:
        return NOT_COMPUTED, ""
    kinds = _plan_kinds(st)
    if EXPECTED_VALUE not in kinds:
        return CANNOT, "The value of the stochastic solution (VSS) cannot be computed: the expected-value " \
                       "future has no plan."
    where = _cannot_complete_in(st, kinds.index(EXPECTED_VALUE))
    return CANNOT, ("The value of the stochastic solution (VSS) cannot be computed: the expected-value plan "
                    f"cannot be completed in {', '.join(where) or 'some scenario'}.")


def cards(summary: dict) -> list[tuple[str, str]]:
    """(value, label) pairs of the headline, in reading order."""
    st = summary.get("stochastic") or {}
    n = len(st.get("scenarios") or [])
    alpha = st.get("cvar_alpha", 0)
    out = [(str(summary.get("status", "")), "status"),
           (_money(st.get("expected_cost_usd")), "expected net present cost, USD (discounted)")]
    if _risk_weighted(st):
        out.append((_money(st.get("objective_usd")), "risk-weighted cost, USD (optimised)"))
    if "cvar_usd" in st:
        out.append((_money(st["cvar_usd"]), f"CVaR {alpha:.0%}, USD (mean of the worst {1 - alpha:.0%})"))
    out += [(_evpi(st)[0], "EVPI, USD (knowing the future)"), (_vss(st)[0], "VSS, USD (planning for the spread)")]
    if st.get("wait_and_see_usd") is not None:
        out.append((_money(st["wait_and_see_usd"]), "wait and see, USD"))
    if st.get("expected_value_plan_usd") is not None:
        out.append((_money(st["expected_value_plan_usd"]), "expected-value plan, USD"))
    gap = st.get("gap")
    out += [(str(st.get("method", "—")), "method"),
            ("—" if gap is None else f"{gap:.2%}", "gap to the bound"),
            (str(st.get("first_stage_until", "—")), "first stage: before"),
            (f"{n}", "scenarios")]
    return out


# ---------------------------------------------------------------- charts

def _scale(values) -> tuple[float, str]:
    """(divisor, unit) for a chart of these USD values: billions from 1 B, else millions."""
    top = max((abs(v) for v in values if v is not None and math.isfinite(v)), default=0.0)
    return (1e9, "billion USD") if top >= 1e9 else (1e6, "million USD")


def _table_unit(values) -> tuple[float, str, int]:
    """(divisor, unit, decimals) of a table of USD values that should stay comparable to a million:
    $B with 3 decimals from 10 B, else $M with 2."""
    top = max((abs(v) for v in values if v is not None and math.isfinite(v)), default=0.0)
    return (1e9, "$B", 3) if top >= 1e10 else (1e6, "$M", 2)


def _scaled(usd, div: float, decimals: int = 2) -> str:
    return "—" if usd is None else f"{(0.0 if abs(usd) < 0.5 else usd) / div:,.{decimals}f}"


def _cost_chart(st: dict) -> bytes | None:
    """The plan's cost in each scenario (with its probability and own optimum), the expected cost and the
    CVaR; with more than ``BARS`` scenarios, the cost's distribution (cumulative probability)."""
    rows = [s for s in st.get("scenarios") or [] if s.get("cost_usd") is not None]
    if not rows:
        return None
    expected, cvar = st.get("expected_cost_usd"), st.get("cvar_usd")
    div, unit = _scale([s["cost_usd"] for s in rows] + [s.get("own_optimum_usd") for s in rows] + [expected, cvar])
    cost = np.array([s["cost_usd"] for s in rows]) / div
    prob = np.array([float(s.get("probability") or 0.0) for s in rows])
    if len(rows) <= BARS:
        fig, ax = plt.subplots(figsize=(max(6.0, 0.4 * len(rows) + 3.0), 4.0))
        x = np.arange(len(rows))
        ax.bar(x, cost, width=0.6, color=PALETTE[0], label="this plan's cost")
        own = [(i, s["own_optimum_usd"] / div) for i, s in enumerate(rows) if s.get("own_optimum_usd") is not None]
        if own:
            ax.plot([i for i, _ in own], [v for _, v in own], "_", color="black", ms=18, mew=2,
                    label="the scenario's own optimum")
        for i, (c, p) in enumerate(zip(cost, prob)):
            ax.annotate(f"{p:.0%}" if p >= 0.01 else f"{p:.1%}", (i, max(c, 0)), textcoords="offset points",
                        xytext=(0, 3), ha="center", fontsize=7)
        top = max([*cost, *(v for _, v in own), *(v / div for v in (expected, cvar) if v is not None), 0.0])
        ax.set_ylim(top=top * 1.12 if top > 0 else 1.0)
        ax.set_xticks(x, [plot_text(s["name"]) for s in rows], rotation=90 if len(rows) > 8 else 0, fontsize=8)
        ax.set_ylabel(f"net present cost, {unit}")
        ax.set_xlabel("scenario (its probability above the bar)")
        line = ax.axhline
    else:
        order = np.argsort(cost, kind="stable")
        fig, ax = plt.subplots(figsize=(7.5, 3.6))
        ax.step(cost[order], np.cumsum(prob[order]), where="post", color=PALETTE[0], label="this plan's cost")
        ax.set_xlabel(f"net present cost, {unit}")
        ax.set_ylabel("probability the cost is at most")
        ax.set_ylim(0, 1.02)
        line = ax.axvline
    if expected is not None:
        line(expected / div, color=PALETTE[2], ls="--", lw=1.2, label="expected cost")
    if cvar is not None:
        line(cvar / div, color=PALETTE[1], ls=":", lw=1.5, label=f"CVaR {st.get('cvar_alpha', 0):.0%}")
    ax.grid(axis="y" if len(rows) <= BARS else "both", alpha=0.3)
    ax.legend(fontsize=8, ncol=4, frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    ax.set_title("The plan's cost in each scenario", pad=24)
    return _png(fig)


def _decomposition_chart(history: list[dict]) -> bytes | None:
    """The decomposition's bound and best plan found (incumbent) by iteration."""
    rows = [h for h in history if isinstance(h, dict)]
    if not rows:
        return None
    it = [h.get("iteration", i + 1) for i, h in enumerate(rows)]
    bound = [h.get("bound_usd") for h in rows]
    incumbent = [h.get("incumbent_usd") for h in rows]
    if all(v is None for v in bound + incumbent):
        return None
    div, unit = _scale(bound + incumbent)
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    for values, style, label, i in ((bound, "o-", "bound (Lagrangian)", 0), (incumbent, "s-", "incumbent (best plan "
                                                                                              "found)", 2)):
        ax.plot(it, [np.nan if v is None else v / div for v in values], style, color=PALETTE[i], ms=4, label=label)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("iteration")
    ax.set_ylabel(f"net present cost, {unit}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    ax.set_title("Decomposition: bound and incumbent")
    return _png(fig)


# ---------------------------------------------------------------- the page

def _figure(png: bytes | None, title: str, caption: str) -> str:
    if png is None:
        return ""
    return f"<figure>{_img(png, title)}<figcaption>{html_text(caption)}</figcaption></figure>"


def _first_stage(st: dict) -> str:
    esc = html_text
    rows = st.get("first_stage")
    if rows is None:
        return "<p>No plan: no first stage.</p>"
    if not rows:
        return "<p>(nothing is built before the first-stage date: every decision waits for the future)</p>"
    body = []
    for r in rows:
        binary = not r.get("unit") and float(r.get("value", 0)) == 1.0
        amount = "yes" if binary else _amount(r.get("value", 0))
        cells = (r.get("decision"), r.get("site"), r.get("item"), r.get("period"), amount, r.get("unit"))
        body.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
    return ("<table class='text first'><thead><tr><th>decision</th><th>site</th><th>item (GPU, source)</th>"
            "<th>period</th><th>amount</th><th>unit</th></tr></thead><tbody>" + "".join(body) + "</tbody></table>")


def _periods(summary: dict, one: dict) -> list[str]:
    listed = [str(p["period"]) for p in summary.get("periods") or [] if isinstance(p, dict) and "period" in p]
    if listed:
        return listed
    labels = [p for k in ("capacity_mw", "gpus") for by in (one.get(k) or {}).values() for p in by]
    return in_time_order(labels)


def _by_period_table(data: dict, periods: list[str], shared: set, what: str, unit: str) -> str:
    """Rows: sources (or products); columns: periods (shared ones marked); nothing below 0.5."""
    esc = html_text
    rows = [(k, by) for k, by in (data or {}).items() if any(abs(v or 0) >= 0.5 for v in by.values())]
    if not rows:
        return f"<p class='note'>no {esc(what)}</p>"
    head = "".join(f"<th>{esc(p)}{'*' if p in shared else ''}</th>" for p in periods)
    body = "".join(f"<tr><td>{esc(k)}</td>" + "".join(f"<td>{(by.get(p) or 0):,.0f}</td>" for p in periods) + "</tr>"
                   for k, by in rows)
    return f"<table><thead><tr><th>{esc(what)}, {esc(unit)}</th>{head}</tr></thead><tbody>{body}</tbody></table>"


def _overrides(values: dict) -> str:
    esc = html_text
    if not values:
        return "<p class='note'>the config as it is (no overrides)</p>"
    return "<ul>" + "".join(f"<li>{esc(k)} = {esc(_value_text(v))}</li>" for k, v in values.items()) + "</ul>"


def _scenario_card(summary: dict, s: dict, one: dict | None, shared_until: int | None) -> str:
    esc = html_text
    name = s.get("name")
    cost, own = s.get("cost_usd"), s.get("own_optimum_usd")
    regret = f"regret {_money(cost - own)} over its own optimum {_money(own)}" if cost is not None and own is not None \
        else "its own optimum: not computed" if own is None else ""
    title = f"<a href='{esc(_link(name))}'>{esc(name)}</a>" if one is not None else esc(name)
    parts = [f"<div class='sc'><h3>{title}</h3>",
             f"<p>probability {float(s.get('probability') or 0):.1%}</p>",
             f"<p class='cost'>{_money(cost)} <span>{esc(regret)}</span></p>",
             _overrides(s.get("set") or {})]
    if one is None:
        parts.append(f"<p class='note'>its run folder ({esc(_link(name).rsplit('/', 1)[0])}) is missing from this "
                     "folder</p>")
    else:
        periods = _periods(summary, one)
        shared = {p for p in periods if shared_until is not None and (label_month(p) or 0) < shared_until}
        parts += [_by_period_table(one.get("capacity_mw"), periods, shared, "source", "MW (grid: peak import)"),
                  _by_period_table(one.get("gpus"), periods, shared, "GPU product", "GPUs in service"),
                  f"<p>campuses: {esc(', '.join(map(str, one.get('sites') or [])) or 'none')} · "
                  f"<a href='{esc(_link(name))}'>its run report</a></p>"]
    parts.append("</div>")
    return "".join(parts)


def _recourse(summary: dict, st: dict, runs: dict) -> str:
    until = st.get("first_stage_until")
    shared_until = label_month(until) if until else None
    cards_ = "".join(_scenario_card(summary, s, runs.get(s.get("name")), shared_until)
                     for s in st.get("scenarios") or [])
    return ("<p>Each scenario's plan: the shared first stage and what it builds later, once the scenario is known. "
            f"Periods marked * start before {html_text(until or '—')}: their decisions are the first stage's. "
            "Cost: this plan's net present cost in the scenario; regret: over that scenario's own optimum "
            "(planned for knowing it would come).</p>"
            f"<div class='scen'>{cards_}</div>")


def _regret(st: dict) -> str:
    """The regret table: plans (rows) × scenarios (cost and regret), max regret, expected cost (and the
    risk-weighted cost); the stochastic plan and the least-max-regret plan highlighted; a cell whose plan
    cannot be completed carries the reason (tooltip and numbered footnote)."""
    esc = html_text
    regret = st.get("regret")
    if not regret:
        return ("<p>Not computed: the plans were not compared across scenarios (regret: false in the config, or "
                "the run was stopped before).</p>")
    plans, scenarios = regret.get("plans") or [], regret.get("scenarios") or []
    kinds = _plan_kinds(st)
    cost, rgt = regret.get("cost_usd") or [], regret.get("regret_usd") or []
    columns = [regret.get("max_regret_usd") or [], regret.get("expected_usd") or []]
    heads = ["max regret", "expected cost"]
    if regret.get("risk_objective_usd") is not None:
        columns.append(regret["risk_objective_usd"])
        heads.append(_measure(st))
    reasons = {(r.get("plan"), r.get("scenario")): r.get("reason") for r in regret.get("cannot_complete") or []
               if isinstance(r, dict)}
    mmr = regret.get("min_max_regret_plan")
    mmr_row = next((i for i, p in enumerate(plans) if p == mmr), None)
    worst = columns[0]
    least = min((w for w in worst if w is not None), default=None)
    close = max(0.5, 1e-6 * max((abs(v) for v in columns[1] if v is not None), default=0.0))   # a dollar per million
    tied = {i for i, w in enumerate(worst) if w is not None and least is not None and abs(w - least) <= close}
    wide = len(scenarios) <= MATRIX_SCENARIOS
    div, unit, places = _table_unit([v for row in cost + rgt for v in row] + [v for c in columns for v in c])
    probs = {str(s.get("name")): s.get("probability") for s in st.get("scenarios") or []}

    def at(table: list, i: int, j: int):
        return table[i][j] if i < len(table) and j < len(table[i]) else None

    head = "<th>plan</th>"
    if wide:
        head += "".join(f"<th>in {esc(s)} ({float(probs.get(str(s)) or 0):.0%}): cost, regret, {unit}</th>"
                        for s in scenarios)
    head += "".join(f"<th>{esc(h)}, {unit}</th>" for h in heads)
    notes, body = [], []
    for i, plan in enumerate(plans):
        title = _plan_title(plan, kinds[i])
        classes = " ".join(c for c, on in (("this", kinds[i] == STOCHASTIC), ("mmr", i == mmr_row)) if on)
        cells = [f"<td>{esc(title + (' — least max regret' if i == mmr_row else ''))}</td>"]
        for j, s in enumerate(scenarios if wide else []):
            c = at(cost, i, j)
            if c is None:
                why = reasons.get((plan, s)) or "no completion of this plan was found here"
                notes.append((title, s, why))
                cells.append(f"<td class='no' title='{esc(why)}'>cannot be completed [{len(notes)}]</td>")
            else:
                cells.append(f"<td>{_scaled(c, div, places)}<span class='r'>regret "
                             f"{_scaled(at(rgt, i, j), div, places)}</span></td>")
        for k, values in enumerate(columns):
            v = values[i] if i < len(values) else None
            if v is None:
                where = ", ".join(_cannot_complete_in(st, i)) or "some scenario"
                cells.append(f"<td class='no' title='{esc('cannot be completed in ' + where)}'>—</td>")
            else:
                mark = BEST if k == 0 and i in tied else ""
                cells.append(f"<td{mark}>{_scaled(v, div, places)}</td>")
        body.append((f"<tr class='{classes}'>" if classes else "<tr>") + "".join(cells) + "</tr>")
    if mmr_row is None:
        which = ": none (every plan cannot be completed in some scenario)"
    else:
        others = [_plan_title(plans[i], kinds[i]) for i in sorted(tied) if i != mmr_row]
        which = f" ({_plan_title(mmr, kinds[mmr_row])}" + (f"; tied with {', '.join(others)}" if others else "") + ")"
    lines = ["<p>Each plan's first stage, completed at least cost in each scenario. Regret: its cost there minus "
             "that scenario's own optimum. Rows: each scenario's own plan, the plan made for the expected-value "
             f"future, and the stochastic plan (blue). Green: the plan with the least max regret{esc(which)}. "
             "A plan that cannot be completed in a scenario has no max regret or expected cost (—).</p>"]
    if not wide:
        lines.append(f"<p class='note'>{len(scenarios)} scenarios: the table shows each plan's max regret and "
                     "expected cost; tables/regret.csv has every plan in every scenario.</p>")
    lines.append("<table class='regret'><thead><tr>" + head + "</tr></thead><tbody>" + "".join(body)
                 + "</tbody></table>")
    if notes:
        lines.append("<ul class='note'>" + "".join(f"<li>[{k}] {esc(p)} in {esc(s)}: cannot be completed — "
                                                   f"{esc(w)}</li>" for k, (p, s, w) in enumerate(notes, 1)) + "</ul>")
    elif reasons:
        lines.append("<ul class='note'>" + "".join(f"<li>{esc(k)}: cannot be completed — {esc(w)}</li>"
                                                   for k, w in reasons.items()) + "</ul>")
    return "\n".join(lines)


def _distribution_caption(st: dict) -> str:
    rows = st.get("scenarios") or []
    lines = [f"expected cost {_money(st.get('expected_cost_usd'))}"]
    if st.get("cvar_usd") is not None:
        alpha = st.get("cvar_alpha", 0)
        lines.append(f"CVaR {alpha:.0%} {_money(st['cvar_usd'])} (the mean cost of the worst {1 - alpha:.0%} of "
                     "futures)")
    if len(rows) > BARS:
        return "the probability that this plan's net present cost is at most each value; lines: " + ", ".join(lines)
    ticks = "; ticks: the scenario's own optimum" if any(s.get("own_optimum_usd") is not None for s in rows) else ""
    return f"bars: this plan's net present cost in each scenario, its probability above{ticks}; lines: " \
        + ", ".join(lines)


def _decomposition(st: dict, png: bytes | None) -> str:
    history = [h for h in st.get("decomposition") or [] if isinstance(h, dict)]
    if not history:
        return ""
    last = history[-1]
    gap = last.get("gap")
    seconds = last.get("seconds")
    text = (f"{len(history)} iteration{'s' if len(history) != 1 else ''}; last bound {_money(last.get('bound_usd'))}, "
            f"incumbent {_money(last.get('incumbent_usd'))}, gap {'—' if gap is None else f'{gap:.2%}'}"
            + (f", {seconds:,.1f} s" if isinstance(seconds, (int, float)) else "") + ".")
    return (f"<h2>Decomposition</h2><p>{html_text(text)}</p>"
            + _figure(png, "Decomposition: bound and incumbent",
                      "the Lagrangian lower bound and the cost of the best plan found, by iteration"))


def render(summary: dict, runs: dict, charts: dict) -> str:
    """report.html of a stochastic plan from its summary, each scenario's summary (None: missing) and
    the charts' PNG bytes."""
    from optimizer.report.writer import CSS, SCRIPT

    esc = html_text
    st = summary.get("stochastic") or {}
    name = summary.get("name") or "config"
    n = len(st.get("scenarios") or [])
    method = METHODS.get(st.get("method"), str(st.get("method") or "—"))
    gap = st.get("gap")
    lead = [s for s in (_evpi(st)[1], _vss(st)[1]) if s]
    if "evpi_usd" not in st and "vss_usd" not in st:
        lead.append("EVPI and VSS were not computed: the plans were not compared across scenarios (regret: false in "
                    "the config, or the run was stopped before).")
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{esc(name)} — stochastic plan"
             f"</title><style>{CSS}{STYLE}</style></head><body>",
             f"<h1>{esc(name)}: two-stage stochastic plan</h1>",
             f"<p>One first stage for {n} scenario{'s' if n != 1 else ''}: what comes online before "
             f"{esc(st.get('first_stage_until') or '—')} is decided now, the rest once the future is known. "
             f"Solved by the {esc(method)}, gap {'—' if gap is None else f'{gap:.2%}'}"
             f"{'; it minimises the ' + esc(_measure(st)) if _risk_weighted(st) else ''}.</p>",
             "<div class='cards'>" + "".join(f"<div class='card'><b>{esc(v)}</b><span>{esc(k)}</span></div>"
                                             for v, k in cards(summary)) + "</div>"]
    if lead:
        parts.append("<p class='lead'>" + " ".join(esc(s) for s in lead) + "</p>")
    if summary.get("message"):
        parts.append(f"<p><b>{esc(summary['message'])}</b></p>")
    parts += ["<h2>First-stage decisions (shared by every scenario)</h2>",
              f"<p>Decided now, before {esc(st.get('first_stage_until') or '—')}; the same in every scenario.</p>",
              _first_stage(st),
              "<h2>Recourse by scenario</h2>", _recourse(summary, st, runs),
              "<h2>Regret: every plan in every scenario</h2>", _regret(st),
              "<h2>Cost distribution</h2>",
              _figure(charts.get("costs"), "The plan's cost in each scenario", _distribution_caption(st))
              or "<p>No costs to draw.</p>",
              _decomposition(st, charts.get("decomposition")),
              "<p class='note'>Tables: tables/first_stage.csv, tables/scenario_costs.csv, "
              f"{'tables/regret.csv, ' if st.get('regret') else ''}and every result table (with a scenario column "
              "where the scenarios differ); each scenario's plan is a run folder in scenarios/.</p>",
              f"<script>{SCRIPT}</script></body></html>"]
    return "\n".join(p for p in parts if p)
