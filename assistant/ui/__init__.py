"""The web UI: a Gradio chat where every citation marker opens its exact passage.

How it fits together:

* ``render`` — pure HTML of answers, the chat and the source panel (no Gradio);
* ``handlers`` — one function per user action (ask, upload, export, the API's
  JSON arguments), errors shown as messages, never tracebacks;
* ``app`` — the layout, the event wiring and ``launch``.

Per-session state only: the conversation lives in a ``gr.State`` (a list of
turns, each ``{"question", "answer": Answer.to_dict() | None, "error"}``); the
chat display is re-rendered from it, so sessions never share history.
"""

from ..config import apply_offline_env

apply_offline_env()  # before gradio is imported

from .app import CONCURRENCY, build_app, launch  # noqa: E402
from .handlers import (  # noqa: E402
    answer_stream,
    api_answer,
    handle_upload,
    index_status,
    make_filters,
    parse_filters_json,
    parse_history_json,
    source_choices,
    upload_report,
    write_export,
)
from .render import (  # noqa: E402
    byline,
    esc,
    export_markdown,
    markdown_text,
    plain_text,
    render_answer,
    render_document,
    render_panel,
    visible_text,
)

__all__ = [
    "CONCURRENCY", "answer_stream", "api_answer", "build_app", "byline", "esc", "export_markdown", "handle_upload",
    "index_status", "launch", "make_filters", "markdown_text", "plain_text", "visible_text", "parse_filters_json", "parse_history_json", "render_answer",
    "render_document", "render_panel", "source_choices", "upload_report", "write_export",
]  # fmt: skip
