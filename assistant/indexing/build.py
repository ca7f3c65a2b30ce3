"""Build and update the index: idempotent, incremental, and crash-safe.

The index is two things: vectors in a Chroma collection, and ``manifest.json``
in the index folder, which records what built it (embedder, chunking), every
document's text, metadata, boilerplate spans and chunk offsets, and a hash per
file.  The manifest is the source of truth: readers only trust chunk ids it
lists, so the commit protocol is

1. add vectors for new chunks to the collection (readers ignore them),
2. atomically replace ``manifest.json`` (``os.replace``),
3. delete vectors of chunks the new manifest no longer lists, and drop every
   other collection of this index (replaced by ``--rebuild``, or left by a
   crashed build): nothing leaks.

Step 1 also saves every citable sentence's vector (``indexing.sentence_vectors``).
A crash at any step leaves the previous or the new manifest, both consistent; leftover vectors
are swept by the next build (a ``BUILDING`` marker says one was interrupted).  ``--rebuild``
writes a fresh collection and switches to it in step 2, so the old index stays usable until the
new one is complete.  Each build compares the store with the manifest and embeds again whatever
vectors the store has lost (a deleted ``index/chroma``); ``verify_store`` is the cheap check
readers run at load (counts and a sample of ids).  Between steps 2 and 3 the build is
published for read-only replicas (``snapshots.publish``, the last write of a build), and step 3
spares what an older snapshot a replica still reads needs.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from ..chunking import chunk_document
from ..config import Settings
from ..corpus import LoadError
from ..errors import IndexMismatchError, IndexMissingError, StoreUnavailableError
from ..ports import Embedder, KeywordIndex, VectorStore
from ..readers import SUFFIXES
from ..types import Chunk, Document, content_hash
from .embedding import embed_chunks, embed_sentences
from .entries import doc_from_json, doc_to_json, outdated
from .keywords import KeywordFactory, load_keyword_index, save_keyword_index
from .layout import BUILDING, MANIFEST, layout  # noqa: F401 - the file names, re-exported for tools and tests
from .sentence_vectors import SENTENCE_TEXT, StoredVectors, names_of, open_stored, same_text
from .snapshots import publish

VERSION = 1


@dataclass(frozen=True)
class Snapshot:
    """A loaded, immutable view of the index."""

    signature: dict
    collection: str
    docs: dict[str, Document]
    chunks: list[Chunk]
    built_at: float
    keyword: KeywordIndex | None = None  # BM25 over ``chunks``, saved beside the manifest
    sentence_vectors: StoredVectors | None = None  # the citable sentences' vectors, computed at index time


@dataclass
class BuildReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[LoadError] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_total: int = 0
    repaired: int = 0  # chunks whose vectors the store had lost, embedded again
    seconds: float = 0.0
    collection: str = ""

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} added",
            f"{len(self.changed)} changed",
            f"{len(self.deleted)} deleted",
            f"{len(self.unchanged)} unchanged",
        ]
        lines = [
            f"Index up to date: {', '.join(parts)}; {self.chunks_embedded} chunks embedded, "
            f"{self.chunks_total} in the index ({self.seconds:.1f} s)."
        ]
        if self.repaired:
            lines.append(f"Repaired: the vector store had lost {self.repaired} chunks; they were embedded again.")
        lines += [f"{'Skipped' if e.skipped else 'Warning'} {e.source}: {e.reason}" for e in self.skipped]
        if not self.chunks_total:
            kinds = ", ".join(SUFFIXES)
            lines.append(f"Note: the index holds no documents; questions get no answer until files ({kinds}) are added.")
        return "\n".join(lines)


def read_manifest(index_dir: Path) -> dict | None:
    path = layout(index_dir).manifest
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("version") != VERSION or "documents" not in data:
            raise ValueError("unknown manifest version")
        return data
    except (ValueError, OSError) as e:
        raise IndexMissingError(
            f"The index at {index_dir} is unreadable ({e}). Rebuild it with `assistant index --rebuild`."
        ) from e


def manifest_stamp(index_dir: Path) -> tuple:
    """The manifest file's identity (inode, size, modification time): it changes with every build that lands."""
    try:
        st = layout(index_dir).manifest.stat()
    except OSError:
        return ()
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def cached_extractions(index_dir: Path) -> dict[str, dict]:
    """Each indexed file's manifest entry (text, pages, hash), for ``load_corpus(cache=...)``; {} when unreadable."""
    try:
        manifest = read_manifest(index_dir)
    except IndexMissingError:
        return {}
    return manifest["documents"] if manifest else {}


