"""Conversation: resolve follow-up questions against the history.

A follow-up ("What did Israel say to that?", "When was this?") carries too
little to retrieve on.  When a question leans on the history (a pronoun or
deictic word, an elliptical opener, a definite noun the previous questions
introduced -- "the plan" after "What is in the plan?" --, or very few content
words), the previous user questions are added to the retrieval query; the
current question's own terms still weigh double in sentence scoring (see
``answer.query_terms``).  The English words involved live in ``lang_en``.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import lang
from .text import tokenize
from .types import BadQuestionError


def clean_text(text: str) -> str:
    """Text any encoder accepts: a lone surrogate (a Python str or a JSON escape can hold one) becomes '?'."""
    return text.encode("utf-8", "replace").decode("utf-8")


def validate_history(history) -> list[dict]:
    if history is None:
        return []
    if not isinstance(history, Sequence) or isinstance(history, str):
        raise BadQuestionError("history must be a list of {'role': 'user'|'assistant', 'content': str}")
    out = []
    for turn in history:
        if (
            not isinstance(turn, dict)
            or turn.get("role") not in ("user", "assistant")
            or not isinstance(turn.get("content"), str)
        ):
            raise BadQuestionError("each history turn must be {'role': 'user'|'assistant', 'content': str}")
        out.append({"role": turn["role"], "content": clean_text(turn["content"])})
    return out


def is_followup(question: str, history: Sequence[dict]) -> bool:
    if not any(t["role"] == "user" for t in history):
        return False
    if lang.current.DEICTIC_RE.search(question) or lang.current.ELLIPTIC_RE.match(question) or len(tokenize(question)) <= 2:
        return True
    earlier = {t for turn in history if turn["role"] == "user" for t in tokenize(turn["content"])}
    return any(set(tokenize(noun)) & earlier for noun in lang.current.DEFINITE_RE.findall(question))


def resolve(question: str, history: Sequence[dict], turns: int = 2) -> str:
    """The context to add to a follow-up's retrieval query ('' when it stands alone)."""
    if not is_followup(question, history):
        return ""
    previous = [t["content"] for t in history if t["role"] == "user"][-turns:]
    last_answer = next((t["content"] for t in reversed(history) if t["role"] == "assistant"), "")
    # the answer names who and what the pronouns point to; its opening is enough
    return " ".join([*previous, last_answer[:300]]).strip()
