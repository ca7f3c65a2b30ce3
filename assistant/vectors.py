"""Sentence vectors and token vectors at question time, through bounded LRU caches shared by all questions.

Sentence vectors are not stored in the index (only chunk vectors are): the
sentences of the chunks a question retrieves are embedded when first needed and
kept here, since the same sentences come back for related questions.  One
encoder pass gives both a sentence's vector and its contextual token vectors
(the soft token match reads those); token vectors are larger, so fewer are kept
(as float16), and a sentence whose tokens were evicted is encoded again.  Keys
hold the text, so an edited document never hits a stale vector.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from .ports import Embedder
from .types import Sentence


class SentenceVectors:
    def __init__(self, embedder: Embedder, max_items: int = 50_000, max_token_rows: int = 300_000):
        self._embedder = embedder
        self._vecs: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._toks: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._rows = 0  # token rows held in ``_toks``
        self._lock = threading.Lock()
        self.max_items, self.max_token_rows = max_items, max_token_rows

    def __call__(self, sents: Sequence[Sentence]) -> np.ndarray:
        """Unit sentence vectors, (n, dim)."""
        return self.with_tokens(sents, tokens=False)[0]

    def with_tokens(self, sents: Sequence[Sentence], tokens: bool = True) -> tuple[np.ndarray, list[np.ndarray]]:
        """(sentence vectors, each sentence's token vectors); token vectors only when ``tokens``."""
        keys = [(s.source, s.start, s.text) for s in sents]
        with self._lock:
            vecs = {k: self._vecs[k] for k in keys if k in self._vecs}
            toks = {k: self._toks[k] for k in keys if k in self._toks} if tokens else {}
        missing = {k: s.text for k, s in zip(keys, sents, strict=True) if k not in vecs or (tokens and k not in toks)}
        if missing:
            self._encode(missing, vecs, toks, tokens)
        return np.stack([vecs[k] for k in keys]) if keys else np.zeros((0, 0)), [toks[k] for k in keys] if tokens else []

    def _encode(self, missing: dict, vecs: dict, toks: dict, tokens: bool) -> None:
        texts = list(missing.values())
        if tokens:
            new_vecs, new_toks = self._embedder.embed_with_tokens(texts)
            mats = [np.asarray(t.vectors, dtype=np.float16) for t in new_toks]
        else:
            new_vecs, mats = self._embedder.embed(texts), []
        with self._lock:
            for i, k in enumerate(missing):
                vecs[k] = self._vecs[k] = np.asarray(new_vecs[i], dtype=np.float32)
                if mats:
                    toks[k] = self._toks[k] = mats[i]
                    self._rows += len(mats[i])
            while len(self._vecs) > self.max_items:
                self._vecs.popitem(last=False)
            while self._rows > self.max_token_rows and self._toks:
                self._rows -= len(self._toks.popitem(last=False)[1])
