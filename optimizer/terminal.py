"""The short run summary printed to the terminal (rich tables).

Texts from the user's files (site, tech and GPU ids, paths, explanation lines that quote them)
are escaped before Rich sees them: ``[red]`` in a site id is printed as written.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from optimizer.errors import display_path
from optimizer.report.metrics import money_cards


def print_outcome_line(console: Console, outcome) -> None:
    """One line: the status, the net present cost when there is a plan, and where the results are."""
    s, sol = outcome.summary, outcome.solution
    cost = f"  net present cost ${s['objective_usd'] / 1e9:,.2f} B" if sol.has_solution and \
        s.get("objective_usd") is not None else ""
    where = f"  results: {display_path(outcome.out_dir)}" if str(outcome.out_dir) not in ("", ".") else ""
    console.print(f"{sol.summary}{cost}{where}", markup=False, highlight=False, soft_wrap=True)


def print_run(console: Console, outcome) -> None:
    s = outcome.summary
    sol = outcome.solution
    colour = "green" if sol.status == "optimal" else "yellow" if sol.has_solution else "red"
    console.print(f"[bold {colour}]{escape(sol.summary)}[/]  build {s['build_seconds']:.1f} s, "
                  f"handoff {s['handoff_seconds']:.1f} s, HiGHS {s['solve_seconds']:.1f} s  "
                  f"({s['model'].get('rows', 0):,} rows, {s['model'].get('columns', 0):,} columns)")
    if not sol.has_solution:
        if outcome.explanation is not None:
            print_explanation(console, outcome.explanation)
        console.print(f"results: {escape(display_path(outcome.out_dir))}/summary.json, report.html")
        return
    years = [p.label for p in outcome.inputs.periods]
    console.print(f"sites: {escape(', '.join(s['sites'])) or '—'}")
    print_money(console, s)
    console.print(_year_table("MW by source (grid: peak import)", s["capacity_mw"], years, "{:,.0f}"))
    console.print(_year_table("GPUs (packages) in service", s["gpus"], years, "{:,.0f}"))
    targets = {p.label: outcome.inputs.compute_target_h100e[p.key] for p in outcome.inputs.periods
               if p.key in outcome.inputs.compute_target_h100e}
    rows = {"h100e": {y: f"{s['compute_h100e'].get(y, 0):,.0f}" for y in years},
            "target": {y: f"{targets[y]:,.0f}" for y in years if y in targets},
            "cash capex $B (undiscounted)": {y: f"{s['capex_usd'].get(y, 0) / 1e9:,.2f}" for y in years},
            "annual cost $B (undiscounted)": {y: f"{s['annual_cost_usd'].get(y, 0) / 1e9:,.2f}" for y in years},
            "kt CO2 (a year)": {y: f"{s['emissions_t'].get(y, 0) / 1e3:,.0f}" for y in years}}
    console.print(_year_table("compute and money", rows, years, "{}", sort=False))
    if outcome.prices is not None and not outcome.prices.table.empty:
        console.print(binding_table(outcome.prices.table.head(8)))
    console.print(f"results: {escape(display_path(outcome.out_dir))}  (report.html, report.md, results.xlsx, tables/)")


def print_money(console: Console, summary: dict) -> None:
    """One line per money measure, 'label: value', labelled with its unit and what it includes, as in
    the report's headline (:func:`optimizer.report.metrics.money_cards`)."""
    for value, label in money_cards(summary):
        console.print(f"{label}: {value}", markup=False, highlight=False, soft_wrap=True)


def binding_table(frame) -> Table:
    """The binding limits with their value (shadow prices), most valuable first."""
    table = Table(title="what binds (value of one more unit, USD of net present cost)")
    for name, justify in (("limit", "left"), ("value per unit", "right"), ("unit", "left"), ("per 1% relaxed", "right")):
        table.add_column(name, justify=justify)
    for row in frame.itertuples(index=False):
        one = row.value_of_1pct_usd
        table.add_row(escape(str(row.limit)), f"${row.value_usd_per_unit:,.2f}" if abs(row.value_usd_per_unit) < 100 else
                      f"${row.value_usd_per_unit:,.0f}", escape(str(row.unit)), "" if one != one or one is None else f"${one:,.0f}")
    return table


def print_explanation(console: Console, explanation) -> None:
    """Why there is no plan, in the planner's words."""
    console.print("[bold]why there is no plan[/]")
    for line in explanation.lines():
        console.print(line, highlight=False, markup=False)