def check_signature(manifest: dict, settings: Settings, index_dir: Path) -> None:
    want, have = settings.index_signature(), manifest.get("signature", {})
    if want != have:
        diffs = ", ".join(f"{k}: index has {have.get(k)!r}, settings want {want[k]!r}" for k in want if have.get(k) != want[k])
        err = IndexMismatchError(
            f"The index at {index_dir} was built with other settings ({diffs}). "
            "Rebuild it with `assistant index --rebuild`, or restore the settings it was built with."
        )
        err.diffs = diffs  # for callers that rebuild on their own (``Assistant.ensure_index``)
        raise err


def load_snapshot(settings: Settings, make_keyword: KeywordFactory) -> Snapshot:
    manifest = read_manifest(settings.index_dir)
    if manifest is None:
        raise IndexMissingError(
            f"No index found at {settings.index_dir}. Build it with `assistant index` (corpus: {settings.corpus_dir})."
        )
    check_signature(manifest, settings, settings.index_dir)
    docs, chunks = {}, []
    for source, d in manifest["documents"].items():
        doc, cs = doc_from_json(source, d)
        docs[source] = doc
        chunks.extend(cs)
    keyword = load_keyword_index(settings, chunks, make_keyword)
    stored = open_stored(settings.index_dir, manifest.get("sentences"))
    return Snapshot(manifest["signature"], manifest["collection"], docs, chunks, manifest.get("built_at", 0.0), keyword, stored)


def is_stale(settings: Settings, docs: list[Document]) -> bool:
    """True when the index is missing, built differently (its vectors of other sentence text), or out of date."""
    try:
        manifest = read_manifest(settings.index_dir)
    except IndexMissingError:
        return True
    if manifest is None or manifest.get("signature") != settings.index_signature() or not same_text(manifest):
        return True
    have = {s: (d["sha256"], d["title"], d["publisher"], d["author"], d["date"]) for s, d in manifest["documents"].items()}
    want = {d.source: (d.sha256, d.title, d.publisher, d.author, d.date) for d in docs}
    return have != want or any(outdated(s, d) for s, d in manifest["documents"].items())


