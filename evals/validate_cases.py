#!/usr/bin/env python3
"""Validate evaluation cases (JSONL) against the corpus.

Usage: python3 evals/validate_cases.py [cases.jsonl ...] [--corpus DIR]

Defaults: evals/cases/ceasefire.jsonl and corpus/ (relative to the repository root).
Checks the schema, id uniqueness, per-type constraints, that every gold quote is an
exact substring of its source file (and not only found in page boilerplate), that
keywords/figures are backed by the gold quotes. Prints counts per type and split.
Exits 1 on any error. Standard library only.
"""

import argparse
import collections
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CASES = [ROOT / "evals" / "cases" / "ceasefire.jsonl"]
DEFAULT_CORPUS = ROOT / "corpus"

KEYS = ["id", "type", "split", "question", "history", "answerable", "gold", "keywords", "figures"]
TYPES = ["single", "multi", "conflict", "followup", "unanswerable"]
SPLITS = ["tune", "test"]
QUOTE_MIN, QUOTE_MAX = 20, 250
KEYWORDS_MAX = 3

# Page boilerplate that must never serve as evidence.
# "lines": whole caption/credit lines (every occurrence); "tail": everything from the marker on.
BOILERPLATE = {
    "001_8a411522840ab978.txt": {
        "lines": [
            "Israeli Prime Minister Benjamin Netanyahu and United States President Joe Biden in Tel Aviv, October 18th, 2023.",
            "Evan Vucci/AP",
        ],
    },
    "003_761fb97b8a8178bf.txt": {
        "lines": [
            "A cousin of a Palestinian child killed in an Israeli strike holds the body, amid the Israel-Hamas conflict, in Deir Al-Balah in the central Gaza Strip, August 20, 2024.",
            "REUTERS/Ramadan Abed",
        ],
        "tail": "More from GZERO Media",
    },
    "004_0e219b9c6fc7574c.txt": {
        "tail": "- Israeli ethnic cleansing nears completion in northern Gaza",
    },
}


def boilerplate_spans(name, text, errors):
    spans = []
    spec = BOILERPLATE.get(name, {})
    for line in spec.get("lines", []):
        found = False
        for m in re.finditer(re.escape(line), text):
            spans.append((m.start(), m.end()))
            found = True
        if not found:
            errors.append(f"corpus {name}: boilerplate line not found (validator out of date?): {line[:60]!r}")
    tail = spec.get("tail")
    if tail:
        pos = text.find(tail)
        if pos < 0:
            errors.append(f"corpus {name}: boilerplate marker not found: {tail!r}")
        else:
            spans.append((pos, len(text)))
    return spans


def load_corpus(corpus_dir, errors):
    docs, spans = {}, {}
    for p in sorted(Path(corpus_dir).glob("*.txt")):
        with open(p, encoding="utf-8", newline="") as fh:
            text = fh.read()
        docs[p.name] = text
        spans[p.name] = boilerplate_spans(p.name, text, errors)
    if not docs:
        errors.append(f"no corpus files found in {corpus_dir}")
    return docs, spans


def is_str(x):
    return isinstance(x, str) and x.strip() != ""


