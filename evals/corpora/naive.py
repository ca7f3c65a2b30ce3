"""The naive baseline to beat: dense top-3 sentences with a fixed cosine threshold.

Every citable sentence of the indexed corpus (the project's own
``SentenceIndex``: ``split_sentences`` + ``is_citable``) is embedded once with
the project's embedder (MiniLM in real runs); a question is embedded, the 3
sentences with the highest cosine similarity are cited whole, and the system
abstains when the best cosine is below 0.45.  No BM25, no chunks, no
reranking, no query handling: the raw question, as the other baselines get it.

Trade-off: embedding every sentence costs more than embedding chunks (about
ten times as many texts, though shorter ones); vectors are cached in memory by
sentence text for the whole run, so a holdout variant of a corpus re-embeds
only what changed, and nothing is written to disk.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace

import numpy as np

from assistant.types import Answer
from evals.cases import Case
from evals.systems import CaseResult, citations_of

_VECTORS: dict[tuple[str, str], np.ndarray] = {}  # (embedder name, sentence text) -> unit vector, per process


def _embed_all(embedder, texts: list[str], batch: int = 256, progress: bool = True) -> np.ndarray:
    name = getattr(embedder, "name", type(embedder).__name__)
    todo = list(dict.fromkeys(t for t in texts if (name, t) not in _VECTORS))
    t0 = time.perf_counter()
    for i in range(0, len(todo), batch):
        part = todo[i : i + batch]
        for t, v in zip(part, embedder.embed(part), strict=True):
            v = np.asarray(v, dtype=np.float32)
            _VECTORS[(name, t)] = v / (np.linalg.norm(v) or 1.0)
        if progress and (i // batch) % 10 == 9:
            print(f"naive: embedded {i + len(part):,}/{len(todo):,} sentences", file=sys.stderr, flush=True)
    if progress and todo:
        print(f"naive: embedded {len(todo):,} sentences in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    return np.stack([_VECTORS[(name, t)] for t in texts])


class NaiveSentenceBaseline:
    """Top-``k`` sentences by cosine to the question; abstain when the best is below ``threshold``."""

    name = "naive_sentences"

    def __init__(self, assistant, k: int = 3, threshold: float = 0.45, progress: bool = True):
        if k < 1:
            raise ValueError("k must be >= 1")
        self.assistant, self.k, self.threshold, self.progress = assistant, k, threshold, progress
        self.sentences = None
        self.matrix = None

    def warm_up(self) -> None:
        if self.sentences is not None:
            return
        index = self.assistant.loaded().sentences
        self.sentences = [s for source in sorted(index.docs) for s in index.by_doc[source]]
        self.matrix = _embed_all(self.assistant.embedder, [s.text for s in self.sentences], progress=self.progress)

    def run(self, case: Case) -> CaseResult:
        self.warm_up()
        docs = self.assistant.docs
        t0 = time.perf_counter()
        q = np.asarray(self.assistant.embedder.embed([case.question])[0], dtype=np.float32)
        q /= np.linalg.norm(q) or 1.0
        scores = self.matrix @ q if self.sentences else np.zeros(0)
        order = np.argsort(-scores, kind="stable")[:10]
        ms = (time.perf_counter() - t0) * 1000
        top = [self.sentences[i] for i in order]
        ranked = [(s.source, s.start, s.end) for s in top]
        best = float(scores[order[0]]) if len(order) else -1.0
        if best < self.threshold:
            text = f"No answer in the sources (best sentence cosine {best:.2f} < {self.threshold:.2f})."
            return CaseResult(case, Answer(text, [], abstained=True, query=case.question, latency_ms=ms), ranked, ms)
        units = [(s.source, s.start, s.end, s.text) for s in top[: self.k]]
        cits = citations_of(units, docs)
        cits = [replace(c, score=float(scores[i])) for c, i in zip(cits, order, strict=False)]
        text = "\n\n".join(f"“{c.quote}” [{c.n}]" for c in cits)
        return CaseResult(case, Answer(text, cits, abstained=False, query=case.question, latency_ms=ms), ranked, ms)
