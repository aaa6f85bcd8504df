"""Escaping of user text (names, ids, descriptions, labels) for the reports: reports are data, not code.

Every string that comes from a config, a data table or a run folder goes through one of these
functions before it is written into ``report.md``, ``report.html``, a chart or ``results.xlsx``:

* :func:`md_text` and :func:`md_cell` for Markdown: HTML-sensitive characters become entities and
  Markdown punctuation gets a backslash, so a renderer shows the literal text and renders no HTML,
  no link, no emphasis, no heading and no list from it;
* :func:`md_code_block` for text shown verbatim (the config, explanation lines): a fence the text
  cannot close;
* :func:`html_text` for HTML text and attribute values;
* :func:`plot_text` for matplotlib labels (``$`` would start mathtext);
* :func:`is_formula_like` for spreadsheet cells (text Excel or LibreOffice may take for a formula).
"""

from __future__ import annotations

import html
import re

MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
MD_BACKSLASHED = set("\\`*_[]|~$#")
LINE_START_MARKERS = set("+-=")   # list items, thematic breaks, setext underlines at a line start
ORDERED_ITEM = re.compile(r"^(\d{1,9})([.)])(?=[ \t]|$)")
LEADING_BLANK = {" ": "&#32;", "\t": "&#9;"}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _lines(text) -> list[str]:
    """The lines of ``text`` (``None`` is empty), whatever the line endings."""
    text = "" if text is None else str(text)
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _md_inline(line: str) -> str:
    """One line with ``& < >`` as entities and Markdown punctuation backslash-escaped."""
    return "".join(MD_ENTITIES.get(c) or ("\\" + c if c in MD_BACKSLASHED else c) for c in line)


def _md_line_start(line: str) -> str:
    """Neutralise what would make an (already inline-escaped) line a list item, thematic break,
    setext underline or indented code: a backslash before the marker, an entity for a leading blank.
    (``#``, ``*``, ``_``, ``>`` and backticks are escaped everywhere already.)"""
    if not line:
        return line
    if line[0] in LEADING_BLANK:
        return LEADING_BLANK[line[0]] + line[1:]
    if line[0] in LINE_START_MARKERS:
        return "\\" + line
    return ORDERED_ITEM.sub(r"\1\\\2", line)


def md_text(text) -> str:
    """User text for a Markdown paragraph (it starts a line and may hold line breaks), shown literally.

    ``&``, ``<`` and ``>`` become HTML entities (so no tag or autolink survives); the backslash,
    backtick, ``*``, ``_``, ``[``, ``]``, ``|``, ``~``, ``#`` and ``$`` (math) get a backslash; at the
    start of each line ``+``, ``-``, ``=`` get a backslash, ``1. `` becomes ``1\\. `` and a leading
    blank an entity. Line breaks are kept (as ``\\n``). ``None`` gives ``""``.

    >>> md_text("<b>[x](y)</b> *a*|b")
    '&lt;b&gt;\\\\[x\\\\](y)&lt;/b&gt; \\\\*a\\\\*\\\\|b'
    """
    return "\n".join(_md_line_start(_md_inline(line)) for line in _lines(text))


def md_cell(value) -> str:
    """User text for one cell of a Markdown (GFM) table, or any fragment inside a line (a heading,
    a list item, image alt text): the characters :func:`md_text` escapes within a line (``|`` becomes
    ``\\|``, so a table row keeps its columns); line breaks become ``<br>``, so it stays one line.

    >>> md_cell("a|b\\nc")
    'a\\\\|b<br>c'
    """
    return "<br>".join(_md_inline(line) for line in _lines(value))


def md_code_block(text, info: str = "") -> str:
    """``text`` verbatim in a fenced code block whose backtick fence is longer than any backtick run
    in the text, so no line of it can close the block early. ``info`` is the language (``yaml``).

    >>> md_code_block("a ``` b", "yaml")
    '````yaml\\na ``` b\\n````'
    """
    text = "" if text is None else str(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def html_text(text) -> str:
    """User text for HTML element content or a quoted attribute value: ``& < > " '`` as entities.
    ``None`` gives ``""``.

    >>> html_text("<img src=x onerror='alert(1)'>")
    '&lt;img src=x onerror=&#x27;alert(1)&#x27;&gt;'
    """
    return html.escape("" if text is None else str(text), quote=True)


def plot_text(text) -> str:
    """User text for a matplotlib title, label, tick label or legend entry: ``$`` escaped, so it is
    shown as typed and never parsed as mathtext (``$\\frac$`` would stop the chart with an error).

    >>> plot_text("$a$")
    '\\\\$a\\\\$'
    """
    return ("" if text is None else str(text)).replace("$", r"\$")


def is_formula_like(value) -> bool:
    """True for a string a spreadsheet could take for a formula when typed or opened: one that
    starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return. Numbers are never formula-like.

    >>> is_formula_like("=1+2"), is_formula_like("-2+3"), is_formula_like(-2), is_formula_like("a=1")
    (True, True, False, False)
    """
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)
