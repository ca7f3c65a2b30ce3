"""The question's plan (``plan``): checked once, read once."""

from __future__ import annotations

import pytest

from assistant.plan import Plan, check_question, make_plan
from assistant.types import BadQuestionError


@pytest.mark.unit
@pytest.mark.parametrize(
    "question, limit, expected",
    [
        pytest.param("  How   long\nwas the truce? ", 100, "How long was the truce?", id="whitespace-folded"),
        pytest.param("Who said it to Zohran Mamdani", 27, "Who said it to Zohran", id="cut-at-a-word-boundary"),
        pytest.param("Who said it to Zohran Mamdani", 19, "Who said it to", id="never-half-a-word"),
        pytest.param("Supercalifragilistic", 5, "Super", id="one-long-word-is-cut"),
    ],
)
def test_check_question(question, limit, expected):
    q, notice = check_question(question, limit)
    assert q == expected and len(q) <= limit
    assert bool(notice) == (len(" ".join(question.split())) > limit)


@pytest.mark.unit
@pytest.mark.parametrize("question", ["", "   ", None, 42])
def test_bad_questions_are_clear_errors(question):
    with pytest.raises(BadQuestionError):
        check_question(question, 100)


@pytest.mark.unit
def test_the_plan_reads_shape_counted_phrase_and_follow_up_once():
    history = [{"role": "user", "content": "What did the November truce include?"}]
    plan = make_plan("And how many hostages were released?", history, 2000)
    assert (plan.shape, plan.counted, plan.gather) == ("number", frozenset({"hostage"}), True)
    assert plan.context.startswith("What did the November truce include?")
    assert plan.query == f"{plan.question} {plan.context}"
    alone = Plan.of("Where is the config file?")
    assert (alone.shape, alone.context, alone.query, alone.gather) == ("any", "", "Where is the config file?", False)
