"""The evidence scorer: its features, its question shapes, and that the committed weights are reproducible."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.plan import Plan
from assistant.scoring import FEATURES, WEIGHTS, Candidate, Scorer, bm25_text, constraint_terms, features, figures, kind_fit
from evals.fit import TABLE, fit_all, read_table


@pytest.mark.unit
@pytest.mark.parametrize(
    "text,expected",
    [
        pytest.param(
            "Hamas traded 110 Israeli captives for 240 Palestinian prisoners.",
            [("110", "captive"), ("240", "prisoner")],
            id="adjectives-skipped",
        ),
        pytest.param("the release of 20 more Israeli hostages", [("20", "hostage")], id="filler-skipped"),
        pytest.param("In 2023 the group grew.", [], id="year-is-not-a-figure"),
        pytest.param("killing approximately 1,200 people", [("1200", "people")], id="thousands-separator"),
        pytest.param("roughly 3 million workers got bonuses", [("3000000", "worker")], id="scale-word-is-the-figure's"),
        pytest.param(
            "a $1.5 trillion plan for 2,000,000 workers", [("1500000000000", "plan"), ("2000000", "worker")], id="same-value"
        ),
    ],
)
def test_figures(text, expected):
    assert figures(text) == expected


@pytest.mark.unit
@pytest.mark.parametrize(
    "shape,text,counted,fit",
    [
        pytest.param("number", "Hamas released 105 hostages.", {"hostage"}, 1.0, id="number-counted-noun"),
        pytest.param("number", "About 30 people came.", {"hostage"}, 0.5, id="number-other-noun"),
        pytest.param("number", "Talks resumed in 2024.", {"hostage"}, 0.0, id="number-only-a-year"),
        pytest.param("date", "The truce began on November 24.", set(), 1.0, id="date-month"),
        pytest.param("date", "The truce began after talks.", set(), 0.0, id="date-missing"),
        pytest.param("who", "The talks were led by Qatar.", set(), 1.0, id="who-name"),
        pytest.param("where", "The talks resumed in Cairo.", set(), 1.0, id="where-place"),
        pytest.param("where", "Nearly 50 years ago, I wrote a book, “Negotiating Peace.”", set(), 0.0, id="where-no-place"),
        pytest.param("any", "anything at all", set(), 1.0, id="any"),
    ],
)
def test_kind_fit(shape, text, counted, fit):
    assert kind_fit(shape, text, counted) == fit


WHO = "Who created Beautiful Soup?"  # the answer names someone, not Beautiful Soup itself
WHERE = "Where were the negotiations?"  # the place stands by the negotiations, not by another thing


@pytest.mark.unit
@pytest.mark.parametrize(
    "question,text,fit",
    [
        pytest.param(WHO, "Beautiful Soup was started by Leonard Richardson.", 1.0, id="who-a-new-name"),
        pytest.param(WHO, "The project is funded by UNRWA donors.", 1.0, id="who-an-acronym"),
        pytest.param(WHO, "Support for Beautiful Soup 3 was dropped on December 31, 2020.", 0.0, id="who-its-own-name"),
        pytest.param(WHO, "The history list uses the value of HISTTIMEFORMAT and PAM_SUCCESS.", 0.0, id="who-identifiers"),
        pytest.param(WHO, "Then I wrote it again.", 0.0, id="who-first-person"),
        pytest.param(WHERE, "Israel recalled its negotiating delegation from Doha.", 1.0, id="where-of-the-negotiations"),
        pytest.param(WHERE, "The negotiations resumed in Cairo.", 1.0, id="where-after-the-term"),
        pytest.param(WHERE, "Negotiations stalled, a line echoed by a lobby in the United States.", 0.5, id="where-of-another"),
        pytest.param(WHERE, "The negotiations stalled.", 0.0, id="where-no-place"),
    ],
)
def test_kind_fit_reads_what_the_question_asks_about(question, text, fit):
    """A "who" question's answer names someone the question does not; a "where" question's place is named right
    after what it asks about (``about``: the question's terms in their matching form)."""
    from assistant.lang import en
    from assistant.scoring import coarse

    about = set(coarse(question)) - set(coarse(" ".join(en.QUESTION_WORDS)))
    assert kind_fit(en.question_shape(question), text, set(), about) == fit


@pytest.mark.unit
@pytest.mark.parametrize(
    "question,terms",
    [
        pytest.param("What happened in November 2023 in Doha?", {"november", "2023", "doha"}, id="month-year-name"),
        pytest.param("How do I install a package?", set(), id="none"),
        pytest.param("How many were freed in the initial four-day truce?", {"four"}, id="measured-compound"),
        pytest.param("What did the 48-hour pause allow?", {"48"}, id="measured-compound-digits"),
        pytest.param("Is it a well-known long-term plan?", set(), id="other-compounds"),
        pytest.param("Was it about two-thousand paces?", set(), id="a-spelled-number-is-not-a-measure"),
    ],
)
def test_constraint_terms(question, terms):
    assert constraint_terms(question) == terms


@pytest.mark.unit
def test_bm25_text_grows_with_matches_and_shrinks_with_length():
    q = {"truce": 2.0, "hostage": 1.0}
    assert bm25_text(q, ["truce", "hostage"], 2) > bm25_text(q, ["truce", "other"], 2) > 0
    assert bm25_text(q, ["truce"] + ["x"] * 20, 10) < bm25_text(q, ["truce", "x"], 10)
    assert bm25_text(q, [], 5) == 0.0


def _cand(i, text, rank=0, para=0):
    return Candidate("a.txt", i, 10 * i, 10 * i + len(text), text, rank, 1.0 / (1 + rank), para)


@pytest.mark.unit
def test_features_are_relative_to_the_candidate_set():
    cands = [_cand(0, "The truce began in November."), _cand(1, "Rain fell on the hills.", 1), _cand(2, "The truce ended.", 2, 1)]
    cos = np.array([0.8, 0.2, 0.6])
    x = features(Plan.of("When did the truce begin?"), cands, cos, [c.text for c in cands], ["", "", ""], lambda t: 1.0)
    col = {name: x[:, i] for i, name in enumerate(FEATURES)}
    assert x.shape == (3, len(FEATURES))
    assert col["cos_gap"].tolist() == pytest.approx([0.0, -0.6, -0.2])
    assert col["cos_rank"].tolist() == pytest.approx([1.0, 1 / 3, 1 / 2])
    assert col["win_cos"].tolist() == pytest.approx([0.5, (0.8 + 0.2 + 0.6) / 3, 0.4])
    assert col["para_gap"].max() == 0.0
    assert col["win_bm25"].max() == 1.0 and col["lex_gap"].max() == 0.0
    assert col["kind_fit"].tolist() == [1.0, 0.0, 0.0]
    assert col["chunk_rank"].tolist() == pytest.approx([1.0, 0.5, 1 / 3])


@pytest.mark.unit
def test_a_question_that_names_the_document_by_its_initials_names_every_sentence_of_it():
    """ "the GPL" is the GNU General Public License: its title covers the term, so a sentence of it that does not
    say "GPL" misses no constraint, as a sentence of another document does."""
    cands = [_cand(0, "Any attempt otherwise is void and will terminate your rights."), _cand(1, "Rain fell on the hills.", 1)]
    meta = ["GNU GENERAL PUBLIC LICENSE", "Weather report"]
    x = features(
        Plan.of("What happens if I violate the GPL?"), cands, np.array([0.5, 0.5]), [c.text for c in cands], meta, lambda t: 2.0
    )
    col = {name: x[:, i] for i, name in enumerate(FEATURES)}
    assert col["constraint_miss"].tolist() == [0.0, 1.0]
    assert col["meta_lex"][0] > 0 == col["meta_lex"][1]


@pytest.mark.unit
def test_features_of_no_candidates():
    assert features(Plan.of("q"), [], np.zeros(0), [], [], lambda t: 1.0).shape == (0, len(FEATURES))


@pytest.mark.unit
def test_committed_weights_are_what_the_fitting_script_produces():
    fitted = fit_all(read_table(TABLE))
    committed = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    assert fitted["features"] == committed["features"] == list(FEATURES)
    assert fitted["trained_on"] == committed["trained_on"]
    for name, model in [("model", committed["model"]), *((f"fold {k}", v) for k, v in committed["folds"].items())]:
        mine = fitted["model"] if name == "model" else fitted["folds"][name.split(" ", 1)[1]]
        for key in ("mean", "std", "coef"):
            assert np.allclose(mine[key], model[key], atol=1e-6), (name, key)
        assert mine["intercept"] == pytest.approx(model["intercept"], abs=1e-6)
        assert mine["threshold"] == pytest.approx(model["threshold"], abs=1e-6)
    assert set(committed["folds"]) == set(committed["trained_on"])
    assert Scorer.load().fold("news") != Scorer.load().model


@pytest.mark.unit
def test_committed_feature_table_is_small():
    assert TABLE.stat().st_size < 5 * 2**20
