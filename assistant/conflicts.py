"""\"Sources differ\": the figures each source gives for the thing a "how many" question counts."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from .evidence import Scored
from .scoring import figures
from .text import match_form, words


def figure_sources(pool: Sequence[Scored], counted: Collection[str]) -> dict[str, list[Scored]]:
    """Per source, the sentences giving a figure for the counted thing.

    A figure counts the thing asked about when its noun is the question's
    ("how many hostages" -> '105 hostages').  A source that names it otherwise
    ("110 Israeli captives") is read by elimination: nouns that sit beside a
    matched figure in another sentence are known to be other things ("240
    Palestinian prisoners"), and when a sentence gives one of those other things
    and exactly one more figure, that figure is taken as this source's.  A
    sentence that carries none of the question's pinning terms (``miss`` 1: "2,000
    people" killed in Lebanon, for people killed on October 7) counts something else.
    """
    matched: dict[str, list[Scored]] = {}
    others: set[str] = set()
    pool = [s for s in pool if s.miss < 1.0]
    for s in pool:
        figs = figures(s.sentence.text)
        if any(n in counted for _, n in figs):
            matched.setdefault(s.sentence.source, []).append(s)
            others |= {n for _, n in figs if n not in counted}
    for s in pool:
        if s.sentence.source in matched:
            continue
        nouns = {n for _, n in figures(s.sentence.text)}
        left = nouns - others
        if len(left) == 1 and nouns & others:  # parallel to a matched sentence: the known other thing is there too
            matched[s.sentence.source] = [s]
    return matched


def find_conflict(pool: Sequence[Scored], counted: Collection[str], per_source: int = 2, action: str = "") -> list[Scored]:
    """The best sentences (``per_source`` each) of every source giving a figure for the thing counted, when they differ.

    Within a source, a sentence that says what the question asks happened (``action``: "release" for "How many
    hostages were released?") comes before a stronger one that does not ("abducting around 250 hostages")."""
    counted = set(counted)
    if not counted:
        return []
    act = match_form(action.lower()) if action else ""

    def key(s: Scored) -> tuple[bool, float]:
        return (bool(act) and act not in {match_form(w) for w in words(s.sentence.text)}, -s.score)

    by_source = {src: sorted(g, key=key)[:per_source] for src, g in figure_sources(pool, counted).items()}
    if len(by_source) < 2:
        return []
    values = {frozenset(v for s in group for v, n in figures(s.sentence.text) if n in counted) for group in by_source.values()}
    if len(values) < 2:
        return []
    return [s for group in by_source.values() for s in group]
