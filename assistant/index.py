"""Build and update the index: idempotent, incremental, and crash-safe.

The index is two things: vectors in a Chroma collection, and ``manifest.json``
in the index folder, which records what built it (embedder, chunking), every
document's text, metadata, boilerplate spans and chunk offsets, and a hash per
file.  The manifest is the source of truth: readers only trust chunk ids it
lists, so the commit protocol is

1. add vectors for new chunks to the collection (readers ignore them),
2. atomically replace ``manifest.json`` (``os.replace``),
3. delete vectors of chunks the new manifest no longer lists.

A crash at any step leaves the previous or the new manifest, both consistent;
leftover vectors are swept by the next build (a ``BUILDING`` marker says one
was interrupted).  ``--rebuild`` writes a fresh collection and switches to it
in step 2, so the old index stays usable until the new one is complete.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .chunking import chunk_document
from .config import Settings
from .corpus import LoadError
from .keywords import load_keyword_index, save_keyword_index
from .ports import Embedder, KeywordIndex, VectorStore
from .types import Chunk, Document, IndexMismatchError, IndexMissingError, Span, content_hash

MANIFEST = "manifest.json"
BUILDING = "BUILDING"
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


@dataclass
class BuildReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[LoadError] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_total: int = 0
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
        lines += [f"Skipped {e.source}: {e.reason}" for e in self.skipped]
        return "\n".join(lines)


def _doc_to_json(doc: Document, chunks: list[Chunk]) -> dict:
    return {
        "sha256": doc.sha256,
        "title": doc.title,
        "publisher": doc.publisher,
        "author": doc.author,
        "date": doc.date,
        "text": doc.text,
        "boilerplate": [[s.start, s.end] for s in doc.boilerplate],
        "chunks": [[c.id, c.start, c.end] for c in chunks],
    }


def _doc_from_json(source: str, d: dict) -> tuple[Document, list[Chunk]]:
    doc = Document(
        source=source,
        text=d["text"],
        title=d.get("title", ""),
        publisher=d.get("publisher", ""),
        author=d.get("author", ""),
        date=d.get("date", ""),
        boilerplate=tuple(Span(a, b) for a, b in d.get("boilerplate", [])),
        sha256=d["sha256"],
    )
    chunks = [Chunk(cid, source, doc.text[a:b], a, b, doc.date) for cid, a, b in d["chunks"]]
    return doc, chunks


def read_manifest(index_dir: Path) -> dict | None:
    path = Path(index_dir) / MANIFEST
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


def check_signature(manifest: dict, settings: Settings, index_dir: Path) -> None:
    want, have = settings.index_signature(), manifest.get("signature", {})
    if want != have:
        diffs = ", ".join(f"{k}: index has {have.get(k)!r}, settings want {want[k]!r}" for k in want if have.get(k) != want[k])
        raise IndexMismatchError(
            f"The index at {index_dir} was built with other settings ({diffs}). "
            "Rebuild it with `assistant index --rebuild`, or restore the settings it was built with."
        )


def load_snapshot(settings: Settings) -> Snapshot:
    manifest = read_manifest(settings.index_dir)
    if manifest is None:
        raise IndexMissingError(
            f"No index found at {settings.index_dir}. Build it with `assistant index` "
            f"(corpus: {settings.corpus_dir})."
        )
    check_signature(manifest, settings, settings.index_dir)
    docs, chunks = {}, []
    for source, d in manifest["documents"].items():
        doc, cs = _doc_from_json(source, d)
        docs[source] = doc
        chunks.extend(cs)
    keyword = load_keyword_index(settings, chunks)
    return Snapshot(manifest["signature"], manifest["collection"], docs, chunks, manifest.get("built_at", 0.0), keyword)


def is_stale(settings: Settings, docs: list[Document]) -> bool:
    """True when the index is missing, built differently, or out of date with ``docs``."""
    try:
        manifest = read_manifest(settings.index_dir)
    except IndexMissingError:
        return True
    if manifest is None or manifest.get("signature") != settings.index_signature():
        return True
    have = {s: (d["sha256"], d["title"], d["publisher"], d["author"], d["date"]) for s, d in manifest["documents"].items()}
    want = {d.source: (d.sha256, d.title, d.publisher, d.author, d.date) for d in docs}
    return have != want


@contextlib.contextmanager
def index_lock(index_dir: Path) -> Iterator[None]:
    """One writer at a time, across processes."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write_atomic(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _progress(total: int, desc: str, enabled: bool):
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover
        return None
    return tqdm(total=total, desc=desc, unit="chunk", disable=not enabled or total == 0, file=sys.stderr)


