"""Soft token match: the question's words read against each candidate's words, through MiniLM's token vectors.

For every content word piece of the question, the best cosine to any word piece of
the candidate sentence (contextual vectors from the same encoder pass that gives
the sentence vector), averaged with the words' idf as weights.  Unlike the
sentence cosine (two texts embedded apart), it sees that "mediates" meets
"mediators" and that one rare word of the question is missing, and it needs no
training: it is the reader's first feature.  Word pieces are weighted by their
whole word's idf from the corpus's own keyword index, so stopwords and
punctuation weigh nothing and a corpus's rare words weigh most.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..text import tokenize
from .features import Units, pool


def piece_weights(pieces: Sequence[str], idf: Callable[[str], float]) -> np.ndarray:
    """idf of the word each piece belongs to ("media", "##tors" -> idf("mediator")); 0 for stopwords and punctuation."""
    words: list[list[int]] = []
    for i, p in enumerate(pieces):
        if p.startswith("##") and words:
            words[-1].append(i)
        else:
            words.append([i])
    out = np.zeros(len(pieces), dtype=np.float32)
    for idx in words:
        word = "".join(pieces[i].removeprefix("##") for i in idx)
        terms = tokenize(word)
        if terms:
            out[idx] = max(float(idf(terms[0])), 0.0)
    return out


def soft_match(question: np.ndarray, weights: np.ndarray, candidates: Sequence[np.ndarray]) -> np.ndarray:
    """Per candidate: the weighted mean over question pieces of their best cosine to a candidate piece (0 when none)."""
    n = len(candidates)
    if n == 0 or len(question) == 0 or float(weights.sum()) <= 0:
        return np.zeros(n, dtype=np.float32)
    best = pool(np.asarray(question, dtype=np.float32), Units.of(candidates)).best  # (question pieces, n)
    best = np.maximum(best, 0.0)
    return (weights @ best / float(weights.sum())).astype(np.float32)
