"""Sentence vectors computed at index time, so a question never waits for the encoder on its candidates.

Every citable sentence of the index (``sentences.SentenceIndex`` splits them the
same way), and each section's first sentence read with its heading (``lead``), is
embedded by the build and saved in folders ``sentences-<hash>``
beside the manifest: ``keys.npy``, the sorted 64-bit content hashes of the
sentence texts, and ``vectors.npy``, their unit vectors in the same order.  The
manifest names the folders.  Lookups are by text, so a folder can never give a
wrong vector: a sentence none holds (an index built before these folders, a crash
between the writes) is embedded at question time as before.

A first build or ``--rebuild`` writes one folder.  An update adds one small folder
with the sentences of new and changed files that the others lack
(``add_sentence_layer``), so re-indexing one file costs that file, not the corpus;
after ``MAX_LAYERS`` folders the next update merges them into one again (copying
vectors, embedding nothing twice), which also drops the sentences of files changed
or deleted since.  Folders are written under a temporary name and renamed; those
the manifest no longer names are swept (a reader that has one memory-mapped keeps
it, POSIX).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..ports import Embedder
from ..sentences import SentenceIndex
from ..text import own_words
from ..types import Document, content_hash
from .layout import layout

KEYS, VECTORS = "keys.npy", "vectors.npy"
# What a sentence's vector is of: 2 since vectors are of ``text.own_words`` (cross-referenced titles left out), 3
# since a definition's description is citable without a full stop and a field line is not (``chunking``), 4 since
# a section's first sentence has a second vector, read with its heading (``SentenceIndex.lead``).
SENTENCE_TEXT = 4
MAX_LAYERS = 8  # folders one index may name before an update merges them into one


def text_key(text: str) -> int:
    """A sentence text's 64-bit content hash."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def same_text(manifest: dict) -> bool:
    """Were the manifest's sentence vectors made of the text this version embeds (``SENTENCE_TEXT``)?  If not,
    the index is stale and its next build reads every sentence again (embedding only what no folder holds)."""
    return manifest.get("sentence_text") == SENTENCE_TEXT


def citable_texts(docs: Iterable[Document]) -> list[str]:
    """What every citable sentence says (``text.own_words``), and each section's first sentence with its heading
    (``SentenceIndex.lead``), distinct, in document order."""
    seen: dict[str, None] = {}
    for doc in docs:
        sindex = SentenceIndex({doc.source: doc}, max_docs=1)
        for i, s in enumerate(sindex.by_doc[doc.source]):
            seen.setdefault(own_words(s.text))
            if lead := sindex.lead(doc.source, i):
                seen.setdefault(own_words(lead))
    return list(seen)


@dataclass(frozen=True)
class Folder:
    """One folder's sorted text keys and their vectors, memory-mapped."""

    keys: np.ndarray  # uint64, sorted
    vectors: np.ndarray  # float32, (n, dim)

    def find(self, want: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, the row of each key found) for the keys ``want``."""
        if not len(self.keys) or not len(want):
            return np.zeros(len(want), dtype=bool), np.zeros(0, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.keys, want), len(self.keys) - 1)
        found = self.keys[pos] == want
        return found, pos[found]

    @classmethod
    def load(cls, folder: Path) -> Folder:
        keys = np.load(folder / KEYS, mmap_mode="r")
        vectors = np.load(folder / VECTORS, mmap_mode="r")
        if keys.ndim != 1 or vectors.ndim != 2 or len(keys) != len(vectors):
            raise ValueError(f"{folder}: keys and vectors do not match")
        return cls(keys, vectors)


@dataclass(frozen=True)
class StoredVectors:
    """The folders a build names; ``lookup`` finds a batch of texts in any of them at once."""

    folders: tuple[Folder, ...]

    def lookup(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, the rows of the texts found, in order); memory for the rows found only."""
        want = np.fromiter((text_key(t) for t in texts), dtype=np.uint64, count=len(texts))
        found, hits = np.zeros(len(texts), dtype=bool), []
        for folder in self.folders:
            todo = np.flatnonzero(~found)
            if not len(todo):
                break
            hit, pos = folder.find(want[todo])
            if len(pos):
                hits.append((todo[hit], folder.vectors, pos))
                found[todo[hit]] = True
        # the width of the vectors found: a folder of no sentences (an index first built empty) is (0, 0)
        dim = hits[0][1].shape[1] if hits else 0
        rows, rank = np.zeros((int(found.sum()), dim), dtype=np.float32), np.cumsum(found) - 1
        for idx, vectors, pos in hits:
            rows[rank[idx]] = vectors[pos]
        return found, rows

    @classmethod
    def load(cls, folders: Sequence[Path]) -> StoredVectors:
        return cls(tuple(Folder.load(f) for f in folders))


