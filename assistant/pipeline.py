"""The answer pipeline, top to bottom: question -> plan -> evidence -> selection -> Answer.

1. ``make_plan`` checks the question and history and reads the question once
   (shape, counted phrase, follow-up context).
2. ``evidence`` retrieves chunks for the plan's query (more of them for questions
   that gather across sources) and scores every citable sentence they hold.
3. ``extract`` abstains when the question names what no source mentions, quotes
   each term's definition when it compares two defined terms, else selects the
   sentences to cite (``selection``); it adds the neighbours they need to read
   alone, and composes the answer's segments and text (``compose``).
A generated answer starts from the extractive one (``generated.run``).

Pure functions over an ``Engine``: the loaded index and the ports answering needs.
The ``Assistant`` facade loads an engine once and calls ``answer``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from . import lang
from .compose import build_answer, defined_term
from .config import Settings
from .errors import IndexMissingError, StoreUnavailableError
from .evidence import (
    Evidence,
    Scored,
    after_questions,
    candidate_features,
    candidates,
    off_credits,
    predates,
    score,
    under_headings,
)
from .indexing import Snapshot, layout, load_snapshot, manifest_stamp, verify_store
from .indexing.calibration import abstain_below, cache_key, cached_null_best, null_questions
from .plan import Plan, check_filters, make_plan
from .ports import Embedder, Ports
from .retrieval import Filters, HybridRetriever
from .scoring import WEIGHTS, Model, Scorer
from .selection import mentioned_topic, select, unseen_names, with_context
from .sentences import SentenceIndex
from .text import own_words, tokenize
from .types import Answer, Document
from .vectors import SentenceVectors


@dataclass(frozen=True)
class Engine:
    """A loaded index and the ports answering needs; immutable, replaced whole when the index changes."""

    snapshot: Snapshot
    retriever: HybridRetriever
    sentences: SentenceIndex
    model: Model
    embedder: Embedder  # questions (and, through ``vectors``, sentences)
    vectors: SentenceVectors  # sentence and token vectors, cached across questions
    null_cache: Path  # where this index's abstention calibration is kept
    stamp: tuple = ()  # the manifest file's identity when it was read: a different one means a newer build
    _null: list = field(default_factory=list, compare=False, repr=False)  # memo: [values] once computed
    _null_lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    @property
    def docs(self) -> dict[str, Document]:
        return self.snapshot.docs

    def sentence_vectors(self, sents: list) -> np.ndarray:
        """Unit vectors of what ``sents`` say (``text.own_words``): stored by the build where it has them, else
        embedded (and cached)."""
        own = [replace(s, text=own_words(s.text)) for s in sents]
        return self.vectors(own, self.snapshot.sentence_vectors)


@dataclass(frozen=True)
class ExtractivePass:
    """What the extractive pass leaves for a generated answer."""

    plan: Plan
    picked: list[Scored]
    scored: list[Scored]
    docs: dict[str, Document]
    t0: float


def evidence(plan: Plan, engine: Engine, settings: Settings, filters: Filters | None = None, exclude=None) -> Evidence:
    """Retrieve for the plan and compute its candidates' features (no selection yet).

    ``exclude`` (source, paragraph) sets one paragraph aside (the null pseudo-questions)."""
    s, retriever = settings, engine.retriever
    q_vec = engine.embedder.embed([plan.query])[0]
    top = max(s.top_chunks, s.gather_chunks) if plan.gather else s.top_chunks
    hits = retriever.search(plan.keywords, s.top_k_dense, s.top_k_bm25, top, filters, query_vec=q_vec)
    early = {src for src in {h.chunk.source for h in hits} if predates(plan.years, engine.docs[src])}
    cands = [c for c in candidates(hits, engine.sentences) if (c.source, c.paragraph) != exclude and c.source not in early]
    x, cos = candidate_features(plan, cands, engine.sentences, q_vec, engine.sentence_vectors, retriever.bm25.idf)
    return Evidence(plan, hits, cands, x, cos)


def null_best(engine: Engine, settings: Settings) -> list[float]:
    """Best probabilities of this index's null pseudo-questions, computed once per engine (and cached on disk)."""

    def compute() -> list[float]:
        values = []
        for text, source, para in null_questions(engine.sentences):
            ev = evidence(Plan.of(text), engine, settings, exclude=(source, para))
            values.append(float(engine.model.predict(ev.features).max()) if len(ev.candidates) else 0.0)
        return values

    with engine._null_lock:
        if not engine._null:
            engine._null.append(cached_null_best(engine.null_cache, compute))
        return engine._null[0]


def threshold(engine: Engine, settings: Settings) -> float:
    """The best candidate's probability under which this index's answers abstain."""
    model = engine.model
    return abstain_below(model, null_best(engine, settings) if model.null_quantile >= 0 else [])


