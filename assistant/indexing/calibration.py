"""Abstention calibrated to the index: the probabilities this corpus's unanswerable pseudo-questions reach.

The scorer's threshold is fitted across corpora; a corpus whose every sentence
resembles every other (verses, FAQ boilerplate) pushes near misses above it.  So,
per index, a few sentences of the corpus become questions whose own paragraph is
set aside (``null_questions``); the best probability the rest reaches is what an
on-topic question without an answer scores *here*, and ``abstain_below`` raises
the threshold to a quantile of those.  The values are computed once per index
build and model, and cached in the index folder beside the manifest.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..scoring import Model
from ..sentences import SentenceIndex
from ..types import content_hash
from .layout import layout


def null_questions(sindex: SentenceIndex, k: int = 16, min_words: int = 10) -> list[tuple[str, str, int]]:
    """Pseudo-questions this corpus cannot answer once their own paragraph is set aside.

    A sentence of the corpus (picked by a sha256 of its place, so the choice is
    stable) is the question and its paragraph is excluded from the candidates: the
    best remaining probability is what an on-topic question whose answer is
    missing reaches *in this corpus*, the near-miss case abstention must catch.
    Returns (question, source, paragraph).
    """
    pool = [
        (content_hash(s.source, str(s.start)), s.text, s.source, sindex.paragraphs[s.source][i])
        for source in sorted(sindex.docs)
        for i, s in enumerate(sindex.by_doc[source])
        if len(s.text.split()) >= min_words
    ]
    return [(text, source, para) for _, text, source, para in sorted(pool)[:k]]


def abstain_below(model: Model, null_best: Sequence[float]) -> float:
    """The model's threshold, raised to the chosen quantile of this corpus's null best probabilities."""
    if model.null_quantile < 0 or not null_best:
        return model.threshold
    return max(model.threshold, float(np.quantile(np.asarray(null_best), model.null_quantile)))


def cache_key(model: Model, collection: str, built_at: float) -> str:
    """What the null values depend on: the model's weights and the index build."""
    return content_hash(json.dumps(model.__dict__, sort_keys=True, default=list), collection, str(built_at))


def cached_null_best(path: Path, compute: Callable[[], list[float]]) -> list[float]:
    """The values stored at ``path``, else ``compute()``d and stored (a read-only folder only loses the cache;
    a published snapshot is never written, so a replica keeps them in memory)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        values = compute()
    if layout(path.parent).frozen:
        return values
    with contextlib.suppress(OSError):
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(values), encoding="utf-8")
        tmp.replace(path)
    return values
