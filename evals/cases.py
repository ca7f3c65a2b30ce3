"""Eval cases: a JSONL file of questions with gold evidence quoted from the corpus.

A case names its gold evidence by quote; quotes are located in the source text
once, here, so every metric works on exact ``[start, end)`` spans.  Each gold
quote is also widened to the sentence(s) holding it (the "passage" the strict
evidence rule compares citations with) and kept as text (the "claim" ALCE
citation support is judged against).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.chunking import split_sentences
from assistant.config import ROOT
from assistant.errors import AssistantError
from assistant.types import Document

from .metrics import GoldSpan

DEFAULT_CASES = ROOT / "evals" / "cases" / "ceasefire.jsonl"


@dataclass(frozen=True)
class Case:
    id: str
    type: str
    split: str
    question: str
    history: list = field(default_factory=list, hash=False)
    answerable: bool = True
    gold: tuple[GoldSpan, ...] = ()  # the gold quotes' spans
    keywords: tuple[str, ...] = ()
    figures: tuple[tuple[str, str], ...] = ()
    passages: tuple[GoldSpan, ...] = ()  # each gold quote widened to the sentence(s) holding it
    claims: tuple[str, ...] = ()  # each gold quote's text: the statements citations must support


def sentence_passage(g: GoldSpan, sentences: Sequence[tuple[int, int]]) -> GoldSpan:
    """Widen a gold quote to the whole sentence(s) it lies in (itself when none overlaps)."""
    hit = [(a, b) for a, b in sentences if a < g.end and g.start < b]
    if not hit:
        return g
    return GoldSpan(g.source, min(g.start, hit[0][0]), max(g.end, hit[-1][1]))


def _gold(d: dict, docs: dict[str, Document], where: str) -> tuple[list[GoldSpan], list[str]]:
    gold, claims = [], []
    for g in d.get("gold", []):
        doc = docs.get(g["source"])
        if doc is None:
            raise AssistantError(f"{where}: case {d['id']}: source {g['source']!r} is not in the index")
        i = doc.text.find(g["quote"])
        if i < 0:
            raise AssistantError(f"{where}: case {d['id']}: gold quote not found verbatim in {g['source']}")
        gold.append(GoldSpan(g["source"], i, i + len(g["quote"])))
        claims.append(g["quote"])
    return gold, claims


def load_cases(path: Path, docs: dict[str, Document]) -> list[Case]:
    """Read a JSONL cases file; every gold quote must be found verbatim in its source."""
    sentences: dict[str, list[tuple[int, int]]] = {}
    cases = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        d = json.loads(line)
        gold, claims = _gold(d, docs, f"{path}:{n}")
        for g in gold:
            if g.source not in sentences:
                sentences[g.source] = [(s.start, s.end) for s in split_sentences(docs[g.source])]
        cases.append(
            Case(
                d["id"], d["type"], d.get("split", "test"), d["question"], d.get("history", []), d.get("answerable", True),
                tuple(gold), tuple(d.get("keywords", [])), tuple((f["source"], f["figure"]) for f in d.get("figures", [])),
                tuple(sentence_passage(g, sentences[g.source]) for g in gold), tuple(claims),
            )
        )  # fmt: skip
    return cases
