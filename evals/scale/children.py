"""The benchmark's child processes, one per kind, so peak RSS is per size and nothing leaks between sizes.

``embedded``: raw sentence-transformers encoding of a sample of the chunk texts
(the ingest baseline, timed before and after the pipeline's ingest and
averaged, since the machine's speed drifts), the real pipeline
(``Assistant.index``), index load, size on disk, retrieval quality of the
project's hybrid search, keyword alone and dense alone, ``ask()`` latency beside
a dense-only baseline, and re-indexing one changed file.  ``llamaindex``: a
plain default ``VectorStoreIndex`` over the same documents and embedder.
``server``: the same index behind ``chroma run``, ``ask()`` latency and a load
test of concurrent clients.  Each takes a JSON job and returns a JSON-able dict.
"""

from __future__ import annotations

import json
import random
import resource
import shutil
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..metrics import mean_scores, percentile, rank_scores, unique_in_order
from .data import load as load_data
from .data import verses_in_span


def disk_bytes(path: Path) -> int:
    """Bytes of the files under ``path``, a file hard-linked twice (a published snapshot) counted once."""
    sizes = {(st.st_dev, st.st_ino): st.st_size for p in Path(path).rglob("*") if p.is_file() for st in [p.stat()]}
    return sum(sizes.values())


def peak_rss_mb() -> float:
    """The process's peak resident memory so far (everything it ran, baselines included)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class PhasePeak:
    """Peak resident memory of chosen phases only, and of the whole process: Linux's VmHWM.

    The raw-encoder baseline runs in the pipeline's process (same machine state for the
    ratio) and its single 3,000-text ``encode`` peaks higher than ingest does at 10k
    chunks, so the high-water mark is reset before each pipeline phase.  Resetting it
    also resets ``ru_maxrss``, so the whole process's peak is kept here too: the mark is
    read before every reset.  ``None`` where /proc cannot reset it (not Linux).
    """

    def __init__(self):
        self.peak: float | None = 0.0
        self.process = 0.0

    @staticmethod
    def _hwm() -> float:
        status = Path("/proc/self/status").read_text()
        return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0) / 1024

    def start(self) -> None:
        if self.peak is None:
            return
        try:
            self.process = max(self.process, self._hwm())
            Path("/proc/self/clear_refs").write_text("5")
        except OSError:
            self.peak = None

    def stop(self) -> None:
        if self.peak is not None:
            self.peak = max(self.peak, self._hwm())

    def process_peak(self) -> float:
        """The whole process's peak so far, baselines included."""
        return peak_rss_mb() if self.peak is None else max(self.process, self._hwm(), peak_rss_mb())


def settings_for(job: dict, **extra):
    from assistant.config import Settings

    return Settings(
        corpus_dir=Path(job["corpus"]),
        index_dir=Path(job["index"]),
        chunk_size=job["chunk_size"],
        chunk_overlap=job["overlap"],
        embed_cache=job.get("embed_cache", ""),
        **extra,
    )


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


def verse_scores(data, spans, relevant) -> dict[str, float]:
    """Rank metrics of ranked (doc, start, end) chunks, scored on the verses they cover (each once, first rank)."""
    return rank_scores(unique_in_order(verses_in_span(data, d, a, b) for d, a, b in spans), relevant)


def timed_asks(assistant, questions: Sequence[str]) -> list[float]:
    ms = []
    for q in questions:
        t0 = time.perf_counter()
        assistant.ask(q)
        ms.append((time.perf_counter() - t0) * 1000)
    return ms


# --- embedded -------------------------------------------------------------------------------------


def _raw_encoder(settings, inner, raw_sample: int):
    """A timer of raw sentence-transformers over (a sample of) the chunk texts, and the sample size."""
    from assistant.adapters.sentence_transformers import release_freed_memory
    from assistant.chunking import chunk_document
    from assistant.corpus import load_corpus

    docs = load_corpus(settings.corpus_dir)[0]
    texts = [c.text for d in docs for c in chunk_document(d, settings.chunk_size, settings.chunk_overlap)]
    sample = texts if len(texts) <= raw_sample else random.Random(7).sample(texts, raw_sample)

    def raw() -> float:
        t0 = time.perf_counter()
        inner._model.encode(sample, batch_size=settings.embed_batch, normalize_embeddings=True, show_progress_bar=False)
        elapsed = time.perf_counter() - t0
        release_freed_memory()  # the baseline's heap growth is not the pipeline's peak RSS
        return elapsed

    return raw, len(sample)


