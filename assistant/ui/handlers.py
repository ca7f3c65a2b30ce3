"""The UI's event handlers and API argument parsing: one per user action, errors as messages.

Each handler takes the ``Assistant`` and plain values, returns what the
components show, and never raises: an ``AssistantError`` becomes a readable
message; anything else is logged once and shown as one line.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import gradio as gr

from ..chat import recent
from ..config import MAX_UPLOAD_BYTES
from ..errors import AssistantError
from ..names import printable
from ..retrieval import Filters
from ..storage import disk_problem
from ..text import date_bounds
from .render import (
    byline,
    esc,
    export_markdown,
    history_of,
    render_answer,
    render_chat,
    render_generating,
    render_panel,
    stream_cuts,
    visible_text,
)

if TYPE_CHECKING:
    from ..api import Assistant

log = logging.getLogger(__name__)

STREAM_DELAY = 0.02  # seconds between partial renders


def make_filters(sources: Sequence[str] | None, date_from: str | None, date_to: str | None) -> Filters | None:
    """Filters from the form; raises ``ValueError`` with a readable message."""
    df, dt = (date_from or "").strip(), (date_to or "").strip()
    for label, v in (("From", df), ("To", dt)):
        if not v:
            continue
        try:
            ok = date_bounds(v) is not None
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"{label} date “{v}” is not a valid date: use YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2024-06).")
    if df and dt and date_bounds(df)[0] > date_bounds(dt)[1]:
        raise ValueError(f"The From date ({df}) is after the To date ({dt}).")
    f = Filters(tuple(sources or ()), df, dt)
    return f if f.active else None


def source_choices(assistant: Assistant) -> list[tuple[str, str]]:
    try:
        docs = assistant.docs
    except AssistantError:
        return []
    out = []
    for source, d in sorted(docs.items(), key=lambda kv: (kv[1].title or kv[0]).lower()):
        out.append((f"{d.title or source} — {byline(d)}", source))
    return out


def index_status(assistant: Assistant, update=None) -> str:
    """'N sources indexed.', and how a background index update (``background.BackgroundUpdate``) stands."""
    note = update.status() if update is not None else ""
    if assistant.settings.replica:
        note = "Read-only replica: it follows the indexer's newest index; documents are added there."
    try:
        n = len(assistant.docs)
    except AssistantError as e:
        return " ".join(x for x in (f"⚠️ {e}", note) if x)
    return " ".join(x for x in (f"{n} source{'s' if n != 1 else ''} indexed.", note) if x)


def upload_report(
    assistant: Assistant, files: Sequence[tuple[str, bytes]], lock: threading.Lock | None = None, replace: bool = False
) -> str:
    """Add files to the corpus and index; one HTML line per file (never raises)."""
    if not files:
        return ""
    lock = lock or threading.Lock()
    try:
        with lock:
            report, refused = assistant.add_documents(files, replace=replace)
    except AssistantError as e:
        return f'<div class="bad">Could not add the files: {esc(str(e))}</div>'
    except Exception as e:  # a store or disk failure: say so, keep the app alive
        problem = disk_problem(e, str(assistant.settings.index_dir))
        if problem:
            return f'<div class="bad">Could not add the files: {esc(problem)}</div>'
        log.exception("add_documents failed")
        return f'<div class="bad">Could not add the files ({esc(type(e).__name__)}: {esc(str(e))}).</div>'
    return "".join(_report_lines(files, report, refused))


def _report_lines(files: Sequence[tuple[str, bytes]], report, refused) -> list[str]:
    """One line per uploaded file, matched by its position in the batch (two uploads may share a name)."""
    by_pos = {e.upload: e.reason for e in refused if e.upload >= 0}
    later = [e for e in refused if e.upload < 0]  # what the index build said, by saved name
    done = set(report.added + report.changed + report.unchanged) if report else set()
    lines = []
    for i, (name, _) in enumerate(files):
        base = Path(name.replace("\\", "/")).name
        shown = esc(printable(name))
        if i in by_pos:
            lines.append(f'<div class="bad">✗ {shown}: {esc(by_pos[i])}</div>')
            continue
        mine = [e for e in later if e.source == printable(base)]
        later = [e for e in later if e not in mine]
        notes = "".join(f" Warning: {esc(e.reason)}." for e in mine if not e.skipped)
        if report is not None and base in done:
            verb = "added" if base in report.added else "updated" if base in report.changed else "already indexed (unchanged)"
            lines.append(f'<div class="ok">✓ {esc(base)}: {verb}; it can be asked about now.{notes}</div>')
        else:
            why = next((e.reason for e in mine if e.skipped), "not indexed")
            lines.append(f'<div class="bad">✗ {shown}: {esc(why)}</div>')
    for e in (e for e in later if e.skipped):  # files already in the corpus folder that do not load
        lines.append(f'<div class="bad">✗ {esc(e.source)} (in the corpus folder, skipped): {esc(e.reason)}</div>')
    return lines


def _read_uploads(paths) -> tuple[list[tuple[str, bytes]], str]:
    """The uploaded files' names and bytes, and report lines for those too large to read at all."""
    out, too_large = [], ""
    for p in paths or []:
        path = Path(getattr(p, "name", p))
        size = path.stat().st_size
        if size > MAX_UPLOAD_BYTES:  # refused before reading it into memory
            mb = f"{size / 2**20:.1f} MB; limit {MAX_UPLOAD_BYTES / 2**20:.0f} MB"
            too_large += f'<div class="bad">✗ {esc(printable(path.name))}: too large ({mb})</div>'
            continue
        out.append((path.name, path.read_bytes()))
    return out, too_large


