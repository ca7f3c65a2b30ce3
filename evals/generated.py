"""``assistant eval --generator URL|local``: the cases answered extractively and generated, in one report.

For each case the extractive answer and the generated one (the same retrieval,
the same evidence) are scored side by side: citation validity, evidence hit,
abstention, latency; for generated answers also time to first token, tokens/s,
the share of generated sentences dropped as unsupported by the fast judge, and
ALCE citation recall and precision of the shown sentences under the model
judge (the same LLM answering yes/no; ``ModelJudge``).  ALCE here judges each
generated sentence against its own citations: recall is the share of sentences
their citations together support; a citation is relevant when it alone supports
its sentence or the others without it no longer do.  (For extractive answers
every sentence *is* its citation, so that figure is 1 by construction; their
row gives the lexical judge's ALCE against the case's gold claims instead, as
``assistant eval`` does.)
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from assistant.errors import AssistantError
from assistant.generated.compose import NO_ANSWER_NOTE
from assistant.types import Answer

from . import metrics as m
from .cases import DEFAULT_CASES, Case, load_cases
from .judges import LexicalJudge

OUT = Path(__file__).resolve().parents[1] / "evals" / "reports" / "generated"


class ModelJudge:
    """Support judged by the generator itself: "Is the statement fully supported by the evidence? yes/no"."""

    name = "model"

    def __init__(self, generator):
        from assistant.generated.compose import model_judge

        self._judge = model_judge(generator)
        self.calls = 0

    def supports(self, claim: str, evidence: str) -> bool:
        self.calls += 1
        return bool(self._judge(claim, [evidence]))


def sentence_alce(ans: Answer, judge) -> tuple[float | None, float | None]:
    """ALCE (recall, precision) of a generated answer's shown sentences against their own citations.

    Each sentence is its own claim (``metrics.alce_scores``); precision is over all their citations."""
    quotes = {c.n: c.quote for c in ans.citations}
    shown = [s for s in ans.sentences if s.shown]
    if not shown:
        return None, None
    recall, relevant, total = 0.0, 0.0, 0
    for s in shown:
        cits = [quotes[n] for n in s.citations if n in quotes]
        r, p = m.alce_scores([s.text], cits, judge)
        recall, relevant, total = recall + r, relevant + (p or 0.0) * len(cits), total + len(cits)
    return recall / len(shown), (relevant / total if total else None)


def _timed(assistant, case: Case) -> tuple[Answer, float, float | None]:
    t0, first, final = time.perf_counter(), None, None
    for kind, value in assistant.ask_stream(case.question, case.history or None, None, "generated"):
        if kind == "token" and first is None:
            first = time.perf_counter()
        elif kind == "final":
            final = value
    total = (time.perf_counter() - t0) * 1000
    return final, total, None if first is None else (first - t0) * 1000


def case_rows(assistant, case: Case, judge, docs) -> tuple[dict, dict]:
    """(extractive row, generated row) for one case."""
    passages = case.passages or case.gold
    t0 = time.perf_counter()
    ext = assistant.ask(case.question, case.history or None, None, "extractive")
    ext_ms = (time.perf_counter() - t0) * 1000
    gen, gen_ms, ttft = _timed(assistant, case)
    rows = []
    for a, ms in ((ext, ext_ms), (gen, gen_ms)):
        rows.append(
            {
                "id": case.id,
                "answerable": case.answerable,
                "abstained": a.abstained,
                "validity": m.citation_validity(a.citations, docs),
                "evidence_hit": float(m.evidence_hit(a.citations, passages)) if case.answerable else None,
                "ms": ms,
                "mode": a.mode,
                "text": a.text,
                "notice": a.notice,
            }
        )
    if case.answerable and case.claims:
        rows[0]["alce_recall"], rows[0]["alce_precision"] = m.alce_scores(
            case.claims, [c.quote for c in ext.citations], LexicalJudge()
        )
    g = rows[1]
    g["generated"] = gen.mode == "generated"
    g["sentences"] = len(gen.sentences)
    g["dropped"] = sum(1 for s in gen.sentences if not s.shown)
    g["invalid_markers"] = gen.invalid_markers
    g["ttft_ms"] = ttft
    g["tokens_per_s"] = gen.generation.get("tokens_per_s")
    g["said_not_in_sources"] = NO_ANSWER_NOTE in gen.notice
    if gen.mode == "generated":
        g["alce_recall"], g["alce_precision"] = sentence_alce(gen, judge)
    g["unsupported"] = [s.to_dict() for s in gen.unsupported]
    return rows[0], g


def summarize(rows: Sequence[dict]) -> dict:
    ms = [r["ms"] for r in rows]
    out = {
        "cases": len(rows),
        "citation_validity": m.mean(r["validity"] for r in rows),
        "evidence_hit": m.mean(r["evidence_hit"] for r in rows if r["answerable"]),
        **m.abstention_scores([r["answerable"] for r in rows], [r["abstained"] for r in rows]),
        "alce_recall": m.mean(r.get("alce_recall") for r in rows),
        "alce_precision": m.mean(r.get("alce_precision") for r in rows),
        "p50_ms": m.percentile(ms, 50),
        "p95_ms": m.percentile(ms, 95),
    }
    if rows and "generated" in rows[0]:
        sentences = sum(r["sentences"] for r in rows)
        out |= {
            "generated_share": m.mean(float(r["generated"]) for r in rows),
            "dropped_unsupported": sum(r["dropped"] for r in rows) / sentences if sentences else None,
            "invalid_markers": sum(r["invalid_markers"] for r in rows),
            "said_not_in_sources": sum(r["said_not_in_sources"] for r in rows),
            "ttft_p50_ms": m.percentile([r["ttft_ms"] for r in rows if r["ttft_ms"] is not None], 50),
            "tokens_per_s": m.mean(r["tokens_per_s"] for r in rows),
        }
    return out


def sample(cases: Sequence[Case], limit: int) -> list[Case]:
    """``limit`` cases spread evenly over the file (every type gets its share), or all of them."""
    if not limit or limit >= len(cases):
        return list(cases)
    step = len(cases) / limit
    return [cases[int(i * step)] for i in range(limit)]


def compare(assistant, cases: Sequence[Case], judge, desc: str = "eval extractive + generated") -> dict:
    """Both modes on ``cases``: per-mode summaries and the per-case rows."""
    from tqdm import tqdm

    ext, gen_rows = [], []
    for case in tqdm(cases, desc=desc, unit="case", file=sys.stderr):
        e, g = case_rows(assistant, case, judge, assistant.docs)
        ext.append(e)
        gen_rows.append(g)
    return {
        "metrics": {"extractive": summarize(ext), "generated": summarize(gen_rows)},
        "cases": [{"extractive": e, "generated": g} for e, g in zip(ext, gen_rows, strict=True)],
    }


def _ready(settings):
    from assistant.api import Assistant

    assistant = Assistant(settings)
    report = assistant.ensure_index()
    if report:
        print(report.summary(), file=sys.stderr)
    if assistant.generator is None:
        raise AssistantError("--generator needs an OpenAI-compatible base URL or 'local'")
    assistant.warm_up()
    return assistant


def _keys(metrics: dict) -> list[str]:
    return [k for k in metrics["generated"] if k != "cases"]


def run_cli(args, settings) -> int:
    """The default corpus's cases (``--cases``), ``--limit`` of them spread over the file."""
    from .report import format_table

    assistant = _ready(settings)
    gen = assistant.generator
    cases = sample(load_cases(Path(args.cases) if args.cases else DEFAULT_CASES, assistant.docs), args.limit)
    judge = ModelJudge(gen)
    payload = {"generator": gen.name, "cases_file": str(args.cases or DEFAULT_CASES.name)}
    payload |= compare(assistant, cases, judge) | {"judge_calls": judge.calls}
    out = Path(args.out) if args.out else OUT
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    table = format_table(payload["metrics"], _keys(payload["metrics"]))
    (out / "summary.md").write_text(
        f"# Extractive and generated answers ({gen.name}, {len(cases)} cases)\n\n{table}\n", encoding="utf-8"
    )
    print(table)
    print(f"\nReport: {out / 'report.json'}, {out / 'summary.md'}")
    return 0


