"""The ground-floor text module: tokens, light stemming, stopwords, dates."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.text import STOPWORDS, date_bounds, initialisms, mentions_date, parse_iso, stem, tokenize, words

pytestmark = pytest.mark.unit


# --- tokens and stemming -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,tokens",
    [
        pytest.param("Hostages", ["hostage"], id="plural"),
        pytest.param("hostages'", ["hostage"], id="plural-possessive"),
        pytest.param("Israel's", ["israel"], id="possessive-ascii"),
        pytest.param("Israel’s", ["israel"], id="possessive-curly"),
        pytest.param("policies", ["policy"], id="ies"),
        pytest.param("ceasefires", ["ceasefire"], id="s"),
        pytest.param("class status crisis", ["class", "status", "crisis"], id="ss-us-is-kept"),
        pytest.param("2,000 people", ["2000", "people"], id="thousands-separator"),
        pytest.param("3.5 percent", ["3.5", "percent"], id="decimal"),
        pytest.param("The and of", [], id="stopwords-only"),
        pytest.param("COVID-19", ["covid", "19"], id="hyphen"),
        pytest.param("Naïve café", ["naïve", "café"], id="accents"),
        pytest.param("Netanyahu said", ["netanyahu"], id="said-is-a-stopword"),
        pytest.param("", [], id="empty"),
        pytest.param("…, — !", [], id="punctuation-only"),
        pytest.param("use -k or --keep", ["use", "-k", "--keep"], id="command-line-options"),
        pytest.param("--repetitive-best", ["--repetitive-best"], id="hyphenated-option"),
        pytest.param("900 k of memory, 100k", ["900", "k", "memory", "100", "k"], id="a-unit-is-no-option"),
        pytest.param("Fatah-dominated files -- that", ["fatah", "dominated", "file"], id="dashes-in-prose"),
    ],
)
def test_tokenize(text, tokens):
    assert tokenize(text) == tokens


def test_tokenize_keep_stopwords():
    assert tokenize("The talks of the week", keep_stopwords=True) == ["the", "talk", "of", "the", "week"]


@pytest.mark.parametrize(
    "word,stemmed",
    [
        pytest.param("hostages", "hostage", id="hostages"),
        pytest.param("ties", "tie", id="short-ies-is-plain-s"),
        pytest.param("countries", "country", id="countries"),
        pytest.param("gas", "gas", id="three-letters"),
        pytest.param("bus", "bus", id="us"),
        pytest.param("talk", "talk", id="no-suffix"),
    ],
)
def test_stem(word, stemmed):
    assert stem(word) == stemmed


# --- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,bounds",
    [
        pytest.param("2024", (date(2024, 1, 1), date(2024, 12, 31)), id="year"),
        pytest.param("2024-06", (date(2024, 6, 1), date(2024, 6, 30)), id="month"),
        pytest.param("2024-02", (date(2024, 2, 1), date(2024, 2, 29)), id="leap-february"),
        pytest.param("2023-12", (date(2023, 12, 1), date(2023, 12, 31)), id="december"),
        pytest.param("2024-06-24", (date(2024, 6, 24), date(2024, 6, 24)), id="day"),
        pytest.param(" 2024-6-4 ", (date(2024, 6, 4), date(2024, 6, 4)), id="single-digits-and-spaces"),
        pytest.param("2024-13", None, id="month-13"),
        pytest.param("2023-02-29", None, id="not-a-leap-year"),
        pytest.param("June 2024", None, id="words"),
        pytest.param("2024/06", None, id="slash"),
        pytest.param("", None, id="empty"),
    ],
)
def test_date_bounds(value, bounds):
    assert date_bounds(value) == bounds


@pytest.mark.parametrize(
    "text,expected",
    [
        pytest.param("The 1,200 Talks", ["the", "1200", "talks"], id="lower-no-separator-no-stem"),
        pytest.param("Israel’s", ["israel’s"], id="curly-possessive-one-token"),
        pytest.param("", [], id="empty"),
    ],
)
def test_words(text, expected):
    assert words(text) == expected


def test_stopwords_are_lower_case_and_include_reporting_verbs():
    assert all(w == w.lower() for w in STOPWORDS)
    assert {"said", "says", "according"} <= STOPWORDS and "hostage" not in STOPWORDS


@pytest.mark.parametrize(
    "value,parts",
    [
        pytest.param("2024", (2024, None, None), id="year"),
        pytest.param("2024-06", (2024, 6, None), id="month"),
        pytest.param(" 2024-6-4 ", (2024, 6, 4), id="spaces-single-digits"),
        pytest.param("2024-13", (2024, 13, None), id="shape-only-not-calendar"),
        pytest.param("24 June 2024", None, id="words"),
        pytest.param("", None, id="empty"),
    ],
)
def test_parse_iso(value, parts):
    assert parse_iso(value) == parts


@pytest.mark.parametrize(
    "text,found",
    [
        pytest.param("It was signed in November.", True, id="month"),
        pytest.param("Since 2023 the war ...", True, id="year"),
        pytest.param("He spoke on Monday.", True, id="weekday"),
        pytest.param("They met last week.", True, id="relative"),
        pytest.param("Hamas freed 50 hostages.", False, id="number-not-date"),
        pytest.param("Maybe they will.", False, id="may-needs-capital"),
        pytest.param("", False, id="empty"),
    ],
)
def test_mentions_date(text, found):
    assert mentions_date(text) is found


@pytest.mark.parametrize(
    "text, names",
    [
        ("What did Hezbollah leader Hassan Nasrallah say?", ["Hezbollah", "Hassan", "Nasrallah"]),
        ("Netanyahu met Sinwar's envoy. Blinken left.", ["Sinwar's"]),  # sentence openers are not names
        ("Avenger of Blood: Premosaic", []),  # nor clause openers; "Avenger of Blood" is Title Case
        ("Symbols and Similitudes: Rain and thunder", []),
        ("Minister, Civil: Haman", []),
        ("Blindness: Miraculously inflicted upon the Sodomites", ["Sodomites"]),
        ("How does Israel's Iron Dome work?", ["Israel's", "Iron", "Dome"]),
        ("ABSTINENCE", []),  # all capitals: a heading, no names
        ("how do i undo a commit?", []),
        ("Can I keep the password I've saved in Git?", ["Git"]),  # the first person is nobody's name
    ],
)
def test_proper_names(text, names):
    from assistant.lang.en import proper_names

    assert proper_names(text) == names


def test_unseen_names_are_those_no_indexed_text_holds():
    from assistant.adapters.memory import MemoryKeywordIndex
    from assistant.selection import unseen_names

    kw = MemoryKeywordIndex().fit(["a", "b"], ["Hezbollah fired rockets at Israel.", "Hassan spoke on June 10."])
    question = "What did Hezbollah leader Hassan Nasrallah say about Israel's Dome plan?"
    assert unseen_names(question, kw.idf, len(kw.ids)) == ["Nasrallah", "Dome"]
    assert unseen_names("What did Hezbollah say?", kw.idf, len(kw.ids)) == []
    assert unseen_names("Why did the Hezbollahis fire?", kw.idf, len(kw.ids)) == []  # another form of a seen name
    assert unseen_names("What did Nasrallah say?", kw.idf, len(kw.ids), {"nasrallah"}) == []  # named in metadata


def test_a_topic_query_is_mentioned_when_some_text_holds_its_first_word():
    from assistant.adapters.memory import MemoryKeywordIndex
    from assistant.selection import mentioned_topic

    kw = MemoryKeywordIndex().fit(["a", "b"], ["Bread was made by men.", "Lebanon agreed to a ceasefire."])
    assert mentioned_topic("Bread: Made by men", kw.idf, len(kw.ids))
    assert mentioned_topic("lebanon ceasefire", kw.idf, len(kw.ids))
    assert not mentioned_topic("chocolate cake recipe", kw.idf, len(kw.ids))
    assert not mentioned_topic("Photosynthesis: Light reactions", kw.idf, len(kw.ids))


def test_a_hyphenated_name_is_seen_when_the_text_joins_it():
    from assistant.adapters.memory import MemoryKeywordIndex
    from assistant.selection import unseen_names

    kw = MemoryKeywordIndex().fit(["a", "b"], ["The men of Kirjathjearim fetched the ark.", "They came home."])
    assert unseen_names("Who lived in Kirjath-jearim?", kw.idf, len(kw.ids)) == []
    assert unseen_names("Who lived in Kirjath-sepher?", kw.idf, len(kw.ids)) == ["Kirjath-sepher"]


@pytest.mark.parametrize(
    "a,b,meet",
    [
        pytest.param("mediates", "mediators", True, id="verb-and-agent-noun"),
        pytest.param("negotiations", "negotiate", True, id="noun-and-verb"),
        pytest.param("released", "release", True, id="past-tense"),
        pytest.param("stalled", "stall", True, id="stall"),
        pytest.param("general", "generous", False, id="general-is-not-generous"),
        pytest.param("hostage", "host", False, id="hostage-is-not-host"),
    ],
)
def test_match_form_meets_derivations_only(a, b, meet):
    """Scoring matches a question's words in this coarser form (Snowball on top of the light stem)."""
    from assistant.text import match_form

    assert (match_form(stem(a)) == match_form(stem(b))) is meet


