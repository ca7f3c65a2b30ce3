"""Step 1 of a generated answer: the prompt, over numbered evidence sentences.

The model never quotes: it is shown numbered evidence *sentences* (each with its
source label and date) and cites them by number, ``[2]`` or ``[1][3]``.  Each
number maps to one sentence's exact span, so no citation is ever fuzzy-matched.
The wording of the instructions lives in the language module.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import lang
from ..text import human_date
from ..types import Document, Sentence


def evidence_source(sentence: Sentence, doc: Document | None) -> str:
    """ "Publisher or title, date" of one evidence sentence, as the model is shown it."""
    label = doc.label if doc is not None else sentence.source
    when = human_date(doc.date) if doc is not None else "undated"
    return label if when == "undated" else f"{label}, {when}"


def evidence_line(n: int, sentence: Sentence, doc: Document | None) -> str:
    """``[n] (Publisher or title, date) sentence`` - what the model sees of one evidence sentence."""
    return f"[{n}] ({evidence_source(sentence, doc)}) {' '.join(sentence.text.split())}"


def messages(question: str, evidence: Sequence[Sentence], docs: dict[str, Document], history: Sequence[dict] = ()) -> list[dict]:
    """The chat request: instructions, then the evidence and the question (earlier questions as context)."""
    L = lang.current
    lines = "\n".join(evidence_line(i, s, docs.get(s.source)) for i, s in enumerate(evidence, 1))
    earlier = [h["content"] for h in history if h.get("role") == "user"][-2:]
    context = "".join(L.EARLIER_QUESTION.format(question=q) + "\n" for q in earlier)
    user = f"{L.EVIDENCE_HEADING}\n{lines}\n\n{context}{L.QUESTION.format(question=question)}"
    return [{"role": "system", "content": L.ANSWER_SYSTEM}, {"role": "user", "content": user}]
