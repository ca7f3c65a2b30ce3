"""Evidence: the candidate sentences a question's retrieved chunks hold, their features and scores.

A candidate is a citable sentence inside a retrieved chunk; its features
(``scoring.features``) are computed against the question's plan and turned into a
calibrated probability by the scorer's model.  Pure: the embedder comes in as a
function, nothing is cached here.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from . import lang
from .plan import Plan
from .scoring import FEATURES, Candidate, Model, features
from .sentences import SentenceIndex, bare, read_with
from .text import own_words
from .types import Document, Hit, Sentence


@dataclass(frozen=True)
class Scored:
    sentence: Sentence
    score: float  # probability that the sentence answers
    dense: float
    lexical: float
    index: int  # position in its document's sentence list
    context: bool = False  # added by ``with_context`` so that a picked sentence reads alone
    miss: float = 0.0  # share of the question's pinning terms (names, numbers, dates) missing around it
    label: str = ""  # the headings that give the date asked for when the sentence does not ("Version 1.95 (2026-04-16)")


@dataclass(frozen=True)
class Evidence:
    """What a question retrieved: its plan, chunks, candidate sentences and their features."""

    plan: Plan
    hits: list
    candidates: list
    features: np.ndarray
    cos: np.ndarray


def candidates(hits: Sequence[Hit], sindex: SentenceIndex) -> list[Candidate]:
    """Every citable sentence inside the retrieved chunks, once, with its best chunk's rank and score."""
    seen: dict[tuple[str, int], Candidate] = {}
    for rank, h in enumerate(hits):
        for i, s in sindex.within(h.chunk.source, h.chunk.start, h.chunk.end):
            if (s.source, i) not in seen:
                para = sindex.paragraphs[s.source][i]
                seen[(s.source, i)] = Candidate(s.source, i, s.start, s.end, s.text, rank, float(h.score), para)
    return list(seen.values())


def predates(years: frozenset[int], doc: Document) -> bool:
    """True when ``doc`` cannot report on the years a question names: it is dated before every one of
    them and mentions none (an article of December 2023 says nothing of "the January 2025 ceasefire";
    one that looks ahead to 2025 names it).  Undated documents are never excluded."""
    if not years or not doc.date[:4].isdigit():
        return False
    return int(doc.date[:4]) < min(years) and not any(str(y) in doc.text for y in years)


def candidate_features(
    plan: Plan,
    cands: Sequence[Candidate],
    sindex: SentenceIndex,
    q_vec: Sequence[float],
    vectors: Callable[[list[Sentence]], np.ndarray],
    idf: Callable[[str], float],
) -> tuple[np.ndarray, np.ndarray]:
    """(feature matrix, cosines) for the candidates."""
    if not cands:
        return np.zeros((0, 0)), np.zeros(0)
    q = np.asarray(q_vec, dtype=np.float32)
    cos = vectors([Sentence(c.source, c.start, c.end, c.text) for c in cands]) @ q
    # what names the candidate's place: its document's title and author, and the heading it lies under (a
    # definition's term, an FAQ's question), which its own sentences seldom repeat
    sections = [sindex.place(c.source, c.start) for c in cands]
    windows = [f"{own_words(sindex.window(c.source, c.index))} {h}" for c, h in zip(cands, sections, strict=True)]
    meta = [f"{sindex.meta[c.source]} {h}" if c.source in sindex.docs else "" for c, h in zip(cands, sections, strict=True)]
    leads = [sindex.opened(c.source, c.index) for c in cands]
    # a definition or an FAQ's answer is read with its term or question too: the closer of the two readings counts
    cos = np.maximum(cos, _lead_cosines(cands, leads, vectors, q))
    return features(plan, cands, cos, windows, meta, idf, leads), cos


def _lead_cosines(
    cands: Sequence[Candidate], leads: list[str], vectors: Callable[[list[Sentence]], np.ndarray], q: np.ndarray
) -> np.ndarray:
    """Each candidate that opens a section (``leads``: ``SentenceIndex.opened``), read with its heading
    (``sentences.read_with``): its cosine to the question; -1 for the others."""
    out = np.full(len(cands), -1.0, dtype=np.float32)
    at = [(i, t) for i, (c, h) in enumerate(zip(cands, leads, strict=True)) if (t := read_with(h, c.text))]
    if at:
        out[[i for i, _ in at]] = vectors([Sentence(cands[i].source, cands[i].start, cands[i].end, t) for i, t in at]) @ q
    return out


