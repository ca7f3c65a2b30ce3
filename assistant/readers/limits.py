"""Budgets every reader enforces while it reads, so a hostile file costs bounded time and memory.

A compression ratio can be gamed (a zip padded with stored random bytes keeps
its ratio low while one member inflates to hundreds of MB), so the limits here
are counted on what is actually produced: bytes inflated and XML elements seen
while streaming a zip member, characters of text extracted, HTML bytes, PDF
characters per page.  Reading stops at the first budget passed and the file is
refused by name with the limit in the message (``OverBudget``, a ValueError).

Trade-off: a genuine document over a budget (a 2,000-page Word book) is refused
rather than read in part; the limits sit far above ordinary articles and
reports.
"""

from __future__ import annotations

MAX_XML_BYTES = 32 * 2**20  # bytes one zip member (word/document.xml) may inflate to
MAX_XML_ELEMENTS = 2_000_000  # XML elements in one zip member
MAX_META_BYTES = 2**20  # bytes of a small XML part (docProps/core.xml)
MAX_TEXT_CHARS = 10_000_000  # characters of text one document may yield (any format)
MAX_HTML_BYTES = 10 * 2**20  # bytes of one HTML page
MAX_PAGE_CHARS = 500_000  # characters on one PDF page
MAX_IMAGE_PIXELS = 80_000_000  # pixels of one page image (a 600 dpi A3 scan is 70 MP)
MAX_IMAGE_PAGES = 2_000  # pages (frames) of one image file
PDFIUM_MAX_LINE = 32_767  # PDFium returns at most this many characters of one text line; the rest is lost


class OverBudget(ValueError):
    """A file passed one of the reading budgets; the message names the limit."""


def mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def check_text(chars: int) -> None:
    """Raises OverBudget when a document's extracted text passes ``MAX_TEXT_CHARS``."""
    if chars > MAX_TEXT_CHARS:
        raise OverBudget(f"more than {MAX_TEXT_CHARS:,} characters of text (limit); not indexed")


def check_html(size: int) -> None:
    if size > MAX_HTML_BYTES:
        raise OverBudget(f"HTML page of {size / 2**20:,.1f} MB (limit {mb(MAX_HTML_BYTES)}); not indexed")


def check_page(number: int, chars: int) -> None:
    if chars > MAX_PAGE_CHARS:
        raise OverBudget(f"page {number} has {chars:,} characters (limit {MAX_PAGE_CHARS:,} per page); not indexed")


def cut_lines(number: int, raw: str) -> list[str]:
    """A warning when a PDF page has a line as long as PDFium's limit (its end was cut off by PDFium)."""
    longest = max((len(line) for line in raw.split("\r\n")), default=0)
    if longest < PDFIUM_MAX_LINE:
        return []
    return [f"page {number} has a line of {longest:,} characters, PDFium's limit: the rest of that line may be missing"]


class _Counting:
    """An lxml parser target that counts elements and hands every event on."""

    def __init__(self, target, what: str, max_elements: int):
        self.target, self.what, self.limit, self.left = target, what, max_elements, max_elements

    def start(self, tag, attrib):
        self.left -= 1
        if self.left < 0:
            raise OverBudget(f"{self.what} has more than {self.limit:,} XML elements (limit); not indexed")
        self.target.start(tag, attrib)

    def end(self, tag):
        self.target.end(tag)

    def data(self, text):
        self.target.data(text)

    def close(self):
        return None


def stream_xml(stream, target, what: str, max_bytes: int | None = None, max_elements: int | None = None) -> None:
    """Parse XML from ``stream`` into ``target`` (lxml's target interface: no tree is built).

    Reads 64 KB at a time and stops with OverBudget once more than ``max_bytes`` came
    out of the stream or more than ``max_elements`` elements began; entities are never
    resolved and nothing is fetched."""
    from lxml import etree

    max_bytes = MAX_XML_BYTES if max_bytes is None else max_bytes
    max_elements = MAX_XML_ELEMENTS if max_elements is None else max_elements
    parser = etree.XMLParser(
        target=_Counting(target, what, max_elements), resolve_entities=False, no_network=True, load_dtd=False
    )
    total = 0
    while chunk := stream.read(65536):
        total += len(chunk)
        if total > max_bytes:
            raise OverBudget(f"{what} inflates to more than {mb(max_bytes)} (limit; a zip bomb?); not indexed")
        parser.feed(chunk)
    parser.close()
