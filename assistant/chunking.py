"""Sentence segmentation and sentence-aware chunking with exact offsets.

Pure functions over ``Document``.  Text inside boilerplate spans is never part
of a sentence or chunk; a chunk never crosses a boilerplate span or a blank
line gap that separates boilerplate.  Every sentence and chunk satisfies
``doc.text[start:end] == text``.  Sentences are what answers cite; chunks are
what retrieval ranks.  The splitter is a regex with an abbreviation list rather
than a trained model: fast and predictable, occasionally wrong on unusual
abbreviations (it then errs toward longer sentences, which still cite exactly).
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterator

from . import lang
from .types import TERM_LEVEL, Block, Chunk, Document, Sentence, Span, content_hash

_ABBREV = lang.current.ABBREVIATIONS
# A sentence ends at . ! ? (plus closing quotes/brackets) followed by space and an opener.
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")


def _line_spans(text: str, a: int, e: int) -> list[Span]:
    """Non-blank lines of ``text[a:e]``, trimmed so each starts and ends on visible text."""
    out = []
    for m in re.finditer(r"[^\n]+", text[a:e]):
        s, t = a + m.start(), a + m.end()
        while s < t and text[s].isspace():
            s += 1
        while t > s and text[t - 1].isspace():
            t -= 1
        if s < t:
            out.append(Span(s, t))
    return out


_WRAP_MIN, _WRAP_MAX = 40, 120  # columns plain text is commonly wrapped at (72-80), with room either side
_SENTENCE_END = frozenset('.!?:;…"”’)]')
_OPENER = re.compile(r"[\"'“‘(\[]?[A-Z0-9]")  # what may begin a sentence (as in ``_END``)
_LINK_TARGET = re.compile(r"\]\([^()\s]*\)")  # "](https://...)": the target of a Markdown link
_LIST_ITEM = re.compile(r"[-*•>|+]|\d{1,3}[.)]\s|[A-Za-z][.)]\s")


def _blocks(text: str, lines: list[Span]) -> list[list[Span]]:
    """Runs of lines with no blank line between them."""
    out: list[list[Span]] = []
    for line in lines:
        if out and text[out[-1][-1].end : line.start].count("\n") == 1:
            out[-1].append(line)
        else:
            out.append([line])
    return out


def _shown(text: str, line: Span) -> int:
    """The width a line shows: a Markdown link's target ("[FSE library](https://github.com/...)") takes no column,
    so a wrapped paragraph with a link is still read as wrapped."""
    return line.end - line.start - sum(m.end() - m.start() - 1 for m in _LINK_TARGET.finditer(text, line.start, line.end))


def _paragraphs(text: str, block: list[Span]) -> Iterator[Span]:
    """The block's lines, with hard-wrapped runs joined into one span each.

    A wrapped paragraph fills its lines to about the same width; a heading, a list or
    an address has short or marked lines.  Lines longer than any common wrap column are
    never joined: their breaks are the author's.  A break after a sentence end, before
    what may open a sentence, is left alone: it already is a boundary.
    """
    shown = [_shown(text, x) for x in block]
    width = max(shown)
    start = block[0].start
    for k, (prev, nxt) in enumerate(itertools.pairwise(block)):
        full = _WRAP_MIN <= width <= _WRAP_MAX and shown[k] >= 0.6 * width
        ends = text[prev.end - 1] in _SENTENCE_END and _OPENER.match(text, nxt.start)
        if not full or ends or _LIST_ITEM.match(text, nxt.start):
            yield Span(start, prev.end)
            start = nxt.start
    yield Span(start, block[-1].end)


def content_spans(text: str, boilerplate: tuple[Span, ...]) -> list[Span]:
    """Complement of the boilerplate spans, split into paragraphs.

    A paragraph is a line, or a run of hard-wrapped lines joined into one
    (``_paragraphs``), so that a sentence wrapped over two lines is one sentence.
    """
    out, pos = [], 0
    for b in (*boilerplate, Span(len(text), len(text))):
        for block in _blocks(text, _line_spans(text, pos, b.start)):
            out.extend(_paragraphs(text, block))
        pos = max(pos, b.end)
    return out


def _split_line(text: str, a: int, e: int) -> Iterator[tuple[int, int]]:
    start = a
    for m in _END.finditer(text, a, e):
        end = m.end()
        wb = _WORD_BEFORE.search(text, max(start, end - 12), m.start() + 1)
        if m.group(0)[0] == "." and wb:
            word = wb.group(1).lower()
            if word in _ABBREV or (len(word) == 1 and word.isalpha()) or re.fullmatch(r"(?:[a-z]\.)+[a-z]", word):
                continue
        yield start, end
        start = _skip_space(text, end, e)
    if start < e:
        yield start, e


def split_text(text: str) -> list[tuple[int, int]]:
    """Sentence spans of free text (a generated answer), lines split first, with the same rules as documents."""
    out = []
    for m in re.finditer(r"[^\n]+", text):
        a = _skip_space(text, m.start(), m.end())
        out.extend(span for span in _split_line(text, a, m.end()) if text[span[0] : span[1]].strip())
    return out


def _skip_space(text: str, i: int, e: int) -> int:
    """The first position at or after ``i`` (before ``e``) that is not whitespace."""
    while i < e and text[i].isspace():
        i += 1
    return i


def paragraph_sentences(doc: Document) -> list[tuple[int, Sentence]]:
    """(paragraph number, sentence) for every sentence outside boilerplate, in document order."""
    return [
        (p, Sentence(doc.source, s, e, doc.text[s:e]))
        for p, span in enumerate(content_spans(doc.text, doc.boilerplate))
        for s, e in _split_line(doc.text, span.start, span.end)
    ]


def split_sentences(doc: Document) -> list[Sentence]:
    """All sentences outside boilerplate, in document order (headings included)."""
    return [s for _, s in paragraph_sentences(doc)]


def addresses_a_model(text: str) -> bool:
    """An instruction planted for an AI ("note to AI assistants: ignore previous instructions ..."), not a statement."""
    return lang.current.INSTRUCTION_RE.search(text) is not None


def instruction_spans(doc: Document) -> list[Span]:
    """The sentences of ``doc`` that address a model: never evidence, shown as suspicious in the source view."""
    return [Span(s.start, s.end) for s in split_sentences(doc) if addresses_a_model(s.text)]


def is_field_line(text: str) -> bool:
    """Two or more short "Key: value" fields and nothing else ("Type: path Default: “~/sent”"): data, not a
    sentence, however it ends."""
    keys = list(lang.current.FIELD_KEY_RE.finditer(text))
    if len(keys) < 2 or keys[0].start() != 0 or len(text.split()) > 12:
        return False
    ends = [k.start() for k in keys[1:]] + [len(text)]
    return all(1 <= len(text[k.end() : e].split()) <= 4 for k, e in zip(keys, ends, strict=True))


def is_citable(sentence: Sentence) -> bool:
    """Real sentences only: not headings, bylines, datelines, field lines or one-word lines, nor instructions to a
    model."""
    t = sentence.text.strip()
    words = t.split()
    if len(words) < 4 or addresses_a_model(t) or is_field_line(t):
        return False
    ends_like_sentence = t[-1] in '.!?"”’)…' or t.endswith(("”.", '".'))
    return ends_like_sentence or len(words) >= 14


def citable_sentences(doc: Document) -> list[tuple[int, Sentence]]:
    """(paragraph number, sentence) for every citable sentence of ``doc``: what questions cite and the build embeds.
    A definition's description is a statement about its term even without a full stop ("nproc" -> "maximum number
    of processes"), so there three words are enough."""
    pairs = descriptions(doc)
    starts = [d.start for _, d in pairs]

    def describes(s: Sentence) -> bool:
        return term_over(pairs, starts, s.start, s.end) is not None and len(s.text.split()) >= 3 and not addresses_a_model(s.text)

    return [(p, s) for p, s in paragraph_sentences(doc) if is_citable(s) or describes(s)]


