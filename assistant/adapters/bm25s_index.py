"""Keyword search on bm25s: a sparse BM25 matrix built at index time, memory-mapped at load.

bm25s precomputes every (term, chunk) score into a CSC matrix, so a query is a
few column slices and a sum; the matrix is saved with the index and opened with
``mmap``, so loading 100k chunks reads a vocabulary file instead of re-tokenizing
the corpus.  Terms are ``text.tokenize``'s (stopwords dropped, light stemming),
then, when ``stemmer`` names a language, Snowball-stemmed by PyStemmer, which
merges more forms ("released"/"release") at the cost of some false merges (off
by default: on the eval it raised evidence hit and lowered abstention recall;
see README "Evaluation").

Scores are Okapi BM25 with Lucene's idf, ``idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))``,
in float64, so with ``stemmer=None`` they equal ``MemoryKeywordIndex``'s.
bm25s and PyStemmer are imported lazily, when an index is built or loaded.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np

from ..ports import TIE_DIGITS
from ..text import tokenize

META = "keyword.json"
FORMAT = 1


class Bm25sIndex:
    def __init__(self, k1: float = 1.2, b: float = 0.75, stemmer: str | None = None):
        self.k1, self.b, self.stemmer_name = k1, b, stemmer
        self._stemmer = None
        self._model = None  # bm25s.BM25, None while empty
        self.ids: list[str] = []
        self._row: dict[str, int] = {}

    # -- analysis ------------------------------------------------------------------------------
    def _stem(self, terms: list[str]) -> list[str]:
        if self.stemmer_name is None:
            return terms
        if self._stemmer is None:
            import Stemmer

            self._stemmer = Stemmer.Stemmer(self.stemmer_name)
        return self._stemmer.stemWords(terms)

    def _analyze(self, text: str) -> list[str]:
        return self._stem(tokenize(text))

    # -- the KeywordIndex interface ------------------------------------------------------------
    def fit(self, ids: Sequence[str], texts: Sequence[str]) -> Bm25sIndex:
        if len(ids) != len(texts):
            raise ValueError("ids and texts must have the same length")
        self.ids, self._row = list(ids), {cid: i for i, cid in enumerate(ids)}
        tokens = [self._analyze(t) for t in texts]
        self._model = None
        if any(tokens):  # bm25s needs at least one term (the average length divides)
            import bm25s

            self._model = bm25s.BM25(k1=self.k1, b=self.b, method="lucene", dtype="float64")
            self._model.index(tokens, show_progress=False)
        return self

    def _term_ids(self, terms: Collection[str]) -> list[int]:
        vocab = self._model.vocab_dict
        return sorted({vocab[t] for t in terms if t and t in vocab})

    def search(self, query: str, k: int, allowed: Collection[str] | None = None) -> list[tuple[str, float]]:
        if self._model is None or k <= 0:
            return []
        term_ids = self._term_ids(self._analyze(query))
        if not term_ids:
            return []
        mask = None
        if allowed is not None:
            mask = np.zeros(len(self.ids))
            mask[[self._row[c] for c in allowed if c in self._row]] = 1.0
        scores = self._model.get_scores_from_ids(term_ids, weight_mask=mask)
        return [(self.ids[i], float(scores[i]) * (self.k1 + 1)) for i in _top(scores, k)]

    def idf(self, term: str) -> float:
        n = len(self.ids)
        df = 0
        if self._model is not None:
            tid = self._model.vocab_dict.get(self._stem([term])[0]) if term else None
            if tid is not None:
                indptr = self._model.scores["indptr"]
                df = int(indptr[tid + 1] - indptr[tid])
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def save(self, path: Path) -> None:
        path = Path(path)
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        if self._model is not None:
            self._model.save(path, show_progress=False)
        meta = {"format": FORMAT, "k1": self.k1, "b": self.b, "stemmer": self.stemmer_name, "ids": self.ids}
        (path / META).write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Bm25sIndex:
        meta = json.loads((Path(path) / META).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"keyword index format {meta.get('format')!r}, expected {FORMAT}")
        self = cls(meta["k1"], meta["b"], meta["stemmer"])
        self.ids = meta["ids"]
        self._row = {cid: i for i, cid in enumerate(self.ids)}
        if (Path(path) / "params.index.json").exists():
            import bm25s

            self._model = bm25s.BM25.load(path, mmap=True, show_progress=False)
        return self


def _top(scores: np.ndarray, k: int) -> list[int]:
    """Rows of the ``k`` best positive scores, best first, ties (to ``TIE_DIGITS``) by row, the order ``fit`` saw."""
    rows = np.flatnonzero(scores > 0)
    rounded = np.round(scores, TIE_DIGITS)
    if len(rows) > k:  # keep the k best and every row tied with the k-th, then sort those
        kth = np.partition(rounded[rows], len(rows) - k)[len(rows) - k]
        rows = rows[rounded[rows] >= kth]
    order = np.lexsort((rows, -rounded[rows]))
    return rows[order][:k].tolist()
