"""Conversation: resolve follow-up questions against the history.

A follow-up ("What did Israel say to that?", "When was this?") carries too
little to retrieve on.  When a question leans on the history (a pronoun or
deictic word, an elliptical opener, a definite noun the previous questions
introduced -- "the plan" after "What is in the plan?" --, or very few content
words), the previous user questions are added to the retrieval query; the
current question's own terms still weigh double in sentence scoring (see
``scoring.query_terms``).  The English words involved live in ``lang``.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import lang
from .config import MAX_HISTORY_CHARS, MAX_HISTORY_TURNS
from .errors import BadQuestionError
from .text import tokenize


def clean_text(text: str) -> str:
    """Text any encoder accepts: a lone surrogate (a Python str or a JSON escape can hold one) becomes '?'."""
    return text.encode("utf-8", "replace").decode("utf-8")


def truncate_words(text: str, limit: int) -> str:
    """The first ``limit`` characters of ``text``, cut back to a word boundary (never half a word)."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    cut = max(head.rfind(" "), head.rfind("\n"))
    return text[:cut].rstrip() if cut > 0 else text[:limit]


def validate_history(history, max_turns: int = MAX_HISTORY_TURNS, max_chars: int = MAX_HISTORY_CHARS) -> list[dict]:
    """The history as clean role/content turns; BadQuestionError when it is malformed or over a limit.

    The limits are checked before any text is copied, so an oversized history costs nothing."""
    if history is None:
        return []
    if not isinstance(history, Sequence) or isinstance(history, str):
        raise BadQuestionError("history must be a list of {'role': 'user'|'assistant', 'content': str}")
    if len(history) > max_turns:
        raise BadQuestionError(
            f"The history has {len(history):,} turns; at most {max_turns:,} are accepted: send only the recent turns."
        )
    size = sum(len(t["content"]) for t in history if isinstance(t, dict) and isinstance(t.get("content"), str))
    if size > max_chars:
        raise BadQuestionError(
            f"The history is {size:,} characters long; at most {max_chars:,} are accepted: send only the recent turns."
        )
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


def recent(history: list[dict], max_turns: int = MAX_HISTORY_TURNS, max_chars: int = MAX_HISTORY_CHARS) -> list[dict]:
    """The latest turns of a long conversation that fit the history limits (what the UI sends)."""
    out: list[dict] = []
    size = 0
    for turn in reversed(history[-max_turns:]):
        size += len(turn["content"])
        if size > max_chars:
            break
        out.append(turn)
    return out[::-1]


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
