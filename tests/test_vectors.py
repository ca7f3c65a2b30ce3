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


# -- vectors stored at index time (indexing.sentence_vectors) -----------------------------------------


def _doc(source: str, text: str):
    from assistant.types import Document

    return Document(source=source, text=text, sha256=source)


DOCS = [
    _doc("a.txt", "The hive holds forty thousand bees in summer. Winter leaves about ten thousand of them."),
    _doc("b.txt", "Beekeepers check the queen every week in spring. Short line."),
]


@pytest.mark.unit
def test_stored_vectors_round_trip_and_a_merge_embeds_only_new_sentences(tmp_path):
    from assistant.indexing.sentence_vectors import citable_texts, open_stored, save_sentence_vectors

    emb = _Counting()
    names = save_sentence_vectors(tmp_path, DOCS, emb.embed)
    texts = citable_texts(DOCS)
    assert len(texts) == 3 and "Short line." not in texts and sorted(emb.encoded) == sorted(texts)
    stored = open_stored(tmp_path, names)
    found, rows = stored.lookup([*texts, "A sentence nobody indexed here."])
    assert found.tolist() == [True, True, True, False]
    assert np.allclose(rows, np.asarray(emb.embed(texts)), atol=1e-6)
    # a merge: one new document; only its sentence is embedded, the old folder is swept
    emb.encoded.clear()
    more = [*DOCS, _doc("c.txt", "Smoke calms the bees before the hive is opened.")]
    names2 = save_sentence_vectors(tmp_path, more, emb.embed)
    assert emb.encoded == ["Smoke calms the bees before the hive is opened."]
    assert len(names2) == 1 and names2 != names and not (tmp_path / names[0]).exists()
    assert open_stored(tmp_path, names2).lookup(citable_texts(more))[0].all()


@pytest.mark.unit
def test_an_index_first_built_empty_finds_the_vectors_of_what_was_added_later(tmp_path):
    """The first folder holds no sentence (its vectors are 0 x 0); the found rows take the width of the folder
    that holds them (it was the first folder's, and every question over the added files failed)."""
    from assistant.indexing.sentence_vectors import add_sentence_layer, citable_texts, open_stored, save_sentence_vectors

    emb = _Counting()
    names = save_sentence_vectors(tmp_path, [], emb.embed)
    names = add_sentence_layer(tmp_path, names, DOCS, emb.embed)
    texts = citable_texts(DOCS)
    found, rows = open_stored(tmp_path, names).lookup(texts)
    assert found.all() and rows.shape == (len(texts), emb.dim)


@pytest.mark.unit
def test_updates_add_small_folders_until_they_are_merged(tmp_path):
    from assistant.indexing.sentence_vectors import MAX_LAYERS, add_sentence_layer, citable_texts, open_stored
    from assistant.indexing.sentence_vectors import save_sentence_vectors as save

    emb = _Counting()
    names, docs = save(tmp_path, DOCS, emb.embed), list(DOCS)
    for i in range(MAX_LAYERS - 1):  # each update: one edited file
        emb.encoded.clear()
        edited = _doc("a.txt", f"The hive holds {i} bees in summer. Winter leaves about ten thousand of them.")
        docs[0] = edited
        names = add_sentence_layer(tmp_path, names, [edited], emb.embed)
        assert emb.encoded == [f"The hive holds {i} bees in summer."], "only the sentence no folder holds"
        assert len(names) == i + 2 and sorted(p.name for p in tmp_path.glob("sentences-*")) == sorted(names)
        texts = citable_texts(docs)
        found, rows = open_stored(tmp_path, names).lookup(texts)
        assert found.all() and np.allclose(rows, np.asarray(emb.embed(texts)), atol=1e-6)
    assert add_sentence_layer(tmp_path, names, [docs[0]], emb.embed) is None, "full: the caller merges"
    assert add_sentence_layer(tmp_path, [*names[:-1], "sentences-gone"], [docs[0]], emb.embed) is None
    emb.encoded.clear()
    merged = save(tmp_path, docs, emb.embed)
    assert emb.encoded == [] and len(merged) == 1 and [p.name for p in tmp_path.glob("sentences-*")] == merged
    found, _ = open_stored(tmp_path, merged).lookup(["The hive holds 0 bees in summer.", *citable_texts(docs)])
    assert found.tolist() == [False, True, True, True], "the merge dropped what no document says any more"


@pytest.mark.unit
@pytest.mark.parametrize("name", [None, "", "sentences-missing"])
def test_no_stored_vectors_is_not_an_error(tmp_path, name):
    from assistant.indexing.sentence_vectors import open_stored

    assert open_stored(tmp_path, name) is None


@pytest.mark.unit
def test_question_time_vectors_read_the_stored_ones_and_embed_only_the_rest(tmp_path):
    from assistant.indexing.sentence_vectors import citable_texts, open_stored, save_sentence_vectors

    emb = _Counting()
    stored = open_stored(tmp_path, save_sentence_vectors(tmp_path, DOCS, emb.embed))
    emb.encoded.clear()
    texts = [*citable_texts(DOCS), "Not in any indexed document at all."]
    sents = [Sentence("a.txt", i, i + 1, t) for i, t in enumerate(texts)]
    got = SentenceVectors(emb)(sents, stored)
    assert emb.encoded == ["Not in any indexed document at all."]
    assert np.allclose(got, np.asarray(emb.embed(texts)), atol=1e-6)
