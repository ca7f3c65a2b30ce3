"""The PDF layout rules on synthetic line boxes: wraps, hyphens, code, lists, furniture, page breaks, headings."""

from __future__ import annotations

import pytest

from assistant.readers.pdf_blocks import Line
from assistant.readers.pdf_layout import lay_out
from assistant.types import TERM_LEVEL, Page

pytestmark = pytest.mark.unit

PITCH = 12.0  # baseline to baseline, 10 pt type
TOP = 720.0


def page(*rows, number: int = 0, head: str | None = None) -> list[Line]:
    """Lines of one page from (text, options) rows, laid top-down at the normal pitch; each option overrides."""
    out, y, start = [], TOP, 0
    if head is not None:
        out.append(Line(number, 0, head, 72, 760, 540, 770, 10))
        start = len(head) + 2
    for row in rows:
        text, opt = (row, {}) if isinstance(row, str) else row
        y -= opt.pop("gap", 0.0)
        first = len(text.split(" ")[0]) * 5.0
        args = dict(page=number, start=start, text=text, x0=72.0, y0=y, x1=540.0, y1=y + 10, size=10.0, first_word=first)
        args.update(opt)
        out.append(Line(**args))
        start += len(text) + 2
        y -= PITCH
    return out


SHORT = {"x1": 300.0}  # a line that ends well before the right margin


@pytest.mark.parametrize(
    "rows,want",
    [
        pytest.param(
            ["Shorter vectors in the expression are", ("recycled until they match.", SHORT)],
            "Shorter vectors in the expression are recycled until they match.",
            id="wrap-becomes-a-space",
        ),
        pytest.param(
            ["A full line sets the right margin and", ("this one ends early.", SHORT), ("Next paragraph.", SHORT)],
            "A full line sets the right margin and this one ends early.\n\nNext paragraph.",
            id="short-line-ends-a-paragraph",
        ),
        pytest.param(
            [("The program exits success", {"hyphen": True}), ("fully at the end.", SHORT)],
            "The program exits successfully at the end.",
            id="marked-hyphen-removed",
        ),
        pytest.param(
            ["The option is given on the command-", ("line of the program.", SHORT)],
            "The option is given on the command-line of the program.",
            id="literal-hyphen-kept",
        ),
        pytest.param(
            ["Full line of a paragraph that goes", ("on here.", SHORT), ("After a gap.", {"gap": 8.0, **SHORT})],
            "Full line of a paragraph that goes on here.\n\nAfter a gap.",
            id="gap-starts-a-paragraph",
        ),
        pytest.param(
            ["Full line of a paragraph ends full", ("Indented new paragraph.", {"x0": 90.0, **SHORT})],
            "Full line of a paragraph ends full\n\nIndented new paragraph.",
            id="indent-starts-a-paragraph",
        ),
        pytest.param(
            [("Example:", SHORT), ("set size 0.5, 0.5", {"mono": True}), ("plot sin(x)", {"mono": True})],
            "Example:\n\nset size 0.5, 0.5\nplot sin(x)",
            id="code-line-by-line",
        ),
        pytest.param(
            [("conditions:", SHORT), ("a. The work must carry notices.", SHORT), ("b. It must say so.", SHORT)],
            "conditions:\n\na. The work must carry notices.\n\nb. It must say so.",
            id="list-items",
        ),
        pytest.param(
            ["either (1) a consumer product, or", ("(2) anything designed for a dwelling.", SHORT)],
            "either (1) a consumer product, or (2) anything designed for a dwelling.",
            id="enumeration-inside-a-sentence",
        ),
        pytest.param(
            ["Title", ("Body text begins here.", {"gap": 6.0, **SHORT})],
            "Title\n\nBody text begins here.",
            id="heading-then-text",
        ),
    ],
)
def test_lines_become_paragraphs(rows, want):
    rows = [r if isinstance(r, str) else (r[0], dict(r[1])) for r in rows]
    if rows[0] == "Title":
        rows[0] = ("Title", {"size": 16.0, "x1": 120.0})
    assert lay_out([page(*rows)]).text == want


def test_runs_map_every_written_character_to_its_line():
    lines = page("Shorter vectors in the expression are", ("recycled until they match.", SHORT))
    laid = lay_out([lines])
    for (offset, index, length), line in zip(laid.runs[0], lines, strict=True):
        assert laid.text[offset : offset + length] == line.text and index == line.start


def test_running_heads_page_numbers_and_toc_lines_are_furniture():
    toc = page(
        ("Contents", SHORT),
        ("1 Introduction . . . . . . . . . . . . 1", SHORT),
        ("2 Vectors . . . . . . . . . . . . . . 7", SHORT),
        ("2.1 Vector arithmetic . . . . . . . . 8", SHORT),
        number=0,
    )
    words = ["apples", "pears", "plums", "figs"]
    body = [
        page(
            ("Examples" if n < 3 else "Notes", SHORT),
            (f"Body text about {words[n - 1]} ends here.", SHORT),
            number=n,
            head=f"Chapter 2: Vectors {n + 1}",
        )
        for n in range(1, 5)
    ]
    laid = lay_out([toc, *body])
    furniture = {laid.text[a:b] for a, b in laid.furniture}
    assert furniture >= {"Contents", "1 Introduction . . . . . . . . . . . . 1", "Chapter 2: Vectors 3", "Chapter 2: Vectors 5"}
    assert "Examples" not in furniture  # a heading at the top of several pages, with no number, is content
    assert not any("Body text" in f for f in furniture)


