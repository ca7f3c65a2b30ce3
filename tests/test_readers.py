"""The format readers: exact spans, pages, metadata, and a clear refusal for every kind of bad file.

Fast tests on small files made here with reportlab, python-docx and plain HTML
(the real-file and whole-pipeline checks are in ``test_formats_real.py``).
"""

from __future__ import annotations

import io
import zipfile

import pytest
from docgen import make_docx, make_html, make_pdf

from assistant import readers
from assistant.chunking import chunk_document, split_sentences
from assistant.corpus import check_upload, load_corpus, make_document
from assistant.indexing.entries import doc_from_json, doc_to_json
from assistant.readers.pdf import pdf_date, render_highlight
from assistant.types import Citation, Page

pytestmark = pytest.mark.unit

ARTICLE = """Harbour works resume

The harbour authority said on Tuesday that repairs to the north pier will resume in March. Engineers found that the storm of January had cracked 14 of the pier's 60 concrete piles.

The repairs will cost 2.4 million euros, of which the city pays half. Ferry services will use the south quay until the work ends in October.

Fishermen welcomed the plan but asked for a temporary mooring near the fish market.
"""
LONG = "\n".join(
    f"Paragraph {i} says that the tide gauge number {i} recorded a level of {i % 7} metres on day {i}." for i in range(120)
)
META = {"title": "Harbour works resume", "author": "Ana Lopes", "date": "2024-03-05"}


FILES = [
    pytest.param("a.txt", ARTICLE.encode(), id="txt"),
    pytest.param("a.md", ("# Title\n\n" + ARTICLE).encode(), id="md"),
    pytest.param("a.pdf", make_pdf(ARTICLE, **META), id="pdf"),
    pytest.param("long.pdf", make_pdf(LONG, title="Tides"), id="pdf-multipage"),
    pytest.param("a.html", make_html(ARTICLE, **META, site="Port Gazette"), id="html"),
    pytest.param("a.docx", make_docx(ARTICLE, **META), id="docx"),
    pytest.param("emoji.docx", make_docx("Héllo wörld 🌊 — “quoted” text here.\nSecond paragraph ends here."), id="docx-unicode"),
]


@pytest.mark.parametrize("name,data", FILES)
def test_every_sentence_and_chunk_is_an_exact_span_of_the_canonical_text(name, data):
    ex = readers.read_file(name, data)
    doc = make_document(name, ex.text, None, ex)
    sents = split_sentences(doc)
    assert sents
    for s in sents:
        assert doc.text[s.start : s.end] == s.text
    for c in chunk_document(doc, 300, 1):
        assert doc.text[c.start : c.end] == c.text


@pytest.mark.parametrize("name,data", [p for p in FILES if p.id.startswith("pdf")])
def test_pdf_runs_map_the_canonical_text_to_pdfium_characters(name, data):
    import pypdfium2 as pdfium

    ex = readers.read_file(name, data)
    pdf = pdfium.PdfDocument(data)
    assert len(ex.pages) == len(pdf) and [p.number for p in ex.pages] == list(range(1, len(pdf) + 1))
    for page, prev in zip(ex.pages[1:], ex.pages, strict=False):
        assert prev.end <= page.start and ex.text[prev.end : page.start].strip() == ""
    in_runs = 0
    for p in ex.pages:
        raw = pdf[p.number - 1].get_textpage().get_text_range()
        for offset, index, length in p.runs:  # every run is PDFium's own characters, one for one
            assert ex.text[offset : offset + length] == raw[index : index + length]
            in_runs += sum(not c.isspace() for c in raw[index : index + length])
    assert in_runs == sum(not c.isspace() for c in ex.text)  # only the joins (spaces, blank lines) are not PDFium's
    if name == "long.pdf":
        assert len(ex.pages) >= 3
        i = ex.text.index("Paragraph 119 says")
        assert make_document(name, ex.text, None, ex).page_at(i) == len(ex.pages)


def test_pdf_line_wraps_become_spaces_and_paragraphs_blank_lines():
    ex = readers.read_file("a.pdf", make_pdf(ARTICLE, **META))
    assert ex.text.startswith("Harbour works resume\n\nThe harbour authority said")
    paras = [" ".join(p.split()) for p in ex.text.split("\n\n")]
    assert paras == [p for p in ARTICLE.splitlines() if p]


