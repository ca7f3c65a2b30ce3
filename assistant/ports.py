"""The narrow interfaces behind each side effect: reading files, embedding and vector storage.

Core code receives these as arguments; ``wiring.py`` builds concrete ones from
settings.  Each has an in-process fake for fast unit tests (``adapters/memory.py``)
and a real implementation (``adapters/sentence_transformers.py``,
``adapters/chroma.py``); the same contract tests run against both stores.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from .types import Chunk, Extracted


class DocumentReader(Protocol):
    """Turns one file's bytes into canonical text + metadata + pages (``assistant/readers/``)."""

    kind: str

    def read(self, name: str, data: bytes) -> Extracted:
        """Raises ``ValueError`` with a reason meant for the user when the file cannot be read."""
        ...


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Unit-normalised vectors, one per text."""
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
