"""Generated answers, the pure part: the prompt over numbered evidence sentences, and parsing the reply.

The model never quotes: it is shown numbered evidence *sentences* (each with its
source, title and date) and cites them by number, ``[2]`` or ``[1][3]``.  Parsing
splits the reply into sentences, gives each the evidence numbers it cites (a
marker that opens a sentence belongs to the one before it, "… deal. [2] Then …"),
and removes markers that name no given sentence, counting them.  Each number maps
to one evidence sentence's exact span, so no citation is ever fuzzy-matched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .chunking import split_text
from .text import human_date
from .types import Document, Sentence

MARKER_RE = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
_LEAD_MARKERS_RE = re.compile(r"^(\s*" + MARKER_RE.pattern + r")+")
# The reply that means "the evidence does not answer"; matched loosely (case, punctuation).
NO_ANSWER = "NOT IN SOURCES"
_NO_ANSWER_RE = re.compile(r"^\W*not\s+in\s+(the\s+)?sources\W*$", re.IGNORECASE)

SYSTEM = f"""You answer questions using only the numbered evidence sentences you are given.
Rules:
1. Write one to three short sentences in your own words.
2. End every sentence with the numbers of the evidence sentences it comes from, in square brackets, like [2] or [1][3]. \
Never write a sentence without a number.
3. Use only facts, names and numbers that are in the evidence. Do not talk about the evidence itself.
4. When sources give different figures, say which source gives which.
5. Only if no evidence sentence is about the question, reply exactly: {NO_ANSWER}

Example.
Evidence:
[1] (Daily News, 3 May 2021) The bridge reopened on Monday after two years of repairs.
[2] (City Herald, 4 May 2021) Repairs to the bridge cost 12 million dollars, the council said.
Question: When did the bridge reopen, and what did the repairs cost?
Answer: The bridge reopened on Monday after two years of repairs [1]. The council said the repairs cost 12 million dollars [2]."""


@dataclass(frozen=True)
class Claim:
    """One sentence of the model's reply: its text without markers and the evidence numbers it cites (1-based)."""

    text: str
    cites: tuple[int, ...]


@dataclass(frozen=True)
class Parsed:
    claims: tuple[Claim, ...]
    invalid_markers: int  # markers naming no given evidence sentence (removed)
    no_answer: bool = False  # the model said the evidence does not answer


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
    lines = "\n".join(evidence_line(i, s, docs.get(s.source)) for i, s in enumerate(evidence, 1))
    earlier = [h["content"] for h in history if h.get("role") == "user"][-2:]
    context = "".join(f"Earlier question: {q}\n" for q in earlier)
    user = f"Evidence:\n{lines}\n\n{context}Question: {question}"
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def _numbers(group: str) -> list[int]:
    return [int(x) for x in re.split(r"[,;]", group) if x.strip()]


def parse(reply: str, n_evidence: int) -> Parsed:
    """The reply's sentences with the evidence numbers each cites; markers outside ``1..n_evidence`` are dropped."""
    text = reply.strip()
    if _NO_ANSWER_RE.match(text):
        return Parsed((), 0, no_answer=True)
    claims: list[tuple[str, list[int]]] = []
    invalid = 0
    for a, b in split_text(text):
        piece = text[a:b]
        lead = _LEAD_MARKERS_RE.match(piece)
        if lead and claims:  # "… deal. [2] Then …": the opening markers close the previous sentence
            claims[-1][1].extend(n for m in MARKER_RE.finditer(lead.group(0)) for n in _numbers(m.group(1)))
            piece = piece[lead.end() :]
        cites = [n for m in MARKER_RE.finditer(piece) for n in _numbers(m.group(1))]
        body = " ".join(MARKER_RE.sub(" ", piece).split())
        body = re.sub(r"\s+([.,;:!?])", r"\1", body)
        if re.search(r"\w", body):
            claims.append((body, cites))
        elif claims:
            claims[-1][1].extend(cites)
    out = []
    for body, cites in claims:
        valid = tuple(dict.fromkeys(n for n in cites if 1 <= n <= n_evidence))
        invalid += sum(1 for n in cites if not 1 <= n <= n_evidence)
        out.append(Claim(body, valid))
    if len(out) == 1 and _NO_ANSWER_RE.match(out[0].text):
        return Parsed((), invalid, no_answer=True)
    return Parsed(tuple(out), invalid)
