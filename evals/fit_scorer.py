"""Reproduce the scorer's weights: ``python evals/fit_scorer.py [--extract]``.

Without ``--extract``: read the committed feature table (evals/scorer/features.csv.gz)
and write assistant/weights/scorer.json (the full model + one fold per left-out
corpus); deterministic, needs no index or model.  With ``--extract``: first run
retrieval for every case of every built dev corpus (python -m
evals.corpora build) and rewrite the table (minutes; heavy).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from assistant.config import ROOT, Settings
from assistant.indexing.calibration import null_questions
from assistant.pipeline import evidence
from assistant.plan import Plan, make_plan
from evals.cases import load_cases
from evals.corpora.build import DEFAULT_OUT
from evals.corpora.metrics import lenient_hit
from evals.fit import DEV, TABLE, fit_all, loco_table, read_table, save_weights, write_table

CACHE = ROOT / "evals" / "cache" / "scorer"


def _assistant(entry: dict):
    from assistant.api import Assistant
    from evals.corpora.runner import EMBED_CACHE
    from evals.runner import eval_settings

    assistant = Assistant(eval_settings(Settings(embed_cache=str(EMBED_CACHE)), entry["corpus"], None))
    assistant.ensure_index(progress=False)
    return assistant


def case_rows(entry: dict) -> list[list]:
    """One row per candidate sentence of every case of one corpus variant."""
    assistant = _assistant(entry)
    cases = load_cases(Path(entry["cases"]), assistant.docs)
    base = entry["name"].removesuffix("-holdout")
    rows = []
    for case in cases:
        plan = make_plan(case.question, list(case.history), assistant.settings.max_question_chars)
        ev = evidence(plan, assistant.loaded(), assistant.settings)
        gold = case.passages or case.gold
        for c, x in zip(ev.candidates, ev.features, strict=True):
            label = int(any(lenient_hit(c.source, c.start, c.end, g) for g in gold))
            rows.append([base, f"{entry['name']}/{case.id}", case.type, label, *x])
    return rows


def null_rows(entry: dict) -> list[list]:
    """Rows of the corpus's null pseudo-questions (kind 'null', label 0), as ``pipeline.null_best`` makes them."""
    assistant = _assistant(entry)
    engine, rows = assistant.loaded(), []
    for j, (text, source, para) in enumerate(null_questions(engine.sentences)):
        ev = evidence(Plan.of(text), engine, assistant.settings, exclude=(source, para))
        rows += [[entry["name"], f"{entry['name']}/null-{j}", "null", 0, *x] for x in ev.features]
    return rows


def cached(path: Path, make) -> list[list]:
    if path.exists():
        return [[*r[:3], int(r[3]), *map(float, r[4:])] for r in csv.reader(path.open(encoding="utf-8"))]
    rows = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([*r[:4], *(f"{float(v):.6f}" for v in r[4:])] for r in rows)
    return rows


def extract(out: Path) -> None:
    """Rewrite the table; each variant's rows are cached in evals/cache/scorer/ (delete to recompute)."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    rows = []
    for name in sorted(manifest):
        if name.removesuffix("-holdout") not in DEV:
            continue
        print(f"extract {name} ...", file=sys.stderr, flush=True)
        rows += cached(CACHE / f"{name}.cases.csv", lambda n=name: case_rows(manifest[n]))
        if name in DEV:
            rows += cached(CACHE / f"{name}.null.csv", lambda n=name: null_rows(manifest[n]))
    write_table(rows, TABLE)
    print(f"wrote {len(rows):,} rows to {TABLE}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--extract", action="store_true", help="recompute the feature table first (runs retrieval)")
    p.add_argument("--corpora", default=str(DEFAULT_OUT), help="where the built corpora are")
    args = p.parse_args(argv)
    if args.extract:
        extract(Path(args.corpora))
    table = read_table(TABLE)
    weights = fit_all(table)
    save_weights(weights)
    m = weights["model"]
    print(f"fitted on {', '.join(weights['trained_on'])}; threshold {m['threshold']}, null quantile {m['null_quantile']}")
    for name, c in zip(weights["features"], m["coef"], strict=True):
        print(f"  {name:16s} {c:+.3f}")
    print("offline leave-one-corpus-out estimate (top-5 candidates, no question shapes):")
    for corpus, m in loco_table(table, weights):
        print(
            f"  {corpus:12s} threshold {weights['folds'][corpus]['threshold']:.3f} q {weights['folds'][corpus]['null_quantile']} "
            + " ".join(f"{k} {v:.3f}" for k, v in m.items())
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
