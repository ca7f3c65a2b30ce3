"""Load a folder of text files with optional metadata, and find page boilerplate.

Files are decoded as strict UTF-8 with no newline translation, so offsets into
``Document.text`` are offsets into the file as users open it.  A file that does
not decode is reported by name and skipped; the rest load.

Boilerplate detection is line-based and deliberately conservative: it marks
photo credits ("Evan Vucci/AP", "REUTERS/Tierney L Cross"), the caption line
just above a credit, a "More from ..." / "Related" section and everything after
it, and a trailing list of related-article links ("- Title ›").  Marked spans
are never chunked, so they can be neither retrieved nor cited.  The trade-off:
a caption without a credit line under it is not detected.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .types import Document, Span

SUFFIXES = {".txt", ".md"}
METADATA_FILE = "sources.toml"
MAX_FILE_BYTES = 20 * 1024 * 1024

_CREDIT = re.compile(
    r"^[^\s/][^/\n]{0,60}/[^/\n]{1,60}$"  # "Name/Agency", "REUTERS/Name"
)
# In a "Name/Agency" credit both sides of the slash are capitalised ("Evan Vucci/AP");
# "and/or", "24/7" or "km/h" are ordinary text.
_CREDIT_SLASH = re.compile(r"(?:^|\s)[^\W\d_][\w.'’-]*/[^\W\d_]")
_CREDIT_WORDS = re.compile(
    r"(getty images|via reuters|reuters connect|associated press|^photo(graph)?( by|:)|"
    r"^(image|credit|photo) ?(credit)?:)",
    re.I,
)
_SECTION_END = re.compile(
    r"^(more from\b.*|related( articles| stories| coverage)?:?|read more:?|recommended( for you)?:?|"
    r"you (may|might) also like:?|most (read|popular):?|more stories:?)$",
    re.I,
)
_LINK_TAIL = re.compile(r"[›»→]\s*$")
_GLUED_ITEM = re.compile(r"(?<=[.!?”\"’)])\s*[-•]\s+\S")


@dataclass(frozen=True)
class LoadError:
    source: str
    reason: str


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
    if not s or len(s) > 90 or s[-1] in ".!?:;\"”":
        return False
    if _CREDIT_WORDS.search(s) and len(s.split()) <= 12:
        return True
    if not (_CREDIT.match(s) and len(s.split()) <= 10 and "http" not in s):
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
        if a >= 0.3 * len(text) and len(text[a:b].strip()) <= 60 and _SECTION_END.match(text[a:b].strip()):
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

    # 3. Credits, and the caption line(s) right above each credit.
    for i in nonblank:
        a, b = lines[i]
        if a >= cut or not _is_credit(text[a:b]):
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


def merge_spans(spans: Iterable[Span]) -> tuple[Span, ...]:
    out: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.start, s.end)):
        if out and s.start <= out[-1].end:
            out[-1] = Span(out[-1].start, max(out[-1].end, s.end))
        else:
            out.append(s)
    return tuple(out)


def load_metadata(corpus_dir: Path) -> dict[str, dict]:
    path = corpus_dir / METADATA_FILE
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: cannot parse metadata ({e})") from e


def _default_title(source: str, text: str) -> str:
    first = text.strip().split("\n", 1)[0].strip() if text.strip() else ""
    if 0 < len(first) <= 120 and first[-1:] not in ".!?":
        return first
    return Path(source).stem


def decode(source: str, data: bytes) -> str:
    """Strict UTF-8; raises ValueError with a readable reason."""
    if b"\x00" in data[:4096]:
        raise ValueError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"not UTF-8 text (byte {e.start}: {e.reason})") from e


def make_document(source: str, text: str, meta: dict | None = None) -> Document:
    meta = meta or {}
    return Document(
        source=source,
        text=text,
        title=str(meta.get("title") or _default_title(source, text)),
        publisher=str(meta.get("publisher", "")),
        author=str(meta.get("author", "")),
        date=str(meta.get("date", "")),
        boilerplate=detect_boilerplate(text),
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def corpus_files(corpus_dir: Path) -> list[Path]:
    return sorted(
        p
        for p in corpus_dir.rglob("*")
        if p.is_file() and p.suffix.lower() in SUFFIXES and not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts)
    )


def load_corpus(corpus_dir: Path) -> tuple[list[Document], list[LoadError]]:
    """All readable documents of a folder, plus one LoadError per skipped file."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus_dir}")
    meta = load_metadata(corpus_dir)
    docs, errors = [], []
    for path in corpus_files(corpus_dir):
        source = path.relative_to(corpus_dir).as_posix()
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise ValueError(f"larger than {MAX_FILE_BYTES // 2**20} MB")
            text = decode(source, path.read_bytes())
        except (OSError, ValueError) as e:
            errors.append(LoadError(source, str(e)))
            continue
        docs.append(make_document(source, text, meta.get(source)))
    return docs, errors