def build_index(
    settings: Settings,
    docs: list[Document],
    embedder: Embedder,
    open_store: Callable[[str], VectorStore],
    *,
    rebuild: bool = False,
    skipped: list[LoadError] | None = None,
    progress: bool = True,
) -> BuildReport:
    """Bring the index in ``settings.index_dir`` in line with ``docs``."""
    t0 = time.perf_counter()
    index_dir = Path(settings.index_dir)
    report = BuildReport(skipped=list(skipped or []))
    with index_lock(index_dir):
        old = None if rebuild else read_manifest(index_dir)
        if old is not None:
            check_signature(old, settings, index_dir)
        prev = None
        with contextlib.suppress(IndexMissingError):
            prev = read_manifest(index_dir)
        sig = settings.index_signature()
        if old is None:
            collection = f"{settings.collection_prefix}-{content_hash(json.dumps(sig, sort_keys=True), n=8)}-{int(time.time() * 1000)}"
        else:
            collection = old["collection"]
        store = open_store(collection)
        marker = index_dir / BUILDING
        interrupted = marker.exists()
        # the collection an interrupted build was writing (a crashed --rebuild leaves a whole one)
        leftover = marker.read_text(encoding="utf-8").strip() if interrupted else ""
        marker.write_text(collection)

        old_docs = old["documents"] if old else {}
        new_docs: dict[str, dict] = {}
        to_embed: list[Chunk] = []
        for doc in docs:
            prev_doc = old_docs.get(doc.source)
            if prev_doc is not None and prev_doc["sha256"] == doc.sha256:
                report.unchanged.append(doc.source)
                entry = dict(prev_doc, title=doc.title, publisher=doc.publisher, author=doc.author, date=doc.date)
                new_docs[doc.source] = entry
                continue
            (report.changed if prev_doc is not None else report.added).append(doc.source)
            chunks = chunk_document(doc, settings.chunk_size, settings.chunk_overlap)
            new_docs[doc.source] = _doc_to_json(doc, chunks)
            to_embed.extend(chunks)
        report.deleted = sorted(set(old_docs) - set(new_docs))

        # 1. vectors first (invisible to readers until the manifest lists them)
        old_ids = {cid for d in old_docs.values() for cid, _, _ in d["chunks"]}
        # similar lengths share a batch, so the encoder pads little (order does not matter to the store)
        to_embed = sorted((c for c in to_embed if c.id not in old_ids), key=lambda c: len(c.text))
        bar = _progress(len(to_embed), "embedding", progress)
        step = max(1, settings.embed_batch * 8)
        # The store writes batch i while the encoder works on batch i+1 (one write in flight).
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-add") as writer:
            pending = None
            for i in range(0, len(to_embed), step):
                batch = to_embed[i : i + step]
                vectors = embedder.embed([c.text for c in batch])
                if pending is not None:
                    pending.result()
                pending = writer.submit(store.add, batch, vectors)
                if bar:
                    bar.update(len(batch))
            if pending is not None:
                pending.result()
        if bar:
            bar.close()
        report.chunks_embedded = len(to_embed)

        # 2. switch readers to the new manifest, atomically
        manifest = {
            "version": VERSION,
            "signature": sig,
            "collection": collection,
            "embedder_dim": getattr(embedder, "dim", None),
            "built_at": time.time(),
            "documents": new_docs,
        }
        _write_atomic(index_dir / MANIFEST, manifest)
        save_keyword_index(settings, manifest)  # keyword-<hash of live ids>/; load rebuilds it if a crash lost it

        # 3. drop what the manifest no longer lists
        live = {cid for d in new_docs.values() for cid, _, _ in d["chunks"]}
        if interrupted:
            stale = store.ids() - live
        else:
            stale = old_ids - live
        if stale:
            store.delete(sorted(stale))
        if prev is not None and prev.get("collection") != collection:
            with contextlib.suppress(Exception):
                open_store(prev["collection"]).drop()
        if leftover and leftover != collection and (prev is None or leftover != prev.get("collection")):
            with contextlib.suppress(Exception):
                open_store(leftover).drop()
        marker.unlink(missing_ok=True)
        report.chunks_total = len(live)
        report.collection = collection
    report.seconds = time.perf_counter() - t0
    return report
