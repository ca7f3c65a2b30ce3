"""The question's plan (``plan``): checked once, read once."""

from __future__ import annotations

import pytest

from assistant.errors import BadQuestionError
from assistant.plan import Plan, check_question, make_plan


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
    history = [
        {"role": "user", "content": "How did Hamas respond to the Biden plan?"},
        {"role": "assistant", "content": "On June 11th, the group sent its response."},
    ]
    followup = make_plan("When was this?", history, 2000)
    assert "June" in followup.query and followup.asked == "When was this? How did Hamas respond to the Biden plan?"
    alone = Plan.of("Where is the config file?")
    assert (alone.shape, alone.context, alone.query, alone.gather) == ("any", "", "Where is the config file?", False)
    assert alone.asked == alone.question


@pytest.mark.unit
@pytest.mark.parametrize(
    "question, years, date, text, excluded",
    [
        pytest.param(
            "Who signed the January 2025 ceasefire?", {2025}, "2023-12", "The November truce...", True, id="dated-before"
        ),
        pytest.param(
            "Who signed the January 2025 ceasefire?", {2025}, "2024-11-02", "Talks set for 2025.", False, id="names-the-year"
        ),
        pytest.param("Who signed the January 2025 ceasefire?", {2025}, "2025-07", "The truce...", False, id="dated-after"),
        pytest.param("Who signed the January 2025 ceasefire?", {2025}, "", "The truce...", False, id="undated"),
        pytest.param("Who signed the ceasefire?", set(), "1999", "The truce...", False, id="no-year-asked"),
        pytest.param("What changed between 2019 and 2021?", {2019, 2021}, "2020-05", "In 2019 ...", False, id="within-range"),
        pytest.param("What changed between 2019 and 2021?", {2019, 2021}, "2018", "Plans...", True, id="before-range"),
    ],
)
def test_a_document_dated_before_every_year_the_question_names_cannot_answer_it(question, years, date, text, excluded):
    from assistant.evidence import predates
    from assistant.types import Document

    plan = Plan.of(question)
    assert plan.years == frozenset(years)
    assert predates(plan.years, Document(source="a.txt", text=text, date=date)) is excluded
