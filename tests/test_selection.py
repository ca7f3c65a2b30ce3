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
    kidnapped = _scored("c", "Hamas abducted around 250 hostages on October 7.", 0.95)
    got = find_conflict([*pool, kidnapped], Plan.of("How many hostages were released?").counted, 1, "released")
    assert [s.sentence.text for s in got if s.sentence.source == "c"] == ["The truce saw Hamas release 50 Israeli hostages."]
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
        pytest.param(
            ["Some 21,000 Palestinians had been killed by then.", "200 aid trucks entered."], [0, 1], id="one-counts-trucks"
        ),
        pytest.param(["Some 21,000 Palestinians had been killed by then."], [], id="a-figure-of-other-things"),
    ],
)
def test_a_how_many_question_is_answered_only_by_sentences_with_a_figure(texts, cited):
    from assistant.config import Settings
    from assistant.selection import select

    scored = [_scored("a.txt", t, 0.9 - i * 0.1) for i, t in enumerate(texts)]
    picked, _ = select(scored, Settings(), Plan.of("How many aid trucks entered Gaza?"), 0.2)
    assert [p.sentence.text for p in picked] == [texts[i] for i in cited]


@pytest.mark.unit
@pytest.mark.parametrize(
    "question, text, counted",
    [
        pytest.param(
            "How many hostages did Hamas free?", "Hamas released 50 Israeli hostages, mostly women.", True, id="adjective-between"
        ),
        pytest.param(
            "How many Israeli soldiers were killed?", "More than 40,000 Palestinians have been killed.", False, id="other-people"
        ),
        pytest.param(
            "How many Debian distributions are there?",
            "There are three major distributions: stable, testing, unstable.",
            True,
            id="number-word",
        ),
        pytest.param("How many workers got bonuses?", "Some 3 million workers got bonuses.", True, id="scale-word"),
        pytest.param("How many aid trucks entered?", "Dozens of trucks entered each day.", True, id="dozens-of"),
        pytest.param(
            "How many jobs will it create?",
            "It will create nearly 100,000 new high-paying auto jobs.",
            True,
            id="long-noun-phrase",
        ),
        pytest.param(
            "How many Israelis were hurt?", "Around 180 missiles landed in Israeli territory.", False, id="the-phrase-ends-at-in"
        ),
        pytest.param(
            "How many people were killed per day?", "It averaged about 150 deaths per day.", True, id="people-as-deaths"
        ),
        pytest.param(
            "How many people were killed?", "More than 40,000 Palestinians have been killed.", False, id="a-group-is-not-people"
        ),
        pytest.param("How many people were killed?", "Some 180 missiles landed in Israel.", False, id="not-people"),
        pytest.param(
            "How many missiles were fired?",
            "In 2024 the talks resumed; missiles were fired later.",
            False,
            id="a-year-counts-nothing",
        ),
    ],
)
def test_counts_finds_a_figure_for_the_counted_thing(question, text, counted):
    from assistant.scoring import counts

    assert counts(text, Plan.of(question).counted) is counted


@pytest.mark.unit
@pytest.mark.parametrize(
    "question, asks",
    [
        ("When did the truce begin?", "date"),
        ("On what date did the November 2023 truce take effect?", "date"),
        ("In what year was the FAQ written?", "date"),
        ("When should I run apt-get update?", ""),  # a condition, not a date
        ("When does nano save a backup?", ""),
        ("Who replaced Yahya Sinwar as Hamas leader?", "name"),
        ("Whom did Blinken meet in Cairo?", "name"),
        ("What was the name of the Egyptian official?", "name"),
        ("Who can upload packages?", ""),  # a kind of person, maybe unnamed
        ("Who should use the stable release?", ""),
        ("What happened in May?", ""),
        ("How large was the deficit when Obama took office?", "figure"),
        ("If an IDL file is imported twice, how long does reading it take?", "figure"),
        ("How often is it read?", ""),  # "every time" is an answer
        ("Where did the negotiations take place?", "place"),
        ("Where can I find a build with symbols?", ""),  # a URL or a path answers it
    ],
)
def test_questions_that_ask_for_a_new_date_or_name(question, asks):
    from assistant import lang

    assert lang.current.asks_new(question) == asks