def names_of(entry: str | Sequence[str] | None) -> list[str]:
    """The folder names a manifest's ``sentences`` entry lists (one name in indexes built before layers)."""
    if not entry:
        return []
    return [entry] if isinstance(entry, str) else list(entry)


def open_stored(index_dir: Path, entry: str | Sequence[str] | None) -> StoredVectors | None:
    """The folders a manifest names, or None when it names none or one cannot be read (questions then embed)."""
    names = names_of(entry)
    if not names:
        return None
    with contextlib.suppress(OSError, ValueError):
        return StoredVectors.load([Path(index_dir) / n for n in names])
    return None


def _write(folder: Path, keys: np.ndarray, vectors: np.ndarray) -> None:
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    np.save(tmp / KEYS, keys)
    np.save(tmp / VECTORS, vectors)
    try:
        tmp.rename(folder)
    except OSError:  # another process wrote the same folder first: same content
        shutil.rmtree(tmp, ignore_errors=True)


def _keyed(docs: Iterable[Document]) -> tuple[np.ndarray, list[str]]:
    """The sorted distinct keys of the docs' citable sentences, and one text per key."""
    texts = citable_texts(docs)
    keys = np.fromiter((text_key(t) for t in texts), dtype=np.uint64, count=len(texts))
    keys, first = np.unique(keys, return_index=True)
    return keys, [texts[i] for i in first]


def _sweep(index_dir: Path, keep: Sequence[str]) -> None:
    for old in layout(index_dir).sentence_folders():
        if old.name not in keep:  # a reader that has one memory-mapped keeps it (POSIX)
            shutil.rmtree(old, ignore_errors=True)


def save_sentence_vectors(index_dir: Path, docs: Iterable[Document], embed: Callable[[list[str]], np.ndarray]) -> list[str]:
    """Every document's sentences in one folder: what earlier folders lack is embedded (``embed``: texts -> unit
    vectors), the rest copied; older folders are swept.  The folder names, for the manifest."""
    keys, texts = _keyed(docs)
    folder = layout(index_dir).sentences(content_hash(keys.tobytes().hex(), n=16))
    if not folder.exists():
        previous = []
        for old in layout(index_dir).sentence_folders():
            with contextlib.suppress(OSError, ValueError):
                previous.append(Folder.load(old))
        _write(folder, keys, _fill(texts, StoredVectors(tuple(previous)), embed))
    _sweep(index_dir, [folder.name])
    return [folder.name]


def add_sentence_layer(
    index_dir: Path, previous: Sequence[str], docs: Iterable[Document], embed: Callable[[list[str]], np.ndarray]
) -> list[str] | None:
    """An update's sentences as one more folder beside the ``previous`` ones: only what they lack is embedded
    and written, so re-indexing one file never rewrites every vector.  Sentences of changed or deleted files
    stay in older folders (a lookup by text never returns them for other text) until the folders are merged:
    None when they should be (``MAX_LAYERS`` reached, or one of them cannot be read)."""
    if not previous or len(previous) >= MAX_LAYERS:
        return None
    stored = open_stored(index_dir, previous)
    if stored is None:
        return None
    keys, texts = _keyed(docs)
    found, _ = stored.lookup(texts)
    names = list(previous)
    if not found.all():
        missing = np.flatnonzero(~found)
        folder = layout(index_dir).sentences(content_hash(keys[missing].tobytes().hex(), n=16))
        if not folder.exists():
            _write(folder, keys[missing], np.asarray(embed([texts[i] for i in missing]), dtype=np.float32))
        names.append(folder.name)
    _sweep(index_dir, names)
    return names


def embed_in_batches(embedder: Embedder, step: int, make_bar=None) -> Callable[[list[str]], np.ndarray]:
    """``texts -> vectors`` in batches of similar length (the encoder pads little); ``make_bar(total)`` shows progress."""

    def embed(texts: list[str]) -> np.ndarray:
        bar = make_bar(len(texts)) if make_bar else None
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), 0), dtype=np.float32)
        for i in range(0, len(order), max(1, step)):
            rows = order[i : i + step]
            vecs = np.asarray(embedder.embed([texts[j] for j in rows]), dtype=np.float32)
            out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32) if out.shape[1] == 0 else out
            out[rows] = vecs
            if bar is not None:
                bar.update(len(rows))
        if bar is not None:
            bar.close()
        return out

    return embed


def _fill(texts: list[str], previous: StoredVectors, embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """Vectors of ``texts``: from earlier folders where they have them, else embedded now (one copy of each)."""
    found, rows = previous.lookup(texts)
    if found.all():
        return rows
    idx = np.flatnonzero(~found)
    fresh = np.asarray(embed([texts[i] for i in idx]), dtype=np.float32)
    if not len(rows):
        return fresh
    out = np.zeros((len(texts), fresh.shape[1]), dtype=np.float32)
    out[found], out[idx] = rows, fresh
    return out
