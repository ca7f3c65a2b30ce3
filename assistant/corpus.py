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

import datetime as _dt
import hashlib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import lang
from .boilerplate import _is_credit, detect_boilerplate, merge_spans
from .names import clean_label, name_problem, printable
from .readers import SUFFIXES, OcrOptions, check_file, extracted_by_current_readers, read_file, sniff
from .readers import decode as _decode
from .readers.text import first_heading, first_text_line
from .text import date_bounds
from .types import Block, Document, Extracted, Span, page_from_json

METADATA_FILE = "sources.toml"
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class LoadError:
    """A problem with one corpus file: skipped (not indexed), or a warning (indexed, a value ignored).

    ``source`` and ``reason`` are stored ``printable``: they are printed as ``Skipped <source>: <reason>``.
    ``upload`` is the file's position in an upload batch (-1 for a corpus file)."""

    source: str
    reason: str
    skipped: bool = True
    upload: int = -1

    def __post_init__(self):
        object.__setattr__(self, "source", printable(self.source))
        object.__setattr__(self, "reason", printable(self.reason))


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


def _default_title(source: str, text: str, markup: bool = True) -> str:
    """A title for a file without one: its first real heading (Markdown or reStructuredText, never a
    directive or markup; only where the text is such a file: a PDF's code sample "# This file was generated"
    is no heading), else a short plain first line of text, else its name."""
    heading = first_heading(text) if markup else ""
    if heading and len(heading) <= 200:
        return heading
    first = first_text_line(text)
    plain = first and not _MARKUP.search(first) and any(ch.isalpha() for ch in first)
    if plain and len(first) <= 120 and first[-1:] not in ".!?:;," and not _is_credit(first):
        return first
    return Path(source).stem


TITLE_SCAN_CHARS = 3000  # where an unpaged laid-out file sets its title


def _layout_title(text: str, extracted: Extracted | None) -> str:
    """The title a laid-out file (PDF, Word, a scan) sets on its first page: the highest-ranked heading there, the
    first of them on a tie; "" for plain text and Markdown or without one.  A running head ("fasta-36.3.8i
    November 13, 2022") is furniture, never a heading, so it is never the title; nor is a sentence set as a
    heading (one that ends in a full stop)."""
    if extracted is None or extracted.kind == "text":
        return ""
    first = extracted.pages[0].end if extracted.pages else TITLE_SCAN_CHARS
    heads = [b for b in extracted.blocks if b.kind == "heading" and b.start < first]
    if not heads:
        return ""
    title = " ".join(text[(top := min(heads, key=lambda b: b.level)).start : top.end].split())
    return "" if title[-1:] in ".;,:" else title  # a sentence set as a heading is no title


def _unfurnished(text: str, extracted: Extracted | None) -> str:
    """The start of ``text`` (``TITLE_SCAN_CHARS``) with its page furniture blanked (running heads, page numbers,
    never a title), or ``text`` itself when it has none."""
    if extracted is None or not extracted.furniture:
        return text
    chars = list(text[:TITLE_SCAN_CHARS])
    for f in extracted.furniture:
        chars[f.start : f.end] = [c if c == "\n" else " " for c in chars[f.start : f.end]]
    return "".join(chars)


def decode(source: str, data: bytes) -> str:
    """Strict UTF-8; raises ValueError with a readable reason."""
    return _decode(data)


def check_upload(name: str, data: bytes, max_bytes: int) -> tuple[str, str]:
    """(file name to save as, '' or the reason to refuse it): the one check every upload path uses."""
    parts = name.replace("\\", "/").split("/")
    base = parts[-1]
    if not base or len(parts) > 1 or base.startswith(".") or base in (".", ".."):
        return base, "unsafe file name (paths and hidden files are not allowed)"
    if name_problem(base):
        return base, name_problem(base)
    if Path(base).suffix.lower() not in SUFFIXES:
        return base, f"only {', '.join(SUFFIXES)} files can be added"
    if len(data) > max_bytes:
        return base, f"too large ({len(data) / 2**20:.1f} MB; limit {max_bytes / 2**20:.0f} MB)"
    try:  # content sniffed, then read once (OCR aside) so a bad file is refused before it is saved
        text = check_file(base, data)
    except ValueError as e:
        return base, str(e)
    if not text.strip() and sniff(data) not in ("image", "pdf"):  # a scan's text is read by OCR when it is indexed
        return base, "empty file (no text to index)"
    return base, ""


