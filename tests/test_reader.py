"""The reader: features on the fake embedder, the data builder on tiny in-repo samples, the committed weights.

Unit tests use ``HashEmbedder.embed_with_tokens`` (one hash-seeded unit vector
per word, so an exact word match has cosine 1); the integration test scores
the manifest's 20 reference triples with the real MiniLM embedder and must
reproduce them within 1e-4.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from assistant.adapters.memory import HashEmbedder
from assistant.reader import MANIFEST, NAMES, WEIGHTS, Head, Reader, Units, feature_rows
from assistant.reader import features as F

DATA = Path(__file__).parent / "data" / "reader"
COL = {n: i for i, n in enumerate(NAMES)}


def _reader(hidden: int = 0) -> Reader:
    n = len(NAMES)
    rng = np.random.default_rng(0)
    if hidden:
        head = Head(np.zeros(n), np.ones(n), rng.standard_normal((n, hidden)), np.zeros(hidden), rng.standard_normal(hidden), 0.1)
    else:
        head = Head(np.zeros(n), np.ones(n), np.zeros((n, 0)), np.zeros(0), rng.standard_normal(n), -0.5, (1.2, 0.3))
    return Reader(head, {"perl": 3.0, "the": 0.1}, 5.0)


def _rows(question: str, candidates: list[str], reader: Reader | None = None) -> np.ndarray:
    emb = HashEmbedder()
    vecs, toks = emb.embed_with_tokens([question, *candidates])
    w = (reader or _reader()).token_weights(toks[0].tokens)
    return feature_rows(toks[0].vectors, w, [t.vectors for t in toks[1:]], vecs[1:] @ vecs[0])


@pytest.mark.unit
def test_fake_token_vectors_depend_on_the_text():
    vecs, toks = HashEmbedder().embed_with_tokens(["Who mediates the talks?", "Qatar mediates", ""])
    assert vecs.shape == (3, 256)
    assert toks[0].tokens == ("who", "mediate", "the", "talk")
    assert toks[2].vectors.shape == (0, 256)
    assert np.allclose(np.linalg.norm(toks[0].vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(toks[0].vectors[1], toks[1].vectors[1])  # same word, same vector
    assert abs(float(toks[0].vectors[0] @ toks[0].vectors[3])) < 0.5  # different words differ


@pytest.mark.unit
def test_pool_matches_a_brute_force_loop():
    rng = np.random.default_rng(1)
    mats = [rng.standard_normal((n, 8)) for n in (3, 0, 5, 1)]
    mats = [m / np.linalg.norm(m, axis=1, keepdims=True) if len(m) else m for m in mats]
    q = mats[0][:2]
    p = F.pool(q, Units.of(mats))
    assert p.kernels.shape == (len(F.MUS), 2, 4)
    assert p.best[:, 1].tolist() == [-1.0, -1.0] and p.kernels[:, :, 1].max() == 0.0  # an empty unit
    for i in (0, 2, 3):
        sims = q @ mats[i].T
        assert np.allclose(p.best[:, i], sims.max(1), atol=1e-6)
        for k, (mu, sd) in enumerate(zip(F.MUS, F.SIGMAS, strict=True)):
            assert np.allclose(p.kernels[k, :, i], np.exp(-((sims - mu) ** 2) / (2 * sd**2)).sum(1), atol=1e-5)


@pytest.mark.unit
def test_an_exact_match_beats_an_unrelated_sentence():
    x = _rows("Who mediates the negotiations?", ["Qatar mediates the negotiations.", "Prices rose sharply in May."])
    assert x.shape == (2, len(NAMES))
    for name in ("k_1.0", "soft", "cover", "cos"):
        assert x[0, COL[name]] > x[1, COL[name]], name
    # "mediate", "the", "negotiation" matched once each, "who" not: idf 5 + 0.1 + 5 of 15.1 (unknown pieces weigh 5)
    assert x[0, COL["k_1.0"]] == pytest.approx(10.1 / 15.1 * np.log(2.0), abs=1e-4)


@pytest.mark.parametrize(
    "question,candidates",
    [
        pytest.param("", ["Some sentence here."], id="empty-question"),
        pytest.param("What is Perl?", [""], id="empty-candidate"),
        pytest.param("What is Perl?", [], id="no-candidates"),
    ],
)
@pytest.mark.unit
def test_edge_inputs_give_finite_features(question, candidates):
    x = _rows(question, candidates)
    assert x.shape == (len(candidates), len(NAMES))
    assert np.isfinite(x).all()


@pytest.mark.unit
def test_neighbours_and_titles_feed_their_own_features():
    emb = HashEmbedder()
    vecs, toks = emb.embed_with_tokens(
        ["Who founded Perl?", "It was released in 1987.", "Larry Wall founded Perl.", "Perl history"]
    )
    q, cand, nxt, title = toks
    reader = _reader()
    w = reader.token_weights(q.tokens)
    plain = feature_rows(q.vectors, w, [cand.vectors], [0.0])
    ctx = feature_rows(
        q.vectors, w, [cand.vectors], [0.0], neighbours=[(None, nxt.vectors)], titles=[title.vectors], title_cosines=[0.5]
    )
    assert ctx[0, COL["soft_win"]] > plain[0, COL["soft_win"]]
    assert ctx[0, COL["soft_title"]] > plain[0, COL["soft_title"]]
    assert ctx[0, COL["soft"]] == plain[0, COL["soft"]]


@pytest.mark.parametrize("hidden", [0, 4], ids=["logistic", "mlp"])
@pytest.mark.unit
def test_weights_round_trip(tmp_path, hidden):
    reader = _reader(hidden)
    sha = reader.save(tmp_path / "r.npz")
    assert sha == hashlib.sha256((tmp_path / "r.npz").read_bytes()).hexdigest()
    back = Reader.load(tmp_path / "r.npz")
    x = _rows("What is Perl?", ["Perl is a language.", "The sky is blue today."], reader)
    p = back.score_features(x)
    assert np.allclose(p, reader.score_features(x)) and ((p > 0) & (p < 1)).all()
    assert back.token_weights(["perl", "the", "zzz"]).tolist() == [3.0, pytest.approx(0.1), 5.0]


@pytest.mark.unit
def test_data_builder_shapes_on_tiny_samples(tmp_path):
    from evals.reader import data, sources
    from evals.reader.tokens import table

    colls = [sources.perlfaq_collection(DATA), sources.postgres_collection(DATA, pages=5)]
    assert [len(c.queries) for c in colls] == [3, 3]
    rng = np.random.default_rng(0)
    for c in colls:
        tab = table(c, HashEmbedder(), tmp_path, c.group)
        n = sum(len(d.sentences) for d in c.docs)
        assert tab.sentences.vectors.shape == (n, 256) and len(tab.sentences.units) == n
        assert len(tab.title_of) == n and len(tab.questions.units) == len(c.queries)
        examples = data.mine(c, tab, rng)
        for qi, q in enumerate(c.queries):
            mine = [e for e in examples if e.query == qi]
            gold = {int(tab.starts[d]) + s for d, s in q.gold}
            related = {int(tab.starts[d]) + s for d, s in q.related}
            assert {e.row for e in mine if e.label == 1} == gold
            assert not related & {e.row for e in mine if e.label == 0}  # the same answer is never a negative
            assert len({e.row for e in mine}) == len(mine)
    perl = colls[0]
    assert perl.queries[0].related == ((0, 3), (0, 4))  # the code line and the later note of "What is Perl?"


@pytest.mark.unit
def test_committed_weights_match_their_manifest():
    m = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert hashlib.sha256(WEIGHTS.read_bytes()).hexdigest() == m["sha256"]
    assert WEIGHTS.stat().st_size < 50_000_000
    assert m["features"] == list(NAMES)
    assert len(m["references"]) == 20
    Reader.load()


@pytest.mark.integration
def test_loaded_model_reproduces_the_reference_scores():
    from assistant.adapters.sentence_transformers import SentenceTransformerEmbedder
    from evals.train_reader import reference_score

    reader, emb = Reader.load(), SentenceTransformerEmbedder()
    refs = json.loads(MANIFEST.read_text(encoding="utf-8"))["references"]
    got = [reference_score(reader, emb, r["question"], r["candidate"], r["title"]) for r in refs]
    assert got == pytest.approx([r["score"] for r in refs], abs=1e-4)


@pytest.mark.unit
def test_features_of_chosen_rows_equal_those_of_all_rows(tmp_path):
    from evals.reader import sources
    from evals.reader.featurize import question_rows
    from evals.reader.tokens import table

    coll = sources.perlfaq_collection(DATA)
    tab = table(coll, HashEmbedder(), tmp_path, "perl")
    reader = _reader()
    w = reader.token_weights(tab.questions.tokens[0])
    every = question_rows(tab, 0, w)
    rows = np.array([4, 0, 9])
    assert np.allclose(question_rows(tab, 0, w, rows), every[rows], atol=1e-5)


@pytest.mark.integration
def test_the_cross_encoder_experiment_splits_minilm_exactly_and_starts_as_the_cosine():
    """evals/reader/cross.py (option b, measured, not shipped): the cached frozen bottom plus the trained top
    reproduce MiniLM's own output, and with its zero head the score is the scaled sentence cosine."""
    import torch

    from evals.reader.cross import Cross, additive_mask

    m = Cross()
    q = ["Who mediates the talks?"] * 2
    c = ["Egypt and Qatar are important mediators.", "The weather was cold in the north of the country today."]
    h, mask = m.bottom(q, c)
    enc = m.tok(q, c, truncation="only_second", max_length=96, padding=True, return_tensors="pt")
    with torch.no_grad():
        full = m.bert(**enc).last_hidden_state
        x = h
        for layer in m.top:
            out = layer(x, attention_mask=additive_mask(mask))
            x = out[0] if isinstance(out, tuple) else out
    assert float(((x - full).abs() * mask[..., None]).max()) < 1e-4
    np.testing.assert_allclose(m.score(q, c), 20.0 * m.cosines(q, c), rtol=1e-4, atol=1e-4)
    assert m.score(q, c)[0] > m.score(q, c)[1]
