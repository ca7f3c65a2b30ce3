"""A PDF's layout from its lines' geometry: paragraphs, code lines, page furniture.

Pure functions over ``Line`` records (one visual line: its PDFium character range,
box, font size, whether its font is monospaced), so every rule is unit-tested on
synthetic boxes; ``pdf.py`` makes the lines from PDFium.  ``lay_out(pages)`` gives
the canonical text, each page's span, runs that map the text back to PDFium
characters (``Page.runs``), and the furniture spans.

Rules, each a trade-off:

* A line break is a wrap inside a paragraph when the next line follows at the
  usual line pitch, in the same font size, not indented further, not a list item,
  and its first word would not have fit at the end of this line (so the column,
  not the author, ended the line).  A wrap becomes one space.  A word PDFium marks
  as hyphenated at the line end (U+FFFE) is joined without its hyphen
  ("success-fully" -> "successfully"); a literal hyphen before a lowercase letter
  is kept and the halves joined ("command-line").  A soft hyphen PDFium does not
  mark stays, with a space after it.
* Monospaced lines are code, and lines with a gap wider than 1.5 font sizes
  between two characters are table rows: one per line (``\\n``), never joined;
  a larger gap between them is a blank line.  A table without such gaps reads as
  paragraphs.
* Running heads and feet: a page's top- or bottom-most line whose text, digits
  masked, repeats on three or more pages (with a digit in it, or on a third of the
  pages), and bare page numbers there.  Table-of-contents lines: a leader of dots
  ending in a number, and on a page with three or more of those every line ending
  in a number.  Furniture stays in the text (the text view shows it) but is
  returned as spans, which are never chunked or cited.
* A paragraph that runs over a page break is joined; the new page's furniture is
  then written after that paragraph, so the sentence stays whole and each part
  keeps its page (the runs say which characters are on which page).
* Reading order is PDFium's, so a two-column page is read column by column when
  PDFium orders it so; a line that goes back up the page into the next column is
  judged like the top of a new page (a paragraph that runs from the foot of one
  column to the head of the next is joined), any other line going back up starts
  a new paragraph.
* Footnotes (a run of smaller type below all the text of a page) are blocks of
  their own, written after the page's last paragraph ends, so a paragraph that
  runs over the page break is not cut by them; written after text of the next
  page, they lie inside that page's span (``page_at`` names the next page) while
  their runs still point at their own page.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass

from ..types import Block
from .pdf_blocks import LIST_MARK, Line, Run, classify

WRAP, NOSPACE, CODE_LINE, PARA = " ", "", "\n", "\n\n"
_LEADER = re.compile(r"(?:\.\s?){4,}\s*(?:\d{1,4}|[ivxlc]{1,6})\s*$", re.I)
_PAGE_NO = re.compile(r"^(?:page\s+)?(?:\d{1,4}|[ivxlc]{1,6})(?:\s+of\s+\d{1,4})?$", re.I)
_ENDS_NO = re.compile(r"\s(?:\d{1,4}|[ivxlc]{1,6})$", re.I)
_CONTENTS = re.compile(r"^(?:table of )?contents$", re.I)
_ROMAN_EDGE = re.compile(r"^[ivxlc]{1,6}\b|\b[ivxlc]{1,6}$")


@dataclass(frozen=True)
class Laid:
    """The canonical text of a PDF and how it maps back to the pages."""

    text: str
    pages: tuple[tuple[int, int], ...]  # [start, end) of each page's text
    runs: tuple[tuple[tuple[int, int, int], ...], ...]  # per page: (offset, PDFium index, length)
    furniture: tuple[tuple[int, int], ...]
    joined: int = 0  # line breaks that became a space or nothing (wraps and hyphenated words)
    blocks: tuple[Block, ...] = ()


@dataclass(frozen=True)
class Metrics:
    body: float  # the commonest font size
    pitch: float  # the usual distance between baselines, in font sizes


def metrics(pages: list[list[Line]]) -> Metrics:
    """Body font size (by characters) and the usual line pitch of the document."""
    sizes: Counter = Counter()
    pitches = []
    for lines in pages:
        for a, b in zip(lines, lines[1:], strict=False):
            if not a.mono and not b.mono and abs(a.size - b.size) < 0.05 * a.size:
                d = (a.y0 - b.y0) / max(a.size, 1e-6)
                if 0.5 < d < 3:
                    pitches.append(d)
        for line in lines:
            if not line.mono:
                sizes[round(line.size * 2) / 2] += len(line.text)
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    pitch = statistics.median(pitches) if pitches else 1.2
    return Metrics(body, pitch)


def _mask(text: str) -> str:
    """A line with its numbers masked, so 'Chapter 2: Vectors 9' and '... 10' compare equal."""
    low = " ".join(text.lower().split())
    return _ROMAN_EDGE.sub("#", re.sub(r"\d+", "#", low))


def _edges(lines: list[Line]) -> tuple[list[int], list[int]]:
    """Indexes of a page's two top-most and two bottom-most lines, outermost first."""
    order = sorted(range(len(lines)), key=lambda i: -lines[i].y1)
    return order[:2], order[::-1][:2]


