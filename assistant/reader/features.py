"""Reader features: what the question's token vectors find in a candidate sentence, its neighbours and its title.

The input is MiniLM's contextual token vectors (unit rows): the question's
(with one weight per token, idf from ``Reader.token_weights``) and, for every
"unit" (a candidate sentence, a neighbour sentence, a title), its own matrix.
One matrix product per question gives every token-to-token cosine; each feature
is a weighted mean over question tokens of something pooled over a unit:

* ``k_<mu>``: KNRM kernel pooling (Xiong et al. 2017): per question token, the
  soft count of candidate tokens whose cosine is near ``mu`` (an RBF kernel),
  log1p-pooled; the sharp kernel at 1.0 counts exact matches.
* ``soft``: the best cosine to any candidate token (the training-free soft
  token match OFFLINE.md measured); ``soft_win``: the same over the candidate
  and its two neighbours; ``soft_title``: over the document title/heading;
  ``cover``: the weighted share of question tokens with a best cosine >= 0.8.
* ``cos``/``cos_title``: the sentence cosines the caller already has; ``len``:
  log of the candidate's token count; ``qlen``: log of the question's.

The shipped head (``assistant/weights/reader.json``) weighs only ``soft``,
``cos``, ``cover`` and ``len``: trained on the offline sources, the kernels
added nothing on a genre left out, and the neighbour/title features hurt
(``evals/reports/reader.md``); all are computed so a later head can use them.

Trade-off: pooling is done per unit once, then gathered, so the neighbours'
and titles' matches cost one extra matrix product, not a re-encoding of
windows; the features do not see word order beyond what the contextual
vectors carry.  Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MUS = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1)
SIGMAS = (0.02,) + (0.05,) * (len(MUS) - 1)
NAMES = (*(f"k_{m:.1f}" for m in MUS), "soft", "soft_win", "soft_title", "cover", "cos", "cos_title", "len", "qlen")
_CHUNK = 32768  # unit tokens per matrix product: bounds memory at (kernels x question tokens x chunk) floats


@dataclass(frozen=True)
class Units:
    """Token matrices of many units concatenated: ``tokens[offsets[i]:offsets[i+1]]`` is unit ``i``."""

    tokens: np.ndarray  # (total tokens, dim), unit rows, float16 or float32
    offsets: np.ndarray  # (n units + 1,) int64

    @classmethod
    def of(cls, mats) -> Units:
        mats = list(mats)
        dim = next((m.shape[1] for m in mats if m.ndim == 2 and m.shape[1]), 1)
        lens = np.array([len(m) for m in mats], dtype=np.int64)
        toks = np.concatenate([np.asarray(m, dtype=np.float32).reshape(-1, dim) for m in mats]) if mats else np.zeros((0, dim))
        return cls(toks, np.concatenate([[0], np.cumsum(lens)]))

    def __len__(self) -> int:
        return len(self.offsets) - 1


@dataclass(frozen=True)
class Pooled:
    """Per question token and unit: the kernel soft counts (kernels, q, units) and the best cosine (q, units)."""

    kernels: np.ndarray
    best: np.ndarray


def _groups(offsets: np.ndarray, size: int):
    """Runs of whole units ``[i, j)`` holding at most ``size`` tokens (or one unit, when it alone is longer)."""
    i, n = 0, len(offsets) - 1
    while i < n:
        j = int(np.searchsorted(offsets, offsets[i] + size, side="right")) - 1
        j = min(max(j, i + 1), n)
        yield i, j
        i = j


def pool(question: np.ndarray, units: Units) -> Pooled:
    """Kernel counts and best cosine of every question token against every unit (empty units: 0 and -1)."""
    q = np.asarray(question, dtype=np.float32)
    n, nq = len(units), len(q)
    mus = np.array(MUS, dtype=np.float32)[:, None, None]
    inv = (1.0 / (2.0 * np.array(SIGMAS, dtype=np.float32) ** 2))[:, None, None]
    kern = np.zeros((len(MUS), nq, n), dtype=np.float32)
    best = np.full((nq, n), -1.0, dtype=np.float32)
    if nq == 0:
        return Pooled(kern, best)
    off = units.offsets
    for i, j in _groups(off, _CHUNK):
        a, b = int(off[i]), int(off[j])
        if a == b:
            continue
        sims = q @ np.asarray(units.tokens[a:b], dtype=np.float32).T  # (nq, tokens of the run)
        starts = off[i:j] - a
        full = np.flatnonzero(np.diff(off[i : j + 1]) > 0)  # reduceat needs non-empty segments
        k = np.exp(-((sims[None] - mus) ** 2) * inv)
        kern[:, :, i + full] = np.add.reduceat(k, starts[full], axis=2)
        best[:, i + full] = np.maximum.reduceat(sims, starts[full], axis=1)
    return Pooled(kern, best)


def _wmean(values: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted mean over the question-token axis (axis -2)."""
    return np.tensordot(w, values, axes=([0], [-2])) / max(float(w.sum()), 1e-9)


def features(
    pooled: Pooled,
    weights: np.ndarray,
    units: Units,
    cand: np.ndarray,
    prev: np.ndarray,
    nxt: np.ndarray,
    title: np.ndarray,
    cos: np.ndarray,
    cos_title: np.ndarray,
) -> np.ndarray:
    """One row of ``NAMES`` per candidate; ``prev``/``nxt``/``title`` index units (-1: none)."""
    w = np.asarray(weights, dtype=np.float32)
    nq = len(w)
    kern = _wmean(np.log1p(pooled.kernels[:, :, cand]), w).T  # (n cand, kernels)
    best = pooled.best
    own = best[:, cand]
    win = own.copy()
    for side in (prev, nxt):
        has = side >= 0
        win[:, has] = np.maximum(win[:, has], best[:, side[has]])
    tit = np.where(title >= 0, best[:, np.maximum(title, 0)], -1.0) if nq else np.zeros((0, len(cand)))
    lens = np.diff(units.offsets)[cand]
    cols = [
        kern,
        _wmean(own, w)[:, None],
        _wmean(win, w)[:, None],
        _wmean(tit, w)[:, None],
        _wmean((own >= 0.8).astype(np.float32), w)[:, None],
        np.asarray(cos, dtype=np.float32)[:, None],
        np.asarray(cos_title, dtype=np.float32)[:, None],
        np.log1p(lens)[:, None],
        np.full((len(cand), 1), np.log1p(nq), dtype=np.float32),
    ]
    return np.hstack(cols).astype(np.float32)
