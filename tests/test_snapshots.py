"""Published snapshots and read-only replicas, in process: layout, publication, leases, collection, the replica's reads.

The multi-process test (a Chroma server, three ``serve --replica`` processes, the indexer) is
``tests/test_replicas.py``; here the same rules run on in-memory stores in well under a second each.
"""

from __future__ import annotations

import inspect
import os
import time
from pathlib import Path

import pytest

from assistant.adapters.memory import HashEmbedder, MemoryStore
from assistant.api import Assistant
from assistant.config import Settings
from assistant.errors import AssistantError, IndexMissingError
from assistant.indexing import read_manifest
from assistant.indexing.layout import BUILD, INFRA, IndexLayout, layout
from assistant.indexing.snapshots import current_id, fresh_leases, published, write_lease
from assistant.ports import Ports
from assistant.replica import Follower, describe
from assistant.wiring import make_keyword_index

pytestmark = pytest.mark.unit

FILES = {
    "bees.txt": "Beekeeping notes\n\nThe apiary on the hill keeps forty-two hives of Carniolan honey bees.\n",
    "rain.txt": "Weather log\n\nThe village recorded 812 millimetres of rain in the wet year of 2019.\n",
    "ferry.txt": "Ferry timetable\n\nThe ferry to the island leaves the harbour at seven every morning in summer.\n",
}


@pytest.fixture
def setup(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in FILES.items():
        (corpus / name).write_text(text, encoding="utf-8")
    registry: dict = {}  # one "server": every Assistant below sees the same collections
    ports = Ports(
        embedder=HashEmbedder(),
        index_embedder=HashEmbedder(),
        open_store=lambda name: registry.get(name) or MemoryStore(name, registry),
        make_keyword=make_keyword_index,
    )
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder="hash")
    return settings, ports, registry


def _indexer(setup, **kw) -> Assistant:
    settings, ports, _ = setup
    return Assistant(settings.model_copy(update=kw), ports)


def _replica(setup) -> Assistant:
    settings, ports, _ = setup
    return Assistant(settings.model_copy(update={"replica": True}), ports)


