"""An ``Embedder`` that remembers vectors on disk, keyed by model and text.

A SQLite file maps ``sha256(model name + text)`` to the float32 vector, so a
rebuild, a settings change that keeps the embedder, or a benchmark re-run
embeds only texts it has never seen.  It wraps any ``Embedder`` and is
transparent: the vectors are the inner embedder's, bit for bit.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np


class CachedEmbedder:
    def __init__(self, inner, path: Path):
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
        self._db.commit()
        self.hits = self.misses = 0

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.name}\0{text}".encode()).hexdigest()

    def _lookup(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        uniq = list(dict.fromkeys(keys))
        for i in range(0, len(uniq), 500):
            part = uniq[i : i + 500]
            rows = self._db.execute(f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(part))})", part).fetchall()
            found.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows)
        return found

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        keys = [self._key(t) for t in texts]
        with self._lock:
            found = self._lookup(keys)
        missing = list(dict.fromkeys((k, t) for k, t in zip(keys, texts, strict=True) if k not in found))
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if missing:
            vecs = np.asarray(self.inner.embed([t for _, t in missing]), dtype=np.float32)
            with self._lock:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                    [(k, v.tobytes()) for (k, _), v in zip(missing, vecs, strict=True)],
                )
                self._db.commit()
            found.update((k, v) for (k, _), v in zip(missing, vecs, strict=True))
        return [found[k].tolist() for k in keys]

    def embed_with_tokens(self, texts: Sequence[str]):
        """Token vectors are not cached (too large for this table): passed straight to the wrapped embedder."""
        return self.inner.embed_with_tokens(texts)

    def close(self) -> None:
        with self._lock:
            self._db.close()
