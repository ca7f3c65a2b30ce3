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

import itertools
import json
import math
import shutil
from collections.abc import Collection, Sequence
from functools import cache
from pathlib import Path

import numpy as np

from ..ports import TIE_DIGITS
from ..text import tokenize

META = "keyword.json"
DOC_TERMS, DOC_STARTS = "doc_terms.npy", "doc_starts.npy"
FORMAT = 3  # 3: "-k" and "--keep" are terms of their own (text._TOKEN); older folders are analysed again


class Bm25sIndex:
    def __init__(self, k1: float = 1.2, b: float = 0.75, stemmer: str | None = None):
        self.k1, self.b, self.stemmer_name = k1, b, stemmer
        self._stemmer = None
        self._model = None  # bm25s.BM25, None while empty
        self.ids: list[str] = []
        self._row: dict[str, int] = {}
        # every text's term ids, concatenated, and where each text starts: ``update`` reuses them
        self._doc_terms: np.ndarray | None = None
        self._doc_starts: np.ndarray | None = None

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
        return self._fit_terms(ids, [self._analyze(t) for t in texts])

    def update(self, ids: Sequence[str], texts: Sequence[str]) -> Bm25sIndex:
        """A new index over (ids, texts), re-analyzing only the texts of ids this one does not hold.

        Ids are content hashes, so a known id has the same text, and its term ids are reused as
        they are (new terms are appended to the vocabulary).  Same result as ``fit``; when terms
        no text uses any more outnumber the others, the vocabulary is rebuilt from scratch.
        """
        if len(ids) != len(texts):
            raise ValueError("ids and texts must have the same length")
        fresh = type(self)(self.k1, self.b, self.stemmer_name)
        if self._model is None or self._doc_terms is None:
            return fresh.fit(ids, texts)
        vocab = dict(self._model.vocab_dict)
        rows = np.fromiter((self._row.get(cid, -1) for cid in ids), dtype=np.int64, count=len(ids))
        fresh_terms = {
            i: [vocab.setdefault(t, len(vocab)) for t in fresh._analyze(texts[i])] for i in np.flatnonzero(rows < 0).tolist()
        }
        terms, starts = _gather(np.asarray(self._doc_terms), np.asarray(self._doc_starts), rows, fresh_terms)
        fresh._fit_ids(ids, terms, starts, vocab)
        if fresh._model is not None and fresh._dead_terms() > len(vocab) / 2:
            words = np.empty(len(vocab), dtype=object)
            for term, tid in vocab.items():
                words[tid] = term
            fresh._fit_terms(ids, [words[terms[a:b]].tolist() for a, b in itertools.pairwise(starts.tolist())])
        return fresh

    def _fit_terms(self, ids: Sequence[str], docs: list[list[str]]) -> Bm25sIndex:
        vocab: dict[str, int] = {}
        ragged = Ragged.of([[vocab.setdefault(t, len(vocab)) for t in d] for d in docs])
        return self._fit_ids(ids, ragged.terms, ragged.starts, vocab)

    def _fit_ids(self, ids: Sequence[str], terms: np.ndarray, starts: np.ndarray, vocab: dict[str, int]) -> Bm25sIndex:
        """Index texts given as term ids, all texts' concatenated and where each starts (``vocab`` maps every
        term to an id in 0..len-1)."""
        self.ids, self._row = list(ids), {cid: i for i, cid in enumerate(ids)}
        self._model = self._doc_terms = self._doc_starts = None
        if len(terms):  # bm25s needs at least one term (the average length divides)
            self._model = _vectorised()(k1=self.k1, b=self.b, method="lucene", dtype="float64")
            self._model.index((Ragged(terms, starts), vocab), show_progress=False)
            self._doc_terms, self._doc_starts = terms, starts
        return self

    def _dead_terms(self) -> int:
        """Vocabulary terms no text holds (left by updates that dropped texts)."""
        return int(np.count_nonzero(np.diff(self._model.scores["indptr"]) == 0))

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
            np.save(path / DOC_TERMS, self._doc_terms)
            np.save(path / DOC_STARTS, self._doc_starts)
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
            self._doc_terms = np.load(Path(path) / DOC_TERMS, mmap_mode="r")
            self._doc_starts = np.load(Path(path) / DOC_STARTS, mmap_mode="r")
        return self


