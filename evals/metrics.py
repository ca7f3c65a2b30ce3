"""Pure metric functions: spans, citations, abstention, ranking, latency percentiles.

Each takes plain values (spans, citations, texts, relevance flags) and returns a
number; nothing here reads files or runs a model.  Both the eval (spans against
gold quotes) and the scale benchmark (verses against Nave's judgments) score
rankings through the same ``dcg`` / ``reciprocal_rank`` primitives.

Evidence hit is strict: a citation hits a gold passage (the sentence or
sentences holding the gold quote) only when each covers at least half of the
other, so the citation *is* the passage that answers; the lenient "any overlap"
figure is ``evidence_overlap``.  Citation recall/precision follow ALCE (Gao et
al. 2023) with question-grounded claims (see ``alce_scores``).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from assistant.types import Citation, Document


@dataclass(frozen=True)
class GoldSpan:
    source: str
    start: int
    end: int


class SupportJudge(Protocol):
    name: str

    def supports(self, claim: str, evidence: str) -> bool:
        """True when ``evidence`` (one citation, or several joined by spaces) supports ``claim``."""
        ...


# --- spans and citations ----------------------------------------------------------------------


def overlap_len(a_source: str, a_start: int, a_end: int, b: GoldSpan) -> int:
    return max(0, min(a_end, b.end) - max(a_start, b.start)) if a_source == b.source else 0


def overlaps(a_source: str, a_start: int, a_end: int, b: GoldSpan) -> bool:
    return overlap_len(a_source, a_start, a_end, b) > 0


def is_the_passage(a_source: str, a_start: int, a_end: int, b: GoldSpan, share: float = 0.5) -> bool:
    """Strict hit: the span and the gold passage each cover at least ``share`` of the other."""
    o = overlap_len(a_source, a_start, a_end, b)
    return o > 0 and o >= share * (b.end - b.start) and o >= share * (a_end - a_start)


def citation_valid(c: Citation, docs: dict[str, Document]) -> bool:
    doc = docs.get(c.source)
    return doc is not None and 0 <= c.start < c.end <= len(doc.text) and doc.text[c.start : c.end] == c.quote


def citation_validity(citations: Sequence[Citation], docs: dict[str, Document]) -> float:
    return sum(citation_valid(c, docs) for c in citations) / len(citations) if citations else 1.0


def evidence_hit(citations: Sequence[Citation], gold: Sequence[GoldSpan]) -> bool:
    """Some citation is (not merely contains) a gold passage."""
    return any(is_the_passage(c.source, c.start, c.end, g) for c in citations for g in gold)


def evidence_overlap(citations: Sequence[Citation], gold: Sequence[GoldSpan]) -> bool:
    """Lenient: some citation shares at least one character with a gold passage."""
    return any(overlaps(c.source, c.start, c.end, g) for c in citations for g in gold)


def evidence_recall(citations: Sequence[Citation], gold: Sequence[GoldSpan]) -> float:
    """Share of gold passages that some citation hits (strict rule)."""
    if not gold:
        return 1.0
    return sum(any(is_the_passage(c.source, c.start, c.end, g) for c in citations) for g in gold) / len(gold)


def hit_if_split(
    citations: Sequence[Citation], gold: Sequence[GoldSpan], sentences: dict[str, Sequence[tuple[int, int]]]
) -> bool:
    """Would some citation hit a gold passage if it were cut into its sentences?  (Diagnoses merged runs.)"""
    for c in citations:
        parts = [(a, b) for a, b in sentences.get(c.source, ()) if c.start <= a and b <= c.end]
        if any(is_the_passage(c.source, a, b, g) for a, b in parts for g in gold):
            return True
    return False


def keyword_hit(text: str, keywords: Sequence[str]) -> bool:
    low = text.lower()
    return all(k.lower() in low for k in keywords)


def conflict_coverage(text: str, figures: Sequence[tuple[str, str]], citations: Sequence[Citation]) -> float:
    """Share of (source, figure) pairs the answer gives, cited to that source."""
    if not figures:
        return 1.0
    got = sum(any(c.source == source and fig.lower() in c.quote.lower() for c in citations) for source, fig in figures)
    return got / len(figures)


def alce_scores(claims: Sequence[str], citations: Sequence[str], judge: SupportJudge) -> tuple[float, float | None]:
    """ALCE citation (recall, precision) of an answer's citation texts against the case's claims.

    The answers here are the sources' own sentences, so judging an answer
    sentence against its own citation would be true for every system; the
    statements to support are instead the case's gold claims.  Recall: share of
    claims the concatenation of all citations supports.  Precision: share of
    citations that are relevant: for some supported claim, it alone supports
    the claim, or the others without it no longer do.  Precision is None when
    there are no citations (an abstention; recall 0).
    """
    if not citations:
        return (0.0 if claims else 1.0), None
    cits = list(citations)
    supported = [c for c in claims if judge.supports(c, " ".join(cits))]
    recall = len(supported) / len(claims) if claims else 1.0
    relevant = 0
    for i, cit in enumerate(cits):
        others = " ".join(cits[:i] + cits[i + 1 :])
        relevant += any(judge.supports(c, cit) or not (others and judge.supports(c, others)) for c in supported)
    return recall, relevant / len(cits)


def abstention_scores(answerable: Sequence[bool], abstained: Sequence[bool]) -> dict[str, float | None]:
    """Abstention precision (share of abstentions that were right), recall, and false abstention."""
    abst = [a for a, x in zip(answerable, abstained, strict=True) if x]
    una = [x for a, x in zip(answerable, abstained, strict=True) if not a]
    ans = [x for a, x in zip(answerable, abstained, strict=True) if a]
    return {
        "abstention_precision": sum(not a for a in abst) / len(abst) if abst else None,
        "abstention_recall": sum(una) / len(una) if una else None,
        "false_abstention": sum(ans) / len(ans) if ans else None,
    }


# --- ranking ----------------------------------------------------------------------------------


def dcg(relevant: Sequence[bool], k: int) -> float:
    """Discounted cumulative gain of binary relevance flags, first ``k`` ranks."""
    return sum(1 / math.log2(i + 2) for i, r in enumerate(relevant[:k]) if r)


def ideal_dcg(n_relevant: int, k: int) -> float:
    return sum(1 / math.log2(i + 2) for i in range(min(k, n_relevant)))


def reciprocal_rank(relevant: Sequence[bool], k: int | None = None) -> float:
    first = next((i for i, r in enumerate(relevant[:k]) if r), None)
    return 0.0 if first is None else 1 / (first + 1)


def rank_metrics(ranked: Sequence[tuple[str, int, int]], gold: Sequence[GoldSpan], k: int = 10) -> dict[str, float]:
    """hit@5, recall@k, MRR and nDCG@k of ranked (source, start, end) units against gold spans.

    A unit is relevant when it overlaps a gold span at all: these rate
    retrieval, whose units (chunks, nodes) are meant to be larger than an answer.
    """
    rel = [any(overlaps(s, a, b, g) for g in gold) for s, a, b in ranked]
    found = sum(any(overlaps(s, a, b, g) for s, a, b in ranked[:k]) for g in gold)
    ideal = ideal_dcg(max(1, len(gold)), k)
    return {
        "hit@5": float(any(rel[:5])),
        f"recall@{k}": found / len(gold) if gold else 1.0,
        "mrr": reciprocal_rank(rel),
        f"ndcg@{k}": min(1.0, dcg(rel, k) / ideal) if ideal else 0.0,
    }


def rank_scores(ranked: Sequence[str], relevant: set[str] | frozenset[str]) -> dict[str, float]:
    """nDCG@10, MRR@10 and recall@100 of a ranked list of unique items against binary judgments."""
    if not relevant:
        raise ValueError("a query needs at least one relevant item")
    rel = [v in relevant for v in ranked[:100]]
    return {
        "ndcg@10": dcg(rel, 10) / ideal_dcg(len(relevant), 10),
        "mrr@10": reciprocal_rank(rel, 10),
        "recall@100": len(relevant.intersection(ranked[:100])) / len(relevant),
    }


def unique_in_order(groups: Iterable[Iterable[str]]) -> list[str]:
    """Flatten ranked groups of items (a chunk's verses), keeping each item's first rank."""
    seen: set[str] = set()
    out = []
    for group in groups:
        for v in group:
            if v not in seen:
                seen.add(v)
                out.append(v)
    return out


# --- aggregation ------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile; NaN when there are no values (no data is not 0 ms)."""
    if not values:
        return math.nan
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(p / 100 * len(s)) - 1))]


def mean(values) -> float | None:
    """Mean of the values that are not None; None when there are none (metric not applicable)."""
    values = [v for v in values if v is not None]
    return statistics.fmean(values) if values else None


def mean_scores(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    """Key-wise mean of metric dicts that share their keys ({} for no rows)."""
    return {k: statistics.fmean(r[k] for r in rows) for k in rows[0]} if rows else {}
