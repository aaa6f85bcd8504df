"""The page of a two-stage stochastic plan (optimizer/report/stochastic.py), on real run folders of the
newsvendor (tests/stochastic/cases.py), whose numbers are known by hand:

    demands 40 and 80, equally likely, late units at 1.5: the plan buys 40 units of X in 2026;
    expected cost 70, wait and see 60, EVPI 10, the expected-value plan 75, VSS 5 (MUSD)

and on copies of such folders whose summary.json is edited: hostile names, missing or incomputable
numbers, a decomposition's iterations, many scenarios.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from optimizer.report.stochastic import write_stochastic_report
from optimizer.report.writer import SCRIPT as PAGE_SCRIPT
from optimizer.stochastic.run import run_stochastic
from stochastic.cases import newsvendor
from test_report_escaping import IMG, LINK, MATH, PAGE_TAGS, SCRIPT, PageParser

M = 1e6
DEMANDS = {"low": 40, "high": 80}


# ---------------------------------------------------------------- reading the page

class Tables(HTMLParser):
    """Every table of a page: rows of (cell texts, the row's attributes, each cell's attributes)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self.row = self.cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"class": dict(attrs).get("class", ""), "rows": []})
        elif tag == "tr" and self.tables:
            self.row = {"attrs": dict(attrs), "cells": [], "cell_attrs": []}
            self.tables[-1]["rows"].append(self.row)
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
            self.row["cell_attrs"].append(dict(attrs))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row["cells"].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data + " ")


def tables(page: str, cls: str | None = None) -> list[dict]:
    """The page's tables (of class ``cls``)."""
    parser = Tables()
    parser.feed(page)
    return [t for t in parser.tables if cls is None or cls in t["class"].split()]


def cards(page: str) -> dict[str, str]:
    """The headline cards: label -> value (as text)."""
    import html

    return {html.unescape(label): html.unescape(value)
            for value, label in re.findall(r"<div class='card'><b>(.*?)</b><span>(.*?)</span></div>", page)}


