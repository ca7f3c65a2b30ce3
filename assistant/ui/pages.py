"""The cited page of a PDF as an image, with the cited characters boxed (for the source panel).

The page is rendered by PDFium from the file in the corpus folder, only when the
file's bytes still hash to the indexed ``Document.sha256`` (a changed file would
put boxes on the wrong characters; the text view still shows the passage).
Images are PNG data URIs, so the page loads nothing from elsewhere; rendered
pages are kept in a small LRU cache keyed by file hash, page and span.
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

from ..types import Document
from ..wiring import render_page

log = logging.getLogger(__name__)
SCALE = 1.5  # pixels per PDF point: 893 px for an A4 page


@lru_cache(maxsize=64)
def _rendered(path: str, sha256: str, number: int, start: int, end: int) -> tuple[str, int] | None:
    data = Path(path).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        return None
    png, boxes = render_page(data, number, start, end, SCALE)
    return base64.b64encode(png).decode("ascii"), boxes


def page_view(corpus_dir: Path, doc: Document, start: int, end: int) -> str:
    """HTML of the page holding ``[start, end)`` with its boxes; '' for unpaged documents or a changed file."""
    number = doc.page_at(start)
    if number is None:
        return ""
    page = doc.pages[number - 1]
    try:
        got = _rendered(
            str(Path(corpus_dir) / doc.source), doc.sha256, number, start - page.start, min(end, page.end) - page.start
        )
    except Exception as e:  # an unreadable file must not break the text view
        log.warning("cannot render page %s of %s: %s", number, doc.source, e)
        got = None
    if got is None:
        return f'<div class="src-page-missing">Page {number}: the page image is not available (the file changed or cannot be read).</div>'
    b64, boxes = got
    return (
        f'<div class="src-page"><div class="src-page-no">Page {number} of {len(doc.pages)}</div>'
        f'<img id="cited-page" data-boxes="{boxes}" alt="{escape(f"Page {number} of {doc.source}, cited passage highlighted")}" '
        f'src="data:image/png;base64,{b64}"></div>'
    )
