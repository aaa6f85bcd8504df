"""Reports are data, not code: names, ids and descriptions with HTML, Markdown or spreadsheet syntax
appear in report.md, report.html, compare.* and results.xlsx as literal text, never as markup or formulas."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from markdown_it import MarkdownIt

from helpers import GAS, GPU, REGION, SITE, row, write_case
from optimizer.pipeline import run_config
from optimizer.report.compare import compare_runs
from optimizer.report.escape import html_text, is_formula_like, md_cell, md_code_block, md_text, plot_text
from optimizer.report.run_data import RunData
from optimizer.report.writer import SCRIPT as PAGE_SCRIPT
from optimizer.report.writer import write_excel

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
LINK = "[x](javascript:alert(1))"
HYPERLINK = '=HYPERLINK("http://x","y")'
MATH = "$\\frac$"                                   # mathtext that matplotlib cannot parse
NASTY = [SCRIPT, IMG, "a|b", LINK, "**bold**", HYPERLINK, "=1+2|cmd", "+1", "@SUM(A1)", "-2+3", MATH]
# where each string goes in the case: site ids, site names, region, tech and GPU ids
SITE_IDS = [IMG, "a|b", "=1+2|cmd", "+1", "-2+3"]
SITE_NAMES = [SCRIPT, HYPERLINK, LINK, "@SUM(A1)", MATH + " `x`"]
REGION_ID, TECH_ID, GPU_ID = "**bold**", MATH, "@SUM(A1)"
DESCRIPTION = f"{IMG} a|b {LINK} **bold**\n```\n# not a heading\n1. not a list\n=1+2|cmd"
PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "div", "b", "span", "table", "thead",
             "tbody", "tr", "th", "td", "figure", "img", "figcaption", "pre", "ul", "li", "script"}


def markdown() -> MarkdownIt:
    """A CommonMark renderer with GFM tables and strikethrough; raw HTML passes through (html=True)."""
    return MarkdownIt("commonmark").enable("table").enable("strikethrough")


def shown(text: str) -> str:
    """``text`` as markdown-it writes literal text into HTML."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("escaping")
    first = row(SITE, site_id=SITE_IDS[0], name=SITE_NAMES[0], region_id=REGION_ID, grid_existing_mw=2.0,
                gas_permit_mw=20.0)
    others = [row(SITE, site_id=sid, name=name, region_id=REGION_ID, lat=40.0 + i, lon=-100.0 - i, max_it_mw=8.0,
                  grid_existing_mw=20.0 if i == 0 else 0.0)
              for i, (sid, name) in enumerate(zip(SITE_IDS[1:], SITE_NAMES[1:]))]
    config = {"name": SCRIPT, "description": DESCRIPTION, "horizon": {"first_year": 2026, "last_year": 2027},
              "targets": {"compute_h100e": {2026: 10, 2027: 12}}, "budget": {"capex_usd_per_year": 50e6},
              "time_slices": {"hours_per_slice": 6},
              "constraints": [{"kind": "tech_capacity", "tech": TECH_ID, "max_mw": 3.0, "name": f"cap {IMG} a|b"}]
              # every campus opens (campuses are free here: which ones a plan opens is otherwise a tie)
              + [{"kind": "force_site", "site": sid} for sid in SITE_IDS]}
    path = write_case(folder / "case", config, sites=[first, *others], regions=[row(REGION, region_id=REGION_ID,
                      name=IMG)], techs=[row(GAS, tech_id=TECH_ID)], gpus=[row(GPU, gpu_id=GPU_ID,
                                                                                 price_usd_per_unit=1e6)])
    outcome = run_config(path, out=folder / "run")
    assert outcome.solution.status == "optimal"
    return outcome.out_dir


# --- the helpers, exact outputs -------------------------------------------------------------------------------

def test_md_text_escapes_html_links_and_emphasis():
    assert md_text(SCRIPT) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert md_text(IMG) == "&lt;img src=x onerror=alert(1)&gt;"
    assert md_text(LINK) == "\\[x\\](javascript:alert(1))"
    assert md_text("**bold** _it_ `code` ~~s~~ a|b $x$ #1 \\ &amp;") == \
        "\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\~\\~s\\~\\~ a\\|b \\$x\\$ \\#1 \\\\ &amp;amp;"
    assert md_text(None) == "" and md_text(12.5) == "12.5" and md_text("33.29 M") == "33.29 M"


