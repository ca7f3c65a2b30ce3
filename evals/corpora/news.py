"""The existing news corpus (``corpus/`` + ``evals/cases/ceasefire.jsonl``) and its holdout variant.

The main variant is used as it is, files and cases untouched.  The holdout
variant deletes, at once, the gold sentence(s) of about a fifth of the
single-source cases without history, and keeps those questions as near-misses.

Trade-off: the news corpus is five articles on one story, so a deleted fact
may still be stated by another article; a near-miss here is "the cited
sentence is gone", and an answer from another article is then not necessarily
wrong.  The other corpora (FAQ answers, Nave verses, hand-written speech
questions) repeat themselves far less.
"""

from __future__ import annotations

import json
from pathlib import Path

from assistant.chunking import split_sentences
from assistant.config import ROOT
from assistant.corpus import load_corpus
from evals.cases import sentence_passage
from evals.metrics import GoldSpan

from .common import CorpusDraft, DraftCase, DraftDoc, Passage

CORPUS = ROOT / "corpus"
CASES = ROOT / "evals" / "cases" / "ceasefire.jsonl"
LICENCE = "news articles: quoted for research evaluation; copyright their publishers (see corpus/sources.toml)"


def news_draft(corpus: Path = CORPUS, cases: Path = CASES) -> CorpusDraft:
    """The news corpus with its single-source, no-history cases; each gold widened to its sentence(s)."""
    loaded, errors = load_corpus(Path(corpus))
    if errors:
        raise ValueError(f"news corpus: unreadable files {[e.source for e in errors]}")
    docs = {d.source: d for d in loaded}
    sentences = {s: [(x.start, x.end) for x in split_sentences(d)] for s, d in docs.items()}
    out = []
    for line in Path(cases).read_text(encoding="utf-8").splitlines():
        row = json.loads(line) if line.strip() else None
        if not row or row["type"] != "single" or row.get("history") or not row.get("answerable", True):
            continue
        gold = []
        for g in row["gold"]:
            i = docs[g["source"]].text.find(g["quote"])
            if i < 0:
                raise ValueError(f"news case {row['id']}: gold quote not found in {g['source']}")
            p = sentence_passage(GoldSpan(g["source"], i, i + len(g["quote"])), sentences[g["source"]])
            gold.append(Passage(p.source, p.start, p.end))
        out.append(DraftCase(row["id"], row["type"], row["question"], tuple(gold)))
    drafts = tuple(DraftDoc(d.source, d.text, d.title, d.date, d.publisher, d.author) for d in loaded)
    return CorpusDraft("news", drafts, tuple(out), LICENCE)
