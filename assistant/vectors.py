"""Sentence vectors for a question's candidates: stored at index time, else embedded and kept in an LRU cache.

The build stores every citable sentence's vector (``indexing.sentence_vectors``),
so a question normally reads them.  A sentence the stored vectors lack (an index
built before they existed, generated-answer evidence) is embedded when first
needed and kept here, since the same sentences come back for related questions.
Keys hold the text, so an edited document never hits a stale vector.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from .indexing.sentence_vectors import StoredVectors
from .ports import Embedder
from .types import Sentence


class SentenceVectors:
    def __init__(self, embedder: Embedder, max_items: int = 50_000):
        self._embedder = embedder
        self._cache: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.max_items = max_items

    def __call__(self, sents: Sequence[Sentence], stored: StoredVectors | None = None) -> np.ndarray:
        """Unit sentence vectors, (n, dim): from ``stored`` or the cache where they are, the rest encoded now."""
        keys = [(s.source, s.start, s.text) for s in sents]
        with self._lock:
            found = {k: self._cache[k] for k in keys if k in self._cache}
        if stored is not None and len(found) < len(keys):
            todo = [k for k in keys if k not in found]
            hit, rows = stored.lookup([k[2] for k in todo])
            found.update(zip([k for k, h in zip(todo, hit, strict=True) if h], rows, strict=True))
        missing = [(k, s.text) for k, s in zip(keys, sents, strict=True) if k not in found]
        if missing:
            vecs = self._embedder.embed([t for _, t in missing])
            with self._lock:
                for (k, _), v in zip(missing, vecs, strict=True):
                    found[k] = self._cache[k] = np.asarray(v, dtype=np.float32)
                while len(self._cache) > self.max_items:
                    self._cache.popitem(last=False)
        return np.stack([found[k] for k in keys])
