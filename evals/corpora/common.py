"""Shared pieces of the corpus builders: value types, reflowing, splits, holdouts and writing.

A builder turns a package's text into ``CorpusDraft``: documents (plain text),
each with the passages (exact ``[start, end)`` spans) that answer its cases.
Everything after that is generic and lives here: deterministic tune/test
splits, the "holdout" variant (a copy of the corpus with a chosen set of gold
passages deleted, so those questions become near-misses), and writing a
corpus folder (``.txt`` files + ``sources.toml``) with a cases JSONL in the
format ``assistant.evaluation.load_cases`` reads.

A document may carry its file's own bytes (``DraftDoc.data``: a PDF or a web
page), written as they are; its ``text`` is then what the project's reader
extracts, which gold spans refer to.

Trade-offs: gold is located by quote (``text.find``), as the existing loader
does, so a builder must not emit a gold quote whose first occurrence in its
document is elsewhere (``check_gold`` refuses it).  Deleting a passage also
deletes one line break after it, so the file keeps its paragraph structure
and no blank-line gap marks where the answer was.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from evals.metrics import GoldSpan as Passage  # a gold span of a draft document: doc.text[start:end] is the quote


@dataclass(frozen=True)
class DraftDoc:
    source: str  # file name inside the corpus folder
    text: str
    title: str = ""
    date: str = ""
    publisher: str = ""
    author: str = ""
    data: bytes | None = field(default=None, compare=False, repr=False)  # a PDF's or web page's own bytes, copied as they are


@dataclass(frozen=True)
class DraftCase:
    id: str
    type: str  # "faq" | "topic" | "single" | "out_of_scope" | "near_miss" ...
    question: str
    gold: tuple[Passage, ...] = ()
    keywords: tuple[str, ...] = ()

    @property
    def answerable(self) -> bool:
        return bool(self.gold)


@dataclass(frozen=True)
class CorpusDraft:
    name: str
    docs: tuple[DraftDoc, ...]
    cases: tuple[DraftCase, ...]
    licence: str = ""
    notes: dict = field(default_factory=dict, compare=False, hash=False)


def reflow(block: str) -> str:
    """One paragraph on one line: the project splits sentences within a line only."""
    return " ".join(block.replace("\u00a0", " ").split())


def split_of(case_id: str) -> str:
    """Deterministic tune/test half from a sha256 of the id (never Python's salted hash)."""
    return "tune" if hashlib.sha256(case_id.encode()).digest()[0] % 2 == 0 else "test"


def picked(case_id: str, share: float) -> bool:
    """Deterministic selection of about ``share`` of ids (for the holdout set)."""
    h = int.from_bytes(hashlib.sha256(f"holdout:{case_id}".encode()).digest()[:4], "big")
    return h < share * 2**32


def join_paragraphs(paras: Sequence[str], sep: str = "\n\n") -> tuple[str, list[tuple[int, int]]]:
    """Join paragraphs; return the text and each paragraph's span."""
    spans, pos, parts = [], 0, []
    for p in paras:
        if parts:
            parts.append(sep)
            pos += len(sep)
        spans.append((pos, pos + len(p)))
        parts.append(p)
        pos += len(p)
    return "".join(parts) + "\n", spans


def check_gold(docs: Iterable[DraftDoc], cases: Iterable[DraftCase]) -> None:
    """Every gold quote is an exact substring whose first occurrence is the gold span itself."""
    by = {d.source: d.text for d in docs}
    for c in cases:
        for g in c.gold:
            text = by.get(g.source)
            if text is None:
                raise ValueError(f"case {c.id}: no document {g.source!r}")
            quote = text[g.start : g.end]
            if not quote.strip() or text.find(quote) != g.start:
                raise ValueError(f"case {c.id}: gold quote is empty or first found elsewhere in {g.source}")


def delete_spans(text: str, spans: Iterable[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """Delete spans (each with one following newline); return the text and the removed ranges, sorted, merged."""
    ranges = []
    for a, b in sorted(spans):
        if b < len(text) and text[b] == "\n":
            b += 1
        if ranges and a <= ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], b))
        else:
            ranges.append((a, b))
    out, pos = [], 0
    for a, b in ranges:
        out.append(text[pos:a])
        pos = b
    out.append(text[pos:])
    return "".join(out), ranges


