"""Reciprocal-rank and convex fusion, filters and the hybrid retriever (in-memory fakes)."""

from __future__ import annotations

import pytest

from assistant.adapters.memory import HashEmbedder, MemoryKeywordIndex, MemoryStore
from assistant.chunking import chunk_document
from assistant.corpus import make_document
from assistant.retrieval import Filters, HybridRetriever, convex, rrf
from assistant.types import Chunk, Document

pytestmark = pytest.mark.unit


# --- reciprocal-rank fusion -------------------------------------------------------------------------


def test_rrf_hand_computed_scores_and_order():
    out = rrf({"bm25": ["a", "b", "c"], "dense": ["b", "d"]}, k=60)
    expected = [
        ("b", 1 / 62 + 1 / 61, {"bm25": 2, "dense": 1}),
        ("a", 1 / 61, {"bm25": 1}),
        ("d", 1 / 62, {"dense": 2}),
        ("c", 1 / 63, {"bm25": 3}),
    ]
    assert [cid for cid, _, _ in out] == [e[0] for e in expected]
    for (cid, score, ranks), (_, want, want_ranks) in zip(out, expected, strict=True):
        assert score == pytest.approx(want, rel=1e-12), cid
        assert ranks == want_ranks


def test_rrf_ties_broken_by_id():
    out = rrf({"x": ["zeta", "beta"], "y": ["alpha", "gamma"]}, k=10)
    assert [cid for cid, _, _ in out] == ["alpha", "zeta", "beta", "gamma"]
    assert out[0][1] == out[1][1] == pytest.approx(1 / 11)


def test_rrf_id_found_by_only_one_retriever_can_beat_lower_ranks():
    out = dict((cid, s) for cid, s, _ in rrf({"bm25": ["solo"], "dense": ["x", "y", "z"]}, k=1))
    assert out["solo"] == pytest.approx(1 / 2)
    assert out["x"] == pytest.approx(1 / 2)
    assert out["z"] == pytest.approx(1 / 4)


def test_rrf_empty():
    assert rrf({"bm25": [], "dense": []}) == []


# --- filters ------------------------------------------------------------------------------------------


DOCS = {
    "day.txt": Document("day.txt", "x", date="2024-06-24"),
    "month.txt": Document("month.txt", "x", date="2024-06"),
    "year.txt": Document("year.txt", "x", date="2024"),
    "old.txt": Document("old.txt", "x", date="2023-12"),
    "new.txt": Document("new.txt", "x", date="2025-07"),
    "undated.txt": Document("undated.txt", "x", date=""),
}


@pytest.mark.parametrize(
    "filters,admitted",
    [
        pytest.param(Filters(), set(DOCS), id="no-filter-admits-all-including-undated"),
        pytest.param(Filters(sources=("old.txt", "undated.txt")), {"old.txt", "undated.txt"}, id="sources"),
        pytest.param(Filters(date_from="2024"), {"day.txt", "month.txt", "year.txt", "new.txt"}, id="from-year"),
        pytest.param(Filters(date_to="2023"), {"old.txt"}, id="to-year"),
        pytest.param(Filters(date_from="2024-06", date_to="2024-06"), {"day.txt", "month.txt", "year.txt"}, id="june-2024"),
        pytest.param(Filters(date_from="2024-06-25"), {"month.txt", "year.txt", "new.txt"}, id="from-day-after"),
        pytest.param(Filters(date_to="2024-06-23"), {"month.txt", "year.txt", "old.txt"}, id="to-day-before"),
        pytest.param(Filters(date_from="2024-06-24", date_to="2024-06-24"), {"day.txt", "month.txt", "year.txt"}, id="exact-day"),
        pytest.param(Filters(date_from="2024-07", date_to="2025-06"), {"year.txt"}, id="gap"),
        pytest.param(Filters(sources=("day.txt", "old.txt"), date_from="2024"), {"day.txt"}, id="sources-and-dates"),
        pytest.param(Filters(sources=("undated.txt",), date_to="2030"), set(), id="undated-excluded-by-date-filter"),
    ],
)
def test_filters_admit(filters, admitted):
    assert {s for s, d in DOCS.items() if filters.admits(d)} == admitted


@pytest.mark.parametrize(
    "kw", [{"date_from": "June 2024"}, {"date_to": "2024-13"}, {"date_from": "2024-02-30"}, {"date_to": "24"}]
)
def test_bad_filter_date_raises_value_error(kw):
    with pytest.raises(ValueError, match="YYYY, YYYY-MM or YYYY-MM-DD"):
        Filters(**kw)


def test_doc_with_unparsable_date_is_excluded_not_an_error():
    assert Filters(date_from="2024").admits(Document("bad.txt", "x", date="2024-13")) is False


def test_filters_active():
    assert not Filters().active
    assert Filters(sources=("a",)).active and Filters(date_to="2024").active


# --- hybrid retriever with in-memory fakes ---------------------------------------------------------

