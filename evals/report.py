"""``summary.md`` from ``report.json``'s payload: tables, and findings computed from the figures.

Every sentence that states a finding is built from the payload (who wins, by
how much, how long each system's citations are, how the lead moves with the
judge's threshold, which question types a baseline wins); nothing here states a
conclusion the data did not produce.  The fixed text is a legend: what each
metric and each baseline is.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

SUMMARY_KEYS = (
    "citation_validity", "evidence_hit", "evidence_recall", "evidence_overlap", "evidence_hit_quote", "citation_recall",
    "citation_precision", "keyword_accuracy", "abstention_precision", "abstention_recall", "false_abstention",
    "conflict_coverage", "hit@5", "recall@10", "mrr", "ndcg@10", "p50_ms", "p95_ms",
)  # fmt: skip
LOWER_IS_BETTER = frozenset({"false_abstention", "p50_ms", "p95_ms"})
ACCEPTANCE_KEYS = ("evidence_hit", "citation_precision")
LEGEND = (
    "- `evidence_hit`: some citation *is* a gold passage (the sentence(s) holding a gold quote): each covers at least "
    "half of the other. `evidence_recall`: share of gold passages hit. `evidence_overlap`: any overlap. "
    "`evidence_hit_quote`: the strict rule against the bare gold quote.",
    "- `citation_recall` / `citation_precision`: ALCE (Gao et al. 2023) with each gold quote as a claim and the "
    "answer's citations as candidate support, judged by the named judge.",
    "- `abstention_precision`: share of abstentions on unanswerable cases; `abstention_recall`: share of unanswerable "
    "cases abstained on; `false_abstention`: share of answerable cases abstained on.",
    "- `keyword_accuracy`: the answer holds every expected keyword; `conflict_coverage`: on conflict cases, share of "
    "(source, figure) pairs cited to that source.",
    "- Rank metrics (`hit@5`, `recall@10`, `mrr`, `ndcg@10`) rate each system's top-10 retrieved units (any overlap "
    "with a gold quote counts); latency percentiles are per question, warm.",
    "- Baselines (same corpus and embedding model): `bm25` and `dense` cite the project's own top-5 chunks from "
    "keyword search alone or dense search alone; `llamaindex` is a plain `VectorStoreIndex` with default settings "
    "citing its top-2 nodes. They never abstain, get the raw question (no chat memory) and are timed on retrieval only.",
)


def _fmt(k: str, v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if k == "cases":
        return str(v)
    return f"{v:.1f}" if k.endswith("_ms") else f"{v:.3f}"


def format_table(metrics: dict[str, dict], keys: Sequence[str] | None = None) -> str:
    """Markdown table: one row per metric, one column per named metrics object."""
    keys = list(keys or [k for k in next(iter(metrics.values())) if k != "cases"])
    lines = ["| metric | " + " | ".join(metrics) + " |", "|---|" + "---:|" * len(metrics)]
    lines += [f"| {k} | " + " | ".join(_fmt(k, m.get(k)) for m in metrics.values()) + " |" for k in keys]
    return "\n".join(lines)


def citation_chars(payload: dict) -> dict[str, float]:
    """Mean characters per citation of each system, from the per-case citations in the payload."""
    spans = {"project": [(c["start"], c["end"]) for r in payload.get("cases", []) for c in r["citations"]]}
    for name, rows in payload.get("baseline_cases", {}).items():
        spans[name] = [(a, b) for r in rows for _, a, b in r["citations"]]
    return {n: statistics.fmean(b - a for a, b in v) for n, v in spans.items() if v}


def compare(project: dict, baselines: dict[str, dict], keys: Sequence[str], chars: dict[str, float] | None = None) -> list[str]:
    """One line per metric: the project against the best baseline (with each one's citation length where a baseline wins)."""
    lines = []
    for k in keys:
        p, vals = project.get(k), {n: m.get(k) for n, m in baselines.items() if m.get(k) is not None}
        if p is None or not vals:
            continue
        lower = k in LOWER_IS_BETTER
        best_name = (min if lower else max)(vals, key=vals.get)
        best = vals[best_name]
        if abs(p - best) < 1e-9:
            tied = [n for n, v in vals.items() if abs(v - p) < 1e-9]
            who = "every baseline" if len(tied) == len(vals) else ", ".join(tied)
            lines.append(f"- **{k}**: tie with {who} ({_fmt(k, p)}).")
        elif (p < best) if lower else (p > best):
            lines.append(f"- **{k}**: project {_fmt(k, p)} vs best baseline {best_name} {_fmt(k, best)}.")
        else:
            size = ""
            if chars and not lower and best_name in chars and "project" in chars:
                size = f" ({best_name} cites {chars[best_name]:.0f} characters per citation, the project {chars['project']:.0f})"
            lines.append(f"- **{k}**: {best_name} {_fmt(k, best)} beats the project {_fmt(k, p)}{size}.")
    return lines


def acceptance_note(project: dict, baselines: dict[str, dict]) -> str:
    """Does the project beat every baseline on evidence hit and citation precision?  The figures, either way."""
    pairs = [
        (k, n, b[k]) for k in ACCEPTANCE_KEYS for n, b in baselines.items() if b.get(k) is not None and project.get(k) is not None
    ]
    losses = [(k, n, v) for k, n, v in pairs if project[k] < v - 1e-9]
    ties = [(k, n, v) for k, n, v in pairs if abs(project[k] - v) <= 1e-9]
    if not losses and not ties:
        best = ", ".join(
            f"{k} {project[k]:.3f} vs best baseline {max(v for kk, _, v in pairs if kk == k):.3f}"
            for k in ACCEPTANCE_KEYS
            if any(kk == k for kk, _, _ in pairs)
        )
        return f"**Acceptance met:** the project beats every baseline on evidence hit and citation precision ({best})."
    if not losses:
        tied = "; ".join(f"{k} with {n} ({v:.3f})" for k, n, v in ties)
        return f"**Acceptance:** no baseline beats the project on evidence hit or citation precision, but it only ties on {tied}."
    parts = "; ".join(f"{k}: {n} {v:.3f} vs project {project[k]:.3f}" for k, n, v in losses)
    return f"**Acceptance not met:** {parts}."


def judge_flips(payload: dict) -> list[str]:
    """Thresholds at which a baseline's citation precision reaches the project's."""
    out = []
    for th, by_system in (payload.get("judge_sensitivity") or {}).items():
        p = by_system.get("project", {}).get("citation_precision")
        for n in payload["baselines"]:
            b = by_system.get(n, {}).get("citation_precision")
            if p is not None and b is not None and b >= p:
                out.append(f"at min coverage {th}, {n} {b:.3f} vs project {p:.3f}")
    return out


def weak_types(payload: dict) -> list[str]:
    """Question types on which a baseline has the higher citation precision."""
    out = []
    for t, m in payload["by_type"].items():
        p = m.get("citation_precision")
        for n, types in payload.get("baselines_by_type", {}).items():
            b = types.get(t, {}).get("citation_precision")
            if p is not None and b is not None and b > p:
                out.append(f"{t}: {n} {b:.3f} vs project {p:.3f}")
    return out


def diagnostics_note(d: dict) -> str:
    spc = ", ".join(f"{k}: {v}" for k, v in d["sentences_per_citation"].items())
    merged = d["merged_run_misses"]
    return (
        f"How the project's citations meet the strict evidence rule: of {d['answered']} answered answerable cases, "
        f"{d['hit']} cite the gold passage itself; {len(merged)} cite it only inside a run of adjacent sentences merged "
        f"into one citation, where one of the run's sentences alone would hit ({', '.join(merged) or 'none'}); "
        f"{d['overlap_misses']} overlap it otherwise; {d['no_overlap']} cite elsewhere. Sentences per citation: {spc}."
    )


def findings(payload: dict) -> list[str]:
    """The closing section's paragraphs, each computed from the payload."""
    out = []
    if payload["baselines"]:
        out.append(acceptance_note(payload["metrics"], payload["baselines"]))
        flips = judge_flips(payload)
        if flips:
            out.append("The citation-precision lead depends on the judge's threshold: " + "; ".join(flips) + ".")
        weak = weak_types(payload)
        if weak:
            out.append("By question type, a baseline has the higher citation precision on " + "; ".join(weak) + ".")
    if payload.get("diagnostics"):
        out.append(diagnostics_note(payload["diagnostics"]))
    return out


def _header(payload: dict) -> list[str]:
    m, judge = payload["metrics"], payload["judge"]
    coverage = f" (min coverage {judge['min_coverage']})" if "min_coverage" in judge else ""
    return [
        "# Evaluation summary",
        "",
        f"config {payload['config_hash']}, {m['cases']} cases ({payload['cases_file']}), judge `{judge['name']}`{coverage}"
        ". Generated by `assistant eval`; plots: `metrics_by_type.png`, `metrics_vs_baselines.png`, `latency.png`.",
        "",
    ]


def _sensitivity_table(payload: dict) -> list[str]:
    sens = payload.get("judge_sensitivity")
    if not sens:
        return []
    names = list(next(iter(sens.values())))
    cell = lambda v: f"{_fmt('p', v['citation_precision'])} / {_fmt('r', v['citation_recall'])}"  # noqa: E731
    return [
        "### How much citation precision / recall depend on the judge",
        "",
        f"Lexical judge at other coverage thresholds (this report: {payload['judge'].get('min_coverage')}); "
        "cells are precision / recall.",
        "",
        "| min coverage | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
        *(f"| {th} | " + " | ".join(cell(v[n]) for n in names) + " |" for th, v in sens.items()),
        "",
    ]


def _baselines_section(payload: dict) -> list[str]:
    m, base = payload["metrics"], payload["baselines"]
    if not base:
        return []
    lines = ["## Project vs baselines", "", format_table({"project": m, **base}, SUMMARY_KEYS), ""]
    li = payload.get("llamaindex")
    if li:
        lines += [
            f"LlamaIndex made {li['nodes']} nodes in {li['build_s']:.1f} s; {li['dropped']} node spans did not reproduce their text and were dropped.",
            "",
        ]
    chars = citation_chars(payload)
    lines += ["### What the project adds", "", *compare(m, base, SUMMARY_KEYS, chars), ""]
    return lines + _sensitivity_table(payload)


def summary_markdown(payload: dict) -> str:
    lines = _header(payload) + _baselines_section(payload)
    lines += ["## Findings", ""]
    for paragraph in findings(payload):
        lines += [paragraph, ""]
    lines += [
        "## Project by split and question type",
        "",
        format_table({"all": payload["metrics"], **payload["by_split"], **payload["by_type"]}),
        "",
        "## Reading the metrics",
        "",
        *LEGEND,
        "",
    ]
    return "\n".join(lines)