def test_a_paragraph_over_a_page_break_is_joined_and_each_part_keeps_its_page():
    heads = [f"Manual title {n}" for n in range(1, 5)]
    pages = [
        page(("Intro.", SHORT), "A sentence that starts on this page and runs", number=0, head=heads[0]),
        page("over the break to the next page before it", ("ends.", SHORT), number=1, head=heads[1]),
        page(("Third page.", SHORT), number=2, head=heads[2]),
        page(("Fourth page.", SHORT), number=3, head=heads[3]),
    ]
    laid = lay_out(pages)
    sentence = "A sentence that starts on this page and runs over the break to the next page before it ends."
    i = laid.text.index(sentence)
    j = i + len(sentence)
    # the second page's running head comes after the paragraph, not inside it
    assert laid.text.index("Manual title 2") > j
    (a0, b0), (a1, b1) = laid.pages[0], laid.pages[1]
    assert a0 <= i < b0 <= a1 < j <= b1
    p0, p1 = (Page(n + 1, *laid.pages[n], laid.runs[n]) for n in (0, 1))
    on0, on1 = p0.indexes(i, j), p1.indexes(i, j)
    assert on0 and on1  # characters on both pages, so both are highlighted
    line0 = pages[0][2]
    assert on0 == [(line0.start, line0.start + len(line0.text))]


def test_heading_levels_rank_font_sizes():
    prose = [f"Line {k} of a long paragraph that fills the column" for k in range(8)]
    lines = page(
        *prose,
        ("ends.", SHORT),
        ("3 Arrays", {"size": 17.0, "x1": 150.0, "gap": 8.0}),
        ("3.1 Constructors", {"size": 14.0, "x1": 200.0, "gap": 6.0}),
        ("Create an array.", {"gap": 6.0, **SHORT}),
        ("Bold run-in heading", {"bold": True, "x1": 200.0, "gap": 6.0}),
        ("More text.", {"gap": 6.0, **SHORT}),
    )
    laid = lay_out([lines])
    got = [(b.kind, b.level, laid.text[b.start : b.end]) for b in laid.blocks]
    assert got[1:] == [
        ("heading", 1, "3 Arrays"),
        ("heading", 2, "3.1 Constructors"),
        ("paragraph", 0, "Create an array."),
        ("heading", 3, "Bold run-in heading"),
        ("paragraph", 0, "More text."),
    ]


def test_a_definition_lists_terms_are_headings_below_every_other():
    """A short line at the left whose explanation starts on the next line, indented, is a term (as HTML's <dt>);
    a line that runs on ("..., or") or a term before code is not."""
    prose = [f"Line {k} of a long paragraph that fills the column" for k in range(8)]
    lines = page(
        *prose,
        ("ends.", SHORT),
        ("2.4 OPTIONS", {"size": 14.0, "x1": 150.0, "gap": 8.0}),
        ("-k --keep", {"x1": 120.0, "gap": 6.0}),
        ("Keep (don't delete) input files.", {"x0": 108.0, **SHORT}),
        ("Decompression: 100k + 4 x block size, or", {"x1": 300.0, "gap": 6.0}),
        ("100k + 2.5 x block size", {"x0": 108.0, **SHORT}),
    )
    laid = lay_out([lines])
    got = [(b.kind, b.level, laid.text[b.start : b.end]) for b in laid.blocks]
    assert got[1:] == [
        ("heading", 1, "2.4 OPTIONS"),
        ("heading", TERM_LEVEL, "-k --keep"),
        ("paragraph", 0, "Keep (don't delete) input files."),
        ("paragraph", 0, "Decompression: 100k + 4 x block size, or"),
        ("paragraph", 0, "100k + 2.5 x block size"),
    ]


def test_a_heading_set_in_mono_and_a_term_set_in_mono_keep_their_roles():
    """A heading in larger type is a heading though its name is set in mono ("5.6.13 Description"); a one-line
    term in mono over its indented explanation is a term ("required"); a code line with no indented text after it
    stays code."""
    prose = [f"Line {k} of a long paragraph that fills the column" for k in range(8)]
    lines = page(
        *prose,
        ("ends.", SHORT),
        ("5.6.13 Description", {"size": 14.0, "x1": 150.0, "gap": 8.0, "mono": True}),
        ("The following priority levels are recognized.", {"gap": 6.0, **SHORT}),
        ("required", {"x1": 120.0, "gap": 6.0, "mono": True}),
        ("Packages which are necessary for the system.", {"x0": 96.0, **SHORT}),
        ("make install", {"x1": 140.0, "gap": 6.0, "mono": True}),
        ("Then run it.", {"gap": 6.0, **SHORT}),
    )
    laid = lay_out([lines])
    got = [(b.kind, b.level, laid.text[b.start : b.end]) for b in laid.blocks]
    assert got[1:] == [
        ("heading", 1, "5.6.13 Description"),
        ("paragraph", 0, "The following priority levels are recognized."),
        ("heading", TERM_LEVEL, "required"),
        ("paragraph", 0, "Packages which are necessary for the system."),
        ("code", 0, "make install"),
        ("paragraph", 0, "Then run it."),
    ]


