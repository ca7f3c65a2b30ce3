"""Fast in-process fakes for unit tests: a hash-seeded embedder and a numpy store.

The fake embedder depends on the text (bag of hashed tokens, unit-normalised),
so similar texts get similar vectors and tests of ranking still mean something.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from ..retrieval import tokenize
from ..types import Chunk


class HashEmbedder:
    name = "hash"

    def __init__(self, dim: int = 256):
        self.dim = dim

    def _token_vec(self, token: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(token.encode()).digest()[:8], "little")
        return np.random.default_rng(seed).standard_normal(self.dim)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        out = []
        for text in texts:
            v = np.zeros(self.dim)
            for tok in tokenize(text) or [text]:
                v += self._token_vec(tok)
            n = np.linalg.norm(v)
            out.append((v / n if n else v).tolist())
        return out


class MemoryStore:
    """Brute-force cosine search over vectors held in memory.

    Stores made by ``sibling`` share one registry, like collections of one Chroma
    client, so garbage collection of collections can be tested without Chroma.
    """

    def __init__(self, name: str = "memory", registry: dict | None = None):
        self.name = name
        self._registry = registry if registry is not None else {}
        self._registry[name] = self
        self._vecs: dict[str, np.ndarray] = {}
        self._source: dict[str, str] = {}

    def add(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        for c, v in zip(chunks, vectors, strict=True):
            self._vecs[c.id] = np.asarray(v, dtype=np.float32)
            self._source[c.id] = c.source

    def delete(self, ids: Sequence[str]) -> None:
        for i in ids:
            self._vecs.pop(i, None)
            self._source.pop(i, None)

    def ids(self) -> set[str]:
        return set(self._vecs)

    def count(self) -> int:
        return len(self._vecs)

    def present(self, ids):
        return {i for i in ids if i in self._vecs}

    def owned_collections(self) -> list[str]:
        return sorted(self._registry)

    def sibling(self, name: str) -> MemoryStore:
        return self._registry.get(name) or MemoryStore(name, self._registry)

    def query(self, vector, k, sources=None):
        keep = set(sources) if sources is not None else None
        q = np.asarray(vector, dtype=np.float32)
        scored = [(i, float(v @ q)) for i, v in self._vecs.items() if keep is None or self._source[i] in keep]
        return sorted(scored, key=lambda x: (-x[1], x[0]))[:k]

    def drop(self) -> None:
        self._vecs.clear()
        self._source.clear()
        self._registry.pop(self.name, None)