def _json_arg(value, name: str):
    """An API argument given as JSON text (or already parsed); None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as e:
            raise AssistantError(f"{name} is not valid JSON ({e.msg})") from None
        except RecursionError:
            raise AssistantError(f"{name} is nested too deeply") from None
    return value


def parse_history_json(history: str | list | None) -> list[dict] | None:
    history = _json_arg(history, "history")
    if history is None:
        return None
    if not isinstance(history, list):
        raise AssistantError("history must be a JSON list of {'role': 'user'|'assistant', 'content': str}")
    return history


FILTER_KEYS = ("sources", "date_from", "date_to")


def parse_filters_json(filters: str | dict | None) -> Filters | None:
    """The API's filters argument, with strict types: every wrong value is one readable error."""
    filters = _json_arg(filters, "filters")
    if filters is None:
        return None
    shape = '{"sources": ["file.txt", ...], "date_from": "2024", "date_to": "2024-06"}'
    if not isinstance(filters, dict):
        raise AssistantError(f"filters must be a JSON object like {shape}")
    unknown = sorted(set(filters) - set(FILTER_KEYS))
    if unknown:
        raise AssistantError(f"unknown filter key(s) {', '.join(map(repr, unknown))}: use {shape}")
    sources = filters.get("sources") or []
    if isinstance(sources, str):
        sources = [sources]
    if not isinstance(sources, list) or not all(isinstance(x, str) for x in sources):
        raise AssistantError(f"filters.sources must be a list of file names, got {json.dumps(filters.get('sources'))}")
    for key in ("date_from", "date_to"):
        v = filters.get(key)
        if v is not None and not isinstance(v, str):
            raise AssistantError(f'filters.{key} must be a text date such as "2024-06", got {json.dumps(v)}')
    try:
        return make_filters(sources, filters.get("date_from"), filters.get("date_to"))
    except ValueError as e:
        raise AssistantError(str(e)) from None


