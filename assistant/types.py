"""Core value types: frozen dataclasses, stdlib only.

Every other module passes these around; vendor shapes (Chroma's nested lists,
llama-index nodes) are converted into them at the adapter boundary.  Offsets are
always ``[start, end)`` character offsets into the document text as decoded from
UTF-8 without newline translation, so ``doc.text[start:end] == quote`` holds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


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
class Document:
    """One source file. ``source`` is its path relative to the corpus folder."""

    source: str
    text: str
    title: str = ""
    publisher: str = ""
    author: str = ""
    date: str = ""  # ISO prefix: "2024", "2024-06" or "2024-06-24"; "" when unknown
    boilerplate: tuple[Span, ...] = ()
    sha256: str = ""

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
        }


@dataclass(frozen=True)
class Answer:
    text: str
    citations: list[Citation]
    abstained: bool
    conflict: bool = False
    query: str = ""  # the retrieval query after follow-up resolution
    notice: str = ""  # e.g. "question truncated to 2000 characters"
    config_hash: str = ""
    latency_ms: float = 0.0

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "abstained": self.abstained,
            "conflict": self.conflict,
            "citations": [c.to_dict() for c in self.citations],
            "query": self.query,
            "notice": self.notice,
            "config_hash": self.config_hash,
            "latency_ms": round(self.latency_ms, 1),
        }


class AssistantError(Exception):
    """An error with a message meant for the user (no traceback shown)."""


class IndexMissingError(AssistantError):
    pass


class IndexMismatchError(AssistantError):
    pass


class StoreUnavailableError(AssistantError):
    pass


class BadQuestionError(AssistantError):
    pass