@pytest.mark.unit
@pytest.mark.parametrize(
    "kind, known, text, gives",
    [
        pytest.param(
            "date",
            "On what date did the November 2023 truce take effect?",
            "The ceasefire began on November 24, 2023.",
            True,
            id="day-of-the-month",
        ),
        pytest.param(
            "date",
            "On what date did the November 2023 truce take effect?",
            "The truce that paused hostilities in late November collapsed.",
            False,
            id="month-already-known",
        ),
        pytest.param("date", "When did the talks begin?", "The talks began three weeks ago.", True, id="relative"),
        pytest.param("date", "When did the talks begin?", "The talks may resume, officials said.", False, id="may-is-a-verb"),
        pytest.param("date", "When did the talks begin?", "Talks began on 2 March in Doha.", True, id="day-first"),
        pytest.param(
            "name",
            "Who replaced Yahya Sinwar as Hamas leader?",
            "The death of Hamas leader Yahya Sinwar could open talks.",
            False,
            id="only-known-names",
        ),
        pytest.param(
            "name",
            "Who replaced Yahya Sinwar as Hamas leader?",
            "Hamas named Mohammed Sinwar to succeed him.",
            True,
            id="a-new-name",
        ),
        pytest.param("name", "Who wrote the report?", "It was written by a committee of experts.", False, id="no-name"),
        pytest.param(
            "figure", "How large was the deficit in 2009?", "The deficit was $1.3 trillion in 2009.", True, id="an-amount"
        ),
        pytest.param(
            "figure",
            "How big was the deficit?",
            "The big tax cut of 2017 was to pay for itself.",
            False,
            id="a-year-sizes-nothing",
        ),
        pytest.param(
            "figure", "How long did the four-day truce last?", "The four-day truce was extended.", False, id="the-question's-own"
        ),
        pytest.param("figure", "How long did the truce last?", "It lasted seven days.", True, id="a-number-word"),
        pytest.param(
            "place",
            "Where did the negotiations take place?",
            "Israel recalled its negotiating delegation from Doha on December 2.",
            True,
            id="a-named-place",
        ),
        pytest.param(
            "place",
            "Where did the negotiations take place?",
            "I wrote a book, “Negotiating Peace: War Termination as a Bargaining Process.”",
            False,
            id="a-title-is-no-place",
        ),
        pytest.param(
            "place", "Where did Blinken meet them in Cairo?", "Blinken met them in Cairo.", False, id="the-question's-place"
        ),
        pytest.param("place", "Where did he say that?", "He said so in an interview on Israeli television.", True, id="on"),
    ],
)
def test_gives_new_finds_a_date_or_name_the_question_lacks(kind, known, text, gives):
    from assistant.scoring import gives_new

    assert gives_new(kind, text, known) is gives


@pytest.mark.unit
@pytest.mark.parametrize(
    "question, texts, cited",
    [
        pytest.param(
            "When did the truce begin?",
            ["The truce in November was fragile.", "It began on November 24."],
            [0, 1],
            id="one-gives-the-day",
        ),
        pytest.param(
            "On what date did the November truce begin?", ["The truce in November was fragile."], [], id="none-gives-a-new-date"
        ),
        pytest.param("When should I update?", ["Update before installing anything."], [0], id="a-condition-needs-no-date"),
        pytest.param("Who replaced Sinwar?", ["The death of Sinwar opened a door."], [], id="no-new-name"),
        pytest.param(
            "When did the truce begin?",
            ["The truce was fragile.", "It began on November 24."],
            [1],
            id="only-the-one-with-a-date",
        ),
    ],
)
def test_a_question_for_a_date_or_name_cites_only_sentences_that_give_one(question, texts, cited):
    from assistant.config import Settings
    from assistant.selection import select

    scored = [_scored("a.txt", t, 0.9 - i * 0.1) for i, t in enumerate(texts)]
    picked, _ = select(scored, Settings(), Plan.of(question), 0.2)
    assert [p.sentence.text for p in picked] == [texts[i] for i in cited]


@pytest.mark.unit
@pytest.mark.parametrize(
    "question, answered",
    [
        pytest.param("Bread: Made by men", True, id="a-topic-at-half-the-threshold"),
        pytest.param("What does it say about bread made by men?", False, id="a-question-at-the-full-threshold"),
    ],
)
def test_a_topic_query_is_answered_at_the_summary_floor(question, answered):
    from assistant.config import Settings
    from assistant.selection import select

    scored = [_scored("a.txt", "Bread was baked by the men of the city.", 0.15)]
    picked, _ = select(scored, Settings(summary_threshold_factor=0.5), Plan.of(question), 0.2)
    assert bool(picked) is answered