def answer_stream(
    assistant: Assistant, question: str, convo: list, sources=None, date_from="", date_to="", mode=None
) -> Iterator[tuple]:
    """The chat handler: yields (chat, convo, textbox, panel) while the answer is revealed.

    ``convo`` is this session's state; it is copied, never shared.  In generated mode
    the extractive answer shows at once and the model's draft streams below it until
    the checked answer replaces both.  Errors become a readable chat message (no traceback)."""
    convo = list(convo or [])
    turn = {"question": " ".join((question or "").split()), "answer": None, "error": None}
    if not turn["question"]:
        gr.Warning("Type a question about the sources first.")
        yield render_chat(convo), convo, "", gr.skip()
        return
    convo.append(turn)
    i = len(convo) - 1
    yield render_chat(convo), convo, "", gr.skip()
    try:
        filters = make_filters(sources, date_from, date_to)
        if filters is not None and not any(filters.admits(d) for d in assistant.docs.values()):
            raise AssistantError("No source matches the chosen filters; widen the date range or pick other sources.")
        s = assistant.settings
        hist = recent(history_of(convo[:i]), s.max_history_turns, s.max_history_chars)  # a long session sends its tail
        events = assistant.ask_stream(question, hist, filters, mode or None)
        yield from _reveal(events, convo, i)
    except (AssistantError, ValueError) as e:
        turn["error"] = str(e)
    except Exception as e:  # never show a traceback in the chat
        log.exception("answering failed")
        turn["error"] = f"Something went wrong while answering ({type(e).__name__}: {e}). Details are in the server log."
    if turn["error"]:
        yield render_chat(convo), convo, gr.skip(), gr.skip()
        return
    yield render_chat(convo), convo, gr.skip(), render_panel(assistant, convo, i)


def _reveal(events, convo: list, i: int) -> Iterator[tuple]:
    """Render the answer's events into turn ``i``; the final answer is stored in the turn."""

    def live(html: str) -> tuple:  # only the chat changes while the answer streams
        return render_chat(convo, (i, html)), gr.skip(), gr.skip(), gr.skip()

    extractive, raw, shown = None, "", 0.0
    for kind, value in events:
        if kind == "extractive":
            extractive = value.to_dict()
            yield live(render_generating(extractive, i, ""))
        elif kind == "token":
            raw += value
            if time.monotonic() - shown > 0.1:  # at most ten renders a second
                shown = time.monotonic()
                yield live(render_generating(extractive, i, raw))
        else:
            data = value.to_dict()
            if raw:  # the whole draft once, then the checked answer replaces it
                yield live(render_generating(extractive, i, raw))
            if extractive is None:  # extractive mode: reveal the quotes progressively
                for cut in stream_cuts(visible_text(data))[:-1]:
                    yield live(render_answer(data, i, cut))
                    time.sleep(STREAM_DELAY)
            convo[i]["answer"] = data


def handle_upload(assistant: Assistant, paths, lock: threading.Lock | None = None, replace: bool = False) -> tuple:
    """The upload handler: (report html, source-filter update, status, cleared file input)."""
    try:
        files, too_large = _read_uploads(paths)
    except OSError as e:
        return f'<div class="bad">Could not read the upload: {esc(str(e))}</div>', gr.skip(), gr.skip(), None
    msg = too_large + upload_report(assistant, files, lock, bool(replace))
    return msg, gr.Dropdown(choices=source_choices(assistant)), index_status(assistant), None


EXPORT_DIR = Path(tempfile.gettempdir()) / "assistant-exports"
EXPORT_TTL = 3600  # seconds an exported file is kept


def write_export(convo: list):
    """A Markdown file of the conversation for the download button (old exports are pruned)."""
    if not convo:
        return gr.DownloadButton(value=None, interactive=False)
    EXPORT_DIR.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - EXPORT_TTL
    for old in EXPORT_DIR.iterdir():
        with contextlib.suppress(OSError):
            if old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
    path = Path(tempfile.mkdtemp(dir=EXPORT_DIR)) / "conversation.md"
    path.write_text(export_markdown(convo), encoding="utf-8")
    return gr.DownloadButton(value=str(path), interactive=True)


def api_answer(assistant: Assistant, question: str, history: str = "", filters: str = "", mode: str = "") -> dict:
    try:
        return assistant.ask(question, parse_history_json(history), parse_filters_json(filters), mode or None).to_dict()
    except (AssistantError, ValueError) as e:
        raise gr.Error(str(e), print_exception=False) from None
    except Exception as e:  # a bug: say so in one line; the details go to the server log once
        log.exception("the ask API failed")
        raise gr.Error(f"Something went wrong while answering ({type(e).__name__}).", print_exception=False) from None
