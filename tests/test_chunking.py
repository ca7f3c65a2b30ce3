"""Sentence splitting and chunking: exact offsets, coverage, boilerplate, stable ids."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.chunking import chunk_document, citable_sentences, content_spans, is_citable, split_sentences
from assistant.corpus import make_document
from assistant.readers import read_file
from assistant.types import Document, Sentence, Span

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
CORPUS_FILES = sorted((ROOT / "corpus").glob("*.txt"))


def read_raw(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


# --- edge inputs ----------------------------------------------------------------------------------

LONG_LINE = " ".join(f"word{i}" for i in range(600))  # ~4,700 chars, no punctuation at all
NO_SPACES = "x" * 2345  # no whitespace either: pieces must be hard-cut

EDGE_TEXTS = [
    pytest.param("", id="empty"),
    pytest.param("x", id="one-char"),
    pytest.param("\n\n  \t\n", id="whitespace-only"),
    pytest.param("Peace 🕊️ talks resumed on Monday. The envoy 👍🏽 left Doha. Families 👨‍👩‍👧 waited.", id="emoji"),
    pytest.param("قالت حماس إنها مستعدة. وافقت إسرائيل على الهدنة. Talks went on.", id="arabic"),
    pytest.param("ישראל הסכימה להפסקת אש. חמאס שחרר חטופים. Then talks stalled.", id="hebrew"),
    pytest.param("He said “we are ready.” She replied ‘not yet.’ They met again.", id="curly-quotes"),
    pytest.param(LONG_LINE, id="long-line-no-punctuation"),
    pytest.param(NO_SPACES, id="long-token-no-spaces"),
    pytest.param(
        "Title line\r\n\r\nFirst sentence is here. Second sentence follows it.\r\nThird line of text.\r\n\r\n"
        "A photo caption of a protest.\r\nEvan Vucci/AP\r\n\r\nLast paragraph ends here.\r\n",
        id="crlf",
    ),
    pytest.param("Old Mac line one.\rOld Mac line two.\rEnd.", id="bare-cr"),
    pytest.param("Ünïcödé façade naïve café. Ωμέγα λέξη εδώ. Ещё одно предложение.", id="accents-greek-cyrillic"),
]

SIZES = [
    pytest.param(900, 1, id="900/1"),
    pytest.param(120, 1, id="120/1"),
    pytest.param(40, 0, id="40/0"),
    pytest.param(25, 2, id="25/2"),
]


def assert_offsets_and_invariants(doc: Document, size: int, overlap: int) -> None:
    text = doc.text
    sentences = split_sentences(doc)
    for s in sentences:
        assert text[s.start : s.end] == s.text, s
        assert s.text and not s.text[0].isspace() and not s.text[-1].isspace()
    chunks = chunk_document(doc, size, overlap)
    covered = [False] * len(text)
    for c in chunks:
        assert text[c.start : c.end] == c.text, c
        assert 0 < c.end - c.start <= size, (c.start, c.end, size)
        assert c.source == doc.source and c.date == doc.date
        for b in doc.boilerplate:
            assert c.end <= b.start or c.start >= b.end, f"chunk {c.start}:{c.end} overlaps boilerplate {b}"
        for i in range(c.start, c.end):
            covered[i] = True
    in_boilerplate = [False] * len(text)
    for b in doc.boilerplate:
        for i in range(b.start, b.end):
            in_boilerplate[i] = True
    missing = [i for i, ch in enumerate(text) if not ch.isspace() and not in_boilerplate[i] and not covered[i]]
    assert not missing, f"uncovered characters at {missing[:10]}: {[text[i] for i in missing[:10]]}"
    # chunks come in document order and ids are unique
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)
    assert len({c.id for c in chunks}) == len(chunks)


@pytest.mark.parametrize("size,overlap", SIZES)
@pytest.mark.parametrize("text", EDGE_TEXTS)
def test_offsets_round_trip_on_edge_inputs(text, size, overlap):
    doc = make_document("edge.txt", text)
    assert_offsets_and_invariants(doc, size, overlap)


@pytest.mark.parametrize("size,overlap", SIZES)
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name[:3])
def test_offsets_round_trip_on_real_corpus(path, size, overlap):
    doc = make_document(path.name, read_raw(path))
    assert_offsets_and_invariants(doc, size, overlap)


def test_corpus_has_the_expected_files():
    assert len(CORPUS_FILES) == 5


@pytest.mark.parametrize(
    "text,expected_chunks",
    [
        pytest.param("", 0, id="empty"),
        pytest.param("   \n\n", 0, id="whitespace"),
        pytest.param("x", 1, id="one-char"),
    ],
)
def test_trivial_inputs_give_expected_chunk_count(text, expected_chunks):
    assert len(chunk_document(make_document("t.txt", text))) == expected_chunks


@pytest.mark.parametrize("size", [pytest.param(100, id="100"), pytest.param(37, id="37"), pytest.param(1, id="1")])
def test_long_line_is_cut_into_pieces_no_longer_than_size(size):
    doc = make_document("long.txt", LONG_LINE)
    chunks = chunk_document(doc, size, 1)
    assert len(chunks) >= -(-len(LONG_LINE.replace(" ", "")) // size)
    assert max(c.end - c.start for c in chunks) <= size
    if size >= 10:  # with room for a word, cuts fall on spaces, never inside a word
        for c in chunks:
            assert c.start == 0 or LONG_LINE[c.start - 1] == " "
            assert c.end == len(LONG_LINE) or LONG_LINE[c.end] == " "


def test_crlf_offsets_hold_on_raw_text_and_carriage_returns_are_not_in_sentences():
    text = "Head\r\n\r\nAlpha sentence here. Beta sentence there.\r\nGamma line.\r\n"
    doc = make_document("crlf.txt", text)
    sents = split_sentences(doc)
    assert [s.text for s in sents] == ["Head", "Alpha sentence here.", "Beta sentence there.", "Gamma line."]
    assert [(s.start, s.end) for s in sents] == [(0, 4), (8, 28), (29, 49), (51, 62)]
    assert all("\r" not in s.text for s in sents)


def test_crlf_boilerplate_is_excluded_from_chunks():
    body = "Negotiators met in Doha on Monday to discuss a phased agreement for the release of hostages. " * 3
    text = f"Title\r\n\r\n{body}\r\n\r\nA man walks past rubble in Gaza City.\r\nMahmud Hams/Getty Images\r\n\r\n{body}\r\n"
    doc = make_document("crlf.txt", text)
    assert [text[b.start : b.end] for b in doc.boilerplate] == [
        "A man walks past rubble in Gaza City.",
        "Mahmud Hams/Getty Images",
    ]
    joined = " ".join(c.text for c in chunk_document(doc, 900, 1))
    assert "Getty" not in joined and "rubble" not in joined
    assert_offsets_and_invariants(doc, 900, 1)


# --- boilerplate handling -------------------------------------------------------------------------


def test_chunks_do_not_cross_a_boilerplate_span_in_the_middle_of_a_document():
    para = "This is a long paragraph of ordinary prose that keeps going for a while. " * 2
    text = f"{para}\n\nA caption above a credit.\nREUTERS/Some Photographer\n\n{para}"
    doc = make_document("mid.txt", text)
    assert [text[b.start : b.end] for b in doc.boilerplate] == ["A caption above a credit.", "REUTERS/Some Photographer"]
    first, last = doc.boilerplate[0], doc.boilerplate[-1]
    chunks = chunk_document(doc, 900, 1)
    # everything fits in one chunk by size, but the boilerplate splits it in two
    assert len(chunks) == 2
    assert chunks[0].end <= first.start and chunks[1].start >= last.end


def test_explicit_boilerplate_spans_are_respected():
    text = "Alpha one here. Beta two here. Gamma three here."
    b = Span(text.index("Beta"), text.index("Gamma") - 1)
    doc = Document("x.txt", text, boilerplate=(b,))
    sents = split_sentences(doc)
    assert [s.text for s in sents] == ["Alpha one here.", "Gamma three here."]
    assert content_spans(text, (b,)) == [Span(0, 15), Span(31, 48)]
    for c in chunk_document(doc, 900, 1):
        assert c.end <= b.start or c.start >= b.end


def test_real_corpus_boilerplate_text_never_appears_in_chunks():
    doc = make_document("003.txt", read_raw(ROOT / "corpus" / "003_761fb97b8a8178bf.txt"))
    text = " ".join(c.text for c in chunk_document(doc, 900, 1))
    assert "More from GZERO Media" not in text
    assert "REUTERS/Ramadan Abed" not in text
    assert "Liberation Day" not in doc.text[: doc.boilerplate[-1].start]  # the tariff teaser is only in boilerplate
    assert "Liberation Day" not in text
    assert "Blinken" in text


# --- ids -------------------------------------------------------------------------------------------


def test_chunk_ids_are_stable_for_the_same_input():
    raw = read_raw(ROOT / "corpus" / "001_8a411522840ab978.txt")
    a = chunk_document(make_document("001.txt", raw))
    b = chunk_document(make_document("001.txt", raw))
    assert [c.id for c in a] == [c.id for c in b]
    assert all(len(c.id) == 16 and int(c.id, 16) >= 0 for c in a)


def test_chunk_ids_do_not_depend_on_python_hash_seed():
    code = (
        "from assistant.chunking import chunk_document;from assistant.corpus import make_document;"
        "print(','.join(c.id for c in chunk_document(make_document('s.txt', 'Alpha beta gamma. Delta epsilon zeta.'), 20, 0)))"
    )
    outs = set()
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
        assert res.returncode == 0, res.stderr
        outs.add(res.stdout.strip())
    here = ",".join(c.id for c in chunk_document(make_document("s.txt", "Alpha beta gamma. Delta epsilon zeta."), 20, 0))
    assert outs == {here}
    assert len(here.split(",")) == 2


@pytest.mark.parametrize(
    "before,after,same_first",
    [
        pytest.param("Alpha one. Beta two.", "Alpha one. Beta three.", True, id="edit-second-sentence"),
        pytest.param("Alpha one. Beta two.", "Alpha uno. Beta two.", False, id="edit-first-sentence"),
        pytest.param("Alpha one. Beta two.", "Xlpha one. Beta two.", False, id="same-length-edit"),
    ],
)
def test_chunk_ids_change_when_text_changes(before, after, same_first):
    ca = chunk_document(make_document("d.txt", before), 12, 0)
    cb = chunk_document(make_document("d.txt", after), 12, 0)
    assert len(ca) == len(cb) == 2
    assert ca[-1].id != cb[-1].id or ca[-1].text == cb[-1].text
    assert (ca[0].id == cb[0].id) == same_first
    assert {c.id for c in ca} != {c.id for c in cb}


def test_chunk_ids_differ_between_sources_with_identical_text():
    a = chunk_document(make_document("a.txt", "Same text here."))
    b = chunk_document(make_document("b.txt", "Same text here."))
    assert a[0].id != b[0].id


def test_bad_chunk_parameters_raise():
    doc = make_document("d.txt", "Alpha.")
    with pytest.raises(ValueError):
        chunk_document(doc, 0, 1)
    with pytest.raises(ValueError):
        chunk_document(doc, 10, -1)


# --- overlap ---------------------------------------------------------------------------------------


def test_neighbouring_chunks_share_overlap_sentences():
    text = " ".join(f"Sentence number {w} is here." for w in ["one", "two", "three", "four", "five", "six"])
    doc = make_document("o.txt", text)
    sents = split_sentences(doc)
    assert len(sents) == 6
    chunks = chunk_document(doc, 60, 1)  # two sentences (~55 chars) per chunk
    assert len(chunks) >= 3
    for prev, nxt in zip(chunks, chunks[1:], strict=False):
        last_of_prev = [s for s in sents if prev.start <= s.start and s.end <= prev.end][-1]
        assert nxt.start == last_of_prev.start  # exactly one sentence shared
    no_overlap = chunk_document(doc, 60, 0)
    assert all(b.start > a.end for a, b in zip(no_overlap, no_overlap[1:], strict=False))


# --- sentence splitting ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        pytest.param(
            "The U.S. envoy arrived. Talks resumed.",
            ["The U.S. envoy arrived.", "Talks resumed."],
            id="U.S.-lowercase-next",
        ),
        pytest.param(
            "Officials in the U.S. State Department agreed. Talks resumed.",
            ["Officials in the U.S. State Department agreed.", "Talks resumed."],
            id="U.S.-capital-next",
        ),
        pytest.param(
            "Hamas attacked on Oct. 7 and took hostages. Israel responded.",
            ["Hamas attacked on Oct. 7 and took hostages.", "Israel responded."],
            id="Oct.-7",
        ),
        pytest.param(
            "Mr. Smith met Dr. Jones in Washington, D.C. Later they left.",
            ["Mr. Smith met Dr. Jones in Washington, D.C. Later they left."],
            id="titles-and-D.C.-err-long",
        ),
        pytest.param("Gen. Halevi spoke. Sen. Sanders replied.", ["Gen. Halevi spoke.", "Sen. Sanders replied."], id="Gen.-Sen."),
        pytest.param("It cost approx. 5 million. Then more.", ["It cost approx. 5 million.", "Then more."], id="approx.-number"),
        pytest.param("Plan A. B. Smith wrote it.", ["Plan A. B. Smith wrote it."], id="initials"),
        pytest.param("Is it over? No! It goes on.", ["Is it over?", "No!", "It goes on."], id="question-exclamation"),
        pytest.param("He said “it is over.” Then he left.", ["He said “it is over.”", "Then he left."], id="closing-curly-quote"),
        pytest.param("Wait… Then 2024 came.", ["Wait…", "Then 2024 came."], id="ellipsis-then-number"),
        pytest.param("The rate was 3.5 percent. It rose.", ["The rate was 3.5 percent.", "It rose."], id="decimal"),
        pytest.param("no capital after. this stays one", ["no capital after. this stays one"], id="lowercase-next"),
    ],
)
def test_sentence_splitting(text, expected):
    doc = make_document("s.txt", text)
    assert [s.text for s in split_sentences(doc)] == expected


def test_sentences_are_split_per_line():
    doc = make_document("l.txt", "A Heading\nFirst sentence here. Second one.\n\nThird paragraph")
    assert [s.text for s in split_sentences(doc)] == ["A Heading", "First sentence here.", "Second one.", "Third paragraph"]


WRAPPED = (
    "To install the package, run the following command in a terminal window\n"
    "and wait until it finishes. Then restart the service, which reads its\n"
    "configuration again."
)


@pytest.mark.parametrize(
    "text,expected",
    [
        pytest.param(
            WRAPPED,
            [
                "To install the package, run the following command in a terminal window\nand wait until it finishes.",
                "Then restart the service, which reads its\nconfiguration again.",
            ],
            id="hard-wrapped-paragraph-joins",
        ),
        pytest.param(
            "Installing the package\n" + WRAPPED.split("\n")[0],
            ["Installing the package", WRAPPED.split("\n")[0]],
            id="short-heading-line-stays-apart",
        ),
        pytest.param(
            "- first item of a list, long enough to look like a wrapped line of text\n- second item of the list",
            ["- first item of a list, long enough to look like a wrapped line of text", "- second item of the list"],
            id="list-items-stay-apart",
        ),
        pytest.param(
            "A first sentence that ends at the end of its line, as authors often do.\nA second line of text.",
            ["A first sentence that ends at the end of its line, as authors often do.", "A second line of text."],
            id="break-at-sentence-end-stays",
        ),
        pytest.param(
            "See the question “How many distributions are there?”\nfor more on the releases that are kept.",
            ["See the question “How many distributions are there?”\nfor more on the releases that are kept."],
            id="closing-quote-then-lowercase-continues",
        ),
        pytest.param(
            ("word " * 40).strip() + "\n" + "and more words on the next line",
            [("word " * 40).strip(), "and more words on the next line"],
            id="lines-longer-than-a-wrap-column-are-the-authors",
        ),
        pytest.param(
            "A fast lossless compression algorithm for real-time scenarios,\ntargeting zlib-level speed. "
            "It is backed by a very fast entropy stage from the [FSE library](https://github.com/Cyan4973/FSE).",
            [
                "A fast lossless compression algorithm for real-time scenarios,\ntargeting zlib-level speed.",
                "It is backed by a very fast entropy stage from the [FSE library](https://github.com/Cyan4973/FSE).",
            ],
            id="a-link-target-takes-no-column",
        ),
        pytest.param(
            WRAPPED.split("\n")[0] + "\n\nand wait.",
            [WRAPPED.split("\n")[0], "and wait."],
            id="blank-line-is-a-paragraph-break",
        ),
    ],
)
def test_hard_wrapped_lines_join_into_sentences(text, expected):
    doc = make_document("w.txt", text)
    sents = split_sentences(doc)
    assert [s.text for s in sents] == expected
    assert all(doc.text[s.start : s.end] == s.text for s in sents)


@pytest.mark.parametrize(
    "text,citable",
    [
        pytest.param("Israel and Hamas agreed on a truce.", True, id="sentence"),
        pytest.param("Why Ceasefire Talks Are Stuck", False, id="heading"),
        pytest.param("June 24, 2024", False, id="dateline"),
        pytest.param("Alex Kane", False, id="byline"),
        pytest.param("Yes, it did.", False, id="too-short"),
        pytest.param(" ".join(["word"] * 14), True, id="long-unpunctuated"),
        pytest.param("He said it was “over.”", True, id="ends-with-quote"),
        pytest.param("Type: path Default: “~/sent”", False, id="field-line"),
        pytest.param("Type: string Default: (empty)", False, id="field-line-bracket"),
        pytest.param("Note: the value is kept: see the manual.", True, id="note-with-colons"),
    ],
)
def test_is_citable(text, citable):
    assert is_citable(Sentence("x.txt", 0, len(text), text)) is citable


def test_a_definitions_description_is_citable_without_a_full_stop():
    """ "nproc" over "maximum number of processes" states what nproc is; the same words in a plain paragraph, or a
    two-word description, do not make a sentence."""
    html = (
        b"<html><body><h1>Limits</h1><p>The items are listed below, each with what it limits.</p><dl>"
        b"<dt>nproc</dt><dd>maximum number of processes</dd><dt>as</dt><dd>address space</dd></dl>"
        b"<p>maximum number of logins</p></body></html>"
    )
    e = read_file("limits.html", html)
    doc = make_document("limits.html", e.text, extracted=e)
    got = [s.text for _, s in citable_sentences(doc)]
    assert got == ["The items are listed below, each with what it limits.", "maximum number of processes"]


@pytest.mark.parametrize(
    "gap", [pytest.param(" ", id="one-space"), pytest.param("  ", id="pdf-line-wrap"), pytest.param("     ", id="five")]
)
def test_a_run_of_spaces_counts_once_toward_the_chunk_size(gap):
    """The PDF version of a text (line wraps as two spaces) packs the same sentences as the .txt."""
    sentences = [f"Sentence number {i} says something{gap}about the talks in Cairo." for i in range(40)]
    plain = [s.replace(gap, " ") for s in sentences]
    got = chunk_document(Document("a.txt", " ".join(sentences)), size=200, overlap=0)
    want = chunk_document(Document("a.txt", " ".join(plain)), size=200, overlap=0)
    assert [c.text.replace(gap, " ") for c in got] == [c.text for c in want]
    assert all(c.text == " ".join(sentences)[c.start : c.end] for c in got)
