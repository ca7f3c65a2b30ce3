"""Boilerplate detection (real corpus + synthetic cases) and corpus loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.boilerplate import detect_boilerplate, merge_spans
from assistant.corpus import load_corpus, load_metadata, make_document
from assistant.types import Span

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


def raw(name: str) -> str:
    with open(CORPUS / name, encoding="utf-8", newline="") as fh:
        return fh.read()


def covered(spans, start: int, end: int) -> bool:
    """[start, end) lies entirely inside one boilerplate span."""
    return any(s.start <= start and end <= s.end for s in spans)


def overlaps(spans, start: int, end: int) -> bool:
    return any(s.start < end and start < s.end for s in spans)


def line_span(text: str, line: str, occurrence: int = 0) -> tuple[int, int]:
    pos = -1
    for _ in range(occurrence + 1):
        pos = text.index(line, pos + 1)
    return pos, pos + len(line)


# --- the real corpus --------------------------------------------------------------------------------

DOC3 = "003_761fb97b8a8178bf.txt"
DOC1 = "001_8a411522840ab978.txt"
DOC4 = "004_0e219b9c6fc7574c.txt"
CAPTION3 = (
    "A cousin of a Palestinian child killed in an Israeli strike holds the body, amid the Israel-Hamas conflict, "
    "in Deir Al-Balah in the central Gaza Strip, August 20, 2024."
)
CAPTION1 = "Israeli Prime Minister Benjamin Netanyahu and United States President Joe Biden in Tel Aviv, October 18th, 2023."


def test_003_more_from_gzero_to_end_is_boilerplate():
    text = raw(DOC3)
    spans = detect_boilerplate(text)
    start = text.index("More from GZERO Media")
    assert Span(start, len(text)) in spans
    # the teasers after it, e.g. the tariff story, are inside that span
    assert covered(spans, text.index("Liberation Day"), text.index("Liberation Day") + 14)
    # the article's last sentence just before it is not
    last = "“It’s a classic situation where you have outside players trying to wrangle the local players into things they don’t want.”"
    assert not overlaps(spans, *line_span(text, last))


def test_003_photo_caption_and_reuters_credit_are_boilerplate():
    text = raw(DOC3)
    spans = detect_boilerplate(text)
    assert covered(spans, *line_span(text, "REUTERS/Ramadan Abed"))
    assert covered(spans, *line_span(text, CAPTION3, 0))  # alt text
    assert covered(spans, *line_span(text, CAPTION3, 1))  # the caption repeated
    title = "The elusive cease-fire: Do Israel and Hamas even want one?"
    assert not overlaps(spans, *line_span(text, title))
    assert not overlaps(spans, *line_span(text, "US Secretary of State Antony Blinken has left a crosshatch"))


def test_001_evan_vucci_credit_and_caption_are_boilerplate():
    text = raw(DOC1)
    spans = detect_boilerplate(text)
    assert covered(spans, *line_span(text, "Evan Vucci/AP"))
    assert covered(spans, *line_span(text, CAPTION1))
    for kept in ("Why Ceasefire Talks Are Stuck", "Alex Kane\n", "June 24, 2024", "Last November, Israel and Hamas agreed"):
        assert not overlaps(spans, *line_span(text, kept)), kept
    assert spans == (Span(*line_span(text, CAPTION1)), Span(*line_span(text, "Evan Vucci/AP")))


def test_004_trailing_related_links_are_boilerplate_but_not_the_last_sentence():
    text = raw(DOC4)
    spans = detect_boilerplate(text)
    sentence = "That approach is yet another indication of unwillingness to reach a negotiated peace with the Palestinians."
    s_start, s_end = line_span(text, sentence)
    assert not overlaps(spans, s_start, s_end)
    glued = text.index("- Israeli ethnic cleansing nears completion in northern Gaza ›")
    assert glued == s_end  # the first link is glued to the last sentence
    assert spans == (Span(glued, len(text)),)
    for link in (
        "- Israel's plan for Gaza is clear: 'Conquest, expulsion, settlement' ›",
        "- Will contractor disgust bring down Israel's 'hunger games' in Gaza? ›",
    ):
        assert covered(spans, *line_span(text, link))


@pytest.mark.parametrize("name", ["000_c1fd837c348b8f6f.txt", "002_5a965a5de724c070.txt"])
def test_articles_without_page_furniture_have_no_boilerplate(name):
    assert detect_boilerplate(raw(name)) == ()


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "This document gives frequently asked questions (with their\n"
            "answers!) about the Debian distribution (Debian GNU/Linux and\n"
            "others) and about the Debian project. If applicable, pointers to\n"
            "other documentation will be given.",
            id="hard-wrapped-line-with-a-slash",
        ),
        pytest.param(
            "$ lsb_release -a\nDistributor ID: Debian\nDescription: Debian GNU/Linux unstable (sid)\n", id="command-output"
        ),
    ],
)
def test_text_that_only_looks_like_a_photo_credit_is_kept(text):
    """Found on debian-faq's own hard-wrapped text: 'Name/Agency' lines inside prose or program output."""
    assert detect_boilerplate(text) == ()


