"""The Gradio app: layout, event wiring and ``launch``.

``build_app(assistant)`` returns a ``gr.Blocks``; ``launch(assistant, host, port)``
serves it locally (no share link; analytics are off via ``config.OFFLINE_ENV``).
A document-level click listener (installed by the source panel's
``js_on_load``) turns a click on any ``.cite-marker`` into the panel's custom
``cite`` event; Python answers with the document, the span wrapped in
``<mark id="cited-span">``, which the panel then scrolls into view.
``gr.api(..., api_name="ask")`` is the programmatic endpoint; ``/document_text`` gives
the canonical text of a source, so anyone can check ``text[start:end] == quote``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import gradio as gr

from ..config import MAX_UPLOAD_BYTES
from ..errors import AssistantError
from ..replica import describe
from .handlers import answer_stream, api_answer, handle_upload, index_status, source_choices, write_export
from .render import PANEL_HINT, esc, example_question, render_panel

if TYPE_CHECKING:
    from ..api import Assistant
    from ..background import BackgroundUpdate

CONCURRENCY = 8  # simultaneous questions (the Assistant is thread-safe)
REPLICA_UPLOADS = "Uploads are off on this read-only replica: add files to the indexer's corpus and run `assistant index` there"

CSS = """
#chat .answer { line-height: 1.55; }
#chat .answer-text { white-space: pre-wrap; }
#chat .banner { font-weight: 600; padding: 4px 10px; margin: 0 0 8px 0; border-radius: 6px; display: inline-block; }
#chat .answer.abstained { border-left: 4px solid #9ca3af; padding-left: 10px; color: #4b5563; }
#chat .answer.abstained .banner { background: #e5e7eb; color: #374151; }
#chat .answer.conflict { border-left: 4px solid #d97706; padding-left: 10px; }
#chat .answer.conflict .banner { background: #fef3c7; color: #92400e; }
#chat .answer.error { border-left: 4px solid #dc2626; padding-left: 10px; color: #991b1b; }
#chat .answer.error .banner { background: #fee2e2; color: #991b1b; }
#chat .answer.pending { color: #6b7280; font-style: italic; }
#chat .notice { font-size: 0.85em; color: #92400e; margin-bottom: 6px; }
#chat .gen-note { font-size: 0.8em; color: #4b5563; margin-top: 6px; }
#chat .answer.generating { margin-top: 10px; border-left: 4px solid #93c5fd; padding-left: 10px; color: #374151; }
#chat .answer.generating .banner { background: #dbeafe; color: #1e40af; }
#chat .unsupported { background: #fee2e2; text-decoration: underline dotted #dc2626; }
.cite-marker { font-weight: 600; text-decoration: none !important; color: #1d4ed8 !important; cursor: pointer;
  padding: 0 2px; border-radius: 4px; white-space: nowrap; }