def _laid_out(parts: list[tuple[str, str]]):
    """A document of (kind, text) blocks, one paragraph each, and its sentence index."""
    from assistant.sentences import SentenceIndex
    from assistant.types import Block, Document

    text, blocks = "", []
    for kind, t in parts:
        start = len(text)
        text += t + "\n\n"
        blocks.append(Block(kind, start, start + len(t), level=2 if kind == "heading" else 0))
    doc = Document("faq.html", text, blocks=tuple(blocks))
    return SentenceIndex({"faq.html": doc})


FAQ = [
    ("heading", "1.1. What is GNU nano exactly?"),
    ("paragraph", "GNU nano was designed to be a free replacement for the Pico text editor."),
    ("heading", "1.2. Who wrote the first version of it?"),
    ("heading", "1.2.1. And where was it written then?"),
    ("paragraph", "Chris Allegretta started the project in 1999 as a small editor."),
    ("heading", "2. Where can I get the editor from?"),
    ("heading", "2.1. Which sites mirror the editor files?"),
    ("heading", "2.2. Which archives keep the older files?"),
    ("heading", "2.3. Which of the mirrors is the fastest?"),
    ("paragraph", "The editor's home page lists every mirror that carries its files."),
]


@pytest.mark.unit
@pytest.mark.parametrize(
    "picked, heading_score, cited, score",
    [
        pytest.param(
            0, None, "GNU nano was designed to be a free replacement for the Pico text editor.", 0.9, id="yields-to-its-body"
        ),
        pytest.param(2, None, "Chris Allegretta started the project in 1999 as a small editor.", 0.9, id="past-a-sub-heading"),
        pytest.param(6, None, "The editor's home page lists every mirror that carries its files.", 0.9, id="past-two"),
        pytest.param(5, None, "Where can I get the editor from?", 0.9, id="three-sub-headings-down-is-too-far"),
        pytest.param(
            0,
            0.5,
            "GNU nano was designed to be a free replacement for the Pico text editor.",
            0.9,
            id="body-a-candidate-too",
        ),
    ],
)
def test_a_heading_stands_aside_for_the_first_sentence_of_its_section(picked, heading_score, cited, score):
    from assistant.evidence import under_headings

    sindex = _laid_out(FAQ)
    sents = sindex.by_doc["faq.html"]
    heading = sents[picked]
    scored = [Scored(heading, 0.9, 0.5, 0.5, picked)]
    if heading_score is not None:  # the body was a candidate too, scoring lower on its own
        body = sents[picked + 1]
        scored.append(Scored(body, heading_score, 0.5, 0.5, picked + 1))
    got = under_headings(scored, sindex)
    assert len(got) == 1 and got[0].sentence.text == cited and got[0].score == score
    assert sindex.docs["faq.html"].text[got[0].sentence.start : got[0].sentence.end] == cited


@pytest.mark.unit
def test_without_layout_a_question_in_the_text_is_left_where_it_is():
    from assistant.evidence import under_headings
    from assistant.sentences import SentenceIndex
    from assistant.types import Document

    text = "Have ye never read, Out of the mouth of babes thou hast perfected praise? And he left them."
    sindex = SentenceIndex({"kjv.txt": Document("kjv.txt", text)})
    verse = sindex.by_doc["kjv.txt"][0]
    assert under_headings([Scored(verse, 0.9, 0.5, 0.5, 0)], sindex)[0].sentence == verse


@pytest.mark.unit
def test_a_table_of_contents_entry_stands_for_its_section_and_no_heading_is_cited_beside_an_answer():
    """nano's FAQ opens with its contents as one paragraph ("... 4.6. When I paste text ..."): a copy of a
    heading there stands for the heading's section; headings lower in the list answer nothing."""
    from assistant.evidence import under_headings

    sindex = _laid_out(
        [
            ("paragraph", "1.1. What is GNU nano exactly? 4.6. When I paste text, each line gets indented further."),
            *FAQ,
            ("heading", "4.6. When I paste text, each line gets indented further. Why?"),
            ("paragraph", "You have the autoindent feature turned on in your settings."),
        ]
    )
    sents = sindex.by_doc["faq.html"]
    toc = next(i for i, s in enumerate(sents) if s.text.startswith("When I paste") and s.start < 100)
    heading = next(i for i, s in enumerate(sents) if s.text.startswith("Who wrote"))
    body = next(i for i, s in enumerate(sents) if s.text.startswith("The editor's home page"))
    scored = [
        Scored(sents[toc], 0.8, 0.5, 0.5, toc),
        Scored(sents[heading], 0.7, 0.5, 0.5, heading),
        Scored(sents[body], 0.6, 0.5, 0.5, body),
    ]
    got = under_headings(scored, sindex)
    assert [(s.sentence.text, s.score) for s in got] == [
        ("You have the autoindent feature turned on in your settings.", 0.8),
        ("The editor's home page lists every mirror that carries its files.", 0.6),
    ]
    only_headings = scored[1:2]
    assert under_headings(only_headings, sindex)[0].sentence.text.startswith("Chris Allegretta")


