"""Abstention calibration (``indexing.calibration``): null pseudo-questions and the threshold."""

from __future__ import annotations

import pytest

from assistant.types import Document


@pytest.mark.unit
def test_null_questions_are_stable_long_sentences_with_their_paragraph():
    from assistant.indexing.calibration import null_questions
    from assistant.sentences import SentenceIndex

    text = "Short one here.\nThe first long sentence of this test document has more than ten words in it.\nAnother long sentence in the second paragraph also has well over ten words here."
    sindex = SentenceIndex({"a.txt": Document("a.txt", text)})
    got = null_questions(sindex, k=5)
    assert got == null_questions(sindex, k=5) and len(got) == 2
    assert {(q, p) for q, _, p in got} == {(text.splitlines()[1], 1), (text.splitlines()[2], 2)}


@pytest.mark.unit
@pytest.mark.parametrize(
    "quantile,null,expected",
    [
        pytest.param(-1.0, [0.9, 0.9], 0.2, id="unused"),
        pytest.param(0.5, [0.1, 0.3, 0.5], 0.3, id="median-raises"),
        pytest.param(1.0, [0.05, 0.1], 0.2, id="never-lowers"),
        pytest.param(0.5, [], 0.2, id="no-null"),
    ],
)
def test_abstain_below(quantile, null, expected):
    from assistant.indexing.calibration import abstain_below
    from assistant.scoring import Model

    model = Model((0.0,), (1.0,), (1.0,), 0.0, 0.2, quantile)
    assert abstain_below(model, null) == pytest.approx(expected)
