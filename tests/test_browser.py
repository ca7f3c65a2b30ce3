"""The web UI in a real headless browser (Playwright driving Debian's chromium).

A question typed into the page gets an answer whose marker [1], clicked, shows the
cited document with exactly the citation's quote highlighted; a document full of
HTML/JS-looking text is shown literally and runs nothing.  The first test saves
``evals/reports/ui/answer.png`` (the screenshot in the README).
"""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path

import pytest

from assistant import ui
from assistant.api import Assistant
from assistant.config import Settings

pytestmark = [pytest.mark.slow, pytest.mark.integration]

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "evals" / "reports" / "ui" / "answer.png"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT = 30_000  # ms

Q_FRANCE = "What ceasefire did France and the United States try to push for Lebanon in September 2024?"
Q_CONFLICT = "How many Palestinians have been killed in Gaza?"


@contextlib.contextmanager
def serving(assistant: Assistant):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = ui.build_app(assistant)
    app.queue(default_concurrency_limit=ui.CONCURRENCY)
    app.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):  # `make test` installs it: in CI a missing browser is a failure
            pytest.fail(f"{CHROMIUM} is missing although `make test` installs it")
        pytest.skip(f"{CHROMIUM} is missing: install it with `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser, url: str, dialogs: list | None = None):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    if dialogs is not None:
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.locator("#question textarea").wait_for()
    return page


def ask(page, question: str, turn: int) -> None:
    """Type a question, press Enter, wait until the answer has fully streamed in."""
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    page.locator("#chat .answer:not(.pending):not(.streaming)").nth(turn).wait_for()


def click_marker(page, turn: int, n: int) -> str:
    """Click marker [n] of answer ``turn`` in the chat; return the highlighted span's text."""
    page.locator(f'#chat .cite-marker[href="#cite-{turn}-{n}"]').first.click()
    page.wait_for_function(
        "t => { const m = document.querySelector('#source-panel .src-title'); return m && m.textContent.startsWith(t); }",
        arg=f"[{n}]",
    )
    span = page.locator("#cited-span")
    span.wait_for()
    return span.text_content()


def span_visible_in_panel(page) -> bool:
    return page.evaluate(
        """() => {
            const m = document.getElementById('cited-span'), box = m.closest('.src-text');
            const a = m.getBoundingClientRect(), b = box.getBoundingClientRect();
            return a.top >= b.top - 1 && a.top < b.bottom && a.bottom > b.top;
        }"""
    )


def test_question_answer_click_marker_shows_exact_span(browser, real_index):
    assistant = Assistant(real_index)
    first = assistant.ask(Q_FRANCE)
    with serving(assistant) as url:
        requests: list[str] = []
        page = open_page(browser, url)
        page.on("request", lambda r: requests.append(r.url))
        page.reload()
        page.locator("#question textarea").wait_for()
        ask(page, Q_FRANCE, 0)
        assert page.locator("#chat .answer").nth(0).text_content().startswith("According to Vox")

        quote = first.citations[0].quote
        assert click_marker(page, 0, 1) == quote
        assert page.locator("#cited-span").inner_text().split() == quote.split()
        assert span_visible_in_panel(page)  # scrolled into view inside the document box
        doc = assistant.document(first.citations[0].source)
        assert page.locator("#source-panel .src-title").text_content() == f"[1] {doc.title}"
        assert page.locator("#source-panel .src-byline").text_content() == "Vox · Oct 2024"
        assert page.locator("#source-panel .src-text").text_content() == doc.text  # the full document
        assert doc.source in page.locator("#source-panel .src-used").text_content()

        # A second question in the same conversation: "sources differ" is flagged, its [2] works.
        ask(page, Q_CONFLICT, 1)
        second = page.locator("#chat .answer").nth(1)
        assert "conflict" in second.get_attribute("class") and "Sources differ" in second.text_content()
        conflict = assistant.ask(
            Q_CONFLICT, [{"role": "user", "content": Q_FRANCE}, {"role": "assistant", "content": first.text}]
        )
        assert conflict.conflict and len(conflict.citations) >= 2
        assert click_marker(page, 1, 2) == conflict.citations[1].quote
        assert span_visible_in_panel(page)
        # The first answer's marker still opens the first answer's citation.
        assert click_marker(page, 0, 1) == quote
        click_marker(page, 1, 2)

        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.mouse.move(0, 0)
        page.screenshot(path=str(SCREENSHOT))

        # Export the conversation as Markdown.
        with page.expect_download() as dl:
            page.locator("#export-button").click()
        md = Path(dl.value.path()).read_text(encoding="utf-8")
        assert Q_FRANCE in md and Q_CONFLICT in md and f"> {quote}" in md

        # Everything the page loaded came from the local server (no fonts, scripts or analytics from outside).
        assert requests and all(u.startswith((url, "data:", "blob:")) for u in requests), requests

        # Another browser session sees none of this conversation.
        other = open_page(browser, url)
        other.wait_for_timeout(300)
        assert other.locator("#chat .answer").count() == 0
        other.context.close()
        page.context.close()


HARBOUR = """Harbour committee minutes

The harbour committee met on Tuesday to review the security audit of its public web form.
The auditors found that the comment box of the harbour web form accepted the string <script>alert(1)</script> without any filtering.
They also reported that an image tag like <img src=x onerror=alert(1)> was stored verbatim in the harbour comment archive.
Template text such as ${alert(1)} and {{value}} appeared in the same archive & was left untouched.
The committee decided to replace the web form before the summer season.
"""
WEATHER = """Weather report

The spring was unusually dry across the northern valleys this year.
Farmers in the valleys reported that the reservoirs fell to half of their usual level by May.
"""
SOURCES_TOML = """["harbour.txt"]
title = "Harbour <i>committee</i> minutes"
publisher = "Port <b>Gazette</b>"
date = "2024-05-02"
"""


def test_html_in_documents_is_shown_literally_and_uploads_report_per_file(browser, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
    (corpus / "weather.txt").write_text(WEATHER, encoding="utf-8")
    (corpus / "sources.toml").write_text(SOURCES_TOML, encoding="utf-8")
    assistant = Assistant(Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder="hash"))
    assistant.index(progress=False)
    question = "What image tag was stored in the harbour comment archive?"
    expected = assistant.ask(question)
    quote = expected.citations[0].quote
    assert "<script>alert(1)</script>" in quote and "<img src=x onerror=alert(1)>" in quote

    dialogs: list[str] = []
    with serving(assistant) as url:
        page = open_page(browser, url, dialogs)
        ask(page, question, 0)
        answer = page.locator("#chat .answer").nth(0)
        assert "Port <b>Gazette</b>" in answer.text_content() and "<img src=x onerror=alert(1)>" in answer.text_content()
        assert click_marker(page, 0, 1) == quote

        panel = page.locator("#source-panel")
        text = panel.locator(".src-text").text_content()
        assert text == HARBOUR  # every character literal, including ${...} and {{...}}
        assert panel.locator(".src-title").text_content() == "[1] Harbour <i>committee</i> minutes"
        assert panel.locator(".src-byline").text_content() == "Port <b>Gazette</b> · 2 May 2024"
        for scope in ("#source-panel .src-text", "#source-panel .src-meta", "#chat .answer"):
            assert page.locator(f"{scope} img, {scope} script, {scope} i, {scope} b").count() == 0, scope
        page.wait_for_timeout(500)
        assert dialogs == []

        # Upload a good and a bad file through the page; the good one is searchable at once.
        page.locator("#add-docs").get_by_text("Add documents").click()
        page.locator("#upload input[type=file]").set_input_files(
            [
                {
                    "name": "tide.md",
                    "mimeType": "text/markdown",
                    "buffer": b"The tide gauge at Kelp Bay recorded a record high of 6.4 metres on 3 March.\n",
                },
                {"name": "bad.txt", "mimeType": "text/plain", "buffer": b"\x00\x01binary"},
            ]
        )
        report = page.locator("#upload-report")
        report.get_by_text("tide.md").wait_for()
        assert "✓ tide.md: added" in report.text_content()
        assert "✗ bad.txt: binary file" in report.text_content()
        ask(page, "What record high did the tide gauge at Kelp Bay record?", 1)
        page.locator('#chat .cite-marker[href="#cite-1-1"]').wait_for()
        assert click_marker(page, 1, 1).startswith("The tide gauge at Kelp Bay recorded a record high of 6.4 metres")
        assert "tide.md" in page.locator("#source-panel .src-where").text_content()
        assert dialogs == []
        page.context.close()
