"""Load a folder of documents with optional metadata, and find page boilerplate.

Each file goes through the reader for its format (``assistant/readers``): .txt/.md
are decoded as strict UTF-8 with no newline translation, so offsets into
``Document.text`` are offsets into the file as users open it; PDF, HTML and Word
files become their reader's canonical text, which offsets then refer to.  The
file's own metadata (PDF info, HTML meta, DOCX core properties) fills title,
author and date; ``sources.toml`` overrides it.  ``Document.sha256`` hashes the
file's bytes, so extraction is redone only when the file changes (``cache``).
A file that cannot be read is reported by name and skipped; the rest load.

Boilerplate detection is line-based and deliberately conservative: it marks
photo credits ("Evan Vucci/AP", "REUTERS/Tierney L Cross"), the caption line
just above a credit, a "More from ..." / "Related" section and everything after
it, and a trailing list of related-article links ("- Title ›").  Marked spans
are never chunked, so they can be neither retrieved nor cited.  The trade-off:
a caption without a credit line under it is not detected.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import hashlib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from . import lang_en
from .chunking import content_spans
from .readers import EXTRACTION_VERSION, SUFFIXES, read_file, reader_for
from .readers import decode as _decode
from .readers.text import first_heading, first_text_line
from .text import date_bounds
from .types import Block, Document, Extracted, Span, page_from_json

METADATA_FILE = "sources.toml"
MAX_FILE_BYTES = 20 * 1024 * 1024

_CREDIT = re.compile(
    r"^[^\s/][^/\n]{0,60}/[^/\n]{1,60}$"  # "Name/Agency", "REUTERS/Name"
)
# In a "Name/Agency" credit both sides of the slash are capitalised ("Evan Vucci/AP");
# "and/or", "24/7" or "km/h" are ordinary text.
_CREDIT_SLASH = re.compile(r"(?:^|\s)[^\W\d_][\w.'’-]*/[^\W\d_]")
_LINK_TAIL = re.compile(r"[›»→]\s*$")
_GLUED_ITEM = re.compile(r"(?<=[.!?”\"’)])\s*[-•]\s+\S")


@dataclass(frozen=True)
class LoadError:
    """A problem with one corpus file: skipped (not indexed), or a warning (indexed, a value ignored)."""

    source: str
    reason: str
    skipped: bool = True


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
    if lang_en.PAGE_CREDIT_RE.search(s) and len(s.split()) <= 12:
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
        if a >= 0.3 * len(text) and len(text[a:b].strip()) <= 60 and lang_en.PAGE_SECTION_END_RE.match(text[a:b].strip()):
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


def load_metadata(corpus_dir: Path) -> dict[str, dict]:
    path = corpus_dir / METADATA_FILE
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: cannot parse metadata ({e})") from e


TEXT_FIELDS = ("title", "publisher", "author")


def _iso_date(value) -> str | None:
    """A metadata date as an ISO prefix, or None when it is not a real date."""
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if date_bounds(value) is not None else None


def clean_metadata(source: str, raw) -> tuple[dict, list[LoadError]]:
    """The usable fields of one file's metadata table; each bad value is ignored with a warning."""
    if raw is None:
        return {}, []
    if not isinstance(raw, dict):
        return {}, [LoadError(source, f"{METADATA_FILE}: entry is not a table of fields; ignored", skipped=False)]
    out, warnings = {}, []
    for key in TEXT_FIELDS:
        v = raw.get(key)
        if v is None:
            continue
        if isinstance(v, str):
            out[key] = v.strip()
        else:
            warnings.append(LoadError(source, f"{METADATA_FILE}: {key} must be text, got {v!r}; ignored", skipped=False))
    if raw.get("date") not in (None, ""):
        iso = _iso_date(raw["date"])
        if iso is None:
            warnings.append(
                LoadError(
                    source, f"{METADATA_FILE}: bad date {raw['date']!r} ignored (use YYYY, YYYY-MM or YYYY-MM-DD)", skipped=False
                )
            )
        else:
            out["date"] = iso
    return out, warnings


_MARKUP = re.compile(r"^\s*(<[^>]*>|[-=*_~`|+#>]{2,}|!?\[|\{|https?://|www\.)|https?://")


def _default_title(source: str, text: str) -> str:
    """A title for a file without one: its first real heading (Markdown or reStructuredText, never a
    directive or markup), else a short plain first line of text, else its name."""
    heading = first_heading(text)
    if heading and len(heading) <= 200:
        return heading
    first = first_text_line(text)
    plain = first and not _MARKUP.search(first) and any(ch.isalpha() for ch in first)
    if plain and len(first) <= 120 and first[-1:] not in ".!?:;," and not _is_credit(first):
        return first
    return Path(source).stem


def decode(source: str, data: bytes) -> str:
    """Strict UTF-8; raises ValueError with a readable reason."""
    return _decode(data)