def descriptions(doc: Document) -> list[tuple[Block, Block]]:
    """(term, description) of each definition list entry: a block right after a term (``types.TERM_LEVEL``)."""
    return [
        (x, y)
        for x, y in itertools.pairwise(doc.blocks)
        if x.kind == "heading" and x.level >= TERM_LEVEL and y.kind in ("paragraph", "item")
    ]


def term_over(pairs: list[tuple[Block, Block]], starts: list[int], start: int, end: int) -> Block | None:
    """The term whose description holds ``[start, end)``, among ``pairs`` (``descriptions``; ``starts`` their
    descriptions' starts), else None."""
    i = bisect.bisect_right(starts, start) - 1
    return pairs[i][0] if i >= 0 and end <= pairs[i][1].end else None


def _pieces(text: str, a: int, e: int, size: int) -> Iterator[tuple[int, int]]:
    """Cut an over-long sentence at whitespace so no piece exceeds ``size``."""
    while e - a > size:
        cut = text.rfind(" ", a + 1, a + size)
        cut = cut if cut > a else a + size
        yield a, cut
        a = _skip_space(text, cut, e)
    if a < e:
        yield a, e


def _width(text: str):
    """Length of ``text[a:e]`` with each run of spaces counted once.

    Runs of spaces (a PDF text from the older reader, where a line wrap was two
    spaces; spaces that align text) count once, so such a text packs the same
    sentences into a chunk as the plain-text version of the same document.
    """
    extra = [m.start() + k for m in re.finditer(r" {2,}", text) for k in range(1, m.end() - m.start())]
    if not extra:
        return lambda a, e: e - a
    return lambda a, e: (e - a) - (bisect.bisect_left(extra, e) - bisect.bisect_left(extra, a))


def chunk_document(doc: Document, size: int = 900, overlap: int = 1) -> list[Chunk]:
    """Pack consecutive sentences into chunks of at most ~``size`` characters.

    Neighbouring chunks share ``overlap`` sentences.  Chunks do not cross a
    boilerplate span.  Ids hash the source, offsets and text, so they are stable.
    """
    if size < 1 or overlap < 0:
        raise ValueError("chunk size must be >= 1 and overlap >= 0")
    text = doc.text
    units: list[tuple[int, int, int]] = []  # (start, end, block)
    block, prev_end = 0, 0
    bounds = sorted(doc.boilerplate, key=lambda s: s.start)
    for s in split_sentences(doc):
        if any(prev_end <= b.start < s.start for b in bounds):
            block += 1
        for a, e in _pieces(text, s.start, s.end, size):
            units.append((a, e, block))
        prev_end = s.end

    width = _width(text)
    chunks: list[Chunk] = []
    i = 0
    while i < len(units):
        j = i + 1
        while j < len(units) and units[j][2] == units[i][2] and width(units[i][0], units[j][1]) <= size:
            j += 1
        a, e = units[i][0], units[j - 1][1]
        chunks.append(Chunk(content_hash(doc.source, str(a), str(e), text[a:e]), doc.source, text[a:e], a, e, doc.date))
        if j >= len(units):
            break
        # step back `overlap` sentences, but always move forward
        i = max(i + 1, j - overlap) if units[j][2] == units[i][2] else j
    return chunks
