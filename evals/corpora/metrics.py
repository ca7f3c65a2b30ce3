"""Pure metrics the multi-genre report adds to those of ``assistant.evaluation``.

``evidence_hit_lenient``: some citation shares at least half of the *shorter*
of (citation, gold passage).  The strict rule of ``evaluation.evidence_hit``
needs each to cover half of the other, so a one-sentence citation inside a
five-sentence FAQ answer never hits, nor does a 900-character chunk around a
one-line verse.  The lenient rule accepts both, and still rejects a citation
that merely brushes the passage (a few shared characters).
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.types import Citation
from evals.metrics import GoldSpan, overlap_len


def lenient_hit(source: str, start: int, end: int, g: GoldSpan, share: float = 0.5) -> bool:
    """The span and the gold passage overlap by at least ``share`` of the shorter of the two."""
    o = overlap_len(source, start, end, g)
    return o > 0 and o >= share * min(end - start, g.end - g.start)


def evidence_hit_lenient(citations: Sequence[Citation], gold: Sequence[GoldSpan]) -> bool:
    return any(lenient_hit(c.source, c.start, c.end, g) for c in citations for g in gold)


def abstention_rate(abstained: Sequence[bool]) -> float | None:
    """Share of the given cases abstained on; None when there are none."""
    return sum(abstained) / len(abstained) if abstained else None