def check_upload(name: str, data: bytes, max_bytes: int) -> tuple[str, str]:
    """(file name to save as, '' or the reason to refuse it): the one check every upload path uses."""
    parts = name.replace("\\", "/").split("/")
    base = parts[-1]
    if not base or len(parts) > 1 or base.startswith(".") or base in (".", ".."):
        return base, "unsafe file name (paths and hidden files are not allowed)"
    if Path(base).suffix.lower() not in SUFFIXES:
        return base, f"only {', '.join(SUFFIXES)} files can be added"
    if len(data) > max_bytes:
        return base, f"too large ({len(data) / 2**20:.1f} MB; limit {max_bytes / 2**20:.0f} MB)"
    try:
        if reader_for(base, data).kind == "text":
            text = decode(base, data)
        else:  # PDF, HTML, Word: content sniffed, then read once so a bad file is refused before it is saved
            text = read_file(base, data).text
    except ValueError as e:
        return base, str(e)
    if not text.strip():
        return base, "empty file (no text to index)"
    return base, ""


def file_metadata(source: str, meta: Mapping) -> dict:
    """The usable fields a file states about itself (a reader's ``Extracted.meta``); bad dates are dropped."""
    out = {k: str(meta[k]).strip() for k in (*TEXT_FIELDS, "url") if isinstance(meta.get(k), str) and meta[k].strip()}
    iso = _iso_date(meta.get("date"))
    if iso:
        out["date"] = iso
    return out


def make_document(
    source: str, text: str, meta: dict | None = None, extracted: Extracted | None = None, sha256: str = ""
) -> Document:
    """A Document from its text; ``meta`` must already be clean (see ``clean_metadata``) and wins over
    what the file states about itself (``extracted.meta``)."""
    own = file_metadata(source, extracted.meta if extracted else {})
    meta = {**own, **(meta or {})}
    return Document(
        source=source,
        text=text,
        title=str(meta.get("title") or _default_title(source, text)),
        publisher=str(meta.get("publisher", "")),
        author=str(meta.get("author", "")),
        date=str(meta.get("date", "")),
        boilerplate=merge_spans((*detect_boilerplate(text), *(extracted.furniture if extracted else ()))),
        sha256=sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest(),
        kind=extracted.kind if extracted else "text",
        pages=extracted.pages if extracted else (),
        url=str(meta.get("url", "")),
        file_meta=tuple(sorted(own.items())),
        blocks=extracted.blocks if extracted else (),
    )


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Candidate files (by suffix, hidden names excluded); may include links leading outside."""
    return sorted(
        p
        for p in corpus_dir.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts)
    )


def inside(path: Path, root: Path) -> bool:
    """True when ``path``, with every link resolved, lies inside ``root`` (also resolved)."""
    try:
        return path.resolve(strict=True).is_relative_to(root.resolve(strict=True))
    except (OSError, RuntimeError):  # a dangling or looping link
        return False


def _from_cache(entry: Mapping | None, sha: str) -> Extracted | None:
    """A manifest entry's extraction when it was made from these very bytes by this version of the readers
    (binary and HTML formats only); its boilerplate comes back as the reader's furniture."""
    if not entry or entry.get("sha256") != sha or entry.get("kind", "text") == "text" or "text" not in entry:
        return None
    if entry.get("extraction", 1) != EXTRACTION_VERSION:
        return None
    pages = tuple(page_from_json(p) for p in entry.get("pages", []))
    furniture = tuple(Span(a, b) for a, b in entry.get("boilerplate", []))
    meta = dict(entry.get("file_meta", {}))
    blocks = tuple(Block(k, a, b, lv) for k, a, b, lv in entry.get("blocks", []))
    return Extracted(entry["text"], entry["kind"], meta, pages, furniture, blocks)


def read_source(path: Path, source: str, root: Path, cached: Mapping | None = None) -> tuple[Extracted, str]:
    """One corpus file's extraction and the sha256 of its bytes; raises ValueError with a readable reason.

    ``cached`` is this file's manifest entry: when its hash matches the file, the
    stored extraction is used and the file is not parsed again."""
    if not inside(path, root):
        raise ValueError("leads outside the corpus folder (a link); not indexed")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"larger than {MAX_FILE_BYTES // 2**20} MB")
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    extracted = _from_cache(cached, sha) or read_file(source, data)
    if not extracted.text.strip():
        raise ValueError("empty file (no text to index)")
    return extracted, sha


def load_corpus(corpus_dir: Path, cache: Mapping[str, Mapping] | None = None) -> tuple[list[Document], list[LoadError]]:
    """All readable documents of a folder, plus one LoadError per skipped file or ignored value.

    ``cache`` maps a source to its manifest entry (``index.cached_extractions``), so
    unchanged PDF, HTML and Word files are not parsed again."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus_dir}")
    docs, errors = [], []
    try:
        meta = load_metadata(corpus_dir)
    except ValueError as e:  # one broken metadata file must not hide the documents
        meta = {}
        errors.append(LoadError(METADATA_FILE, f"{e}; all metadata ignored", skipped=False))
    for path in corpus_files(corpus_dir):
        source = path.relative_to(corpus_dir).as_posix()
        try:
            extracted, sha = read_source(path, source, corpus_dir, (cache or {}).get(source))
        except (OSError, ValueError) as e:
            errors.append(LoadError(source, str(e)))
            continue
        fields, warnings = clean_metadata(source, meta.get(source))
        errors.extend(warnings)
        docs.append(make_document(source, extracted.text, fields, extracted, sha))
    known = {d.source for d in docs} | {e.source for e in errors}
    errors.extend(
        LoadError(name, f"{METADATA_FILE} describes a file that is not in the corpus folder", skipped=False)
        for name in sorted(set(meta) - known)
    )
    return docs, errors
