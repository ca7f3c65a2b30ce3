"""A generated answer, start to end: prompt the generator, stream its tokens, check the reply, compose.

It starts from the extractive answer (``pipeline.extract``): nothing is generated
when that abstains or shows "Sources differ", and any failure of the generator
(down, hanging, refusing, a missing local model) falls back to it with a notice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np

from ..config import Settings
from ..errors import AssistantError, GeneratorError
from ..pipeline import Engine, ExtractivePass
from ..ports import Generator
from ..types import Answer
from .compose import check_reply, choose_evidence, generated_answer, join_notes, model_judge, timing
from .prompt import messages

NO_GENERATOR = "No generator is configured: set ASSISTANT_LLM_URL (see the README)."


def _fallback(ans: Answer, note: str, t0: float | None = None) -> Answer:
    latency = {} if t0 is None else {"latency_ms": (time.perf_counter() - t0) * 1000}
    return replace(ans, notice=join_notes(ans.notice, note), **latency)


def stream(
    ans: Answer, ex: ExtractivePass, get_generator: Callable[[], Generator | None], engine: Engine, settings: Settings
) -> Iterator[tuple]:
    """Events ("token", str) while the reply is written, then ("final", Answer); the generator is made on first use."""
    if ans.abstained or ans.conflict:
        why = "the sources do not answer it" if ans.abstained else "the sources disagree, so each one's own words are shown"
        yield "final", _fallback(ans, f"No answer was generated: {why}.")
        return
    s = settings
    try:
        generator = get_generator()
        if generator is None:
            raise GeneratorError(NO_GENERATOR)
        evidence = choose_evidence(ex.picked, ex.scored, s.llm_evidence, s.summary_rel)
        msgs = messages(ex.plan.question, [e.sentence for e in evidence], ex.docs, ex.plan.history)
        stats: dict = {}
        t1, first, pieces = time.perf_counter(), None, []
        for piece in generator.stream(msgs, s.llm_max_tokens, stats):
            first = first or time.perf_counter()
            pieces.append(piece)
            yield "token", piece
        t2 = time.perf_counter()
        checked = check_reply(
            "".join(pieces),
            evidence,
            ex.docs,
            _embed(engine),
            engine.sentence_vectors([e.sentence for e in evidence]),
            min_lexical=s.support_min_lexical,
            min_cosine=s.support_min_cosine,
            policy=s.unsupported,
            model_judge=model_judge(generator) if s.llm_judge else None,
        )
    except AssistantError as e:  # the endpoint is down, hangs or refuses; the local model is missing
        yield "final", _fallback(ans, f"{e} Showing the sources' own sentences instead.", ex.t0)
        return
    yield "final", generated_answer(ans, checked, timing(stats, t1, first, t2, len(pieces), generator.name), ex.t0)


def _embed(engine: Engine) -> Callable[[list[str]], np.ndarray]:
    return lambda texts: np.asarray(engine.embedder.embed(texts), dtype=np.float32)