@pytest.mark.parametrize(
    "name,data,want",
    [
        pytest.param("a.pdf", make_pdf(ARTICLE, **META), META, id="pdf-info"),
        pytest.param(
            "a.html", make_html(ARTICLE, **META, site="Port Gazette"), {**META, "publisher": "Port Gazette"}, id="html-meta"
        ),
        pytest.param("a.docx", make_docx(ARTICLE, **META), META, id="docx-core-properties"),
        pytest.param("b.pdf", make_pdf(ARTICLE), {"title": "Harbour works resume"}, id="pdf-placeholders-ignored"),
    ],
)
def test_metadata_comes_from_the_file_itself(name, data, want):
    ex = readers.read_file(name, data)
    doc = make_document(name, ex.text, None, ex)
    got = {k: getattr(doc, k) for k in want}
    if name == "b.pdf":  # reportlab's "untitled"/"anonymous" are not metadata; the title falls back to line 1
        assert doc.author == "" and dict(doc.file_meta).get("title") is None
    assert got == want


def test_sources_toml_overrides_what_the_file_states(tmp_path):
    (tmp_path / "a.pdf").write_bytes(make_pdf(ARTICLE, **META))
    (tmp_path / "sources.toml").write_text('["a.pdf"]\ntitle = "Pier repairs"\npublisher = "Port Gazette"\n', encoding="utf-8")
    (doc,), errors = load_corpus(tmp_path)
    assert errors == []
    assert (doc.title, doc.publisher, doc.author, doc.date, doc.kind) == (
        "Pier repairs",
        "Port Gazette",
        "Ana Lopes",
        "2024-03-05",
        "pdf",
    )


def _encrypted_pdf() -> bytes:
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=StandardEncryption("secret", canPrint=0))
    c.drawString(72, 720, "A confidential sentence that must not be read without the password.")
    c.save()
    return buf.getvalue()


def _scanned_pdf() -> bytes:
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(img).text((20, 80), "Scanned words are pixels, not text", fill="black")
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawImage(ImageReader(img), 72, 500, 400, 200)
    c.showPage()
    c.drawImage(ImageReader(img), 72, 500, 400, 200)
    c.save()
    return buf.getvalue()


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
        z.writestr("word/media/padding.bin", b"\0" * (40 * 2**20))
    return buf.getvalue()


