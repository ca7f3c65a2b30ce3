"""Evaluation: pure metric functions, and the runner behind ``assistant eval``.

Each metric takes plain values (spans, citations, texts) and returns a float or
``{"score", "individual_scores"}``; the runner only gathers answers and times.
A case names its gold evidence by quote; quotes are located in the source text
once, so every metric works on exact ``[start, end)`` spans.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .config import ROOT, Settings
from .types import Answer, AssistantError, Citation, Document

DEFAULT_CASES = ROOT / "evals" / "cases" / "ceasefire.jsonl"
DEFAULT_OUT = ROOT / "evals" / "reports"


@dataclass(frozen=True)
class GoldSpan:
    source: str
    start: int
    end: int


@dataclass(frozen=True)
class Case:
    id: str
    type: str
    split: str
    question: str
    history: list = field(default_factory=list, hash=False)
    answerable: bool = True
    gold: tuple[GoldSpan, ...] = ()
    keywords: tuple[str, ...] = ()
    figures: tuple[tuple[str, str], ...] = ()


def load_cases(path: Path, docs: dict[str, Document]) -> list[Case]:
    """Read a JSONL cases file; every gold quote must be found verbatim in its source."""
    cases = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        d = json.loads(line)
        gold = []
        for g in d.get("gold", []):
            doc = docs.get(g["source"])
            if doc is None:
                raise AssistantError(f"{path}:{n}: case {d['id']}: source {g['source']!r} is not in the index")
            i = doc.text.find(g["quote"])
            if i < 0:
                raise AssistantError(f"{path}:{n}: case {d['id']}: gold quote not found verbatim in {g['source']}")
            gold.append(GoldSpan(g["source"], i, i + len(g["quote"])))
        cases.append(
            Case(
                d["id"], d["type"], d.get("split", "test"), d["question"], d.get("history", []), d.get("answerable", True),
                tuple(gold), tuple(d.get("keywords", [])), tuple((f["source"], f["figure"]) for f in d.get("figures", [])),
            )
        )
    return cases


# --- pure metrics -----------------------------------------------------------------------------


def overlaps(a_source: str, a_start: int, a_end: int, b: GoldSpan) -> bool:
    return a_source == b.source and a_start < b.end and b.start < a_end


def citation_valid(c: Citation, docs: dict[str, Document]) -> bool:
    doc = docs.get(c.source)
    return doc is not None and 0 <= c.start < c.end <= len(doc.text) and doc.text[c.start : c.end] == c.quote


def citation_validity(citations: Sequence[Citation], docs: dict[str, Document]) -> float:
    return sum(citation_valid(c, docs) for c in citations) / len(citations) if citations else 1.0


def evidence_hit(citations: Sequence[Citation], gold: Sequence[GoldSpan]) -> bool:
    return any(overlaps(c.source, c.start, c.end, g) for c in citations for g in gold)


def evidence_recall(citations: Sequence[Citation], gold: Sequence[GoldSpan]) -> float:
    """Share of gold spans that some citation overlaps."""
    if not gold:
        return 1.0
    return sum(any(overlaps(c.source, c.start, c.end, g) for c in citations) for g in gold) / len(gold)


def keyword_hit(text: str, keywords: Sequence[str]) -> bool:
    low = text.lower()
    return all(k.lower() in low for k in keywords)


def conflict_coverage(text: str, figures: Sequence[tuple[str, str]], citations: Sequence[Citation]) -> float:
    """Share of (source, figure) pairs the answer gives, cited to that source."""
    if not figures:
        return 1.0
    got = 0
    for source, fig in figures:
        got += any(c.source == source and fig.lower() in c.quote.lower() for c in citations)
    return got / len(figures)


def rank_metrics(ranked: Sequence[tuple[str, int, int]], gold: Sequence[GoldSpan], k: int = 10) -> dict[str, float]:
    """hit@5, recall@k, MRR and nDCG@k of a ranked list of (source, start, end) against gold spans."""
    rel = [any(overlaps(s, a, b, g) for g in gold) for s, a, b in ranked]
    first = next((i for i, r in enumerate(rel) if r), None)
    found = sum(any(overlaps(s, a, b, g) for s, a, b in ranked[:k]) for g in gold)
    dcg = sum(1 / math.log2(i + 2) for i, r in enumerate(rel[:k]) if r)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, max(1, len(gold)))))
    return {
        "hit@5": float(any(rel[:5])),
        f"recall@{k}": found / len(gold) if gold else 1.0,
        "mrr": 1 / (first + 1) if first is not None else 0.0,
        f"ndcg@{k}": min(1.0, dcg / ideal) if ideal else 0.0,
    }


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    i = min(len(s) - 1, max(0, math.ceil(p / 100 * len(s)) - 1))
    return s[i]


def mean(values) -> float:
    values = list(values)
    return statistics.fmean(values) if values else 0.0


# --- runner -----------------------------------------------------------------------------------


@dataclass
class CaseResult:
    case: Case
    answer: Answer
    ranked: list[tuple[str, int, int]]
    ms: float

    def row(self, docs) -> dict:
        c, a = self.case, self.answer
        return {
            "id": c.id,
            "type": c.type,
            "split": c.split,
            "question": c.question,
            "answerable": c.answerable,
            "abstained": a.abstained,
            "validity": citation_validity(a.citations, docs),
            "evidence_hit": evidence_hit(a.citations, c.gold) if c.answerable else None,
            "evidence_recall": evidence_recall(a.citations, c.gold) if c.answerable else None,
            "keywords": keyword_hit(a.text, c.keywords) if c.answerable else None,
            "conflict_coverage": conflict_coverage(a.text, c.figures, a.citations) if c.figures else None,
            **({k: v for k, v in rank_metrics(self.ranked, c.gold).items()} if c.answerable else {}),
            "ms": round(self.ms, 1),
            "answer": a.text,
            "citations": [x.to_dict() for x in a.citations],
        }


def summarize(rows: Sequence[dict]) -> dict[str, float]:
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    ans_given = [r for r in ans if not r["abstained"]]
    conf = [r for r in rows if r.get("conflict_coverage") is not None]
    ms = [r["ms"] for r in rows]
    return {
        "cases": len(rows),
        "citation_validity": mean(r["validity"] for r in rows),
        "evidence_hit": mean(float(r["evidence_hit"]) for r in ans),
        "evidence_recall": mean(r["evidence_recall"] for r in ans),
        "keyword_accuracy": mean(float(r["keywords"]) for r in ans),
        "abstention_recall": mean(float(r["abstained"]) for r in una),
        "false_abstention": mean(float(r["abstained"]) for r in ans),
        "evidence_hit_when_answered": mean(float(r["evidence_hit"]) for r in ans_given),
        "conflict_coverage": mean(r["conflict_coverage"] for r in conf),
        "hit@5": mean(r["hit@5"] for r in ans),
        "recall@10": mean(r["recall@10"] for r in ans),
        "mrr": mean(r["mrr"] for r in ans),
        "ndcg@10": mean(r["ndcg@10"] for r in ans),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
    }


def run_cases(assistant, cases: Sequence[Case], progress: bool = True) -> list[CaseResult]:
    from tqdm import tqdm

    loaded = assistant.loaded()
    s = assistant.settings
    out = []
    for case in tqdm(cases, desc="eval", unit="case", disable=not progress, file=sys.stderr):
        t0 = time.perf_counter()
        ans = assistant.ask(case.question, case.history)
        ms = (time.perf_counter() - t0) * 1000
        hits = loaded.retriever.search(ans.query, s.top_k_dense, s.top_k_bm25, 10)
        out.append(CaseResult(case, ans, [(h.chunk.source, h.chunk.start, h.chunk.end) for h in hits], ms))
    return out


def format_table(metrics: dict[str, dict[str, float]]) -> str:
    keys = [k for k in next(iter(metrics.values())) if k != "cases"]
    head = "| metric | " + " | ".join(metrics) + " |"
    sep = "|---|" + "---|" * len(metrics)
    lines = [head, sep]
    for k in keys:
        vals = []
        for m in metrics.values():
            v = m.get(k)
            vals.append("" if v is None else (f"{v:.0f}" if k.endswith("_ms") else f"{v:.3f}"))
        lines.append(f"| {k} | " + " | ".join(vals) + " |")
    return "\n".join(lines)


def run_cli(args, settings: Settings) -> int:
    from .api import Assistant

    assistant = Assistant(settings)
    report = assistant.ensure_index()
    if report:
        print(report.summary(), file=sys.stderr)
    docs = assistant.docs
    cases = load_cases(Path(args.cases) if args.cases else DEFAULT_CASES, docs)
    if args.split != "all":
        cases = [c for c in cases if c.split == args.split]
    assistant.ask("warm-up question about the ceasefire talks")  # load models before timing
    results = run_cases(assistant, cases)
    rows = [r.row(docs) for r in results]
    by = {"all": summarize(rows)}
    for split in ("tune", "test"):
        sub = [r for r in rows if r["split"] == split]
        if sub:
            by[split] = summarize(sub)
    for t in sorted({r["type"] for r in rows}):
        by[t] = summarize([r for r in rows if r["type"] == t])
    out = Path(args.out) if args.out else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    payload = {"metrics": by["all"], "by_split": {k: by[k] for k in ("tune", "test") if k in by}, "by_type": {k: v for k, v in by.items() if k not in ("all", "tune", "test")}, "config_hash": settings.config_hash(), "cases": rows}
    (out / "report.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    table = format_table(by)
    (out / "summary.md").write_text(f"# Evaluation summary\n\nconfig {settings.config_hash()}, {len(rows)} cases\n\n{table}\n", encoding="utf-8")
    print(table)
    print(f"\nReport: {out / 'report.json'}, {out / 'summary.md'}")
    return 0
