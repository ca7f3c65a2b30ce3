"""Real manuals read as their authors laid them out (PDF and HTML), checked against independent extractions.

PDFs from Debian: ``octave-doc``'s liboctave.pdf (57 pages, Texinfo: running heads
"GNU GENERAL PUBLIC LICENSE 5", a dotted table of contents, function definitions),
``gnuplot-doc``'s gnuplot.pdf (311 pages, LaTeX: running heads "gnuplot 5.4 31",
code examples in typewriter type, tables) and ``debian-policy``'s policy.pdf (193
pages, Sphinx: a body face PDFium gives weight 510, names in mono inside headings
and as a definition list's terms) and ``r-cran-zoo``'s zoo.pdf (30 pages, a LaTeX paper
in Latin Modern, whose regular face PDFium calls heavy).  Fetched into the git-ignored
tests/cache/ (``debdocs.py``); poppler's ``pdftotext`` is the independent reading.

HTML chapters from Debian: ``debian-handbook`` (Publican: no main element, a
banner and "docnav" links, ``<div class="para">`` paragraphs, sidebars) and
``postgresql-doc-15`` (DocBook: "navheader"/"navfooter" tables, ``<pre>``
examples, data tables).  The independent reading is a plain lxml walk over every
``<p>``, ``<div class="para">`` and ``<h1>``-``<h6>`` outside navigation.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass

import pytest
from debdocs import debian_file, on_pages, pdfium_pages, pdftotext

from assistant.chunking import is_citable, split_sentences
from assistant.corpus import make_document
from assistant.readers import read_file
from assistant.types import Document, Extracted

pytestmark = [pytest.mark.slow, pytest.mark.integration]

PDFS = {
    "liboctave": ("octave-doc", "usr/share/doc/octave/liboctave.pdf"),
    "gnuplot": ("gnuplot-doc", "usr/share/doc/gnuplot/gnuplot.pdf"),
    "policy": ("debian-policy", "usr/share/doc/debian-policy/policy.pdf"),
    "zoo": ("r-cran-zoo", "usr/lib/R/site-library/zoo/doc/zoo.pdf"),
}
# Share of the line breaks inside a sentence (a lowercase letter or comma, a break, a lowercase letter
# in PDFium's own text) that still split two prose paragraphs.  What is left: liboctave's C++ function
# definitions in mixed fonts (read as prose, each its own line) and a quotation block narrower than the
# text; gnuplot's displayed formulas and tables without wide gaps; zoo's abstract, set narrower than the text,
# and its function lists with hanging indents.
MAX_SPLIT = {"liboctave": 0.10, "gnuplot": 0.01, "policy": 0.02, "zoo": 0.09}
HEADINGS = {  # (heading, the heading it ranks below, or None)
    "liboctave": [("3 Arrays", None), ("3.1 Constructors and Assignment", "3 Arrays"), ("9.2 Bounds", "9 Optimization")],
    "gnuplot": [("Plotting styles", None), ("Boxes", "Plotting styles"), ("2D boxes", "Boxes"), ("Canvas size", None)],
    # Sphinx: body text in FreeSerif, whose weight PDFium gives as 510 (not bold); a field's name in mono inside a
    # larger heading; a priority's name in mono over its indented meaning (a term)
    "policy": [
        ("3.4.1 The single line synopsis", "3.4 The description of a package"),
        ("5.6.13 Description", "5.6 List of fields"),
        ("required", "2.5 Priorities"),
    ],
    # LaTeX in Latin Modern, whose regular face PDFium gives a weight of 744: bold is read from the face's name
    "zoo": [("1. Introduction", None), ('2. The class "zoo" and its methods', None)],
}
RUNNING_HEAD = {
    "liboctave": "GNU GENERAL PUBLIC LICENSE 5",
    "gnuplot": "gnuplot 5.4 31",
    "policy": "Debian Policy Manual, Release 4.6.2.0",
    "zoo": "Achim Zeileis, Gabor Grothendieck 3",
}


@dataclass(frozen=True)
class Manual:
    name: str
    data: bytes
    extracted: Extracted
    doc: Document
    raw: list[str]  # PDFium's own text of each page


@pytest.fixture(scope="module", params=list(PDFS))
def manual(request) -> Manual:
    path = debian_file(*PDFS[request.param])
    data = path.read_bytes()
    ex = read_file(path.name, data)
    return Manual(request.param, data, ex, make_document(path.name, ex.text, None, ex), pdfium_pages(data))


def _block_at(ex: Extracted, starts: list[int], offset: int):
    i = bisect.bisect_right(starts, offset) - 1
    return ex.blocks[i] if i >= 0 and offset < ex.blocks[i].end else None


def test_a_sentence_wrapped_over_lines_is_one_paragraph(manual):
    ex, starts = manual.extracted, [b.start for b in manual.extracted.blocks]
    inside = split = 0
    for p in ex.pages:
        raw = manual.raw[p.number - 1]
        where = {i + k: o + k for o, i, n in p.runs for k in range(n)}
        for m in re.finditer(r"[a-z,]\r\n(?=[a-z])", raw):
            a, b = where.get(m.start()), where.get(m.end())
            ba = _block_at(ex, starts, a) if a is not None else None
            bb = _block_at(ex, starts, b) if b is not None else None
            if ba is None or bb is None or {ba.kind, bb.kind} & {"code", "table", "heading"} or bb.kind == "item":
                continue  # furniture, code, tables and headings keep their lines; a list item starts anew
            inside += 1
            split += ba is not bb
    assert inside > 200
    assert split / inside <= MAX_SPLIT[manual.name], (split, inside)


def test_page_furniture_is_marked_and_never_citable(manual):
    ex, doc = manual.extracted, manual.doc
    furniture = [ex.text[s.start : s.end] for s in ex.furniture]
    assert RUNNING_HEAD[manual.name] in furniture
    with_text = [p for p in ex.pages if p.end > p.start]
    marked = {doc.page_at(s.start) for s in ex.furniture}
    assert len(marked) >= 0.9 * len(with_text)  # a running head or page number found on (almost) every page
    leader = re.compile(r"(?:\. ?){4,}\s*\d+\s*$")
    citable = [s for s in split_sentences(doc) if is_citable(s)]
    assert len(citable) > 300
    for s in citable:
        assert not leader.search(s.text), s.text
        assert not any(len(f) >= 8 and f in s.text for f in furniture), s.text


def _words(text: str) -> Counter:
    text = re.sub(r"(\w)[-\u00ad\u2010\ufffe]\s*\n\s*(\w)", r"\1\2", text)  # a word hyphenated over a line
    return Counter(re.findall(r"\w+", text.lower()))


def test_every_word_of_every_page_is_kept_against_pdftotext(manual):
    ex, path = manual.extracted, debian_file(*PDFS[manual.name])
    missing = extra = total = 0
    for p in ex.pages:
        theirs = _words(pdftotext(path, p.number))
        raw = manual.raw[p.number - 1]
        # the page's lines as the canonical text has them; a word PDFium marked as hyphenated is one word
        lines = [(ex.text[o : o + n], raw[i + n : i + n + 1] == "\ufffe") for o, i, n in sorted(p.runs, key=lambda r: r[1])]
        mine = _words("".join(t + ("" if joined else "\n") for t, joined in lines))
        missing += sum((theirs - mine).values())
        extra += sum((mine - theirs).values())
        total += sum(theirs.values())
    # what differs is how the two split formulas, ligatures and hyphenated words, not lost text
    assert missing <= 0.002 * total and extra <= 0.003 * total, (missing, extra, total)


def test_every_pdfium_character_is_in_the_text_once_in_order(manual):
    ex = manual.extracted
    for p in ex.pages:
        raw = manual.raw[p.number - 1]
        mine = "".join(raw[i : i + n] for _, i, n in sorted(p.runs, key=lambda r: r[1]))
        for o, i, n in p.runs:
            assert ex.text[o : o + n] == raw[i : i + n]
        assert "".join(mine.split()) == "".join(c for c in raw if not c.isspace() and c != "\ufffe")


def test_headings_are_blocks_with_levels(manual):
    ex = manual.extracted
    level = {}
    for b in ex.blocks:
        if b.kind == "heading":
            level.setdefault(ex.text[b.start : b.end], b.level)
    for heading, parent in HEADINGS[manual.name]:
        assert heading in level, heading
        if parent is not None:
            assert level[heading] > level[parent], (heading, level[heading], parent, level[parent])


# short body lines that are no headings, though PDFium gives their face a heavy weight
NOT_HEADINGS = {"zoo": ["and one with a sine wave"], "policy": ["Packages which are necessary for the proper functioning"]}


def test_short_body_lines_are_no_headings(manual):
    ex = manual.extracted
    heads = [ex.text[b.start : b.end] for b in ex.blocks if b.kind == "heading"]
    for line in NOT_HEADINGS.get(manual.name, []):
        assert not any(h.startswith(line) for h in heads), line


def test_a_sentence_over_a_page_break_is_whole_and_on_both_pages(manual):
    from assistant.readers.pdf import render_highlight
    from assistant.ui.pages import cited_pages

    doc = manual.doc
    crossing = [s for s in split_sentences(doc) if doc.page_at(s.start) != doc.page_at(s.end - 1)]
    assert crossing, "no sentence runs over a page break"
    s = max(crossing, key=lambda s: len(s.text))
    parts = on_pages(doc, s.start, s.end, manual.raw)
    assert doc.page_at(s.start) == parts[0][0] and parts[1][0] == parts[0][0] + 1
    assert "".join("".join(t for _, t in parts).split()).replace("\ufffe", "") == "".join(s.text.split())
    pages = cited_pages(doc, s.start, s.end)
    assert [n for n, _ in pages] == [parts[0][0], parts[1][0]]
    for number, ranges in pages:
        _, boxes = render_highlight(manual.data, number, ranges)
        assert boxes >= 1


HTML_DIRS = {
    "debian-handbook": "usr/share/doc/debian-handbook/html/en-US",
    "postgresql-doc-15": "usr/share/doc/postgresql-doc-15/html",
}
HTML_PAGES = [
    ("debian-handbook", "sect.config-misc.html"),
    ("debian-handbook", "network-services.html"),
    ("debian-handbook", "sect.apt-get.html"),
    ("postgresql-doc-15", "tutorial-join.html"),
    ("postgresql-doc-15", "datatype-numeric.html"),
    ("postgresql-doc-15", "sql-createtable.html"),
]
_NAV = re.compile(r"nav|banner|docnav|toc|header|footer", re.I)


def _flat(text: str) -> str:
    return " ".join(text.split())


def reference(data: bytes) -> tuple[list[str], list[tuple[int, str]]]:
    """Paragraphs (5 words or more) and (level, heading) of the page outside navigation, read with lxml alone."""
    import lxml.html

    root = lxml.html.document_fromstring(data)
    paras, heads = [], []
    for el in root.body.iter("p", "div", "h1", "h2", "h3", "h4", "h5", "h6"):
        if el.tag == "div" and "para" not in (el.get("class") or "").split():
            continue
        if any(_NAV.search(f"{a.get('class') or ''} {a.get('id') or ''}") for a in el.iterancestors()):
            continue
        text = _flat(el.text_content())
        if el.tag in ("p", "div") and len(text.split()) >= 5:
            paras.append(text)
        elif el.tag.startswith("h") and text:
            heads.append((int(el.tag[1]), text))
    return paras, heads


@pytest.fixture(scope="module", params=HTML_PAGES, ids=[f"{p}:{n}" for p, n in HTML_PAGES])
def page(request) -> tuple[bytes, Extracted]:
    package, name = request.param
    data = debian_file(package, f"{HTML_DIRS[package]}/{name}").read_bytes()
    return data, read_file(name, data)


def test_html_keeps_every_paragraph_and_heading_with_its_level(page):
    data, ex = page
    paras, heads = reference(data)
    text = _flat(ex.text)
    assert len(paras) >= 5
    assert [p for p in paras if p not in text] == []
    got = {(b.level, _flat(ex.text[b.start : b.end])) for b in ex.blocks if b.kind == "heading"}
    assert [h for h in heads if h not in got] == []


def test_html_leaves_navigation_out(page):
    _, ex = page
    blocks = [_flat(ex.text[b.start : b.end]) for b in ex.blocks]
    assert not {"Prev", "Next", "Up", "Home", "Product SiteDocumentation Site"} & set(blocks)
    assert not any(re.fullmatch(r"(?:Prev|Up|Home|Next)(?: (?:Prev|Up|Home|Next))+", b) for b in blocks)
    assert ex.blocks[0].kind == "heading"  # the page starts with its title, not a menu


def test_html_code_and_tables_keep_their_lines():
    name = "sect.config-misc.html"
    ex = read_file(name, debian_file("debian-handbook", f"{HTML_DIRS['debian-handbook']}/{name}").read_bytes())
    assert '$ date\nThu Sep  2 22:29:48 CEST 2021\n$ TZ="Pacific/Honolulu" date' in ex.text
    name = "datatype-numeric.html"
    ex = read_file(name, debian_file("postgresql-doc-15", f"{HTML_DIRS['postgresql-doc-15']}/{name}").read_bytes())
    rows = [ex.text[b.start : b.end] for b in ex.blocks if b.kind == "table"]
    assert "Name | Storage Size | Description | Range" in rows
    assert "smallint | 2 bytes | small-range integer | -32768 to +32767" in rows
    assert "Name | Storage Size | Description | Range\nsmallint | 2 bytes" in ex.text  # one row per line
