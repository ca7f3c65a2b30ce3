"""Fast in-process fakes for unit tests: a hash-seeded embedder, a numpy store, a pure-Python BM25, a scripted generator.

The fake embedder depends on the text (bag of hashed tokens, unit-normalised),
so similar texts get similar vectors and tests of ranking still mean something.
``MemoryKeywordIndex`` is a small inverted index with the same scores as
``Bm25sIndex(stemmer=None)``; it saves its texts and re-fits at load.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path

import numpy as np

from ..errors import GeneratorError
from ..ports import TIE_DIGITS, TokenVectors
from ..text import tokenize
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

    def embed_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TokenVectors]]:
        """``embed``'s vectors and one hash-seeded unit vector per lower-cased word (stopwords kept).

        Not contextual: the same word gets the same vector in every text, so an exact word match
        has cosine 1 and unrelated words have cosine near 0, enough to test features.
        """
        vecs = np.asarray(self.embed(texts), dtype=np.float32).reshape(len(texts), self.dim)
        out = []
        for text in texts:
            toks = tuple(w.lower() for w in tokenize(text, keep_stopwords=True))
            mat = np.array([self._token_vec(t) for t in toks], dtype=np.float32).reshape(len(toks), self.dim)
            mat /= np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-12)
            out.append(TokenVectors(toks, mat))
        return vecs, out


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


class MemoryKeywordIndex:
    """Okapi BM25 (Lucene idf) over a fixed list of texts, held in Python dicts."""

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.ids: list[str] = []
        self._texts: list[str] = []
        self.postings: dict[str, list[tuple[int, int]]] = {}
        self.doc_len: list[int] = []
        self.avgdl = 0.0

    def fit(self, ids: Sequence[str], texts: Sequence[str]) -> MemoryKeywordIndex:
        if len(ids) != len(texts):
            raise ValueError("ids and texts must have the same length")
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.ids, self._texts, self.doc_len = list(ids), list(texts), []
        for i, text in enumerate(self._texts):
            toks = tokenize(text)
            self.doc_len.append(len(toks))
            for term, tf in Counter(toks).items():
                postings[term].append((i, tf))
        self.postings = dict(postings)
        self.avgdl = (sum(self.doc_len) / len(self.doc_len)) if self.doc_len else 0.0
        return self

    def update(self, ids: Sequence[str], texts: Sequence[str]) -> MemoryKeywordIndex:
        """A new index over (ids, texts); the fake simply fits again (the result ``update`` must equal)."""
        return type(self)(self.k1, self.b).fit(ids, texts)

    def idf(self, term: str) -> float:
        n = len(self.doc_len)
        df = len(self.postings.get(term, ()))
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def search(self, query: str, k: int, allowed: Collection[str] | None = None) -> list[tuple[str, float]]:
        keep = None if allowed is None else set(allowed)
        scores: dict[int, float] = defaultdict(float)
        for term in sorted(set(tokenize(query))):  # a fixed order: float sums do not depend on hash seeds
            idf = self.idf(term)
            for i, tf in self.postings.get(term, ()):
                if keep is not None and self.ids[i] not in keep:
                    continue
                norm = tf + self.k1 * (1 - self.b + self.b * self.doc_len[i] / (self.avgdl or 1))
                scores[i] += idf * tf * (self.k1 + 1) / norm
        best = sorted(scores.items(), key=lambda x: (-round(x[1], TIE_DIGITS), x[0]))[: max(k, 0)]
        return [(self.ids[i], s) for i, s in best]

    def save(self, path: Path) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        data = {"k1": self.k1, "b": self.b, "ids": self.ids, "texts": self._texts}
        (path / "memory-keyword.json").write_text(json.dumps(data), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> MemoryKeywordIndex:
        data = json.loads((Path(path) / "memory-keyword.json").read_text(encoding="utf-8"))
        return cls(data["k1"], data["b"]).fit(data["ids"], data["texts"])


class ScriptedGenerator:
    """A ``Generator`` whose reply is a function of the request's messages (or an error to raise).

    The reply streams word by word, as a server's would; ``requests`` keeps every
    messages list it was sent, for tests of the prompt.
    """

    name = "scripted"

    def __init__(self, reply: Callable[[Sequence[dict]], str] | str | GeneratorError):
        self.reply = reply
        self.requests: list[list[dict]] = []

    def stream(self, messages: Sequence[dict], max_tokens: int, stats: dict | None = None) -> Iterator[str]:
        self.requests.append(list(messages))
        if isinstance(self.reply, GeneratorError):
            raise self.reply
        text = self.reply if isinstance(self.reply, str) else self.reply(messages)
        pieces = [w + " " for w in text.split(" ")]
        if stats is not None:
            stats.update(prompt_tokens=sum(len(m["content"].split()) for m in messages), completion_tokens=len(pieces))
        yield from pieces
