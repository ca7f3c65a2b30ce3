"""The systems an eval compares: the project itself and three baselines, run on the same corpus and model.

``bm25`` and ``dense`` cite the project's own top-5 chunks from keyword search
alone or dense search alone; ``llamaindex`` is a plain ``VectorStoreIndex``
with default settings citing its top-2 nodes (``adapters/llama.py``).
Baselines never abstain and get the raw question (no chat memory), as a plain
retrieval pipeline would; their latency is retrieval only.  Each system turns
a ``Case`` into a ``CaseResult``: the answer, the top-10 units it retrieved
(for rank metrics) and the time taken.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.types import Answer, Citation, Document

from . import metrics as m
from .cases import Case
from .judges import LexicalJudge
from .metrics import SupportJudge

BASELINES = ("bm25", "dense", "llamaindex")


@dataclass(frozen=True)
class CaseResult:
    case: Case
    answer: Answer
    ranked: list[tuple[str, int, int]]  # top 10 retrieved units, for rank metrics
    ms: float

    def row(self, docs: dict[str, Document], judge: SupportJudge | None = None) -> dict:
        """Every per-case metric (None where it does not apply), plus the answer and its citations."""
        c, a = self.case, self.answer
        passages = c.passages or c.gold
        judged = c.answerable and c.claims
        recall, precision = (
            m.alce_scores(c.claims, [x.quote for x in a.citations], judge or LexicalJudge()) if judged else (None, None)
        )
        only = (lambda v: v) if c.answerable else (lambda v: None)  # noqa: E731
        return {
            "id": c.id,
            "type": c.type,
            "split": c.split,
            "question": c.question,
            "answerable": c.answerable,
            "abstained": a.abstained,
            "validity": m.citation_validity(a.citations, docs),
            "evidence_hit": only(m.evidence_hit(a.citations, passages)),
            "evidence_hit_quote": only(m.evidence_hit(a.citations, c.gold)),
            "evidence_overlap": only(m.evidence_overlap(a.citations, passages)),
            "evidence_recall": only(m.evidence_recall(a.citations, passages)),
            "citation_recall": recall,
            "citation_precision": precision,
            "keywords": only(m.keyword_hit(a.text, c.keywords)),
            "conflict_coverage": m.conflict_coverage(a.text, c.figures, a.citations) if c.figures else None,
            **(m.rank_metrics(self.ranked, c.gold) if c.answerable else {}),
            "ms": round(self.ms, 1),
            "answer": a.text,
            "citations": [x.to_dict() for x in a.citations],
        }


def citations_of(units: Sequence[tuple[str, int, int, str]], docs: dict[str, Document]) -> list[Citation]:
    """Citations [1..n] for (source, start, end, text) units, with each source's metadata."""
    out = []
    for n, (source, start, end, text) in enumerate(units, 1):
        d = docs[source]
        out.append(Citation(n, source, start, end, text, d.title, d.publisher, d.author, d.date))
    return out


def plain_answer(units: Sequence[tuple[str, int, int, str]], docs: dict[str, Document], query: str, ms: float) -> Answer:
    """A baseline's answer: its top units, quoted whole, each a citation; it never abstains.

    (Keyword search finds nothing for a follow-up made only of stopwords, "When
    was this?": that answer has no citations and counts as a miss, not a choice.)
    """
    cits = citations_of(units, docs)
    text = "\n\n".join(f"“{c.quote}” [{c.n}]" for c in cits)
    return Answer(text, cits, abstained=False, query=query, latency_ms=ms)


class ProjectSystem:
    """The project itself: ``ask()`` with history; rank metrics from its hybrid retrieval."""

    name = "project"

    def __init__(self, assistant):
        self.assistant = assistant

    def warm_up(self) -> None:
        self.assistant.ask("warm-up question about the ceasefire talks")  # load models before timing

    def run(self, case: Case) -> CaseResult:
        a, s = self.assistant, self.assistant.settings
        t0 = time.perf_counter()
        ans = a.ask(case.question, case.history)
        ms = (time.perf_counter() - t0) * 1000
        hits = a.loaded().retriever.search(ans.query, s.top_k_dense, s.top_k_bm25, 10)
        return CaseResult(case, ans, [(h.chunk.source, h.chunk.start, h.chunk.end) for h in hits], ms)


class ChunkBaseline:
    """Keyword search only or dense only over the project's own chunks; the top ``k`` chunks are the citations."""

    def __init__(self, assistant, mode: str, k: int = 5):
        if mode not in ("bm25", "dense"):
            raise ValueError(f"unknown chunk baseline {mode!r}")
        self.assistant, self.name, self.k = assistant, mode, k

    def warm_up(self) -> None:
        self.assistant.embedder.embed(["warm-up"])

    def run(self, case: Case) -> CaseResult:
        r = self.assistant.loaded().retriever
        t0 = time.perf_counter()
        if self.name == "bm25":
            ids = r.bm25_search(case.question, 10)
        else:
            ids = r.dense_search(r.embedder.embed([case.question])[0], 10)
        ms = (time.perf_counter() - t0) * 1000
        top = [r.by_id[cid] for cid in ids]
        units = [(c.source, c.start, c.end, c.text) for c in top[: self.k]]
        return CaseResult(case, plain_answer(units, r.docs, case.question, ms), [(c.source, c.start, c.end) for c in top], ms)


class LlamaIndexBaseline:
    """Plain LlamaIndex with its defaults: top-2 nodes (``as_retriever()``'s default) cited, top-10 ranked.

    A node whose span does not reproduce its text is dropped and counted in ``dropped``.
    """

    name = "llamaindex"

    def __init__(self, docs: dict[str, Document], embedder):
        self.docs, self.embedder = docs, embedder
        self.texts = {s: d.text for s, d in sorted(docs.items())}
        self.index = None
        self.dropped = 0
        self.build_s = 0.0

    def warm_up(self) -> None:
        if self.index is not None:
            return
        from assistant.adapters.llama import default_index

        t0 = time.perf_counter()
        self.index = default_index(self.texts, self.embedder, source_metadata=True)
        self.top = self.index.as_retriever()
        self.top10 = self.index.as_retriever(similarity_top_k=10)
        self.build_s = time.perf_counter() - t0

    def _units(self, nodes) -> list[tuple[str, int, int, str]]:
        from assistant.adapters.llama import node_spans

        units, dropped = node_spans(nodes, self.texts)
        self.dropped += dropped
        return units

    def run(self, case: Case) -> CaseResult:
        self.warm_up()
        t0 = time.perf_counter()
        nodes = self.top.retrieve(case.question)
        ms = (time.perf_counter() - t0) * 1000
        units = self._units(nodes)
        ranked = [(s, a, b) for s, a, b, _ in self._units(self.top10.retrieve(case.question))]
        return CaseResult(case, plain_answer(units, self.docs, case.question, ms), ranked, ms)


def make_baselines(assistant) -> list:
    """The three baselines, created lazily (nothing is built until ``warm_up``)."""
    return [
        ChunkBaseline(assistant, "bm25"),
        ChunkBaseline(assistant, "dense"),
        LlamaIndexBaseline(assistant.docs, assistant.embedder),
    ]
