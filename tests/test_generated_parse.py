"""Generated answers, step 2 (``generated.parse``): the reply's sentences and markers."""

from __future__ import annotations

import pytest

from assistant.generated.parse import parse

# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    "reply, n, claims, invalid",
    [
        ("The truce began in November. [1]", 3, [("The truce began in November.", (1,))], 0),
        ("A happened [1][2]. B followed [3].", 3, [("A happened.", (1, 2)), ("B followed.", (3,))], 0),
        ("A happened. [2] B followed. [1, 3]", 3, [("A happened.", (2,)), ("B followed.", (1, 3))], 0),
        ("A happened [7]. B followed [2].", 3, [("A happened.", ()), ("B followed.", (2,))], 1),
        ("A happened [0][2][2].", 3, [("A happened.", (2,))], 1),
        ("No markers at all.", 3, [("No markers at all.", ())], 0),
        ("First line [1]\n- second line [2]", 2, [("First line", (1,)), ("- second line", (2,))], 0),
    ],
)
def test_parse_assigns_markers_to_sentences(reply, n, claims, invalid):
    parsed = parse(reply, n)
    assert [(c.text, c.cites) for c in parsed.claims] == claims
    assert parsed.invalid_markers == invalid
    assert not parsed.no_answer


@pytest.mark.unit
@pytest.mark.parametrize("reply", ["NOT IN SOURCES", "not in sources.", "  Not in the sources  "])
def test_parse_reads_the_no_answer_reply(reply):
    assert parse(reply, 3).no_answer


# --- the fast judge -----------------------------------------------------------------------------
