"""Sentence vectors at question time, through a bounded LRU cache shared by all questions.

Sentence vectors are not stored in the index (only chunk vectors are): the
sentences of the chunks a question retrieves are embedded when first needed and
kept here, since the same sentences come back for related questions.  The key
holds the text, so an edited document never hits a stale vector.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from .ports import Embedder
from .types import Sentence


class SentenceVectors:
    def __init__(self, embedder: Embedder, max_items: int = 50_000):
        self._embedder = embedder
        self._cache: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.max_items = max_items

    def __call__(self, sents: Sequence[Sentence]) -> np.ndarray:
        """Unit sentence vectors, (n, dim); only the sentences not seen before are encoded."""
        keys = [(s.source, s.start, s.text) for s in sents]
        with self._lock:
            found = {k: self._cache[k] for k in keys if k in self._cache}
        missing = [(k, s.text) for k, s in zip(keys, sents, strict=True) if k not in found]
        if missing:
            vecs = self._embedder.embed([t for _, t in missing])
            with self._lock:
                for (k, _), v in zip(missing, vecs, strict=True):
                    found[k] = self._cache[k] = np.asarray(v, dtype=np.float32)
                while len(self._cache) > self.max_items:
                    self._cache.popitem(last=False)
        return np.stack([found[k] for k in keys])
