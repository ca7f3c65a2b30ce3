"""Step 4 of a generated answer: choose the evidence, check the reply sentence by sentence, compose the answer.

Pure: the embedder and the optional model judge come in as functions.  The
evidence is the extractive answer's sentences first, then the next best scored
ones; each generated sentence keeps only the citations that name a given
sentence, is checked against exactly those (``verify``), and is then shown,
shown flagged, or dropped (``unsupported`` = "flag" or "drop").  Citation
numbers are given in order of first use among the sentences shown, and each is
the cited sentence's exact span of the document.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..evidence import Scored, asks
from ..readers.ocr_words import span_confidence
from ..types import FLAG, Answer, Citation, Document, GeneratedSentence, Segment, render_text
from .parse import parse
from .verify import Verdict, fast_verdict, judge_messages, read_yes_no

__all__ = ["FLAG", "NO_ANSWER_NOTE", "Checked", "check_reply", "choose_evidence", "generated_answer"]
NO_ANSWER_NOTE = "The model judged that the evidence does not answer the question, so the sources' own sentences are shown."


@dataclass(frozen=True)
class Checked:
    """A reply after checking: every sentence with its verdict, and what the answer shows."""

    sentences: tuple[GeneratedSentence, ...]
    citations: list[Citation]
    segments: tuple[Segment, ...]
    invalid_markers: int
    no_answer: bool

    @property
    def text(self) -> str:
        return render_text(self.segments)

    @property
    def unsupported(self) -> tuple[GeneratedSentence, ...]:
        return tuple(s for s in self.sentences if not s.supported)

    @property
    def supported_shown(self) -> int:
        return sum(1 for s in self.sentences if s.shown and s.supported)


def choose_evidence(picked: Sequence[Scored], scored: Sequence[Scored], limit: int, rel: float) -> list[Scored]:
    """The extractive answer's sentences, then the best other candidates above ``rel`` x the best, ``limit`` in all.

    The extractive answer's own sentences stay even when they ask a question (``select`` chose
    them because nothing else answers); the other candidates follow its rule (``selection.asks``)."""
    best = scored[0].score if scored else 0.0
    out: list[Scored] = []
    seen: set[tuple[str, int]] = set()
    fill = [x for x in scored if x.score >= rel * best and not asks(x.sentence)]
    for s in [*picked, *fill]:
        key = (s.sentence.source, s.sentence.start)
        if key in seen:
            continue
        seen.add(key)
        out.append(s)
        if len(out) >= limit:
            break
    return out


def _citation(n: int, s: Scored, doc: Document) -> Citation:
    a, b = s.sentence.start, s.sentence.end
    meta = (doc.title, doc.publisher, doc.author, doc.date)
    return Citation(
        n, doc.source, a, b, doc.text[a:b], *meta, s.score, doc.page_at(a), doc.section_at(a), span_confidence(doc, a, b)
    )


def check_reply(
    reply: str,
    evidence: Sequence[Scored],
    docs: dict[str, Document],
    embed: Callable[[list[str]], np.ndarray],
    evidence_vecs: np.ndarray,
    *,
    min_lexical: float,
    min_cosine: float,
    policy: str = "drop",
    model_judge: Callable[[str, list[str]], bool | None] | None = None,
) -> Checked:
    """Parse ``reply``, judge each sentence against the evidence it cites, and compose what is shown."""
    parsed = parse(reply, len(evidence))
    claims = parsed.claims
    vecs = embed([c.text for c in claims]) if claims else np.zeros((0, 0))
    numbers: dict[int, int] = {}  # evidence number -> answer citation number
    citations: list[Citation] = []
    sentences, parts = [], []
    for claim, vec in zip(claims, vecs, strict=True):
        sents = [evidence[n - 1].sentence for n in claim.cites]
        cited = [x.text for x in sents]
        cos = float(max(evidence_vecs[n - 1] @ vec for n in claim.cites)) if claim.cites else 0.0
        verdict = fast_verdict(claim.text, cited, cos, min_lexical, min_cosine)
        if verdict.supported and model_judge is not None and model_judge(claim.text, cited) is False:
            verdict = Verdict(False, "the model judge found it unsupported by the cited sentences", verdict.lexical, cos)
        if not (verdict.supported or policy == "flag"):
            sentences.append(GeneratedSentence(claim.text, (), False, verdict.reason, shown=False))
            continue
        for n in claim.cites:
            if n not in numbers:
                numbers[n] = len(citations) + 1
                citations.append(_citation(numbers[n], evidence[n - 1], docs[evidence[n - 1].sentence.source]))
        marks = tuple(numbers[n] for n in claim.cites)
        sentences.append(GeneratedSentence(claim.text, marks, verdict.supported, verdict.reason))
        parts += [Segment("sep", " ")] if parts else []
        parts.append(Segment("generated", claim.text, marks, verdict.supported, verdict.reason))
    return Checked(tuple(sentences), citations, tuple(parts), parsed.invalid_markers, parsed.no_answer)


def join_notes(*notes: str) -> str:
    return " ".join(n for n in notes if n)


def timing(stats: dict, t1: float, first: float | None, t2: float, pieces: int, name: str) -> dict:
    tokens = int(stats.get("completion_tokens") or pieces)
    gen_s = t2 - (first or t2)
    return {
        "model": name,
        "ttft_ms": round(((first or t2) - t1) * 1000, 1),
        "generate_ms": round((t2 - t1) * 1000, 1),
        "prompt_tokens": int(stats.get("prompt_tokens") or 0),
        "completion_tokens": tokens,
        "tokens_per_s": round((tokens - 1) / gen_s, 2) if tokens > 1 and gen_s > 0 else None,
    }


def model_judge(gen):
    def judge(claim: str, cited: list[str]) -> bool | None:
        return read_yes_no("".join(gen.stream(judge_messages(claim, cited), 3)))

    return judge


def generated_answer(ans: Answer, checked, timing: dict, t0: float) -> Answer:
    """The checked reply as the answer; the extractive one (with a notice) when nothing supported is left."""
    latency = (time.perf_counter() - t0) * 1000
    extra = {"sentences": checked.sentences, "unsupported": checked.unsupported, "invalid_markers": checked.invalid_markers}
    if checked.no_answer:  # the scorer found evidence, the model did not: its verifiable sentences stand
        return replace(ans, notice=join_notes(ans.notice, NO_ANSWER_NOTE), generation=timing, latency_ms=latency, **extra)
    if checked.supported_shown == 0:
        note = "No generated sentence was supported by the sentences it cites, so the sources' own sentences are shown."
        return replace(ans, notice=join_notes(ans.notice, note), generation=timing, latency_ms=latency, **extra)
    return replace(
        ans,
        text=checked.text,
        segments=checked.segments,
        citations=checked.citations,
        mode="generated",
        generation=timing,
        latency_ms=latency,
        **extra,
    )
