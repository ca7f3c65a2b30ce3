"""The cited page of a PDF or page image, with the cited characters boxed (for the source panel).

The page is rendered by PDFium from the file in the corpus folder, only when the
file's bytes still hash to the indexed ``Document.sha256`` (a changed file would
put boxes on the wrong characters; the text view still shows the passage).
Images are PNG data URIs, so the page loads nothing from elsewhere; rendered
pages are kept in a small LRU cache keyed by file hash, page and span.  A page
read by OCR has no characters to box: its words' boxes (``Page.words``) are drawn.
Trade-off: data URIs make each panel update a few hundred KB larger than a
served file would, with no extra route or file lifetime to manage.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from functools import lru_cache
from html import escape
from pathlib import Path

from ..readers.ocr_words import boxes as word_boxes
from ..types import Document
from ..wiring import render_page

log = logging.getLogger(__name__)
SCALE = 1.5  # pixels per PDF point: 893 px for an A4 page


@lru_cache(maxsize=64)
def _rendered(
    path: str, sha256: str, number: int, ranges: tuple[tuple[int, int], ...], kind: str = "pdf", found: tuple = ()
) -> tuple[str, int] | None:
    data = Path(path).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        return None
    png, boxes = render_page(data, number, ranges, SCALE, kind, found)
    return base64.b64encode(png).decode("ascii"), boxes


def cited_pages(doc: Document, start: int, end: int) -> list[tuple[int, tuple[tuple[int, int], ...]]]:
    """(page number, PDFium character ranges) of every page the span ``[start, end)`` has characters on.

    A passage that runs over a page break has characters on both pages, so both are
    shown with their boxes; the page the citation names (``page_at(start)``) comes first.
    """
    first = doc.page_at(start)
    out = [(p.number, tuple(p.indexes(start, end))) for p in doc.pages]
    out = [(n, r) for n, r in out if r]
    return sorted(out, key=lambda x: (x[0] != first, x[0]))


def page_view(corpus_dir: Path, doc: Document, start: int, end: int) -> str:
    """HTML of the page(s) holding ``[start, end)`` with their boxes; '' for unpaged documents."""
    if doc.page_at(start) is None:
        return ""
    pages = cited_pages(doc, start, end) or [(doc.page_at(start), ())]
    return "".join(
        _one_page(corpus_dir, doc, n, r, "cited-page" if k == 0 else f"cited-page-{k + 1}") for k, (n, r) in enumerate(pages)
    )


def _one_page(corpus_dir: Path, doc: Document, number: int, ranges: tuple[tuple[int, int], ...], element: str) -> str:
    page = next((p for p in doc.pages if p.number == number), None)
    found = word_boxes(page, ranges) if page is not None and page.words else ()  # a page read by OCR: its words' boxes
    try:
        got = _rendered(str(Path(corpus_dir) / doc.source), doc.sha256, number, ranges, doc.kind, found)
    except Exception as e:  # an unreadable file must not break the text view
        log.warning("cannot render page %s of %s: %s", number, doc.source, e)
        got = None
    if got is None:
        return f'<div class="src-page-missing">Page {number}: the page image is not available (the file changed or cannot be read).</div>'
    b64, boxes = got
    return (
        f'<div class="src-page"><div class="src-page-no">Page {number} of {len(doc.pages)}</div>'
        f'<img id="{element}" data-boxes="{boxes}" alt="{escape(f"Page {number} of {doc.source}, cited passage highlighted")}" '
        f'src="data:image/png;base64,{b64}"></div>'
    )
