"""Hybrid retrieval: BM25 over chunk text + dense search, fused into one ranking.

Keyword search is whatever ``KeywordIndex`` is passed in (bm25s, built at index
time and memory-mapped at load, see ``indexing/keywords.py``; built from the chunks when
none is given); dense search is whatever ``VectorStore`` is passed in.  The two
lists are fused by a convex combination of min-max
normalised scores (``alpha`` on dense), which beat reciprocal-rank fusion on the
Nave->KJV benchmark at 1k and 100k chunks (tuned on one half of the queries,
checked on the other; see README "Performance"); RRF stays available
(``fusion="rrf"``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .ports import Embedder, KeywordIndex, VectorStore
from .text import date_bounds
from .types import Chunk, Document, Hit


def rrf(rankings: dict[str, Sequence[str]], k: int = 60) -> list[tuple[str, float, dict[str, int]]]:
    """Reciprocal-rank fusion: score(id) = sum 1/(k + rank); ties broken by id."""
    scores: dict[str, float] = defaultdict(float)
    ranks: dict[str, dict[str, int]] = defaultdict(dict)
    for name, ids in rankings.items():
        for r, cid in enumerate(ids, start=1):
            scores[cid] += 1.0 / (k + r)
            ranks[cid][name] = r
    return [(cid, s, ranks[cid]) for cid, s in sorted(scores.items(), key=lambda x: (-x[1], x[0]))]


def convex(
    bm25: Sequence[tuple[str, float]], dense: Sequence[tuple[str, float]], alpha: float = 0.4
) -> list[tuple[str, float, dict[str, int]]]:
    """Fuse two scored lists: alpha * dense + (1 - alpha) * bm25, each min-max normalised over its list.

    An id missing from one list gets that list's minimum (0 after normalising).
    Returns (id, score, {list: rank}) best first; ties broken by id.
    """

    def norm(pairs):
        if not pairs:
            return {}
        lo, hi = min(v for _, v in pairs), max(v for _, v in pairs)
        return {cid: (v - lo) / (hi - lo) if hi > lo else 1.0 for cid, v in pairs}

    nb, nd = norm(bm25), norm(dense)
    ranks: dict[str, dict[str, int]] = defaultdict(dict)
    for name, pairs in (("bm25", bm25), ("dense", dense)):
        for r, (cid, _) in enumerate(pairs, start=1):
            ranks[cid][name] = r
    scores = {cid: alpha * nd.get(cid, 0.0) + (1 - alpha) * nb.get(cid, 0.0) for cid in ranks}
    return [(cid, sc, ranks[cid]) for cid, sc in sorted(scores.items(), key=lambda x: (-x[1], x[0]))]


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to some sources and/or a date range (inclusive, ISO prefixes)."""

    sources: tuple[str, ...] = ()
    date_from: str = ""
    date_to: str = ""

    def __post_init__(self):
        if isinstance(self.sources, list):
            object.__setattr__(self, "sources", tuple(self.sources))
        if not isinstance(self.sources, tuple) or not all(isinstance(s, str) for s in self.sources):
            raise ValueError("sources must be a list of file names (text)")
        for label, v in (("from", self.date_from), ("to", self.date_to)):
            if not isinstance(v, str):
                raise ValueError(f"the {label} date must be text like 2024-06, got {v!r}")
            if v and date_bounds(v) is None:
                raise ValueError(f"bad {label} date {v!r}: use YYYY, YYYY-MM or YYYY-MM-DD")
        if self.date_from and self.date_to and date_bounds(self.date_from)[0] > date_bounds(self.date_to)[1]:
            raise ValueError(f"the from date ({self.date_from}) is after the to date ({self.date_to})")

    @property
    def active(self) -> bool:
        return bool(self.sources or self.date_from or self.date_to)

    def admits(self, doc: Document) -> bool:
        if self.sources and doc.source not in self.sources:
            return False
        if not (self.date_from or self.date_to):
            return True
        span = date_bounds(doc.date) if doc.date else None
        if span is None:
            return False
        lo = date_bounds(self.date_from)[0] if self.date_from else date.min
        hi = date_bounds(self.date_to)[1] if self.date_to else date.max
        return span[1] >= lo and span[0] <= hi


class HybridRetriever:
    """BM25 + dense over the chunks of one index snapshot."""

    def __init__(
        self,
        chunks: Sequence[Chunk],
        docs: dict[str, Document],
        store: VectorStore,
        embedder: Embedder,
        rrf_k: int = 60,
        fusion: str = "convex",
        alpha: float = 0.4,
        keyword: KeywordIndex | None = None,
    ):
        if fusion not in ("convex", "rrf"):
            raise ValueError(f"unknown fusion {fusion!r}: use 'convex' or 'rrf'")
        self.chunks = list(chunks)
        self.docs = docs
        self.store = store
        self.embedder = embedder
        self.rrf_k = rrf_k
        self.fusion = fusion
        self.alpha = alpha
        self.by_id = {c.id: c for c in self.chunks}
        if keyword is None:
            raise ValueError("a keyword index over the chunks is required (see wiring.make_keyword_index)")
        self.keyword = keyword

    @property
    def bm25(self) -> KeywordIndex:
        """The keyword index (its ``idf`` weights the question's terms in ``answer``)."""
        return self.keyword

    def allowed_sources(self, filters: Filters | None) -> list[str] | None:
        if filters is None or not filters.active:
            return None
        return sorted(s for s, d in self.docs.items() if filters.admits(d))

    def bm25_scored(self, query: str, k: int, sources: list[str] | None = None) -> list[tuple[str, float]]:
        allowed = None
        if sources is not None:
            keep = set(sources)
            allowed = {c.id for c in self.chunks if c.source in keep}
        return self.keyword.search(query, k, allowed)

    def dense_scored(self, query_vec: Sequence[float], k: int, sources: list[str] | None = None) -> list[tuple[str, float]]:
        # The store may hold chunks of an unfinished build; only the manifest's count.
        return [(cid, sim) for cid, sim in self.store.query(query_vec, k, sources) if cid in self.by_id]

    def bm25_search(self, query: str, k: int, sources: list[str] | None = None) -> list[str]:
        return [cid for cid, _ in self.bm25_scored(query, k, sources)]

    def dense_search(self, query_vec: Sequence[float], k: int, sources: list[str] | None = None) -> list[str]:
        return [cid for cid, _ in self.dense_scored(query_vec, k, sources)]

    def search(
        self,
        query: str,
        k_dense: int = 20,
        k_bm25: int = 20,
        top: int = 8,
        filters: Filters | None = None,
        query_vec: Sequence[float] | None = None,
    ) -> list[Hit]:
        sources = self.allowed_sources(filters)
        if sources == []:
            return []
        if query_vec is None:
            query_vec = self.embedder.embed([query])[0]
        bm25, dense = self.bm25_scored(query, k_bm25, sources), self.dense_scored(query_vec, k_dense, sources)
        if self.fusion == "rrf":
            fused = rrf({"bm25": [c for c, _ in bm25], "dense": [c for c, _ in dense]}, self.rrf_k)
        else:
            fused = convex(bm25, dense, self.alpha)
        return [Hit(self.by_id[cid], score, ranks) for cid, score, ranks in fused[:top]]