def test_md_text_escapes_block_markers_at_line_starts():
    assert md_text("# h\n- item\n+ item\n1. one\n2) two\n=1+2\n---\n    code\n\tx") == \
        "\\# h\n\\- item\n\\+ item\n1\\. one\n2\\) two\n\\=1+2\n\\---\n&#32;   code\n&#9;x"
    assert md_text("a\r\nb\rc") == "a\nb\nc"
    assert md_text("x - y 1. z") == "x - y 1. z"      # markers inside a line stay as they are


def test_md_cell_keeps_one_line_and_escapes_pipes():
    assert md_cell("a|b") == "a\\|b"
    assert md_cell("a\\|b") == "a\\\\\\|b"
    assert md_cell("one\ntwo\r\nthree") == "one<br>two<br>three"
    assert md_cell(SCRIPT) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert md_cell(-2.0) == "-2.0" and md_cell("-2+3") == "-2+3"


def test_md_code_block_fence_is_longer_than_any_backtick_run():
    assert md_code_block("plain") == "```\nplain\n```"
    assert md_code_block("a\n```\nb", "yaml") == "````yaml\na\n```\nb\n````"
    assert md_code_block("x ````` y") == "``````\nx ````` y\n``````"


def test_html_text_and_plot_text():
    assert html_text(IMG) == "&lt;img src=x onerror=alert(1)&gt;"
    assert html_text("a\"b'c&d") == "a&quot;b&#x27;c&amp;d"
    assert html_text(None) == "" and html_text(3) == "3"
    assert plot_text(MATH) == "\\$\\frac\\$"
    assert plot_text(None) == ""


def test_is_formula_like():
    assert [is_formula_like(v) for v in (HYPERLINK, "=1+2|cmd", "+1", "@SUM(A1)", "-2+3", "\tx", "\rx")] == [True] * 7
    assert [is_formula_like(v) for v in ("a=1", "", " =1", -2, 1.5, None)] == [False] * 6


@pytest.mark.parametrize("text", NASTY + ["~~strike~~", "  indented", "1. one", "# h", "&lt; &amp;", "a\\|b", "<br>"])
def test_a_renderer_shows_escaped_text_literally(text):
    """Rendered by a CommonMark + GFM renderer, the escaped text is exactly the original text."""
    assert markdown().render(md_text(text)) == f"<p>{shown(text)}</p>\n"
    table = markdown().render(f"| h | i |\n|---|---|\n| {md_cell(text.strip())} | z |\n")
    assert f"<td>{shown(text.strip())}</td>\n<td>z</td>" in table


# --- a whole run ----------------------------------------------------------------------------------------------

def outside_fences(source: str) -> tuple[str, list]:
    """The Markdown lines outside fenced code blocks (as the renderer sees them) and the fence tokens."""
    fences = [t for t in markdown().parse(source) if t.type == "fence"]
    inside = {n for t in fences for n in range(*t.map)}
    return "\n".join(line for n, line in enumerate(source.split("\n")) if n not in inside), fences


def table_cell_counts(source: str) -> list[list[int]]:
    """For each GFM table of ``source``: the number of cells of each row (pipes not escaped by a
    backslash, escapes taken in pairs, minus one)."""
    tables, current = [], []
    for line in source.split("\n") + [""]:
        if line.startswith("|"):
            current.append(_unescaped_pipes(line) - 1)
        elif current:
            tables.append(current)
            current = []
    return tables


def _unescaped_pipes(line: str) -> int:
    count, i = 0, 0
    while i < len(line):
        if line[i] == "\\":
            i += 2
            continue
        count += line[i] == "|"
        i += 1
    return count


def test_markdown_report_renders_no_html_no_links(run_dir):
    source = (run_dir / "report.md").read_text()
    outside, fences = outside_fences(source)
    for raw in ("<script", "<img", "[x](", "**bold**", "a|b", "\n# not a heading", "\n1. not a list"):
        assert raw not in outside, raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in outside and "&lt;img src=x onerror=alert(1)&gt;" in outside
    page = markdown().render(source)
    assert "<script" not in page and "<a " not in page and "<strong>bold</strong>" not in page
    assert page.count("<h1>") == 1 and "<h1>&lt;script&gt;alert(1)&lt;/script&gt;: build-out report</h1>" in page
    assert "<ol" not in page and "<hr" not in page
    for tag in page.split("<img ")[1:]:
        assert tag.startswith('src="report_files/'), tag[:80]
    config_text = (run_dir / "config.resolved.yaml").read_text()
    assert "```" in config_text                         # the description put a fence line into the config
    assert [f.info for f in fences] == ["yaml"] and fences[0].content == config_text.rstrip() + "\n"


