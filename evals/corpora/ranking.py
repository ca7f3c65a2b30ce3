"""Ranking quality inside the project's candidates: today's scorer beside the reader and the plain cosine.

For every answerable case whose gold passage lies in at least one candidate
sentence (the citable sentences of the retrieved chunks, as ``ask()`` sees
them), the reciprocal rank of the first answering candidate under three
scores: the evidence scorer (the fold the report uses), the reader
(``assistant/reader``, question and candidate read token by token), the
sentence cosine, and the scorer's and the reader's logits added (the reader
as one more vote, at a weight nobody tuned).  Also, per case, the best probability each gives, which
``evals/abstention_ceiling.py`` reads back from ``multigenre.json``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.evidence import score
from assistant.pipeline import evidence
from assistant.plan import make_plan

from .metrics import lenient_hit


def _rr(values: np.ndarray, labels: np.ndarray) -> float:
    hits = np.flatnonzero(labels[np.argsort(-values, kind="stable")])
    return 1.0 / (1 + hits[0]) if len(hits) else 0.0


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def case_scores(assistant, reader, case) -> dict:
    """Labels and the three scores of one case's candidates, and each score's best value."""
    engine, settings = assistant.loaded(), assistant.settings
    plan = make_plan(case.question, list(case.history), settings.max_question_chars)
    ev = evidence(plan, engine, settings)
    if not ev.candidates:
        return {"id": case.id, "labels": [], "scorer_best": 0.0, "reader_best": 0.0}
    by_place = {(s.sentence.source, s.sentence.start): s.score for s in score(ev.candidates, ev.features, ev.cos, engine.model)}
    scorer = np.array([by_place[(c.source, c.start)] for c in ev.candidates])
    vecs, toks = engine.embedder.embed_with_tokens([plan.query, *(c.text for c in ev.candidates)])
    q = toks[0]
    read = np.asarray(reader.score(q.vectors, reader.token_weights(q.tokens), [t.vectors for t in toks[1:]], vecs[1:] @ vecs[0]))
    gold = case.passages or case.gold
    labels = np.array([any(lenient_hit(c.source, c.start, c.end, g) for g in gold) for c in ev.candidates])
    return {
        "id": case.id,
        "labels": labels,
        "scores": {
            "scorer": scorer,
            "reader": read,
            "cosine": np.asarray(ev.cos),
            "scorer+reader": _logit(scorer) + _logit(read),  # the reader as one more vote, weight 1 (not tuned)
        },
        "scorer_best": float(scorer.max()),
        "reader_best": float(np.max(read)),
    }


def ranking(assistant, cases: Sequence) -> tuple[dict, dict[str, dict]]:
    """(MRR of the gold sentence among the candidates per score, per-case best probabilities)."""
    from assistant.reader import Reader

    reader = Reader.load()
    rows = [case_scores(assistant, reader, c) for c in cases]
    ranked = [(r, c) for r, c in zip(rows, cases, strict=True) if c.answerable and np.any(r["labels"])]
    answerable = sum(c.answerable for c in cases)
    out = {"questions": len(ranked), "answerable": answerable}
    for name in ("scorer", "reader", "cosine", "scorer+reader"):
        out[f"mrr_{name}"] = float(np.mean([_rr(r["scores"][name], r["labels"]) for r, _ in ranked])) if ranked else None
    best = {r["id"]: {"scorer_best": r["scorer_best"], "reader_best": r["reader_best"]} for r in rows}
    return out, best