def _toc_lines(lines: list[Line]) -> set[int]:
    leaders = {i for i, line in enumerate(lines) if _LEADER.search(line.text)}
    if len(leaders) < 3:
        return leaders
    return leaders | {
        i for i, line in enumerate(lines) if _ENDS_NO.search(line.text.strip()) or _CONTENTS.match(line.text.strip())
    }


def furniture(pages: list[list[Line]]) -> set[tuple[int, int]]:
    """(page, line) of every running head or foot, page number and table-of-contents line."""
    counts: Counter = Counter()
    for lines in pages:
        top, bottom = _edges(lines)
        counts.update({_mask(lines[i].text) for i in top + bottom})
    often = max(3.0, len(pages) / 3)
    out: set[tuple[int, int]] = set()
    for p, lines in enumerate(pages):
        for side in _edges(lines):
            for i in side:  # from the edge inwards, while the lines are furniture
                t, k = lines[i].text.strip(), _mask(lines[i].text)
                if not (_PAGE_NO.match(t) or (counts[k] >= 3 and ("#" in k or counts[k] >= often))):
                    break
                out.add((p, i))
        out.update((p, i) for i in _toc_lines(lines))
    return out


def _pitch_ok(a: Line, b: Line, m: Metrics) -> bool:
    """``b`` is the next line down at the usual pitch (not a gap, not back up the page)."""
    d = a.y0 - b.y0
    return 0.3 * a.size < d <= 1.3 * m.pitch * max(a.size, b.size)


def relation(a: Line, b: Line, right: float, m: Metrics, same_page: bool = True, indent: float = 0.0) -> str:
    """The separator between consecutive lines ``a`` and ``b``: WRAP, NOSPACE, CODE_LINE or PARA.

    ``right`` is the right edge of ``a``'s column; ``indent`` how much further ``b``
    is indented from its page's left edge than ``a`` from its own (used across a
    page break, where the two lines' own positions do not compare: margins of odd
    and even pages differ).
    """
    gap = b.x0 - a.x1
    if same_page and abs(a.y0 - b.y0) < 0.3 * a.size and -1 < gap < 1.5 * a.size:
        return NOSPACE if gap < 0.15 * a.size else WRAP  # one visual line PDFium cut in two (after a superscript)
    if (
        same_page
        and len(a.text) >= 20
        and not a.text[-1].isdigit()
        and b.y0 > a.y0 + a.size
        and b.x0 > a.x1 - 0.5 * (a.x1 - a.x0)
    ):
        same_page, indent = False, 0.0  # the top of the next column: judged like the top of the next page
    full = a.x1 + 0.3 * a.size + b.first_word >= right - 0.5 * a.size  # b's first word would not have fit on a
    if a.cells or b.cells:  # table rows stay one per line
        return CODE_LINE if a.cells and b.cells and (not same_page or _pitch_ok(a, b, m)) else PARA
    if a.mono or b.mono:
        if a.mono and b.mono:
            return CODE_LINE if not same_page or _pitch_ok(a, b, m) else PARA
        # a full prose line going on in typewriter type ("See also / the finance demo.") is a wrap
        if not (b.mono and full and a.text[-1:] not in ":." and same_page and _pitch_ok(a, b, m)):
            return PARA
    if abs(a.size - b.size) > 0.15 * max(a.size, b.size) or (same_page and not _pitch_ok(a, b, m)):
        return PARA
    if LIST_MARK.match(b.text) and not (full and a.text[-1:].isalpha()):  # "... or (2) anything" is a wrap
        return PARA
    shift = b.x0 - a.x0 if same_page else indent
    if shift > 0.8 * b.size and not LIST_MARK.match(a.text):
        return PARA
    if a.hyphen:
        return NOSPACE
    if not full:
        return PARA
    if a.text.endswith("-") and a.text[-2:-1].isalpha() and b.text[:1].islower():
        return NOSPACE
    return WRAP


