"""The language module (``lang.en``): question shapes."""

from __future__ import annotations

import pytest

from assistant import lang


@pytest.mark.unit
@pytest.mark.parametrize(
    "question,shape",
    [
        pytest.param("How many hostages were released?", "number", id="how-many"),
        pytest.param("What was the total number of votes?", "number", id="number-of"),
        pytest.param("Give the number of hostages released", "number", id="bare-number-of"),
        pytest.param("How do I limit the number of processes?", "any", id="how-to-with-number-of"),
        pytest.param("When did the truce begin?", "date", id="when"),
        pytest.param("Who mediated the talks?", "who", id="who"),
        pytest.param("Summarize the main obstacles to a deal.", "summary", id="summarize"),
        pytest.param("What are the main obstacles to a deal?", "summary", id="what-are-the-main"),
        pytest.param("Why did the talks stall?", "why", id="why"),
        pytest.param("How do I install a package?", "any", id="how-to"),
        pytest.param("Where did the talks take place?", "where", id="where-did"),
        pytest.param("Where can I find the source code?", "any", id="where-can"),
        pytest.param("Bread: Made by men", "topic", id="nave-topic"),
        pytest.param("Qatar mediation", "topic", id="keywords"),
        pytest.param("And Egypt", "any", id="follow-up"),
        pytest.param("I'm on Windows and my text files are detected as binary.", "any", id="a-statement"),
        pytest.param("Tell me about the truce", "any", id="imperative"),
    ],
)
def test_question_shape(question, shape):
    assert lang.current.question_shape(question) == shape


@pytest.mark.unit
@pytest.mark.parametrize(
    "question, action",
    [
        ("How many hostages were released during the November 2023 truce?", "released"),
        ("How many hostages did Hamas release?", "release"),
        ("How many people have been killed in Gaza?", "killed"),
        ("How many trucks entered each day?", "entered"),
        ("How many jobs will the USMCA create?", "create"),
        ("How many hostages remain in Gaza?", ""),
    ],
)
def test_the_action_a_how_many_question_asks_about(question, action):
    assert lang.current.counted_action(question) == action


@pytest.mark.unit
@pytest.mark.parametrize(
    "question, terms",
    [
        pytest.param("What is the difference between required and requisite?", ("required", "requisite"), id="between"),
        pytest.param("How does a soft limit differ from a hard limit?", ("soft limit", "hard limit"), id="differ-from"),
        pytest.param("merge vs rebase", ("merge", "rebase"), id="versus"),
        pytest.param(
            "What is the difference between the first phase of the deal and the second phase of the truce?", (), id="long"
        ),
        pytest.param("Why did the talks stall?", (), id="no-comparison"),
    ],
)
def test_the_two_things_a_question_compares(question, terms):
    assert lang.current.compared(question) == terms