@pytest.mark.parametrize(
    "text,own",
    [
        pytest.param(
            "For the current release, please see Section 4.1, “On what hardware does Debian run?”.",
            "For the current release, please see Section 4.1.",
            id="docbook-see-section",
        ),
        pytest.param(
            "The pool directory holds the packages, see Section 6.10, “What's in the pool directory?”.",
            "The pool directory holds the packages, see Section 6.10.",
            id="content-kept",
        ),
        pytest.param(
            "this runs the postinst (see Section 7.6, “What is a postinst?”) script",
            "this runs the postinst (see Section 7.6) script",
            id="parenthesised",
        ),
        pytest.param('See Chapter 3, "Choosing a distribution".', "See Chapter 3.", id="straight-quotes"),
        pytest.param("See Section 3.2 [Invoking gawk], for the options.", "See Section 3.2, for the options.", id="texinfo"),
        pytest.param(
            "“We are trying,” an official said of Section chiefs.",
            "“We are trying,” an official said of Section chiefs.",
            id="a-quote-is-not-a-title",
        ),
        pytest.param(
            "See Chapter 3, Choosing a distribution, for help.",
            "See Chapter 3, Choosing a distribution, for help.",
            id="unquoted-title-kept",
        ),
        pytest.param("", "", id="empty"),
    ],
)
def test_own_words_leave_out_cross_referenced_titles(text, own):
    """A cross-reference's quoted title names another passage; what the sentence says itself is the rest."""
    from assistant.text import own_words

    assert own_words(text) == own


