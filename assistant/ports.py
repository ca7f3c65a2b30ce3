"""The narrow interfaces behind each side effect: reading files, embedding, vector storage, keyword search, generation.

Core code receives these as arguments; ``wiring.py`` builds concrete ones from
settings.  Each has an in-process fake for fast unit tests (``adapters/memory.py``)
and a real implementation (``adapters/sentence_transformers.py``,
``adapters/chroma.py``, ``adapters/bm25s_index.py``); the same contract tests run
against both stores and both keyword indexes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .types import Chunk, Extracted


class DocumentReader(Protocol):
    """Turns one file's bytes into canonical text + metadata + pages (``assistant/readers/``)."""

    kind: str

    def read(self, name: str, data: bytes) -> Extracted:
        """Raises ``ValueError`` with a reason meant for the user when the file cannot be read."""
        ...


class Ocr(Protocol):
    """Reads the text of one page image (an OCR engine: ``adapters/tesseract.py``)."""

    name: str  # what reads, and in which languages: "tesseract/eng"; part of every cache key

    def page_tsv(self, image: bytes, dpi: int) -> str:
        """Tesseract's TSV of the image (PNG, PNM or TIFF bytes) at ``dpi`` (0: unknown); raises ``ValueError``
        with a one-line reason meant for the user (the engine is missing, a language has no data, it failed)."""
        ...


# Keyword scores equal to this many decimals are a tie, broken by fit order: implementations sum
# the same terms in different orders, so equal scores can differ in their last bits.
TIE_DIGITS = 9


@dataclass(frozen=True)
class TokenVectors:
    """One text's contextual token vectors: word pieces (no [CLS]/[SEP]) and a unit-normalised float32 matrix."""

    tokens: tuple[str, ...]
    vectors: Any  # np.ndarray of shape (len(tokens), dim); typed loosely so this module stays numpy-free


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Unit-normalised vectors, one per text."""
        ...

    def embed_with_tokens(self, texts: Sequence[str]) -> tuple[Any, list[TokenVectors]]:
        """Sentence vectors (an (n, dim) float32 array, unit rows) and each text's token vectors, one forward pass."""
        ...


class VectorStore(Protocol):
    def add(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def ids(self) -> set[str]: ...

    def query(self, vector: Sequence[float], k: int, sources: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first; ``sources`` restricts to those files."""
        ...

    def count(self) -> int:
        """How many vectors the collection holds."""
        ...

    def present(self, ids: Sequence[str]) -> set[str]:
        """Those of ``ids`` the collection holds."""
        ...

    def drop(self) -> None:
        """Delete the whole collection."""
        ...

    def owned_collections(self) -> list[str]:
        """Names of every collection of this index in the same backend (this one included)."""
        ...

    def sibling(self, name: str) -> VectorStore:
        """Another collection of the same backend and index."""
        ...


class Generator(Protocol):
    """A chat model behind an OpenAI-compatible endpoint; failures raise ``GeneratorError`` with a readable message."""

    name: str

    def stream(self, messages: Sequence[dict], max_tokens: int, stats: dict | None = None) -> Iterator[str]:
        """The reply's text in pieces as they are generated (temperature 0); ``stats`` receives token counts."""
        ...


class KeywordIndex(Protocol):
    """BM25 over a fixed list of (id, text): ``fit`` once, then ``search``; saved next to the manifest."""

    ids: list[str]  # in fit order

    def fit(self, ids: Sequence[str], texts: Sequence[str]) -> KeywordIndex: ...

    def update(self, ids: Sequence[str], texts: Sequence[str]) -> KeywordIndex:
        """A new index over (ids, texts), equal to a fresh ``fit``, reusing what this one knows of equal ids."""
        ...

    def search(self, query: str, k: int, allowed: Collection[str] | None = None) -> list[tuple[str, float]]:
        """(id, score) of the ``k`` best texts holding a query term, best first, ties (``TIE_DIGITS``) in fit
        order; ``allowed`` restricts to those ids."""
        ...

    def idf(self, term: str) -> float:
        """Inverse document frequency of one term as ``text.tokenize`` produces it (0 docs hold it: the maximum)."""
        ...

    def save(self, path: Path) -> None:
        """Write the index into the folder ``path`` (created; its content is replaced)."""
        ...

    @classmethod
    def load(cls, path: Path) -> KeywordIndex:
        """An index ``save`` wrote; large arrays may stay on disk (memory-mapped)."""
        ...


@dataclass(frozen=True)
class Ports:
    """The side effects an ``Assistant`` uses, passed in whole (``wiring.default_ports`` builds the real ones).

    ``embedder`` embeds questions and sentences; ``index_embedder`` embeds chunks at index time
    (it may go through an on-disk cache); ``open_store(collection)`` opens the vector store;
    ``make_keyword(stemmer)`` makes an empty keyword index; ``ocr`` reads page images (scans, photos);
    ``generator()`` gives the generator,
    or None, and is called once, on first use (starting a local model is slow).
    """

    embedder: Embedder
    index_embedder: Embedder
    open_store: Callable[[str], VectorStore]
    make_keyword: Callable[[str], KeywordIndex]
    generator: Callable[[], Generator | None] = lambda: None
    warm_up: Callable[[], None] = lambda: None  # import the vendors serving threads will use
    ocr: Ocr | None = None  # reads scanned pages and images; None: such files are refused by name
