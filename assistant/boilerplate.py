"""Page boilerplate in a document's text: photo credits and their captions, teaser sections, link lists.

Web pages saved as text carry furniture around the article: a "Name/Agency" credit
under a photo and the caption above it, a "More from ..." or "Related" section at
the end, a trailing list of related-article links.  Its spans are marked so that it
is never chunked, retrieved or cited.  The English cue words ("Photo by", "Read
more") live in the language module; the rules here are about layout.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

from . import lang
from .chunking import content_spans
from .types import Span

_CREDIT = re.compile(
    r"^[^\s/][^/\n]{0,60}/[^/\n]{1,60}$"  # "Name/Agency", "REUTERS/Name"
)
# In a "Name/Agency" credit both sides of the slash are capitalised ("Evan Vucci/AP");
# "and/or", "24/7" or "km/h" are ordinary text.
_CREDIT_SLASH = re.compile(r"(?:^|\s)[^\W\d_][\w.'’-]*/[^\W\d_]")
_LINK_TAIL = re.compile(r"[›»→]\s*$")
_GLUED_ITEM = re.compile(r"(?<=[.!?”\"’)])\s*[-•]\s+\S")


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line, end excluding the newline."""
    out, pos = [], 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        out.append((pos, pos + len(body)))
        pos += len(line)
    return out


def _is_credit(line: str) -> bool:
    s = line.strip()
    if not s or len(s) > 90 or s[-1] in '.!?:;"”':
        return False
    if lang.current.PAGE_CREDIT_RE.search(s) and len(s.split()) <= 12:
        return True
    if not (_CREDIT.match(s) and len(s.split()) <= 10 and "http" not in s) or any(c in s for c in ":()"):
        return False
    m = _CREDIT_SLASH.search(s)
    if not m:
        return False
    left, right = m.group(0).strip().split("/", 1)
    return left[0].isupper() and right[0].isupper()


def detect_boilerplate(text: str) -> tuple[Span, ...]:
    """Spans of page furniture: credits, captions, teaser sections, link lists."""
    lines = _lines(text)
    marked: list[Span] = []
    nonblank = [i for i, (a, b) in enumerate(lines) if text[a:b].strip()]
    prev_nonblank = {nonblank[k]: nonblank[k - 1] for k in range(1, len(nonblank))}

    # 1. "More from X" / "Related" near the end: that line to the end of the file.
    cut = len(text)
    for i in nonblank:
        a, b = lines[i]
        if a >= 0.3 * len(text) and len(text[a:b].strip()) <= 60 and lang.current.PAGE_SECTION_END_RE.match(text[a:b].strip()):
            cut = a
            break

    # 2. Trailing related-article links ("- Title ›"), possibly glued to the last sentence.
    for i in reversed(nonblank):
        a, b = lines[i]
        if a >= cut:
            continue
        line = text[a:b]
        if not _LINK_TAIL.search(line):
            break
        stripped = line.lstrip()
        if stripped[:1] in "-•*" or len(line) < 160:
            cut = a + len(line) - len(stripped)
            continue
        glued = list(_GLUED_ITEM.finditer(line))  # "...last sentence.- Link title ›"
        if glued:
            cut = a + glued[-1].start()
        break
    if cut < len(text):
        marked.append(Span(cut, len(text)))

    # 3. Credits, and the caption line(s) right above each credit.  A line of a hard-wrapped
    #    paragraph ("... (Debian GNU/Linux and") is never a credit: a credit stands on its own line.
    wrapped = _wrapped_lines(text, lines)
    for i in nonblank:
        a, b = lines[i]
        if a >= cut or i in wrapped or not _is_credit(text[a:b]):
            continue
        marked.append(Span(a, b))
        j = prev_nonblank.get(i)
        if j is not None:
            ca, cb = lines[j]
            caption = text[ca:cb].strip()
            if len(caption) <= 400 and not _is_credit(caption):
                marked.append(Span(ca, cb))
                k = prev_nonblank.get(j)  # a caption repeated verbatim (alt text + caption)
                if k is not None and text[lines[k][0] : lines[k][1]].strip() == caption:
                    marked.append(Span(*lines[k]))
    return merge_spans(marked)


def _wrapped_lines(text: str, lines: list[tuple[int, int]]) -> set[int]:
    """Indexes of the lines that belong to a hard-wrapped paragraph of several lines."""
    starts = [a for a, _ in lines]
    out: set[int] = set()
    for para in content_spans(text, ()):
        if "\n" in text[para.start : para.end]:
            first = bisect.bisect_left(starts, para.start)
            out.update(range(first, bisect.bisect_right(starts, para.end - 1)))
    return out


def merge_spans(spans: Iterable[Span]) -> tuple[Span, ...]:
    out: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.start, s.end)):
        if out and s.start <= out[-1].end:
            out[-1] = Span(out[-1].start, max(out[-1].end, s.end))
        else:
            out.append(s)
    return tuple(out)