def compared_definitions(plan: Plan, engine: Engine, settings: Settings, filters: Filters | None) -> list[Scored]:
    """ "What is the difference between required and requisite?" over a definition list: each term's own
    description (the best answer to "What is required?" that describes a term of that name), when both have one
    above the threshold; [] otherwise, and the question is answered as any other."""
    terms = lang.current.compared(plan.question)
    if not terms:  # most questions compare nothing: no threshold, no second retrieval
        return []
    floor, out = threshold(engine, settings), []
    for term in terms:
        sub = Plan.of(lang.current.WHAT_IS.format(term=term))
        ev = evidence(sub, engine, settings, filters)
        scored = under_headings(score(ev.candidates, ev.features, ev.cos, engine.model), engine.sentences)
        best = next((x for x in scored if x.score >= floor and _defines(x, term, engine.docs)), None)
        if best is None:
            return []
        out.append(_opening(best, engine))
    # the comparison holds as well as its weaker half; equal scores quote the two in the document's order
    return [replace(x, score=min(y.score for y in out)) for x in out]


def _opening(x: Scored, engine: Engine) -> Scored:
    """The first sentence of the paragraph ``x`` lies in (a description's first), with ``x``'s probability."""
    paras, i = engine.sentences.paragraphs[x.sentence.source], x.index
    while i > 0 and paras[i - 1] == paras[x.index]:
        i -= 1
    return replace(x, sentence=engine.sentences.by_doc[x.sentence.source][i], index=i)


def _defines(x: Scored, term: str, docs: dict[str, Document]) -> bool:
    """Does ``x`` describe a definition list's term of the same words as ``term`` (a term of no words, none)?"""
    want = set(tokenize(term))
    return bool(want) and set(tokenize(defined_term(docs[x.sentence.source], x.sentence.start))) == want


def extract(plan: Plan, engine: Engine, settings: Settings, filters: Filters | None, t0: float) -> tuple[Answer, ExtractivePass]:
    """The extractive answer to a planned question, and what a generated answer needs from it."""
    s, docs = settings, engine.docs
    ev = evidence(plan, engine, s, filters)
    scored = under_headings(score(ev.candidates, ev.features, ev.cos, engine.model), engine.sentences)
    scored = off_credits(scored, engine.sentences, plan.shape)
    bm25 = engine.retriever.bm25
    unseen = unseen_names(plan.question, bm25.idf, len(bm25.ids), engine.sentences.meta_terms) if s.abstain_unseen_names else []
    if plan.shape == "topic" and not mentioned_topic(plan.question, bm25.idf, len(bm25.ids)):
        plan = replace(plan, shape="any")
    if plan.shape != "topic":  # a question wants an answer; a topic's passages may be questions ("have ye never read")
        scored = after_questions(scored, engine.sentences)
    defined = [] if unseen else compared_definitions(plan, engine, s, filters)
    where = lambda x: docs[x.source].section_at(x.start)  # noqa: E731  the headings a sentence lies under
    picked, conflict = (defined, False) if defined or unseen else select(scored, s, plan, threshold(engine, s), bm25.idf, where)
    picked = with_context(picked, engine.sentences)
    nearest = docs.get(ev.hits[0].chunk.source) if ev.hits and not picked else None
    ans = build_answer(
        picked,
        conflict,
        docs,
        nearest,
        unseen,
        query=plan.query,
        notice=plan.notice,
        config_hash=s.config_hash(),
        latency_ms=(time.perf_counter() - t0) * 1000,
    )
    return ans, ExtractivePass(plan, picked, scored, docs, t0)


def answer(
    question, history, filters: Filters | None, *, engine: Engine | Callable[[], Engine], settings: Settings
) -> tuple[Answer, ExtractivePass]:
    """The whole extractive path: check and plan the question, then answer it from the engine's index.

    ``engine`` may be a function that loads it: a bad question is refused before any index is opened."""
    t0 = time.perf_counter()
    plan = make_plan(question, history, settings.max_question_chars, settings.max_history_turns, settings.max_history_chars)
    engine = engine() if callable(engine) else engine
    return extract(plan, engine, settings, check_filters(filters, engine.docs), t0)


def load_engine(settings: Settings, ports: Ports, vectors: SentenceVectors) -> Engine:
    """Open the index ``settings`` name through ``ports``; a store that lost vectors is a clear error."""
    stamp = manifest_stamp(settings.index_dir)  # before reading: a build that lands meanwhile is seen next time
    snap = load_snapshot(settings, ports.make_keyword)
    store = ports.open_store(snap.collection)
    try:
        problem = verify_store(snap, store)
    except StoreUnavailableError:
        raise
    except Exception as e:  # e.g. a segment Chroma cannot replay after a kill -9 mid-write
        problem = f"the vector store cannot be read ({type(e).__name__}: {str(e)[:200]})"
    if problem:
        raise IndexMissingError(
            f"The index at {settings.index_dir} is damaged: {problem}. "
            "Run `assistant index` to repair it (only the missing vectors are embedded again)."
        )
    s = settings
    retriever = HybridRetriever(snap.chunks, snap.docs, store, ports.embedder, s.rrf_k, s.fusion, s.fusion_alpha, snap.keyword)
    scorer = Scorer.load(s.scorer_weights or WEIGHTS)
    model = scorer.fold(s.scorer_fold) if s.scorer_fold else scorer.model
    null_cache = layout(s.index_dir).null_cache(cache_key(model, snap.collection, snap.built_at))
    return Engine(snap, retriever, SentenceIndex(snap.docs), model, ports.embedder, vectors, null_cache, stamp)
