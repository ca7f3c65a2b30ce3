"""Score the project and every baseline on each built corpus and its holdout variant.

For each variant in ``manifest.json`` the corpus is indexed into a private
index folder (``evaluation.eval_settings``; chunk vectors go through an
on-disk embedding cache so a holdout re-embeds only what changed), the cases
are read with ``evaluation.load_cases`` and every system runs through
``evaluation.run_system``: the project, the naive sentence baseline, BM25,
dense chunks and plain LlamaIndex.  Rows come from ``CaseResult.row`` (strict
evidence hit, citation validity, ...); this module adds the lenient hit and
abstention per kind of unanswerable question.  Writes
``evals/reports/multigenre.md`` and ``multigenre.json``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from assistant.config import ROOT, Settings
from evals.cases import load_cases
from evals.metrics import mean, percentile
from evals.runner import run_system
from evals.systems import ProjectSystem, make_baselines

from .metrics import abstention_rate, evidence_hit_lenient
from .naive import NaiveSentenceBaseline
from .ranking import ranking

REPORT_DIR = ROOT / "evals" / "reports"
EMBED_CACHE = ROOT / "evals" / "cache" / "embeddings.sqlite"
COLUMNS = (
    ("evidence_hit", "hit"),
    ("evidence_hit_lenient", "hit_lenient"),
    ("false_abstention", "false_abst"),
    ("abstain_near_miss", "abst_near_miss"),
    ("abstain_out_of_scope", "abst_oos"),
    ("abstain_unanswerable", "abst_unans"),
    ("citation_validity", "validity"),
    ("p50_ms", "p50_ms"),
)


def system_metrics(results: Sequence, docs: dict) -> dict:
    """The report's figures for one system on one corpus variant."""
    rows = [(r, r.row(docs)) for r in results]
    ans = [(r, row) for r, row in rows if r.case.answerable]
    kind = lambda t: [row["abstained"] for r, row in rows if r.case.type == t]  # noqa: E731
    return {
        "cases": len(rows),
        "evidence_hit": mean(float(row["evidence_hit"]) for _, row in ans),
        "evidence_hit_lenient": mean(
            float(evidence_hit_lenient(r.answer.citations, r.case.passages or r.case.gold)) for r, _ in ans
        ),
        "false_abstention": abstention_rate([row["abstained"] for _, row in ans]),
        "abstain_near_miss": abstention_rate(kind("near_miss")),
        "abstain_out_of_scope": abstention_rate(kind("out_of_scope")),
        "abstain_unanswerable": abstention_rate(kind("unanswerable")),
        "citation_validity": mean(row["validity"] for _, row in rows),
        "p50_ms": percentile([r.ms for r in results], 50),
    }


def _systems(assistant, llamaindex: bool) -> list:
    base = [b for b in make_baselines(assistant) if llamaindex or b.name != "llamaindex"]
    return [ProjectSystem(assistant), NaiveSentenceBaseline(assistant), *base]


def run_variant(entry: dict, split: str, llamaindex: bool, loco: bool = True) -> dict:
    """Index one corpus variant privately and score every system on its cases.

    With ``loco`` the project scores with the scorer fold fitted without this corpus
    (a holdout variant counts as its corpus), so its figures are from a corpus it was not fitted on.
    """
    from assistant.api import Assistant
    from evals.runner import eval_settings

    fold = entry["name"].removesuffix("-holdout") if loco else ""
    settings = eval_settings(Settings(embed_cache=str(EMBED_CACHE), scorer_fold=fold), entry["corpus"], None)
    assistant = Assistant(settings)
    report = assistant.ensure_index()
    if report:
        print(report.summary(), file=sys.stderr)
    cases = load_cases(Path(entry["cases"]), assistant.docs)
    if split != "all":
        cases = [c for c in cases if c.split == split]
    out = {
        "corpus": entry["name"],
        "cases": len(cases),
        "chunks": len(assistant.loaded().snapshot.chunks),
        "scorer": f"fold without {fold}" if fold else "shipped (all dev corpora)",
        "systems": {},
        "per_case": {},
    }
    for system in _systems(assistant, llamaindex):
        results = run_system(system, cases)
        out["systems"][system.name] = system_metrics(results, assistant.docs)
        out["per_case"][system.name] = [
            {
                "id": r.case.id,
                "type": r.case.type,
                "abstained": r.answer.abstained,
                "citations": [[c.source, c.start, c.end] for c in r.answer.citations],
            }
            for r in results
        ]
    out["ranking"], best = ranking(assistant, cases)
    for row in out["per_case"]["project"]:
        row.update(best.get(row["id"], {}))
    return out