WIDE = 8   # more periods than this: one row per period, so that the table fits a terminal


def _year_table(title: str, data: dict, years: list[str], fmt: str, sort: bool = True) -> Table:
    """Rows by key and a column per period; with more than WIDE periods, transposed (a row per period)."""
    table = Table(title=title)
    keys = sorted(data) if sort else list(data)
    cell = {(k, y): fmt.format(data[k][y]) if y in data[k] else "" for k in keys for y in years}
    if len(years) <= WIDE:
        table.add_column("")
        for y in years:
            table.add_column(y, justify="right")
        for k in keys:
            table.add_row(escape(str(k)), *[cell[k, y] for y in years])
        return table
    table.add_column("period")
    for k in keys:
        table.add_column(escape(str(k)), justify="right")
    for y in years:
        table.add_row(y, *[cell[k, y] for k in keys])
    return table


# ---- sweeps and the run store -------------------------------------------------------------------

def _busd(value) -> str:
    return f"${value / 1e9:,.3f} B" if value is not None and value == value else "-"


def _mw(value) -> str:
    return f"{value:,.0f}" if value is not None and value == value else "-"


def print_scenarios(console: Console, prepared) -> None:
    """``siting sweep --list``: each scenario's id, axis values and config hash."""
    axes = list(prepared.sweep.spec.axes) or ["set"]
    table = Table(title=escape(f"sweep {prepared.name}: {len(prepared.scenarios)} scenarios"))
    for column in ["scenario", *axes, "config"]:
        table.add_column(escape(column))
    for s in prepared.scenarios:
        cells = [s.labels.get(a, "") for a in axes] if prepared.sweep.spec.axes else [s.title]
        table.add_row(escape(s.id), *(escape(c) for c in cells), prepared.hashes[s.id][:8])
    console.print(table)


def print_sweep_outcome(console: Console, outcome) -> None:
    """One paragraph: what ran, what was skipped, what failed, where the report and the store are."""
    p = outcome.prepared
    parts = [f"sweep {p.name}: {outcome.ran} ran"]
    if outcome.failed:
        parts.append(f"{outcome.failed} of them failed")
    if outcome.skipped:
        parts.append(f"{outcome.skipped} already stored")
    line = ", ".join(parts) + (f" in {outcome.seconds:,.1f} s on {outcome.workers} workers" if outcome.ran else "")
    console.print(line, markup=False, highlight=False, soft_wrap=True)
    if outcome.report is not None:
        console.print(f"report: {display_path(outcome.report)}", markup=False, highlight=False, soft_wrap=True)
    console.print(f"store: {display_path(p.store.path)} (siting runs list --sweep {p.name})", markup=False,
                  highlight=False, soft_wrap=True)
    if outcome.stopped:
        console.print(f"stopped: {outcome.ran} scenarios of this run are stored; run the same command to continue",
                      markup=False, highlight=False, soft_wrap=True)


def print_store(console: Console, store, sweep: str | None) -> None:
    """``siting runs list``: the sweeps, or one sweep's scenarios."""
    if sweep is None:
        frame = store.sweeps()
        table = Table(title=escape(f"run store {display_path(store.path)}"))
        for column in ("sweep", "design", "scenarios", "done", "folder"):
            table.add_column(column)
        for row in frame.itertuples():
            table.add_row(escape(row.sweep), escape(row.design or ""), str(row.scenarios), str(row.done),
                          escape(display_path(row.folder) if row.folder else ""))
        console.print(table)
        return
    frame = store.scenarios(sweep)
    if frame.empty:
        from optimizer.errors import InputError, Problem, did_you_mean

        known = list(store.sweeps()["sweep"])
        raise InputError([Problem(display_path(store.path), None, "--sweep", f"no sweep named '{sweep}'",
                                  did_you_mean(sweep, known) if known else "run a sweep first")])
    table = Table(title=escape(f"sweep {sweep}"))
    axes = list(dict.fromkeys(a for labels in frame["labels"] for a in labels))
    for column in ["scenario", *axes, "status", "net present cost", "peak MW", "sites"]:
        table.add_column(escape(column))
    for row in frame.itertuples():
        table.add_row(escape(row.scenario), *(escape(str(row.labels.get(a, ""))) for a in axes), escape(row.status),
                      _busd(row.objective_usd), _mw(row.peak_mw), escape(row.sites or ""))
    console.print(table)


