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
    console.print(_year_table("MW by source", s["capacity_mw"], years, "{:,.0f}"))
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