def _ingest(a, job: dict, phases: PhasePeak) -> dict:
    """Index from scratch beside the raw encoder; the figures of ingest and load."""
    from assistant.wiring import make_embedder

    settings = a.settings
    a.embedder.embed(["warm up the model"] * 64)  # model load and one-time imports stay out of both timings
    import chromadb  # noqa: F401  (the store's one vendor import)

    raw, sample = _raw_encoder(settings, a.embedder, job["raw_sample"])
    index_embedder = make_embedder(settings, for_index=True)  # the cached one, when a cache is set
    misses_before = getattr(index_embedder, "misses", None)
    raw_before = raw()
    phases.start()
    t0 = time.perf_counter()
    report = a.index(progress=job["progress"])
    ingest_s = time.perf_counter() - t0
    phases.stop()
    # chunks the encoder really saw (the rest came from the embedding cache)
    encoded = report.chunks_embedded if misses_before is None else index_embedder.misses - misses_before
    raw_s = (raw_before + raw()) / 2
    phases.start()  # load, questions and re-indexing count; the baseline's encode does not
    t0 = time.perf_counter()
    a.loaded()
    load_s = time.perf_counter() - t0
    return {
        "chunks": report.chunks_total,
        "ingest_s": ingest_s,
        "chunks_embedded": encoded,
        "chunks_per_s": report.chunks_total / ingest_s,
        "raw_sample": sample,
        "raw_chunks_per_s": sample / raw_s,
        "load_s": load_s,
        "index_mb": disk_bytes(settings.index_dir) / 2**20,
    }


def _cold_ingest(out: dict, workdir: Path) -> None:
    """The ingest ratio of a run that embedded every chunk, remembered; a cached run shows the last one."""
    cold = workdir / "cold-ingest.json"
    if out["chunks_embedded"] == out["chunks"]:
        out["ingest_ratio"] = out["chunks_per_s"] / out["raw_chunks_per_s"]
        keep = ("ingest_s", "chunks_per_s", "raw_chunks_per_s", "raw_sample", "ingest_ratio")
        cold.write_text(json.dumps({k: out[k] for k in keep} | {"when": time.strftime("%Y-%m-%d %H:%M")}))
    else:
        out["ingest_ratio"] = None
        if cold.exists():
            out["cold_ingest"] = json.loads(cold.read_text())


def _quality(a, data, queries, progress: bool) -> dict:
    """Rank metrics on verses of the project's hybrid retrieval, keyword search alone and dense alone."""
    from tqdm import tqdm

    r, k = a.loaded().retriever, 100
    rows: dict[str, list] = {"project": [], "bm25": [], "dense": []}
    span = lambda cid: (r.by_id[cid].source, r.by_id[cid].start, r.by_id[cid].end)  # noqa: E731
    for _, text, rel in tqdm(queries, desc="quality", unit="query", disable=not progress, file=sys.stderr):
        vec = a.embedder.embed([text])[0]
        hybrid = [(h.chunk.source, h.chunk.start, h.chunk.end) for h in r.search(text, k, k, k, query_vec=vec)]
        rows["project"].append(verse_scores(data, hybrid, rel))
        rows["bm25"].append(verse_scores(data, [span(c) for c in r.bm25_search(text, k)], rel))
        rows["dense"].append(verse_scores(data, [span(c) for c in r.dense_search(vec, k)], rel))
    return {name: mean_scores(v) for name, v in rows.items()}


def _latency(a, questions: Sequence[str]) -> dict:
    """ask() latency, and a dense-only baseline (embed + top-5 from the same collection)."""
    timed_asks(a, questions[:3])
    ms = timed_asks(a, questions)
    store, base = a.loaded().retriever.store, []
    for q in questions:
        t0 = time.perf_counter()
        store.query(a.embedder.embed([q])[0], 5)
        base.append((time.perf_counter() - t0) * 1000)
    return {
        "ask_p50_ms": percentile(ms, 50),
        "ask_p95_ms": percentile(ms, 95),
        "dense_p50_ms": percentile(base, 50),
        "dense_p95_ms": percentile(base, 95),
        "ask_ms": ms,
    }


def _reindex_one(a, source: str) -> float:
    """Seconds to re-index one changed file: change it, then change it back (the slower of the two)."""
    target = Path(a.settings.corpus_dir) / source
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
    return max(times)


