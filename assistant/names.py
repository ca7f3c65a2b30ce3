"""File names and labels that are safe to print on one line, in a terminal or a page.

A file name or a title is data from outside: one holding a newline can print a
fake ``Skipped ...`` line under the real ones, and a bidirectional override
(U+202E) reverses what a reader sees after it ("txt.exe" shown for "exe.txt").
Names with such characters are refused by name (``name_problem``), every name
printed goes through ``printable`` (escaped, so nothing is hidden), and titles,
authors and publishers through ``clean_label`` (one plain line).
"""

from __future__ import annotations

import unicodedata

# Bidirectional controls reorder what a terminal or a page shows ("txt.exe" for "exe.txt").
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _unsafe(c: str) -> bool:
    return c in BIDI_CONTROLS or unicodedata.category(c) in ("Cc", "Zl", "Zp")


def printable(text: str) -> str:
    """``text`` with every control character and bidirectional override escaped (``\\n``, ``\\u202e``):
    a file name printed on one line can neither start a fake line nor reverse what follows."""
    if not any(_unsafe(c) for c in text):
        return text
    return "".join(c.encode("unicode_escape").decode("ascii") if _unsafe(c) else c for c in text)


def clean_label(text: str) -> str:
    """A title, author or publisher as one plain line: controls and bidirectional overrides removed."""
    return " ".join("".join(" " if _unsafe(c) else c for c in text).split())


def name_problem(name: str) -> str:
    """'' or why a file name is refused (control characters or bidirectional overrides)."""
    if any(_unsafe(c) for c in name):
        return "the file name contains control characters or bidirectional overrides; rename it"
    return ""