.cite-marker:hover, .cite-marker:focus { background: #dbeafe; outline: none; }
.cite-marker.active { background: #1d4ed8; color: #fff !important; }
.cite-chip { font-weight: 600; color: #1d4ed8; }
#source-panel .src-empty { color: #6b7280; padding: 12px 4px; }
#source-panel .src-meta { margin-bottom: 8px; }
#source-panel .src-title { font-size: 1.1em; font-weight: 600; }
#source-panel .src-byline { color: #4b5563; font-size: 0.9em; }
#source-panel .src-where, #source-panel .src-file { color: #6b7280; font-size: 0.8em; }
#source-panel .src-warning { color: #92400e; background: #fef3c7; padding: 4px 8px; border-radius: 4px; margin: 6px 0; }
#source-panel .src-text { position: relative; white-space: pre-wrap; max-height: 420px; overflow-y: auto;
  border: 1px solid #e5e7eb; border-radius: 6px; padding: 10px 12px; font-size: 0.92em; line-height: 1.5; }
#source-panel mark { background: #fde68a; color: inherit; padding: 0; }
#source-panel .src-page { margin: 6px 0 10px 0; }
#source-panel .src-page-no { font-weight: 600; font-size: 0.9em; margin-bottom: 4px; }
#source-panel .src-page img { max-width: 100%; max-height: 560px; border: 1px solid #d1d5db; display: block; }
#source-panel .src-page-missing, #source-panel .src-url { color: #6b7280; font-size: 0.85em; }
#source-panel mark.cite-other { background: #fef9c3; }
#source-panel .ocr-low { text-decoration: underline dotted #b45309; text-decoration-thickness: 2px; }
#source-panel .src-ocr { color: #92400e; font-size: 0.8em; }
#source-panel mark.suspicious { background: #fee2e2; text-decoration: line-through wavy #dc2626; }
#source-panel mark#cited-span { background: #fbbf24; outline: 2px solid #d97706; border-radius: 2px; }
#source-panel .src-used { margin-top: 10px; font-size: 0.9em; }
#source-panel .src-used h4 { margin: 6px 0; font-size: 0.95em; }
#source-panel .src-used ul { margin: 0; padding-left: 18px; }
#upload-report .ok { color: #166534; }
#upload-report .bad { color: #991b1b; }
"""

# Runs once when the source panel mounts.  ``trigger`` and ``watch`` come from gr.HTML.
PANEL_JS = r"""
window.__citeTrigger = trigger;
if (!window.__citeListener) {
  window.__citeListener = true;
  document.addEventListener('click', function (ev) {
    const a = ev.target && ev.target.closest ? ev.target.closest('.cite-marker') : null;
    if (!a) return;
    const m = /cite-(\d+)-(\d+)/.exec(a.getAttribute('href') || '');
    if (!m) return;
    ev.preventDefault();
    ev.stopPropagation();
    document.querySelectorAll('.cite-marker.active').forEach(function (x) { x.classList.remove('active'); });
    document.querySelectorAll('.cite-marker[href="#cite-' + m[1] + '-' + m[2] + '"]').forEach(function (x) { x.classList.add('active'); });
    if (window.__citeTrigger) window.__citeTrigger('cite', {turn: parseInt(m[1], 10), n: parseInt(m[2], 10)});
  }, true);
}
watch('value', function () {
  const mark = element.querySelector('#cited-span');
  if (!mark) return;
  const box = mark.closest('.src-text');
  if (box) box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
  mark.scrollIntoView({block: 'nearest'});
});
"""


def _docs(assistant: Assistant) -> dict:
    try:
        return assistant.docs
    except AssistantError:  # no index yet: the placeholder asks for documents
        return {}


def _chat_column(assistant: Assistant) -> dict:
    """The conversation, the question box, filters and uploads; returns the components by name."""
    c = {}
    c["chat"] = gr.Chatbot(
        elem_id="chat",
        label="Conversation",
        height=560,
        render_markdown=False,
        sanitize_html=True,
        feedback_options=None,
        buttons=[],  # per-message copy would copy the HTML; use "Export as Markdown"
        placeholder=esc(example_question(_docs(assistant))),
    )
    with gr.Row():
        c["msg"] = gr.Textbox(
            elem_id="question",
            show_label=False,
            placeholder="Ask about the sources… (follow-ups like “And when was that?” work)",
            scale=5,
            lines=1,
            max_lines=4,
            autofocus=True,
        )
        c["send"] = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask-button")
    c["mode"] = gr.Radio(
        [("Quotes from the sources", "extractive"), ("Generated, every sentence checked", "generated")],
        value=assistant.settings.answer_mode if assistant.settings.llm_url else "extractive",
        label="Answer",
        visible=bool(assistant.settings.llm_url),  # offered only when a generator is configured
        elem_id="answer-mode",
    )
    with gr.Row():
        c["clear"] = gr.Button("New conversation", size="sm", elem_id="clear-button")
        c["export"] = gr.DownloadButton("Export as Markdown", size="sm", interactive=False, elem_id="export-button")
    with gr.Accordion("Filters", open=False, elem_id="filters"):
        c["sources"] = gr.Dropdown(
            choices=source_choices(assistant), multiselect=True, label="Only these sources (empty = all)", elem_id="source-filter"
        )
        with gr.Row():
            c["date_from"] = gr.Textbox(label="From date", placeholder="YYYY[-MM[-DD]]", elem_id="date-from")
            c["date_to"] = gr.Textbox(label="To date", placeholder="YYYY[-MM[-DD]]", elem_id="date-to")
    replica = assistant.settings.replica  # read-only: uploads go to the indexer
    with gr.Accordion("Add documents (.txt, .md, .pdf, .html, .docx, page images)", open=False, elem_id="add-docs"):
        c["files"] = gr.File(
            label=REPLICA_UPLOADS
            if replica
            else "Upload .txt/.md (UTF-8), .pdf, .html/.htm, .docx or scanned pages (.png, .jpg/.jpeg, .tif/.tiff; read by OCR), "
            f"up to {MAX_UPLOAD_BYTES // 2**20} MB each",
            file_count="multiple",
            elem_id="upload",
            interactive=not replica,
        )
        c["replace"] = gr.Checkbox(False, label="Replace files that have the same name", elem_id="upload-replace")
        c["upload_msg"] = gr.HTML("", elem_id="upload-report", js_on_load=None)
    return c


def _source_panel() -> gr.HTML:
    return gr.HTML(
        f'<div class="src-empty">{PANEL_HINT}</div>',
        elem_id="source-panel",
        label="Source",
        show_label=True,
        container=True,
        padding=True,
        js_on_load=PANEL_JS,
        head=f"<style>{CSS}</style>",
    )


def _show_citation(assistant: Assistant):
    def show_citation(convo: list, evt: gr.EventData):
        data = getattr(evt, "_data", None) or {}
        try:
            turn, n = int(data.get("turn")), int(data.get("n"))
        except (TypeError, ValueError):
            return gr.skip()
        return render_panel(assistant, convo or [], turn, n)

    return show_citation


def _api(assistant: Assistant):
    def ask(question: str, history: str = "", filters: str = "", mode: str = "") -> dict:
        """Answer a question from the sources only, citing exact spans.

        history: optional JSON list of {"role": "user"|"assistant", "content": str} (earlier turns).
        filters: optional JSON {"sources": [file names], "date_from": "YYYY[-MM[-DD]]", "date_to": "..."}.
        mode: "extractive" (default) or "generated" (needs a configured generator).
        Returns Answer.to_dict(): text, abstained, conflict, citations (n, source, start, end, quote, title,
        publisher, author, date, score), query, notice, config_hash, latency_ms, mode, sentences, unsupported."""
        return api_answer(assistant, question, history, filters, mode)

    return ask


def _text_api(assistant: Assistant):
    def document_text(source: str) -> str:
        """The canonical text of one indexed source: every citation's quote is text[start:end]."""
        try:
            return assistant.document_text(source)
        except AssistantError as e:
            raise gr.Error(str(e), print_exception=False) from None

    return document_text


def _clear():
    return [], [], f'<div class="src-empty">{PANEL_HINT}</div>', gr.DownloadButton(value=None, interactive=False)


def _wire(app: gr.Blocks, assistant: Assistant, c: dict) -> None:
    """Connect the events: questions stream in, markers open the panel, uploads index at once."""
    upload_lock = threading.Lock()

    def answer(question: str, convo: list, sources, date_from, date_to, mode):
        yield from answer_stream(assistant, question, convo, sources, date_from, date_to, mode)

    private = {"api_visibility": "private"}
    inputs = [c["msg"], c["convo"], c["sources"], c["date_from"], c["date_to"], c["mode"]]
    outputs = [c["chat"], c["convo"], c["msg"], c["panel"]]
    for ev in (c["msg"].submit, c["send"].click):
        ev(
            answer, inputs, outputs, concurrency_limit=CONCURRENCY, concurrency_id="answer", show_progress="hidden", **private
        ).then(write_export, c["convo"], c["export"], show_progress="hidden", **private)
    c["panel"].cite(_show_citation(assistant), c["convo"], c["panel"], show_progress="hidden", concurrency_limit=None, **private)
    cleared = [c["chat"], c["convo"], c["panel"], c["export"]]
    c["clear"].click(_clear, None, cleared, **private)
    c["chat"].clear(_clear, None, cleared, **private)  # the chat's own trash icon
    c["files"].upload(
        lambda paths, replace: handle_upload(assistant, paths, upload_lock, replace),
        [c["files"], c["replace"]],
        [c["upload_msg"], c["sources"], c["status"], c["files"]],
        **private,
    )
    update = c.get("update")
    app.load(
        lambda: (gr.Dropdown(choices=source_choices(assistant)), index_status(assistant, update)),
        None,
        [c["sources"], c["status"]],
        **private,
    )
    if update is not None:  # a background index update: its progress, then the new sources, then the timer stops
        c["timer"].tick(
            lambda: (
                gr.Dropdown(choices=source_choices(assistant)),
                index_status(assistant, update),
                gr.Timer(active=update.state.running),
            ),
            None,
            [c["sources"], c["status"], c["timer"]],
            show_progress="hidden",
            **private,
        )
    gr.api(_api(assistant), api_name="ask", concurrency_limit=CONCURRENCY, concurrency_id="answer")
    gr.api(_text_api(assistant), api_name="document_text")

    def status() -> dict:
        """What this server serves: {"replica": bool, "snapshot": build id, "current": newest published, "documents": n}."""
        return describe(assistant)

    gr.api(status, api_name="status", concurrency_limit=None)


def build_app(assistant: Assistant, update: BackgroundUpdate | None = None) -> gr.Blocks:
    """The app; with ``update`` (an index update running behind ``serve``) the status line follows it."""
    with gr.Blocks(title="Source-cited assistant", analytics_enabled=False, delete_cache=(3600, 3600)) as app:
        convo = gr.State([])
        gr.Markdown("## Ask the sources\nAnswers quote the sources verbatim; every **[n]** opens its exact passage.")
        status = gr.Markdown(index_status(assistant, update), elem_id="index-status")
        extra = {"update": update, "timer": gr.Timer(2.0, active=update.state.running)} if update is not None else {}
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=380):
                c = _chat_column(assistant)
            with gr.Column(scale=2, min_width=320):
                c["panel"] = _source_panel()
        _wire(app, assistant, c | {"convo": convo, "status": status} | extra)
    return app


def launch(
    assistant: Assistant, host: str = "127.0.0.1", port: int = 7860, update: BackgroundUpdate | None = None, **kwargs
) -> gr.Blocks:
    """Serve the UI on ``host:port`` (blocking unless ``prevent_thread_lock``); never a share link.

    Uploads over ``MAX_UPLOAD_BYTES`` are refused by Gradio itself (HTTP 413) while they stream in."""
    app = build_app(assistant, update)
    app.queue(default_concurrency_limit=CONCURRENCY)
    kwargs.setdefault("max_file_size", MAX_UPLOAD_BYTES)  # Gradio refuses a larger upload (413) before storing it
    app.launch(server_name=host, server_port=port, share=False, show_error=False, **kwargs)
    return app