def shift(offset: int, removed: Sequence[tuple[int, int]]) -> int:
    """Where ``offset`` of the original text lands after ``removed`` ranges are deleted."""
    gone = 0
    for a, b in removed:
        if offset >= b:
            gone += b - a
        elif offset > a:
            return a - gone
    return offset - gone


def holdout(draft: CorpusDraft, share: float = 0.2) -> CorpusDraft:
    """The near-miss variant: the gold passages of ~``share`` of the answerable cases deleted at once.

    Those cases become unanswerable ``near_miss`` cases.  Other answerable cases whose gold
    survives whole are dropped from the variant (the main corpus scores them); a case whose
    gold was partly deleted along the way is dropped too.
    """
    chosen = [c for c in draft.cases if c.answerable and picked(c.id, share)]
    cut: dict[str, list[tuple[int, int]]] = {}
    for c in chosen:
        for g in c.gold:
            cut.setdefault(g.source, []).append((g.start, g.end))
    docs = []
    for d in draft.docs:
        if d.source not in cut:
            docs.append(d)
            continue
        text, _ = delete_spans(d.text, cut[d.source])
        if text.strip() and d.data is not None:  # a PDF or web page cannot lose a passage in place: its text as .txt
            docs.append(replace(d, source=f"{Path(d.source).stem}.txt", text=text, data=None))
        elif text.strip():
            docs.append(replace(d, text=text))
    cases = tuple(DraftCase(f"{c.id}-nm", "near_miss", c.question, (), ()) for c in chosen)
    return CorpusDraft(f"{draft.name}-holdout", tuple(docs), cases, draft.licence, {"held_out": [c.id for c in chosen]})


_SAFE = re.compile(r"[^a-z0-9]+")


def slug(text: str, n: int = 40) -> str:
    return _SAFE.sub("-", text.lower()).strip("-")[:n].strip("-") or "x"


def _toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def case_row(c: DraftCase, docs: dict[str, DraftDoc]) -> dict:
    return {
        "id": c.id,
        "type": c.type,
        "split": split_of(c.id),
        "question": c.question,
        "history": [],
        "answerable": c.answerable,
        "gold": [{"source": g.source, "quote": docs[g.source].text[g.start : g.end]} for g in c.gold],
        "keywords": list(c.keywords),
        "figures": [],
    }


def write_corpus(draft: CorpusDraft, out: Path) -> tuple[Path, Path]:
    """Write ``out/<name>/`` (texts + sources.toml) and ``out/<name>.jsonl``; return both paths."""
    check_gold(draft.docs, draft.cases)
    folder = Path(out) / draft.name
    folder.mkdir(parents=True, exist_ok=True)
    for old in [p for ext in ("txt", "pdf", "html") for p in folder.glob(f"*.{ext}")]:
        old.unlink()
    meta = []
    for d in draft.docs:
        if d.data is not None:
            (folder / d.source).write_bytes(d.data)
        else:
            (folder / d.source).write_text(d.text, encoding="utf-8")
        meta.append(f"[{_toml_str(d.source)}]")
        meta += [
            f"{k} = {_toml_str(v)}"
            for k, v in (("title", d.title), ("publisher", d.publisher), ("author", d.author), ("date", d.date))
            if v
        ]
        meta.append("")
    (folder / "sources.toml").write_text("\n".join(meta), encoding="utf-8")
    docs = {d.source: d for d in draft.docs}
    cases = Path(out) / f"{draft.name}.jsonl"
    rows = [json.dumps(case_row(c, docs), ensure_ascii=False) for c in draft.cases]
    cases.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder, cases