GOOD_PDF = make_pdf(ARTICLE, **META)
BAD = [
    pytest.param("x.pdf", _encrypted_pdf(), "encrypted PDF", id="pdf-encrypted"),
    pytest.param("x.pdf", _scanned_pdf(), "no text layer (2 pages, a scan?) and OCR is not available here", id="pdf-scan"),
    pytest.param("x.pdf", GOOD_PDF[: len(GOOD_PDF) // 2], "truncated or corrupt PDF", id="pdf-truncated"),
    pytest.param("x.pdf", GOOD_PDF.replace(b"obj", b"jbo"), "corrupt PDF", id="pdf-garbled"),
    pytest.param("x.pdf", ARTICLE.encode(), "named .pdf but not a PDF (no %PDF- header)", id="pdf-is-text"),
    pytest.param("x.docx", _zip_bomb(), "possible zip bomb", id="docx-zip-bomb"),
    pytest.param("x.docx", make_docx(ARTICLE)[:3000], "not a Word .docx file", id="docx-truncated"),
    pytest.param("x.docx", GOOD_PDF, "named .docx but not a Word .docx file", id="docx-is-pdf"),
    pytest.param("x.docx", make_docx(""), "no text in its body paragraphs", id="docx-empty"),
    pytest.param("x.html", b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "no main text", id="html-no-main-text"),
    pytest.param("x.html", GOOD_PDF, "the content is a PDF file", id="html-is-pdf"),
    pytest.param("x.html", b"just words, no markup at all", "not an HTML page", id="html-no-tags"),
    pytest.param("x.rtf", b"{\\rtf1 hello}", "unsupported file type .rtf", id="unknown-type"),
]


@pytest.mark.parametrize("name,data,reason", BAD)
def test_bad_files_are_refused_with_a_clear_reason(name, data, reason):
    with pytest.raises(ValueError) as e:
        readers.read_file(name, data)
    assert reason in str(e.value)


@pytest.mark.parametrize("name,data,reason", [p for p in BAD if p.id != "unknown-type"])
def test_bad_files_in_the_corpus_are_skipped_by_name_and_the_rest_load(tmp_path, name, data, reason):
    (tmp_path / name).write_bytes(data)
    (tmp_path / "good.pdf").write_bytes(GOOD_PDF)
    docs, errors = load_corpus(tmp_path)
    assert [d.source for d in docs] == ["good.pdf"]
    assert [(e.source, e.skipped) for e in errors] == [(name, True)] and reason in errors[0].reason


@pytest.mark.parametrize(
    "name,data,reason",
    [
        pytest.param("ok.pdf", GOOD_PDF, "", id="pdf"),
        pytest.param("ok.docx", make_docx(ARTICLE), "", id="docx"),
        pytest.param("ok.htm", make_html(ARTICLE), "", id="htm"),
        pytest.param("fake.pdf", b"hello, I am text", "not a PDF", id="fake-pdf"),
        pytest.param("locked.pdf", _encrypted_pdf(), "encrypted PDF", id="encrypted"),
        pytest.param("bomb.docx", _zip_bomb(), "zip bomb", id="bomb"),
        pytest.param("../ok.pdf", GOOD_PDF, "unsafe file name", id="path"),
        pytest.param("big.pdf", GOOD_PDF + b" " * 2**20, "too large", id="too-large"),
    ],
)
def test_uploads_accept_the_new_types_with_the_same_checks(name, data, reason):
    got = check_upload(name, data, max_bytes=2**20)[1]
    assert (reason in got) if reason else got == ""


def test_unchanged_files_reuse_the_manifest_extraction_and_changed_ones_are_read_again(tmp_path, monkeypatch):
    (tmp_path / "a.pdf").write_bytes(GOOD_PDF)
    (doc,), _ = load_corpus(tmp_path)
    entry = doc_to_json(doc, [])
    assert doc_from_json("a.pdf", entry)[0] == doc  # pages, kind and file metadata survive the manifest
    calls = []
    real = readers.read_file
    monkeypatch.setattr("assistant.corpus.read_file", lambda n, d, ocr=None: calls.append(n) or real(n, d, ocr))
    (again,), _ = load_corpus(tmp_path, cache={"a.pdf": entry})
    assert calls == [] and again == doc
    (tmp_path / "a.pdf").write_bytes(make_pdf(ARTICLE + "\nA new closing paragraph was added here.\n", **META))
    (changed,), _ = load_corpus(tmp_path, cache={"a.pdf": entry})
    assert calls == ["a.pdf"] and "new closing paragraph" in changed.text and changed.sha256 != doc.sha256


@pytest.mark.parametrize(
    "source, kind, version, current",
    [
        ("a.pdf", "pdf", 5, False),  # a definition list's terms are at TERM_LEVEL since 6: PDFs are read again
        ("a.pdf", "pdf", 6, False),  # bold is semibold and up since 7
        ("a.pdf", "pdf", 9, False),  # a face named Regular is never bold since 10
        ("scan.png", "image", 7, True),
        ("a.html", "html", 5, False),  # the HTML reader last changed at 8 (a list item's first paragraph)
        ("a.html", "html", 8, False),  # a title's permalink mark since 11
        ("a.html", "html", 11, True),
        ("scan.png", "image", 5, False),  # an OCR'd scan is laid out by the same rules
        ("scan.png", "image", 6, True),
        ("a.html", "html", 3, False),  # definition terms, pagers: HTML is read again
        ("a.docx", "docx", 3, False),  # heading styles
        ("a.docx", "docx", 11, False),  # list items since 12
        ("a.docx", "docx", 12, True),
        ("a.md", "text", 3, False),  # Markdown headings
        ("a.md", "text", 8, False),  # a Pandoc title block since 9
        ("a.md", "text", 9, True),
        ("a.txt", "text", 1, True),  # plain text is its bytes decoded
        ("a.html", "html", readers.EXTRACTION_VERSION, True),
    ],
)
def test_only_files_whose_reader_changed_are_read_again(source, kind, version, current):
    assert readers.extracted_by_current_readers(source, kind, version) is current


def test_sha256_is_of_the_file_bytes():
    import hashlib

    data = make_docx(ARTICLE)
    path_sha = hashlib.sha256(data).hexdigest()
    tmp = readers.read_file("a.docx", data)
    assert (
        make_document("a.docx", tmp.text, None, tmp, path_sha).sha256 == path_sha != hashlib.sha256(tmp.text.encode()).hexdigest()
    )


@pytest.mark.parametrize(
    "offset,page", [(0, 1), (9, 1), (10, None), (11, None), (12, 2), (20, 2), (21, None), (-1, None)], ids=str
)
def test_page_at_maps_offsets_to_pages_and_separators_to_none(offset, page):
    doc = make_document(
        "x.pdf", "a" * 10 + "\n\n" + "b" * 9, None, readers.Extracted("", "pdf", {}, (Page(1, 0, 10), Page(2, 12, 21)))
    )
    assert doc.page_at(offset) == page


def test_citation_dict_carries_the_page():
    assert Citation(1, "a.pdf", 0, 5, "Hello", page=3).to_dict()["page"] == 3
    assert Citation(1, "a.txt", 0, 5, "Hello").to_dict()["page"] is None


@pytest.mark.parametrize(
    "value,iso", [("D:20240624101500+02'00'", "2024-06-24"), ("D:2019", "2019"), ("D:20241340", ""), ("", "")]
)
def test_pdf_dates(value, iso):
    assert pdf_date(value) == iso


def test_highlight_boxes_cover_the_cited_characters_only():
    ex = readers.read_file("a.pdf", GOOD_PDF)
    i = ex.text.index("The repairs will cost")
    j = ex.text.index("half.", i) + len("half.")
    png, boxes = render_highlight(GOOD_PDF, 1, ex.pages[0].indexes(i, j))
    assert png.startswith(b"\x89PNG") and boxes == 1  # one line of the page
    _, none = render_highlight(GOOD_PDF, 1, ex.pages[0].indexes(i, i))
    assert none == 0


def laid_out(name: str, data: bytes):
    """(extraction, document) of a file, for its blocks and heading paths."""
    ex = readers.read_file(name, data)
    return ex, make_document(name, ex.text, None, ex)


def test_html_blocks_give_each_offset_its_heading_path():
    page = (
        b"<html><head><title>Guide</title></head><body><nav><a href='/'>Home</a></nav><main>"
        b"<h1>Guide</h1><p>Intro text of the guide, long enough to be content here.</p>"
        b"<h2>Install</h2><p>Run the installer with the default options please.</p>"
        b"<h3>On Debian</h3><p>Use apt to install the package from the archive.</p>"
        b"<h2>Use</h2><ul><li>Start the program from the menu.</li><li><p>Open a file.</p><p>Save it.</p></li></ul>"
        b"<pre>guide --help\nguide run</pre>"
        b"<table><tr><th>Option</th><th>Meaning</th></tr><tr><td>-v</td><td>verbose</td></tr></table></main></body></html>"
    )
    ex, doc = laid_out("g.html", page)
    assert [(b.kind, b.level) for b in ex.blocks] == [
        ("heading", 1),
        ("paragraph", 0),
        ("heading", 2),
        ("paragraph", 0),
        ("heading", 3),
        ("paragraph", 0),
        ("heading", 2),
        ("item", 0),
        ("item", 0),
        ("paragraph", 0),
        ("code", 0),
        ("table", 0),
        ("table", 0),
    ]  # fmt: skip (Sphinx's <li><p>: the item's first paragraph opens it)
    assert "Home" not in ex.text and "guide --help\nguide run" in ex.text and "Option | Meaning\n-v | verbose" in ex.text
    assert doc.heading_path(ex.text.index("Use apt")) == ("Guide", "Install", "On Debian")
    assert doc.heading_path(ex.text.index("Start the program")) == ("Guide", "Use")
    assert make_document("g.txt", ex.text).heading_path(0) == ()  # plain text has no blocks


def test_pagers_permalink_marks_and_contents_lists_are_page_furniture():
    """Texinfo's "Next: ..., Up: ..." pager (rel links; its copy at the page's foot has none), Sphinx's and
    texinfo's permalink marks ("¶") and a "section-toc" list are not text; the page's own paragraphs are."""
    pager = '<p>Next: <a href="b.html"{rel}>Simple Example</a>, Up: <a href="u.html"{up}>Using libffi</a> [<a href="i.html">Index</a>]</p>'
    page = (
        "<html><body><div class='header'>" + pager.format(rel=' rel="next"', up=' rel="up"') + "</div>"
        "<h3>2.1 The Basics<a class='headerlink' href='#b'>\u00b6</a></h3><ul class='section-toc'><li><a href='#x'>2.1.1 Types</a></li></ul>"
        "<p>libffi assumes that you have a pointer to the function you wish to call. See <a href='x.html'>Types</a>.</p>"
        "<dl><dt>Function: ffi_call<a class='copiable-anchor' href='#c'> \u00b6</a></dt><dd>This calls the function fn.</dd></dl>"
        "<p>Read on in <a rel='next' href='c.html'>the next chapter</a>, which covers closures and types.</p>"
        "<div class='header'>" + pager.format(rel="", up="") + "</div></body></html>"
    ).encode()
    ex = readers.read_file("b.html", page)
    assert ex.text == (
        "2.1 The Basics\n\nlibffi assumes that you have a pointer to the function you wish to call. See Types.\n\n"
        "Function: ffi_call\n\nThis calls the function fn.\n\nRead on in the next chapter, which covers closures and types."
    )


def test_a_definition_lists_terms_head_their_descriptions():
    """<dt>staff</dt><dd>Allows users to ...</dd>: the description never repeats the term it describes, so the term
    is a heading below the page's own (one level deeper in a nested list) and the description lies in its section."""
    page = (
        b"<html><body><main><h2>Groups</h2><dl><dt>staff</dt><dd><p>Allows users to add local modifications.</p>"
        b"<dl><dt>--local</dt><dd>Only under /usr/local, never elsewhere on the system.</dd></dl></dd>"
        b"<dt>users</dt><dd>Every user is a member of this group by default here.</dd></dl></main></body></html>"
    )
    ex, doc = laid_out("g.html", page)
    assert [(b.kind, b.level) for b in ex.blocks] == [
        ("heading", 2), ("heading", 7), ("paragraph", 0), ("heading", 8), ("paragraph", 0), ("heading", 7), ("paragraph", 0)
    ]  # fmt: skip
    assert doc.heading_path(ex.text.index("Allows users")) == ("Groups", "staff")
    assert doc.heading_path(ex.text.index("Only under")) == ("Groups", "staff", "--local")
    assert doc.heading_path(ex.text.index("Every user")) == ("Groups", "users")


@pytest.mark.parametrize(
    "text, want",
    [
        pytest.param("# Guide\n\nText of the guide.\n\n## Install ##\nRun it.\n", [(1, "Guide"), (2, "Install")], id="atx"),
        pytest.param("Guide\n=====\n\nText.\n\nSetup notes\n---\n\nUse apt.\n", [(1, "Guide"), (2, "Setup notes")], id="setext"),
        pytest.param("Text.\n\n```sh\n# a comment\n```\n\n    # indented code\n", [], id="code-is-no-heading"),
        pytest.param("---\ntitle: Guide\n---\nText.\n", [], id="front-matter-is-no-heading"),
        pytest.param("- an item\n---\n\nA line\nand its paragraph\n---\n", [], id="a-rule-under-a-list-or-paragraph"),
        pytest.param("#hashtag and #5 are text\n", [], id="no-space-no-heading"),
    ],
)
def test_markdown_headings_are_the_layout_of_the_files_own_text(text, want):
    """A .md file's text is its bytes (offsets are the file's); its headings are marked, without their marks."""
    ex, doc = laid_out("g.md", text.encode())
    assert ex.text == text and all(b.kind == "heading" for b in ex.blocks)
    assert [(b.level, doc.heading_path(b.start)[-1]) for b in ex.blocks] == want
    assert readers.read_file("g.txt", text.encode()).blocks == ()  # plain text stays plain


def test_word_heading_styles_are_headings_whatever_their_language():
    """A paragraph in a heading style is a heading block of its level: python-docx's English styles, and styles
    whose ids are another language's ("Titre1", named "heading 1" in styles.xml), based on one, or with an outline
    level of their own."""
    import io

    import docx

    from assistant.readers.docx import _Styles
    from assistant.readers.limits import stream_xml

    d = docx.Document()
    d.add_heading("Annual report", level=0)
    d.add_paragraph("Intro paragraph of the report, long enough.")
    d.add_heading("Findings", level=1)
    d.add_paragraph("")
    d.add_heading("Costs", level=2)
    d.add_paragraph("Repairs cost more than planned.")
    buf = io.BytesIO()
    d.save(buf)
    ex, doc = laid_out("r.docx", buf.getvalue())
    assert ex.text.startswith("Annual report\n\nIntro") and "Findings\n\nCosts\n\nRepairs" in ex.text
    assert [(b.kind, b.level) for b in ex.blocks] == [
        ("heading", 1),
        ("paragraph", 0),
        ("heading", 1),
        ("heading", 2),
        ("paragraph", 0),
    ]
    assert doc.heading_path(ex.text.index("Repairs")) == ("Findings", "Costs")
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    xml = (
        f'<w:styles {w}><w:style w:type="paragraph" w:styleId="Titre1"><w:name w:val="heading 1"/></w:style>'
        '<w:style w:type="paragraph" w:styleId="Rapport"><w:name w:val="Rapport"/><w:basedOn w:val="Titre1"/></w:style>'
        '<w:style w:type="paragraph" w:styleId="Encadre"><w:name w:val="Encadre"/><w:pPr><w:outlineLvl w:val="2"/></w:pPr></w:style>'
        '<w:style w:type="paragraph" w:styleId="Corps"><w:name w:val="Corps"/><w:basedOn w:val="Corps"/></w:style>'
        '<w:style w:type="character" w:styleId="Titre1Car"><w:name w:val="Heading 1 Char"/></w:style></w:styles>'
    )
    styles = _Styles()
    stream_xml(io.BytesIO(xml.encode()), styles, "word/styles.xml")
    assert [styles.level(s) for s in ("Titre1", "Rapport", "Encadre", "Corps", "Titre1Car", "Absent")] == [1, 1, 3, 0, 0, 0]


BODY = "<p>" + "Talks resumed in Cairo on March 3, 2019 after a long pause between the parties. " * 5 + "</p>"


@pytest.mark.parametrize(
    "head, date",
    [
        pytest.param('<meta property="article:published_time" content="2024-06-24T10:00:00Z">', "2024-06-24", id="meta-tag"),
        pytest.param('<script type="application/ld+json">{"datePublished": "2023-12-05"}</script>', "2023-12-05", id="json-ld"),
        pytest.param("", None, id="a-date-in-the-text-is-not-the-page-date"),
    ],
)
def test_an_html_page_is_dated_only_by_what_its_markup_declares(head, date):
    page = f"<html><head><title>Talks</title>{head}</head><body><article>{BODY}</article></body></html>"
    assert readers.read_file("talks.html", page.encode("utf-8")).meta.get("date") == date


@pytest.mark.parametrize(
    "head, meta",
    [
        ("% Rust Release Notes\n\nVersion 1.95\n", {"title": "Rust Release Notes"}),
        ("% A Guide\n% Jane Doe\n% 2024-06-01\n\nText.\n", {"title": "A Guide", "author": "Jane Doe", "date": "2024-06-01"}),
        ("%\n% Jane Doe\n\nText.\n", {"author": "Jane Doe"}),  # an empty title is skipped
        ("# Guide\n\n% not a title block\n", {}),
        ("100% done\n", {}),
    ],
)
def test_a_pandoc_title_block_states_a_markdown_files_title(head, meta):
    ex = readers.read_file("notes.md", head.encode())
    assert ex.meta == meta
    assert ex.text == head  # the text stays the file's own


@pytest.mark.parametrize(
    "found, meta",
    [
        ({"title": "5. Managing Packages¶", "sitename": "5. Managing Packages"}, {"title": "5. Managing Packages"}),
        ({"title": "FFmpeg FAQ", "sitename": "FFmpeg"}, {"title": "FFmpeg FAQ", "publisher": "FFmpeg"}),
        ({"title": "Install §", "author": "Jane Doe"}, {"title": "Install", "author": "Jane Doe"}),
    ],
)
def test_an_html_title_loses_its_permalink_mark_and_a_site_name_that_repeats_it(found, meta):
    """Sphinx's <h1> ends in a "¶" link, which trafilatura keeps in the title it takes from it, and gives the same
    words as the site name."""
    from types import SimpleNamespace

    from assistant.readers.html import _metadata

    assert _metadata(SimpleNamespace(**found)) == meta


def test_a_word_list_paragraph_is_an_item():
    """Numbered by its own w:numPr (as pandoc writes lists) or by a list style (Word's "List Number")."""
    import docx

    d = docx.Document()
    d.add_paragraph("If you leave the project for good, you should make sure you do the following steps:")
    d.add_paragraph("Orphan all your packages.")._p.get_or_add_pPr().get_or_add_numPr()
    d.add_paragraph("Remove yourself from uploaders.", style="List Number")
    d.add_paragraph("That is all.")
    buf = io.BytesIO()
    d.save(buf)
    ex = readers.read_file("steps.docx", buf.getvalue())
    assert [(b.kind, ex.text[b.start : b.end][:12]) for b in ex.blocks] == [
        ("paragraph", "If you leave"),
        ("item", "Orphan all y"),
        ("item", "Remove yours"),
        ("paragraph", "That is all."),
    ]
