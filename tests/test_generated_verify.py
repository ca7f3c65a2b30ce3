"""Generated answers, step 3 (``generated.verify``): the fast judge and the yes/no reader."""

from __future__ import annotations

import pytest

from assistant.generated.verify import fast_verdict, numbers, read_yes_no

# --- parsing ---------------------------------------------------------------------------------


EVIDENCE = ["Hamas released 105 hostages and Israel released 240 Palestinian prisoners during the truce."]


@pytest.mark.unit
@pytest.mark.parametrize(
    "claim, cited, supported, why",
    [
        ("Hamas released 105 hostages during the truce.", EVIDENCE, True, ""),
        ("Hamas released 150 hostages during the truce.", EVIDENCE, False, "figure 150"),
        (
            "The first phase would last three weeks.",
            ["First, over a period of six weeks, troops would withdraw."],
            False,
            "figure three",
        ),
        ("The first phase would last six weeks.", ["First, over a period of 6 weeks, troops would withdraw."], True, ""),
        # known limit: a sentence's first word is not checked as a name (it is capitalised anyway)
        ("Egypt released 105 hostages during the truce.", EVIDENCE, True, ""),
        ("During the truce Qatar released 105 hostages.", EVIDENCE, False, "name “qatar”"),
        # a figure only the source's date (or its title) gives is not supported: only cited text counts
        ("In 2024, Hamas released 105 hostages.", EVIDENCE, False, "figure 2024"),
        ("The weather was pleasant and sunny throughout.", EVIDENCE, False, "says little"),
        ("Hamas released 105 hostages.", [], False, "cites no evidence"),
    ],
)
def test_fast_verdict(claim, cited, supported, why):
    v = fast_verdict(claim, cited, cosine=0.0, min_lexical=0.5, min_cosine=0.7)
    assert v.supported is supported
    assert why in v.reason


@pytest.mark.unit
def test_high_similarity_supports_a_paraphrase_with_the_same_figures():
    claim = "Some 105 captives were freed."
    assert not fast_verdict(claim, EVIDENCE, cosine=0.2, min_lexical=0.5, min_cosine=0.7).supported
    assert fast_verdict(claim, EVIDENCE, cosine=0.8, min_lexical=0.5, min_cosine=0.7).supported


@pytest.mark.unit
@pytest.mark.parametrize(
    "claim, cited, supported",
    [
        ("Missiles from Iran hit Israeli towns.", ["Iranian missiles hit towns in Israel."], True),
        ("The United States voted for the resolution.", ["The US voted for the resolution."], True),
        ("In December, Hamas released 105 hostages.", ["In Dec. 2023 Hamas released 105 hostages."], True),
        ("In December, Hamas released 105 hostages.", EVIDENCE, False),  # only the source's date says December
        ("The analyst Natan Sachs said Israel was less eager.", ["Sachs said Israel was less eager."], False),
        ("The analyst Natan Sachs said Israel was less eager.", ["Natan Sachs said Israel was less eager."], True),
    ],
)
def test_names_may_take_another_form_but_must_be_there(claim, cited, supported):
    assert fast_verdict(claim, cited, 0.0, 0.5, 0.7).supported is supported


@pytest.mark.unit
@pytest.mark.parametrize("text, want", [("The deal frees 1,200 people.", ["1200"]), ("Sinwar's envoy in 2024.", ["2024"])])
def test_numbers(text, want):
    assert numbers(text) == want


@pytest.mark.unit
@pytest.mark.parametrize("reply, want", [("Yes", True), ("no.", False), ("YES, it is", True), ("maybe", None)])
def test_read_yes_no(reply, want):
    assert read_yes_no(reply) is want


# --- the whole flow, scripted generator, real retrieval ----------------------------------------
