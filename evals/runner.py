"""Run the eval: every system over the cases, aggregate, write ``report.json``, ``summary.md`` and the plots.

The runner only gathers answers, times them and aggregates the pure metrics;
what the report says is derived from the figures it writes (``report.py``).
A second corpus gets a private index (``eval_settings``), so ``eval --corpus``
never clobbers the default one.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from assistant.config import ROOT, Settings
from assistant.errors import AssistantError
from assistant.types import Document

from .cases import DEFAULT_CASES, Case, load_cases
from .judges import JUDGES, LexicalJudge
from .metrics import SupportJudge, abstention_scores, alce_scores, evidence_hit, evidence_overlap, hit_if_split, mean, percentile
from .systems import CaseResult, LlamaIndexBaseline, ProjectSystem, make_baselines

DEFAULT_OUT = ROOT / "evals" / "reports"
# Keys every metrics object in report.json carries (the project's and each baseline's).
REQUIRED_KEYS = (
    "citation_validity", "evidence_hit", "citation_recall", "citation_precision", "keyword_accuracy",
    "abstention_recall", "false_abstention", "hit@5", "mrr", "ndcg@10", "p50_ms", "p95_ms",
)  # fmt: skip


def run_system(system, cases: Sequence[Case], progress: bool = True) -> list[CaseResult]:
    from tqdm import tqdm

    system.warm_up()
    return [system.run(c) for c in tqdm(cases, desc=f"eval {system.name}", unit="case", disable=not progress, file=sys.stderr)]


def run_cases(assistant, cases: Sequence[Case], progress: bool = True) -> list[CaseResult]:
    """Answer every case with the project (no warm-up: the caller decides what to time)."""
    from tqdm import tqdm

    system = ProjectSystem(assistant)
    return [system.run(c) for c in tqdm(cases, desc="eval project", unit="case", disable=not progress, file=sys.stderr)]


# --- aggregation ------------------------------------------------------------------------------


def summarize(rows: Sequence[dict]) -> dict[str, float | None]:
    """Means over the cases each metric applies to; None when it applies to none."""
    ans = [r for r in rows if r["answerable"]]
    ans_given = [r for r in ans if not r["abstained"]]
    conf = [r for r in rows if r.get("conflict_coverage") is not None]
    ms = [r["ms"] for r in rows]
    flt = lambda v: None if v is None else float(v)  # noqa: E731
    return {
        "cases": len(rows),
        "citation_validity": mean(r["validity"] for r in rows),
        "evidence_hit": mean(flt(r["evidence_hit"]) for r in ans),
        "evidence_overlap": mean(flt(r["evidence_overlap"]) for r in ans),
        "evidence_hit_quote": mean(flt(r["evidence_hit_quote"]) for r in ans),
        "evidence_recall": mean(r["evidence_recall"] for r in ans),
        "evidence_hit_when_answered": mean(flt(r["evidence_hit"]) for r in ans_given),
        "citation_recall": mean(r["citation_recall"] for r in ans),
        "citation_precision": mean(r["citation_precision"] for r in ans),
        "keyword_accuracy": mean(flt(r["keywords"]) for r in ans),
        **abstention_scores([r["answerable"] for r in rows], [r["abstained"] for r in rows]),
        "conflict_coverage": mean(r["conflict_coverage"] for r in conf),
        "hit@5": mean(r["hit@5"] for r in ans),
        "recall@10": mean(r["recall@10"] for r in ans),
        "mrr": mean(r["mrr"] for r in ans),
        "ndcg@10": mean(r["ndcg@10"] for r in ans),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
    }


def by_groups(rows: Sequence[dict]) -> tuple[dict, dict]:
    """(by split, by question type) summaries."""
    splits = {s: summarize([r for r in rows if r["split"] == s]) for s in ("tune", "test") if any(r["split"] == s for r in rows)}
    types = {t: summarize([r for r in rows if r["type"] == t]) for t in sorted({r["type"] for r in rows})}
    return splits, types


def run_diagnostics(results: Sequence[CaseResult], docs: dict[str, Document]) -> dict:
    """How the project's citations meet the strict evidence rule: sentences per citation, merged-run misses."""
    from assistant.chunking import split_sentences

    sentences = {s: [(x.start, x.end) for x in split_sentences(d)] for s, d in docs.items()}
    per_citation: dict[str, int] = {}
    for r in results:
        for c in r.answer.citations:
            n = sum(1 for a, b in sentences[c.source] if c.start <= a and b <= c.end)
            key = str(n) if n < 4 else "4+"
            per_citation[key] = per_citation.get(key, 0) + 1
    answered = [r for r in results if r.case.answerable and not r.answer.abstained]
    passages = {r.case.id: r.case.passages or r.case.gold for r in answered}
    hit = [r for r in answered if evidence_hit(r.answer.citations, passages[r.case.id])]
    near = [r for r in answered if r not in hit and evidence_overlap(r.answer.citations, passages[r.case.id])]
    merged = [r.case.id for r in near if hit_if_split(r.answer.citations, passages[r.case.id], sentences)]
    return {
        "sentences_per_citation": dict(sorted(per_citation.items())),
        "answered": len(answered),
        "hit": len(hit),
        "merged_run_misses": merged,
        "overlap_misses": len(near) - len(merged),
        "no_overlap": len(answered) - len(hit) - len(near),
    }


