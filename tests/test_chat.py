"""Follow-up detection (``chat.is_followup``): a table of questions, with and without a history."""

import pytest

from assistant.chat import is_followup, resolve
from assistant.types import Answer, Segment

H = lambda *questions: [{"role": "user", "content": q} for q in questions]  # noqa: E731


@pytest.mark.unit
@pytest.mark.parametrize(
    "history,question,expected",
    [
        (H("Who pulled the team out of Doha?"), "When was this?", True),  # deictic
        (H("What does the manual say about backups?"), "And about restores?", True),  # elliptic opener
        (H("How do I install the package?"), "Upgrades?", True),  # too few words to stand alone
        (H("What is in the backup plan?"), "Which team wrote the plan?", True),  # a definite noun the history introduced
        (H("What is in the backup plan?"), "Which team maintains the mirror network?", False),  # a new definite noun
        (H("How do I configure the network interface?"), "How do I list installed packages?", False),
        ([], "When was this?", False),  # nothing to lean on
        ([{"role": "assistant", "content": "Hello."}], "What about it?", False),  # no earlier user question
    ],
)
def test_is_followup(history, question, expected):
    assert is_followup(question, history) is expected


@pytest.mark.unit
def test_resolve_adds_the_earlier_questions_and_the_answers_opening_only_for_a_followup():
    answer = Answer(
        "According to the guide, “Copy it.” [1]",
        [],
        False,
        segments=(Segment("lead", "According to the guide, "), Segment("quote", "Copy it.", (1,))),
    )
    assert answer.plain_text == "According to the guide, “Copy it.”"  # what a history keeps: no markers to strip
    history = [*H("What is in the backup plan?"), {"role": "assistant", "content": answer.plain_text}]
    assert resolve("Who wrote the plan?", history).startswith("What is in the backup plan? According to the guide")
    assert "[1]" not in resolve("Who wrote the plan?", history)
    assert resolve("How do I list installed packages?", history) == ""