def _widest(xs: list[float]) -> float:
    """Where the widest quarter of lines end (a median, so one line running into the margin does not count)."""
    xs = sorted(xs, reverse=True)
    return statistics.median(xs[: max(1, len(xs) // 4)])


def _rights(lines: list[Line], skip: set[int], doc_left: float, doc_right: float) -> list[float]:
    """The right edge of each line's column: where the widest prose lines it overlaps end.

    A line that starts at the document's left margin on a one-column page gets the
    document's right margin at least: a page of short lines (a list of definitions)
    would otherwise make every line look full.  An indented block keeps its own
    edge (a narrower description list), and so does a page with a line starting
    right of the document's middle (a second column).
    """
    prose = [line for i, line in enumerate(lines) if i not in skip and not line.mono]
    one_column = not any(o.x0 > (doc_left + doc_right) / 2 for o in prose)
    out = []
    for line in lines:
        over = [o.x1 for o in prose if o.x0 < line.x1 and o.x1 > line.x0]
        right = _widest(over) if over else line.x1
        at_margin = one_column and line.x0 < doc_left + line.size
        out.append(max(right, doc_right) if at_margin else right)
    return out


def _left(lines: list[Line]) -> float:
    return min((line.x0 for line in lines if not line.mono), default=0.0)


class _Writer:
    """Builds the text, the page spans, the runs and the furniture spans, line by line."""

    def __init__(self, n: int):
        self.parts: list[str] = []
        self.pos = 0
        self.runs: list[list[tuple[int, int, int]]] = [[] for _ in range(n)]
        self.spans: list[tuple[int, int] | None] = [None] * n
        self.furniture: list[tuple[int, int]] = []
        self.joined = 0
        self.blocks: list[Run] = []

    def put(self, sep: str, line: Line, furniture: bool = False, kind: str = "", extend: bool = True) -> None:
        """Write ``line`` after ``sep``; ``extend`` False leaves its page's span as it is (a deferred footnote)."""
        if self.parts:
            self.parts.append(sep)
            self.pos += len(sep)
            self.joined += sep in (WRAP, NOSPACE)
        a = self.pos
        self.parts.append(line.text)
        self.pos += len(line.text)
        self.runs[line.page].append((a, line.start, len(line.text)))
        if furniture:
            self.furniture.append((a, self.pos))
        elif sep == PARA or not self.blocks:
            self.blocks.append(Run(a, self.pos, line, kind=kind))
        else:
            run = self.blocks[-1]
            run.end, run.lines, run.bold = self.pos, run.lines + 1, run.bold and line.bold
        span = self.spans[line.page]
        if extend:
            self.spans[line.page] = (a if span is None else span[0], self.pos)

    def notes(self, notes: list[tuple[Line, float]], m: Metrics, extend: bool) -> None:
        """Footnote lines, wrapped among themselves like any text, each note a block."""
        for k, (line, _) in enumerate(notes):
            sep = PARA if k == 0 else relation(notes[k - 1][0], line, notes[k - 1][1], m)
            self.put(sep, line, kind="footnote", extend=extend)

    def result(self, body: float) -> Laid:
        spans, end = [], 0
        for span in self.spans:  # a page with no text gets an empty span where it would be
            spans.append(span or (end, end))
            end = spans[-1][1]
        runs = tuple(tuple(r) for r in self.runs)
        text = "".join(self.parts)
        return Laid(text, tuple(spans), runs, tuple(self.furniture), self.joined, classify(self.blocks, text, body))


def lay_out(pages: list[list[Line]]) -> Laid:
    """The canonical text of pages of lines (see the module docstring for the rules)."""
    m, furn = metrics(pages), furniture(pages)
    body = [line for p, lines in enumerate(pages) for i, line in enumerate(lines) if (p, i) not in furn and not line.mono]
    doc_right = _widest([line.x1 for line in body]) if body else 0.0
    lefts = sorted(line.x0 for line in body)
    doc_left = lefts[len(lefts) // 10] if lefts else 0.0  # a low percentile: a line in the margin does not count
    w = _Writer(len(pages))
    prev: tuple[Line, float, float] | None = None  # the last content line written, its column's right, its page's left
    carried: list[tuple[Line, float]] = []  # the last page's footnotes, written once its last paragraph ends
    for p, lines in enumerate(pages):
        skip = {i for q, i in furn if q == p}
        rights = _rights(lines, skip, doc_left, doc_right)
        content = [(line, rights[i]) for i, line in enumerate(lines) if i not in skip]
        k = _footnotes(content, m.body)
        content, notes = content[:k], content[k:]
        left = _left([line for line, _ in content])
        pending = [line for i, line in enumerate(lines) if i in skip]
        going_on = prev is not None  # the page's first lines may continue the last paragraph
        for line, right in content:
            sep = PARA
            if prev is not None:
                indent = (line.x0 - left) - (prev[0].x0 - prev[2])
                sep = relation(prev[0], line, prev[1], m, prev[0].page == p, indent)
            going_on = going_on and sep in (WRAP, NOSPACE)
            if (pending or carried) and not going_on:  # after a paragraph carried over from the page before
                w.notes(carried, m, extend=w.spans[p] is None)
                for f in pending:
                    w.put(PARA, f, furniture=True)
                pending, carried, sep = [], [], PARA
            w.put(sep, line)
            prev = (line, right, left)
        w.notes(carried, m, extend=w.spans[p] is None)
        for f in pending:
            w.put(PARA, f, furniture=True)
        carried = notes
    w.notes(carried, m, extend=True)
    return w.result(m.body)


def _footnotes(content: list[tuple[Line, float]], body: float) -> int:
    """Where a page's trailing footnotes start: a run of smaller type below all the text (len when none)."""
    k = len(content)
    while k > 0 and content[k - 1][0].size < 0.92 * body:
        k -= 1
    if k in (0, len(content)):
        return len(content)
    last = content[k - 1][0]
    return k if all(line.y1 <= last.y0 for line, _ in content[k:]) else len(content)
