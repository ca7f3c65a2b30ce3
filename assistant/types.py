"""Core value types: frozen dataclasses, stdlib only.

Every other module passes these around; vendor shapes (Chroma's nested lists,
llama-index nodes) are converted into them at the adapter boundary.  Offsets are
always ``[start, end)`` character offsets into the document text as decoded from
UTF-8 without newline translation, so ``doc.text[start:end] == quote`` holds.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

_ATX_MARKS = re.compile(r"^#{1,6}\s+|\s+#+$")  # a Markdown heading's opening and closing marks
_WRAP = re.compile(r"(?<![\r\n])[ \t]*\r?\n(?![ \t]*\r?\n)[ \t]*")  # a hard line wrap: one break, no blank line


def content_hash(*parts: str, n: int = 16) -> str:
    """Stable id from content (sha256; never Python's salted ``hash()``)."""
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()[:n]


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Page:
    """One page of a paged document (PDF): ``number`` is 1-based; ``[start, end)`` its span of the text.

    ``runs`` map the canonical text back to the file: each ``(offset, index, length)``
    says that ``text[offset:offset + length]`` is the page's own characters
    ``index .. index + length`` (PDFium character indexes), one for one.  Text between
    runs (a joined line's space, a removed hyphen's gap) belongs to no character.  A
    run may lie outside ``[start, end)`` (page furniture placed after a paragraph that
    continues from the page before).  No runs: the page's text is its characters in
    place, ``offset - start`` being the index (how pages were read before layout).
    ``words``: on a page read by OCR, each word as ``(index, length, x0, y0, x1, y1, conf)``: its
    characters in the page's OCR text, its box on the page image in ten-thousandths of the
    image's width and height (origin top left), Tesseract's confidence 0-100 (``readers/ocr_words``).
    """

    number: int
    start: int
    end: int
    runs: tuple[tuple[int, int, int], ...] = ()
    words: tuple[tuple[int, int, int, int, int, int, int], ...] = ()

    def indexes(self, start: int, end: int) -> list[tuple[int, int]]:
        """The page's character index ranges ``[i, j)`` that the canonical span ``[start, end)`` covers."""
        if not self.runs:
            a, b = max(start, self.start), min(end, self.end)
            return [(a - self.start, b - self.start)] if a < b else []
        out = []
        for offset, index, length in self.runs:
            a, b = max(start, offset), min(end, offset + length)
            if a < b:
                out.append((index + a - offset, index + b - offset))
        return out


@dataclass(frozen=True)
class Block:
    """One unit of the author's layout, a span ``[start, end)`` of the canonical text.

    ``kind`` is ``heading`` (with its ``level``, 1 the largest), ``paragraph``,
    ``item`` (of a list), ``code`` (kept line by line) or ``table`` (one row);
    page furniture is not a block (see ``Extracted.furniture``).
    """

    kind: str
    start: int
    end: int
    level: int = 0


# A definition list's term (HTML's <dt>, a PDF's option over its indented text) is a heading at this level or below,
# under any <h6>: its description is a section under it, found by its name.
TERM_LEVEL = 7


def page_to_json(page: Page) -> list:
    """A page as the manifest stores it: ``[number, start, end]`` plus its runs and OCR words when it has them."""
    runs = [[list(r) for r in page.runs]] if page.runs or page.words else []
    return [page.number, page.start, page.end, *runs, *([[list(w) for w in page.words]] if page.words else [])]


def page_from_json(value: list) -> Page:
    runs = tuple(tuple(r) for r in value[3]) if len(value) > 3 else ()
    words = tuple(tuple(w) for w in value[4]) if len(value) > 4 else ()
    return Page(value[0], value[1], value[2], runs, words)


@dataclass(frozen=True)
class Extracted:
    """What a reader makes of a file: the canonical text, the file's own metadata, its pages.

    ``meta`` holds only what the file states (``title``, ``author``, ``date``,
    ``publisher``, ``url``); ``kind`` names the format (``text``, ``pdf``, ``html``, ``docx``);
    ``furniture`` becomes part of ``Document.boilerplate`` (never chunked, never cited).
    """

    text: str
    kind: str = "text"
    meta: dict = field(default_factory=dict, compare=False, hash=False)
    pages: tuple[Page, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)  # read, but something may be missing (said by name)
    furniture: tuple[Span, ...] = ()  # spans the reader knows are page furniture (running heads, page numbers)
    blocks: tuple[Block, ...] = ()  # the author's layout where the reader sees it (PDF, HTML); () otherwise
    ocr: str = ""  # what read text by OCR ("tesseract/eng/300dpi"); "" when no page needed it


@dataclass(frozen=True)
class Document:
    """One source file. ``source`` is its path relative to the corpus folder.

    ``text`` is the canonical text every offset refers to: the file itself for
    .txt/.md, the reader's extraction for PDF, HTML and Word files.
    """

    source: str
    text: str
    title: str = ""
    publisher: str = ""
    author: str = ""
    date: str = ""  # ISO prefix: "2024", "2024-06" or "2024-06-24"; "" when unknown
    boilerplate: tuple[Span, ...] = ()
    sha256: str = ""  # of the file's bytes
    kind: str = "text"
    pages: tuple[Page, ...] = ()
    url: str = ""
    file_meta: tuple[tuple[str, str], ...] = ()  # what the file states about itself, before sources.toml
    blocks: tuple[Block, ...] = ()  # the author's layout where the reader sees it (PDF, HTML); () for plain text
    ocr: str = ""  # what read some of its pages by OCR (see ``Extracted.ocr``); "" for none

    def heading_path(self, offset: int) -> tuple[str, ...]:
        """The headings ``offset`` lies under, outermost first ("3 Arrays", "3.1 Constructors"); () without blocks.

        Each heading closes every open heading of its level or deeper; a heading of a
        level never seen above it simply nests.  Trade-off: PDF levels come from font
        sizes, so a document that sets two levels in one size flattens them.
        """
        return tuple(t for _, t in self.leveled_path(offset))

    def leveled_path(self, offset: int) -> list[tuple[int, str]]:
        """``heading_path`` with each heading's level: (level, text), outermost first.  A title page's headings
        (a first page of headings only, "Debian Policy Manual", "The Debian Policy Mailing List") head no later
        page."""
        path: list[tuple[int, str]] = []
        cover = self._cover_end()
        for b in self.blocks:
            if b.start > offset:
                break
            if b.kind == "heading" and not b.start < cover <= offset:
                path = [h for h in path if h[0] < b.level] + [(b.level, self._heading_text(b))]
        return path

    def _cover_end(self) -> int:
        """Where a title page ends: the first of several pages when it holds headings only; else 0."""
        first = self.pages[0].end if len(self.pages) > 1 else 0
        on_it = list(itertools.takewhile(lambda b: b.start < first, self.blocks))  # blocks are in document order
        return first if on_it and all(b.kind == "heading" for b in on_it) else 0

    def _heading_text(self, b: Block) -> str:
        """A heading's words on one line, without Markdown's marks ("## Install ##" -> "Install")."""
        text = " ".join(self.text[b.start : b.end].split())
        return _ATX_MARKS.sub("", text) if self.kind == "text" else text

    def section_at(self, offset: int) -> str:
        """Where ``offset`` lies, as a reader would name it: the innermost two headings ("3 Arrays › 3.1 Constructors")."""
        return " › ".join(self.heading_path(offset)[-2:])

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding character ``offset``, or None for unpaged documents."""
        i = bisect.bisect_right([p.start for p in self.pages], offset) - 1
        if i >= 0 and offset < self.pages[i].end:
            return self.pages[i].number
        return None

    @property
    def label(self) -> str:
        """Short human label: publisher, else title, else file name."""
        if self.publisher and self.publisher.lower() != "unknown":
            return self.publisher
        return self.title or self.source


@dataclass(frozen=True)
class Sentence:
    """A sentence of a document that may be cited (never inside boilerplate)."""

    source: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Chunk:
    id: str
    source: str
    text: str
    start: int
    end: int
    date: str = ""


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and per-retriever ranks."""

    chunk: Chunk
    score: float
    ranks: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Citation:
    n: int
    source: str
    start: int
    end: int
    quote: str
    title: str = ""
    publisher: str = ""
    author: str = ""
    date: str = ""
    score: float = 0.0
    page: int | None = None  # 1-based page of ``start`` (PDF); None for unpaged documents
    section: str = ""  # the headings the quote lies under (PDF, HTML), innermost two; "" without headings
    ocr_confidence: float | None = None  # the quote was read by OCR: its words' mean confidence, 0-1; None otherwise

    def to_dict(self) -> dict:
        return {
            "n": self.n,
            "source": self.source,
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
            "title": self.title,
            "publisher": self.publisher,
            "author": self.author,
            "date": self.date,
            "score": round(self.score, 4),
            "page": self.page,
            "section": self.section,
            "ocr_confidence": self.ocr_confidence,
        }


@dataclass(frozen=True)
class GeneratedSentence:
    """One sentence a generator wrote, with the answer's citation numbers it cites and the check's verdict.

    ``shown`` is False when the sentence was dropped from the answer as unsupported;
    a flagged sentence is shown, marked, with ``supported`` False and the reason.
    """

    text: str
    citations: tuple[int, ...]
    supported: bool
    reason: str = ""  # why it is not supported ("" when it is)
    shown: bool = True

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "citations": list(self.citations),
            "supported": self.supported,
            "reason": self.reason,
            "shown": self.shown,
        }