def plan_uploads(
    files: Sequence[tuple[str, bytes]], corpus_dir: Path, max_bytes: int, replace: bool
) -> tuple[list[tuple[str, bytes]], list[LoadError]]:
    """(base name, bytes) of the uploads to save, and a LoadError per refused one. A name taken by a different
    file in the corpus is refused unless ``replace``; of two uploads with one name the first is kept."""
    accepted: list[tuple[str, bytes]] = []
    refused: list[LoadError] = []  # in batch order, each with its position
    for i, (name, data) in enumerate(files):
        base, reason = check_upload(name, data, max_bytes)
        if not reason and base in {b for b, _ in accepted}:
            reason = f"another file in this upload is also named {base}; the first one was kept"
        target = Path(corpus_dir) / base
        if not (reason or replace) and target.exists() and target.read_bytes() != data:
            reason = f"a different file named {base} is already in the corpus; rename the upload, or choose to replace it"
        if reason:
            refused.append(LoadError(name, reason, upload=i))
        else:
            accepted.append((base, data))
    return accepted, refused


def save_uploads(
    corpus_dir: Path, files: Sequence[tuple[str, bytes]], max_bytes: int, replace: bool = False
) -> tuple[list[str], list[LoadError]]:
    """Write the uploads ``plan_uploads`` accepts into the corpus folder: (names saved, files refused with why).

    Each file is written under a temporary name and renamed, so a reader never sees half of one."""
    corpus = Path(corpus_dir)
    accepted, refused = plan_uploads(files, corpus, max_bytes, replace)
    for base, data in accepted:
        tmp = corpus / f".{base}.upload"
        tmp.write_bytes(data)
        tmp.replace(corpus / base)
    return [b for b, _ in accepted], refused


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
        title=clean_label(str(meta.get("title") or ""))
        or clean_label(_layout_title(text, extracted))
        or clean_label(_default_title(source, _unfurnished(text, extracted), not extracted or extracted.kind == "text"))
        or Path(source).stem,
        publisher=clean_label(str(meta.get("publisher", ""))),
        author=clean_label(str(meta.get("author", ""))),
        date=str(meta.get("date", "")),
        boilerplate=merge_spans((*detect_boilerplate(text), *(extracted.furniture if extracted else ()))),
        sha256=sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest(),
        kind=extracted.kind if extracted else "text",
        pages=extracted.pages if extracted else (),
        url=str(meta.get("url", "")),
        file_meta=tuple(sorted(own.items())),
        blocks=extracted.blocks if extracted else (),
        ocr=extracted.ocr if extracted else "",
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


def _from_cache(entry: Mapping | None, source: str, sha: str, ocr: OcrOptions | None = None) -> Extracted | None:
    """A manifest entry's extraction when it was made from these very bytes by this version of the readers
    (binary and HTML formats only) and, when OCR read some of it, by this OCR (engine, languages, dpi);
    its boilerplate comes back as the reader's furniture."""
    if not entry or entry.get("sha256") != sha or entry.get("kind", "text") == "text" or "text" not in entry:
        return None
    if not extracted_by_current_readers(source, entry["kind"], entry.get("extraction", 1)):
        return None
    if entry.get("ocr") and (ocr is None or entry["ocr"] != ocr.key):
        return None
    pages = tuple(page_from_json(p) for p in entry.get("pages", []))
    furniture = tuple(Span(a, b) for a, b in entry.get("boilerplate", []))
    meta = dict(entry.get("file_meta", {}))
    blocks = tuple(Block(k, a, b, lv) for k, a, b, lv in entry.get("blocks", []))
    return Extracted(entry["text"], entry["kind"], meta, pages, furniture=furniture, blocks=blocks, ocr=entry.get("ocr", ""))


