"""``bench.md`` and ``bench.png`` from ``bench.json``: one column per size, one row per figure."""

from __future__ import annotations

import math
from pathlib import Path

SYSTEMS = ("project", "bm25", "dense", "llamaindex")
LABELS = {"project": "project (hybrid)", "bm25": "BM25 alone", "dense": "dense alone", "llamaindex": "LlamaIndex default"}


def _replica(r: dict) -> str:
    load = _f(r.get("replica_load_s"), "{:.1f}")
    return f"{load}; {_f(r.get('replica_load_peak_rss_mb'))} / {_f(r.get('replica_peak_rss_mb'))}"


def _documents(r: dict) -> str:
    """Documents and sources; a size past what the sources hold says how many are copies (``--replicate``)."""
    copies = f" ({r['copies']:,} copies of non-KJV documents under other names)" if r.get("copies") else ""
    return f"{r['documents']:,} / {'+'.join(r['sources'])}{copies}"


def _f(v, fmt: str = "{:.0f}") -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else fmt.format(v)


def _ingest(r: dict) -> str:
    """chunks/s, with what the encoder saw: ``chunks_embedded`` counts every text it encoded, the citable
    sentences a build embeds beside the chunks included, so more texts than chunks is not a cache hit."""
    encoded, chunks = r["chunks_embedded"], r["chunks"]
    if encoded > chunks:
        note = f" ({encoded:,} texts encoded: chunks and citable sentences)"
    elif encoded < chunks:
        note = f" ({chunks - encoded:,} vectors from the cache)"
    else:
        note = ""
    return f"{r['chunks_per_s']:.1f}{note}"


def _cold(r: dict) -> str:
    c = r.get("cold_ingest")
    return f"{c['chunks_per_s']:.1f}; {c['ingest_ratio']:.2f}x ({c['when']})" if c else "as above"


def _pipeline_peak(r: dict) -> str:
    return _f(r.get("pipeline_peak_rss_mb"))  # "-" in reports from before it was measured


def _load(r: dict, fn) -> str:
    return fn(r["load"]) if "load" in r else "-"


def _figure_rows() -> list[tuple[str, object]]:
    rows = [
        ("documents / sources", _documents),
        ("ingest, chunks/s", _ingest),
        ("raw encoder, chunks/s (sample)", lambda r: f"{r['raw_chunks_per_s']:.1f} ({r['raw_sample']:,})"),
        ("ingest / raw encoder", lambda r: _f(r["ingest_ratio"], "{:.2f}x")),
        ("cold ingest (last uncached run), chunks/s; ratio", _cold),
        ("index on disk, MB", lambda r: f"{r['index_mb']:.0f}"),
        ("peak RSS, MB (pipeline: ingest, load, questions, re-index)", _pipeline_peak),
        ("peak RSS, MB (whole process, raw-encoder baseline included)", lambda r: f"{r['peak_rss_mb']:.0f}"),
        ("index load (manifest, keyword index), s", lambda r: f"{r['load_s']:.1f}"),
        ("ask() p50 / p95, embedded, ms", lambda r: f"{r['ask_p50_ms']:.0f} / {r['ask_p95_ms']:.0f}"),
        ("baseline: dense top-5 p50 / p95, ms", lambda r: f"{r['dense_p50_ms']:.0f} / {r['dense_p95_ms']:.0f}"),
        ("ask() p50 / p95, Chroma server, ms", lambda r: f"{_f(r.get('server_ask_p50_ms'))} / {_f(r.get('server_ask_p95_ms'))}"),
        ("replica (Chroma server): index load, s; peak RSS after load / after the load test, MB", _replica),
        ("re-index one changed file, s", lambda r: f"{r['reindex_one_s']:.2f}"),
        ("queries (Nave)", lambda r: f"{r['queries']:,}"),
    ]
    for metric in ("ndcg@10", "mrr@10", "recall@100"):
        for name in SYSTEMS:
            rows.append((f"{metric}: {LABELS[name]}", lambda r, m=metric, s=name: _f(r["quality"].get(s, {}).get(m), "{:.3f}")))
    li = lambda r: f"{r['llamaindex']['nodes']:,} / {r['llamaindex']['build_s']:.0f}" if "llamaindex" in r else "-"  # noqa: E731
    rows += [
        ("LlamaIndex default: nodes / build s", li),
        ("load test: clients x questions", lambda r: _load(r, lambda x: f"{x['clients']} x {x['questions'] // x['clients']}")),
        (
            "load test: answered / errors / bad citations",
            lambda r: _load(r, lambda x: f"{x['answered']} / {x['errors']} / {x['invalid_citations']}"),
        ),
        ("load test: throughput q/s, p95 ms", lambda r: _load(r, lambda x: f"{x['throughput_qps']:.1f}, {x['p95_ms']:.0f}")),
    ]
    return rows


def markdown(report: dict) -> str:
    rows = report["sizes"]
    lines = ["| figure | " + " | ".join(f"{r['chunks']:,} chunks" for r in rows) + " |", "|---|" + "---|" * len(rows)]
    lines += [f"| {label} | " + " | ".join(fn(r) for r in rows) + " |" for label, fn in _figure_rows()]
    cfg = report["config"]
    return (
        f"# Benchmark ({report['when']}, {report['machine']['cpus']} CPUs)\n\n"
        f"chunk_size {cfg['chunk_size']} chars, overlap {cfg['overlap']} sentences; quality on Nave's Topical Bible "
        f"(verse-level judgments; at most {cfg['queries']} queries a size); latency over {cfg['latency_queries']} questions.\n\n"
        + "\n".join(lines)
        + "\n"
    )


LATENCY_LINES = (
    ("ask_p50_ms", "ask() p50, embedded", "o-"),
    ("ask_p95_ms", "ask() p95, embedded", "o--"),
    ("server_ask_p50_ms", "ask() p50, Chroma server", "s-"),
    ("server_ask_p95_ms", "ask() p95, Chroma server", "s--"),
    ("dense_p50_ms", "baseline: dense top-5 p50", "^:"),
)


def _lines(ax, xs, rows, series) -> None:
    for key_of, label, style in series:
        ys = [key_of(r) for r in rows]
        if all(y is not None for y in ys):
            ax.plot(xs, ys, style, label=label)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)


def plot(report: dict, out: Path) -> None:
    """bench.png: latency against corpus size (log axes), ingest throughput, nDCG@10 by system."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = report["sizes"]
    xs = [r["chunks"] for r in rows]
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8))
    _lines(axes[0], xs, rows, [(lambda r, k=k: r.get(k), label, style) for k, label, style in LATENCY_LINES])
    axes[0].set(xscale="log", yscale="log", xlabel="chunks in the index", ylabel="ms", title="Latency against corpus size")
    ingest = [
        (lambda r: r["chunks_per_s"], "pipeline ingest", "o-"),
        (lambda r: r["raw_chunks_per_s"], "raw sentence-transformers", "s--"),
    ]
    _lines(axes[1], xs, rows, ingest)
    axes[1].set(xscale="log", xlabel="chunks in the index", ylabel="chunks/s", title="Ingest throughput")
    quality = [(lambda r, s=s: r["quality"].get(s, {}).get("ndcg@10"), s, "o-") for s in SYSTEMS]
    _lines(axes[2], xs, rows, quality)
    axes[2].set(xscale="log", xlabel="chunks in the index", ylabel="nDCG@10", title="Nave -> KJV retrieval quality")
    axes[2].set_ylim(bottom=0)
    fig.tight_layout()
    fig.savefig(Path(out) / "bench.png", dpi=110)
    plt.close(fig)
