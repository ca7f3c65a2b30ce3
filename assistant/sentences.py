"""Citable sentences per document, split lazily, for mapping retrieved chunk spans to sentences.

Splitting every document at load cost most of a second at 100k chunks, so a
document is split when a question first retrieves it; the result is kept for the
snapshot's life.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable

from . import lang
from .chunking import citable_sentences
from .text import tokenize
from .types import TERM_LEVEL, Document, Sentence


def bare(text: str) -> str:
    """A heading's words without its numbering or Markdown's marks, in lower case ("4.6. When I paste ..." -> "when i
    paste ...", "## Install ##" -> "install")."""
    return " ".join(_NUMBERING.sub("", text.strip().strip("#")).lower().split())


def read_with(heading: str, text: str) -> str:
    """A section's first sentence read with its heading ("record: This specifies the file into which your outgoing
    messages should be appended."); "" without a heading, or for a sentence about the document itself ("In this
    section, we give ..."), which restates its heading."""
    return f"{bare(heading)}: {text}" if heading and not lang.current.SIGNPOST_RE.match(text) else ""


_NUMBERING = re.compile(r"^\s*[\dA-Z]{0,3}(?:\.\d+)*\.?\s+(?=\w)")


MAX_DOCS_KEPT = 1024  # documents whose sentences stay split in memory (the ones read last)
MAX_PLACES_KEPT = 50_000  # sections whose two innermost headings (``SentenceIndex.place``) stay joined in memory
# A "heading" longer than this is markup used for emphasis (a lede set in <h1>): text.  The longest real heading
# among the 405 of the manuals and faq-html corpora has 28 words (two FAQ questions in one); a news lede, 34.
MAX_HEADING_WORDS = 30


def headings(doc: Document) -> list[tuple[int, int]]:
    """The spans of ``doc``'s layout headings (none for plain text); one of over ``MAX_HEADING_WORDS`` is text."""
    return [
        (b.start, b.end)
        for b in doc.blocks
        if b.kind == "heading" and len(doc.text[b.start : b.end].split()) <= MAX_HEADING_WORDS
    ]


class _Lazy(dict):
    """A dict that computes a missing key's value on first lookup (``[]``; ``get`` never computes) and keeps at
    most ``max_items`` (the oldest computed go first, and are computed again when asked for).

    Bounded because a long-running server over a large corpus would otherwise keep every document it ever
    split: at 1M chunks (30,070 documents) memory grew by about 0.35 GB per 200 questions."""

    def __init__(self, compute: Callable, max_items: int = MAX_DOCS_KEPT):
        super().__init__()
        self.compute = compute
        self.max_items = max_items

    def __missing__(self, key):
        value = self[key] = self.compute(key)  # two threads may both compute it: same value
        while len(self) > self.max_items:
            try:
                del self[next(iter(self))]
            except (KeyError, RuntimeError, StopIteration):  # another thread evicted it first
                break
        return value


class SentenceIndex:
    """Citable sentences per document (with their paragraph numbers), for mapping chunk spans to sentences.

    Built lazily, one document at a time, when a question first retrieves it:
    splitting every document at load cost most of a second at 100k chunks.
    """

    def __init__(self, docs: dict[str, Document], max_docs: int = MAX_DOCS_KEPT):
        self.docs = docs
        # (paragraph, sentence) of the citable sentences; hard-wrapped lines are one paragraph
        self._split: dict[str, list[tuple[int, Sentence]]] = _Lazy(lambda source: citable_sentences(docs[source]), max_docs)
        self.by_doc: dict[str, list[Sentence]] = _Lazy(lambda source: [s for _, s in self._split[source]], max_docs)
        self.starts: dict[str, list[int]] = _Lazy(lambda source: [s.start for s in self.by_doc[source]], max_docs)
        self.paragraphs: dict[str, list[int]] = _Lazy(lambda source: [p for p, _ in self._split[source]], max_docs)
        self.meta: dict[str, str] = _Lazy(lambda source: f"{docs[source].title} {docs[source].author}", max_docs)
        # (start, end) of each heading of the document's layout; [] for plain text
        self.headings: dict[str, list[tuple[int, int]]] = _Lazy(lambda source: headings(docs[source]), max_docs)
        # each heading's words without its numbering ("4.6. When I paste" -> "when i paste"), for finding copies
        self.bare_headings: dict[str, list[str]] = _Lazy(
            lambda source: [bare(docs[source].text[a:b]) for a, b in self.headings[source]], max_docs
        )
        # the starts of the headings that are a definition list's terms (``types.TERM_LEVEL``)
        self.terms: dict[str, frozenset[int]] = _Lazy(
            lambda source: frozenset(b.start for b in docs[source].blocks if b.kind == "heading" and b.level >= TERM_LEVEL),
            max_docs,
        )
        # the starts of the list items of the document's layout (HTML's <li>, a PDF's marked lines)
        self.items: dict[str, frozenset[int]] = _Lazy(
            lambda source: frozenset(b.start for b in docs[source].blocks if b.kind == "item"), max_docs
        )
        self._meta_terms: frozenset[str] | None = None
        # (source, heading start) -> the heading's two innermost headings joined, bounded as the rest
        self._places: dict[tuple[str, int], str] = _Lazy(
            lambda key: " ".join(docs[key[0]].heading_path(key[1])[-2:]), MAX_PLACES_KEPT
        )

    @property
    def meta_terms(self) -> frozenset[str]:
        """Every word of the documents' titles, publishers and authors (computed on first use)."""
        if self._meta_terms is None:
            words = (f"{d.title} {d.publisher} {d.author}" for d in self.docs.values())
            self._meta_terms = frozenset(t for text in words for t in tokenize(text))
        return self._meta_terms

    def within(self, source: str, start: int, end: int) -> list[tuple[int, Sentence]]:
        if source not in self.docs:
            return []
        sents, starts = self.by_doc[source], self.starts[source]
        i = bisect.bisect_left(starts, start)
        out = []
        while i < len(sents) and sents[i].start < end:
            if sents[i].end <= end:
                out.append((i, sents[i]))
            i += 1
        return out

    def _last_heading(self, source: str, offset: int) -> tuple[int, int] | None:
        """The span of the last layout heading starting at or before ``offset`` (headings never overlap)."""
        spans = self.headings[source] if source in self.docs else []
        i = bisect.bisect_right(spans, offset, key=lambda h: h[0]) - 1
        return spans[i] if i >= 0 else None

    def heading_at(self, sentence: Sentence) -> tuple[int, int] | None:
        """The span of the layout heading ``sentence`` lies in, if any."""
        h = self._last_heading(sentence.source, sentence.start)
        return h if h is not None and sentence.start < h[1] else None

    def section(self, source: str, offset: int) -> str:
        """The text of the innermost layout heading ``offset`` lies under (the last one starting at or before it);
        "" for plain text or before the first heading."""
        h = self._last_heading(source, offset)
        return self.docs[source].text[h[0] : h[1]] if h is not None else ""

    def place(self, source: str, offset: int) -> str:
        """The two innermost layout headings ``offset`` lies under, joined ("Version 1.95 (2026-04-16) Language": a
        changelog's version, a manual's chapter and section); "" for plain text.  One walk per heading, kept."""
        h = self._last_heading(source, offset)
        return self._places[(source, h[0])] if h is not None else ""

    def _opened_heading(self, source: str, i: int) -> tuple[int, int] | None:
        """The span of the heading whose section sentence ``i`` opens (the first citable sentence after it)."""
        sents = self.by_doc[source]
        h = self._last_heading(source, sents[i].start)
        if h is None or sents[i].start < h[1] or (i > 0 and sents[i - 1].start >= h[1]):
            return None
        return h

    def opened(self, source: str, i: int) -> str:
        """The heading whose section sentence ``i`` opens, else "": a definition speaks of its term ("-k --keep"
        over "Keep (don't delete) input files ..."), an FAQ's answer of its question.  A nested list's term comes
        with the terms it lies under ("set -e" for set's option -e)."""
        h = self._opened_heading(source, i)
        if h is None:
            return ""
        doc = self.docs[source]
        if h[0] not in self.terms[source]:  # a section heading, not a term: only a term nests in other terms
            return doc.text[h[0] : h[1]]
        terms = list(itertools.takewhile(lambda p: p[0] >= TERM_LEVEL, reversed(doc.leveled_path(h[0]))))
        return " ".join(t for _, t in reversed(terms)) if len(terms) > 1 else doc.text[h[0] : h[1]]

    def opens_definition(self, source: str, i: int) -> bool:
        """Does sentence ``i`` open the description under a definition list's term ("required" over "Packages which
        are necessary for the proper functioning of the system ...")?"""
        h = self._opened_heading(source, i)
        return h is not None and h[0] in self.terms[source]

    def lead(self, source: str, i: int) -> str:
        """Sentence ``i`` read with the heading of the section it opens (``read_with``), else "": what its stored
        lead vector is of."""
        return read_with(self.opened(source, i), self.by_doc[source][i].text)

    def opens_item(self, sentence: Sentence) -> bool:
        """Does ``sentence`` open a list item of its document's layout?"""
        return sentence.source in self.docs and sentence.start in self.items[sentence.source]

    def is_heading(self, sentence: Sentence) -> bool:
        """Does ``sentence`` lie in a heading of its document's layout?"""
        return self.heading_at(sentence) is not None

    def window(self, source: str, i: int) -> str:
        sents = self.by_doc[source]
        return " ".join(s.text for s in sents[max(0, i - 1) : i + 2])