def test_load_corpus_on_real_folder_applies_metadata_and_boilerplate():
    docs, errors = load_corpus(CORPUS)
    assert errors == []
    by = {d.source: d for d in docs}
    assert sorted(by) == sorted(p.name for p in CORPUS.glob("*.txt"))
    d1 = by[DOC1]
    assert (d1.title, d1.publisher, d1.author, d1.date) == (
        "Why Ceasefire Talks Are Stuck",
        "Jewish Currents",
        "Alex Kane",
        "2024-06-24",
    )
    assert by[DOC3].publisher == "GZERO Media" and by[DOC3].date == "2024-08-20"
    assert (
        by["002_5a965a5de724c070.txt"].label == "Israel-Hamas ceasefire talks hit an impasse after the November truce"
    )  # publisher "unknown"
    assert by[DOC3].boilerplate == detect_boilerplate(raw(DOC3))
    assert all(d.text == raw(d.source) for d in docs)


# --- synthetic cases -------------------------------------------------------------------------------

BODY = "Negotiators met in Doha on Monday to discuss a phased agreement for the release of hostages and a pause in fighting."
PARA = f"{BODY} {BODY}"


def doc_with(middle: str, tail: str = "") -> str:
    return f"A Headline About Talks\n\n{PARA}\n\n{middle}\n\n{PARA}\n\n{PARA}{tail}"


@pytest.mark.parametrize(
    "text,expected_marked",
    [
        pytest.param(
            doc_with("A man walks past rubble in Gaza City.\nMahmud Hams/Getty Images"),
            ["A man walks past rubble in Gaza City.", "Mahmud Hams/Getty Images"],
            id="name/getty-images+caption",
        ),
        pytest.param(
            doc_with("Protesters gather in Tel Aviv.\nREUTERS/Tierney L Cross"),
            ["Protesters gather in Tel Aviv.", "REUTERS/Tierney L Cross"],
            id="reuters/name+caption",
        ),
        pytest.param(doc_with("Evan Vucci/AP"), [PARA, "Evan Vucci/AP"], id="name/ap-marks-line-above-as-caption"),
        pytest.param(
            doc_with("Smoke rises over Khan Younis.\nSmoke rises over Khan Younis.\nPhoto by Jane Doe"),
            ["Smoke rises over Khan Younis.", "Smoke rises over Khan Younis.", "Photo by Jane Doe"],
            id="photo-by+repeated-caption",
        ),
        pytest.param(
            doc_with("Aid trucks at the Rafah crossing.\nImage credit: UNRWA"),
            ["Aid trucks at the Rafah crossing.", "Image credit: UNRWA"],
            id="image-credit",
        ),
        pytest.param(
            doc_with("", "\n\nRelated:\n\nSome other story about tariffs\n\nAnother teaser here"),
            ["Related:\n\nSome other story about tariffs\n\nAnother teaser here"],
            id="related-section-to-end",
        ),
        pytest.param(
            doc_with("", "\n\nMore from Example News\n\nTeaser one\n\nTeaser two."),
            ["More from Example News\n\nTeaser one\n\nTeaser two."],
            id="more-from-section-to-end",
        ),
        pytest.param(
            doc_with("", "\n- First related story ›\n- Second related story ›\n"),
            ["- First related story ›\n- Second related story ›\n"],
            id="trailing-link-list",
        ),
        pytest.param(
            doc_with("", "- Glued related story ›\n- Second related story ›"),
            ["- Glued related story ›\n- Second related story ›"],
            id="link-glued-to-last-sentence",
        ),
        pytest.param(
            doc_with("Mediators and/or envoys will meet again next week in Cairo to continue the talks."),
            [],
            id="and/or-in-paragraph",
        ),
        pytest.param(doc_with("The talks and/or the truce"), [], id="and/or-short-line-no-period"),
        pytest.param(doc_with("A 24/7 operation"), [], id="24/7-short-line"),
        pytest.param(doc_with("Speeds of 80 km/h"), [], id="km/h"),
        pytest.param(doc_with("See https://example.com/page"), [], id="url"),
        pytest.param(
            "Related:\n\n" + PARA + "\n\n" + PARA + "\n\n" + PARA,
            [],
            id="related-near-the-top-is-not-a-tail-section",
        ),
        pytest.param(doc_with("Why the Talks Collapsed"), [], id="plain-heading"),
        pytest.param(doc_with(""), [], id="plain-article"),
        pytest.param("", [], id="empty"),
    ],
)
def test_detect_boilerplate_synthetic(text, expected_marked):
    spans = detect_boilerplate(text)
    assert [text[s.start : s.end] for s in spans] == expected_marked


