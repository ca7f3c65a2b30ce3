"""Plain text and Markdown: the file's bytes decoded as strict UTF-8, nothing else.

No newline translation, so offsets into the text are offsets into the file as
users open it.  The file states no metadata; the corpus loader falls back to the
first line for a title.
"""

from __future__ import annotations

import re

from ..types import Extracted


def decode(data: bytes) -> str:
    """Strict UTF-8; raises ValueError with a readable reason."""
    nul = data.find(b"\x00")  # anywhere: a NUL after the first KB would reach quotes
    if nul >= 0:
        raise ValueError(f"binary file (contains NUL bytes, the first at byte {nul:,})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"not UTF-8 text (byte {e.start}: {e.reason})") from e


class TextReader:
    kind = "text"

    def read(self, name: str, data: bytes) -> Extracted:
        return Extracted(text=decode(data), kind=self.kind)


# Titles of Markdown and reStructuredText files that state none: the first real heading, never markup.
_ATX = re.compile(r"^ {0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_ADORNMENT = re.compile(r"^([=\-~^*+#`':\".])\1{2,}\s*$")  # an RST over/underline or a setext underline
FENCE = re.compile(r"^ {0,3}(```|~~~)")  # a fenced code block opens or closes (group 1: its marker)
# RST directives and comments (".. only:: html"), field lists, HTML comments, badges, link definitions
_NOT_TEXT = re.compile(r"^\s*(?:\.\.(?:\s|$)|:[\w -]+:(?:\s|$)|<!--|\[!\[|\[[^\]]+\]:\s)")
_INLINE = (
    (re.compile(r":[\w:+-]+:`([^`<]+?)\s*(?:<[^>]*>)?`"), r"\1"),  # :ref:`Title <target>`
    (re.compile(r"`{1,2}([^`]+?)`{1,2}_?"), r"\1"),
    (re.compile(r"(\*{1,2}|_{1,2})(\S(?:.*?\S)?)\1"), r"\2"),
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),
)


def _plain(title: str) -> str:
    for pattern, repl in _INLINE:
        title = pattern.sub(repl, title)
    return " ".join(title.split())


def front_matter_end(lines: list[str]) -> int:
    """The index of the first line after a Markdown file's YAML front matter (0 when it has none)."""
    if lines and lines[0].strip() == "---":
        return next((i + 1 for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), 0)
    return 0


def _lines_of_text(text: str, limit: int = 400) -> list[tuple[int, str]]:
    """(index, line) of the lines that may hold text: front matter, fenced code and directive bodies left out."""
    lines = text[:40_000].splitlines()[:limit]
    out, fenced, directive = [], False, False
    for i in range(front_matter_end(lines), len(lines)):
        line = lines[i]
        if FENCE.match(line):
            fenced = not fenced
            continue
        if directive and (not line.strip() or line[:1].isspace()):  # a directive's indented body
            continue
        directive = bool(_NOT_TEXT.match(line))
        if not fenced and not directive:
            out.append((i, line))
    return out


def front_matter_title(text: str) -> str:
    m = re.match(r"---\r?\n(.*?)\r?\n(?:---|\.\.\.)\s*(?:\n|$)", text[:8000], re.S)
    t = re.search(r"^title:\s*[\"']?(.+?)[\"']?\s*$", m.group(1), re.M) if m else None
    return _plain(t.group(1)) if t else ""


def first_heading(text: str) -> str:
    """The first real heading of Markdown or reStructuredText, as plain text; '' when there is none.

    An ATX heading ("# Title"), a line underlined (or over- and underlined) with
    ``=``, ``-``, ``~`` and the like, or the front matter's ``title:``.  RST directives
    and their bodies (".. only:: html"), comments, field lists, fenced code and
    badges are never titles; inline markup is removed ("**Install** `tool`" ->
    "Install tool").  A heading after the first line of text (a README that opens with its pitch, then
    "## Benchmarks") names a section, not the file.  Trade-off: only the first 400 lines are looked at.
    """
    if found := front_matter_title(text):
        return found
    lines = _lines_of_text(text)
    raw = text[:40_000].splitlines()
    for i, line in lines:
        if m := _ATX.match(line):
            return _plain(m.group(1))
        if not line.strip() or _ADORNMENT.match(line):
            continue
        below = raw[i + 1] if i + 1 < len(raw) else ""
        if _ADORNMENT.match(below) and not line[:1].isspace():
            return _plain(line)
        if not line.lstrip().startswith("<"):
            return ""  # text before any heading: a later heading names a section, not the file ("## Benchmarks")
    return ""


def first_text_line(text: str) -> str:
    """The first line that holds text (not markup, a directive, front matter or a rule), stripped; '' if none."""
    return next((line.strip() for _, line in _lines_of_text(text) if line.strip() and not _ADORNMENT.match(line)), "")
