"""Selection and conflicts (``selection``, ``conflicts``): which sentences an answer cites."""

from __future__ import annotations

import pytest

from assistant.conflicts import find_conflict
from assistant.evidence import Scored
from assistant.plan import Plan
from assistant.types import Sentence


def _scored(source, text, score=0.9):
    return Scored(Sentence(source, 0, len(text), text), score, 0.5, 0.5, 0)


@pytest.mark.unit
def test_conflict_gathers_a_figure_from_every_source_even_under_another_noun():
    pool = [
        _scored("b", "Hamas released 105 hostages and Israel released 240 Palestinian prisoners."),
        _scored("c", "The truce saw Hamas release 50 Israeli hostages."),
        _scored("a", "Hamas traded 110 Israeli captives for 240 Palestinian prisoners."),
        _scored("d", "The Gaza ministry reported 20 deaths that day."),
    ]
    got = find_conflict(pool, Plan.of("How many hostages were released during the truce?").counted)
    assert sorted(s.sentence.source for s in got) == ["a", "b", "c"]
    assert find_conflict(pool[:1], Plan.of("How many hostages were released?").counted) == []


@pytest.mark.unit
@pytest.mark.parametrize(
    "texts, cited",
    [
        (["Is the deal dead?", "The deal is dead, both sides said."], ["The deal is dead, both sides said."]),  # a heading yields
        (["Have ye never read, Out of the mouth of babes thou hast perfected praise?"], None),  # the only strong one: cited
    ],
)
def test_a_question_in_the_text_is_cited_only_when_nothing_else_answers(texts, cited):
    from assistant.config import Settings
    from assistant.selection import select

    scored = [_scored("a.txt", t, 0.9 - i * 0.1) for i, t in enumerate(texts)]
    picked, _ = select(scored, Settings(), Plan.of("What does it say about praise?"), 0.2)
    assert [p.sentence.text for p in picked] == (cited if cited is not None else texts)


@pytest.mark.unit
@pytest.mark.parametrize(
    "texts, cited",
    [
        pytest.param(["Aid flowed into Gaza during the truce.", "Some 200 trucks entered each day."], [1], id="the-figure"),
        pytest.param(["Aid flowed into Gaza during the truce.", "Dozens of trucks entered."], [1], id="a-number-word"),
        pytest.param(["Aid flowed into Gaza during the truce.", "Trucks entered after the deal."], [], id="no-figure"),
    ],
)
def test_a_how_many_question_is_answered_only_by_sentences_with_a_figure(texts, cited):
    from assistant.config import Settings
    from assistant.selection import select

    scored = [_scored("a.txt", t, 0.9 - i * 0.1) for i, t in enumerate(texts)]
    picked, _ = select(scored, Settings(), Plan.of("How many aid trucks entered Gaza?"), 0.2)
    assert [p.sentence.text for p in picked] == [texts[i] for i in cited]
