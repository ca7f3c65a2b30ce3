"""Sentence vectors computed at index time, so a question never waits for the encoder on its candidates.

Every citable sentence of the index (``sentences.SentenceIndex`` splits them the
same way) is embedded by the build and saved in a folder ``sentences-<hash>``
beside the manifest: ``keys.npy``, the sorted 64-bit content hashes of the
sentence texts, and ``vectors.npy``, their unit vectors in the same order.  The
manifest names the folder.  Lookups are by text, so a folder can never give a
wrong vector: a sentence it lacks (an index built before these folders, a crash
between the writes) is embedded at question time as before.  An update embeds
only the sentences the previous folder lacks.  Folders are written under a
temporary name and renamed; older ones are swept after each build (a reader that
has one memory-mapped keeps it, POSIX).
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

from ..chunking import citable_sentences
from ..ports import Embedder
from ..types import Document, content_hash
from .layout import layout

KEYS, VECTORS = "keys.npy", "vectors.npy"


def text_key(text: str) -> int:
    """A sentence text's 64-bit content hash."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def citable_texts(docs: Iterable[Document]) -> list[str]:
    """The distinct texts of every citable sentence, in document order (as ``SentenceIndex`` splits them)."""
    seen: dict[str, None] = {}
    for doc in docs:
        for _, s in citable_sentences(doc):
            seen.setdefault(s.text)
    return list(seen)


@dataclass(frozen=True)
class StoredVectors:
    """Sorted text keys and their vectors (memory-mapped); ``lookup`` finds a batch at once."""

    keys: np.ndarray  # uint64, sorted
    vectors: np.ndarray  # float32, (n, dim)

    def lookup(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, the rows of the texts found, in order)."""
        if not len(self.keys) or not texts:
            return np.zeros(len(texts), dtype=bool), np.zeros((0, self.vectors.shape[1] if self.vectors.ndim == 2 else 0))
        want = np.fromiter((text_key(t) for t in texts), dtype=np.uint64, count=len(texts))
        pos = np.minimum(np.searchsorted(self.keys, want), len(self.keys) - 1)
        found = self.keys[pos] == want
        return found, np.asarray(self.vectors[pos[found]], dtype=np.float32)

    @classmethod
    def load(cls, folder: Path) -> StoredVectors:
        keys = np.load(folder / KEYS, mmap_mode="r")
        vectors = np.load(folder / VECTORS, mmap_mode="r")
        if keys.ndim != 1 or vectors.ndim != 2 or len(keys) != len(vectors):
            raise ValueError(f"{folder}: keys and vectors do not match")
        return cls(keys, vectors)


def open_stored(index_dir: Path, name: str | None) -> StoredVectors | None:
    """The folder a manifest names, or None when it names none or it cannot be read (questions then embed)."""
    if not name:
        return None
    with contextlib.suppress(OSError, ValueError):
        return StoredVectors.load(Path(index_dir) / name)
    return None


def _previous(index_dir: Path) -> list[StoredVectors]:
    out = []
    for folder in layout(index_dir).sentence_folders():
        with contextlib.suppress(OSError, ValueError):
            out.append(StoredVectors.load(folder))
    return out


def _write(folder: Path, keys: np.ndarray, vectors: np.ndarray) -> None:
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    np.save(tmp / KEYS, keys)
    np.save(tmp / VECTORS, vectors)
    try:
        tmp.rename(folder)
    except OSError:  # another process wrote the same folder first: same content
        shutil.rmtree(tmp, ignore_errors=True)


def save_sentence_vectors(index_dir: Path, docs: Iterable[Document], embed: Callable[[list[str]], np.ndarray]) -> str:
    """Embed (``embed``: texts -> unit vectors) what earlier folders lack, write this build's folder, return its name."""
    texts = citable_texts(docs)
    keys = np.fromiter((text_key(t) for t in texts), dtype=np.uint64, count=len(texts))
    keys, first = np.unique(keys, return_index=True)  # sorted, one row per key
    texts = [texts[i] for i in first]
    name = layout(index_dir).sentences(content_hash(keys.tobytes().hex(), n=16)).name
    folder = Path(index_dir) / name
    if not folder.exists():
        vectors = _fill(texts, _previous(index_dir), embed)
        _write(folder, keys, vectors)
    for old in layout(index_dir).sentence_folders():
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)
    return name


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


def _fill(texts: list[str], previous: list[StoredVectors], embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """Vectors of ``texts``: from earlier folders where they have them, else embedded now."""
    out: np.ndarray | None = None
    todo = np.ones(len(texts), dtype=bool)
    for stored in previous:
        idx = np.flatnonzero(todo)
        found, rows = stored.lookup([texts[i] for i in idx])
        if len(rows):
            out = np.zeros((len(texts), rows.shape[1]), dtype=np.float32) if out is None else out
            out[idx[found]] = rows
            todo[idx[found]] = False
    idx = np.flatnonzero(todo)
    if len(idx):
        fresh = np.asarray(embed([texts[i] for i in idx]), dtype=np.float32)
        out = np.zeros((len(texts), fresh.shape[1]), dtype=np.float32) if out is None else out
        out[idx] = fresh
    return out if out is not None else np.zeros((0, 0), dtype=np.float32)