def _features_of_all(question: str, sindex):
    """(candidates, feature rows) of every sentence of the laid-out document, one flat cosine, every idf 2."""
    import numpy as np

    from assistant.evidence import candidate_features, candidates
    from assistant.plan import Plan
    from assistant.types import Chunk, Hit

    doc = sindex.docs["faq.html"]
    cands = candidates([Hit(Chunk("c", "faq.html", doc.text, 0, len(doc.text)), 1.0)], sindex)
    x, _ = candidate_features(Plan.of(question), cands, sindex, [1.0], lambda s: np.ones((len(s), 1)), lambda t: 2.0)
    return cands, x


@pytest.mark.unit
def test_the_heading_above_a_candidate_counts_as_its_words():
    """A definition's term ("staff") or an FAQ's question heads sentences that never repeat it: the scorer reads
    the heading with the candidate (title/heading overlap, window terms), so the term's own description wins."""
    from assistant.scoring import FEATURES

    sindex = _laid_out(
        [
            ("heading", "staff"),
            ("paragraph", "Allows users to add local modifications to the system without root."),
            ("heading", "users"),
            ("paragraph", "Every account on the system is a member of this group by default."),
        ]
    )
    doc = sindex.docs["faq.html"]
    assert sindex.section("faq.html", doc.text.index("Allows")) == "staff"
    assert sindex.section("faq.html", doc.text.index("Every")) == "users" and sindex.section("faq.html", 0) == "staff"
    cands, x = _features_of_all("What is the staff group for?", sindex)
    meta, bm25 = x[:, FEATURES.index("meta_lex")], x[:, FEATURES.index("win_bm25")]
    assert [c.text[:5] for c in cands] == ["Allow", "Every"]
    assert meta[0] > meta[1] == 0 and bm25[0] > bm25[1]


@pytest.mark.unit
def test_the_first_sentence_of_a_section_speaks_of_its_heading():
    """A definition's first sentence is read with its term as its own words ("-k --keep: Keep (don't delete) ..."),
    the sentences after it are not; so is an FAQ answer's first sentence with its question."""
    from assistant.scoring import FEATURES

    sindex = _laid_out(
        [
            ("heading", "-k --keep"),
            ("paragraph", "Keep (don't delete) input files during compression. Files are kept even on errors."),
            ("heading", "-s --small"),
            ("paragraph", "Reduce memory usage for compression and testing."),
        ]
    )
    assert [sindex.opened("faq.html", i) for i in range(3)] == ["-k --keep", "", "-s --small"]
    _, x = _features_of_all("What does the -k option do?", sindex)
    assert list(x[:, FEATURES.index("lex")]) == [0.5, 0.0, 0.0]  # "-k" of "-k", "option"


@pytest.mark.unit
def test_a_sections_first_sentence_is_also_read_with_its_heading():
    """A definition never repeats its term ("record" over "This specifies the file ..."): its cosine is the closer
    of its own and its reading with the heading (``SentenceIndex.lead``), which the build stores too; a sentence
    that opens nothing keeps its own."""
    import numpy as np

    from assistant.evidence import candidate_features, candidates
    from assistant.plan import Plan
    from assistant.types import Chunk, Hit

    sindex = _laid_out(
        [
            ("heading", "3.277. record"),
            ("paragraph", "This specifies the file into which your outgoing messages are appended. It may be a folder."),
        ]
    )
    assert [sindex.lead("faq.html", i) for i in range(2)] == [
        "record: This specifies the file into which your outgoing messages are appended.",
        "",
    ]
    signpost = _laid_out([("heading", "4.3. Example entries"), ("paragraph", "In this section, we give some examples.")])
    assert signpost.opened("faq.html", 0) == "4.3. Example entries" and signpost.lead("faq.html", 0) == ""
    doc = sindex.docs["faq.html"]
    cands = candidates([Hit(Chunk("c", "faq.html", doc.text, 0, len(doc.text)), 1.0)], sindex)
    vectors = lambda sents: np.array([[1.0] if "record" in s.text else [0.25] for s in sents])  # noqa: E731
    _, cos = candidate_features(Plan.of("What does record do?"), cands, sindex, [1.0], vectors, lambda t: 2.0)
    assert [c.text[:4] for c in cands] == ["This", "It m"] and list(cos) == [1.0, 0.25]


