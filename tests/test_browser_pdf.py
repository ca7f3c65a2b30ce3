"""A PDF citation in a real headless browser: the cited page as an image with the span boxed.

The corpus is one generated article as a PDF (three pages).  The answer's [1]
is clicked; the panel must show "page N" for the page that holds the quote, an
image of that page whose highlight boxes sit over the quoted words (checked by
sampling the image's pixels under each box), and the text view's mark must be
exactly the quote.  Saves ``evals/reports/ui/pdf_citation.png``.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from docgen import make_pdf
from test_browser import ask, browser, click_marker, open_page, serving  # noqa: F401  (browser is a fixture)

from assistant.api import Assistant
from assistant.config import Settings

pytestmark = [pytest.mark.slow, pytest.mark.integration]

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "evals" / "reports" / "ui" / "pdf_citation.png"
FILLER = "\n".join(
    f"Section {i} of the harbour report describes the routine inspection of berth {i} in plain words." for i in range(60)
)
ARTICLE = f"Harbour report\n{FILLER}\nThe inspectors found that the lighthouse lens at Kelp Point had cracked during the February storm.\n{FILLER}\n"
QUESTION = "What did the inspectors find about the lighthouse lens at Kelp Point?"


def yellow_share(png: bytes) -> float:
    """Share of pixels of the page image that carry the highlight's yellow tint."""
    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB")
    px = list(img.get_flattened_data())
    return sum(1 for r, g, b in px if r > 200 and g > 180 and b < 170) / len(px)


def test_pdf_citation_shows_its_page_with_the_span_boxed(browser, tmp_path):  # noqa: F811
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "harbour.pdf").write_bytes(make_pdf(ARTICLE, title="Harbour report", author="Port Office", date="2024-03-01"))
    assistant = Assistant(Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder="hash"))
    assistant.index(progress=False)
    expected = assistant.ask(QUESTION)
    cit = expected.citations[0]
    doc = assistant.document("harbour.pdf")
    assert "lighthouse lens" in cit.quote and cit.page == doc.page_at(cit.start) and len(doc.pages) >= 3 and cit.page > 1

    with serving(assistant) as url:
        page = open_page(browser, url)
        ask(page, QUESTION, 0)
        assert click_marker(page, 0, 1) == cit.quote  # the text view's mark is the quote
        assert cit.quote == "The inspectors found that the lighthouse lens at Kelp Point had cracked during the February storm."
        assert f"page {cit.page}" in page.locator("#source-panel .src-where").text_content()
        assert page.locator("#source-panel .src-page-no").text_content() == f"Page {cit.page} of {len(doc.pages)}"
        img = page.locator("#cited-page")
        img.wait_for()
        assert int(img.get_attribute("data-boxes")) >= 1
        src = img.get_attribute("src")
        assert src.startswith("data:image/png;base64,")
        shown = base64.b64decode(src.split(",", 1)[1])
        assert 0.002 < yellow_share(shown) < 0.05  # a line or two boxed, not the page
        assert img.evaluate("i => i.complete && i.naturalWidth > 500")
        img.scroll_into_view_if_needed()
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.mouse.move(0, 0)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        page.context.close()


def test_highlight_boxes_sit_over_the_quoted_words():
    """The boxes drawn on the image are where PDFium puts the quote's characters (and nowhere else)."""
    import pypdfium2 as pdfium
    from PIL import Image

    from assistant.readers import read_file
    from assistant.readers.pdf import render_highlight

    data = make_pdf(ARTICLE, title="Harbour report")
    ex = read_file("h.pdf", data)
    i = ex.text.index("The inspectors found")
    p = next(p for p in ex.pages if p.start <= i < p.end)
    j = ex.text.index("storm.", i) + len("storm.")
    ranges = p.indexes(i, j)  # PDFium character indexes of the quote on that page
    png, boxes = render_highlight(data, p.number, ranges, 1.5)
    img = Image.open(io.BytesIO(png)).convert("RGB")
    tp = pdfium.PdfDocument(data)[p.number - 1].get_textpage()
    height = img.size[1] / 1.5
    left, b, r, t = tp.get_charbox(ranges[0][0] + 4, loose=True)  # a letter of "inspectors", inside the span
    x, y = int((left + r) / 2 * 1.5), int((height - (b + t) / 2) * 1.5)
    inside = img.getpixel((x, y - 2))
    l2, b2, r2, t2 = tp.get_charbox(ranges[0][0] - 30, loose=True)  # the line above, outside the span
    outside = img.getpixel((int((l2 + r2) / 2 * 1.5), int((height - t2) * 1.5) + 1))
    assert boxes == 1
    assert inside[0] - inside[2] > 60, inside  # yellow-tinted (paper or glyph under the tint): red well above blue
    assert abs(outside[0] - outside[2]) < 30, outside  # untinted: grey, white or black
