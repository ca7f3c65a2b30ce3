"""``assistant bench``: speed, memory and retrieval quality from 1k to 100k+ chunks.

Corpora are real text that installs offline (``benchdata.py``): the KJV Bible
first (one document per chapter), then State of the Union speeches, the Brown
corpus and Reuters-21578, in that order.  A size of N chunks takes documents
from the front of that list until their chunks reach N, so every size holds the
Bible's first books, and the biggest holds all of it plus the other corpora as
distractors.  Queries are Nave's Topical Bible sub-headings with the verses
Nave cites as human relevance judgments, restricted to the verses a size holds.

Each size runs in child processes, so peak RSS is per size and nothing leaks
between sizes:

1. ``embedded``: raw sentence-transformers encoding of a sample of the chunk
   texts (the baseline for ingest), then the real pipeline (``Assistant.index``:
   load, chunk, embed, Chroma, manifest), index size on disk, retrieval quality
   of the project's hybrid search, BM25 alone and dense alone, ``ask()``
   latency beside a dense-only baseline, and the time to re-index one changed
   file (change it, then change it back);
2. ``llamaindex``: a plain LlamaIndex ``VectorStoreIndex`` with default
   settings over the same documents and the same embedder, its quality on the
   same queries;
3. ``server``: the same index served by ``chroma run`` on loopback, ``ask()``
   latency against it, and a load test of concurrent clients.

Quality is scored on verses, the unit Nave judges: a ranked list of chunks
becomes the list of verses they cover, in rank order, without repeats.  That
makes chunkings of different sizes comparable (a big chunk spends many ranks).

Sizes from ``--cache-from`` up use an on-disk embedding cache, so re-running
the 100k size does not re-embed; their ingest figures then say how many chunks
came from the cache, and the ratio to the raw encoder is only given for runs
that embedded every chunk.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from .config import ROOT

DEFAULT_CACHE = ROOT / "bench" / "cache"
DEFAULT_OUT = ROOT / "bench" / "reports"
SYSTEMS = ("project", "bm25", "dense", "llamaindex")


# --- pure helpers -----------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(p / 100 * len(s)) - 1))]


def select_docs(counts: Sequence[int], n: int) -> int:
    """How many documents, from the front, it takes for their chunk counts to reach ``n``."""
    total = 0
    for i, c in enumerate(counts):
        if total >= n:
            return i
        total += c
    return len(counts)


def verse_ranking(spans: Iterable[tuple[str, int, int]], lookup) -> list[str]:
    """Ranked chunks -> the verses they cover, in rank order, each once."""
    seen, out = set(), []
    for doc, start, end in spans:
        for v in lookup(doc, start, end):
            if v not in seen:
                seen.add(v)
                out.append(v)
    return out


def rank_scores(ranked: Sequence[str], relevant: set[str] | frozenset[str]) -> dict[str, float]:
    """nDCG@10, MRR@10 and recall@100 of a ranked verse list against binary judgments."""
    if not relevant:
        raise ValueError("a query needs at least one relevant verse")
    gains = [1.0 if v in relevant else 0.0 for v in ranked[:10]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(relevant))))
    first = next((i for i, g in enumerate(gains) if g), None)
    return {
        "ndcg@10": dcg / ideal,
        "mrr@10": 0.0 if first is None else 1 / (first + 1),
        "recall@100": len(relevant.intersection(ranked[:100])) / len(relevant),
    }


def mean_scores(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.fmean(r[k] for r in rows) for k in rows[0]} if rows else {}


def disk_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the corpus of one size -------------------------------------------------------------------


def _chunk_counts(data, cache: Path, chunk_size: int, overlap: int) -> list[int]:
    """Chunks per document under these settings (memoized on disk; chunking 20M chars takes seconds)."""
    from .chunking import chunk_document
    from .corpus import make_document
    from .types import content_hash

    key = content_hash(json.dumps([chunk_size, overlap, [(d.name, len(d.text)) for d in data.docs]]), n=16)
    path = cache / f"counts-{key}.json"
    if path.exists():
        return json.loads(path.read_text())
    counts = [len(chunk_document(make_document(d.name, d.text), chunk_size, overlap)) for d in data.docs]
    path.write_text(json.dumps(counts))
    return counts


def write_corpus(docs, dest: Path) -> None:
    """Mirror ``docs`` into ``dest``: write what differs, delete what is not listed."""
    dest.mkdir(parents=True, exist_ok=True)
    want = {d.name: d.text for d in docs}
    for p in list(dest.rglob("*.txt")):
        name = p.relative_to(dest).as_posix()
        if name not in want:
            p.unlink()
    for name, text in want.items():
        p = dest / name
        if not p.exists() or p.read_text(encoding="utf-8") != text:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8", newline="")


def size_queries(data, names: set[str], limit: int, seed: int = 13) -> list[tuple[str, str, frozenset[str]]]:
    """Nave queries restricted to the verses in ``names``; a fixed sample of ``limit``."""
    out = []
    for q in data.queries:
        rel = frozenset(v for v in q.relevant if data.verse_spans[v][0] in names)
        if rel:
            out.append((q.qid, q.text, rel))
    if len(out) > limit:
        out = sorted(random.Random(seed).sample(out, limit))
    return out


# --- child processes --------------------------------------------------------------------------


def _settings(job: dict, **extra):
    from .config import Settings

    return Settings(
        corpus_dir=Path(job["corpus"]),
        index_dir=Path(job["index"]),
        chunk_size=job["chunk_size"],
        chunk_overlap=job["overlap"],
        embed_cache=job.get("embed_cache", ""),
        **extra,
    )


def _timed_asks(assistant, questions: Sequence[str]) -> list[float]:
    ms = []
    for q in questions:
        t0 = time.perf_counter()
        assistant.ask(q)
        ms.append((time.perf_counter() - t0) * 1000)
    return ms


def _lookup(data):
    from .benchdata import verses_in_span

    return lambda doc, a, b: verses_in_span(data, doc, a, b)


def child_embedded(job: dict) -> dict:
    from tqdm import tqdm

    from .api import Assistant
    progress = job["progress"]
    settings = _settings(job)
    shutil.rmtree(settings.index_dir, ignore_errors=True)
    a = Assistant(settings)
    embedder = inner = a.embedder
    inner.embed(["warm up the model"] * 64)  # model load and one-time imports stay out of both timings
    import chromadb  # noqa: F401
    import llama_index.vector_stores.chroma  # noqa: F401

    # the baseline: raw sentence-transformers on (a sample of) the same chunk texts, warm model,
    # timed before and after the pipeline's ingest (the machine's speed drifts; the mean is fairer)
    from .chunking import chunk_document
    from .corpus import load_corpus

    texts = [c.text for d in load_corpus(settings.corpus_dir)[0] for c in chunk_document(d, settings.chunk_size, settings.chunk_overlap)]
    sample = texts if len(texts) <= job["raw_sample"] else random.Random(7).sample(texts, job["raw_sample"])

    def raw() -> float:
        t0 = time.perf_counter()
        inner._model.encode(sample, batch_size=settings.embed_batch, normalize_embeddings=True, show_progress_bar=False)
        return time.perf_counter() - t0

    from .wiring import make_embedder

    index_embedder = make_embedder(settings, for_index=True)  # the cached one, when a cache is set
    misses_before = getattr(index_embedder, "misses", None)
    raw_before = raw()
    t0 = time.perf_counter()
    report = a.index(progress=progress)
    ingest_s = time.perf_counter() - t0
    # chunks the encoder really saw (the rest came from the embedding cache)
    encoded = report.chunks_embedded if misses_before is None else index_embedder.misses - misses_before
    raw_s = (raw_before + raw()) / 2
    t0 = time.perf_counter()
    loaded = a.loaded()
    load_s = time.perf_counter() - t0
    docs = sorted(loaded.snapshot.docs.values(), key=lambda d: d.source)
    out = {
        "chunks": report.chunks_total,
        "documents": len(docs),
        "chars": sum(len(d.text) for d in docs),
        "ingest_s": ingest_s,
        "chunks_embedded": encoded,
        "chunks_per_s": report.chunks_total / ingest_s,
        "raw_sample": len(sample),
        "raw_chunks_per_s": len(sample) / raw_s,
        "load_s": load_s,
        "index_mb": disk_bytes(settings.index_dir) / 2**20,
    }
    cold = Path(job["workdir"]) / "cold-ingest.json"
    if encoded == report.chunks_total:
        out["ingest_ratio"] = out["chunks_per_s"] / out["raw_chunks_per_s"]
        cold.write_text(json.dumps({k: out[k] for k in ("ingest_s", "chunks_per_s", "raw_chunks_per_s", "raw_sample", "ingest_ratio")} | {"when": time.strftime("%Y-%m-%d %H:%M")}))
    else:  # embeddings came from the cache: report the last cold run of this size beside this one
        out["ingest_ratio"] = None
        if cold.exists():
            out["cold_ingest"] = json.loads(cold.read_text())

    # retrieval quality: project (hybrid), BM25 alone, dense alone
    from .benchdata import load as load_data

    data = load_data(Path(job["cache"]) / "data")
    look = _lookup(data)
    queries = size_queries(data, {d.source for d in docs}, job["queries"])
    r = loaded.retriever
    rows = {"project": [], "bm25": [], "dense": []}
    k = 100
    for _, text, rel in tqdm(queries, desc="quality", unit="query", disable=not progress, file=sys.stderr):
        vec = embedder.embed([text])[0]
        hybrid = [(h.chunk.source, h.chunk.start, h.chunk.end) for h in r.search(text, k, k, k, query_vec=vec)]
        bm = [r.by_id[c] for c in r.bm25_search(text, k)]
        de = [r.by_id[c] for c in r.dense_search(vec, k)]
        rows["project"].append(rank_scores(verse_ranking(hybrid, look), rel))
        rows["bm25"].append(rank_scores(verse_ranking([(c.source, c.start, c.end) for c in bm], look), rel))
        rows["dense"].append(rank_scores(verse_ranking([(c.source, c.start, c.end) for c in de], look), rel))
    out["queries"] = len(queries)
    out["quality"] = {name: mean_scores(v) for name, v in rows.items()}

    # ask() latency, and a dense-only baseline (embed + top-5 from the same collection)
    questions = [t for _, t, _ in queries][: job["latency_queries"]]
    _timed_asks(a, questions[:3])
    ms = _timed_asks(a, questions)
    base = []
    for q in questions:
        t0 = time.perf_counter()
        r.store.query(embedder.embed([q])[0], 5)
        base.append((time.perf_counter() - t0) * 1000)
    out |= {
        "ask_p50_ms": percentile(ms, 50),
        "ask_p95_ms": percentile(ms, 95),
        "dense_p50_ms": percentile(base, 50),
        "dense_p95_ms": percentile(base, 95),
        "ask_ms": ms,
    }

    # re-index one changed file: change it, then change it back
    target = Path(settings.corpus_dir) / docs[len(docs) // 2].source
    original = target.read_bytes()
    times = []
    try:
        for content in (original + b"And a line the benchmark added.\n", original):
            target.write_bytes(content)
            t0 = time.perf_counter()
            rep = a.index(progress=False)
            times.append(time.perf_counter() - t0)
            assert len(rep.changed) == 1, rep.summary()
    finally:
        target.write_bytes(original)
    out["reindex_one_s"] = max(times)
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def child_llamaindex(job: dict) -> dict:
    from llama_index.core import Document as LIDocument
    from llama_index.core import VectorStoreIndex
    from tqdm import tqdm

    from .benchdata import load as load_data
    from .corpus import load_corpus
    from .evaluation import llama_embedding
    from .wiring import make_embedder

    progress = job["progress"]
    settings = _settings(job)
    embedder = make_embedder(settings, for_index=True)  # node vectors are cached like chunk vectors
    embedder.embed(["warm up the model"])
    docs, _ = load_corpus(settings.corpus_dir)
    t0 = time.perf_counter()
    index = VectorStoreIndex.from_documents(
        [LIDocument(text=d.text, id_=d.source) for d in docs], embed_model=llama_embedding(embedder), show_progress=progress
    )
    build_s = time.perf_counter() - t0
    retriever = index.as_retriever(similarity_top_k=100)
    data = load_data(Path(job["cache"]) / "data")
    look = _lookup(data)
    texts = {d.source: d.text for d in docs}
    queries = size_queries(data, set(texts), job["queries"])
    rows, bad = [], 0
    for _, text, rel in tqdm(queries, desc="llamaindex quality", unit="query", disable=not progress, file=sys.stderr):
        spans = []
        for n in retriever.retrieve(text):
            node = n.node
            src, a, b = node.ref_doc_id, node.start_char_idx, node.end_char_idx
            if src in texts and a is not None and texts[src][a:b] == node.text:
                spans.append((src, a, b))
            else:
                bad += 1
        rows.append(rank_scores(verse_ranking(spans, look), rel))
    return {
        "build_s": build_s,
        "nodes": len(index.docstore.docs),
        "quality": mean_scores(rows),
        "bad_spans": bad,
        "peak_rss_mb": peak_rss_mb(),
    }


def child_server(job: dict) -> dict:
    from concurrent.futures import ThreadPoolExecutor

    from .api import Assistant
    from .benchdata import load as load_data

    settings = _settings(job, chroma_url=job["chroma_url"])
    a = Assistant(settings)
    loaded = a.loaded()
    data = load_data(Path(job["cache"]) / "data")
    queries = size_queries(data, set(loaded.snapshot.docs), job["queries"])
    questions = [t for _, t, _ in queries]
    _timed_asks(a, questions[:3])
    ms = _timed_asks(a, questions[: job["latency_queries"]])

    clients, per = job["clients"], job["per_client"]
    lat: list[float] = []
    errors: list[str] = []
    answered = [0] * clients
    invalid = 0
    lock = threading.Lock()

    def client(i: int) -> None:
        nonlocal invalid
        for j in range(per):
            q = questions[(i * per + j) % len(questions)]
            t0 = time.perf_counter()
            try:
                ans = a.ask(q)
            except Exception as e:  # a load test counts errors instead of stopping
                with lock:
                    errors.append(f"{type(e).__name__}: {e}")
                continue
            dt = (time.perf_counter() - t0) * 1000
            bad = sum(loaded.snapshot.docs[c.source].text[c.start : c.end] != c.quote for c in ans.citations)
            with lock:
                lat.append(dt)
                answered[i] += 1
                invalid += bad

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    wall = time.perf_counter() - t0
    return {
        "server_ask_p50_ms": percentile(ms, 50),
        "server_ask_p95_ms": percentile(ms, 95),
        "load": {
            "clients": clients,
            "questions": clients * per,
            "answered": sum(answered),
            "errors": len(errors),
            "error_samples": errors[:3],
            "invalid_citations": invalid,
            "throughput_qps": sum(answered) / wall,
            "p50_ms": percentile(lat, 50),
            "p95_ms": percentile(lat, 95),
            "wall_s": wall,
        },
    }


CHILDREN = {"embedded": child_embedded, "llamaindex": child_llamaindex, "server": child_server}


def _run_child(kind: str, job: dict) -> dict:
    out = Path(job["workdir"]) / f"{kind}.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "assistant.bench", "--child", kind, json.dumps(job)]
    res = subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False)
    if res.returncode != 0 or not out.exists():
        raise RuntimeError(f"bench child {kind!r} failed (exit {res.returncode}); see its output above")
    return json.loads(out.read_text())


class ChromaServer:
    """``chroma run`` on a free loopback port, for the length of a ``with`` block."""

    def __init__(self, path: Path, log: Path):
        self.path, self.log = Path(path), Path(log)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def __enter__(self):
        exe = Path(sys.executable).with_name("chroma")
        cmd = [str(exe) if exe.exists() else "chroma", "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)]
        env = dict(os.environ, ANONYMIZED_TELEMETRY="False")
        self.proc = subprocess.Popen(cmd, stdout=open(self.log, "w"), stderr=subprocess.STDOUT, env=env, start_new_session=True)
        import urllib.request

        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"`chroma run` exited with {self.proc.returncode}; log: {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2):
                    return self
            except OSError:
                time.sleep(0.5)
        self.__exit__(None, None, None)
        raise RuntimeError(f"`chroma run` did not answer within 120 s; log: {self.log}")

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


# --- the run ----------------------------------------------------------------------------------


def run(args) -> dict:
    cache, out = Path(args.cache), Path(args.out)
    cache.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    from . import benchdata

    progress = not args.quiet
    data = benchdata.load(cache / "data")
    counts = _chunk_counts(data, cache, args.chunk_size, args.overlap)
    total = sum(counts)
    results = []
    for n in args.sizes:
        ndocs = select_docs(counts, n)
        chunks = sum(counts[:ndocs])
        if n > total:
            print(f"bench: size {n:,} asked, but the corpora hold {total:,} chunks; using all of them", file=sys.stderr)
        work = cache / f"size-{n}-{args.chunk_size}-{args.overlap}"
        work.mkdir(parents=True, exist_ok=True)
        corpus = work / "corpus"
        write_corpus(data.docs[:ndocs], corpus)
        job = {
            "corpus": str(corpus),
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
            "progress": progress,
        }
        sources = sorted({d.source for d in data.docs[:ndocs]})
        print(f"\nbench: size {n:,}: {ndocs:,} documents ({', '.join(sources)}), {chunks:,} chunks", file=sys.stderr)
        row = {"size": n, "sources": sources, "embed_cache": bool(job["embed_cache"])}
        t0 = time.perf_counter()
        row |= _run_child("embedded", job)
        if not args.no_llamaindex:
            li = _run_child("llamaindex", job)
            row["quality"]["llamaindex"] = li.pop("quality")
            row["llamaindex"] = li
        if not args.no_server:
            with ChromaServer(Path(job["index"]) / "chroma", work / "chroma-server.log") as server:
                row |= _run_child("server", job | {"chroma_url": server.url})
        row["bench_s"] = time.perf_counter() - t0
        results.append(row)
        print(f"bench: size {n:,} done in {row['bench_s']:.0f} s", file=sys.stderr)
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


def _f(v, fmt: str = "{:.0f}") -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else fmt.format(v)


def markdown(report: dict) -> str:
    rows = report["sizes"]
    head = "| figure | " + " | ".join(f"{r['chunks']:,} chunks" for r in rows) + " |"
    lines = [head, "|---|" + "---|" * len(rows)]

    def line(label: str, fn) -> None:
        lines.append(f"| {label} | " + " | ".join(fn(r) for r in rows) + " |")

    line("documents / sources", lambda r: f"{r['documents']:,} / {'+'.join(r['sources'])}")
    line("ingest, chunks/s", lambda r: f"{r['chunks_per_s']:.1f}" + ("" if r["chunks_embedded"] == r["chunks"] else f" ({r['chunks'] - r['chunks_embedded']:,} vectors from the cache)"))
    line("raw encoder, chunks/s (sample)", lambda r: f"{r['raw_chunks_per_s']:.1f} ({r['raw_sample']:,})")
    line("ingest / raw encoder", lambda r: _f(r["ingest_ratio"], "{:.2f}x"))
    line("cold ingest (last uncached run), chunks/s; ratio", lambda r: f"{r['cold_ingest']['chunks_per_s']:.1f}; {r['cold_ingest']['ingest_ratio']:.2f}x ({r['cold_ingest']['when']})" if "cold_ingest" in r else "as above")
    line("index on disk, MB", lambda r: f"{r['index_mb']:.0f}")
    line("peak RSS, MB (pipeline process)", lambda r: f"{r['peak_rss_mb']:.0f}")
    line("index load (manifest, BM25), s", lambda r: f"{r['load_s']:.1f}")
    line("ask() p50 / p95, embedded, ms", lambda r: f"{r['ask_p50_ms']:.0f} / {r['ask_p95_ms']:.0f}")
    line("baseline: dense top-5 p50 / p95, ms", lambda r: f"{r['dense_p50_ms']:.0f} / {r['dense_p95_ms']:.0f}")
    line("ask() p50 / p95, Chroma server, ms", lambda r: f"{_f(r.get('server_ask_p50_ms'))} / {_f(r.get('server_ask_p95_ms'))}")
    line("re-index one changed file, s", lambda r: f"{r['reindex_one_s']:.2f}")
    line("queries (Nave)", lambda r: f"{r['queries']:,}")
    for metric in ("ndcg@10", "mrr@10", "recall@100"):
        for name in SYSTEMS:
            label = {"project": "project (hybrid)", "bm25": "BM25 alone", "dense": "dense alone", "llamaindex": "LlamaIndex default"}[name]
            line(f"{metric}: {label}", lambda r, m=metric, s=name: _f(r["quality"].get(s, {}).get(m), "{:.3f}"))
    line("LlamaIndex default: nodes / build s", lambda r: f"{r['llamaindex']['nodes']:,} / {r['llamaindex']['build_s']:.0f}" if "llamaindex" in r else "-")
    line("load test: clients x questions", lambda r: f"{r['load']['clients']} x {r['load']['questions'] // r['load']['clients']}" if "load" in r else "-")
    line("load test: answered / errors / bad citations", lambda r: f"{r['load']['answered']} / {r['load']['errors']} / {r['load']['invalid_citations']}" if "load" in r else "-")
    line("load test: throughput q/s, p95 ms", lambda r: f"{r['load']['throughput_qps']:.1f}, {r['load']['p95_ms']:.0f}" if "load" in r else "-")
    cfg = report["config"]
    return (
        f"# Benchmark ({report['when']}, {report['machine']['cpus']} CPUs)\n\n"
        f"chunk_size {cfg['chunk_size']} chars, overlap {cfg['overlap']} sentences; quality on Nave's Topical Bible "
        f"(verse-level judgments; at most {cfg['queries']} queries a size); latency over {cfg['latency_queries']} questions.\n\n"
        + "\n".join(lines)
        + "\n"
    )


def plot(report: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = report["sizes"]
    xs = [r["chunks"] for r in rows]
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8))
    ax = axes[0]
    for key, label, style in (
        ("ask_p50_ms", "ask() p50, embedded", "o-"),
        ("ask_p95_ms", "ask() p95, embedded", "o--"),
        ("server_ask_p50_ms", "ask() p50, Chroma server", "s-"),
        ("server_ask_p95_ms", "ask() p95, Chroma server", "s--"),
        ("dense_p50_ms", "baseline: dense top-5 p50", "^:"),
    ):
        ys = [r.get(key) for r in rows]
        if all(y is not None for y in ys):
            ax.plot(xs, ys, style, label=label)
    ax.set(xscale="log", yscale="log", xlabel="chunks in the index", ylabel="ms", title="Latency against corpus size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    ax = axes[1]
    ax.plot(xs, [r["chunks_per_s"] for r in rows], "o-", label="pipeline ingest")
    ax.plot(xs, [r["raw_chunks_per_s"] for r in rows], "s--", label="raw sentence-transformers")
    ax.set(xscale="log", xlabel="chunks in the index", ylabel="chunks/s", title="Ingest throughput")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    ax = axes[2]
    for name in SYSTEMS:
        ys = [r["quality"].get(name, {}).get("ndcg@10") for r in rows]
        if all(y is not None for y in ys):
            ax.plot(xs, ys, "o-", label=name)
    ax.set(xscale="log", xlabel="chunks in the index", ylabel="nDCG@10", title="Nave -> KJV retrieval quality")
    ax.set_ylim(bottom=0)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "bench.png", dpi=110)
    plt.close(fig)


def add_arguments(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--sizes", type=lambda s: [int(x) for x in s.replace("_", "").split(",")], default=[1000, 10000, 100000], help="chunk counts, comma-separated (default 1000,10000,100000)")
    sp.add_argument("--out", default=str(DEFAULT_OUT), help="report folder (default bench/reports)")
    sp.add_argument("--cache", default=str(DEFAULT_CACHE), help="downloads, corpora, indexes and embedding cache (default bench/cache)")
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
    sp.add_argument("--merge", action="store_true", help="keep the other sizes already in OUT/bench.json (re-run one size)")
    sp.add_argument("--quiet", action="store_true", help="no progress bars")


def _child_main(kind: str, job_json: str) -> None:
    job = json.loads(job_json)
    result = CHILDREN[kind](job)
    (Path(job["workdir"]) / f"{kind}.json").write_text(json.dumps(result, default=str))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        from .config import apply_offline_env

        apply_offline_env()
        _child_main(sys.argv[2], sys.argv[3])
    else:
        ap = argparse.ArgumentParser(prog="python -m assistant.bench")
        add_arguments(ap)
        run(ap.parse_args())
