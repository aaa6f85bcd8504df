"""Write a run's report: ``report.html`` (one self-contained file), ``report.md`` with its charts
as PNG files in ``report_files/``, and ``results.xlsx`` with every result table as a sheet."""

from __future__ import annotations

import base64
import datetime
import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from optimizer.report.charts import Chart, all_charts
from optimizer.report.escape import html_text, is_formula_like, md_cell, md_code_block, md_text
from optimizer.report.metrics import (binding_table, capacity_table, explanation_lines, headline, money_by_period,
                                      money_cards, periods_text, schedule, shows_time, target_time_lines,
                                      value_lines, delay_lines)
from optimizer.report.run_data import RunData, in_time_order, read_run

CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:980px;margin:24px auto;padding:0 16px;
color:#222;line-height:1.4}
h1{font-size:1.6em;margin-bottom:4px}h2{border-bottom:2px solid #4e79a7;padding-bottom:3px;margin-top:32px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{background:#f4f6f9;border-radius:6px;padding:8px 12px;min-width:140px}
.card b{display:block;font-size:1.25em}.card span{font-size:.85em;color:#555}
.ok{color:#2e7d32}.bad{color:#c62828}
table{border-collapse:collapse;font-size:.85em;margin:8px 0}th,td{padding:3px 8px;border-bottom:1px solid #ddd;
text-align:right}th{background:#f4f6f9}td:first-child,th:first-child{text-align:left}
table.text td{text-align:left}img{max-width:100%;display:block;margin:8px 0}pre{background:#f7f7f7;padding:10px;font-size:.8em;overflow:auto}
figcaption{font-size:.8em;color:#555}
@media print{body{max-width:none}h2{page-break-before:auto}img{page-break-inside:avoid}}
"""
SCRIPT = """
window.addEventListener('load',function(){var n=0;document.querySelectorAll('img').forEach(function(i){
if(i.complete&&i.naturalWidth>0){n++;}});document.body.setAttribute('data-charts-loaded',String(n));});
"""
BINDING_NOTE = ("Shadow prices: the campuses and other yes/no decisions of the plan are held, counts are "
                "relaxed, and each binding limit is priced by the net present cost saved per unit of relaxation. "
                "'USD per 1% relaxed' ranks limits of different units.")
SECTIONS = [("What binds", []), ("Build schedule", ["schedule", "timeline", "map"]),
            ("Megawatts", ["capacity", "firm", "headroom"]),
            ("Compute", ["gpus", "compute"]), ("Money", ["capex", "costs"]), ("Emissions", ["emissions"]),
            ("Dispatch", ["dispatch"])]


def build_report(folder: str | Path) -> dict[str, Path]:
    """Write report.html, report.md (+ report_files/) and results.xlsx into the run folder. Each chart
    is drawn once and its PNG bytes go into both reports; the tables both show are made once."""
    run = read_run(folder)
    charts = all_charts(run)
    head = headline(run)
    tables = report_tables(run)
    paths = {"html": run.folder / "report.html", "markdown": run.folder / "report.md"}
    paths["html"].write_text(render_html(run, head, charts, tables), encoding="utf-8")
    paths["markdown"].write_text(render_markdown(run, head, charts, tables), encoding="utf-8")
    if run.solved:
        paths["excel"] = write_excel(run)
    return paths


def report_tables(run: RunData) -> dict[str, pd.DataFrame]:
    """The tables both reports show: 'binding' (What binds), 'schedule' (Build schedule), 'capacity'
    (Megawatts); none for a run without a plan."""
    if not run.solved:
        return {}
    return {"binding": binding_table(run), "schedule": schedule(run), "capacity": capacity_table(run)}


MONEY_BY_YEAR = ("year", "cash capex, USD (undiscounted)", "annual cost, USD (undiscounted)")
MONEY_BY_PERIOD = ("period", "cash capex, USD (undiscounted)", "annual cost rate, USD per year (undiscounted)")


def money_columns(run: RunData) -> tuple[str, str, str]:
    """Headers of the money-by-period table: as always for yearly plans; with months or quarters the
    annual cost is a rate per year."""
    return MONEY_BY_PERIOD if run.sub_year else MONEY_BY_YEAR


def cards(head: dict) -> list[tuple[str, str]]:
    """(value, label) pairs of the headline, in reading order: status, the money measures (see
    :func:`optimizer.report.metrics.money_cards`), MW, GPUs, compute, solver gap."""
    out = [(str(head["status"]), "status")] + money_cards(head)
    if "final_year" in head:
        y = head.get("final_period", head["final_year"])
        out += [(f"{head['peak_facility_mw']:,.0f} MW", "peak facility load"),
                (f"{head['gpus_final']:,.0f}", f"GPUs (packages) in {y}"),
                (f"{head['h100e_final']:,.0f}", f"h100e in {y}")]
        if head.get("largest_site"):
            out.append((f"{head['largest_site_h100e']:,.0f}", f"h100e at {head['largest_site']} (largest site)"))
    gap = head.get("mip_gap")
    out.append(("—" if gap is None else f"{gap:.2%}", "solver gap"))
    return out


def target_lines(head: dict) -> list[tuple[str, bool]]:
    """('compute target <period>', met) per target, in time order."""
    met = head.get("targets_met", {})
    return [(f"compute target {period}", met[period]) for period in in_time_order(met)]


def timing_lines(run: RunData) -> list[str]:
    """The periods of a plan with months or quarters, then the time to each target and the value of
    time (:func:`optimizer.report.metrics.time_lines`); nothing for a yearly plan that does not value time."""
    if not shows_time(run):
        return delay_lines(run)
    lines = [f"periods: {periods_text(run)}"] if run.sub_year and run.periods else []
    return lines + [f"time to target: {line}" for line in target_time_lines(run)] + value_lines(run) \
        + delay_lines(run)


def render_html(run: RunData, head: dict, charts: dict[str, Chart],
                tables: dict[str, pd.DataFrame] | None = None) -> str:
    """report.html; ``tables``: :func:`report_tables` of the run (made here when not given)."""
    esc = html_text
    tables = report_tables(run) if tables is None else tables
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{esc(run.name)} — build-out report"
             f"</title><style>{CSS}</style></head><body>",
             f"<h1>{esc(run.name)}: build-out report</h1>",
             f"<p>{esc(run.config.get('description', '') or '')}</p>",
             "<div class='cards'>" + "".join(f"<div class='card'><b>{esc(v)}</b><span>{esc(k)}</span></div>"
                                             for v, k in cards(head)) + "</div>"]
    by_year = money_by_period(head)
    if by_year:
        parts.append(_html_table(pd.DataFrame(by_year, columns=list(money_columns(run))), index=False))
    targets = target_lines(head)
    if targets:
        parts.append("<p>" + " · ".join(f"{esc(t)}: <b class='{'ok' if met else 'bad'}'>{'met' if met else 'missed'}"
                                        "</b>" for t, met in targets) + "</p>")
    timing = timing_lines(run)
    if timing:
        parts.append("<ul class='timing'>" + "".join(f"<li>{esc(line)}</li>" for line in timing) + "</ul>")
    if head.get("message"):
        parts.append(f"<p><b>{esc(head['message'])}</b></p>")
    why = explanation_lines(run)
    if why:
        parts.append("<h2>Why there is no plan</h2><pre>" + esc("\n".join(why)) + "</pre>")
    if run.solved:
        parts.append(f"<p>Sites chosen: {esc(', '.join(map(str, head['sites'])) or 'none')}.</p>")
        for title, keys in SECTIONS:
            parts.append(f"<h2>{esc(title)}</h2>")
            if title == "What binds":
                parts.append(f"<p>{esc(BINDING_NOTE)}</p>")
                parts.append(_html_table(tables["binding"], index=False, classes="text", empty="(no limit binds)"))
            if title == "Build schedule":
                parts.append(_html_table(tables["schedule"], index=False, classes="text"))
            if title == "Megawatts":
                parts.append(_html_table(tables["capacity"], index=True))
            for key in keys:
                if key in charts:
                    c = charts[key]
                    data = base64.b64encode(c.png).decode()
                    parts.append(f"<figure><img alt='{esc(c.title)}' data-chart='{esc(c.key)}' "
                                 f"src='data:image/png;base64,{data}'><figcaption>{esc(c.caption)}</figcaption></figure>")
    parts.append("<h2>Config</h2><p>The config as the model read it (bases merged, constraint files included):</p>")
    parts.append(f"<pre>{esc(run.config_text)}</pre>")
    parts.append("<h2>Data sources</h2><ul>" + "".join(
        f"<li>{esc(k)}: {esc(v)}</li>" for k, v in (run.config.get("data") or {}).items())
        + "</ul><p>Every figure of the shipped data is sourced in data/SOURCES.md; the hourly profiles are "
          "synthetic.</p>")
    parts.append(f"<script>{SCRIPT}</script></body></html>")
    return "\n".join(parts)


def _html_table(frame: pd.DataFrame, index: bool, classes: str = "", empty: str = "(nothing built)") -> str:
    if frame.empty:
        return f"<p>{html_text(empty)}</p>"
    return frame.to_html(index=index, border=0, float_format=lambda v: f"{v:,.0f}", escape=True, classes=classes)


def render_markdown(run: RunData, head: dict, charts: dict[str, Chart],
                    tables: dict[str, pd.DataFrame] | None = None) -> str:
    """report.md: user text escaped (md_text for paragraphs, md_cell for fragments inside a line and
    table cells); the config and explanation lines verbatim in fences they cannot close. ``tables``:
    :func:`report_tables` of the run (made here when not given)."""
    tables = report_tables(run) if tables is None else tables
    files = run.folder / "report_files"
    files.mkdir(exist_ok=True)
    lines = [f"# {md_cell(run.name)}: build-out report", "", md_text(run.config.get("description", "")), ""]
    lines += [f"- **{md_cell(k)}**: {_md_card_value(v)}" for v, k in cards(head)]
    annual_name = "annual cost rate (per year)" if run.sub_year else "annual cost"
    lines += [f"- **{md_cell(year)}, USD (undiscounted)**: {md_cell(f'cash capex {capex}; {annual_name} {annual}')}"
              for year, capex, annual in money_by_period(head)]
    lines += [f"- **{md_cell(t)}**: {'met' if met else 'missed'}" for t, met in target_lines(head)]
    for line in timing_lines(run):
        name, _, text = line.partition(": ")
        lines.append(f"- **{md_cell(name)}**: {md_cell(text)}")
    if head.get("message"):
        lines += ["", f"**{md_cell(head['message'])}**"]
    why = explanation_lines(run)
    if why:
        lines += ["", "## Why there is no plan", "", md_code_block("\n".join(map(str, why)))]
    if run.solved:
        lines += ["", f"Sites chosen: {md_cell(', '.join(map(str, head['sites'])) or 'none')}."]
        for title, keys in SECTIONS:
            lines += ["", f"## {md_cell(title)}", ""]
            if title == "What binds":
                binds = _md_table(tables["binding"], index=False, empty="(no limit binds)")
                lines += [md_text(BINDING_NOTE), "", binds, ""]
            if title == "Build schedule":
                lines += [_md_table(tables["schedule"], index=False), ""]
            if title == "Megawatts":
                lines += [_md_table(tables["capacity"], index=True), ""]
            for key in keys:
                if key in charts:
                    (files / f"{key}.png").write_bytes(charts[key].png)
                    lines += [f"![{md_cell(charts[key].title)}](report_files/{key}.png)", ""]
    lines += ["", "## Config", "", md_code_block(run.config_text.rstrip(), "yaml"), "", "## Data sources", ""]
    lines += [f"- {md_cell(k)}: {md_cell(v)}" for k, v in (run.config.get("data") or {}).items()]
    lines += ["", "Every figure of the shipped data is sourced in data/SOURCES.md; the hourly profiles are synthetic."]
    return "\n".join(lines) + "\n"


def _md_card_value(value: str) -> str:
    """A headline value for Markdown: escaped, except that a leading currency sign stays as it is
    (alone on its line, with every other ``$`` escaped, it cannot open math)."""
    if value.startswith("$"):
        return "$" + md_cell(value[1:])
    return md_cell(value)


def _md_table(frame: pd.DataFrame, index: bool, empty: str = "(nothing built)") -> str:
    """A GFM table; every header and cell through md_cell, so each row keeps its column count."""
    if frame.empty:
        return md_text(empty)
    frame = frame.reset_index() if index else frame
    header = "| " + " | ".join(md_cell(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(md_cell(_md_number(v)) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule] + body)


def _md_number(value):
    """Floats with thousands separators and no decimals; anything else unchanged."""
    return f"{value:,.0f}" if isinstance(value, float) else value


def write_excel(run: RunData) -> Path:
    """results.xlsx, one sheet per result table: the header row, then the rows, with the cells that
    ``DataFrame.to_excel(index=False)`` followed by :func:`_keep_text_as_text` wrote (values as
    :func:`_excel_value` gives them; formula-like text in the header and in columns that can hold
    strings kept as text). Written row by row in openpyxl's write-only mode: no sheet of cell objects
    is built and then walked again (the dispatch table alone has some 90,000 cells)."""
    path = run.folder / "results.xlsx"
    book = Workbook(write_only=True)
    for name, frame in run.tables.items():
        sheet = book.create_sheet(name[:31])
        sheet.append([_excel_cell(sheet, v, text=True) for v in frame.columns])
        columns = [[_excel_cell(sheet, v, text=not pd.api.types.is_numeric_dtype(dtype))
                    for v in frame.iloc[:, i].tolist()] for i, dtype in enumerate(frame.dtypes)]
        for row in zip(*columns):
            sheet.append(row)
    book.save(path)
    return path


DATE_FORMATS = {datetime.datetime: "YYYY-MM-DD HH:MM:SS", datetime.date: "YYYY-MM-DD"}   # pandas' defaults


def _excel_cell(sheet, value, text: bool):
    """What to append for ``value``: :func:`_excel_value`; where ``text`` (the header, a column that can
    hold strings), a formula-like string as a text cell with a quote prefix (see
    :func:`_keep_text_as_text`); dates and durations with the number format pandas gives them."""
    shown = _excel_value(value)
    if text and is_formula_like(shown):
        cell = WriteOnlyCell(sheet, shown)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    if isinstance(value, (datetime.date, datetime.timedelta)) and shown != "":
        cell = WriteOnlyCell(sheet, shown)
        cell.number_format = "0" if isinstance(value, datetime.timedelta) else \
            DATE_FORMATS[datetime.datetime if isinstance(value, datetime.datetime) else datetime.date]
        return cell
    return shown


def _excel_value(value):
    """A table value as ``DataFrame.to_excel`` hands it to openpyxl: missing -> '' (an empty cell), ±inf ->
    'inf' / '-inf', numbers and booleans as Python's, dates as they are, durations in days, anything
    else as its text."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return "" if value != value else "inf" if value == math.inf else "-inf" if value == -math.inf else value
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return ""
    if isinstance(value, (datetime.date, Decimal)):
        if getattr(value, "tzinfo", None) is not None:
            raise ValueError("Excel does not support datetimes with timezones")
        return value
    if isinstance(value, datetime.timedelta):
        return value.total_seconds() / 86400
    return str(value)


def _keep_text_as_text(sheet, frame: pd.DataFrame) -> None:
    """Store every string that a spreadsheet could take for a formula (``=…``, ``+…``, ``-…``, ``@…``,
    tab, CR) as a text cell (data_type ``'s'``; openpyxl made ``=…`` a formula) with a quote prefix
    (Excel keeps it text when the cell is edited). The visible text is unchanged; numbers stay numbers.
    Only the header row and the columns of ``frame`` that can hold strings are looked at."""
    text_columns = [n for n, dtype in enumerate(frame.dtypes, start=1) if not pd.api.types.is_numeric_dtype(dtype)]
    cells = [cell for row in sheet.iter_rows(max_row=1) for cell in row]
    for column in text_columns:
        cells += [cell for row in sheet.iter_rows(min_row=2, min_col=column, max_col=column) for cell in row]
    for cell in cells:
        if is_formula_like(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True