def run_corpora(args, settings) -> int:
    """The multi-genre benchmark (``--corpora``): each corpus and its holdout, leave-one-corpus-out scorer,
    ``--limit`` cases per variant spread over its file."""
    from .corpora.build import DEFAULT_OUT, build
    from .corpora.runner import EMBED_CACHE
    from .report import format_table
    from .runner import eval_settings

    if not (DEFAULT_OUT / "manifest.json").exists():
        build(DEFAULT_OUT, None)
    manifest = json.loads((DEFAULT_OUT / "manifest.json").read_text(encoding="utf-8"))
    names = [n for n in manifest if not args.corpora or n.removesuffix("-holdout") in args.corpora or n in args.corpora]
    out = Path(args.out) if args.out else OUT
    out.mkdir(parents=True, exist_ok=True)
    payload: dict = {"variants": {}}
    lines = ["# Extractive and generated answers on the multi-genre benchmark", ""]
    for name in sorted(names, key=lambda n: manifest[n]["chars"]):
        entry = manifest[name]
        fold = name.removesuffix("-holdout")
        s = eval_settings(
            settings.model_copy(update={"embed_cache": str(EMBED_CACHE), "scorer_fold": fold}), entry["corpus"], None
        )
        assistant = _ready(s)
        payload["generator"] = assistant.generator.name
        cases = sample(load_cases(Path(entry["cases"]), assistant.docs), args.limit)
        judge = ModelJudge(assistant.generator)
        result = compare(assistant, cases, judge, desc=f"{name}: extractive + generated")
        payload["variants"][name] = result | {"judge_calls": judge.calls}
        lines += [
            f"## {name} ({len(cases)} cases; scorer fold without {fold})",
            "",
            format_table(result["metrics"], _keys(result["metrics"])),
            "",
        ]
        (out / "multigenre.md").write_text("\n".join(lines), encoding="utf-8")
        (out / "multigenre.json").write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    print("\n".join(lines))
    return 0
