"""The benchmark: its pure scoring helpers, the embedding cache, and a 1k-chunk smoke run.

The smoke run is the real thing at the smallest size (real corpora from the
package registries, the real model, embedded Chroma, a ``chroma run`` server,
the LlamaIndex baseline), with few queries so it stays short.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from assistant.adapters.cache import CachedEmbedder
from assistant.adapters.memory import HashEmbedder
from assistant.config import ROOT, Settings
from assistant.wiring import make_embedder
from evals import metrics as M
from evals.scale import bench as B
from evals.scale.report import SYSTEMS


@pytest.mark.unit
@pytest.mark.parametrize(
    "counts, n, expected",
    [
        ([5, 5, 5], 1, 1),
        ([5, 5, 5], 5, 1),
        ([5, 5, 5], 6, 2),
        ([5, 5, 5], 15, 3),
        ([5, 5, 5], 100, 3),  # more than there is: everything
        ([], 10, 0),
    ],
)
def test_select_docs(counts, n, expected):
    assert B.select_docs(counts, n) == expected


@pytest.mark.unit
def test_replicated_copies_only_the_distractors_until_the_size_is_reached():
    from evals.scale.sources import BenchDoc

    docs = [BenchDoc("kjv/Gen.txt", "In the beginning.", "kjv"), BenchDoc("sotu/a.txt", "Tonight.", "sotu")]
    docs.append(BenchDoc("brown/b.txt", "Text.", "brown"))
    out, added = B.replicated(docs, [10, 3, 2], 21)
    assert [d.name for d in out[3:]] == ["copy-1/sotu/a.txt", "copy-1/brown/b.txt", "copy-2/sotu/a.txt"]
    assert added == [3, 2, 3] and out[3].text == "Tonight." and out[3].source == "sotu"
    assert B.select_docs([10, 3, 2, *added], 21) == 6
    assert B.replicated(docs, [10, 3, 2], 15) == (docs, [])  # the sources hold enough: no copy


@pytest.mark.unit
def test_unique_in_order_keeps_rank_order_without_repeats():
    assert M.unique_in_order([["v1", "v2"], ["v9"], ["v2", "v3"], []]) == ["v1", "v2", "v9", "v3"]


@pytest.mark.unit
@pytest.mark.parametrize(
    "ranked, relevant, ndcg, mrr, recall",
    [
        (["x", "a"], {"a"}, 1 / math.log2(3), 0.5, 1.0),
        (["a", "b"], {"a", "b"}, 1.0, 1.0, 1.0),
        (["x"] * 10 + ["a"], {"a"}, 0.0, 0.0, 1.0),  # found at 11: counts for recall@100 only
        (["a"], {"a", "b"}, 1 / (1 + 1 / math.log2(3)), 1.0, 0.5),
        ([], {"a"}, 0.0, 0.0, 0.0),
    ],
)
def test_rank_scores_hand_computed(ranked, relevant, ndcg, mrr, recall):
    got = M.rank_scores(ranked, frozenset(relevant))
    assert got["ndcg@10"] == pytest.approx(ndcg)
    assert got["mrr@10"] == pytest.approx(mrr)
    assert got["recall@100"] == pytest.approx(recall)


@pytest.mark.unit
def test_rank_scores_refuses_a_query_without_judgments():
    with pytest.raises(ValueError):
        M.rank_scores(["a"], frozenset())


@pytest.mark.unit
@pytest.mark.parametrize(
    "values, p, expected",
    [
        pytest.param([3, 1, 2], 50, 2, id="median"),
        pytest.param([1, 2, 3, 4], 95, 4, id="p95-small"),
        pytest.param(list(range(1, 101)), 95, 95, id="p95-of-100"),
        pytest.param([5], 99, 5, id="one-value"),
    ],
)
def test_percentile(values, p, expected):
    assert M.percentile(values, p) == expected


@pytest.mark.unit
def test_percentile_of_nothing_is_nan_not_zero():
    assert math.isnan(M.percentile([], 50))


@pytest.mark.unit
def test_write_corpus_mirrors_documents(tmp_path):
    from evals.scale.sources import BenchDoc

    B.write_corpus([BenchDoc("kjv/Gen/001.txt", "In the beginning.\n", "kjv"), BenchDoc("r.txt", "a\r\nb", "reuters")], tmp_path)
    B.write_corpus([BenchDoc("r.txt", "a\r\nb", "reuters")], tmp_path)
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.txt"))
    assert files == ["r.txt"]
    assert (tmp_path / "r.txt").read_bytes() == b"a\r\nb"  # no newline translation


@pytest.mark.unit
def test_cached_embedder_returns_the_inner_vectors_and_embeds_each_text_once(tmp_path):
    inner = HashEmbedder()
    calls = []
    real = inner.embed
    inner.embed = lambda texts: calls.append(list(texts)) or real(texts)
    c = CachedEmbedder(inner, tmp_path / "v.sqlite")
    first = c.embed(["alpha", "beta", "alpha"])
    assert calls == [["alpha", "beta"]]
    np.testing.assert_allclose(first, real(["alpha", "beta", "alpha"]), rtol=1e-6)
    c.close()
    again = CachedEmbedder(inner, tmp_path / "v.sqlite")  # a new process would see the same file
    np.testing.assert_allclose(again.embed(["beta", "gamma"]), real(["beta", "gamma"]), rtol=1e-6)
    assert calls == [["alpha", "beta"], ["gamma"]]


@pytest.mark.unit
def test_embed_cache_serves_index_builds_only(tmp_path):
    s = Settings(embedder="hash", embed_cache=str(tmp_path / "v.sqlite"))
    assert isinstance(make_embedder(s, for_index=True), CachedEmbedder)
    assert not isinstance(make_embedder(s), CachedEmbedder)
    assert s.config_hash() == Settings(embedder="hash").config_hash()  # a cache never changes answers


@pytest.mark.integration
@pytest.mark.slow
def test_smoke_bench_1k_chunks(tmp_path):
    """`assistant bench --sizes 1000` end to end, with every figure the full run reports."""
    from assistant.cli import main

    cache = ROOT / "evals" / "cache" / "scale"  # downloads and the embedding cache are reused between runs
    out = tmp_path / "reports"
    argv = [
        "bench",
        "--sizes",
        "1000",
        "--out",
        str(out),
        "--cache",
        str(cache),
        "--cache-from",
        "0",
        "--queries",
        "60",
        "--latency-queries",
        "10",
        "--clients",
        "4",
        "--per-client",
        "5",
        "--raw-sample",
        "200",
        "--quiet",
    ]
    assert main(argv) == 0
    report = json.loads((out / "bench.json").read_text())
    (row,) = report["sizes"]
    assert 1000 <= row["chunks"] < 1100 and row["sources"] == ["kjv"]
    for key in (
        "chunks_per_s",
        "raw_chunks_per_s",
        "index_mb",
        "peak_rss_mb",
        "ask_p50_ms",
        "ask_p95_ms",
        "server_ask_p50_ms",
        "server_ask_p95_ms",
        "reindex_one_s",
        "dense_p50_ms",
    ):
        assert row[key] > 0, key
    assert set(row["quality"]) == set(SYSTEMS)
    for q in row["quality"].values():
        assert 0 < q["ndcg@10"] <= 1 and 0 < q["recall@100"] <= 1
    load = row["load"]
    assert load["answered"] == load["questions"] == 20 and load["errors"] == 0 and load["invalid_citations"] == 0
    assert (out / "bench.md").read_text().count("| ndcg@10:") == 4
    assert (out / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.unit
@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc")
def test_phase_peak_counts_only_its_phases_and_keeps_the_whole_process_peak():
    from evals.scale.children import PhasePeak

    p = PhasePeak()
    baseline = np.ones(300 * 2**20 // 8)  # a 300 MB peak outside the measured phase
    baseline[::512] = 2.0
    del baseline
    p.start()
    phase = np.ones(100 * 2**20 // 8)
    phase[::512] = 2.0
    del phase
    p.stop()
    assert p.peak is not None and p.process_peak() >= p.peak + 150


@pytest.mark.unit
@pytest.mark.parametrize(
    "encoded, expected",
    [
        (1000, "50.0"),
        (400, "50.0 (600 vectors from the cache)"),
        (1800, "50.0 (1,800 texts encoded: chunks and citable sentences)"),
    ],
)
def test_ingest_row_tells_cached_vectors_from_sentence_texts(encoded, expected):
    from evals.scale.report import _ingest

    assert _ingest({"chunks": 1000, "chunks_embedded": encoded, "chunks_per_s": 50.0}) == expected