def print_stored_scenario(console: Console, store, ident: str) -> None:
    """``siting runs show``: one scenario (or every scenario sharing a config hash)."""
    frame = store.find(ident)
    if frame.empty:
        from optimizer.errors import InputError, Problem

        raise InputError([Problem(display_path(store.path), None, ident, "no stored scenario has this id or hash",
                                  "see 'siting runs list --sweep NAME' for the ids")])
    for row in frame.itertuples():
        table = Table(title=escape(f"{row.sweep}/{row.scenario}"), show_header=False)
        for axis, label in row.labels.items():
            table.add_row(escape(axis), escape(str(label)))
        table.add_row("status", escape(row.status))
        if row.message:
            table.add_row("message", escape(str(row.message)))
        table.add_row("net present cost", _busd(row.objective_usd))
        table.add_row("cash capex", _busd(row.capex_cash_usd))
        table.add_row("gap", f"{row.gap:.2%}" if row.gap is not None and row.gap == row.gap else "-")
        table.add_row("peak MW", _mw(row.peak_mw))
        for source, mw in sorted(row.mw_by_source.items()):   # the grid: its most MW contracted
            table.add_row(escape(f"MW {source}" + (" contracted" if source == "grid" else "")), _mw(mw))
        table.add_row("sites", escape(row.sites or ""))
        table.add_row("config hash", row.config_hash)
        table.add_row("run folder", escape(display_path(row.run_dir)) if row.run_dir else "-")
        console.print(table)


def print_alternatives(console: Console, outcome) -> None:
    """``siting alternatives``: one line per plan (cost, gap, what distinguishes it) and where they are."""
    s = outcome.summary
    if not outcome.plans:
        console.print(f"{s.get('status')}: {s.get('message', '')}", markup=False, highlight=False, soft_wrap=True)
        return
    table = Table(title=escape(f"{len(outcome.plans) - 1} alternatives within {s['slack']:.1%} "
                               f"({s['distinct_plans']} distinct plans; {s['stopped']})"))
    for column in ("plan", "net present cost", "over the optimum", "campuses", "what differs"):
        table.add_column(column)
    for p in outcome.plans:
        table.add_row("optimum" if p["alternative"] == 0 else str(p["alternative"]), _busd(p["objective_usd"]),
                      f"{p['gap_to_optimum']:+.2%}", str(len(p["sites"])), escape(p["differs"]))
    console.print(table)
    console.print(f"report: {display_path(outcome.out_dir / 'alternatives.html')}", markup=False, highlight=False,
                  soft_wrap=True)


def print_stochastic(console: Console, outcome) -> None:
    """``siting stochastic``: the plan's cost per scenario, EVPI, VSS, the first stage and the folder."""
    from optimizer.report.metrics import usd_text

    s = outcome.summary
    st = s.get("stochastic") or {}
    if outcome.solution is None or outcome.solution.xs is None:
        console.print(f"{s.get('status')}: {s.get('message', '')}", markup=False, highlight=False, soft_wrap=True)
        return
    table = Table(title=escape(f"stochastic plan ({st.get('method')}, first stage until "
                               f"{st.get('first_stage_until')}): expected cost {usd_text(st.get('expected_cost_usd'))}"))
    for column in ("scenario", "probability", "cost of this plan", "its own optimum"):
        table.add_column(column)
    for row in st.get("scenarios", []):
        table.add_row(escape(row["name"]), f"{row['probability']:.2f}", usd_text(row.get("cost_usd")),
                      usd_text(row.get("own_optimum_usd")) if row.get("own_optimum_usd") is not None else "")
    console.print(table)
    figures = [("EVPI", st.get("evpi_usd")), ("VSS", st.get("vss_usd")), ("CVaR", st.get("cvar_usd"))]
    line = ", ".join(f"{name} {usd_text(v)}" for name, v in figures if v is not None)
    regret = st.get("regret") or {}
    if regret.get("min_max_regret_plan"):
        line += f"; least maximum regret: the plan of {regret['min_max_regret_plan']}"
    if line:
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    console.print(f"{len(st.get('first_stage', []))} first-stage decisions shared by every scenario; report: "
                  f"{display_path(outcome.out_dir / 'report.html')}", markup=False, highlight=False, soft_wrap=True)