@dataclass(frozen=True)
class Segment:
    """One typed part of an answer, in reading order; ``Answer.text`` is their rendering.

    ``kind`` is one of ``SEGMENT_KINDS``: "lead" (who says it: "According to Vox (Oct 2024), "),
    "item" (a source's line in a conflict: "- Vox (Oct 2024): "), "heading" ("Sources differ."),
    "quote" (a source's exact words; ``citations`` holds its number), "term" (the definition list
    term a quote describes: "nproc:"), "abstain" (the sources do not answer, and why), "generated"
    (a sentence a model wrote, with the citations it keeps and the check's verdict) and "sep" (the
    space or line break between parts).
    """

    kind: str
    text: str
    citations: tuple[int, ...] = ()
    supported: bool = True
    reason: str = ""

    def __post_init__(self):
        if self.kind not in SEGMENT_KINDS:
            raise ValueError(f"unknown segment kind {self.kind!r}; one of {', '.join(SEGMENT_KINDS)}")

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "text": self.text,
            "citations": list(self.citations),
            "supported": self.supported,
            "reason": self.reason,
        }


SEGMENT_KINDS = ("lead", "item", "heading", "term", "quote", "abstain", "generated", "sep")
FLAG = "⚠"


def reflow(quote: str) -> str:
    """A quote as it reads in an answer: the source's words, its hard line wraps read as spaces (a text file
    wrapped at 72 columns), its blank lines kept.  The citation keeps the exact span."""
    return _WRAP.sub(" ", quote)


