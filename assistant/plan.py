"""The question's plan: checked once, read once, then handed to every step of the pipeline.

A plan holds what the steps need to know about the question: its cleaned text
(cut at a word boundary when too long, with a notice), the validated history,
the follow-up context (``chat.resolve``), its shape ("number", "why", ...) and
the phrase a "how many" question counts.  Retrieval, feature computation,
selection and composition all read the same plan, so the question is analysed
once, not once per step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import lang
from .chat import clean_text, resolve, truncate_words, validate_history
from .config import MAX_HISTORY_CHARS, MAX_HISTORY_TURNS
from .errors import BadQuestionError
from .retrieval import Filters
from .text import tokenize

GATHER_SHAPES = ("number", "summary", "why")  # questions whose answer is spread over sources: retrieve more


@dataclass(frozen=True)
class Plan:
    question: str
    context: str = ""  # earlier questions a follow-up leans on ('' when it stands alone)
    shape: str = "any"
    counted: frozenset[str] = frozenset()  # terms of the phrase a "how many" question counts
    years: frozenset[int] = frozenset()  # the years the question names ("the January 2025 ceasefire")
    history: tuple[dict, ...] = field(default=(), compare=False)
    notice: str = ""  # e.g. the question was cut to the length limit

    @property
    def query(self) -> str:
        """What retrieval searches for: the question, then the follow-up context."""
        return f"{self.question} {self.context}".strip()

    @property
    def unframed(self) -> str:
        """The question without its framing phrases ("take place", "play a role": ``lang.unframed``): what its
        words are matched as."""
        return lang.current.unframed(self.question)

    @property
    def keywords(self) -> str:
        """What keyword search looks for: the unframed question, then the follow-up context; the dense search
        reads the whole ``query``."""
        return f"{self.unframed} {self.context}".strip()

    @property
    def last_answer(self) -> str:
        """The assistant's last turn, for a follow-up ('' for a question that stands alone): what it quoted."""
        if not self.context:
            return ""
        return next((t["content"] for t in reversed(self.history) if t.get("role") == "assistant"), "")

    @property
    def asked(self) -> str:
        """What the user has said: the question and, for a follow-up, the earlier questions (not the answers, which
        quote the sources: "When was this?" after an answer that said "On June 11th" still asks for that date)."""
        if not self.context:
            return self.question
        earlier = [t["content"] for t in self.history if t.get("role") == "user"][-2:]
        return " ".join([self.question, *earlier])

    @property
    def gather(self) -> bool:
        return self.shape in GATHER_SHAPES

    @classmethod
    def of(cls, question: str, history: list[dict] | tuple = (), notice: str = "") -> Plan:
        """The plan of an already checked question."""
        hist = tuple(history)
        counted = frozenset(tokenize(lang.current.counted_phrase(question)))
        years = frozenset(int(m.group(0)) for m in lang.current.YEAR_RE.finditer(question))
        shape = lang.current.question_shape(question)
        return cls(question, resolve(question, hist), shape, counted, years, hist, notice)


def check_question(question, limit: int) -> tuple[str, str]:
    """(the question, a notice): whitespace folded, at most ``limit`` characters, cut at a word boundary."""
    if not isinstance(question, str):
        raise BadQuestionError("the question must be text")
    q = " ".join(clean_text(question).split())
    if not q:
        raise BadQuestionError("The question is empty: type a question about the sources.")
    if len(q) <= limit:
        return q, ""
    cut = truncate_words(q, limit)  # at a word boundary: a cut word would read as a name no source mentions
    note = f"only its first {len(cut):,} were used (the limit is {limit:,}, cut at a word boundary)"
    return cut, f"Your question was {len(q):,} characters long; {note}."


def make_plan(
    question, history, max_chars: int, max_turns: int = MAX_HISTORY_TURNS, max_history_chars: int = MAX_HISTORY_CHARS
) -> Plan:
    """Check the question and the history (their size before any work), then read the question once."""
    q, notice = check_question(question, max_chars)
    return Plan.of(q, validate_history(history, max_turns, max_history_chars), notice)


def check_filters(filters, docs: dict) -> Filters | None:
    """``filters`` when every source it names is indexed; a clear error naming the unknown ones otherwise."""
    if filters is None:
        return None
    if not isinstance(filters, Filters):
        raise BadQuestionError("filters must be a Filters(sources=..., date_from=..., date_to=...)")
    unknown = [x for x in filters.sources if x not in docs]
    if unknown:
        known = ", ".join(sorted(docs)[:10]) + (" ..." if len(docs) > 10 else "")
        raise BadQuestionError(f"unknown source(s) {', '.join(map(repr, unknown))}; the index has: {known}")
    return filters