def check_case(c, where, docs, spans, errors, warnings):
    def err(msg):
        errors.append(f"{where} [{c.get('id', '?') if isinstance(c, dict) else '?'}]: {msg}")

    if not isinstance(c, dict):
        err("not a JSON object")
        return
    keys = list(c.keys())
    if set(keys) != set(KEYS):
        missing = [k for k in KEYS if k not in c]
        extra = [k for k in keys if k not in KEYS]
        err(f"bad keys: missing={missing} extra={extra}")
        return
    if not (isinstance(c["id"], str) and re.fullmatch(r"c\d{3,}", c["id"])):
        err(f"bad id {c['id']!r}")
    t = c["type"]
    if t not in TYPES:
        err(f"bad type {t!r}")
        return
    if c["split"] not in SPLITS:
        err(f"bad split {c['split']!r}")
    if not is_str(c["question"]):
        err("empty question")
    for k in ("history", "gold", "keywords", "figures"):
        if not isinstance(c[k], list):
            err(f"{k} must be a list")
            return
    if not isinstance(c["answerable"], bool):
        err("answerable must be a boolean")

    # history
    h = c["history"]
    if t == "followup":
        if not h or len(h) % 2:
            err("followup history must be non-empty user/assistant pairs")
        for i, turn in enumerate(h):
            want = "user" if i % 2 == 0 else "assistant"
            if not (isinstance(turn, dict) and set(turn) == {"role", "content"}):
                err(f"history[{i}] must have exactly role and content")
                continue
            if turn["role"] != want:
                err(f"history[{i}].role should be {want!r}, got {turn['role']!r}")
            if not is_str(turn["content"]):
                err(f"history[{i}].content empty")
    elif h:
        err("history must be [] for non-followup cases")

    # answerability
    if t == "unanswerable":
        if c["answerable"] is not False:
            err("unanswerable case must have answerable=false")
        for k in ("gold", "keywords", "figures"):
            if c[k]:
                err(f"unanswerable case must have {k}=[]")
        return
    if c["answerable"] is not True:
        err("answerable case must have answerable=true")

    # gold
    gold = c["gold"]
    if not gold:
        err("gold must be non-empty")
    gold_by_src = collections.defaultdict(list)
    seen_q = set()
    for i, g in enumerate(gold):
        if not (isinstance(g, dict) and set(g) == {"source", "quote"}):
            err(f"gold[{i}] must have exactly source and quote")
            continue
        src, q = g["source"], g["quote"]
        if src not in docs:
            err(f"gold[{i}] unknown source {src!r}")
            continue
        if not is_str(q):
            err(f"gold[{i}] empty quote")
            continue
        if (src, q) in seen_q:
            err(f"gold[{i}] duplicate quote")
        seen_q.add((src, q))
        if q != q.strip():
            err(f"gold[{i}] quote has leading/trailing whitespace")
        text = docs[src]
        starts = [m.start() for m in re.finditer(re.escape(q), text)]
        if not starts:
            err(f"gold[{i}] quote is not an exact substring of {src}: {q[:80]!r}")
            continue
        clean = [s for s in starts if not any(s < e and s + len(q) > b for b, e in spans[src])]
        if not clean:
            err(f"gold[{i}] quote only occurs in boilerplate of {src}: {q[:80]!r}")
        if not (QUOTE_MIN <= len(q) <= QUOTE_MAX):
            err(f"gold[{i}] quote length {len(q)} outside {QUOTE_MIN}-{QUOTE_MAX}")
        gold_by_src[src].append(q)

    if t == "multi" and len(gold_by_src) < 2:
        err("multi case needs gold from 2+ sources")
    if t in ("single", "followup") and len(gold_by_src) > 1:
        warnings.append(f"{where} [{c['id']}]: {t} case cites {len(gold_by_src)} sources")

    # keywords
    kw = c["keywords"]
    if not (1 <= len(kw) <= KEYWORDS_MAX):
        err(f"keywords must have 1-{KEYWORDS_MAX} entries")
    all_quotes = " ".join(q for qs in gold_by_src.values() for q in qs).lower()
    for k in kw:
        if not is_str(k):
            err(f"bad keyword {k!r}")
        elif k.lower() not in all_quotes:
            err(f"keyword {k!r} not found in any gold quote")

    # figures
    figs = c["figures"]
    if t == "conflict":
        if len(gold_by_src) < 2:
            err("conflict case needs gold from 2+ sources")
        if not figs:
            err("conflict case needs figures")
        fig_srcs = set()
        for i, f in enumerate(figs):
            if not (isinstance(f, dict) and set(f) == {"source", "figure"}):
                err(f"figures[{i}] must have exactly source and figure")
                continue
            if not is_str(f["figure"]):
                err(f"figures[{i}] empty figure")
                continue
            if f["source"] not in gold_by_src:
                err(f"figures[{i}] source {f['source']!r} has no gold quote")
                continue
            fig_srcs.add(f["source"])
            if not any(f["figure"].lower() in q.lower() for q in gold_by_src[f["source"]]):
                err(f"figures[{i}] {f['figure']!r} not found in that source's gold quotes")
        if len(fig_srcs) < 2:
            err("conflict figures must cover 2+ sources")
        for src in gold_by_src:
            if src not in fig_srcs:
                err(f"gold source {src} has no figure")
    elif figs:
        err("figures must be [] for non-conflict cases")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", nargs="*", type=Path, default=DEFAULT_CASES)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = ap.parse_args()

    errors, warnings = [], []
    docs, spans = load_corpus(args.corpus, errors)
    ids = {}
    questions = {}
    counts = collections.Counter()
    for path in args.cases:
        try:
            with open(path, encoding="utf-8", newline="") as fh:
                lines = fh.read().split("\n")
        except OSError as e:
            errors.append(f"{path}: cannot read: {e}")
            continue
        if lines and lines[-1] == "":
            lines.pop()
        for n, line in enumerate(lines, 1):
            where = f"{path.name}:{n}"
            if not line.strip():
                errors.append(f"{where}: blank line")
                continue
            try:
                c = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"{where}: invalid JSON: {e}")
                continue
            check_case(c, where, docs, spans, errors, warnings)
            if not isinstance(c, dict):
                continue
            cid = c.get("id")
            if cid in ids:
                errors.append(f"{where}: duplicate id {cid!r} (first at {ids[cid]})")
            else:
                ids[cid] = where
            qkey = (str(c.get("question", "")).strip().lower(), json.dumps(c.get("history"), ensure_ascii=False, sort_keys=True))
            if qkey in questions:
                errors.append(f"{where}: duplicate question (first at {questions[qkey]})")
            else:
                questions[qkey] = where
            counts[(c.get("type"), c.get("split"))] += 1

    total = sum(counts.values())
    print(f"{total} cases")
    print(f"{'type':<14}{'tune':>6}{'test':>6}{'total':>7}")
    for t in TYPES:
        tu, te = counts[(t, "tune")], counts[(t, "test")]
        print(f"{t:<14}{tu:>6}{te:>6}{tu + te:>7}")
    tu = sum(v for (t, s), v in counts.items() if s == "tune")
    te = sum(v for (t, s), v in counts.items() if s == "test")
    print(f"{'all':<14}{tu:>6}{te:>6}{total:>7}")

    for w in warnings:
        print("WARNING:", w)
    for e in errors:
        print("ERROR:", e, file=sys.stderr)
    if errors:
        print(f"FAILED: {len(errors)} error(s)", file=sys.stderr)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