def score(cands: Sequence[Candidate], x: np.ndarray, cos: np.ndarray, model: Model) -> list[Scored]:
    """Candidates with the model's probability, best first (ties by source, offset)."""
    if not cands:
        return []
    prob = model.predict(x)
    lex, miss = FEATURES.index("lex"), FEATURES.index("constraint_miss")
    out = [
        Scored(Sentence(c.source, c.start, c.end, c.text), float(p), float(d), float(f[lex]), c.index, miss=float(f[miss]))
        for c, p, d, f in zip(cands, prob, cos, x, strict=True)
    ]
    out.sort(key=lambda s: (-s.score, s.sentence.source, s.sentence.start))
    return out


def _heading_of(sent: Sentence, sindex: SentenceIndex) -> tuple[int, int] | None:
    """The heading ``sent`` is, or repeats elsewhere (a table of contents, a cross-reference): its span."""
    inside = sindex.heading_at(sent)
    spans = sindex.headings[sent.source] if sent.source in sindex.docs else []
    if inside or not spans:
        return inside
    words = bare(sent.text)
    if len(words.split()) < 4:
        return None
    return next((h for h, b in zip(spans, sindex.bare_headings[sent.source], strict=True) if words in b), None)


def under_headings(scored: Sequence[Scored], sindex: SentenceIndex) -> list[Scored]:
    """A heading names the section under it and answers nothing ("1.1 What is IDL?", an FAQ's question), nor
    does its copy in a table of contents: such candidates are dropped, and when the best candidate is one, the
    first sentence of that heading's section takes its place and its probability (the sentence's own, as a
    candidate, was lower).  Documents without layout are unchanged; so is a list of headings only."""
    heads = [_heading_of(s.sentence, sindex) for s in scored]
    out = [s for s, h in zip(scored, heads, strict=True) if h is None]
    if scored and heads[0] is not None:
        i = _first_under(scored[0].sentence.source, heads[0][1], sindex)
        if i is not None:
            out = _instead(scored[0], i, out, sindex)
    return out or list(scored)


def _first_under(source: str, after: int, sindex: SentenceIndex) -> int | None:
    """The index of the first sentence from offset ``after`` on that is no heading itself, past at most two
    sub-headings."""
    sents, spans = sindex.by_doc[source], sindex.headings[source]
    for i in range(bisect.bisect_left(sindex.starts[source], after), len(sents)):
        if sum(after <= a <= sents[i].start for a, _ in spans) > 2:
            return None
        if not sindex.is_heading(sents[i]):
            return i
    return None


def _instead(top: Scored, i: int, pool: Sequence[Scored], sindex: SentenceIndex) -> list[Scored]:
    """Sentence ``i`` of ``top``'s document in ``top``'s place, with its probability, before the rest of ``pool``
    (its own entry there, lower, dropped)."""
    src = top.sentence.source
    lead = Scored(sindex.by_doc[src][i], top.score, top.dense, top.lexical, i, miss=top.miss)
    return [lead, *(s for s in pool if (s.sentence.source, s.index) != (src, i))]


def asks(sentence: Sentence) -> bool:
    """A question in the text (an FAQ heading, a rhetorical one) answers nothing, unless nothing else does."""
    return sentence.text.rstrip().endswith("?")


def after_questions(scored: Sequence[Scored], sindex: SentenceIndex) -> list[Scored]:
    """A question in the text is answered by the sentence after it ("What else have we done in those first 100
    days? We kept our commitment ...", a plain-text FAQ's question line): when the best candidate asks one, the
    next sentence of its paragraph or the next takes its place and its probability, as a heading's first sentence
    does (``under_headings``).  The question stays a candidate, cited only when nothing else answers."""
    if not scored or not asks(scored[0].sentence):
        return list(scored)
    src = scored[0].sentence.source
    sents, paras, i = sindex.by_doc[src], sindex.paragraphs[src], scored[0].index + 1
    if i >= len(sents) or asks(sents[i]) or sindex.is_heading(sents[i]) or paras[i] - paras[i - 1] > 1:
        return list(scored)
    return _instead(scored[0], i, scored, sindex)


def off_credits(scored: Sequence[Scored], sindex: SentenceIndex, shape: str) -> list[Scored]:
    """A credits section ("6.34.6. AUTHOR": "pam_unix was written by various people.") answers who made the thing:
    for any other question its sentences are no candidates ("What does pam_unix do?" is not answered by it)."""
    if shape == "who":
        return list(scored)
    credits = lang.current.CREDITS_HEADING_RE
    return [s for s in scored if not credits.match(bare(sindex.section(s.sentence.source, s.sentence.start)))]