@pytest.mark.parametrize(
    "question, keywords",
    [
        ("What role does Qatar play?", "What does Qatar ?"),
        ("Did Egypt play a role in the talks?", "Did Egypt a in the talks?"),
        ("Where did the negotiations take place?", "Where did the negotiations ?"),
        ("What happens when a link points nowhere?", "What when a link points nowhere?"),
        ("Who plays the lead in the film?", "Who plays the lead in the film?"),  # playing, with no role to play
        ("What is the role of the mediators?", "What is the role of the mediators?"),  # a role, nothing played
    ],
)
def test_unframed_drops_the_phrases_that_frame_a_question(question, keywords):
    from assistant.lang.en import unframed

    assert unframed(question) == keywords


@pytest.mark.parametrize(
    "name, has, lacks",
    [
        ("GNU GENERAL PUBLIC LICENSE", {"gpl"}, {"gp", "pl"}),
        ("Mozilla Public License Version 2.0", {"mpl"}, set()),
        ("Bureau of Labor Statistics", {"bls"}, {"bols", "ls"}),
        ("Choosing a Debian distribution", set(), {"cd"}),  # two letters say too little
        ("the quick brown fox", set(), {"qbf"}),  # only capitalised words
    ],
)
def test_initialisms_of_a_title(name, has, lacks):
    got = initialisms(name)
    assert has <= got and not lacks & got, got
