"""Markdown files: the text as it is (offsets are the file's), with its headings marked as the author set them.

The canonical text is the file's own, decoded as for plain text; only the
layout is added: each ATX heading (``## Install``, level = the number of ``#``)
and each setext heading (a line underlined with ``===``, level 1, or ``---``,
level 2) is a heading block spanning its line, so a passage's section is known
("Guide › Install") and a question naming the section finds the passage under
it.  Fenced code (```` ``` ```` / ``~~~``) and YAML front matter hold no headings.  A Pandoc title block
("% Rust Release Notes" on the first line, then "% author" and "% date") states the file's title.

Trade-offs: a setext heading is one line (a paragraph of several lines
underlined with ``---`` is read as text and a rule); indented code blocks are
not told apart from text, so a ``# comment`` line in one, indented four spaces,
is not a heading but one indented less would be.
"""

from __future__ import annotations

import re

from ..types import Block, Extracted
from .text import FENCE, decode, front_matter_end

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+\S")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_NOT_A_TITLE = re.compile(r"^ {0,3}(?:[-*+>]|\d+[.)])\s|^\s{4}|^\s*$")  # a list item, a quote, code, a blank line


def headings(text: str) -> tuple[Block, ...]:
    """The heading blocks of a Markdown text, in order: each spans its heading line (marks included)."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    out: list[Block] = []
    fence = ""
    for i in range(front_matter_end(lines), len(lines)):
        line = lines[i].rstrip("\r\n")
        if m := FENCE.match(line):
            fence = "" if fence and m.group(1) == fence else (fence or m.group(1))
            continue
        if fence:
            continue
        start, end = starts[i] + len(line) - len(line.lstrip()), starts[i] + len(line.rstrip())
        if m := _ATX.match(line):
            out.append(Block("heading", start, end, len(m.group(1))))
            continue
        below = lines[i + 1].rstrip("\r\n") if i + 1 < len(lines) else ""
        before = lines[i - 1].strip() if i > 0 else ""
        if (m := _SETEXT.match(below)) and not _NOT_A_TITLE.match(line) and not before:
            out.append(Block("heading", start, end, 1 if m.group(1)[0] == "=" else 2))
    return tuple(out)


def title_block(text: str) -> dict:
    """What a Pandoc title block states: up to three lines at the top, each opening with "% " (title, author,
    date: "% Rust Release Notes"); a field left empty ("%" alone) is skipped."""
    out = {}
    for key, line in zip(("title", "author", "date"), text[:2000].splitlines()[:3], strict=False):
        if not line.startswith("%"):
            break
        if value := " ".join(line[1:].split()):
            out[key] = value
    return out


class MarkdownReader:
    kind = "text"

    def read(self, name: str, data: bytes) -> Extracted:
        text = decode(data)
        return Extracted(text=text, kind=self.kind, meta=title_block(text), blocks=headings(text))