def parse(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    return parser


def assert_inert(page: str) -> PageParser:
    """The project's standard (tests/test_report_escaping.py): only the page's own tags, no event
    handler, images from data: only, one script (ours); links only to scenario run reports."""
    parser = parse(page)
    assert {tag for tag, _ in parser.tags} <= PAGE_TAGS | {"a", "h3"}, {t for t, _ in parser.tags} - PAGE_TAGS
    for tag, attrs in parser.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if tag == "img":
            assert attrs["src"].startswith("data:image/png;base64,")
        if tag == "a":
            assert re.fullmatch(r"scenarios/[^/]+/report\.html", attrs["href"]), attrs["href"]
            assert ".." not in attrs["href"]
    assert [t for t, _ in parser.tags].count("script") == 1 and parser.scripts == [PAGE_SCRIPT]
    return parser


def edited(source: Path, target: Path, change) -> str:
    """A copy of the run folder ``source`` whose summary.json ``change(summary)`` edits; its page."""
    shutil.copytree(source, target)
    summary = json.loads((target / "summary.json").read_text())
    change(summary)
    (target / "summary.json").write_text(json.dumps(summary))
    return write_stochastic_report(target).read_text(encoding="utf-8")


# ---------------------------------------------------------------- run folders

@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> Path:
    """The newsvendor: 40 or 80 wanted in 2027, equally likely."""
    root = tmp_path_factory.mktemp("newsvendor")
    outcome = run_stochastic(newsvendor(root / "case", DEMANDS), out=root / "run")
    assert outcome.status == "optimal"
    return outcome.out_dir


@pytest.fixture(scope="module")
def risky(tmp_path_factory) -> Path:
    """Late units capped at 30 (the plan for 40 cannot meet 80 later) and half the weight on CVaR 50%: the
    plan buys 80 units; the expected-value plan (60) costs 60 or 90."""
    root = tmp_path_factory.mktemp("risky")
    config = newsvendor(root / "case", DEMANDS, risk={"cvar_alpha": 0.5, "cvar_weight": 0.5})
    outcome = run_stochastic(config, ["data.gpus.Y.supply_gpus_per_year=30"], out=root / "run")
    assert outcome.status == "optimal"
    return outcome.out_dir


@pytest.fixture(scope="module")
def quiet(tmp_path_factory) -> Path:
    """No regret table (regret: false); a hostile config name and hostile override values."""
    root = tmp_path_factory.mktemp("quiet")
    config = newsvendor(root / "case", DEMANDS, extra={"regret": False})
    raw = yaml.safe_load(config.read_text())
    raw["uncertainty"]["scenarios"][0]["set"]["description"] = f"{IMG} a|b {LINK}"
    raw["uncertainty"]["scenarios"][1]["set"]["name"] = MATH + " " + SCRIPT
    config.write_text(yaml.safe_dump(raw, sort_keys=False))
    outcome = run_stochastic(config, [f"name={SCRIPT}"], out=root / "run")
    assert outcome.status == "optimal"
    return outcome.out_dir


# ---------------------------------------------------------------- the newsvendor's page

def test_the_headline_gives_the_known_answers(plain):
    page = (plain / "report.html").read_text()
    got = cards(page)
    assert got["expected net present cost, USD (discounted)"] == "$70.00 M"
    assert got["EVPI, USD (knowing the future)"] == "$10.00 M"
    assert got["VSS, USD (planning for the spread)"] == "$5.00 M"
    assert got["wait and see, USD"] == "$60.00 M"
    assert got["expected-value plan, USD"] == "$75.00 M"
    assert got["method"] == "equivalent" and got["gap to the bound"] == "0.00%"
    assert got["first stage: before"] == "2027-01" and got["scenarios"] == "2"
    assert not any("CVaR" in label for label in got)          # no risk weight: no CVaR
    text = " ".join("".join(parse(page).text).split())
    assert "Knowing the future before committing would save $10.00 M" in text
    assert "this plan's expected net present cost is $70.00 M; planning each scenario knowing it would come, " \
           "$60.00 M" in text
    assert "Planning for the average future instead of the spread would cost $5.00 M more" in text
    assert "comes to $75.00 M" in text
    assert "deterministic equivalent" in text and "<title>newsvendor — stochastic plan</title>" in page


def test_the_first_stage_is_one_table_of_shared_decisions(plain):
    [first] = tables((plain / "report.html").read_text(), "first")
    rows = [r["cells"] for r in first["rows"]]
    assert rows[0] == ["decision", "site", "item (GPU, source)", "period", "amount", "unit"]
    assert ["GPUs bought", "A", "X", "2026", "40", "units"] in rows
    assert ["campus built", "A", "", "2026", "yes", ""] in rows
    assert all(r[3] == "2026" for r in rows[1:])                   # nothing after the first-stage date


def test_each_scenario_shows_its_recourse_and_links_its_run_report(plain, tmp_path):
    page = (plain / "report.html").read_text()
    links = re.findall(r"href='([^']*)'", page)
    assert set(links) == {"scenarios/low/report.html", "scenarios/high/report.html"}
    for link in links:
        assert (plain / link).is_file()
    text = " ".join("".join(parse(page).text).split())
    assert "probability 50.0%" in text
    assert "targets.compute_h100e = {2027: 40}" in text and "targets.compute_h100e = {2027: 80}" in text
    assert "$40.00 M regret $0 over its own optimum $40.00 M" in text          # low: the plan is low's own
    assert "$0.10 B regret $20.00 M over its own optimum $80.00 M" in text     # high: 40 late units at 1.5
    by_period = [t for t in tables(page) if t["rows"] and t["rows"][0]["cells"][0].startswith("GPU product")]
    assert [r["cells"] for r in by_period[1]["rows"]] == [["GPU product, GPUs in service", "2026*", "2027"],
                                                          ["X", "40", "40"], ["Y", "0", "40"]]   # high buys 40 late
    mw = [t for t in tables(page) if t["rows"] and t["rows"][0]["cells"][0].startswith("source, MW")]
    assert [r["cells"] for r in mw[1]["rows"]][1] == ["grid", "40", "80"]
    # the page is made from the folder alone: a copy opens with its links, and names no absolute path
    copy = tmp_path / "moved"
    shutil.copytree(plain, copy)
    moved = write_stochastic_report(copy).read_text()
    assert moved == page and str(plain) not in page
    for link in links:
        assert (copy / link).is_file()


def test_the_regret_table_has_every_plan_in_every_scenario(plain):
    [table] = tables((plain / "report.html").read_text(), "regret")
    head, *rows = table["rows"]
    assert head["cells"] == ["plan", "in low (50%): cost, regret, $M", "in high (50%): cost, regret, $M",
                             "max regret, $M", "expected cost, $M"]
    got = {r["cells"][0]: r["cells"][1:] for r in rows}
    assert got == {"plan for low — least max regret": ["40.00 regret 0.00", "100.00 regret 20.00", "20.00", "70.00"],
                   "plan for high": ["80.00 regret 40.00", "80.00 regret 0.00", "40.00", "80.00"],
                   "expected-value plan": ["60.00 regret 20.00", "90.00 regret 10.00", "20.00", "75.00"],
                   "stochastic plan (this plan)": ["40.00 regret 0.00", "100.00 regret 20.00", "20.00", "70.00"]}
    classes = {r["cells"][0]: r["attrs"].get("class", "") for r in rows}
    assert classes["stochastic plan (this plan)"] == "this" and classes["plan for low — least max regret"] == "mmr"
    assert classes["plan for high"] == classes["expected-value plan"] == ""
    best = [r["cells"][0] for r in rows if r["cell_attrs"][3].get("class") == "best"]
    assert len(best) == 3                                      # low, expected value and stochastic tie at 20
    page = (plain / "report.html").read_text()
    assert "tied with expected-value plan, stochastic plan (this plan)" in page


def test_the_cost_distribution_is_drawn(plain):
    page = (plain / "report.html").read_text()
    assert page.count("<img ") == 1 and "<h2>Decomposition</h2>" not in page
    assert "lines: expected cost $70.00 M" in page and "ticks: the scenario&#x27;s own optimum" in page


# ---------------------------------------------------------------- CVaR, plans that cannot be completed

def test_cvar_and_a_plan_that_cannot_be_completed(risky):
    page = (risky / "report.html").read_text()
    got = cards(page)
    assert got["CVaR 50%, USD (mean of the worst 50%)"] == "$80.00 M"
    assert got["risk-weighted cost, USD (optimised)"] == "$80.00 M"
    assert got["EVPI, USD (knowing the future)"] == "$10.00 M"        # 80 against ½ (½ 40 + ½ 80) + ½ 80 = 70
    assert got["VSS, USD (planning for the spread)"] == "$2.50 M"     # ½ 75 + ½ 90 = 82.5 against 80
    [table] = tables(page, "regret")
    head, *rows = table["rows"]
    assert head["cells"][-1].startswith("risk-weighted cost (0.5 × expected + 0.5 × CVaR 50%)")
    low = next(r for r in rows if r["cells"][0] == "plan for low")
    assert low["cells"][2] == "cannot be completed [1]"
    assert low["cell_attrs"][2] == {"class": "no",
                                    "title": "no completion of the plan satisfies every constraint here"}
    assert low["cells"][3:] == ["—", "—", "—"] and low["cell_attrs"][3]["title"] == "cannot be completed in high"
    mmr = next(r for r in rows if r["attrs"].get("class") == "mmr")
    assert mmr["cells"][0] == "expected-value plan — least max regret" and mmr["cells"][3] == "20.00"
    assert "[1] plan for low in high: cannot be completed — no completion of the plan satisfies every constraint " \
           "here" in page
    assert "CVaR 50% $80.00 M" in page                               # the chart's caption
    assert ["GPUs bought", "A", "X", "2026", "80", "units"] in [r["cells"] for r in tables(page, "first")[0]["rows"]]


# ---------------------------------------------------------------- missing and incomputable numbers

def test_without_the_regret_table_evpi_and_vss_are_not_computed(quiet):
    page = (quiet / "report.html").read_text()
    got = cards(page)
    assert got["EVPI, USD (knowing the future)"] == got["VSS, USD (planning for the spread)"] == "not computed"
    assert got["expected net present cost, USD (discounted)"] == "$70.00 M"
    assert "EVPI and VSS were not computed" in page and "its own optimum: not computed" in page
    assert not tables(page, "regret") and "tables/regret.csv" not in page


def test_user_text_from_the_run_is_escaped(quiet):
    page = (quiet / "report.html").read_text()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;: two-stage stochastic plan</h1>" in page
    text = "".join(assert_inert(page).text)
    assert f"description = {IMG} a|b {LINK}" in text
    assert f"name = {MATH} {SCRIPT}" in text


def test_incomputable_evpi_and_vss_say_why(plain, tmp_path):
    def change(summary):
        st = summary["stochastic"]
        st["evpi_usd"] = st["wait_and_see_usd"] = st["vss_usd"] = None
        del st["scenarios"][1]["own_optimum_usd"]
        regret = st["regret"]
        ev = regret["plans"].index("expected_value")
        regret["cost_usd"][ev][1] = regret["regret_usd"][ev][1] = None
        regret["max_regret_usd"][ev] = regret["expected_usd"][ev] = None
        regret["cannot_complete"] = [{"plan": "expected_value", "scenario": "high", "reason": "too few late units"}]

    page = edited(plain, tmp_path / "run", change)
    got = cards(page)
    assert got["EVPI, USD (knowing the future)"] == got["VSS, USD (planning for the spread)"] == "cannot be computed"
    assert "EVPI) cannot be computed: high has no plan of its own" in page
    assert "VSS) cannot be computed: the expected-value plan cannot be completed in high" in page
    assert "[1] expected-value plan in high: cannot be completed — too few late units" in page
    assert "its own optimum: not computed" in page


# ---------------------------------------------------------------- hostile names, decomposition, many scenarios

def test_hostile_scenario_names_and_reasons_are_escaped(plain, tmp_path):
    names = [IMG, MATH + " a|b"]

    def change(summary):
        summary["name"] = SCRIPT
        st = summary["stochastic"]
        st["method"], st["first_stage_until"] = SCRIPT, IMG
        for s, name in zip(st["scenarios"], names):
            s["name"] = name
        st["scenarios"][0]["set"] = {LINK: SCRIPT, "x": {IMG: [1, SCRIPT]}}
        st["scenarios"].append({"name": "..", "probability": 0.0, "set": {}, "cost_usd": 1.0})  # not a folder
        st["first_stage"][0].update(site=IMG, item=SCRIPT, decision=LINK)
        regret = st["regret"]
        regret["plans"][:2] = names
        regret["scenarios"] = names
        regret["min_max_regret_plan"] = names[0]
        regret["cost_usd"][0][1] = regret["regret_usd"][0][1] = regret["max_regret_usd"][0] = None
        regret["cannot_complete"] = [{"plan": names[0], "scenario": names[1], "reason": f"{SCRIPT} {IMG}"}]

    page = edited(plain, tmp_path / "run", change)
    assert "<script>alert" not in page and "<img src=x" not in page
    parser = assert_inert(page)                                # links only to scenarios/NAME/report.html
    text = "".join(parser.text)
    for value in (SCRIPT, IMG, LINK, MATH + " a|b", f"{LINK} = {SCRIPT}", f"x = {{{IMG}: [1, {SCRIPT}]}}",
                  f"plan for {IMG}", f"in {MATH} a|b (50%)"):
        assert value in text, value
    titles = [a.get("title") for t, a in parser.tags if t == "td" and a.get("title")]
    assert f"{SCRIPT} {IMG}" in titles
    # the scenario folders named in the summary are not there (renamed); '..' is never read or linked
    assert "href" not in page.split("<h2>Regret")[0].split("<h2>Recourse")[1]
    assert page.count("is missing from this folder") == 3


def test_the_decomposition_is_charted(plain, tmp_path):
    def change(summary):
        st = summary["stochastic"]
        st["method"] = "decomposition"
        st["decomposition"] = [
            {"iteration": 1, "bound_usd": 60 * M, "incumbent_usd": None, "gap": None, "seconds": 0.1},
            {"iteration": 2, "bound_usd": 68 * M, "incumbent_usd": 72 * M, "gap": 0.0556, "seconds": 0.3},
            {"iteration": 3, "bound_usd": 70 * M, "incumbent_usd": 70 * M, "gap": 0.0, "seconds": 0.5}]

    page = edited(plain, tmp_path / "run", change)
    assert "<h2>Decomposition</h2>" in page and page.count("<img ") == 2
    assert "3 iterations; last bound $70.00 M, incumbent $70.00 M, gap 0.00%, 0.5 s." in page
    assert "scenario decomposition (a Lagrangian bound and evaluated plans)" in page


def test_many_scenarios_give_a_distribution_and_a_short_regret_table(plain, tmp_path):
    n = 50
    names = [f"f{i:02d}" for i in range(n)]

    def change(summary):
        st = summary["stochastic"]
        st["scenarios"] = [{"name": s, "probability": 1 / n, "set": {"x": i}, "cost_usd": (60 + i) * M,
                            "own_optimum_usd": 50 * M} for i, s in enumerate(names)]
        plans = names + ["expected_value", "stochastic"]
        cost = [[(60 + i + j % 3) * M for j in range(n)] for i in range(len(plans))]
        st["regret"] = {"plans": plans, "scenarios": names, "cost_usd": cost,
                        "regret_usd": [[c - 50 * M for c in row] for row in cost],
                        "max_regret_usd": [max(row) - 50 * M for row in cost],
                        "expected_usd": [sum(row) / n for row in cost], "min_max_regret_plan": "f00",
                        "cannot_complete": []}

    page = edited(plain, tmp_path / "run", change)
    [table] = tables(page, "regret")
    assert table["rows"][0]["cells"] == ["plan", "max regret, $M", "expected cost, $M"]
    assert len(table["rows"]) == n + 3
    assert f"{n} scenarios: the table shows each plan" in page
    assert "the probability that this plan&#x27;s net present cost is at most each value" in page
    assert page.count("<div class='sc'>") == n and page.count("<img ") == 1


# ---------------------------------------------------------------- in a browser

def test_the_page_renders_in_a_browser(risky, tmp_path, chromium):
    """Headless Chromium opens report.html: the page renders, the chart loads, no console error."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0"]
    page = risky / "report.html"
    images = page.read_text().count("<img ")
    dom = subprocess.run([chromium, *flags, "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert images == 1 and f'data-charts-loaded="{images}"' in dom.stdout
    assert "Uncaught" not in dom.stderr and ":CONSOLE(" not in dom.stderr
    assert "cannot be completed [1]" in dom.stdout and "scenarios/high/report.html" in dom.stdout