@pytest.mark.unit
def test_a_nested_lists_term_is_read_with_the_terms_it_lies_under():
    """bash's manual lists set's options under "set": option -e's description speaks of "set -e"."""
    from assistant.sentences import SentenceIndex
    from assistant.types import TERM_LEVEL, Block, Document

    parts = [
        ("heading", 2, "4.3.1 The Set Builtin"),
        ("heading", TERM_LEVEL, "set"),
        ("paragraph", 0, "Set or unset the options of the shell."),
    ]
    parts += [("heading", TERM_LEVEL + 1, "-e"), ("paragraph", 0, "Exit immediately if a pipeline fails.")]
    text, blocks = "", []
    for kind, level, t in parts:
        blocks.append(Block(kind, len(text), len(text) + len(t), level))
        text += t + "\n\n"
    sindex = SentenceIndex({"b.html": Document("b.html", text, blocks=tuple(blocks))})
    assert sindex.opened("b.html", 0) == "set" and sindex.opened("b.html", 1) == "set -e"
    assert sindex.lead("b.html", 1) == "set -e: Exit immediately if a pipeline fails."


@pytest.mark.unit
@pytest.mark.parametrize(
    "shape, kept",
    [("any", ["This is the standard Unix authentication module."]), ("who", ["pam_unix was written by various people."])],
)
def test_a_credits_section_answers_who_made_the_thing_and_nothing_else(shape, kept):
    from assistant.evidence import off_credits

    sindex = _laid_out(
        [
            ("heading", "6.34.1. DESCRIPTION"),
            ("paragraph", "This is the standard Unix authentication module."),
            ("heading", "6.34.6. AUTHOR"),
            ("paragraph", "pam_unix was written by various people."),
        ]
    )
    sents = sindex.by_doc["faq.html"]
    scored = [Scored(sents[1], 0.9, 0.8, 1.0, 1), Scored(sents[0], 0.5, 0.5, 0.9, 0)]
    got = [s.sentence.text for s in off_credits(scored, sindex, shape)]
    assert got[:1] == kept and len(got) == (2 if shape == "who" else 1)


@pytest.mark.unit
@pytest.mark.parametrize(
    "term, defines",
    [("nproc", True), ("NPROC", True), ("core", False), ("$?", False)],  # "$?" has no words: it defines nothing
)
def test_a_comparison_finds_a_terms_description_by_the_terms_words(term, defines):
    from assistant.pipeline import _defines
    from assistant.types import TERM_LEVEL, Block, Document

    text = "nproc\n\nmaximum number of processes\n\nThe limits are read at login."
    blocks = (Block("heading", 0, 5, TERM_LEVEL), Block("paragraph", 7, 34), Block("paragraph", 36, len(text)))
    doc = Document("l.html", text, blocks=blocks)
    described, plain = (
        Scored(Sentence("l.html", a, b, text[a:b]), 0.9, 0.5, 0.5, i) for i, (a, b) in enumerate([(7, 34), (36, len(text))])
    )
    assert _defines(described, term, {"l.html": doc}) is defines
    assert _defines(plain, term, {"l.html": doc}) is False


@pytest.mark.unit
def test_a_heading_is_not_the_context_an_anaphoric_sentence_gets():
    """'It does when ...' opens its section: the heading above it is no sentence to read it with (the citation
    names its section); in running text the sentence before still is."""
    from assistant.selection import with_context

    sindex = _laid_out(
        [
            ("heading", "3.4. Should nano strip the binary when installing it?"),
            ("paragraph", "It does when you use make install-strip. It also does so when asked twice."),
        ]
    )
    sents = sindex.by_doc["faq.html"]
    first, second = (Scored(sents[i], 0.9, 0.5, 0.5, i) for i in (1, 2))
    assert [s.sentence.text for s in with_context([first], sindex)] == [sents[1].text]
    assert sorted(s.index for s in with_context([second], sindex)) == [1, 2]