class Ragged(list):
    """Texts as term ids for bm25s's ``index((corpus, vocab))``: a list to bm25s (it checks), arrays to us.
    ``terms`` holds every text's term ids, concatenated; text i is ``terms[starts[i]:starts[i + 1]]``."""

    def __init__(self, terms: np.ndarray, starts: np.ndarray):
        super().__init__()
        self.terms, self.starts = terms, starts

    @classmethod
    def of(cls, docs: Sequence[Sequence[int]]) -> Ragged:
        terms = np.fromiter(itertools.chain.from_iterable(docs), dtype=np.int32, count=sum(map(len, docs)))
        return cls(terms, np.cumsum([0, *map(len, docs)], dtype=np.int64))


def _gather(terms: np.ndarray, starts: np.ndarray, rows: np.ndarray, fresh: dict[int, list[int]]):
    """(terms, starts) of new texts: text i is old text ``rows[i]`` (copied without a Python loop), or,
    where ``rows[i]`` is -1, ``fresh[i]``."""
    known = rows >= 0
    lens = np.zeros(len(rows), dtype=np.int64)
    lens[known] = starts[rows[known] + 1] - starts[rows[known]]
    for i, t in fresh.items():
        lens[i] = len(t)
    out_starts = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lens, out=out_starts[1:])
    out = np.empty(int(out_starts[-1]), dtype=np.int32)
    idx = np.flatnonzero(known)
    n = lens[idx]
    offset = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)  # position inside each text
    out[np.repeat(out_starts[idx], n) + offset] = terms[np.repeat(starts[rows[idx]], n) + offset]
    for i, t in fresh.items():
        out[out_starts[i] : out_starts[i + 1]] = t
    return out, out_starts


def lucene_matrix(docs: Ragged, n_vocab: int, k1: float, b: float, dtype, int_dtype) -> dict:
    """bm25s's score matrix of texts given as term ids, built with array operations instead of a Python loop
    per text: the same CSC arrays as ``bm25s.BM25(method="lucene").build_index_from_ids``, value for value
    (the same float operations in the same order), about three times faster at 100k chunks."""
    lens = np.diff(docs.starts)
    n = len(lens)
    avg = lens.mean()
    texts = np.repeat(np.arange(n, dtype=np.int64), lens)
    pairs, tf = np.unique((docs.terms.astype(np.int64) << 32) | texts, return_counts=True)
    cols, rows = pairs >> 32, pairs & 0xFFFFFFFF  # sorted by term, then text: the CSC order
    df = np.bincount(cols, minlength=n_vocab)
    idf = np.array([math.log(1 + (n - d + 0.5) / (d + 0.5)) for d in df.tolist()], dtype=dtype)
    tf = tf.astype(dtype)
    tfc = tf / (k1 * ((1 - b) + b * lens[rows] / avg) + tf)
    indptr = np.zeros(n_vocab + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    return {"data": (idf[cols] * tfc).astype(dtype), "indices": rows.astype(int_dtype), "indptr": indptr, "num_docs": n}


@cache
def _vectorised():
    """``bm25s.BM25`` with ``lucene_matrix`` as its index build (``build_index_from_ids`` is bm25s's hook for it)."""
    import bm25s

    class VectorisedBM25(bm25s.BM25):
        def build_index_from_ids(self, unique_token_ids, corpus_token_ids, show_progress=True, leave_progress=False):
            if self.method != "lucene":
                raise ValueError(f"only method='lucene' is built here, not {self.method!r}")
            self.nonoccurrence_array = None  # as bm25s sets it for lucene
            docs = corpus_token_ids if isinstance(corpus_token_ids, Ragged) else Ragged.of(corpus_token_ids)
            return lucene_matrix(docs, len(unique_token_ids), self.k1, self.b, self.dtype, self.int_dtype)

    return VectorisedBM25


def _top(scores: np.ndarray, k: int) -> list[int]:
    """Rows of the ``k`` best positive scores, best first, ties (to ``TIE_DIGITS``) by row, the order ``fit`` saw."""
    rows = np.flatnonzero(scores > 0)
    rounded = np.round(scores, TIE_DIGITS)
    if len(rows) > k:  # keep the k best and every row tied with the k-th, then sort those
        kth = np.partition(rounded[rows], len(rows) - k)[len(rows) - k]
        rows = rows[rounded[rows] >= kth]
    order = np.lexsort((rows, -rounded[rows]))
    return rows[order][:k].tolist()
