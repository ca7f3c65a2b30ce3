"""Reader feature rows for a question against chosen sentences of a token table (training and measurement).

The question is pooled once against a small set of units: the chosen
sentences, their neighbours in the same document and their titles, gathered
from the table, so the cost is that of the candidates and not of the corpus.
``rows=None`` means every sentence of the table (the measurement's ranking of
all sentences); then the table's own units are used without copying.
"""

from __future__ import annotations

import numpy as np

from assistant.reader import features as F

from .tokens import Table


def gather(units: F.Units, rows: np.ndarray) -> F.Units:
    """The sub-``Units`` of the given rows, in that order."""
    off = units.offsets
    parts = [units.tokens[off[r] : off[r + 1]] for r in rows]
    lens = np.array([len(p) for p in parts], dtype=np.int64)
    dim = units.tokens.shape[1]
    toks = np.concatenate(parts) if parts else np.zeros((0, dim), units.tokens.dtype)
    return F.Units(toks, np.concatenate([[0], np.cumsum(lens)]))


def neighbours(tab: Table, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Previous and next sentence rows within the same document (-1 at a document's edge)."""
    doc = np.searchsorted(tab.starts, rows, side="right") - 1
    prev = np.where(rows - 1 >= tab.starts[doc], rows - 1, -1)
    nxt = np.where(rows + 1 < tab.starts[doc + 1], rows + 1, -1)
    return prev, nxt


def question_rows(tab: Table, qi: int, weights: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """``features.NAMES`` rows of question ``qi`` against sentence ``rows`` (all sentences when None)."""
    s, t = tab.sentences, tab.titles
    q = tab.questions
    qmat = np.asarray(q.units.tokens[q.units.offsets[qi] : q.units.offsets[qi + 1]], dtype=np.float32)
    qvec = q.vectors[qi]
    if rows is None:
        rows = np.arange(len(s.units))
        prev, nxt = neighbours(tab, rows)
        pooled_s, pooled_t = F.pool(qmat, s.units), F.pool(qmat, t.units)
        cand, p_idx, n_idx, units_s = rows, prev, nxt, s.units
    else:
        prev, nxt = neighbours(tab, rows)
        extra = np.unique(np.concatenate([prev[prev >= 0], nxt[nxt >= 0]]))
        local = np.concatenate([rows, extra])
        pos = {int(r): i for i, r in enumerate(local)}
        units_s = gather(s.units, local)
        pooled_s, pooled_t = F.pool(qmat, units_s), F.pool(qmat, t.units)
        cand = np.arange(len(rows))
        p_idx = np.array([pos.get(int(r), -1) if r >= 0 else -1 for r in prev], dtype=np.int64)
        n_idx = np.array([pos.get(int(r), -1) if r >= 0 else -1 for r in nxt], dtype=np.int64)
    # titles are pooled apart and appended after the sentence units
    n_s = len(units_s)
    both = F.Pooled(
        np.concatenate([pooled_s.kernels, pooled_t.kernels], axis=2), np.concatenate([pooled_s.best, pooled_t.best], axis=1)
    )
    title_rows = tab.title_of[rows]
    units = F.Units(units_s.tokens, np.concatenate([units_s.offsets, units_s.offsets[-1] + t.units.offsets[1:]]))
    cos = s.vectors[rows] @ qvec
    cos_t = t.vectors[title_rows] @ qvec
    return F.features(both, weights, units, cand, p_idx, n_idx, n_s + title_rows, cos, cos_t)