def child_embedded(job: dict) -> dict:
    from assistant.api import Assistant

    settings = settings_for(job)
    shutil.rmtree(settings.index_dir, ignore_errors=True)
    a = Assistant(settings)
    phases = PhasePeak()
    out = _ingest(a, job, phases)
    _cold_ingest(out, Path(job["workdir"]))
    docs = sorted(a.loaded().snapshot.docs.values(), key=lambda d: d.source)
    out |= {"documents": len(docs), "chars": sum(len(d.text) for d in docs)}
    data = load_data(Path(job["cache"]) / "data")
    queries = size_queries(data, {d.source for d in docs}, job["queries"])
    out["queries"] = len(queries)
    out["quality"] = _quality(a, data, queries, job["progress"])
    out |= _latency(a, [t for _, t, _ in queries][: job["latency_queries"]])
    out["reindex_one_s"] = _reindex_one(a, docs[len(docs) // 2].source)
    phases.stop()
    out["peak_rss_mb"] = phases.process_peak()
    out["pipeline_peak_rss_mb"] = phases.peak
    return out


# --- llamaindex -----------------------------------------------------------------------------------


def child_llamaindex(job: dict) -> dict:
    from tqdm import tqdm

    from assistant.adapters.llama import default_index, node_spans
    from assistant.corpus import load_corpus
    from assistant.wiring import make_embedder

    settings = settings_for(job)
    embedder = make_embedder(settings, for_index=True)  # node vectors are cached like chunk vectors
    embedder.embed(["warm up the model"])
    texts = {d.source: d.text for d in load_corpus(settings.corpus_dir)[0]}
    t0 = time.perf_counter()
    index = default_index(texts, embedder, source_metadata=False, show_progress=job["progress"])
    build_s = time.perf_counter() - t0
    retriever = index.as_retriever(similarity_top_k=100)
    data = load_data(Path(job["cache"]) / "data")
    rows, bad = [], 0
    queries = size_queries(data, set(texts), job["queries"])
    for _, text, rel in tqdm(queries, desc="llamaindex quality", unit="query", disable=not job["progress"], file=sys.stderr):
        units, dropped = node_spans(retriever.retrieve(text), texts)
        bad += dropped
        rows.append(verse_scores(data, [(s, a, b) for s, a, b, _ in units], rel))
    nodes = len(index.docstore.docs)
    return {"build_s": build_s, "nodes": nodes, "quality": mean_scores(rows), "bad_spans": bad, "peak_rss_mb": peak_rss_mb()}


# --- server ---------------------------------------------------------------------------------------


def load_test(a, questions: Sequence[str], clients: int, per: int) -> dict:
    """``clients`` threads asking ``per`` questions each; errors are counted, citations checked."""
    docs = a.loaded().snapshot.docs
    lat: list[float] = []
    errors: list[str] = []
    answered, invalid = [0] * clients, [0] * clients
    lock = threading.Lock()

    def client(i: int) -> None:
        for j in range(per):
            t0 = time.perf_counter()
            try:
                ans = a.ask(questions[(i * per + j) % len(questions)])
            except Exception as e:  # a load test counts errors instead of stopping
                with lock:
                    errors.append(f"{type(e).__name__}: {e}")
                continue
            dt = (time.perf_counter() - t0) * 1000
            invalid[i] += sum(docs[c.source].text[c.start : c.end] != c.quote for c in ans.citations)
            answered[i] += 1
            with lock:
                lat.append(dt)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    wall = time.perf_counter() - t0
    return {
        "clients": clients,
        "questions": clients * per,
        "answered": sum(answered),
        "errors": len(errors),
        "error_samples": errors[:3],
        "invalid_citations": sum(invalid),
        "throughput_qps": sum(answered) / wall,
        "p50_ms": percentile(lat, 50),
        "p95_ms": percentile(lat, 95),
        "wall_s": wall,
    }


def child_server(job: dict) -> dict:
    from assistant.api import Assistant
    from assistant.wiring import index_owner

    # the embedded build wrote no owner id (it had no server); the indexer's side writes one, as `assistant index
    # --chroma-url` would have, and the replica reads it, as `serve --replica` does.  The server reads a large
    # collection from disk on its first query (minutes at 1M vectors), so requests may take that long here.
    server = {"chroma_url": job["chroma_url"], "chroma_timeout": job.get("server_timeout", 900.0)}
    index_owner(settings_for(job, **server))
    a = Assistant(settings_for(job, **server, replica=True))
    t0 = time.perf_counter()
    docs = set(a.loaded().snapshot.docs)
    load_s = time.perf_counter() - t0
    load_peak = peak_rss_mb()  # the replica with its index loaded, before the benchmark's own data
    data = load_data(Path(job["cache"]) / "data")
    questions = [t for _, t, _ in size_queries(data, docs, job["queries"])]
    first_ms = timed_asks(a, questions[:1])[0]  # the server loads the collection's vector index
    timed_asks(a, questions[1:3])
    ms = timed_asks(a, questions[: job["latency_queries"]])
    return {
        "replica_load_s": load_s,
        "replica_load_peak_rss_mb": load_peak,
        "server_first_ask_ms": first_ms,
        "server_ask_p50_ms": percentile(ms, 50),
        "server_ask_p95_ms": percentile(ms, 95),
        "load": load_test(a, questions, job["clients"], job["per_client"]),
        "replica_peak_rss_mb": peak_rss_mb(),  # the replica's process: load, questions, load test (Nave data included)
    }


CHILDREN = {"embedded": child_embedded, "llamaindex": child_llamaindex, "server": child_server}