FAKE_DOCS = {
    "truce.txt": ("2023-12", "The November truce saw Hamas release fifty hostages. Israel freed prisoners in exchange."),
    "lebanon.txt": ("2024-10", "Hezbollah and Israel exchanged fire across the Lebanon border. Villages were evacuated."),
    "tariffs.txt": ("2025-04", "The tariffs hit stock markets worldwide. Trade partners threatened retaliation."),
    "undated.txt": ("", "Mediators from Qatar and Egypt shuttled between the parties. Hostages remained in Gaza."),
}


@pytest.fixture
def hybrid():
    docs = {s: make_document(s, text, {"date": d}) for s, (d, text) in FAKE_DOCS.items()}
    chunks = [c for doc in docs.values() for c in chunk_document(doc, 70, 0)]
    emb, store = HashEmbedder(), MemoryStore()
    store.add(chunks, emb.embed([c.text for c in chunks]))
    keyword = MemoryKeywordIndex().fit([c.id for c in chunks], [c.text for c in chunks])
    return HybridRetriever(chunks, docs, store, emb, rrf_k=60, keyword=keyword)


def test_hybrid_exact_term_first(hybrid):
    hits = hybrid.search("Hezbollah border", top=3)
    assert hits[0].chunk.source == "lebanon.txt"
    assert hits[0].chunk.text.startswith("Hezbollah")
    assert set(hits[0].ranks) == {"bm25", "dense"} and hits[0].ranks["bm25"] == 1
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_hybrid_hit_scores_are_the_configured_fusion(hybrid):
    q = "hostages released in the truce"
    bm25, dense = hybrid.bm25_scored(q, 20), hybrid.dense_scored(hybrid.embedder.embed([q])[0], 20)
    expected = {cid: s for cid, s, _ in convex(bm25, dense, 0.4)}
    for h in hybrid.search(q, top=5):
        assert h.score == pytest.approx(expected[h.chunk.id])
    hybrid.fusion = "rrf"
    for h in hybrid.search(q, top=5):
        assert h.score == pytest.approx(sum(1 / (60 + r) for r in h.ranks.values()))


@pytest.mark.parametrize(
    "bm25, dense, alpha, expected",
    [
        # a: top of bm25 (1.0) and bottom of dense (0.0); b: middle of both; c: only dense, top
        ([("a", 10.0), ("b", 5.0)], [("c", 0.9), ("b", 0.6), ("a", 0.3)], 0.4, [("c", 0.4), ("a", 0.6), ("b", 0.5 * 0.4 + 0.0)]),
        ([("a", 3.0)], [], 0.4, [("a", 0.6)]),  # a single score normalises to 1
        ([], [], 0.4, []),
    ],
)
def test_convex_fusion_hand_computed(bm25, dense, alpha, expected):
    got = {cid: s for cid, s, _ in convex(bm25, dense, alpha)}
    assert got == pytest.approx(dict(expected))
    order = [cid for cid, _, _ in convex(bm25, dense, alpha)]
    assert order == [cid for cid, _ in sorted(expected, key=lambda x: (-x[1], x[0]))]


def test_unknown_fusion_is_refused():
    with pytest.raises(ValueError, match="fusion"):
        HybridRetriever([], {}, MemoryStore(), HashEmbedder(), fusion="max")


def test_hybrid_source_filter(hybrid):
    hits = hybrid.search("hostages", top=10, filters=Filters(sources=("undated.txt",)))
    assert hits and {h.chunk.source for h in hits} == {"undated.txt"}


def test_hybrid_date_filter_excludes_undated_and_out_of_range(hybrid):
    hits = hybrid.search("hostages", top=10, filters=Filters(date_from="2023-11", date_to="2023-12"))
    assert hits and {h.chunk.source for h in hits} == {"truce.txt"}


def test_hybrid_filter_admitting_nothing_returns_no_hits(hybrid):
    assert hybrid.search("hostages", filters=Filters(date_from="1990", date_to="1991")) == []
    assert hybrid.allowed_sources(Filters(date_from="1990", date_to="1991")) == []
    assert hybrid.allowed_sources(None) is None


def test_hybrid_top_limits_hits(hybrid):
    assert len(hybrid.search("the", top=2, k_dense=20, k_bm25=20)) == 2


def test_dense_search_ignores_vectors_the_manifest_does_not_list(hybrid):
    emb = hybrid.embedder
    ghost = Chunk("ghost-id", "truce.txt", "Hamas release fifty hostages", 0, 1)
    hybrid.store.add([ghost], emb.embed([ghost.text]))
    q = emb.embed([ghost.text])[0]
    assert hybrid.store.query(q, 1)[0][0] == "ghost-id"
    ids = hybrid.dense_search(q, 20)
    assert "ghost-id" not in ids and ids
    assert all(h.chunk.id != "ghost-id" for h in hybrid.search(ghost.text, top=20))


def test_hash_embedder_is_deterministic_unit_norm_and_similarity_meaningful():
    emb = HashEmbedder(dim=64)
    a, b, c = emb.embed(["hostages released", "hostages released", "stock market tariffs"])
    assert a == b
    assert sum(x * x for x in a) == pytest.approx(1.0)
    near = sum(x * y for x, y in zip(a, emb.embed(["the hostages were released today"])[0], strict=True))
    far = sum(x * y for x, y in zip(a, c, strict=True))
    assert near > 0.6 > far
