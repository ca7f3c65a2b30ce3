"""The sentence-vector cache (``vectors``): each sentence encoded once, bounded, keyed by its text."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.adapters.memory import HashEmbedder
from assistant.types import Sentence
from assistant.vectors import SentenceVectors


class _Counting(HashEmbedder):
    def __init__(self):
        super().__init__()
        self.encoded: list[str] = []

    def embed(self, texts):
        self.encoded += list(texts)
        return super().embed(texts)


@pytest.mark.unit
def test_sentences_are_encoded_once_the_cache_is_bounded_and_an_edit_is_a_new_key():
    emb = _Counting()
    cache = SentenceVectors(emb, max_items=2)
    sents = [Sentence("a.txt", i * 10, i * 10 + 9, f"word{i} and more") for i in range(3)]
    first = cache(sents)
    assert first.shape == (3, emb.dim) and len(emb.encoded) == 3
    cache(sents[1:])  # the two newest are held
    assert len(emb.encoded) == 3
    assert np.allclose(cache(sents[:1]), first[:1]) and len(emb.encoded) == 4  # evicted: encoded again, same vector
    cache([Sentence("a.txt", 0, 9, "word0 and less")])  # same place, edited text: a new key
    assert emb.encoded[-1] == "word0 and less"