@contextlib.contextmanager
def index_lock(index_dir: Path) -> Iterator[None]:
    """One writer at a time, across processes."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(layout(index_dir).lock, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _manifest_json(data: dict):
    """``json.dumps(data)`` in pieces, one document at a time: the C encoder's speed without the whole
    manifest (every document's text) as one string in memory."""
    yield json.dumps({k: v for k, v in data.items() if k != "documents"}, ensure_ascii=False)[:-1]
    yield ', "documents": {'
    for i, (source, entry) in enumerate(data.get("documents", {}).items()):
        yield f"{', ' if i else ''}{json.dumps(source, ensure_ascii=False)}: {json.dumps(entry, ensure_ascii=False)}"
    yield "}}"


def _write_atomic(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.writelines(_manifest_json(data))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _plan(docs: list[Document], old_docs: dict, settings: Settings, report: BuildReport) -> tuple[dict[str, dict], list[Chunk]]:
    """Manifest entries for ``docs`` and the chunks of new or changed files (unchanged ones keep theirs)."""
    new_docs: dict[str, dict] = {}
    fresh: list[Chunk] = []
    for doc in docs:
        prev_doc = old_docs.get(doc.source)
        if prev_doc is not None and prev_doc["sha256"] == doc.sha256 and not outdated(doc.source, prev_doc):
            report.unchanged.append(doc.source)
            new_docs[doc.source] = dict(
                prev_doc, title=doc.title, publisher=doc.publisher, author=doc.author, date=doc.date, url=doc.url
            )
            continue
        (report.changed if prev_doc is not None else report.added).append(doc.source)
        chunks = chunk_document(doc, settings.chunk_size, settings.chunk_overlap)
        new_docs[doc.source] = doc_to_json(doc, chunks)
        fresh.extend(chunks)
    report.deleted = sorted(set(old_docs) - set(new_docs))
    return new_docs, fresh


def _docs_of(entries: dict[str, dict], sources: Collection[str] | None) -> list[Document]:
    """The documents of manifest ``entries`` (only ``sources``, when given)."""
    return [doc_from_json(s, d)[0] for s, d in entries.items() if sources is None or s in sources]


def _lost(entries: dict[str, dict], sources: list[str], have: set[str]) -> list[Chunk]:
    """The chunks of ``sources`` whose vectors the store does not hold (a deleted or damaged store)."""
    out: list[Chunk] = []
    for s in sources:
        if any(cid not in have for cid, _, _ in entries[s]["chunks"]):
            out += [c for c in doc_from_json(s, entries[s])[1] if c.id not in have]
    return out


def _new_collection(settings: Settings) -> str:
    sig = json.dumps(settings.index_signature(), sort_keys=True)
    return f"{settings.collection_prefix}-{content_hash(sig, n=8)}-{int(time.time() * 1000)}"


def _readable_store(collection: str, store: VectorStore, settings: Settings, open_store) -> tuple[str, VectorStore, set[str]]:
    """(collection, store, ids it holds); a collection Chroma cannot read (its segment cut by a kill) is
    replaced by a fresh one, so everything is embedded again and garbage collection drops the broken one."""
    try:
        return collection, store, store.ids()
    except StoreUnavailableError:
        raise
    except Exception:
        fresh = _new_collection(settings)
        layout(settings.index_dir).building.write_text(fresh)
        return fresh, open_store(fresh), set()


def collect_garbage(store: VectorStore, keep: str | set[str]) -> list[str]:
    """Drop every collection of this index except ``keep`` (crashed builds, replaced ones, unless a kept snapshot reads it)."""
    keep, dropped = {keep} if isinstance(keep, str) else keep, []
    for name in store.owned_collections():
        if name not in keep:
            store.sibling(name).drop()
            dropped.append(name)
    return dropped


def _switch(
    settings: Settings, collection: str, embedder: Embedder, sentences: list[str], docs: dict, make_keyword: KeywordFactory
):
    """Step 2: write the manifest (atomically), its keyword index, then publish the build (its last write)."""
    manifest = {
        "version": VERSION,
        "signature": settings.index_signature(),
        "collection": collection,
        "embedder_dim": getattr(embedder, "dim", None),
        "built_at": time.time(),
        "sentences": sentences,
        "sentence_text": SENTENCE_TEXT,
        "documents": docs,
    }
    _write_atomic(layout(settings.index_dir).manifest, manifest)
    save_keyword_index(settings, manifest, make_keyword)  # keyword-<hash of live ids>/; load rebuilds it if a crash lost it
    return publish(settings, manifest)  # snapshots/<id>/ and CURRENT, for replicas


def build_index(
    settings: Settings,
    docs: list[Document],
    embedder: Embedder,
    open_store: Callable[[str], VectorStore],
    make_keyword: KeywordFactory,
    *,
    rebuild: bool = False,
    skipped: list[LoadError] | None = None,
    progress: bool = True,
) -> BuildReport:
    """Bring the index in ``settings.index_dir`` in line with ``docs`` (see the module docstring)."""
    t0 = time.perf_counter()
    index_dir, where = Path(settings.index_dir), layout(settings.index_dir)
    report = BuildReport(skipped=list(skipped or []))
    with index_lock(index_dir):
        old = None if rebuild else read_manifest(index_dir)
        if old is not None:
            check_signature(old, settings, index_dir)
        collection = old["collection"] if old else _new_collection(settings)
        store = open_store(collection)
        where.building.write_text(collection)

        new_docs, fresh = _plan(docs, old["documents"] if old else {}, settings, report)
        # 1. vectors first (invisible to readers until the manifest lists them); chunks already
        #    stored (by a crashed build, or unchanged) are not embedded again, and chunks the
        #    store lost (a deleted or damaged store) are embedded again: that is the repair.
        collection, store, have = _readable_store(collection, store, settings, open_store)
        kept = {c.id for c in fresh} | {cid for d in new_docs.values() for cid, _, _ in d["chunks"]}
        lost = _lost(new_docs, report.unchanged, have)
        todo = {c.id: c for c in (*fresh, *lost) if c.id not in have}
        report.repaired = len({c.id for c in lost})
        embed_chunks(store, list(todo.values()), embedder, settings, progress)
        report.chunks_embedded = len(todo)
        update = (names_of(old.get("sentences")), {*report.added, *report.changed}) if old and same_text(old) else None
        sentences = embed_sentences(index_dir, partial(_docs_of, new_docs), update, embedder, settings, progress)

        # 2. switch readers to the new manifest, atomically, and publish it for replicas
        held = _switch(settings, collection, embedder, sentences, new_docs, make_keyword)

        # 3. drop what the manifest no longer lists, and every other collection of this index,
        #    except what an older snapshot a replica still reads needs (``snapshots.Retained``)
        stale = (have | set(todo)) - kept - held.chunk_ids
        if stale:
            store.delete(sorted(stale))
        collect_garbage(store, {collection, *held.collections})
        where.building.unlink(missing_ok=True)
        report.chunks_total = len(kept)
        report.collection = collection
    report.seconds = time.perf_counter() - t0
    return report


def verify_store(snapshot: Snapshot, store: VectorStore, sample: int = 32) -> str:
    """'' when the store holds the snapshot's vectors; else what is wrong (counts and a sample of ids)."""
    want = len(snapshot.chunks)
    if want == 0:
        return ""
    have = store.count()
    step = max(1, want // sample)
    probe = [c.id for c in snapshot.chunks[::step][:sample]]
    absent = len(probe) - len(store.present(probe))
    if have >= want and not absent:
        return ""
    return f"the vector store holds {have:,} vectors for {want:,} chunks ({absent} of {len(probe)} sampled chunks missing)"
