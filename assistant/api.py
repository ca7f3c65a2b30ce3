"""The public entry point: ``ask(question, history=None)`` and the ``Assistant`` behind it.

An ``Assistant`` loads the index lazily, once, and is safe to use from several
threads: loading happens under a lock, a loaded snapshot is immutable, and the
embedder serialises its own calls.  After the index changes (``add_documents``)
a new snapshot replaces the old one atomically; questions in flight finish on
the old one.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from . import answer as A
from . import lang_en
from .chat import clean_text, resolve, truncate_words, validate_history
from .config import MAX_UPLOAD_BYTES, Settings
from .corpus import LoadError, load_corpus, plan_uploads
from .index import BuildReport, Snapshot, build_index, cached_extractions, is_stale, load_snapshot, verify_store
from .retrieval import Filters, HybridRetriever
from .scoring import WEIGHTS, Model, Scorer
from .types import (
    Answer,
    AssistantError,
    BadQuestionError,
    Document,
    GeneratorError,
    IndexMismatchError,
    IndexMissingError,
    Sentence,
    StoreUnavailableError,
    content_hash,
)
from .wiring import make_embedder, make_generator, make_store


@dataclass(frozen=True)
class _Loaded:
    snapshot: Snapshot
    retriever: HybridRetriever
    sentences: A.SentenceIndex
    model: Model


@dataclass(frozen=True)
class Evidence:
    """What a question retrieved: the query, chunks, candidate sentences and their features."""

    query: str
    context: str
    hits: list
    candidates: list
    features: np.ndarray
    cos: np.ndarray


class Assistant:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cache_max = 50_000
        self._null: tuple[_Loaded, list[float]] | None = None
        self._null_lock = threading.Lock()
        self._generator = None

    # -- loading ------------------------------------------------------------------------------
    @property
    def embedder(self):
        return make_embedder(self.settings)

    def _open_store(self, collection: str):
        return make_store(self.settings, collection)

    def loaded(self) -> _Loaded:
        loaded = self._loaded
        if loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = self._load()
                loaded = self._loaded
        return loaded

    def _load(self) -> _Loaded:
        snap = load_snapshot(self.settings)
        store = self._open_store(snap.collection)
        try:
            problem = verify_store(snap, store)
        except StoreUnavailableError:
            raise
        except Exception as e:  # e.g. a segment Chroma cannot replay after a kill -9 mid-write
            problem = f"the vector store cannot be read ({type(e).__name__}: {str(e)[:200]})"
        if problem:
            raise IndexMissingError(
                f"The index at {self.settings.index_dir} is damaged: {problem}. "
                "Run `assistant index` to repair it (only the missing vectors are embedded again)."
            )
        s = self.settings
        retriever = HybridRetriever(snap.chunks, snap.docs, store, self.embedder, s.rrf_k, s.fusion, s.fusion_alpha, snap.keyword)
        scorer = Scorer.load(s.scorer_weights or WEIGHTS)
        model = scorer.fold(s.scorer_fold) if s.scorer_fold else scorer.model
        return _Loaded(snap, retriever, A.SentenceIndex(snap.docs), model)

    def warm_up(self) -> None:
        """Do the slow first-time work once, before serving threads: vendor imports, model, index."""
        from .adapters.chroma import warm_up

        warm_up()
        self.embedder.embed(["warm up"])
        with contextlib.suppress(AssistantError):
            self.loaded()

    def reload(self) -> None:
        with self._lock:
            self._loaded = None
        self.loaded()

    @property
    def docs(self) -> dict[str, Document]:
        return self.loaded().snapshot.docs

    def document(self, source: str) -> Document:
        try:
            return self.docs[source]
        except KeyError:
            raise AssistantError(f"no document {source!r} in the index") from None

    def document_text(self, source: str) -> str:
        """The canonical text citation offsets refer to: ``document_text(c.source)[c.start:c.end] == c.quote``."""
        return self.document(source).text

    def _load_corpus(self):
        # unchanged PDF/HTML/Word files reuse the text stored in the manifest instead of being parsed again
        return load_corpus(self.settings.corpus_dir, cache=cached_extractions(self.settings.index_dir))

    # -- indexing ------------------------------------------------------------------------------
    def index(self, rebuild: bool = False, progress: bool = True) -> BuildReport:
        return self._build(*self._load_corpus(), rebuild=rebuild, progress=progress)

    def _build(self, docs, errors, rebuild: bool, progress: bool) -> BuildReport:
        embedder = make_embedder(self.settings, for_index=True)
        report = build_index(self.settings, docs, embedder, self._open_store, rebuild=rebuild, skipped=errors, progress=progress)
        with self._lock:
            self._loaded = None
        return report

    def ensure_index(self, progress: bool = True) -> BuildReport | None:
        """Build, update or repair the index when it is missing, out of date or damaged.

        What ``serve`` and ``chat`` run first: an index built with other settings (another
        embedder, chunk size or chunker version) is rebuilt, since serving means "index if needed".
        """
        docs, errors = self._load_corpus()
        if not is_stale(self.settings, docs):
            try:
                self.loaded()
                return None
            except IndexMissingError:  # a damaged store: the build below repairs it
                pass
        try:
            return self._build(docs, errors, rebuild=False, progress=progress)
        except IndexMismatchError as e:
            where = self.settings.index_dir
            print(
                f"The index at {where} was built with other settings ({getattr(e, 'diffs', '')}); rebuilding it.", file=sys.stderr
            )
            return self._build(docs, errors, rebuild=True, progress=progress)

    def add_documents(
        self, files: Sequence[tuple[str, bytes]], max_bytes: int = MAX_UPLOAD_BYTES, replace: bool = False
    ) -> tuple[BuildReport | None, list[LoadError]]:
        """Save uploaded files into the corpus folder and index them; bad files are refused by name.

        A file never silently replaces another: an upload whose name is taken by a
        different file is refused unless ``replace`` is set (the same bytes again are
        simply "unchanged"), and two uploads with one name in one batch keep the first.
        """
        corpus = Path(self.settings.corpus_dir)
        accepted, refused = plan_uploads(files, corpus, max_bytes, replace)
        if not accepted:
            return None, refused
        for base, data in accepted:
            tmp = corpus / f".{base}.upload"
            tmp.write_bytes(data)
            tmp.replace(corpus / base)
        report = self.index(progress=False)
        self.reload()
        return report, refused + report.skipped

    # -- asking --------------------------------------------------------------------------------
    def _embed_sentences(self, sents: list[Sentence]) -> np.ndarray:
        """Sentence vectors through a bounded LRU cache (sentences recur across questions)."""
        keys = [(s.source, s.start, s.text) for s in sents]  # text in the key: edits never hit a stale vector
        with self._cache_lock:
            found = {k: self._cache[k] for k in keys if k in self._cache}
        missing = [(k, s.text) for k, s in zip(keys, sents, strict=True) if k not in found]
        if missing:
            vecs = self.embedder.embed([t for _, t in missing])
            with self._cache_lock:
                for (k, _), v in zip(missing, vecs, strict=True):
                    found[k] = self._cache[k] = np.asarray(v, dtype=np.float32)
                while len(self._cache) > self._cache_max:
                    self._cache.popitem(last=False)
        return np.stack([found[k] for k in keys])

    def check_question(self, question) -> tuple[str, str]:
        if not isinstance(question, str):
            raise BadQuestionError("the question must be text")
        q = " ".join(clean_text(question).split())
        if not q:
            raise BadQuestionError("The question is empty: type a question about the sources.")
        limit = self.settings.max_question_chars
        if len(q) > limit:
            cut = truncate_words(q, limit)  # at a word boundary: a cut word would read as an unknown name
            note = f"only its first {len(cut):,} were used (the limit is {limit:,}, cut at a word boundary)"
            return cut, f"Your question was {len(q):,} characters long; {note}."
        return q, ""

    def check_filters(self, filters, docs: dict[str, Document]) -> Filters | None:
        if filters is None:
            return None
        if not isinstance(filters, Filters):
            raise BadQuestionError("filters must be a Filters(sources=..., date_from=..., date_to=...)")
        unknown = [x for x in filters.sources if x not in docs]
        if unknown:
            known = ", ".join(sorted(docs)[:10]) + (" ..." if len(docs) > 10 else "")
            raise BadQuestionError(f"unknown source(s) {', '.join(map(repr, unknown))}; the index has: {known}")
        return filters

    def evidence(
        self, q: str, hist: list[dict], filters: Filters | None = None, exclude: tuple[str, int] | None = None
    ) -> Evidence:
        """Retrieve for a checked question and compute its candidates' features (no selection yet).

        ``exclude`` (source, paragraph) sets one paragraph aside (the null pseudo-questions).
        """
        loaded, s = self.loaded(), self.settings
        context = resolve(q, hist)
        query = f"{q} {context}".strip()
        q_vec = self.embedder.embed([query])[0]
        retriever = loaded.retriever
        gather = lang_en.question_shape(q) in ("number", "summary", "why")  # these read more sources
        top = max(s.top_chunks, s.gather_chunks) if gather else s.top_chunks
        hits = retriever.search(query, s.top_k_dense, s.top_k_bm25, top, filters, query_vec=q_vec)
        cands = [c for c in A.candidates(hits, loaded.sentences) if (c.source, c.paragraph) != exclude]
        x, cos = A.candidate_features(q, context, cands, loaded.sentences, q_vec, self._embed_sentences, retriever.bm25.idf)
        return Evidence(query, context, hits, cands, x, cos)

    def null_best(self) -> list[float]:
        """Best probabilities of this corpus's null pseudo-questions (``answer.null_questions``).

        Computed once per index snapshot and model, then cached in the index folder
        next to the manifest (a few seconds on first use; nothing when the model does not use it).
        """
        loaded = self.loaded()
        with self._null_lock:
            if self._null is not None and self._null[0] is loaded:
                return self._null[1]
            model = json.dumps(loaded.model.__dict__, sort_keys=True, default=list)
            key = content_hash(model, loaded.snapshot.collection, str(loaded.snapshot.built_at))
            path = Path(self.settings.index_dir) / f"scorer-null-{key}.json"
            try:
                values = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                values = []
                for text, source, para in A.null_questions(loaded.sentences):
                    ev = self.evidence(text, [], None, exclude=(source, para))
                    values.append(float(loaded.model.predict(ev.features).max()) if len(ev.candidates) else 0.0)
                with contextlib.suppress(OSError):
                    tmp = path.with_suffix(".tmp")
                    tmp.write_text(json.dumps(values), encoding="utf-8")
                    tmp.replace(path)
            self._null = (loaded, values)
            return values

    def abstain_below(self) -> float:
        """The best candidate's probability under which this corpus's answers abstain."""
        model = self.loaded().model
        return A.abstain_below(model, self.null_best() if model.null_quantile >= 0 else [])

    def _extractive(self, question, history, filters) -> tuple[Answer, _Extracted]:
        t0 = time.perf_counter()
        q, notice = self.check_question(question)
        hist = validate_history(history, self.settings.max_history_turns, self.settings.max_history_chars)
        loaded = self.loaded()
        filters = self.check_filters(filters, loaded.snapshot.docs)
        s = self.settings
        ev = self.evidence(q, hist, filters)
        scored = A.score(ev.candidates, ev.features, ev.cos, loaded.model)
        bm25 = loaded.retriever.bm25
        unseen = A.unseen_names(q, bm25.idf, len(bm25.ids), loaded.sentences.meta_terms) if s.abstain_unseen_names else []
        picked, conflict = ([], False) if unseen else A.select(scored, s, q, self.abstain_below())
        picked = A.with_context(picked, loaded.sentences)
        nearest = loaded.snapshot.docs.get(ev.hits[0].chunk.source) if ev.hits and not picked else None
        ans = A.build_answer(
            q,
            picked,
            conflict,
            loaded.snapshot.docs,
            nearest,
            unseen,
            query=ev.query,
            notice=notice,
            config_hash=s.config_hash(),
            latency_ms=(time.perf_counter() - t0) * 1000,
        )
        return ans, _Extracted(q, hist, picked, scored, loaded.snapshot.docs, t0)

    def ask(
        self, question: str, history: list[dict] | None = None, filters: Filters | None = None, mode: str | None = None
    ) -> Answer:
        """The answer; ``mode`` "generated" writes it with the generator and checks every sentence (else "extractive")."""
        final = None
        for kind, value in self.ask_stream(question, history, filters, mode):
            if kind == "final":
                final = value
        return final

    def ask_stream(
        self, question: str, history: list[dict] | None = None, filters: Filters | None = None, mode: str | None = None
    ):
        """Events ("extractive", Answer) at once, ("token", str) while a generated answer is written, ("final", Answer) last."""
        mode = mode or self.settings.answer_mode
        if mode not in ("extractive", "generated"):
            raise BadQuestionError(f"mode must be 'extractive' or 'generated', not {mode!r}")
        ans, ex = self._extractive(question, history, filters)
        if mode == "extractive":
            yield "final", ans
            return
        yield "extractive", ans
        yield from self._generate(ans, ex)

    @property
    def generator(self):
        if self._generator is None:
            with self._lock:
                if self._generator is None:
                    self._generator = make_generator(self.settings) or False
        return self._generator or None

    def _generate(self, ans: Answer, ex: _Extracted):
        from . import generation as G
        from .generated import check_reply, choose_evidence, generated_answer, join_notes, model_judge, timing

        s = self.settings
        if ans.abstained or ans.conflict:
            why = "the sources do not answer it" if ans.abstained else "the sources disagree, so each one's own words are shown"
            yield "final", replace(ans, notice=join_notes(ans.notice, f"No answer was generated: {why}."))
            return
        try:
            gen = self.generator
            if gen is None:
                raise GeneratorError("No generator is configured: set ASSISTANT_LLM_URL (see the README).")
            evidence = choose_evidence(ex.picked, ex.scored, s.llm_evidence, s.summary_rel)
            msgs = G.messages(ex.question, [e.sentence for e in evidence], ex.docs, ex.history)
            stats: dict = {}
            t1, first, pieces = time.perf_counter(), None, []
            for piece in gen.stream(msgs, s.llm_max_tokens, stats):
                first = first or time.perf_counter()
                pieces.append(piece)
                yield "token", piece
            t2 = time.perf_counter()
            checked = check_reply(
                "".join(pieces),
                evidence,
                ex.docs,
                lambda texts: np.asarray(self.embedder.embed(texts), dtype=np.float32),
                self._embed_sentences([e.sentence for e in evidence]),
                min_lexical=s.support_min_lexical,
                min_cosine=s.support_min_cosine,
                policy=s.unsupported,
                model_judge=model_judge(gen) if s.llm_judge else None,
            )
        except AssistantError as e:  # the endpoint is down, hangs or refuses; the local model is missing
            note = join_notes(ans.notice, f"{e} Showing the sources' own sentences instead.")
            yield "final", replace(ans, notice=note, latency_ms=(time.perf_counter() - ex.t0) * 1000)
            return
        yield "final", generated_answer(ans, checked, timing(stats, t1, first, t2, len(pieces), gen.name), ex.t0)


@dataclass(frozen=True)
class _Extracted:
    """What the extractive pass leaves for a generated answer."""

    question: str
    history: list[dict]
    picked: list
    scored: list
    docs: dict
    t0: float


_default: Assistant | None = None
_default_lock = threading.Lock()


def default_assistant() -> Assistant:
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Assistant(Settings())
    return _default


def ask(question: str, history: list[dict] | None = None, filters: Filters | None = None, mode: str | None = None) -> Answer:
    """Answer ``question`` from the indexed sources, with exact-span citations.

    ``mode="generated"`` has the configured generator (``ASSISTANT_LLM_URL``) write the
    answer from numbered evidence sentences and checks every sentence against what it
    cites; default "extractive" (or ``ASSISTANT_ANSWER_MODE``)."""
    return default_assistant().ask(question, history, filters, mode)


def document_text(source: str) -> str:
    """The indexed text of ``source`` that citations index into (the same for every format)."""
    return default_assistant().document_text(source)