def _tree(root: Path) -> dict:
    """Every path under ``root`` but the leases, with what identifies its content."""
    return {
        str(p.relative_to(root)): (p.stat().st_ino, p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if layout(root).leases not in (p, *p.parents)
    }


def test_every_layout_member_is_a_build_file_or_infrastructure():
    members = {
        name
        for name, value in inspect.getmembers(IndexLayout)
        if not name.startswith("_") and name not in ("root", "frozen", "build_files", "keyword_folders", "sentence_folders")
        and (isinstance(value, property) or inspect.isfunction(value))
    }  # fmt: skip
    assert members == set(BUILD) | set(INFRA), "name a new member in BUILD or INFRA"


def test_a_build_is_published_whole_as_hard_links_and_current_names_it(setup):
    _indexer(setup).index(progress=False)
    root = layout(setup[0].index_dir)
    bid = current_id(root.root)
    snap = layout(root.snapshot(bid))
    assert published(root) == [bid] and snap.frozen and not root.frozen
    assert (
        [p.name for p in snap.build_files()]
        == [p.name for p in root.build_files()]
        == [
            "manifest.json",
            next(p.name for p in root.keyword_folders()),
            next(p.name for p in root.sentence_folders()),
        ]
    )
    assert snap.manifest.stat().st_ino == root.manifest.stat().st_ino  # linked, not copied
    assert read_manifest(snap.root) == read_manifest(root.root)


def test_old_snapshots_are_collected_unless_newest_or_leased(setup):
    a = _indexer(setup)
    a.index(progress=False)
    root = layout(setup[0].index_dir)
    first = current_id(root.root)
    (setup[0].corpus_dir / "new.txt").write_text("A new note about the lighthouse keeper.\n", encoding="utf-8")
    a.index(progress=False)
    assert published(root) == [current_id(root.root)] != [first]  # nobody held the first: gone

    write_lease(root.root, "r1", current_id(root.root), {current_id(root.root)})
    held = current_id(root.root)
    (setup[0].corpus_dir / "new.txt").write_text("The lighthouse keeper retired in 1990.\n", encoding="utf-8")
    a.index(progress=False)
    assert published(root) == [held, current_id(root.root)]

    old = time.time() - setup[0].lease_ttl - 1
    os.utime(root.lease("r1"), (old, old))  # the replica died: its lease is not renewed
    assert fresh_leases(root, setup[0].lease_ttl) == {}
    (setup[0].corpus_dir / "new.txt").unlink()
    a.index(progress=False)
    assert published(root) == [current_id(root.root)]
    assert root.lease("r1").exists()  # dead but recent: kept (a replica restarting takes it back)
    _indexer(setup, snapshots_kept=2).index(progress=False, rebuild=True)
    assert len(published(root)) == 2

    long_gone = time.time() - 10 * setup[0].lease_ttl - 1
    os.utime(root.lease("r1"), (long_gone, long_gone))
    write_lease(root.root, "r2", current_id(root.root), {current_id(root.root)})
    _indexer(setup).index(progress=False)  # an up-to-date build still publishes, and sweeps
    assert {p.name for p in root.leases.iterdir()} == {"r2"}  # the long-dead lease is deleted, the live one kept


def test_a_leased_snapshot_keeps_its_vectors_and_collection_until_released(setup):
    settings, _, registry = setup
    a, r = _indexer(setup), _replica(setup)
    a.index(progress=False)
    old = r.loaded()
    rid, root = "replica-1", settings.index_dir
    follower = Follower(r, rid)
    follower.tick()
    old_ids = {c.id for c in old.snapshot.chunks}

    (settings.corpus_dir / "bees.txt").write_text(FILES["bees.txt"].replace("forty-two", "sixty"), encoding="utf-8")
    a.index(progress=False)
    store = registry[old.snapshot.collection]
    assert old_ids <= store.ids(), "the changed file's old chunks stay while a replica holds their snapshot"
    a.index(progress=False, rebuild=True)
    assert old.snapshot.collection in registry, "a rebuild keeps the collection a replica still reads"

    follower.grace = 0  # in-flight questions are done: the replica moves and holds only the newest
    follower.tick()
    time.sleep(1.05)  # the Assistant looks at CURRENT once a second
    assert follower.tick() == current_id(root) and r.loaded() is not old
    a.index(progress=False)
    assert old.snapshot.collection not in registry
    assert set(registry) == {read_manifest(root)["collection"]}


def test_a_replica_follows_publications_and_never_writes_the_index_or_corpus(setup):
    settings, _, _ = setup
    a = _indexer(setup)
    a.index(progress=False)
    r = _replica(setup)
    follower = Follower(r, "r1")
    first = follower.tick()
    before, corpus_before = _tree(settings.index_dir), _tree(settings.corpus_dir)
    ans = r.ask("How many hives of Carniolan honey bees does the apiary keep?")
    assert ans.citations and all(r.document_text(c.source)[c.start : c.end] == c.quote for c in ans.citations)
    for refused in (lambda: r.add_documents([("x.txt", b"hello")]), lambda: r.index(), lambda: r.ensure_index()):
        with pytest.raises(AssistantError, match="read-only replica.*assistant index"):
            refused()
    assert _tree(settings.index_dir) == before and _tree(settings.corpus_dir) == corpus_before

    (settings.corpus_dir / "new.txt").write_text("The lighthouse keeper retired in 1990.\n", encoding="utf-8")
    a.index(progress=False)
    time.sleep(1.05)
    assert follower.tick() == current_id(settings.index_dir) != first
    assert "new.txt" in r.docs and describe(r)["snapshot"] == describe(r)["current"] == follower.serving
    assert {p.name for p in layout(settings.index_dir).leases.iterdir()} == {"r1"}
    follower.stop()
    assert not layout(settings.index_dir).lease("r1").exists()


def test_an_index_folder_of_the_old_layout_still_serves_and_is_published_by_the_next_build(setup):
    settings, _, _ = setup
    _indexer(setup).index(progress=False)
    root = layout(settings.index_dir)
    import shutil

    shutil.rmtree(root.snapshots)
    root.current.unlink()  # as an index built before snapshots existed
    assert len(_indexer(setup).docs) == 3
    with pytest.raises(IndexMissingError, match="No published index.*assistant index"):
        _replica(setup).loaded()
    _indexer(setup).index(progress=False)
    assert len(_replica(setup).docs) == 3


def test_a_replica_needs_a_chroma_server(setup, capsys):
    from assistant.cli import main
    from assistant.wiring import make_store

    settings = setup[0].model_copy(update={"replica": True})
    with pytest.raises(AssistantError, match="ASSISTANT_CHROMA_URL"):
        make_store(settings, "chunks-x")
    assert main(["serve", "--replica", "--index", str(settings.index_dir), "--corpus", str(settings.corpus_dir)]) == 2
    assert "Chroma server" in capsys.readouterr().err


def test_the_ui_refuses_uploads_on_a_replica_naming_the_indexer(setup):
    from assistant.ui import index_status, upload_report

    _indexer(setup).index(progress=False)
    r = _replica(setup)
    assert "indexer" in upload_report(r, [("x.txt", b"A note.\n")]) and "Read-only replica" in index_status(r)
    assert not (setup[0].corpus_dir / "x.txt").exists()
