"""Saved web pages through trafilatura: the main text, without the page's furniture, and its metadata.

trafilatura finds the article in the page and drops navigation, teasers,
newsletter boxes, related-link lists and footers; its text (one paragraph or
heading per line) is the canonical text, so offsets refer to it, not to the HTML
source.  Metadata comes from the page's own tags (``<title>``, ``og:``/``article:``
meta, JSON-LD): title, author, date, site name (as publisher) and URL.

Trade-offs: trafilatura's heuristics can drop a short real paragraph or keep a
caption; tables come out as text lines; images, scripts and comments are not
extracted.  A page where it finds no main text (fewer than ``MIN_WORDS``
words: its fallback then returns the menu's link text) is refused by name.
"""

from __future__ import annotations

import re

from ..types import Extracted
from .limits import check_html, check_text

_TAG = re.compile(rb"<(?:!doctype\s+html|html|head|body|article|main|div|p|title|meta)\b", re.I)


MIN_WORDS = 10  # fewer words than this is not an article


def looks_like_html(data: bytes) -> bool:
    return bool(_TAG.search(data[:8192]))


class HtmlReader:
    kind = "html"

    def read(self, name: str, data: bytes) -> Extracted:
        check_html(len(data))
        if b"\x00" in data:
            raise ValueError("binary file (contains NUL bytes), not HTML")
        if not looks_like_html(data):
            raise ValueError("not an HTML page (no <html>, <body> or <p> tag near the start)")
        from trafilatura import bare_extraction

        try:
            doc = bare_extraction(data, with_metadata=True, include_comments=False)
        except Exception as e:  # lxml failing on a broken page
            raise ValueError(f"corrupt HTML ({type(e).__name__}: {e}); not indexed") from None
        text = (getattr(doc, "text", None) or "") if doc is not None else ""
        check_text(len(text))
        if len(text.split()) < MIN_WORDS:  # trafilatura's fallback returns menu link text when there is no article
            raise ValueError("no main text found in the HTML page (only navigation or boilerplate?); not indexed")
        meta = {}
        for field, attr in (
            ("title", "title"),
            ("author", "author"),
            ("date", "date"),
            ("publisher", "sitename"),
            ("url", "url"),
        ):
            value = " ".join(str(getattr(doc, attr, None) or "").split())
            if value:
                meta[field] = value
        return Extracted(text=text, kind=self.kind, meta=meta)
