"""Core benchmarks: warm ask() latency, cold `assistant ask`, full rebuild of the default index.

Prints figures side by side with a baseline measured in the same run: for ask(),
plain dense top-k retrieval on the same Chroma collection and embedder (what a
minimal pipeline costs); for the rebuild, raw sentence-transformers encoding of
the same chunk texts (the pipeline's overhead over the encoder alone).

    .venv/bin/python evals/bench_core.py [--repeat 3] [--warm-only]

``--warm-only`` times warm ask() on the default index only, side by side with the
naive sentence baseline (dense MiniLM top-3 over every sentence, evals/MULTIGENRE.md).
Targets (issue 2): warm ask() p50 <= 300 ms, p95 <= 1 s; cold `assistant ask` <= 20 s;
full rebuild <= 60 s.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.api import Assistant  # noqa: E402
from assistant.chunking import chunk_document  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.corpus import load_corpus  # noqa: E402
from assistant.evaluation import DEFAULT_CASES, percentile  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3, help="passes over the eval questions")
    ap.add_argument("--warm-only", action="store_true", help="only warm ask() vs the naive sentence baseline, default index")
    args = ap.parse_args()
    if args.warm_only:
        return warm_only(args.repeat)
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    settings = Settings(index_dir=tmp / "index")
    a = Assistant(settings)
    a.embedder.embed(["warm up"])  # load the model outside the timings

    t0 = time.perf_counter()
    report = a.index(rebuild=True, progress=False)
    rebuild_s = time.perf_counter() - t0
    docs, _ = load_corpus(settings.corpus_dir)
    texts = [c.text for d in docs for c in chunk_document(d, settings.chunk_size, settings.chunk_overlap)]
    t0 = time.perf_counter()
    a.embedder.embed(texts)
    encode_s = time.perf_counter() - t0

    questions = [json.loads(line)["question"] for line in DEFAULT_CASES.read_text(encoding="utf-8").splitlines() if line.strip()]
    a.ask(questions[0])
    ours, base = [], []
    loaded = a.loaded()
    for _ in range(args.repeat):
        for q in questions:
            t0 = time.perf_counter()
            a.ask(q)
            ours.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            loaded.retriever.store.query(a.embedder.embed([q])[0], 5)
            base.append((time.perf_counter() - t0) * 1000)

    env = dict(os.environ, ASSISTANT_INDEX_DIR=str(tmp / "index"))
    exe = Path(sys.executable).with_name("assistant")
    cold = []
    for _ in range(2):
        t0 = time.perf_counter()
        subprocess.run([str(exe), "ask", "How many hostages were released in November?"], env=env, check=True, capture_output=True)
        cold.append(time.perf_counter() - t0)

    print(f"corpus: {len(docs)} files, {report.chunks_total} chunks; {len(ours)} timed questions\n")
    print("| figure | this project | baseline | target |")
    print("|---|---|---|---|")
    print(f"| warm ask() p50 | {percentile(ours, 50):.0f} ms | {percentile(base, 50):.0f} ms (dense top-5 only) | <= 300 ms |")
    print(f"| warm ask() p95 | {percentile(ours, 95):.0f} ms | {percentile(base, 95):.0f} ms (dense top-5 only) | <= 1000 ms |")
    print(f"| cold `assistant ask` | {min(cold):.1f} s (best of 2), {max(cold):.1f} s worst | - | <= 20 s |")
    print(f"| full rebuild | {rebuild_s:.1f} s | {encode_s:.1f} s (encoder alone, same texts) | <= 60 s |")


def warm_only(repeat: int) -> None:
    from assistant.evals.corpora.naive import NaiveSentenceBaseline
    from assistant.evaluation import load_cases

    a = Assistant(Settings())
    a.ensure_index(progress=False)
    cases = load_cases(DEFAULT_CASES, a.docs)
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
    print(f"{len(ours)} timed questions (default corpus, {repeat} passes)\n")
    print("| figure | ask() | naive sentences | target |")
    print("|---|---|---|---|")
    print(f"| warm p50 | {percentile(ours, 50):.0f} ms | {percentile(base, 50):.0f} ms | <= 100 ms |")
    print(f"| warm p95 | {percentile(ours, 95):.0f} ms | {percentile(base, 95):.0f} ms | - |")


if __name__ == "__main__":
    main()
