"""Nave's Topical Bible -> KJV: a topic heading as the question, the verses Nave cites as gold.

Reuses ``assistant.benchdata`` (``apt-get download bible-kjv bible-kjv-text
sword-dict-naves``, the packaged ``bible`` program for the text, the SWORD
lexicon reader for Nave).  A few books only keep the index small for a 2-core
machine (about 0.8 M characters, one document per chapter, one verse a line);
the cases are Nave sub-headings ("Drusilla: Wife of Felix") whose cited verses
*all* lie in those books, so the gold is complete, and number 1-6, so the
question is specific.  About 150 are drawn by a hash of the query id.

Trade-off: Nave's headings are terse topic labels, not questions; that is the
point of this genre (topic retrieval over archaic text with little word
overlap).  A verse whose text occurs earlier in its chapter cannot be located
by quote, so a query citing one is skipped.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from evals.scale import data as benchdata

from .common import CorpusDraft, DraftCase, DraftDoc, Passage

BOOKS = ("Gen", "Ruth", "1Sam", "Esth", "Jonah", "Prov", "Matt", "John", "Acts")
BOOK_NAMES = {
    "Gen": "Genesis", "Ruth": "Ruth", "1Sam": "1 Samuel", "Esth": "Esther", "Jonah": "Jonah",
    "Prov": "Proverbs", "Matt": "Matthew", "John": "John", "Acts": "Acts",
}  # fmt: skip
MAX_VERSES = 6
N_CASES = 150
LICENCE = "KJV text (bible-kjv-text): public domain outside the UK; Nave's Topical Bible (sword-dict-naves): public domain"

OUT_OF_SCOPE = (
    "How do I configure a proxy for apt?",
    "What is the half-life of carbon-14?",
    "Who was the first president of the United States?",
    "How do I undo a git commit?",
    "What is the GDP of Japan?",
    "When did the Berlin Wall fall?",
    "How does a jet engine work?",
    "What is the speed of light in a vacuum?",
    "Who discovered penicillin?",
    "How do I compile a Linux kernel?",
)
# The same kind of subject, asked the way this genre asks: a Nave topic, not a question (since 2026-12-05, when
# topic queries got the summary's lower floor).
OUT_OF_SCOPE_TOPICS = (
    "Photosynthesis: Light reactions",
    "Apt: Proxy configuration",
    "Penicillin: Discovery of",
    "Carbon dating: Half-life of carbon-14",
    "Jet engine: Principle of",
    "Berlin Wall: Fall of",
    "Japan: Gross domestic product",
    "Linux kernel: Compiling",
    "Git: Undoing a commit",
    "Electricity: Alternating current",
)


def _doc_name(bench_name: str) -> tuple[str, str, str]:
    """``kjv/Gen/001.txt`` -> (``Gen-001.txt``, book, chapter)."""
    _, book, chap = bench_name.split("/")
    return f"{book}-{chap}", book, chap.removesuffix(".txt")


def _keep(qid: str) -> int:
    return int.from_bytes(hashlib.sha256(f"nave:{qid}".encode()).digest()[:8], "big")


def select_docs(data: benchdata.BenchData, books=BOOKS) -> tuple[list[DraftDoc], dict[str, str]]:
    """The chosen books' chapters as documents, and bench doc name -> our file name."""
    docs, names = [], {}
    for d in data.docs:
        if d.source != "kjv":
            continue
        name, book, chap = _doc_name(d.name)
        if book in books:
            names[d.name] = name
            docs.append(
                DraftDoc(
                    name,
                    d.text,
                    title=f"{BOOK_NAMES.get(book, book)} {int(chap)} (KJV)",
                    date="1611",
                    publisher="King James Version",
                )
            )
    return docs, names


def nave_cases(data: benchdata.BenchData, docs: list[DraftDoc], names: dict[str, str], n: int = N_CASES) -> list[DraftCase]:
    """Up to ``n`` Nave sub-headings whose 1..MAX_VERSES cited verses are all locatable in ``docs``."""
    text = {d.source: d.text for d in docs}
    out = []
    for q in sorted(data.queries, key=lambda q: _keep(q.qid)):
        if not 1 <= len(q.relevant) <= MAX_VERSES:
            continue
        gold = []
        for key in sorted(q.relevant):
            doc, start, end = data.verse_spans[key]
            name = names.get(doc)
            if name is None or text[name].find(text[name][start:end]) != start:
                break
            gold.append(Passage(name, start, end))
        else:
            out.append(DraftCase(q.qid, "topic", q.text, tuple(gold)))
            if len(out) >= n:
                break
    return sorted(out, key=lambda c: c.id)


def build_nave_kjv(cache: Path) -> CorpusDraft:
    data = benchdata.load(Path(cache), sources=("kjv",))
    docs, names = select_docs(data)
    cases = nave_cases(data, docs, names)
    oos = [DraftCase(f"nave-oos{i:02d}", "out_of_scope", q) for i, q in enumerate(OUT_OF_SCOPE + OUT_OF_SCOPE_TOPICS, 1)]
    return CorpusDraft("nave-kjv", tuple(docs), tuple(cases + oos), LICENCE)