def test_crlf_credit_lines_are_detected_and_spans_exclude_line_endings():
    text = doc_with("Protesters gather in Tel Aviv.\nREUTERS/Tierney L Cross").replace("\n", "\r\n")
    spans = detect_boilerplate(text)
    assert [text[s.start : s.end] for s in spans] == ["Protesters gather in Tel Aviv.", "REUTERS/Tierney L Cross"]


@pytest.mark.parametrize(
    "spans,merged",
    [
        pytest.param([], (), id="none"),
        pytest.param([Span(5, 9), Span(0, 3)], (Span(0, 3), Span(5, 9)), id="sorted"),
        pytest.param([Span(0, 5), Span(3, 8)], (Span(0, 8),), id="overlap"),
        pytest.param([Span(0, 5), Span(5, 8)], (Span(0, 8),), id="touching"),
        pytest.param([Span(0, 10), Span(2, 4)], (Span(0, 10),), id="nested"),
    ],
)
def test_merge_spans(spans, merged):
    assert merge_spans(spans) == merged


# --- loading ------------------------------------------------------------------------------------------


@pytest.fixture
def mixed_folder(tmp_path) -> Path:
    d = tmp_path / "c"
    (d / "sub").mkdir(parents=True)
    (d / "good.txt").write_bytes("Good text with “quotes”.\r\nSecond line.\n".encode())
    (d / "latin1.txt").write_bytes("Caf\xe9 au lait.".encode("latin-1"))
    (d / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (d / "sub" / "nested.md").write_text("# Nested\n\nMarkdown body.\n", encoding="utf-8")
    (d / "stub.pdf").write_bytes(b"%PDF-1.4")  # PDFs are read now: this one is truncated
    (d / ".hidden.txt").write_text("hidden", encoding="utf-8")
    (d / "sources.toml").write_text(
        '["good.txt"]\ntitle = "A Good Title"\npublisher = "Example Press"\nauthor = "A. Writer"\ndate = "2024-06"\n',
        encoding="utf-8",
    )
    return d


def test_bad_files_are_reported_by_name_and_skipped(mixed_folder):
    docs, errors = load_corpus(mixed_folder)
    assert sorted(d.source for d in docs) == ["good.txt", "sub/nested.md"]
    reasons = {e.source: e.reason for e in errors}
    assert sorted(reasons) == ["binary.txt", "latin1.txt", "stub.pdf"]
    assert "truncated" in reasons["stub.pdf"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert "binary" in reasons["binary.txt"]


def test_metadata_from_sources_toml_is_applied(mixed_folder):
    docs, _ = load_corpus(mixed_folder)
    by = {d.source: d for d in docs}
    good = by["good.txt"]
    assert (good.title, good.publisher, good.author, good.date) == ("A Good Title", "Example Press", "A. Writer", "2024-06")
    nested = by["sub/nested.md"]
    assert (nested.title, nested.publisher, nested.date) == ("Nested", "", "")  # the Markdown heading, without its markup


def test_files_are_read_without_newline_translation(mixed_folder):
    docs, _ = load_corpus(mixed_folder)
    good = next(d for d in docs if d.source == "good.txt")
    assert good.text == "Good text with “quotes”.\r\nSecond line.\n"
    assert good.sha256 == __import__("hashlib").sha256(good.text.encode()).hexdigest()


def test_missing_folder_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="corpus folder not found"):
        load_corpus(tmp_path / "nope")


def test_broken_sources_toml_raises_readable_error(tmp_path):
    (tmp_path / "sources.toml").write_text("[unclosed\n", encoding="utf-8")
    with pytest.raises(ValueError, match="cannot parse metadata"):
        load_metadata(tmp_path)


@pytest.mark.parametrize(
    "source,text,title",
    [
        pytest.param("a.txt", "Short Headline\n\nBody sentence.", "Short Headline", id="first-line"),
        pytest.param("b.txt", "This first line is a sentence.\nMore.", "b", id="sentence-first-line-uses-stem"),
        pytest.param("c.txt", "", "c", id="empty"),
        pytest.param("d.md", "<div class='x'>\n# Install guide\n\nBody.", "Install guide", id="markdown-heading-wins"),
        pytest.param("e.md", "---\nlayout: page\n---\nText follows here.", "e", id="front-matter-uses-stem"),
        pytest.param("f.txt", "<html><body>\nHello there.", "f", id="html-first-line-uses-stem"),
        pytest.param("g.txt", "https://example.org/page\nText.", "g", id="url-first-line-uses-stem"),
        pytest.param("notes/h-i.txt", "=====\nText.", "h-i", id="rule-line-uses-stem"),
    ],
)
def test_default_title(source, text, title):
    doc = make_document(source, text)
    assert doc.title == title
    assert doc.publisher == "" and doc.label == title  # no invented publisher: the label is the title


def test_a_laid_out_file_has_no_markdown_headings():
    """A PDF without a Title whose code sample has a "#" comment is titled by its first line, not the comment."""
    from assistant.types import Extracted

    text = "Shared MIME-info Database\n\n1. Introduction\n\nFor example:\n\n# This file was generated by the\n\nText."
    doc = make_document("spec.pdf", text, extracted=Extracted(text, kind="pdf"))
    assert doc.title == "Shared MIME-info Database"
    assert make_document("notes.md", "# Real title\n\nText.").title == "Real title"


@pytest.mark.parametrize(
    "text,title",
    [
        pytest.param(
            ".. only:: html\n\n   .. image:: logo.png\n\nUser Guide\n==========\n\nBody.", "User Guide", id="rst-directive"
        ),
        pytest.param("==========\n User Guide\n==========\n\nBody.", "User Guide", id="rst-overline"),
        pytest.param(".. _intro:\n\nIntroduction\n------------\n\nText.", "Introduction", id="rst-label"),
        pytest.param(":orphan:\n\n**Install** the ``tool``\n=====================\n", "Install the tool", id="rst-markup"),
        pytest.param("[![build](b.svg)](ci)\n\n# The *fast* [parser](x)\n", "The fast parser", id="md-badge-markup"),
        pytest.param("```sh\n# not a title\n```\n\n## Real title\n", "Real title", id="md-fenced-comment"),
        pytest.param('---\ntitle: "Front matter title"\n---\n# Other\n', "Front matter title", id="md-front-matter"),
        pytest.param("<!-- generated -->\nSetext title\n---\n\nBody.", "Setext title", id="md-setext"),
        pytest.param(".. only:: html\n\n   Some text\n\nPlain first line\n\nBody.", "Plain first line", id="rst-no-heading"),
        pytest.param(
            '<p align="center"><img src="logo.png"></p>\n\nA fast compressor for small data, with dictionaries.\n\n'
            "## Benchmarks\n\nText.",
            "doc",
            id="md-section-after-the-pitch-is-no-title",
        ),
    ],
)
def test_title_is_the_first_real_heading_never_a_directive_or_markup(text, title):
    assert make_document("doc.txt", text).title == title


def test_a_second_load_makes_again_only_the_documents_whose_file_or_metadata_changed(tmp_corpus, monkeypatch):
    import assistant.corpus as corpus

    made: list[str] = []
    real = corpus.make_document
    monkeypatch.setattr(corpus, "make_document", lambda source, *a, **k: made.append(source) or real(source, *a, **k))
    first, _ = load_corpus(tmp_corpus)
    assert sorted(made) == sorted(d.source for d in first)
    made.clear()
    again, _ = load_corpus(tmp_corpus)
    assert made == [] and again == first
    edited, retitled = sorted(p.name for p in tmp_corpus.glob("*.txt"))[:2]
    (tmp_corpus / edited).write_text((tmp_corpus / edited).read_text(encoding="utf-8") + "\nOne more line.\n")
    toml = tmp_corpus / "sources.toml"
    old_title = f'title = "{next(d.title for d in first if d.source == retitled)}"'
    assert old_title in toml.read_text(encoding="utf-8")
    toml.write_text(toml.read_text(encoding="utf-8").replace(old_title, 'title = "A new title"'), encoding="utf-8")
    third, _ = load_corpus(tmp_corpus)
    assert sorted(made) == sorted([edited, retitled])
    assert {d.source: d.title for d in third}[retitled] == "A new title"


@pytest.mark.parametrize(
    "meta, kind, title",
    [
        ({}, "pdf", "The FASTA program package"),  # the first page's highest-ranked heading, not its running head
        ({"title": "FASTA Guide"}, "pdf", "FASTA Guide"),  # what the file states wins
        ({}, "text", "The FASTA program package"),  # no headings: the first line that is not furniture
    ],
)
def test_a_laid_out_files_title_is_its_first_pages_top_heading(meta, kind, title):
    from assistant.types import Block, Extracted, Page

    text = "fasta-36.3.8i November 13, 2022\n\nThe FASTA program package\n\nIntroduction\n\nThis documentation describes it.\n\nNext page."
    at = {s: text.index(s) for s in ("The FASTA", "Introduction", "This doc", "Next page")}
    blocks = (
        Block("heading", at["The FASTA"], at["The FASTA"] + 25, 1),
        Block("heading", at["Introduction"], at["Introduction"] + 12, 2),
        Block("paragraph", at["This doc"], at["Next page"] - 2, 0),
        Block("heading", at["Next page"], len(text), 1),  # on page 2: never the title
    )
    pages = (Page(1, 0, at["Next page"] - 2), Page(2, at["Next page"], len(text)))
    ex = Extracted(
        text, kind, meta, pages if kind == "pdf" else (), furniture=(Span(0, 31),), blocks=blocks if kind == "pdf" else ()
    )
    assert make_document("fasta_guide.pdf", text, None, ex).title == title


@pytest.mark.parametrize(
    "cover_has_text, path", [(False, ("2.5 Priorities",)), (True, ("Policy", "Mailing List", "2.5 Priorities"))]
)
def test_a_title_page_of_headings_heads_no_later_page(cover_has_text, path):
    """Debian Policy's first page is its title, "Release 4.6.2.0" and "The Debian Policy Mailing List" in large
    type; its chapters are set smaller, so the cover's headings would head every section after them."""
    from assistant.types import Block, Document, Page

    cover = "Policy\n\nMailing List\n\n" + ("A note on the cover.\n\n" if cover_has_text else "")
    text = cover + "2.5 Priorities\n\nEach package must have a priority."
    at = text.index("2.5")
    blocks = [Block("heading", 0, 6, 1), Block("heading", 8, 20, 2)]
    blocks += [Block("paragraph", 22, 42, 0)] if cover_has_text else []
    blocks += [Block("heading", at, at + 14, 3), Block("paragraph", at + 16, len(text), 0)]
    doc = Document("p.pdf", text, blocks=tuple(blocks), pages=(Page(1, 0, at - 2), Page(2, at, len(text))))
    assert doc.heading_path(text.index("Each")) == path
    assert doc.heading_path(9) == ("Policy", "Mailing List")  # on the cover itself they still hold
