"""One reader per file format, chosen by extension and checked against the content.

``read_file(name, data)`` is the only entry point the corpus loader needs: it
picks the reader for the name's extension, checks that the bytes really are of
that kind (``%PDF-``, a zip holding ``word/document.xml``, an HTML tag), and
returns an ``Extracted`` or raises ``ValueError`` with a reason meant for the
user ("not a PDF (no %PDF- header)").  Vendor libraries are imported inside each
reader, so loading a folder of .txt files never imports PDFium or lxml.

Scans and photos of pages (``.png``, ``.jpg``/``.jpeg``, ``.tif``/``.tiff``, and
PDF pages without a text layer) are read by OCR when ``read_file`` gets
``OcrOptions``; ``check_file`` checks such a file without running OCR (uploads).

Trade-off: the extension decides the format and the content only confirms it;
a PDF renamed to .txt is refused as binary rather than read as a PDF.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from ..ports import DocumentReader
from ..types import Extracted
from .docx import DocxReader, is_docx
from .html import HtmlReader, looks_like_html
from .image import ImageReader, is_image, open_image
from .markdown import MarkdownReader
from .ocr import OcrOptions
from .pdf import NeedsOcr, PdfReader
from .text import TextReader, decode

READERS: dict[str, DocumentReader] = {
    ".txt": TextReader(),
    ".md": MarkdownReader(),
    ".pdf": PdfReader(),
    ".html": HtmlReader(),
    ".htm": HtmlReader(),
    ".docx": DocxReader(),
    ".png": ImageReader(),
    ".jpg": ImageReader(),
    ".jpeg": ImageReader(),
    ".tif": ImageReader(),
    ".tiff": ImageReader(),
}
SUFFIXES = tuple(READERS)
# Bumped whenever a reader's canonical text, layout or stated metadata changes, so that the index parses such
# files again instead of reusing an extraction stored in its manifest (2: PDF layout, HTML structure; 3: an HTML
# page's date is only one its markup declares; 4: a definition list's terms, Markdown's headings and Word's heading
# styles are headings, HTML pagers and permalink marks are furniture; 5: definition list terms are headings in
# PDFs and OCR'd scans; 6: a PDF's terms are headings at ``types.TERM_LEVEL``, as HTML's; 7: a PDF's bold is
# semibold and up, a heading in larger type is one even when set in mono, a one-line mono term is a term; OCR
# sees neither weight nor mono, so scans are not read again; 8: an HTML list item's first paragraph,
# ``<li><p>``, is an item; 9: a Markdown file's Pandoc title block states its title; 10: a PDF face named
# "Regular" is never bold whatever weight PDFium gives it, bold means nothing where most prose reads as bold, and a
# short all-bold numbered line is a heading; 11: an HTML title loses its permalink mark, and a site name that is
# only the title again is no publisher; 12: a Word paragraph that is numbered or bulleted, or in a list style, is
# a list item).  ``CHANGED_AT`` is the version at which
# each reader last changed: only files of those kinds are read again (a change to the HTML reader does not run
# OCR over every scan again).
EXTRACTION_VERSION = 12
CHANGED_AT = {"pdf": 10, "image": 6, "html": 11, "docx": 12, ".md": 9}
BINARY_KINDS = ("pdf", "docx", "image")
OCR_KINDS = ("pdf", "image")  # readers that take ``OcrOptions``


def extracted_by_current_readers(source: str, kind: str, version: int) -> bool:
    """Is an extraction of ``source`` (of ``kind``) made at ``version`` what today's readers would make?  A .txt
    file is its bytes decoded, which no version changes."""
    key = ".md" if kind == "text" and source.lower().endswith(".md") else kind
    return key == "text" or version >= CHANGED_AT.get(key, EXTRACTION_VERSION)


def sniff(data: bytes) -> str:
    """The kind the bytes' structure shows: 'pdf', 'docx', 'image', 'html' or 'text' (the fallback).

    A PDF starts with ``%PDF-`` and a .docx with the zip magic, at byte 0: a text that
    mentions ``%PDF-1.7`` near its start is still text."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if is_docx(data):
        return "docx"
    if is_image(data):
        return "image"
    if looks_like_html(data):
        return "html"
    return "text"


def reader_for(name: str, data: bytes) -> DocumentReader:
    """The reader for ``name``'s extension; ValueError when the extension is unknown or the content disagrees."""
    suffix = PurePosixPath(name).suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        raise ValueError(f"unsupported file type {suffix or '(none)'}; supported: {', '.join(SUFFIXES)}")
    found = sniff(data)
    if reader.kind == "pdf" and found == "text" and b"%PDF-" in data[:1024]:
        found = "pdf"  # PDFium accepts a header after some leading junk; a file named .pdf gets that chance
    if reader.kind in BINARY_KINDS and found != reader.kind:
        what = {
            "pdf": "a PDF (no %PDF- header)",
            "docx": "a Word .docx file (no zip with word/document.xml)",
            "image": "a PNG, JPEG or TIFF image",
        }[reader.kind]
        raise ValueError(f"named {suffix} but not {what}; not indexed")
    if reader.kind in ("text", "html") and found in ("pdf", "docx"):
        raise ValueError(f"named {suffix} but the content is a {found.upper()} file; rename it to .{found}")
    return reader


def read_file(name: str, data: bytes, ocr: OcrOptions | None = None) -> Extracted:
    """Canonical text, metadata and pages of one file; ValueError with a readable reason.

    ``ocr``: how to read scanned PDF pages and images; None refuses an image and a PDF without any text layer."""
    reader = reader_for(name, data)
    return reader.read(name, data, ocr) if reader.kind in OCR_KINDS else reader.read(name, data)


def check_file(name: str, data: bytes) -> str:
    """Read a file as an upload is checked, without OCR: its text, or '' for a scan or image OCR will read.

    ValueError with a readable reason when the file is refused (corrupt, encrypted, not its extension's format)."""
    reader = reader_for(name, data)
    if reader.kind == "text":
        return decode(data)
    if reader.kind == "image":
        open_image(data)
        return ""
    try:
        return reader.read(name, data).text
    except NeedsOcr:
        return ""


__all__ = [
    "CHANGED_AT",
    "EXTRACTION_VERSION",
    "extracted_by_current_readers",
    "OCR_KINDS",
    "READERS",
    "SUFFIXES",
    "Extracted",
    "OcrOptions",
    "check_file",
    "decode",
    "read_file",
    "reader_for",
    "sniff",
]
