"""A citation from a scanned PDF in a real headless browser: the page image with the OCR words boxed.

The corpus is one generated article printed, scanned at 150 dpi (turned 1.5
degrees, blurred) and put back into a PDF with no text layer, read by real
Tesseract.  The answer's [1] is clicked; the panel must say the passage was read
by OCR with its confidence, name the page, and show the page image with boxes
over the quoted words (yellow pixels).  Saves ``evals/reports/ui/ocr_citation.png``.
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest
from scans import scanned_pdf
from test_browser import ask, browser, click_marker, open_page, serving  # noqa: F401  (browser is a fixture)
from test_browser_pdf import yellow_share

from assistant.api import Assistant
from assistant.config import Settings

pytestmark = [
    pytest.mark.slow,
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed: make ocr"),
]

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "evals" / "reports" / "ui" / "ocr_citation.png"
FILLER = "\n".join(
    f"Section {i} of the harbour report describes the routine inspection of berth {i} in plain words." for i in range(14)
)
ARTICLE = f"Harbour report\n{FILLER}\nThe inspectors found that the lighthouse lens at Kelp Point had cracked during the February storm.\n{FILLER}\n"
QUESTION = "What did the inspectors find about the lighthouse lens at Kelp Point?"


def test_scanned_citation_shows_its_page_with_the_ocr_words_boxed(browser, tmp_path):  # noqa: F811
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "harbour-scan.pdf").write_bytes(scanned_pdf(ARTICLE, title="Harbour report"))
    assistant = Assistant(Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder="hash"))
    report = assistant.index(progress=False)
    assert report.skipped == [], report.summary()
    cit = assistant.ask(QUESTION).citations[0]
    doc = assistant.document("harbour-scan.pdf")
    assert "lighthouse lens" in cit.quote and cit.ocr_confidence is not None and doc.ocr
    assert assistant.document_text(cit.source)[cit.start : cit.end] == cit.quote

    with serving(assistant) as url:
        page = open_page(browser, url)
        ask(page, QUESTION, 0)
        assert click_marker(page, 0, 1) == cit.quote
        assert f"page {cit.page}" in page.locator("#source-panel .src-where").text_content()
        assert f"confidence {cit.ocr_confidence:.0%}" in page.locator("#source-panel .src-ocr").text_content()
        img = page.locator("#cited-page")
        img.wait_for()
        assert int(img.get_attribute("data-boxes")) >= 1
        shown = base64.b64decode(img.get_attribute("src").split(",", 1)[1])
        assert 0.002 < yellow_share(shown) < 0.05  # a line or two boxed, not the page
        img.scroll_into_view_if_needed()
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.mouse.move(0, 0)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        page.context.close()