def segment_text(kind: str, text: str, citations: Sequence[int] = (), supported: bool = True, plain: bool = False) -> str:
    """How one segment reads in ``Answer.text`` (``plain``: without citation markers or emphasis)."""
    tags = "" if plain else "".join(f"[{n}]" for n in citations)
    if kind == "quote":
        return f"“{reflow(text)}”" + (f" {tags}" if tags else "")
    if kind == "heading":
        return "" if plain else f"**{text}**"
    if kind == "generated":
        flag = "" if supported or plain else f"{FLAG} "
        return f"{flag}{text}" + (f" {tags}" if tags else "")
    return text


def where_quoted(page: int | None, section: str) -> str:
    """ ", p. 9, 2 Vectors › 2.2 Vector arithmetic": where a quote lies (``Citation.page``, ``Citation.section``)."""
    return (f", p. {page}" if page else "") + (f", {section}" if section else "")


def render_text(segments: Sequence[Segment], plain: bool = False) -> str:
    """The answer's text from its segments; ``plain`` drops markers and emphasis (what a chat history keeps)."""
    return "".join(segment_text(s.kind, s.text, s.citations, s.supported, plain) for s in segments)


@dataclass(frozen=True)
class Answer:
    """``mode`` says what produced it: "extractive" (the sources' own sentences) or "generated".

    A generated answer lists every sentence the generator wrote in ``sentences``
    with its verdict; ``unsupported`` holds those that failed the check (dropped
    or flagged); ``generation`` has its timings and token counts.
    """

    text: str
    citations: list[Citation]
    abstained: bool
    conflict: bool = False
    query: str = ""  # the retrieval query after follow-up resolution
    notice: str = ""  # e.g. "question truncated to 2000 characters"
    config_hash: str = ""
    latency_ms: float = 0.0
    mode: str = "extractive"
    sentences: tuple[GeneratedSentence, ...] = ()
    unsupported: tuple[GeneratedSentence, ...] = ()
    invalid_markers: int = 0  # citation markers the generator wrote that named no evidence sentence (removed)
    generation: dict = field(default_factory=dict, compare=False, hash=False)
    segments: tuple[Segment, ...] = ()  # the text's typed parts, in order (``render_text(segments) == text``)

    @property
    def plain_text(self) -> str:
        """The answer without citation markers or emphasis: what a conversation's history keeps."""
        return render_text(self.segments, plain=True) if self.segments else self.text

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "segments": [s.to_dict() for s in self.segments],
            "abstained": self.abstained,
            "conflict": self.conflict,
            "citations": [c.to_dict() for c in self.citations],
            "query": self.query,
            "notice": self.notice,
            "config_hash": self.config_hash,
            "latency_ms": round(self.latency_ms, 1),
            "mode": self.mode,
            "sentences": [s.to_dict() for s in self.sentences],
            "unsupported": [s.to_dict() for s in self.unsupported],
            "invalid_markers": self.invalid_markers,
            "generation": dict(self.generation),
        }
