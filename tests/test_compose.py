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


@pytest.mark.unit
def test_a_citation_names_the_headings_its_quote_lies_under():
    from assistant.types import Block
    from assistant.ui.render import export_markdown

    text = "Manual\n\n2 Vectors\n\n2.2 Vector arithmetic\n\nShorter vectors in the expression are recycled."
    heads = [("Manual", 1), ("2 Vectors", 2), ("2.2 Vector arithmetic", 3)]
    blocks = tuple(Block("heading", text.index(h), text.index(h) + len(h), level) for h, level in heads)
    doc = Document("r.pdf", text, title="R manual", blocks=blocks)
    a = text.index("Shorter")
    segments, cits = compose([Scored(Sentence("r.pdf", a, len(text), text[a:]), 0.9, 0.5, 0.5, 0)], False, {"r.pdf": doc})
    assert cits[0].section == "2 Vectors › 2.2 Vector arithmetic" and cits[0].to_dict()["section"] == cits[0].section
    answer = {"text": render_text(segments), "citations": [dict(cits[0].to_dict(), page=9)], "segments": []}
    exported = export_markdown([{"question": "What happens to shorter vectors?", "answer": answer}])
    assert "(`r.pdf`, p. 9, 2 Vectors › 2.2 Vector arithmetic, characters" in exported
    assert Document("a.txt", "no headings").section_at(3) == ""


@pytest.mark.unit
@pytest.mark.parametrize(
    "term, shown",
    [
        pytest.param("nproc", "nproc: “maximum number of processes”", id="term"),
        pytest.param("What is nproc?", "What is nproc? “maximum number of processes”", id="question-term"),
        pytest.param("x" * 81, "“maximum number of processes”", id="too-long-to-lead"),
    ],
)
def test_a_definitions_quote_is_introduced_by_its_term(term, shown):
    """ "maximum number of processes" says nothing without the "nproc" it describes: the term introduces it (plain
    text, not part of the quote or the citation)."""
    from assistant.types import TERM_LEVEL, Block

    text = f"Limits\n\n{term}\n\nmaximum number of processes"
    a = text.index("maximum")
    blocks = (Block("heading", 0, 6, 1), Block("heading", 8, 8 + len(term), TERM_LEVEL), Block("paragraph", a, len(text)))
    doc = Document("l.html", text, title="Limits", blocks=blocks)
    segments, cits = compose([Scored(Sentence("l.html", a, len(text), text[a:]), 0.9, 0.5, 0.5, 0)], False, {"l.html": doc})
    assert render_text(segments, plain=True) == f"According to “Limits”, {shown}"
    assert cits[0].quote == "maximum number of processes"


@pytest.mark.unit
def test_a_segment_of_an_unknown_kind_is_refused():
    from assistant.types import Segment

    with pytest.raises(ValueError, match="unknown segment kind"):
        Segment("footnote", "x")


def _s(i: int, text: str, context: bool = False) -> Scored:
    return Scored(Sentence("a.txt", 100 * i, 100 * i + len(text), text), 0.5, 0.5, 0.5, i, context)


@pytest.mark.unit
@pytest.mark.parametrize(
    "items, runs",
    [
        pytest.param(
            [
                _s(0, "Talks broke down in Doha."),
                _s(1, "Israel offered a week.", True),
                _s(2, "However, Hamas rejected this offer."),
            ],
            [[0], [1, 2]],
            id="an-antecedent-goes-with-its-anaphor",
        ),
        pytest.param(
            [_s(0, "Sheline argues that leverage is unused."), _s(1, "“They have none,” she said.", True)],
            [[0, 1]],
            id="a-quote-goes-with-its-lead-in",
        ),
        pytest.param(
            [_s(0, "Talks broke down in Doha."), _s(1, "Israel offered a week.")],
            [[0], [1]],
            id="two-picked-sentences-two-citations",
        ),
    ],
)
def test_each_picked_sentence_is_cited_with_the_neighbours_it_was_read_with(items, runs):
    from assistant.compose import _runs

    assert [[s.index for s in run] for run in _runs(items)] == runs


@pytest.mark.unit
@pytest.mark.parametrize(
    "quote, reads",
    [
        pytest.param("provided by the operating\nsystem.", "provided by the operating system.", id="a-hard-wrap"),
        pytest.param("wrapped at\n   72 columns\r\nhere.", "wrapped at 72 columns here.", id="indent-and-crlf"),
        pytest.param("One paragraph.\n\nAnother one.", "One paragraph.\n\nAnother one.", id="a-blank-line-stays"),
        pytest.param("No wrap at all.", "No wrap at all.", id="unchanged"),
    ],
)
def test_a_quote_reads_without_its_files_line_wraps_and_its_citation_keeps_them(quote, reads):
    """A text file wrapped at 72 columns is quoted as prose in the answer; the citation is the exact span."""
    doc = Document("a.txt", f"Intro. {quote} Outro.")
    start = doc.text.index(quote)
    s = Scored(Sentence("a.txt", start, start + len(quote), quote), 0.9, 0.5, 0.5, 1)
    segments, citations = compose([s], False, {"a.txt": doc})
    assert f"“{reads}” [1]" in render_text(segments)
    assert citations[0].quote == quote == doc.text[citations[0].start : citations[0].end]


@pytest.mark.unit
@pytest.mark.parametrize(
    "pointer",
    [
        "The format of the Essential control field is described in Essential.",
        "(See also Virtual packages)",
        "For more details, see the manual page aptitude(8).",
        "Details can be found at https://keyring.debian.org/replacing_keys.html.",
    ],
)
def test_a_sentence_that_only_points_elsewhere_never_leads(pointer):
    """It stays cited (a FAQ's answer often is one), after the sentence that says something."""
    says = "Essential is defined as the minimal set of functionality that must be available at all times."
    text = f"{pointer} {says}"
    doc = Document("p.txt", text, title="Policy")
    picked = [
        Scored(Sentence("p.txt", 0, len(pointer), pointer), 0.9, 0.5, 0.5, 0),
        Scored(Sentence("p.txt", len(pointer) + 1, len(text), says), 0.6, 0.5, 0.5, 3),
    ]
    segments, cits = compose(picked, False, {"p.txt": doc})
    assert [c.quote for c in cits] == [says, pointer]


@pytest.mark.unit
def test_headings_that_date_a_quote_introduce_it_once():
    """A changelog's bullet says what changed; its version heading says when (``Scored.label``)."""
    text = "- Stabilize async closures. See RFC 3668 for more details."
    doc = Document("r.md", text, title="Rust Release Notes")
    label = "Version 1.85.0 (2025-02-20) › Language"
    cut = text.index("See")
    picked = [
        Scored(Sentence("r.md", 0, cut - 1, text[: cut - 1]), 0.8, 0.5, 0.5, 0, label=label),
        Scored(Sentence("r.md", cut, len(text), text[cut:]), 0.6, 0.5, 0.5, 2, label=label),
    ]
    segments, _ = compose(picked, False, {"r.md": doc})
    assert render_text(segments).count(label) == 1
    assert render_text(segments).startswith(f"According to “Rust Release Notes”, {label}: “- Stabilize async closures.” [1]")
