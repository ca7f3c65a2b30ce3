"""One contract, two stores: the in-memory fake and embedded Chroma must behave alike."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from assistant.adapters.chroma import ChromaStore, make_client
from assistant.adapters.memory import MemoryStore
from assistant.errors import IndexChangedError
from assistant.types import Chunk

DIM = 8
_names = itertools.count()


def unit(v) -> list[float]:
    a = np.asarray(v, dtype=np.float64)
    return (a / np.linalg.norm(a)).tolist()


# Hand-picked vectors: distinct cosines to the query, no ties.
VECS = {
    "c-alpha": unit([1, 0, 0, 0, 0, 0, 0, 0]),
    "c-beta": unit([0.9, 0.3, 0, 0, 0, 0, 0, 0]),
    "c-gamma": unit([0.5, 0.5, 0.5, 0, 0, 0, 0, 0]),
    "c-delta": unit([0, 1, 0, 0, 0, 0, 0, 0]),
    "c-eps": unit([-1, 0.2, 0, 0, 0, 0, 0, 0]),
}
SOURCES = {"c-alpha": "a.txt", "c-beta": "b.txt", "c-gamma": "a.txt", "c-delta": "b.txt", "c-eps": "c.txt"}
QUERY = unit([1, 0.1, 0, 0, 0, 0, 0, 0])


def chunks() -> list[Chunk]:
    return [Chunk(cid, SOURCES[cid], f"text of {cid}", i * 10, i * 10 + 9, "2024-06") for i, cid in enumerate(VECS)]


def expected_ranking(ids=None, sources=None) -> list[tuple[str, float]]:
    q = np.asarray(QUERY)
    rows = [
        (cid, float(np.asarray(v) @ q))
        for cid, v in VECS.items()
        if (ids is None or cid in ids) and (sources is None or SOURCES[cid] in sources)
    ]
    return sorted(rows, key=lambda r: -r[1])


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.unit, id="memory"),
        pytest.param("chroma", marks=pytest.mark.integration, id="chroma"),
    ]
)
def store(request, tmp_path):
    if request.param == "memory":
        yield MemoryStore()
        return
    client = make_client(tmp_path / "chroma")
    s = ChromaStore(client, f"contract-{next(_names)}")
    yield s
    s.drop()


def fill(store) -> None:
    cs = chunks()
    store.add(cs, [VECS[c.id] for c in cs])


def assert_ranking(got, want):
    assert [cid for cid, _ in got] == [cid for cid, _ in want]
    for (_, g), (_, w) in zip(got, want, strict=True):
        assert g == pytest.approx(w, abs=1e-4)


class TestVectorStoreContract:
    def test_new_store_is_empty(self, store):
        assert store.ids() == set()
        assert store.query(QUERY, 5) == []

    def test_add_then_ids(self, store):
        fill(store)
        assert store.ids() == set(VECS)

    def test_add_nothing_is_a_no_op(self, store):
        store.add([], [])
        assert store.ids() == set()

    def test_add_length_mismatch_raises(self, store):
        with pytest.raises(ValueError):
            store.add(chunks(), [VECS["c-alpha"]])

    def test_query_order_and_cosine_scores(self, store):
        fill(store)
        assert_ranking(store.query(QUERY, 10), expected_ranking())

    def test_query_k_limits_results(self, store):
        fill(store)
        assert_ranking(store.query(QUERY, 2), expected_ranking()[:2])

    def test_negative_cosine_is_reported_as_negative(self, store):
        fill(store)
        last_id, last_score = store.query(QUERY, 10)[-1]
        assert last_id == "c-eps" and last_score < -0.9

    def test_source_filter(self, store):
        fill(store)
        assert_ranking(store.query(QUERY, 10, ["b.txt"]), expected_ranking(sources={"b.txt"}))
        assert_ranking(store.query(QUERY, 10, ["a.txt", "c.txt"]), expected_ranking(sources={"a.txt", "c.txt"}))
        assert store.query(QUERY, 10, ["nope.txt"]) == []
        assert store.query(QUERY, 10, []) == []

    def test_delete(self, store):
        fill(store)
        store.delete(["c-alpha", "c-delta", "never-added"])
        assert store.ids() == {"c-beta", "c-gamma", "c-eps"}
        assert_ranking(store.query(QUERY, 10), expected_ranking(ids={"c-beta", "c-gamma", "c-eps"}))
        store.delete([])
        assert store.ids() == {"c-beta", "c-gamma", "c-eps"}

    def test_re_adding_an_existing_id_keeps_one_copy(self, store):
        fill(store)
        c = chunks()[0]
        store.add([c], [VECS[c.id]])
        assert store.ids() == set(VECS)
        assert [cid for cid, _ in store.query(QUERY, 10)].count(c.id) == 1

    def test_drop_removes_everything(self, store):
        fill(store)
        store.drop()
        assert store.ids() == set()
        assert store.query(QUERY, 10) == []


@pytest.mark.integration
def test_chroma_collections_are_isolated_and_persist(tmp_path):
    client = make_client(tmp_path / "chroma")
    a, b = ChromaStore(client, "iso-a"), ChromaStore(client, "iso-b")
    fill(a)
    assert b.ids() == set()
    # a second client on the same folder sees the stored vectors
    again = ChromaStore(make_client(tmp_path / "chroma"), "iso-a")
    assert again.ids() == set(VECS)
    assert again.count() == len(VECS)


def _raise(name: str, msg: str):
    def fn():
        raise type(name, (Exception,), {})(msg)

    return fn


@pytest.mark.unit
@pytest.mark.parametrize(
    ("name", "msg"),
    [
        ("NotFoundError", "Collection [x] does not exist"),
        ("InvalidCollectionException", "Collection x does not exist."),
        ("InternalError", "Error getting collection: Missing field: [Missing metadata segment]"),
    ],
)
def test_a_collection_dropped_mid_question_is_index_changed(name, msg):
    """Chroma's several words for "a newer build removed this collection" all become IndexChangedError (CI flake)."""
    store = ChromaStore(None, "gone")
    with pytest.raises(IndexChangedError):
        store._guard(_raise(name, msg))


@pytest.mark.unit
def test_other_chroma_failures_pass_through():
    store = ChromaStore(None, "x")
    with pytest.raises(Exception, match="disk I/O error"):
        store._guard(_raise("InternalError", "disk I/O error"))