def _fmt(v, key: str) -> str:
    if v is None:
        return "–"
    return f"{v:.0f}" if key.endswith("_ms") else f"{v:.3f}"


def _ranking_line(r: dict | None) -> list[str]:
    if not r or not r["questions"]:
        return []
    return [
        f"Ranking inside the project's candidates ({r['questions']} of {r['answerable']} answerable questions have a gold "
        f"sentence among them): MRR scorer {r['mrr_scorer']:.3f}, reader {r['mrr_reader']:.3f}, cosine {r['mrr_cosine']:.3f}, "
        f"scorer+reader {r['mrr_scorer+reader']:.3f}."
    ]


def markdown(payload: dict) -> str:
    lines = [
        "# Multi-genre benchmark",
        "",
        f"Generated by `assistant eval --corpora` (or `python -m evals.corpora run`) ({payload['split']} split, {payload['seconds']:.0f} s). "
        "Systems: `project` (ask()), `naive_sentences` (dense MiniLM top-3 sentences, abstain when best cosine < 0.45), "
        "`bm25` / `dense` (project chunks, top 5), `llamaindex` (plain VectorStoreIndex, top 2 nodes).",
        "",
        "Columns: `hit` strict evidence hit (citation and gold passage each cover half of the other); `hit_lenient` "
        "overlap >= half of the shorter of the two; `false_abst` abstained on answerable cases; `abst_near_miss` / "
        "`abst_oos` / `abst_unans` abstained on near-miss (gold deleted), out-of-scope and the news file's own "
        "unanswerable cases; `validity` citations that reproduce their span; `p50_ms` per question (warm; baselines "
        "time retrieval only).",
        "",
        "Leave-one-corpus-out: unless run with `--no-loco`, the project's evidence scorer on each corpus (and its "
        "holdout) is the fold of `assistant/weights/scorer.json` fitted *without* that corpus (`evals/fit_scorer.py`); "
        "the shipped model, used by `ask()` otherwise, is fitted on all five dev corpora.",
        "",
    ]
    if payload.get("pending"):
        lines += [f"Not run yet (interrupted or still running): {', '.join(payload['pending'])}.", ""]
    for v in payload["variants"]:
        lines += [f"## {v['corpus']} ({v['cases']} cases, {v['chunks']} chunks; project scorer: {v.get('scorer', '?')})", ""]
        lines += ["| system | " + " | ".join(label for _, label in COLUMNS) + " |", "|---|" + "---:|" * len(COLUMNS)]
        for name, m in v["systems"].items():
            lines.append(f"| {name} | " + " | ".join(_fmt(m.get(k), k) for k, _ in COLUMNS) + " |")
        lines += ["", *_ranking_line(v.get("ranking")), ""]
    return "\n".join(lines)


def run(
    out: Path, only: list[str] | None, split: str = "all", report: Path | None = None, llamaindex: bool = True, loco: bool = True
) -> int:
    path = Path(out) / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    from .build import BUILDERS, build

    missing = [n for n in only or [] if n in BUILDERS and n not in manifest]
    if missing:  # a named corpus not built yet (a new genre): build it first
        build(Path(out), missing)
        manifest = json.loads(path.read_text(encoding="utf-8"))
    wanted = [n for n in manifest if not only or n in only or n.removesuffix("-holdout") in only]
    wanted.sort(key=lambda n: manifest[n]["chars"])  # small corpora first: an interrupted run has the most figures
    if not wanted:
        raise SystemExit(f"nothing to run: build first (python -m evals.corpora build); have {list(manifest)}")
    t0 = time.perf_counter()
    variants = []
    report = Path(report or REPORT_DIR)
    report.mkdir(parents=True, exist_ok=True)
    for name in wanted:
        print(f"run {name} ...", file=sys.stderr, flush=True)
        variants.append(run_variant(manifest[name], split, llamaindex, loco))
        # written after every variant, so an interrupted run still leaves the finished corpora's figures
        payload = {"split": split, "seconds": time.perf_counter() - t0, "variants": variants, "pending": wanted[len(variants) :]}
        md = markdown(payload)
        (report / "multigenre.md").write_text(md, encoding="utf-8")
        (report / "multigenre.json").write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(md)
    return 0
