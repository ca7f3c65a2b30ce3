"""``assistant bench``: speed, memory and retrieval quality from 1k to 100k+ chunks.

Corpora are real text that installs offline (``data.py``): the KJV Bible first
(one document per chapter), then State of the Union speeches, the Brown corpus
and Reuters-21578, in that order.  A size of N chunks takes documents from the
front of that list until their chunks reach N, so every size holds the Bible's
first books, and the biggest holds all of it plus the other corpora as
distractors.  Queries are Nave's Topical Bible sub-headings with the verses
Nave cites as human relevance judgments, restricted to the verses a size holds.

Each size runs in child processes (``children.py``).  Quality is scored on
verses, the unit Nave judges: a ranked list of chunks becomes the list of
verses they cover, in rank order, without repeats, which makes chunkings of
different sizes comparable (a big chunk spends many ranks).  Sizes from
``--cache-from`` up use an on-disk embedding cache, so re-running the 100k
size does not re-embed; their ingest ratio is then given for the last run that
embedded every chunk.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from assistant.config import ROOT

DEFAULT_CACHE = ROOT / "evals" / "cache" / "scale"
DEFAULT_OUT = ROOT / "evals" / "reports" / "scale"


def select_docs(counts: Sequence[int], n: int) -> int:
    """How many documents, from the front, it takes for their chunk counts to reach ``n``."""
    total = 0
    for i, c in enumerate(counts):
        if total >= n:
            return i
        total += c
    return len(counts)


def chunk_counts(data, cache: Path, chunk_size: int, overlap: int) -> list[int]:
    """Chunks per document under these settings (memoized on disk; chunking 20M chars takes seconds)."""
    from assistant.chunking import chunk_document
    from assistant.config import Settings
    from assistant.corpus import make_document
    from assistant.types import content_hash

    chunker = Settings(chunk_size=chunk_size, chunk_overlap=overlap).index_signature()["chunker"]
    key = content_hash(json.dumps([chunk_size, overlap, chunker, [(d.name, len(d.text)) for d in data.docs]]), n=16)
    path = cache / f"counts-{key}.json"
    if path.exists():
        return json.loads(path.read_text())
    counts = [len(chunk_document(make_document(d.name, d.text), chunk_size, overlap)) for d in data.docs]
    path.write_text(json.dumps(counts))
    return counts


def replicated(docs: Sequence, counts: Sequence[int], n: int, keep: str = "kjv") -> tuple[list, list[int]]:
    """``docs`` (all of them) plus copies of the documents not from ``keep`` under ``copy-<k>/`` names, in
    rounds, until their chunk counts reach ``n``; and the copies' chunk counts.

    The scale run past what the sources hold (``--replicate``): KJV, which the Nave queries judge, stays one
    copy, so every copy is a distractor; copies are the same text under another file name, so their vectors
    come from the embedding cache and the keyword index sees the same words again (an easier haystack than
    as many distinct texts: the report labels it)."""
    out, added = list(docs), []
    pool = [(d, c) for d, c in zip(docs, counts, strict=True) if d.source != keep and c]
    total, k = sum(counts), 1
    while total < n and pool:
        for d, c in pool:
            if total >= n:
                break
            out.append(replace(d, name=f"copy-{k}/{d.name}"))
            added.append(c)
            total += c
        k += 1
    return out, added


def write_corpus(docs, dest: Path) -> None:
    """Mirror ``docs`` into ``dest``: write what differs, delete what is not listed."""
    dest.mkdir(parents=True, exist_ok=True)
    want = {d.name: d.text for d in docs}
    for p in list(dest.rglob("*.txt")):
        if p.relative_to(dest).as_posix() not in want:
            p.unlink()
    for name, text in want.items():
        p = dest / name
        if not p.exists() or p.read_text(encoding="utf-8") != text:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8", newline="")


def run_child(kind: str, job: dict) -> dict:
    out = Path(job["workdir"]) / f"{kind}.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "evals.scale.bench", "--child", kind, json.dumps(job)]
    res = subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False)
    if res.returncode != 0 or not out.exists():
        raise RuntimeError(f"bench child {kind!r} failed (exit {res.returncode}); see its output above")
    return json.loads(out.read_text())


def _job(args, n: int, work: Path, cache: Path) -> dict:
    return {
        "corpus": str(work / "corpus"),
        "index": str(work / "index"),
        "workdir": str(work),
        "cache": str(cache),
        "chunk_size": args.chunk_size,
        "overlap": args.overlap,
        "embed_cache": str(cache / "embeddings.sqlite") if n >= args.cache_from else "",
        "raw_sample": args.raw_sample,
        "queries": args.queries,
        "latency_queries": args.latency_queries,
        "clients": args.clients,
        "per_client": args.per_client,
        "progress": not args.quiet,
    }


def run_size(args, data, counts: list[int], n: int, cache: Path) -> dict:
    """Every figure of one size, from its three child processes."""
    from .server import ChromaServer

    docs = data.docs
    if n > sum(counts) and args.replicate:
        docs, more = replicated(docs, counts, n)
        counts = [*counts, *more]
    elif n > sum(counts):
        print(f"bench: size {n:,} asked, but the corpora hold {sum(counts):,} chunks; using all of them", file=sys.stderr)
    ndocs = select_docs(counts, n)
    copies = sum(1 for d in docs[:ndocs] if d.name.startswith("copy-"))
    work = cache / f"size-{n}-{args.chunk_size}-{args.overlap}"
    work.mkdir(parents=True, exist_ok=True)
    write_corpus(docs[:ndocs], work / "corpus")
    job = _job(args, n, work, cache)
    sources = sorted({d.source for d in docs[:ndocs]})
    print(
        f"\nbench: size {n:,}: {ndocs:,} documents ({', '.join(sources)}; {copies:,} copies), {sum(counts[:ndocs]):,} chunks",
        file=sys.stderr,
    )
    row = {"size": n, "sources": sources, "embed_cache": bool(job["embed_cache"]), "copies": copies}
    t0 = time.perf_counter()
    done = work / "embedded.json"
    if args.resume and done.exists():  # a run whose later child failed: keep the embedded figures, run the rest
        print(f"bench: size {n:,}: embedded figures from {done} (--resume)", file=sys.stderr)
        row |= json.loads(done.read_text())
    else:
        row |= run_child("embedded", job)
    if not args.no_llamaindex:
        li = run_child("llamaindex", job)
        row["quality"]["llamaindex"] = li.pop("quality")
        row["llamaindex"] = li
    if not args.no_server:
        with ChromaServer(Path(job["index"]) / "chroma", work / "chroma-server.log") as server:
            row |= run_child("server", job | {"chroma_url": server.url})
    row["bench_s"] = time.perf_counter() - t0
    print(f"bench: size {n:,} done in {row['bench_s']:.0f} s", file=sys.stderr)
    return row


def run(args) -> dict:
    from . import data as scale_data
    from .report import markdown, plot

    cache, out = Path(args.cache), Path(args.out)
    cache.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    data = scale_data.load(cache / "data")
    counts = chunk_counts(data, cache, args.chunk_size, args.overlap)
    results = [run_size(args, data, counts, n, cache) for n in args.sizes]
    if args.merge and (out / "bench.json").exists():  # keep the other sizes of the last report
        ran = {r["size"] for r in results}
        kept = [r for r in json.loads((out / "bench.json").read_text())["sizes"] if r["size"] not in ran]
        results = sorted(kept + results, key=lambda r: r["size"])
    report = {
        "config": {k: v for k, v in vars(args).items() if k not in ("fn", "cmd")},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "sizes": results,
    }
    (out / "bench.json").write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    (out / "bench.md").write_text(markdown(report), encoding="utf-8")
    plot(report, out)
    print(markdown(report))
    print(f"\nReport: {out / 'bench.json'}, {out / 'bench.md'}, plots in {out}", file=sys.stderr)
    return report


def _sizes(s: str) -> list[int]:
    return [int(x) for x in s.replace("_", "").split(",")]


def add_arguments(sp: argparse.ArgumentParser) -> None:
    sp.add_argument(
        "--sizes", type=_sizes, default=[1000, 10000, 100000], help="chunk counts, comma-separated (default 1000,10000,100000)"
    )
    sp.add_argument("--out", default=str(DEFAULT_OUT), help="report folder (default evals/reports/scale)")
    sp.add_argument(
        "--cache", default=str(DEFAULT_CACHE), help="downloads, corpora, indexes and embedding cache (default evals/cache/scale)"
    )
    sp.add_argument("--chunk-size", type=int, default=250, help="characters per chunk (default 250)")
    sp.add_argument("--overlap", type=int, default=0, help="sentences shared by neighbouring chunks (default 0)")
    sp.add_argument("--cache-from", type=int, default=50000, help="sizes from this many chunks up use the embedding cache")
    sp.add_argument("--raw-sample", type=int, default=3000, help="chunk texts encoded by the raw-encoder baseline")
    sp.add_argument("--queries", type=int, default=500, help="Nave queries scored per size")
    sp.add_argument("--latency-queries", type=int, default=100, help="questions timed through ask()")
    sp.add_argument("--clients", type=int, default=8, help="load test: concurrent clients")
    sp.add_argument("--per-client", type=int, default=50, help="load test: questions per client")
    sp.add_argument("--no-server", action="store_true", help="skip the Chroma server figures and the load test")
    sp.add_argument("--no-llamaindex", action="store_true", help="skip the LlamaIndex baseline")
    sp.add_argument(
        "--replicate",
        action="store_true",
        help="sizes past what the sources hold add copies of the non-KJV documents under other names (labelled)",
    )
    sp.add_argument(
        "--resume", action="store_true", help="reuse a size's embedded figures from its last run (a later child failed)"
    )
    sp.add_argument("--merge", action="store_true", help="keep the other sizes already in OUT/bench.json (re-run one size)")
    sp.add_argument("--quiet", action="store_true", help="no progress bars")


def _child_main(kind: str, job_json: str) -> None:
    from .children import CHILDREN

    job = json.loads(job_json)
    result = CHILDREN[kind](job)
    (Path(job["workdir"]) / f"{kind}.json").write_text(json.dumps(result, default=str))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        from assistant.config import apply_offline_env

        apply_offline_env()
        _child_main(sys.argv[2], sys.argv[3])
    else:
        ap = argparse.ArgumentParser(prog="python -m evals.scale.bench")
        add_arguments(ap)
        run(ap.parse_args())
