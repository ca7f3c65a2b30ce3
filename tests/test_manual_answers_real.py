"""Questions a newcomer asks of real reference manuals, answered from them: Debian's ``libpam-doc``, the Linux-PAM
System Administrators' Guide in DocBook HTML (one page per module, each with a definition list of options and items
and an AUTHOR section), and ``debian-policy``'s Policy Manual as a Sphinx PDF; indexed with the real embedding model.

They check what reference manuals need beyond prose: a definition's description is citable and introduced by its
term, a section's first sentence is found by its heading's words, a comparison of two terms quotes each term's
definition, and a credits section answers only who wrote the thing.
"""

from __future__ import annotations

import shutil

import pytest
from debdocs import debian_file

from assistant.api import Assistant
from assistant.config import Settings

pytestmark = [pytest.mark.slow, pytest.mark.integration]


@pytest.fixture(scope="module")
def pam(tmp_path_factory) -> Assistant:
    corpus = tmp_path_factory.mktemp("pam") / "corpus"
    corpus.mkdir()
    html = debian_file("libpam-doc", "usr/share/doc/libpam-doc/html/sag-pam_unix.html").parent
    for page in html.glob("sag-*.html"):  # the administrators' guide, 52 pages
        shutil.copy(page, corpus / page.name)
    assistant = Assistant(Settings(corpus_dir=corpus, index_dir=corpus.parent / "index"))
    assistant.index(progress=False)
    return assistant


def test_a_definitions_description_answers_and_is_introduced_by_its_term(pam):
    """pam_limits lists "nproc" over "maximum number of processes" (no full stop); "the number of" in a "how"
    question asks the way, not a figure."""
    ans = pam.ask("How do I limit the number of processes a user can run?")
    assert ans.citations[0].quote == "maximum number of processes"
    assert "nproc: “maximum number of processes” [1]" in ans.text


def test_a_comparison_of_two_terms_quotes_each_terms_definition(pam):
    ans = pam.ask("What is the difference between required and requisite?")
    assert [c.quote[:25] for c in ans.citations] == ["failure of such a PAM wil", "like required, however, i"], ans.text
    assert "requisite: “like required" in ans.text and "required: “failure of such a PAM" in ans.text


@pytest.mark.parametrize(
    "question, first",
    [
        pytest.param("What does pam_unix do?", "This is the standard Unix authentication module.", id="not-its-author"),
        pytest.param("Who wrote pam_nologin?", "pam_nologin was written by Michael K. Johnson", id="its-author"),
        pytest.param("Where are the PAM configuration files?", "The syntax of the /etc/pam.conf configuration", id="no-signpost"),
    ],
)
def test_the_answer_leads_with_what_the_section_says_not_who_wrote_it_or_where_it_is(pam, question, first):
    """An AUTHOR section answers only who wrote the thing; "In this section, we give some examples of entries ..."
    restates its heading and is not read with it, so the sentence that says something leads."""
    assert pam.ask(question).citations[0].quote.startswith(first)


@pytest.fixture(scope="module")
def policy(tmp_path_factory) -> Assistant:
    """Debian's Policy Manual as its PDF sets it (Sphinx: a field's or a priority's name in mono over its indented
    meaning), cut to the pages with the priorities, the dependency fields and the conffile definition."""
    import pypdfium2 as pdfium

    corpus = tmp_path_factory.mktemp("policy") / "corpus"
    corpus.mkdir()
    whole = pdfium.PdfDocument(debian_file("debian-policy", "usr/share/doc/debian-policy/policy.pdf"))
    part = pdfium.PdfDocument.new()
    part.import_pages(whole, [*range(19, 22), *range(67, 71), *range(105, 108)])
    part.save(str(corpus / "policy.pdf"))
    assistant = Assistant(Settings(corpus_dir=corpus, index_dir=corpus.parent / "index"))
    assistant.index(progress=False)
    return assistant


def test_a_pdfs_mono_terms_introduce_their_definitions(policy):
    """PDFium gives the Sphinx body face a weight of 510; read as bold, every short line was a heading and the
    field names in mono were code, so "Depends" and "Recommends" named nothing."""
    ans = policy.ask("What is the difference between Depends and Recommends?")
    assert [c.quote for c in ans.citations] == [
        "This declares an absolute dependency.",
        "This declares a strong, but not absolute, dependency.",
    ], ans.text
    assert "Depends: “This declares an absolute dependency.” [1]" in ans.text
    ans = policy.ask("What is a conffile?")
    assert ans.citations[0].quote.startswith("A file listed in a package’s conffiles file"), ans.text
    assert "conffile: “A file listed" in ans.text
