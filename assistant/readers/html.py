"""Saved web pages: the main content with its structure, without the page's furniture, and its metadata.

The text comes from our own lxml pass (``html_blocks``): headings with their
levels, paragraphs, list items, ``<pre>`` code line by line and table rows (cells
joined by " | "), one block per paragraph with a blank line between blocks; that
text is the canonical text, so offsets refer to it, not to the HTML source.  When
the page marks its main content (``main``, ``article``, ``role=main``) every block
in it is kept, and so is every block of a page that names its navigation (a
``nav`` tag, a ``navheader``/``docnav`` class: how DocBook and Publican pages,
which mark no main element, are read whole); otherwise a block is kept when
trafilatura (favor_recall) also reads it as content, so teasers and link lists
stay out.  Metadata comes from the
page's own tags through trafilatura (``<title>``, ``og:``/``article:`` meta,
JSON-LD): title, author, date, site name (as publisher) and URL.

Trade-offs: navigation or promotions that neither a tag nor a class name gives
away, on a page that marks its main element or names other navigation, are kept
(as list items or paragraphs); images, scripts and
comments are not extracted; a page where our pass finds fewer than ``MIN_WORDS``
words falls back to trafilatura's text, and a page where neither finds that many
(trafilatura's fallback is then the menu's link text) is refused by name.
"""

from __future__ import annotations

import re

from ..types import Block, Extracted
from .html_blocks import HtmlBlock, confirmed, html_blocks
from .limits import check_html, check_text

_TAG = re.compile(rb"<(?:!doctype\s+html|html|head|body|article|main|div|p|title|meta)\b", re.I)


MIN_WORDS = 10  # fewer words than this is not an article
# A page's date is the one its markup declares (meta tags, JSON-LD, <time>, the URL), the first publication
# preferred: htmldate's default also guesses from the body text, where "first released on March 22, 2001"
# in a current FAQ became its date, and a date is what filters and "predates" trust.
_DECLARED_DATE = {"extensive_search": False, "original_date": True}


def looks_like_html(data: bytes) -> bool:
    return bool(_TAG.search(data[:8192]))


def layout(blocks: list[HtmlBlock]) -> tuple[str, tuple[Block, ...]]:
    """The canonical text of blocks and their spans: a blank line between blocks, rows of a table one per line."""
    parts, out, pos = [], [], 0
    for i, b in enumerate(blocks):
        if i:
            sep = "\n" if b.kind == "table" and blocks[i - 1].kind == "table" else "\n\n"
            parts.append(sep)
            pos += len(sep)
        parts.append(b.text)
        out.append(Block(b.kind, pos, pos + len(b.text), b.level))
        pos += len(b.text)
    return "".join(parts), tuple(out)


_PERMALINK_END = re.compile(r"\s*[¶§#🔗]+$")  # a heading's permalink mark, which a title taken from <h1> keeps


def _metadata(doc) -> dict:
    """What trafilatura found: title (without a permalink mark, "5. Managing Packages¶"), author, date, site name
    as publisher (unless it is only the title again) and URL."""
    meta = {}
    for field, attr in (("title", "title"), ("author", "author"), ("date", "date"), ("publisher", "sitename"), ("url", "url")):
        value = " ".join(str(getattr(doc, attr, None) or "").split())
        if field in ("title", "publisher"):
            value = _PERMALINK_END.sub("", value)
        if value:
            meta[field] = value
    if meta.get("publisher", "").casefold() == meta.get("title", "").casefold():
        meta.pop("publisher", None)
    return meta


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
            doc = bare_extraction(
                data, with_metadata=True, include_comments=False, favor_recall=True, date_extraction_params=_DECLARED_DATE
            )
        except Exception as e:  # lxml failing on a broken page
            raise ValueError(f"corrupt HTML ({type(e).__name__}: {e}); not indexed") from None
        main_text = (getattr(doc, "text", None) or "") if doc is not None else ""
        try:
            blocks, trusted = html_blocks(data)
        except Exception:  # our pass failing on a strange page must not lose what trafilatura found
            blocks, trusted = [], False
        text, spans = layout(blocks if trusted else confirmed(blocks, main_text))
        if len(text.split()) < MIN_WORDS:  # our pass found no content: trafilatura's text, as it gives it
            text, spans = main_text, ()
        check_text(len(text))
        if len(text.split()) < MIN_WORDS:  # trafilatura's fallback returns menu link text when there is no article
            raise ValueError("no main text found in the HTML page (only navigation or boilerplate?); not indexed")
        return Extracted(text=text, kind=self.kind, meta=_metadata(doc), blocks=spans)