@pytest.mark.unit
@pytest.mark.parametrize(
    "opening, joined",
    [
        pytest.param("This paper briefly reviews a class of covariance estimators.", False, id="the-paper-itself"),
        pytest.param("This section describes the kernels in turn.", False, id="the-section-itself"),
        pytest.param("This proposal was rejected within a day.", True, id="what-came-before"),
    ],
)
def test_a_sentence_about_the_document_itself_is_not_read_with_the_sentence_before_it(opening, joined):
    """A paper's "This paper reviews ..." after a figure's caption: its "This" names the paper, so the caption is
    no context; "This proposal ..." still takes the sentence that made the proposal."""
    from assistant.selection import with_context

    sindex = _laid_out(
        [
            ("paragraph", "Figure 4: OLS-based CUSUM test (left) and fitted model (right) for real interest data."),
            ("paragraph", opening),
        ]
    )
    sents = sindex.by_doc["faq.html"]
    got = with_context([Scored(sents[1], 0.9, 0.5, 0.5, 1)], sindex)
    assert sorted(s.index for s in got) == ([0, 1] if joined else [1])


@pytest.mark.unit
def test_a_long_heading_is_text_set_large_not_a_heading():
    """A lede set in <h1> (three sentences, 60 words) is text: its sentences are cited like any other."""
    from assistant.evidence import under_headings

    lede = " ".join(["The truce that paused the fighting in late November has collapsed, both sides blaming the other."] * 4)
    sindex = _laid_out([("heading", lede), ("paragraph", "The ceasefire began on November 24, 2023, after weeks of talks.")])
    first = sindex.by_doc["faq.html"][0]
    assert not sindex.is_heading(first) and under_headings([Scored(first, 0.9, 0.5, 0.5, 0)], sindex)[0].sentence == first


@pytest.mark.unit
@pytest.mark.parametrize(
    "first, second, joined",
    [
        pytest.param(
            "The proposal lays out three main stages toward a ceasefire.",
            "First, over six weeks, troops would leave.",
            True,
            id="a-count-announces",
        ),
        pytest.param(
            "The Debian archive keeps its packages in several distributions, each with its own release rules and users:",
            "First, the stable one is released every two years.",
            True,
            id="a-colon-announces",
        ),
        pytest.param(
            "The proposal lays out a path toward a ceasefire.",
            "First, over six weeks, troops would leave.",
            False,
            id="nothing-announced",
        ),
        pytest.param(
            "The proposal lays out three main stages toward a ceasefire.",
            "First-class mail resumed on Monday.",
            False,
            id="not-a-first-item",
        ),
    ],
)
def test_a_sentence_that_announces_a_list_is_read_with_its_first_item(first, second, joined):
    from assistant.selection import with_context
    from assistant.sentences import SentenceIndex
    from assistant.types import Document

    sindex = SentenceIndex({"a.txt": Document("a.txt", f"{first}\n{second}")})
    lead = Scored(sindex.by_doc["a.txt"][0], 0.9, 0.5, 0.5, 0)
    assert len(with_context([lead], sindex)) == (2 if joined else 1)


@pytest.mark.unit
@pytest.mark.parametrize(
    "intro, joined",
    [
        pytest.param(
            "If you choose to leave the project for good, you should make sure you do the following steps:",
            True,
            id="a-colon-over-a-list",
        ),
        pytest.param(
            "If you choose to leave the project for good, you should make sure you do these steps.", False, id="no-colon"
        ),
    ],
)
def test_a_colon_is_read_with_the_first_item_of_the_list_under_it(intro, joined):
    """HTML numbers a list's items itself, so the first step does not say "1."; it opens an item of the layout."""
    from assistant.corpus import make_document
    from assistant.readers import read_file
    from assistant.selection import with_context
    from assistant.sentences import SentenceIndex

    page = f"<html><body><main><p>{intro}</p><ol><li><p>Orphan all your packages.</p></li><li><p>Tell us.</p></li></ol></main></body></html>"
    ex = read_file("r.html", page.encode())
    sindex = SentenceIndex({"r.html": make_document("r.html", ex.text, None, ex)})
    lead = Scored(sindex.by_doc["r.html"][0], 0.9, 0.5, 0.5, 0)
    assert [s.sentence.text for s in with_context([lead], sindex)][1:] == (["Orphan all your packages."] if joined else [])


