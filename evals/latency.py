"""Core timings on the default corpus: warm ``ask()``, cold ``assistant ask``, full rebuild; each beside a baseline.

For ``ask()`` the baseline is plain dense top-5 on the same Chroma collection
and embedder (what a minimal pipeline costs); for the rebuild, raw encoding of
the same chunk texts (the pipeline's overhead over the encoder alone).  The
index is built in a temporary folder, so the default one is untouched.

    .venv/bin/python -m evals.latency [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assistant.api import Assistant
from assistant.chunking import chunk_document
from assistant.config import Settings
from assistant.corpus import load_corpus

from .cases import DEFAULT_CASES
from .metrics import percentile


def _rebuild(a: Assistant) -> tuple[float, float, int, int]:
    """(rebuild s, raw encoder s, documents, chunks)."""
    t0 = time.perf_counter()
    report = a.index(rebuild=True, progress=False)
    rebuild_s = time.perf_counter() - t0
    docs, _ = load_corpus(a.settings.corpus_dir)
    texts = [c.text for d in docs for c in chunk_document(d, a.settings.chunk_size, a.settings.chunk_overlap)]
    t0 = time.perf_counter()
    a.embedder.embed(texts)
    return rebuild_s, time.perf_counter() - t0, len(docs), report.chunks_total


def _warm(a: Assistant, questions: list[str], repeat: int) -> tuple[list[float], list[float]]:
    """ask() ms and dense top-5 ms per question, ``repeat`` passes."""
    a.ask(questions[0])
    store, ours, base = a.loaded().retriever.store, [], []
    for _ in range(repeat):
        for q in questions:
            t0 = time.perf_counter()
            a.ask(q)
            ours.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            store.query(a.embedder.embed([q])[0], 5)
            base.append((time.perf_counter() - t0) * 1000)
    return ours, base


def _cold(index_dir: Path, runs: int = 2) -> list[float]:
    env = dict(os.environ, ASSISTANT_INDEX_DIR=str(index_dir))
    exe = Path(sys.executable).with_name("assistant")
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(
            [str(exe), "ask", "How many hostages were released in November?"], env=env, check=True, capture_output=True
        )
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m evals.latency")
    ap.add_argument("--repeat", type=int, default=3, help="passes over the eval questions")
    ap.add_argument("--warm-only", action="store_true", help="only warm ask() vs the naive sentence baseline, default index")
    ap.add_argument("--corpus", help="with --warm-only: this corpus folder (indexed into a temporary folder)")
    ap.add_argument("--cases", help="with --warm-only: this cases file (default: the default corpus's)")
    args = ap.parse_args()
    if args.warm_only:
        return warm_only(args.repeat, args.corpus, args.cases)
    index_dir = Path(tempfile.mkdtemp(prefix="bench-")) / "index"
    a = Assistant(Settings(index_dir=index_dir))
    a.embedder.embed(["warm up"])  # load the model outside the timings
    rebuild_s, encode_s, ndocs, nchunks = _rebuild(a)
    questions = [json.loads(line)["question"] for line in DEFAULT_CASES.read_text(encoding="utf-8").splitlines() if line.strip()]
    ours, base = _warm(a, questions, args.repeat)
    cold = _cold(index_dir)
    print(f"corpus: {ndocs} files, {nchunks} chunks; {len(ours)} timed questions\n")
    print("| figure | this project | baseline |")
    print("|---|---|---|")
    print(f"| warm ask() p50 | {percentile(ours, 50):.0f} ms | {percentile(base, 50):.0f} ms (dense top-5 only) |")
    print(f"| warm ask() p95 | {percentile(ours, 95):.0f} ms | {percentile(base, 95):.0f} ms (dense top-5 only) |")
    print(f"| cold `assistant ask` | {min(cold):.1f} s best, {max(cold):.1f} s worst | - |")
    print(f"| full rebuild | {rebuild_s:.1f} s | {encode_s:.1f} s (encoder alone, same texts) |")


def warm_only(repeat: int, corpus: str | None = None, cases_file: str | None = None) -> None:
    """Warm ask() beside the naive sentence baseline (dense MiniLM top-3 sentences), on the default index or ``corpus``."""
    from .cases import load_cases
    from .corpora.naive import NaiveSentenceBaseline

    where = {"corpus_dir": Path(corpus), "index_dir": Path(tempfile.mkdtemp(prefix="latency-")) / "index"} if corpus else {}
    a = Assistant(Settings(**where))
    a.ensure_index(progress=False)
    cases = load_cases(Path(cases_file) if cases_file else DEFAULT_CASES, a.docs)
    naive = NaiveSentenceBaseline(a, progress=False)
    naive.warm_up()
    a.ask(cases[0].question, cases[0].history)
    ours, base = [], []
    for _ in range(repeat):
        for c in cases:
            t0 = time.perf_counter()
            a.ask(c.question, c.history)
            ours.append((time.perf_counter() - t0) * 1000)
            base.append(naive.run(c).ms)
    print(f"{len(ours)} timed questions ({corpus or 'default corpus'}, {len(a.docs)} files, {repeat} passes)\n")
    print("| figure | ask() | naive sentences | target |")
    print("|---|---|---|---|")
    print(f"| warm p50 | {percentile(ours, 50):.0f} ms | {percentile(base, 50):.0f} ms | <= 100 ms |")
    print(f"| warm p95 | {percentile(ours, 95):.0f} ms | {percentile(base, 95):.0f} ms | - |")


if __name__ == "__main__":
    main()
