"""A PDF's lines (``Line``, as ``pdf.py`` reads them from PDFium) and blocks: what each paragraph-level run of lines is (heading, paragraph, list item, code, table row).

``pdf_layout`` writes the runs; ``classify`` names them from their first line's font and box:

* a run in larger type (up to three lines, monospaced or not), or a bold line or two without closing punctuation
  (numbered or not), is a heading, bold counting only where most prose is not bold; heading levels rank the
  heading font sizes, largest first, bold body-size headings after them;
* monospaced lines are code, lines with wide gaps table rows, a run opening with a list mark an item;
* a definition list's term -- one short line at the left, with no closing punctuation, whose explanation starts on
  the next line indented by two font sizes or more ("-k --keep" over "Keep (don't delete) input files ...",
  "BZ_DATA_ERROR" over what it means, a priority's name set in mono over its meaning) -- is a heading below all the
  others, as HTML's ``<dt>``: the explanation seldom repeats the term, and the scorer reads each sentence with the
  heading it lies under.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import lang
from ..text import words
from ..types import TERM_LEVEL, Block

LIST_MARK = re.compile(r"(?:[•◦▪●■–—*-]|\d{1,3}[.)]|[a-z][.)]|\([a-z0-9]{1,3}\))\s")
TERM_CHARS = 60  # the longest line read as a definition list's term (``_term``)


@dataclass(frozen=True)
class Line:
    """One visual line of a page: PDFium characters ``[start, start + len(text))``.

    The box is in PDF points, y upwards (``y0`` bottom, ``y1`` top); ``first_word`` is
    the width of the line's first word; ``hyphen`` says the line's last word goes on
    in the next line (PDFium's U+FFFE mark, which is not part of ``text``).
    """

    page: int
    start: int
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    size: float
    mono: bool = False
    first_word: float = 0.0
    hyphen: bool = False
    bold: bool = False
    cells: bool = False  # a gap wider than one and a half font sizes: cells of a table row


@dataclass
class Run:
    """A block while it is written: its span, first line, line count, whether every line is bold."""

    start: int
    end: int
    first: Line
    lines: int = 1
    bold: bool = field(default=False)
    kind: str = ""  # set by the writer (a footnote); else found by ``_kind``

    def __post_init__(self):
        self.bold = self.first.bold


def _kind(run: Run, text: str, body: float, bold_means: bool = True) -> str:
    first, n = run.first, run.end - run.start
    if run.kind:
        return run.kind
    if first.cells:
        return "table"
    if run.lines <= 3 and n <= 200 and first.size > 1.12 * body:  # "5.6.13 Description", the name set in mono
        return "heading"
    if first.mono:
        return "code"
    # a short all-bold run is a heading, numbered or not ("1. I know that duplicate times are not allowed ...")
    if bold_means and run.lines <= 2 and n <= 120 and run.bold and text[run.end - 1] not in ".,;":
        return "heading"
    if LIST_MARK.match(first.text):
        return "item"
    return "paragraph"


def _term(run: Run, nxt: Run, text: str, body: float) -> bool:
    """Is ``run`` the term of a definition list: one short line with no closing punctuation ("-k --keep") whose
    explanation starts on the next line, indented by at least two font sizes ("Keep (don't delete) input files ...")?
    """
    a, b, line = run.first, nxt.first, text[run.start : run.end]
    return (
        run.lines == 1
        and run.end - run.start <= TERM_CHARS
        and text[run.end - 1] not in ".,;:!?"
        and not set(words(line)[-1:]) & lang.current.FUNCTION_WORDS  # "... block size ), or" runs on
        and all(line.count(o) == line.count(c) for o, c in ("()", "[]", "{}"))  # "operator + (const Matrix &a,"
        and not b.mono
        and b.page == a.page
        and b.x0 - a.x0 >= 2 * body
        and -0.5 * body <= a.y0 - b.y1 <= body
    )


def _bold_means(runs: list[Run], body: float) -> bool:
    """Does bold set text apart here?  Not where most body-size prose reads as bold (a face whose weight PDFium
    misreports and whose name does not say): then a bold line is no heading."""
    prose = [r for r in runs if not r.kind and not r.first.mono and abs(r.first.size - body) < 0.5 and r.lines >= 2]
    return sum(r.bold for r in prose) * 2 <= len(prose)


def classify(runs: list[Run], text: str, body: float) -> tuple[Block, ...]:
    """Blocks with their kinds; heading levels rank the heading font sizes, largest first (bold body text last,
    a definition list's terms below them all, as HTML's ``<dt>``)."""
    bold_means = _bold_means(runs, body)  # one reading of the whole document's prose
    kinds = [_kind(r, text, body, bold_means) for r in runs]
    sizes = sorted({round(r.first.size) for r, k in zip(runs, kinds, strict=True) if k == "heading"}, reverse=True)
    level = {size: i + 1 for i, size in enumerate(s for s in sizes if s > 1.12 * body)}
    out = []
    for i, (r, k) in enumerate(zip(runs, kinds, strict=True)):
        lv = level.get(round(r.first.size), len(level) + 1) if k == "heading" else 0
        termlike = k == "paragraph" or (k == "code" and r.lines == 1)  # a term may be set in mono: "required"
        if termlike and i + 1 < len(runs) and kinds[i + 1] == "paragraph" and _term(r, runs[i + 1], text, body):
            k, lv = "heading", max(TERM_LEVEL, len(level) + 2)
        out.append(Block(k, r.start, r.end, lv))
    return tuple(out)