@pytest.mark.unit
@pytest.mark.parametrize(
    "first, joined",
    [
        pytest.param(
            "Zonszein also noted that at that point, releasing some did not reduce their leverage.", True, id="noted-that"
        ),
        pytest.param("The plan had backing in the cabinet, Falk told reporters.", True, id="speech-verb-at-the-end"),
        pytest.param("Officials have repeatedly blamed the group for the stalling of talks.", False, id="no-speaker"),
    ],
)
def test_a_quotation_is_read_with_the_sentence_before_only_when_that_one_reports_it(first, joined):
    """'X noted that ... . "quote," she said.': the quotation carries X's claim.  After a sentence that reports
    nobody's words, the quotation is somebody else's, cited on its own when it answers."""
    from assistant.selection import with_context
    from assistant.sentences import SentenceIndex
    from assistant.types import Document

    quote = "\u201cThey saw it as a win-win to get rid of some hostages,\u201d said Ayyash, a professor."
    sindex = SentenceIndex({"a.txt": Document("a.txt", f"{first} {quote}")})
    lead = Scored(sindex.by_doc["a.txt"][0], 0.9, 0.5, 0.5, 0)
    assert len(sindex.by_doc["a.txt"]) == 2
    assert len(with_context([lead], sindex)) == (2 if joined else 1)


@pytest.mark.unit
def test_the_sentence_index_keeps_a_bounded_number_of_split_documents():
    """A server over a large corpus keeps only the documents it read last; one asked for again is split again."""
    from assistant.sentences import SentenceIndex, _Lazy
    from assistant.types import Document

    docs = {f"d{i}.txt": Document(source=f"d{i}.txt", text=f"Sentence {i} is here. Another one.") for i in range(5)}
    calls = []
    lazy = _Lazy(lambda k: calls.append(k) or k.upper(), max_items=2)
    assert [lazy[k] for k in ("a", "b", "c")] == ["A", "B", "C"]
    assert list(lazy) == ["b", "c"] and lazy["a"] == "A" and calls == ["a", "b", "c", "a"]
    sindex = SentenceIndex(docs, max_docs=2)
    first = [(s.start, s.text) for s in sindex.by_doc["d0.txt"]]
    for i in range(5):
        assert sindex.starts[f"d{i}.txt"] == [s.start for s in sindex.by_doc[f"d{i}.txt"]]
    assert len(sindex.by_doc) == len(sindex._split) == 2 and "d0.txt" not in sindex.by_doc
    assert [(s.start, s.text) for s in sindex.by_doc["d0.txt"]] == first  # split again, the same


@pytest.mark.unit
@pytest.mark.parametrize(
    "parts, answer",
    [
        pytest.param(
            [("paragraph", "What else have we done in those days? We sent rescue checks to most households.")],
            "We sent rescue checks to most households.",
            id="rhetorical-question-in-its-paragraph",
        ),
        pytest.param(
            [("paragraph", "How do I undo a commit in my repository?"), ("paragraph", "Use git reset with the commit.")],
            "Use git reset with the commit.",
            id="plain-text-faq-question-line",
        ),
        pytest.param(
            [("paragraph", "Who is this king of glory, of whom they sing?"), ("paragraph", "Who shall ascend the hill?")],
            "Who is this king of glory, of whom they sing?",
            id="a-question-after-a-question-answers-nothing",
        ),
    ],
)
def test_a_question_in_the_text_is_answered_by_the_sentence_after_it(parts, answer):
    from assistant.evidence import after_questions

    sindex = _laid_out(parts)
    sents = sindex.by_doc["faq.html"]
    got = after_questions([Scored(sents[0], 0.9, 0.5, 0.5, 0)], sindex)
    assert got[0].sentence.text == answer and got[0].score == 0.9
    assert [s.sentence.text for s in got].count(answer) == 1


@pytest.mark.unit
@pytest.mark.parametrize(
    "lexical, question, answered",
    [
        pytest.param((0.04, 0.0, 0.0), "Does zstd support multithreading?", False, id="only-the-product-name-meets"),
        pytest.param((0.0, 0.3, 0.0), "How do I contribute?", True, id="a-neighbour-holds-the-word"),
        pytest.param((0.0, 0.0, 0.3), "How do I contribute?", False, id="a-far-candidate-does-not-count"),
        pytest.param((0.0, 0.0, 0.0), "What is it?", True, id="no-terms-to-share"),
    ],
)
def test_an_answer_shares_words_with_the_question_around_a_strong_sentence(lexical, question, answered):
    """A sentence above the threshold, or a candidate next to one, must hold a share of the question's term
    weight (``min_overlap``); closeness in meaning alone answers nothing."""
    from assistant.config import Settings
    from assistant.selection import select

    texts = ["If you plan to propose a patch, commit it into the dev branch.", "All work is merged there.", "Far off."]
    scores, index = (0.9, 0.1, 0.1), (5, 4, 9)
    scored = [
        Scored(Sentence("r.md", 0, len(t), t), p, 0.5, lx, i) for t, p, lx, i in zip(texts, scores, lexical, index, strict=True)
    ]
    picked, _ = select(scored, Settings(), Plan.of(question), 0.2)
    assert bool(picked) is answered


