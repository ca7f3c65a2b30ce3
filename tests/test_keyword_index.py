"""Contract tests for every ``KeywordIndex`` (pure-Python fake and bm25s), and its folder beside the manifest."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from assistant.adapters.bm25s_index import Bm25sIndex
from assistant.adapters.memory import HashEmbedder, MemoryKeywordIndex, MemoryStore
from assistant.config import Settings
from assistant.corpus import make_document
from assistant.indexing import build_index, load_snapshot
from assistant.indexing.keywords import keyword_dir, load_keyword_index, save_keyword_index
from assistant.types import Chunk
from assistant.wiring import make_keyword_index

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parent.parent

IMPLEMENTATIONS = [
    pytest.param(MemoryKeywordIndex, id="memory"),
    pytest.param(lambda: Bm25sIndex(stemmer=None), id="bm25s-light"),
    pytest.param(lambda: Bm25sIndex(stemmer="english"), id="bm25s-snowball"),
]
TEXTS = [
    "The weather in Doha was hot during the talks.",
    "Hezbollah fired rockets at northern Israel.",
    "Qatar and Egypt mediated a hostage exchange.",
    "Talks in Cairo discussed humanitarian aid and talks about talks.",
]
IDS = ["doha", "hezbollah", "qatar", "cairo"]


@pytest.fixture(params=IMPLEMENTATIONS)
def make(request):
    return request.param


def same(got, want) -> bool:
    """Same ids in the same order, scores equal up to float rounding."""
    return [c for c, _ in got] == [c for c, _ in want] and [s for _, s in got] == pytest.approx([s for _, s in want])


def fitted(make, texts=TEXTS, ids=IDS):
    return make().fit(ids, texts)


@pytest.mark.parametrize(
    "query,k,allowed,expected",
    [
        pytest.param("Hezbollah", 10, None, ["hezbollah"], id="exact-term"),
        pytest.param("hostages exchanged", 10, None, ["qatar"], id="plural-query-singular-text"),
        pytest.param("talks Doha weather", 10, None, ["doha", "cairo"], id="more-terms-beat-repeats"),
        pytest.param("talks", 10, {"cairo"}, ["cairo"], id="allowed"),
        pytest.param("talks", 10, set(), [], id="nothing-allowed"),
        pytest.param("talks Hezbollah hostage", 2, None, ["hezbollah", "qatar"], id="k-cuts-rare-terms-first"),
        pytest.param("", 10, None, [], id="empty-query"),
        pytest.param("the and of", 10, None, [], id="stopwords-only"),
        pytest.param("unknownword", 10, None, [], id="unknown-term"),
        pytest.param("talks", 0, None, [], id="k-zero"),
    ],
)
def test_search(make, query, k, allowed, expected):
    assert [cid for cid, _ in fitted(make).search(query, k, allowed)] == expected


def test_scores_are_okapi_bm25_by_hand(make):
    index = make().fit(["ab", "a", "g"], ["alpha beta", "alpha", "gamma"])
    assert index.idf("alpha") == pytest.approx(math.log(1 + (3 - 2 + 0.5) / (2 + 0.5)))
    assert index.idf("gamma") > index.idf("alpha")
    avgdl = 4 / 3
    expected = index.idf("gamma") * 1 * 2.2 / (1 + 1.2 * (1 - 0.75 + 0.75 * 1 / avgdl))
    assert index.search("gamma", 3) == [("g", pytest.approx(expected))]


def test_unknown_term_has_the_highest_idf(make):
    index = fitted(make)
    assert index.idf("zzzz") == pytest.approx(math.log(1 + (4 + 0.5) / 0.5))
    assert index.idf("zzzz") > index.idf("talk")


def test_ties_keep_fit_order(make):
    index = make().fit(["x", "y", "z"], ["alpha words", "alpha words", "other"])
    assert [cid for cid, _ in index.search("alpha", 5)] == ["x", "y"]


@pytest.mark.parametrize(
    "ids,texts",
    [
        pytest.param([], [], id="empty-corpus"),
        pytest.param(["a", "b"], ["the of", ""], id="no-terms-at-all"),
    ],
)
def test_degenerate_corpora(make, ids, texts):
    index = make().fit(ids, texts)
    assert index.search("anything", 5) == []
    assert index.idf("anything") > 0


def test_fit_rejects_mismatched_lengths(make):
    with pytest.raises(ValueError):
        make().fit(["a"], ["one", "two"])


@pytest.mark.parametrize(
    "ids,texts",
    [
        pytest.param(IDS, TEXTS, id="small"),
        pytest.param([], [], id="empty"),
        pytest.param([f"c{i}" for i in range(300)], [f"word{i % 17} common text {i}" for i in range(300)], id="300-docs"),
    ],
)
def test_save_load_round_trip(make, tmp_path, ids, texts):
    index = make().fit(ids, texts)
    index.save(tmp_path / "kw")
    again = type(index).load(tmp_path / "kw")
    assert again.ids == ids
    for q in ("talks", "word3 common", "hostage Doha", ""):
        assert same(again.search(q, 7), index.search(q, 7))
    assert again.idf("common") == pytest.approx(index.idf("common"))


@pytest.mark.parametrize(
    "before,after",
    [
        pytest.param((IDS, TEXTS), (IDS[1:] + ["new"], TEXTS[1:] + ["New talks on hostages in Doha."]), id="one-out-one-in"),
        pytest.param((IDS, TEXTS), (["x", "y"], ["Rockets again.", "Talks again."]), id="all-new"),
        pytest.param(([], []), (IDS, TEXTS), id="from-empty"),
        pytest.param((IDS, TEXTS), ([], []), id="to-empty"),
        pytest.param((IDS, TEXTS), (IDS[::-1], TEXTS[::-1]), id="same-texts-reordered"),
    ],
)
@pytest.mark.parametrize("saved", [pytest.param(False, id="in-memory"), pytest.param(True, id="loaded-from-disk")])
def test_update_equals_a_fresh_fit(make, tmp_path, before, after, saved):
    old = make().fit(*before)
    if saved:
        old.save(tmp_path / "kw")
        old = type(old).load(tmp_path / "kw")
    updated, fresh = old.update(*after), make().fit(*after)
    assert updated.ids == fresh.ids
    for q in ("talks", "hostages Doha", "rockets", "new"):
        assert same(updated.search(q, 10), fresh.search(q, 10))
    assert updated.idf("talk") == pytest.approx(fresh.idf("talk"))


def test_update_reanalyzes_only_unknown_ids():
    old = Bm25sIndex().fit(IDS, TEXTS)
    seen = []
    real = Bm25sIndex._analyze
    Bm25sIndex._analyze = lambda self, text: seen.append(text) or real(self, text)
    try:
        old.update([*IDS, "new"], [*TEXTS, "Fresh text."])
    finally:
        Bm25sIndex._analyze = real
    assert seen == ["Fresh text."]


def test_light_bm25s_equals_the_memory_index():
    ids, texts = [f"c{i}" for i in range(60)], [f"talk{i % 5} hostage{i % 3} words {'x ' * (i % 7)}" for i in range(60)]
    a, b = MemoryKeywordIndex().fit(ids, texts), Bm25sIndex(stemmer=None).fit(ids, texts)
    for q in ("talk1 hostage2", "words", "x talk3"):
        assert same(b.search(q, 20), a.search(q, 20))


def test_snowball_merges_more_forms_than_light_stemming():
    texts = ["Hamas released the captives.", "Nothing here."]
    assert Bm25sIndex(stemmer="english").fit(["a", "b"], texts).search("release", 5)[0][0] == "a"
    assert Bm25sIndex(stemmer=None).fit(["a", "b"], texts).search("release", 5) == []


# --- the folder beside the manifest ---------------------------------------------------------------


def _manifest(texts: dict[str, str]) -> dict:
    return {"documents": {s: {"text": t, "chunks": [[f"{s}#0", 0, len(t)]]} for s, t in texts.items()}}


def _chunks(manifest: dict) -> list[Chunk]:
    return [Chunk(cid, s, d["text"][a:b], a, b) for s, d in manifest["documents"].items() for cid, a, b in d["chunks"]]


def test_saved_after_a_build_loaded_memory_mapped_and_old_builds_swept(tmp_path):
    settings = Settings(index_dir=tmp_path)
    first = _manifest({"a.txt": "Hostages were released.", "b.txt": "Rockets hit the north."})
    old = save_keyword_index(settings, first, make_keyword_index)
    crashed = tmp_path / ".keyword-0123.99.1.tmp"  # a write that died before its rename
    crashed.mkdir()
    second = _manifest({"a.txt": "Hostages were released.", "c.txt": "A new truce."})
    new = save_keyword_index(settings, second, make_keyword_index)
    assert new != old and new.is_dir() and not old.exists() and not crashed.exists()
    assert new == keyword_dir(tmp_path, [c.id for c in _chunks(second)], settings.keyword_stemmer)
    index = load_keyword_index(settings, _chunks(second), make_keyword_index)
    assert type(index.search("truce", 1)[0][1]) is float and index.search("truce", 1)[0][0] == "c.txt#0"
    assert type(index._model.scores["data"]).__name__ == "memmap"


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda d: None, id="missing-folder"),
        pytest.param(lambda d: (d.mkdir(), (d / "keyword.json").write_text("{not json")), id="corrupt-folder"),
    ],
)
def test_load_rebuilds_and_saves_when_the_folder_is_missing_or_bad(tmp_path, damage):
    settings = Settings(index_dir=tmp_path)
    chunks = _chunks(_manifest({"a.txt": "Hostages were released.", "b.txt": "Rockets hit the north."}))
    path = keyword_dir(tmp_path, [c.id for c in chunks], settings.keyword_stemmer)
    damage(path)  # as after a crash between the manifest write and the keyword write
    index = load_keyword_index(settings, chunks, make_keyword_index)
    assert index.search("rockets", 5)[0][0] == "b.txt#0"
    assert Bm25sIndex.load(path).ids == [c.id for c in chunks]


def test_a_build_never_reuses_terms_of_another_stemmer(tmp_path):
    manifest = _manifest({"a.txt": "Hamas released the captives."})
    save_keyword_index(Settings(index_dir=tmp_path, keyword_stemmer="english"), manifest, make_keyword_index)
    light = Settings(index_dir=tmp_path, keyword_stemmer="")
    save_keyword_index(light, manifest, make_keyword_index)
    assert load_keyword_index(light, _chunks(manifest), make_keyword_index).search("release", 5) == []


def test_another_stemmer_setting_gets_its_own_folder(tmp_path):
    chunks = _chunks(_manifest({"a.txt": "Hostages were released."}))
    ids = [c.id for c in chunks]
    assert keyword_dir(tmp_path, ids, "english") != keyword_dir(tmp_path, ids, "")
    index = load_keyword_index(Settings(index_dir=tmp_path, keyword_stemmer=""), chunks, make_keyword_index)
    assert index.search("release", 5) == []  # light stemming does not merge released/release


def _build(settings: Settings, texts: dict[str, str], store: MemoryStore) -> None:
    docs = [make_document(name, text) for name, text in texts.items()]
    build_index(settings, docs, HashEmbedder(), lambda _collection: store, make_keyword_index, progress=False)


def test_build_index_writes_the_keyword_folder_and_load_snapshot_opens_it(tmp_path):
    settings, store = Settings(index_dir=tmp_path, embedder="hash"), MemoryStore()
    _build(settings, {"a.txt": "Hamas released the hostages in November.", "b.txt": "Rockets hit the north."}, store)
    (first,) = tmp_path.glob("keyword-*")
    snap = load_snapshot(settings, make_keyword_index)
    assert [c.id for c in snap.chunks] == snap.keyword.ids
    assert snap.chunks[[c.id for c in snap.chunks].index(snap.keyword.search("hostages", 1)[0][0])].source == "a.txt"
    _build(settings, {"a.txt": "Hamas released the hostages in November.", "c.txt": "A truce began."}, store)
    (second,) = tmp_path.glob("keyword-*")  # the old build's folder is swept
    assert second != first
    assert {c.source for c in load_snapshot(settings, make_keyword_index).chunks} == {"a.txt", "c.txt"}
    assert load_snapshot(settings, make_keyword_index).keyword.search("rockets", 5) == []


def test_load_snapshot_rebuilds_a_keyword_folder_lost_after_the_manifest_write(tmp_path):
    settings = Settings(index_dir=tmp_path, embedder="hash")
    _build(settings, {"a.txt": "Hamas released the hostages in November."}, MemoryStore())
    (folder,) = tmp_path.glob("keyword-*")
    shutil.rmtree(folder)  # a crash between the manifest write and the keyword write
    assert load_snapshot(settings, make_keyword_index).keyword.search("november", 1)
    assert folder.is_dir()


def test_updates_do_not_grow_the_vocabulary_without_bound():
    index = Bm25sIndex().fit(IDS, TEXTS)
    for tree in ("ash", "birch", "cedar", "elm", "oak"):  # every text replaced each time
        index = index.update([f"{tree}-{c}" for c in "abc"], [f"{tree} {c}stone beta" for c in "abc"])
    live = {t for t in index._model.vocab_dict if t and index.idf(t) < index.idf("never-seen")}
    assert live == {"oak", "astone", "bstone", "cstone", "beta"}
    assert len(index._model.vocab_dict) <= 2 * len(live) + 1  # dead terms are dropped once they are the majority
    assert [c for c, _ in index.search("bstone", 5)] == ["oak-b"]


def test_the_vectorised_build_equals_bm25s_own_value_for_value():
    import random

    import bm25s
    import numpy as np

    from assistant.adapters.bm25s_index import Ragged, lucene_matrix
    from assistant.corpus import load_corpus

    docs = [t for d in load_corpus(ROOT / "corpus")[0] for t in d.text.split("\n\n")] + ["", "talks talks talks"]
    rng = random.Random(3)
    docs += [" ".join(rng.choice(TEXTS).split()[: rng.randint(0, 9)]) for _ in range(200)]
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in Bm25sIndex(stemmer=None)._analyze(d)] for d in docs]
    theirs = bm25s.BM25(k1=1.2, b=0.75, method="lucene", dtype="float64")
    theirs.index((ids, dict(vocab)), show_progress=False)
    ours = lucene_matrix(Ragged.of(ids), len(vocab), 1.2, 0.75, "float64", "int32")
    for key in ("data", "indices", "indptr"):
        assert ours[key].dtype == theirs.scores[key].dtype and np.array_equal(ours[key], theirs.scores[key]), key
    assert ours["num_docs"] == theirs.scores["num_docs"]