def read_source(
    path: Path, source: str, root: Path, cached: Mapping | None = None, ocr: OcrOptions | None = None
) -> tuple[Extracted, str]:
    """One corpus file's extraction and the sha256 of its bytes; raises ValueError with a readable reason.

    ``cached`` is this file's manifest entry: when its hash matches the file, the
    stored extraction is used and the file is not parsed again.  ``ocr`` reads scans and images."""
    if name_problem(source):
        raise ValueError(f"{name_problem(source)}; not indexed")
    if not inside(path, root):
        raise ValueError("leads outside the corpus folder (a link); not indexed")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"larger than {MAX_FILE_BYTES // 2**20} MB")
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    extracted = _from_cache(cached, source, sha, ocr) or read_file(source, data, ocr)
    if not extracted.text.strip():
        raise ValueError("empty file (no text to index)")
    return extracted, sha


# the documents the last ``load_corpus`` of this process made: a re-index (``serve`` watching its folder)
# makes again only those of changed files (boilerplate and title detection are the cost at 100k chunks)
_made: dict[tuple, Document] = {}


def _remembered(source: str, sha: str, fields: dict, extracted: Extracted, made: dict) -> Document:
    """``make_document`` of these inputs, or the last load's result when they are the same; kept in ``made``
    for the next load (files read by OCR are always made again: the OCR settings are not in the key)."""
    if extracted.ocr:
        return make_document(source, extracted.text, fields, extracted, sha)
    key = (source, sha, repr(sorted(fields.items())), extracted.kind, lang.current.__name__)
    made[key] = _made.get(key) or make_document(source, extracted.text, fields, extracted, sha)
    return made[key]


def load_corpus(
    corpus_dir: Path, cache: Mapping[str, Mapping] | None = None, ocr: OcrOptions | None = None
) -> tuple[list[Document], list[LoadError]]:
    """All readable documents of a folder, plus one LoadError per skipped file or ignored value.

    ``cache`` maps a source to its manifest entry (``indexing.cached_extractions``), so
    unchanged PDF, HTML and Word files are not parsed again; ``ocr`` reads scanned
    pages and images (None: they are skipped by name)."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus_dir}")
    docs, errors, made = [], [], {}
    try:
        meta = load_metadata(corpus_dir)
    except ValueError as e:  # one broken metadata file must not hide the documents
        meta = {}
        errors.append(LoadError(METADATA_FILE, f"{e}; all metadata ignored", skipped=False))
    for path in corpus_files(corpus_dir):
        source = path.relative_to(corpus_dir).as_posix()
        try:
            extracted, sha = read_source(path, source, corpus_dir, (cache or {}).get(source), ocr)
        except Exception as e:  # a reader failing on a hostile file must not stop the others (or `serve`)
            known = isinstance(e, (OSError, ValueError))
            errors.append(LoadError(source, str(e) if known else f"unreadable ({type(e).__name__}: {e}); not indexed"))
            continue
        errors.extend(LoadError(source, w, skipped=False) for w in extracted.warnings)
        fields, warnings = clean_metadata(source, meta.get(source))
        errors.extend(warnings)
        docs.append(_remembered(source, sha, fields, extracted, made))
    global _made
    _made = made  # one assignment: a load running in another thread sees the old memo or this one
    known = {d.source for d in docs} | {e.source for e in errors}
    errors.extend(
        LoadError(name, f"{METADATA_FILE} describes a file that is not in the corpus folder", skipped=False)
        for name in sorted(set(meta) - known)
    )
    return docs, errors
