"""Composition (``compose``): segments, citations and the wording around the quotes."""

from __future__ import annotations

import pytest

from assistant.compose import compose, who
from assistant.evidence import Scored
from assistant.types import Document, Sentence, render_text


@pytest.mark.unit
@pytest.mark.parametrize(
    "doc,expected",
    [
        pytest.param(Document("a.txt", "t", title="T", publisher="Vox", date="2024-10"), "Vox (Oct 2024)", id="publisher-date"),
        pytest.param(Document("a.txt", "t", title="Install guide"), "“Install guide”", id="title-only"),
        pytest.param(
            Document("a.txt", "t", title="Install guide", publisher="unknown", date="2023"),
            "“Install guide” (2023)",
            id="unknown-publisher",
        ),
        pytest.param(Document("a.txt", "t"), "a.txt", id="nothing"),
    ],
)
def test_lead_reads_naturally_when_fields_are_missing(doc, expected):
    assert who(doc) == expected
    segments, cits = compose([Scored(Sentence("a.txt", 0, 1, "t"), 0.9, 0.5, 0.5, 0)], False, {"a.txt": doc})
    assert render_text(segments).startswith(f"According to {expected}, “t” [1]") and len(cits) == 1
    assert [s.kind for s in segments] == ["lead", "quote"] and segments[1].citations == (1,)


def _doc(source, date, publisher):
    return Document(source, "Hamas freed 105 hostages. Others say 110 hostages.", title=source, publisher=publisher, date=date)


@pytest.mark.unit
def test_conflict_and_abstention_segments_render_the_text():
    from assistant.compose import build_answer

    docs = {"a.txt": _doc("a.txt", "2024-01", "Vox"), "b.txt": _doc("b.txt", "2023-12", "NPR")}
    picked = [
        Scored(Sentence("a.txt", 0, 25, "Hamas freed 105 hostages."), 0.9, 0.5, 0.5, 0),
        Scored(Sentence("b.txt", 26, 50, "Others say 110 hostages."), 0.8, 0.5, 0.5, 1),
    ]
    ans = build_answer(picked, True, docs, None)
    assert [s.kind for s in ans.segments] == ["heading", "sep", "item", "quote", "sep", "item", "quote"]
    assert (
        ans.text
        == "**Sources differ.**\n- NPR (Dec 2023): “Others say 110 hostages.” [1]\n- Vox (Jan 2024): “Hamas freed 105 hostages.” [2]"
    )
    assert render_text(ans.segments) == ans.text and ans.conflict
    none = build_answer([], False, docs, docs["a.txt"], ["Nasrallah"])
    assert [s.kind for s in none.segments] == ["abstain"] and none.abstained and none.text == render_text(none.segments)
    assert "None of them mentions “Nasrallah”." in none.text