def judge_sensitivity(results_by_system: dict[str, Sequence[CaseResult]], thresholds=(0.5, 0.6, 0.7, 0.8)) -> dict:
    """Citation precision and recall of each system under the lexical judge at several coverage thresholds."""
    out: dict[str, dict] = {}
    for th in thresholds:
        judge = LexicalJudge(th)
        for name, results in results_by_system.items():
            scores = [
                alce_scores(r.case.claims, [c.quote for c in r.answer.citations], judge)
                for r in results
                if r.case.answerable and r.case.claims
            ]
            out.setdefault(f"{th:g}", {})[name] = {
                "citation_precision": mean(p for _, p in scores),
                "citation_recall": mean(r for r, _ in scores),
            }
    return out


_COMPACT = (
    "id",
    "type",
    "split",
    "abstained",
    "evidence_hit",
    "evidence_overlap",
    "citation_recall",
    "citation_precision",
    "keywords",
    "ms",
)


def _compact(row: dict) -> dict:
    return {k: row.get(k) for k in _COMPACT} | {"citations": [[c["source"], c["start"], c["end"]] for c in row["citations"]]}


# --- the run ----------------------------------------------------------------------------------


def _add_baselines(payload: dict, assistant, cases, judge, progress, results_by_system) -> None:
    docs = assistant.docs
    for system in make_baselines(assistant):
        results = results_by_system[system.name] = run_system(system, cases, progress)
        rows = [r.row(docs, judge) for r in results]
        payload["baselines"][system.name] = summarize(rows)
        payload["baselines_by_type"][system.name] = by_groups(rows)[1]
        payload["baseline_latency_ms"][system.name] = [round(r.ms, 3) for r in results]
        payload.setdefault("baseline_cases", {})[system.name] = [_compact(r) for r in rows]
        if isinstance(system, LlamaIndexBaseline):
            nodes = len(system.index.docstore.docs)
            payload["llamaindex"] = {"nodes": nodes, "build_s": round(system.build_s, 2), "dropped": system.dropped}


def write_reports(payload: dict, out: Path, plots: bool = True) -> None:
    from .report import summary_markdown

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    (out / "summary.md").write_text(summary_markdown(payload), encoding="utf-8")
    if plots:
        from .plots import write_plots

        write_plots(payload, out)


def run_eval(
    assistant,
    cases: Sequence[Case],
    out: Path,
    *,
    judge: SupportJudge | None = None,
    baselines: bool = True,
    progress: bool = True,
    cases_file: str = "",
    plots: bool = True,
) -> dict:
    """Run the project (and the baselines) on ``cases``; write report.json, summary.md and the PNGs."""
    judge = judge or LexicalJudge()
    project = run_system(ProjectSystem(assistant), cases, progress)
    rows = [r.row(assistant.docs, judge) for r in project]
    splits, types = by_groups(rows)
    payload: dict = {
        "metrics": summarize(rows),
        "baselines": {},
        "by_split": splits,
        "by_type": types,
        "baselines_by_type": {},
        "baseline_latency_ms": {},
        "judge": {"name": judge.name, **({"min_coverage": judge.min_coverage} if hasattr(judge, "min_coverage") else {})},
        "config_hash": assistant.settings.config_hash(),
        "cases_file": cases_file,
    }
    results_by_system = {"project": project}
    if baselines:
        _add_baselines(payload, assistant, cases, judge, progress, results_by_system)
    payload["diagnostics"] = run_diagnostics(project, assistant.docs)
    if isinstance(judge, LexicalJudge):
        payload["judge_sensitivity"] = judge_sensitivity(results_by_system)
    payload["cases"] = rows
    write_reports(payload, out, plots)
    return payload


def eval_settings(settings: Settings, corpus: str | None, index: str | None) -> Settings:
    """Settings for ``eval --corpus DIR``: a private index per corpus so the default index is not clobbered."""
    if not corpus or index:
        return settings
    path = Path(corpus).resolve()
    if path == Path(Settings().corpus_dir).resolve():
        return settings
    key = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    return settings.model_copy(update={"corpus_dir": path, "index_dir": Path(settings.index_dir) / "eval-corpora" / key})


def _judge(args) -> SupportJudge:
    name = getattr(args, "judge", "lexical") or "lexical"
    if name not in JUDGES:
        raise AssistantError(f"unknown judge {name!r}: use one of {', '.join(JUDGES)}")
    return JUDGES[name]()


def run_cli(args, settings: Settings, judge: SupportJudge | None = None) -> int:
    from assistant.api import Assistant

    from .report import SUMMARY_KEYS, acceptance_note, format_table

    judge = judge or _judge(args)
    assistant = Assistant(eval_settings(settings, getattr(args, "corpus", None), getattr(args, "index", None)))
    report = assistant.ensure_index()
    if report:
        print(report.summary(), file=sys.stderr)
    cases_path = Path(args.cases) if args.cases else DEFAULT_CASES
    cases = load_cases(cases_path, assistant.docs)
    if args.split != "all":
        cases = [c for c in cases if c.split == args.split]
    if not cases:
        raise AssistantError(f"no cases to run in {cases_path} (split {args.split})")
    out = Path(args.out) if args.out else DEFAULT_OUT
    payload = run_eval(assistant, cases, out, judge=judge, baselines=not args.no_baselines, cases_file=cases_path.name)
    print(format_table({"project": payload["metrics"], **payload["baselines"]}, SUMMARY_KEYS))
    if payload["baselines"]:
        print("\n" + acceptance_note(payload["metrics"], payload["baselines"]))
    print(f"\nReport: {out / 'report.json'}, {out / 'summary.md'}, plots in {out}")
    return 0
