"""Step 2 of a generated answer: the reply's sentences and the evidence numbers each cites.

A marker that opens a sentence belongs to the one before it ("… deal. [2] Then …"),
and a marker naming no given evidence sentence is removed and counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import lang
from ..chunking import split_text

MARKER_RE = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
_LEAD_MARKERS_RE = re.compile(r"^(\s*" + MARKER_RE.pattern + r")+")


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


def _numbers(group: str) -> list[int]:
    return [int(x) for x in re.split(r"[,;]", group) if x.strip()]


def parse(reply: str, n_evidence: int) -> Parsed:
    """The reply's sentences with the evidence numbers each cites; markers outside ``1..n_evidence`` are dropped."""
    text = reply.strip()
    if lang.current.NO_ANSWER_REPLY_RE.match(text):
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
    if len(out) == 1 and lang.current.NO_ANSWER_REPLY_RE.match(out[0].text):
        return Parsed((), invalid, no_answer=True)
    return Parsed(tuple(out), invalid)