@pytest.mark.unit
@pytest.mark.parametrize(
    "followup, first",
    [
        pytest.param("What happens to them when a package is purged?", "purge", id="new-words-new-passage"),
        pytest.param("Where are they listed?", "define", id="its-own-words-in-the-old-quote"),
        pytest.param("Why is that?", "define", id="no-words-of-its-own"),
    ],
)
def test_a_followup_is_not_answered_by_the_last_answers_quote_unless_it_holds_the_followups_words(followup, first):
    """Less than half of the follow-up's own term weight ("purged") in a sentence the last answer quoted: it goes
    after a sentence that has it."""
    from assistant.config import Settings
    from assistant.selection import select

    define = Sentence("p.txt", 0, 60, "A conffile is a file listed in a package's conffiles file.")
    purge = Sentence("p.txt", 61, 130, "On purge, dpkg removes every conffile of the package.")
    history = [
        {"role": "user", "content": "What is a conffile?"},
        {"role": "assistant", "content": f"According to “Policy”, “{define.text}” [1]"},
    ]
    scored = [Scored(define, 0.8, 0.6, 0.5, 0), Scored(purge, 0.5, 0.5, 0.5, 1)]
    idf = lambda t: 3.0 if t.startswith("purg") else 1.0  # noqa: E731  "package" is in every sentence of the manual
    picked, _ = select(scored, Settings(), Plan.of(followup, history), 0.2, idf)
    assert picked[0].sentence == {"define": define, "purge": purge}[first]


@pytest.mark.unit
@pytest.mark.parametrize(
    "question, heads, label",
    [
        pytest.param("When were async closures stabilized?", "Version 1.85.0 (2025-02-20) › Language", True, id="dated-heading"),
        pytest.param("When were async closures stabilized?", "Language", False, id="no-date-anywhere"),
        pytest.param(
            "Who stabilized async closures?", "Version 1.85.0 by Jane Doe › Language", False, id="names-not-from-headings"
        ),
    ],
)
def test_a_date_asked_for_may_be_given_by_the_headings_a_sentence_lies_under(question, heads, label):
    from assistant.config import Settings
    from assistant.selection import select

    bullet = Sentence("r.md", 0, 45, "async closures were stabilized in the compiler.")
    picked, _ = select([Scored(bullet, 0.8, 0.6, 0.6, 0)], Settings(), Plan.of(question), 0.2, where=lambda s: heads)
    assert [p.label for p in picked] == ([heads] if label else [])


@pytest.mark.unit
def test_a_sentences_place_is_its_two_innermost_headings():
    """What the scorer reads with a candidate: a changelog's version and section, not the section alone."""
    from assistant.corpus import make_document
    from assistant.readers import read_file
    from assistant.sentences import SentenceIndex

    text = "Version 1.95 (2026-04-16)\n=========================\n\nLanguage\n--------\n\nIf let guards are stable now.\n"
    ex = read_file("r.md", text.encode())
    sindex = SentenceIndex({"r.md": make_document("r.md", ex.text, None, ex)})
    assert sindex.place("r.md", text.index("If let")) == "Version 1.95 (2026-04-16) Language"
    assert sindex.place("r.md", 0) == "Version 1.95 (2026-04-16)"


@pytest.mark.unit
def test_the_following_is_read_with_the_first_definition_under_it():
    """A definition list after "The following priority levels are recognized ..." (Debian Policy): the quote runs on
    over the first term to its description."""
    from assistant.corpus import make_document
    from assistant.readers import read_file
    from assistant.selection import with_context
    from assistant.sentences import SentenceIndex

    page = (
        "<html><body><main><p>The following priority levels are recognized by the package management tools.</p>"
        "<dl><dt>required</dt><dd>Packages which are necessary for the proper functioning of the system.</dd>"
        "<dt>important</dt><dd>Programs which one would expect to find on any Unix-like system.</dd></dl></main></body></html>"
    )
    ex = read_file("p.html", page.encode())
    sindex = SentenceIndex({"p.html": make_document("p.html", ex.text, None, ex)})
    lead = Scored(sindex.by_doc["p.html"][0], 0.9, 0.5, 0.5, 0)
    got = [s.sentence.text for s in with_context([lead], sindex)]
    assert got[1:] == ["Packages which are necessary for the proper functioning of the system."]