def test_markdown_tables_keep_their_columns_and_show_the_text(run_dir):
    source = (run_dir / "report.md").read_text()
    tables = table_cell_counts(outside_fences(source)[0])
    assert len(tables) == 3                             # what binds, build schedule, megawatts
    for counts in tables:
        assert len(set(counts)) == 1, counts
    page = markdown().render(source)
    for site in SITE_IDS:
        assert f"<td>{shown(site)}</td>" in page, site
    assert f"<td>{shown(TECH_ID)}</td>" in page


def test_markdown_description_is_one_literal_paragraph(run_dir):
    page = markdown().render((run_dir / "report.md").read_text())
    assert f"<p>{shown(DESCRIPTION)}</p>" in page


class PageParser(HTMLParser):
    """Every start tag with its attributes, the text and the script contents of an HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.in_script = tag == "script"

    def handle_endtag(self, tag):
        self.in_script = False

    def handle_data(self, data):
        (self.scripts if self.in_script else self.text).append(data)


def parse_page(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text())
    return parser


def assert_page_is_inert(parser: PageParser) -> None:
    """Only the report's own tags, no event handler attribute, images from data: only, one script (ours)."""
    assert {tag for tag, _ in parser.tags} <= PAGE_TAGS, {tag for tag, _ in parser.tags} - PAGE_TAGS
    for tag, attrs in parser.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if tag == "img":
            assert attrs["src"].startswith("data:image/png;base64,"), attrs["src"][:40]
    assert [t for t, _ in parser.tags].count("script") == 1 and parser.scripts == [PAGE_SCRIPT]


def test_html_report_shows_user_text_as_text(run_dir):
    page = (run_dir / "report.html").read_text()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; — build-out report</title>" in page
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;: build-out report</h1>" in page
    parser = parse_page(run_dir / "report.html")
    assert_page_is_inert(parser)
    text = "".join(parser.text)
    for value in SITE_IDS + [SCRIPT, TECH_ID, GPU_ID, DESCRIPTION]:
        assert value in text, value


def test_excel_holds_the_strings_as_text(run_dir):
    book = openpyxl.load_workbook(run_dir / "results.xlsx")
    cells = [c for sheet in book.worksheets for line in sheet.iter_rows() for c in line]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    text = {c.value: c for c in cells if c.data_type == "s"}
    for value in SITE_IDS + SITE_NAMES + [REGION_ID, TECH_ID, GPU_ID]:
        assert value in text, value
        assert text[value].quotePrefix == is_formula_like(value), value
    lat = [c for c in book["sites"]["D"][1:]]
    assert book["sites"]["D1"].value == "lat" and {c.data_type for c in lat} == {"n"}


def test_write_excel_keeps_formula_like_text_and_numbers(tmp_path):
    values = [HYPERLINK, "=1+2|cmd", "+1", "@SUM(A1)", "-2+3", "\tx", "\rx", "plain"]
    frame = pd.DataFrame({"name": values, "mw": [1.5, -2.0, 3, 4, 5, 6, 7, 8]})
    write_excel(RunData(tmp_path, {}, "", {"sites": frame}))
    sheet = openpyxl.load_workbook(tmp_path / "results.xlsx")["sites"]
    names, numbers = sheet["A"][1:], sheet["B"][1:]
    assert [c.data_type for c in names] == ["s"] * len(values)
    assert [c.value for c in names][:6] == values[:6] and names[7].value == "plain"
    assert names[6].value in ("\rx", "\nx")            # XML turns a bare CR into LF; still text
    assert [c.quotePrefix for c in names] == [True] * 7 + [False]
    assert [c.data_type for c in numbers] == ["n"] * len(values) and numbers[1].value == -2


def test_compare_report_escapes_run_names_and_ids(run_dir, tmp_path):
    paths = compare_runs([run_dir, run_dir], tmp_path / "cmp")
    page = paths["html"].read_text()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "<th>&lt;script&gt;alert(1)&lt;/script&gt; (2)</th>" in page
    assert_page_is_inert(parse_page(paths["html"]))
    source = paths["markdown"].read_text()
    assert "<script" not in source and "<img" not in source
    counts = table_cell_counts(source)
    assert len(counts) == 1 and len(set(counts[0])) == 1, counts
    rendered = markdown().render(source)
    assert f"<th>{shown(SCRIPT)} (2)</th>" in rendered and f"<td>MW {shown(TECH_ID)}, final year</td>" in rendered
    assert f"<td>{shown(', '.join(SITE_IDS))}</td>" in rendered
