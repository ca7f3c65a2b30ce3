"""Whole-pipeline checks on real and converted documents: same answers, exact spans, right pages.

* A real PDF that installs offline: the CamlIDL manual from Debian's
  ``camlidl-doc`` (26 pages, LaTeX-made), fetched with ``apt-get download`` and
  unpacked with ``dpkg-deb -x`` into ``tests/cache/`` (git-ignored; nothing is
  installed).
* The five default articles converted to PDF, HTML and Word (``docgen.py``),
  without ``sources.toml``: asking the default questions over each version cites
  the same sentences as over the .txt files (whitespace aside), and every PDF
  citation names the page whose own PDFium characters (``Page.runs``) are the
  quote.  Metadata is first checked as read from the files, then
  the corpus's ``sources.toml`` is applied so that only the text differs.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest
from debdocs import debian_file, on_pages, pdfium_pages
from docgen import convert_corpus

from assistant.api import Assistant
from assistant.config import Settings

pytestmark = [pytest.mark.slow, pytest.mark.integration]

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
CACHE = ROOT / "tests" / "cache"
DEB_PACKAGE, DEB_PDF = "camlidl-doc", "usr/share/doc/camlidl/camlidl-1.04.doc.pdf"
QUESTIONS = [
    "What ceasefire did France and the United States try to push for Lebanon in September 2024?",
    "How many people has Israel killed in Lebanon since expanding the war there, according to Vox?",
    "How many Iranian missiles struck Israeli territory in Iran's October attack?",
    "How many Palestinians have been killed in Gaza?",
    "How long did the November 2023 pause in fighting last?",
    "What happens in the first stage of Biden's three-stage plan?",
    "Did a USAID study find that Hamas was diverting aid in Gaza?",
    "What did Israel offer in the Doha talks after the November truce ended?",
    "According to Jewish Currents, how many hostages did Hamas release during last November's ceasefire?",
    "What is the capital of Peru?",
]
PDF_QUESTIONS = [
    "How are integer literals written?",
    "What does the camlidl compiler generate from an IDL file?",
    "How are unions translated to Caml?",
    "What are limited expressions?",
]


def flat(text: str) -> str:
    return " ".join(text.split())


def debian_pdf() -> Path:
    """The CamlIDL manual from Debian, fetched once into tests/cache."""
    return debian_file(DEB_PACKAGE, DEB_PDF)


def check_citations(assistant: Assistant, answers, pdf_pages: dict[str, list[str]] | None = None) -> int:
    """Every citation is an exact span; a PDF citation's page is the page whose own text holds the quote."""
    n = 0
    for ans in answers:
        for c in ans.citations:
            assert assistant.document_text(c.source)[c.start : c.end] == c.quote
            if pdf_pages is not None and c.source in pdf_pages:
                doc = assistant.document(c.source)
                over = on_pages(doc, c.start, c.end, pdf_pages[c.source])  # a passage may cross a page break
                assert c.page == over[0][0], (c.source, c.page, c.quote)
                # the quote is those pages' own characters, line breaks and hyphens aside
                assert "".join("".join(part for _, part in over).split()) == "".join(c.quote.split()), c.quote
            n += 1
    return n


@pytest.fixture(scope="module")
def real_pdf_corpus(tmp_path_factory) -> Settings:
    folder = tmp_path_factory.mktemp("camlidl") / "corpus"
    folder.mkdir()
    shutil.copy(debian_pdf(), folder / "camlidl-manual.pdf")
    settings = Settings(corpus_dir=folder, index_dir=folder.parent / "index", embedder="hash")
    Assistant(settings).index(progress=False)
    return settings


def test_real_debian_pdf_is_read_with_pages_and_cited_exactly(real_pdf_corpus):
    a = Assistant(real_pdf_corpus)
    doc = a.document("camlidl-manual.pdf")
    data = (Path(real_pdf_corpus.corpus_dir) / doc.source).read_bytes()
    own = pdfium_pages(data)
    assert doc.kind == "pdf" and len(doc.pages) == len(own) == 26
    for p in doc.pages:  # every character PDFium has on the page is in the canonical text once, in order
        mine = "".join(own[p.number - 1][i : i + n] for _, i, n in sorted(p.runs, key=lambda r: r[1]))
        assert "".join(mine.split()) == "".join(c for c in own[p.number - 1] if not c.isspace() and c != "\ufffe")
    assert re.search(r"Integer literals, character literals and string literals", doc.text)
    answers = [a.ask(q) for q in PDF_QUESTIONS]
    assert check_citations(a, answers, {doc.source: own}) >= len(PDF_QUESTIONS)
    pages = {c.page for ans in answers for c in ans.citations}
    assert len(pages) >= 2, pages  # the answers come from different pages, each checked above


def test_unchanged_pdf_is_not_parsed_again_when_the_index_is_updated(real_pdf_corpus, monkeypatch):
    calls = []
    monkeypatch.setattr("assistant.corpus.read_file", lambda name, data, ocr=None: calls.append(name))
    report = Assistant(real_pdf_corpus).index(progress=False)
    assert calls == [] and report.unchanged == ["camlidl-manual.pdf"]


@pytest.fixture(scope="module")
def txt_answers(real_index):
    a = Assistant(real_index)
    return {q: a.ask(q) for q in QUESTIONS}


@pytest.mark.parametrize("kind", ["pdf", "html", "docx"])
def test_converted_corpus_cites_the_same_sentences_as_the_txt(kind, txt_answers, tmp_path):
    meta = tomllib.loads((CORPUS / "sources.toml").read_text(encoding="utf-8"))
    names = convert_corpus(CORPUS, tmp_path / "corpus", kind, meta)
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    a = Assistant(settings)
    report = a.index(progress=False)
    assert report.skipped == [] and len(report.added) == 5
    for source, original in names.items():  # metadata from the file itself (the day is the 1st when the toml has a month)
        doc = a.document(source)
        assert doc.kind == kind and doc.date.startswith(str(meta[original]["date"])) and doc.title
    # the same sources.toml as the .txt corpus, so only the text differs; a metadata-only change re-embeds nothing
    toml = (CORPUS / "sources.toml").read_text(encoding="utf-8")
    for source, original in names.items():
        toml = toml.replace(f'["{original}"]', f'["{source}"]')
    (tmp_path / "corpus" / "sources.toml").write_text(toml, encoding="utf-8")
    again = a.index(progress=False)
    assert again.chunks_embedded == 0 and len(again.unchanged) == 5
    assert a.document(next(iter(names))).publisher == meta[next(iter(names.values()))]["publisher"]
    answers = {q: a.ask(q) for q in QUESTIONS}
    pdf_pages = {s: pdfium_pages((tmp_path / "corpus" / s).read_bytes()) for s in names} if kind == "pdf" else None
    assert check_citations(a, answers.values(), pdf_pages) > 0
    differ = []
    for q in QUESTIONS:
        want = [(Path(c.source).stem, flat(c.quote)) for c in txt_answers[q].citations]
        got = [(Path(c.source).stem, flat(c.quote)) for c in answers[q].citations]
        assert answers[q].abstained == txt_answers[q].abstained, q
        if got != want:
            differ.append(q)
    # The PDF's wrapped lines are joined into the .txt's paragraphs (one space a wrap), so the same
    # sentences fill the same chunks and every answer cites the same sentences as over the .txt.
    assert not differ, differ
    if kind == "pdf":
        assert {c.page for ans in answers.values() for c in ans.citations} >= {1, 2}
