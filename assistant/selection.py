"""Selection: which scored sentences an answer cites, or none (abstention).

The question's shape (from its plan) changes only the selection: a summary or
"why" question takes the best passage of each source, a "how many" question
gathers the figure from every source that gives one and reports a conflict
when they disagree, any other question cites the strong sentences.  A question
that names something no source mentions abstains (``unseen_names``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace

import numpy as np

from . import lang
from .config import Settings
from .conflicts import find_conflict
from .evidence import Scored, asks
from .plan import Plan
from .scoring import coarse, coarse_terms, counts, coverage, gives_new, kind_fit
from .sentences import SentenceIndex
from .text import tokenize
from .types import Sentence


def _overlap(a: str, b: str) -> float:
    ta, tb = set(tokenize(a)), set(tokenize(b))
    return len(ta & tb) / max(1, min(len(ta), len(tb)))


def with_context(picked: Sequence[Scored], sindex: SentenceIndex) -> list[Scored]:
    """Add the neighbours a picked sentence needs to be read alone.

    The previous sentence when it opens with an anaphor ("During that time, ...", not "This paper reviews ...": a
    sentence about the document itself, ``lang.en.SIGNPOST_RE``), the next one when it is a
    quotation that carries the claim of a sentence reporting speech ('X noted that ... . "quote," she said.';
    after any other sentence a quotation is somebody else's) or the first item of a list the sentence announces
    ("... lays out three main stages." / "First, ...", or over the first item of a list or a definition list).
    Neighbours merge into one citation.
    """
    out = {(p.sentence.source, p.index): p for p in picked}
    for p in picked:
        sents = sindex.by_doc[p.sentence.source]
        i = p.index
        before = sents[i - 1] if i > 0 else None  # a heading is not context: the citation names its section
        if (
            before
            and lang.current.ANAPHORA_RE.match(p.sentence.text)
            and not lang.current.SIGNPOST_RE.match(p.sentence.text)
            and before.end + 3 >= p.sentence.start
            and not sindex.is_heading(before)
        ):
            out.setdefault((p.sentence.source, i - 1), Scored(before, p.score, p.dense, p.lexical, i - 1, True))
        opens, nxt = lang.current.OPENS_QUOTE_RE.match, sents[i + 1] if i + 1 < len(sents) else None
        quoted = nxt and opens(nxt.text) and lang.current.REPORTED_SPEECH_RE.search(p.sentence.text)
        defines = nxt is not None and sindex.opens_definition(p.sentence.source, i + 1)  # its term lies between
        listed = nxt and lang.current.ANNOUNCES_RE.search(p.sentence.text) and (_first_item(nxt, sindex) or defines)
        near = nxt and nxt.start - p.sentence.end <= 3
        if nxt and (quoted or listed) and (near or (listed and defines)):
            out.setdefault((p.sentence.source, i + 1), Scored(nxt, p.score, p.dense, p.lexical, i + 1, True))
    order = {k: n for n, k in enumerate((p.sentence.source, p.index) for p in picked)}
    return sorted(out.values(), key=lambda x: (order.get((x.sentence.source, x.index), len(order)), x.index))


def _first_item(nxt: Sentence, sindex: SentenceIndex) -> bool:
    """Is ``nxt`` the first item of what the sentence before it announces: "First, ...", "1. ...", or the first item
    of a list of the layout (HTML numbers its items itself: "... you should make sure you do the following steps:"
    over "Orphan all your packages ...")?  A definition under its term is the other kind (``opens_definition``)."""
    return bool(lang.current.FIRST_ITEM_RE.match(nxt.text)) or sindex.opens_item(nxt)


def _distinct(pool: Sequence[Scored], limit: int, per_source: int, questions: bool = False) -> list[Scored]:
    picked: list[Scored] = []
    for s in pool:
        if len(picked) >= limit:
            break
        if sum(p.sentence.source == s.sentence.source for p in picked) >= per_source:
            continue
        if not questions and asks(s.sentence):
            continue
        if any(_overlap(s.sentence.text, p.sentence.text) > 0.7 for p in picked):
            continue
        picked.append(s)
    return picked


def _unseen(idf: Callable[[str], float], n_texts: int) -> Callable[[str], bool]:
    """Is a term in no indexed text, nor any long enough start of it ("Sodom" for "Sodomites")?"""
    top = float(np.log(1 + (n_texts + 0.5) / 0.5)) - 1e-9

    def unseen(term: str) -> bool:
        starts = {term[:n] for n in range(max(5, int(0.6 * len(term) + 0.999)), len(term) + 1)}
        return all(idf(t) >= top for t in starts | {term})

    return unseen


def mentioned_topic(question: str, idf: Callable[[str], float], n_texts: int) -> bool:
    """Does some text mention the first word of a topic query, the topic it names ("Bread" in "Bread: Made by
    men")?  When none does ("chocolate cake recipe"), the query is read as a plain question, at the full threshold."""
    first = re.search(r"[^\W\d_][\w'’-]*", question)
    head = [t for t in tokenize(first.group(0)) if t.isalpha()] if first else []
    unseen = _unseen(idf, n_texts)
    return bool(head) and not all(unseen(t) for t in head)


def unseen_names(question: str, idf: Callable[[str], float], n_texts: int, meta_terms: Collection[str] = ()) -> list[str]:
    """The question's proper names (``lang.current.proper_names``) that neither the text nor the metadata mentions.

    A question pinned on a name the sources never mention ("What did Nasrallah
    say?") cannot be answered from them, however close the nearest passage reads;
    ``idf`` is the keyword index's, at its maximum for a term no text holds, and
    ``meta_terms`` the words of the documents' titles, publishers and authors
    ("according to GZERO").  Month names are dates, not names.  A name is seen
    when an indexed word is a long enough start of it ("Sodom" for "Sodomites").
    Boilerplate is not indexed, so a name found only in page furniture counts as unseen.
    """
    unseen = _unseen(idf, n_texts)
    out = []
    for name in lang.current.proper_names(question):
        terms = [t for t in tokenize(name) if t.isalpha() and len(t) > 1]
        if name in lang.current.MONTH_NAMES or any(t in meta_terms for t in terms):
            continue
        joined = "".join(terms)  # "Kirjath-jearim" is spelled "Kirjathjearim" in the text
        if terms and all(unseen(t) for t in terms) and (len(terms) < 2 or unseen(joined)):
            out.append(name)
    return out


def _off_words(scored: Sequence[Scored], floor: float, plan: Plan, least: float) -> bool:
    """Does no sentence above the floor, nor a candidate next to one, share ``least`` of the question's term
    weight (``Scored.lexical``)?  In a README about zstd every sentence is close to "Does zstd support
    multithreading?" in meaning, and only "zstd" meets a word of it; "If you plan to propose a patch ..." answers
    "How do I contribute?" beside "... where all contributions are merged".  A question of function words only
    ("What is it?") has no terms to share."""
    if not tokenize(plan.keywords):
        return False
    strong = {(s.sentence.source, s.index + d) for s in scored if s.score >= floor for d in (-1, 0, 1)}
    return not any(s.lexical >= least for s in scored if (s.sentence.source, s.index) in strong)


def _fresh_first(scored: Sequence[Scored], plan: Plan, floor: float, idf: Callable[[str], float]) -> list[Scored]:
    """A follow-up asks something new: a sentence the last answer quoted that holds less than half of the
    follow-up's own term weight ("purged" in "What happens to them when a package is purged?", after the definition
    of a conffile) goes after the others, when one of them is strong enough to answer.  A follow-up of function
    words only ("When was this?") may be answered by the same passage."""
    own = coarse_terms({t: idf(t) for t in set(tokenize(plan.unframed))})
    if not plan.last_answer or not own:
        return list(scored)
    old = [s.sentence.text in plan.last_answer and coverage(own, set(coarse(s.sentence.text))) < 0.5 for s in scored]
    fresh = [s for s, o in zip(scored, old, strict=True) if not o]
    stale = [s for s, o in zip(scored, old, strict=True) if o]
    if not fresh or fresh[0].score < floor:
        return list(scored)
    # below the new leader in probability too, so that no ordering by score puts it first again
    return [*fresh, *(replace(s, score=min(s.score, fresh[0].score * 0.99)) for s in stale)]


def _giving(scored: Sequence[Scored], asks: str, asked: str, where: Callable[[Sentence], str]) -> list[Scored]:
    """The candidates that give the date, name, place or figure asked for.  A date may be given by the headings a
    sentence lies under instead ("When were async closures stabilized?" under "Version 1.85.0 (2025-02-20) ›
    Language"): the answer then names them (``Scored.label``).  Names are not taken from headings: most headings hold one."""
    out = []
    for s in scored:
        if gives_new(asks, s.sentence.text, asked):
            out.append(s)
        elif asks == "date" and (heads := where(s.sentence)) and gives_new(asks, heads, asked):
            out.append(replace(s, label=heads))
    return out


def select(
    scored: Sequence[Scored],
    settings: Settings,
    plan: Plan,
    threshold: float,
    idf: Callable[[str], float] = lambda t: 1.0,
    where: Callable[[Sentence], str] = lambda s: "",
) -> tuple[list[Scored], bool]:
    """Pick the sentences to cite; returns (picked, is_conflict).

    Summaries ask for the sources' gist and a topic query ("Bread: Made by men") for the passages on a topic
    the texts mention (``mentioned_topic``), so a weaker best match still answers them.
    """
    shape = plan.shape
    if shape == "number":  # "how many" is answered by a figure: a sentence with none cannot answer it
        scored = [s for s in scored if kind_fit(shape, s.sentence.text, plan.counted) > 0]
    floor = threshold * (settings.summary_threshold_factor if shape in ("summary", "topic") else 1.0)
    if not scored or scored[0].score < floor or _off_words(scored, floor, plan, settings.min_overlap):
        return [], False
    if shape == "number" and plan.counted and lang.current.COUNTS_THINGS_RE.search(plan.question):
        # "how many X": unanswered unless a strong sentence counts X (not "40,000 Palestinians" for soldiers);
        # when one does, the figures other sources give under another noun ("110 captives") still count
        if not any(s.score >= floor and counts(s.sentence.text, plan.counted) for s in scored):
            return [], False
    asks = lang.current.asks_new(plan.question)  # "when did ...", "who replaced ...": a date or name not yet known
    if asks:  # only a sentence that gives one can answer
        scored = _giving(scored, asks, plan.asked, where)
        if not scored or scored[0].score < floor:
            return [], False
    scored = _fresh_first(scored, plan, floor, idf)
    best = scored[0].score
    if shape == "number":  # the question is answered: gather every source's figure, however it ranks
        pool = [s for s in scored if s.score >= settings.conflict_rel * best]
        conflict = find_conflict(pool, plan.counted, action=lang.current.counted_action(plan.question))
        if conflict:
            return conflict[: settings.max_citations + 2], True
    if shape in ("summary", "why"):  # the best passage of each source first, then the rest
        pool = [s for s in scored if s.score >= settings.summary_rel * best]
        first = _distinct(pool, settings.max_citations, per_source=1)
        rest = [s for s in pool if s not in first]
        return _distinct(first + rest, settings.max_citations, per_source=2), False
    strong = [s for s in scored if s.score >= max(floor, settings.rel_score * best)]
    picked = _distinct(strong, settings.max_citations, per_source=settings.max_citations)
    # when every strong sentence asks a question (scripture, dialogue: "have ye never read, Out of the mouth of
    # babes ... thou hast perfected praise?"), the question is the text that answers
    return picked or _distinct(strong, settings.max_citations, settings.max_citations, questions=True), False