def test_a_page_of_short_definition_lines_keeps_its_lines():
    """On a page with no full-width line, the document's right margin says the lines are short."""
    prose = page(*[f"Line {k} of a paragraph that fills the column to the margin" for k in range(6)], ("ends.", SHORT))
    defs = page(
        ("int operator == (const Matrix &a) const", {"x1": 316.0}),
        ("int operator != (const Matrix &a) const", {"x1": 316.0}),
        ("Matrix& insert (const Matrix &a, int r, int c)", {"x1": 342.0}),
        number=1,
    )
    laid = lay_out([prose, defs])
    assert laid.text.endswith(
        "int operator == (const Matrix &a) const\n\nint operator != (const Matrix &a) const\n\nMatrix& insert (const Matrix &a, int r, int c)"
    )


def test_footnotes_wait_until_the_paragraph_over_the_page_break_ends():
    first = page(
        *[f"Line {k} of a paragraph that fills the column to the margin" for k in range(4)],
        "and this paragraph runs on over the page break to the",
        ("1 A footnote in smaller type.", {"size": 8.0, "x1": 200.0, "gap": 30.0}),
        number=0,
    )
    second = page(("next page, where it ends.", SHORT), ("Another paragraph.", {"gap": 8.0, **SHORT}), number=1)
    laid = lay_out([first, second])
    assert "over the page break to the next page, where it ends.\n\n1 A footnote in smaller type." in laid.text
    kinds = {laid.text[b.start : b.end]: b.kind for b in laid.blocks}
    assert kinds["1 A footnote in smaller type."] == "footnote"
    offset, index, _ = laid.runs[0][-1]  # the footnote's characters are still mapped to the first page
    assert laid.text[offset:].startswith("1 A footnote") and index == first[-1].start


def test_a_line_pdfium_cuts_after_a_superscript_is_one_line():
    lines = page("Camlidl generates stub code as described in the Caml reference manual", "of the Objective Caml")
    cut = lines[1]
    rest = Line(0, cut.start + len(cut.text) + 2, ") from an IDL description.", cut.x1 + 0.5, cut.y0, 400.0, cut.y1, 10.0)
    laid = lay_out([[*lines, rest]])
    assert laid.text.endswith("manual of the Objective Caml) from an IDL description.")


def test_two_columns_are_read_in_order_and_a_paragraph_runs_on_into_the_next_column():
    narrow = {"x1": 290.0}
    left = page(
        *[(f"Left column line {k} fills its column", dict(narrow)) for k in range(3)],
        ("and this sentence runs on into the", dict(narrow)),
        number=0,
    )
    right = [
        Line(0, 500 + 40 * k, text, 310.0, TOP - PITCH * k, x1, TOP - PITCH * k + 10, 10.0, first_word=len(text.split()[0]) * 5.0)
        for k, (text, x1) in enumerate([("right column, where it ends.", 420.0), ("A new paragraph starts here.", 450.0)])
    ]
    laid = lay_out([left + right])
    assert "runs on into the right column, where it ends.\n\nA new paragraph starts here." in laid.text


@pytest.mark.parametrize(
    "name, weight, bold",
    [
        ("LMRoman10-Bold", 700, True),
        ("LMRoman10-Regular", 744, False),  # PDFium's weight for a Type 1 face is not to be trusted
        ("FreeSerif", 510, False),
        ("FreeSansBold", 744, True),
        ("F1", 700, True),  # a name that says nothing: the weight decides
        ("CMBX10", 400, True),
    ],
)
def test_a_face_is_bold_when_its_name_says_so_else_by_its_weight(name, weight, bold):
    from assistant.readers.pdf import is_bold

    assert is_bold(name, weight) is bold


def test_bold_sets_nothing_apart_where_most_prose_is_bold_and_a_short_bold_numbered_line_is_a_heading():
    prose = [(f"Line {k} of a long paragraph that fills the column", {"bold": True}) for k in range(8)]
    lines = page(*prose, ("ends.", {"bold": True, **SHORT}), ("A bold short line", {"bold": True, "x1": 200.0, "gap": 6.0}))
    assert [b.kind for b in lay_out([lines]).blocks] == ["paragraph", "paragraph"]
    plain = [f"Line {k} of a long paragraph that fills the column" for k in range(8)]
    lines = page(*plain, ("ends.", SHORT), ("1. What do I do with duplicates?", {"bold": True, "x1": 250.0, "gap": 6.0}))
    assert [b.kind for b in lay_out([lines]).blocks] == ["paragraph", "heading"]
