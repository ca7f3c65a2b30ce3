"""The soft token match (``reader.match``) and the sentence/token vector cache (``vectors``)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.adapters.memory import HashEmbedder
from assistant.reader.match import piece_weights, soft_match
from assistant.types import Sentence
from assistant.vectors import SentenceVectors

IDF = {"mediator": 3.0, "truce": 2.0, "qatar": 4.0}.get


@pytest.mark.unit
@pytest.mark.parametrize(
    "pieces, weights",
    [
        pytest.param(["who", "media", "##tes", "?"], [0.0, 0.0, 0.0, 0.0], id="unknown-word-weighs-nothing"),
        pytest.param(["the", "media", "##tors"], [0.0, 3.0, 3.0], id="pieces-take-their-word-s-idf"),
        pytest.param(["qatar", "'", "s", "truce"], [4.0, 0.0, 0.0, 2.0], id="stopwords-and-punctuation-weigh-nothing"),
        pytest.param([], [], id="empty"),
    ],
)
def test_piece_weights(pieces, weights):
    assert piece_weights(pieces, lambda t: IDF(t) or 0.0).tolist() == weights


@pytest.mark.unit
def test_soft_match_rewards_the_candidate_holding_the_rare_question_word():
    emb = HashEmbedder()
    _, (q, a, b) = emb.embed_with_tokens(["qatar truce", "the truce in qatar held", "the truce held"])
    w = piece_weights(q.tokens, lambda t: IDF(t) or 0.0)
    soft = soft_match(q.vectors, w, [a.vectors, b.vectors])
    assert soft[0] == pytest.approx(1.0, abs=1e-5) and soft[1] < 0.5  # "qatar" (idf 4) missing from b
    assert soft_match(q.vectors, np.zeros(len(w)), [a.vectors]).tolist() == [0.0]  # no content word: no signal
    assert soft_match(q.vectors, w, []).shape == (0,)


class _Counting(HashEmbedder):
    def __init__(self):
        super().__init__()
        self.encoded: list[str] = []

    def embed_with_tokens(self, texts):
        self.encoded += texts
        return super().embed_with_tokens(texts)


@pytest.mark.unit
def test_vectors_are_encoded_once_and_token_vectors_are_bounded():
    emb = _Counting()
    cache = SentenceVectors(emb, max_token_rows=6)
    sents = [Sentence("a.txt", i * 10, i * 10 + 9, f"word{i} and more") for i in range(3)]
    vecs, toks = cache.with_tokens(sents)
    assert vecs.shape == (3, emb.dim) and [t.dtype for t in toks] == [np.float16] * 3
    cache.with_tokens(sents[2:])  # the newest is still held: nothing encoded again
    assert len(emb.encoded) == 3
    cache.with_tokens(sents[:1])  # evicted (6 token rows at most): encoded again, the same vectors
    assert len(emb.encoded) == 4 and np.allclose(cache(sents[:1]), vecs[:1])
