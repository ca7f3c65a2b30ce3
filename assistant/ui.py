"""The web UI: a Gradio chat where every citation marker opens its exact passage.

``build_app(assistant)`` returns a ``gr.Blocks``; ``launch(assistant, host, port)``
serves it locally (no share link; analytics are off via ``config.OFFLINE_ENV``).

How it fits together:

* Per-session state only: the conversation lives in a ``gr.State`` (a list of
  turns, each ``{"question", "answer": Answer.to_dict() | None, "error"}``); the
  chat display is re-rendered from it, so sessions never share history.
* Every piece of text that comes from a user or a source file goes through
  ``html.escape`` before it reaches the page.  The chat keeps Gradio's HTML
  sanitizer on as a second line of defence (it drops ``data-*`` attributes, so a
  marker carries its turn and number in its ``href``: ``#cite-<turn>-<n>``).
* A document-level click listener (installed by the source panel's
  ``js_on_load``) turns a click on any ``.cite-marker`` into the panel's custom
  ``cite`` event; Python answers with the document, the span wrapped in
  ``<mark id="cited-span">``, which the panel then scrolls into view.
* ``gr.api(..., api_name="ask")`` is the programmatic endpoint: question (+
  optional history and filters as JSON) in, ``Answer.to_dict()`` out.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .answer import human_date
from .config import apply_offline_env
from .retrieval import Filters, date_bounds
from .types import Answer, AssistantError

apply_offline_env()

import gradio as gr  # noqa: E402  (after the offline environment is set)

if TYPE_CHECKING:
    from .api import Assistant

log = logging.getLogger(__name__)

STREAM_STEPS = 20  # how many partial renders an answer is revealed in
STREAM_DELAY = 0.02  # seconds between partial renders
CONCURRENCY = 8  # simultaneous questions (the Assistant is thread-safe)
PENDING = "Searching the sources…"
PANEL_HINT = "Click a citation marker such as <span class='cite-chip'>[1]</span> in an answer to see its passage here."

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
#source-panel mark.cite-other { background: #fef9c3; }
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


# --- rendering (pure functions, unit-testable) ------------------------------------------------


def esc(text: str) -> str:
    return html.escape(text or "", quote=True)


def marker(turn: int, n: int) -> str:
    return f'<a class="cite-marker" href="#cite-{turn}-{n}" title="Show source [{n}]">[{n}]</a>'


def _marker_spans(text: str, citations: Sequence[dict]) -> list[tuple[int, int, int]]:
    """(start, end, n) of each ``[n]`` marker that belongs to a citation.

    Markers are found right after their quote (``“quote” [n]``), so a literal
    ``[3]`` inside a quoted source sentence is never mistaken for one.
    """
    spans, pos = [], 0
    for c in citations:
        tag = f"[{c['n']}]"
        needle = f"“{c['quote']}” {tag}"
        i = text.find(needle, pos)
        if i >= 0:
            j = i + len(needle)
            spans.append((j - len(tag), j, c["n"]))
            pos = j
            continue
        i = text.find(tag, pos)  # fallback: the first unclaimed occurrence
        if i >= 0:
            spans.append((i, i + len(tag), c["n"]))
            pos = i + len(tag)
    return spans


def render_answer_text(text: str, citations: Sequence[dict], turn: int, upto: int | None = None) -> str:
    """Escape ``text[:upto]`` and turn its citation markers into links."""
    end = len(text) if upto is None else upto
    out, pos = [], 0
    for a, b, n in _marker_spans(text, citations):
        if b > end:
            break
        out.append(esc(text[pos:a]))
        out.append(marker(turn, n))
        pos = b
    out.append(esc(text[pos:end]))
    return "".join(out)


CONFLICT_HEAD = "**Sources differ.**"


def render_answer(ans: dict, turn: int, upto: int | None = None) -> str:
    """One assistant message as HTML (the chat's sanitizer keeps tags, classes and hrefs).

    With ``upto`` only the first ``upto`` characters show, with a cursor, and the
    message has the class ``streaming``."""
    text = ans["text"]
    cits = ans.get("citations", [])
    notice = f'<div class="notice">{esc(ans["notice"])}</div>' if ans.get("notice") else ""
    if ans.get("abstained"):
        kind, banner = "abstained", "No answer in the sources"
    elif ans.get("conflict"):
        kind, banner = "conflict", "Sources differ"
    else:
        kind, banner = "answered", ""
    if kind == "conflict" and text.startswith(CONFLICT_HEAD):  # the banner says it
        skip = len(text) - len(text[len(CONFLICT_HEAD) :].lstrip("\n"))
        text, upto = text[skip:], None if upto is None else max(0, upto - skip)
    body = render_answer_text(text, cits, turn, upto)
    head = f'<div class="banner">{banner}</div>' if banner else ""
    if upto is not None:
        kind += " streaming"
        body += '<span class="cursor">▍</span>'
    return f'<div class="answer {kind}">{head}{notice}<div class="answer-text">{body}</div></div>'


def render_error(message: str) -> str:
    return (
        f'<div class="answer error"><div class="banner">Could not answer</div><div class="answer-text">{esc(message)}</div></div>'
    )


def render_chat(convo: Sequence[dict], live: tuple[int, str] | None = None) -> list[dict]:
    """The chat display for ``convo``; ``live`` = (turn, html) overrides one assistant message."""
    msgs = []
    for i, t in enumerate(convo):
        msgs.append({"role": "user", "content": f'<div class="question">{esc(t["question"])}</div>'})
        if live is not None and live[0] == i:
            content = live[1]
        elif t.get("error"):
            content = render_error(t["error"])
        elif t.get("answer") is not None:
            content = render_answer(t["answer"], i)
        else:
            content = f'<div class="answer pending">{PENDING}</div>'
        msgs.append({"role": "assistant", "content": content})
    return msgs


def stream_cuts(text: str, steps: int = STREAM_STEPS) -> list[int]:
    """Increasing prefix lengths at word boundaries, ending with ``len(text)``."""
    bounds = [m.end() for m in re.finditer(r"\S+", text)]
    if len(bounds) <= 1:
        return [len(text)]
    stride = max(1, len(bounds) // steps)
    cuts = bounds[stride - 1 :: stride]
    if cuts[-1] != len(text):
        cuts.append(len(text))
    return cuts


def history_of(convo: Sequence[dict]) -> list[dict]:
    """What ``Assistant.ask`` needs: answered turns as role/content pairs (plain text)."""
    hist = []
    for t in convo:
        if t.get("answer") is not None:
            hist.append({"role": "user", "content": t["question"]})
            hist.append({"role": "assistant", "content": t["answer"]["text"]})
    return hist


def byline(meta) -> str:
    """'Publisher · Author · 24 Jun 2024' for a Document or a citation dict."""
    get = meta.get if isinstance(meta, dict) else lambda k, d="": getattr(meta, k, d)
    parts = []
    pub = get("publisher", "")
    if pub and pub.lower() != "unknown":
        parts.append(pub)
    if get("author", ""):
        parts.append(get("author", ""))
    parts.append(human_date(get("date", "")))
    return " · ".join(parts)


def render_sources_used(ans: dict | None, turn: int) -> str:
    """All documents the answer cites, each with its clickable markers."""
    if not ans or not ans.get("citations"):
        return ""
    by_doc: dict[str, list[dict]] = {}
    for c in ans["citations"]:
        by_doc.setdefault(c["source"], []).append(c)
    items = []
    for source, cs in by_doc.items():
        c0 = cs[0]
        marks = " ".join(marker(turn, c["n"]) for c in cs)
        items.append(
            f"<li>{marks} <b>{esc(c0.get('title') or source)}</b> — {esc(byline(c0))} <span class='src-file'>({esc(source)})</span></li>"
        )
    return f'<div class="src-used"><h4>Sources used in this answer</h4><ul>{"".join(items)}</ul></div>'


def render_document(doc, start: int, end: int, others: Sequence[tuple[int, int]] = ()) -> str:
    """The full document text, escaped, with ``[start, end)`` in ``<mark id="cited-span">``.

    ``others`` are further cited spans of the same document (lighter marks);
    overlapping ones are skipped.
    """
    text = doc.text
    spans = [(start, end, True)] + [(a, b, False) for a, b in others if (a, b) != (start, end)]
    spans.sort()
    out, pos = [], 0
    for a, b, main in spans:
        if a < pos or b > len(text) or a >= b:
            continue
        out.append(esc(text[pos:a]))
        attrs = 'id="cited-span"' if main else 'class="cite-other"'
        out.append(f"<mark {attrs}>{esc(text[a:b])}</mark>")
        pos = b
    out.append(esc(text[pos:]))
    return f'<div class="src-text">{"".join(out)}</div>'


def render_panel(assistant: Assistant, convo: Sequence[dict], turn: int | None = None, n: int | None = None) -> str:
    """The source panel: the selected citation's document (if any) and the answer's sources."""
    if turn is None:
        turn = max((i for i, t in enumerate(convo) if t.get("answer")), default=None)
    if turn is None or not (0 <= turn < len(convo)) or not convo[turn].get("answer"):
        return f'<div class="src-empty">{PANEL_HINT}</div>'
    ans = convo[turn]["answer"]
    used = render_sources_used(ans, turn)
    cit = next((c for c in ans.get("citations", []) if c["n"] == n), None) if n is not None else None
    if cit is None:
        hint = PANEL_HINT if ans.get("citations") else "This answer cites no source."
        return f'<div class="src-empty">{hint}</div>{used}'
    try:
        doc = assistant.document(cit["source"])
    except AssistantError as e:
        return f'<div class="src-warning">{esc(str(e))}</div>{used}'
    start, end, warning = cit["start"], cit["end"], ""
    if doc.text[start:end] != cit["quote"]:  # the file changed since this answer
        i = doc.text.find(cit["quote"])
        if i >= 0:
            start, end = i, i + len(cit["quote"])
            warning = "This source changed since the answer; the quoted passage was found at a new position."
        else:
            warning = "This source changed since the answer and no longer contains the quoted passage."
            start = end = 0
    others = [(c["start"], c["end"]) for c in ans["citations"] if c["source"] == cit["source"] and c["n"] != n]
    meta = (
        f'<div class="src-meta"><div class="src-title">[{n}] {esc(doc.title or doc.source)}</div>'
        f'<div class="src-byline">{esc(byline(doc))}</div>'
        f'<div class="src-where">{esc(doc.source)} · characters {start:,}–{end:,}</div></div>'
    )
    warn = f'<div class="src-warning">{esc(warning)}</div>' if warning else ""
    body = render_document(doc, start, end, others) if end > start else f'<div class="src-text">{esc(doc.text)}</div>'
    return meta + warn + body + used


def export_markdown(convo: Sequence[dict]) -> str:
    """The conversation with its citations (source, span, quote) as Markdown."""
    lines = ["# Conversation with the source-cited assistant", "", f"Exported {datetime.now():%Y-%m-%d %H:%M}.", ""]
    for i, t in enumerate(convo, start=1):
        lines += [f"## Q{i}. {t['question']}", ""]
        if t.get("error"):
            lines += [f"> Error: {t['error']}", ""]
            continue
        ans = t.get("answer")
        if not ans:
            continue
        if ans.get("notice"):
            lines += [f"_Note: {ans['notice']}_", ""]
        lines += [ans["text"], ""]
        if ans.get("citations"):
            lines += ["**Citations**", ""]
            for c in ans["citations"]:
                lines.append(
                    f"{c['n']}. {c.get('title') or c['source']} — {byline(c)} (`{c['source']}`, characters {c['start']}–{c['end']})"
                )
                lines.append("   > " + c["quote"].replace("\n", "\n   > "))
            lines.append("")
    return "\n".join(lines)


# --- filters, uploads -------------------------------------------------------------------------


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


def index_status(assistant: Assistant) -> str:
    try:
        n = len(assistant.docs)
    except AssistantError as e:
        return f"⚠️ {e}"
    return f"{n} source{'s' if n != 1 else ''} indexed."


def upload_report(assistant: Assistant, files: Sequence[tuple[str, bytes]], lock: threading.Lock | None = None, replace: bool = False) -> str:
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
        log.exception("add_documents failed")
        return f'<div class="bad">Could not add the files ({esc(type(e).__name__)}: {esc(str(e))}).</div>'
    lines = []
    bad = {e.source: e.reason for e in refused}
    done = set(report.added + report.changed + report.unchanged) if report else set()
    for name, _ in files:
        base = Path(name.replace("\\", "/")).name
        if name in bad:
            lines.append(f'<div class="bad">✗ {esc(name)}: {esc(bad.pop(name))}</div>')
        elif base in bad:
            lines.append(f'<div class="bad">✗ {esc(name)}: {esc(bad.pop(base))}</div>')
        elif report is not None and base in done:
            verb = "added" if base in report.added else "updated" if base in report.changed else "already indexed (unchanged)"
            lines.append(f'<div class="ok">✓ {esc(base)}: {verb}; it can be asked about now.</div>')
        else:
            lines.append(f'<div class="bad">✗ {esc(name)}: not indexed.</div>')
    for name, reason in bad.items():  # files already in the corpus folder that do not load
        lines.append(f'<div class="bad">✗ {esc(name)} (in the corpus folder, skipped): {esc(reason)}</div>')
    return "".join(lines)


def _read_uploads(paths) -> list[tuple[str, bytes]]:
    out = []
    for p in paths or []:
        path = Path(getattr(p, "name", p))
        out.append((path.name, path.read_bytes()))
    return out


# --- the app ----------------------------------------------------------------------------------


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


def answer_stream(assistant: Assistant, question: str, convo: list, sources=None, date_from="", date_to="") -> Iterator[tuple]:
    """The chat handler: yields (chat, convo, textbox, panel) while the answer is revealed.

    ``convo`` is this session's state; it is copied, never shared.  Errors become
    a readable chat message (no traceback)."""
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
        ans: Answer = assistant.ask(question, history_of(convo[:i]), filters)
    except (AssistantError, ValueError) as e:
        turn["error"] = str(e)
    except Exception as e:  # never show a traceback in the chat
        log.exception("answering failed")
        turn["error"] = f"Something went wrong while answering ({type(e).__name__}: {e}). Details are in the server log."
    if turn["error"]:
        yield render_chat(convo), convo, gr.skip(), gr.skip()
        return
    data = ans.to_dict()
    for cut in stream_cuts(data["text"])[:-1]:
        yield render_chat(convo, (i, render_answer(data, i, cut))), gr.skip(), gr.skip(), gr.skip()
        time.sleep(STREAM_DELAY)
    turn["answer"] = data
    yield render_chat(convo), convo, gr.skip(), render_panel(assistant, convo, i)


def handle_upload(assistant: Assistant, paths, lock: threading.Lock | None = None, replace: bool = False) -> tuple:
    """The upload handler: (report html, source-filter update, status, cleared file input)."""
    try:
        files = _read_uploads(paths)
    except OSError as e:
        return f'<div class="bad">Could not read the upload: {esc(str(e))}</div>', gr.skip(), gr.skip(), None
    msg = upload_report(assistant, files, lock, bool(replace))
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


def api_answer(assistant: Assistant, question: str, history: str = "", filters: str = "") -> dict:
    try:
        return assistant.ask(question, parse_history_json(history), parse_filters_json(filters)).to_dict()
    except (AssistantError, ValueError) as e:
        raise gr.Error(str(e), print_exception=False) from None
    except Exception as e:  # a bug: say so in one line; the details go to the server log once
        log.exception("the ask API failed")
        raise gr.Error(f"Something went wrong while answering ({type(e).__name__}).", print_exception=False) from None


def build_app(assistant: Assistant) -> gr.Blocks:
    upload_lock = threading.Lock()

    def answer(question: str, convo: list, sources, date_from, date_to):
        yield from answer_stream(assistant, question, convo, sources, date_from, date_to)

    def show_citation(convo: list, evt: gr.EventData):
        data = getattr(evt, "_data", None) or {}
        try:
            turn, n = int(data.get("turn")), int(data.get("n"))
        except (TypeError, ValueError):
            return gr.skip()
        return render_panel(assistant, convo or [], turn, n)

    def clear():
        return [], [], f'<div class="src-empty">{PANEL_HINT}</div>', gr.DownloadButton(value=None, interactive=False)

    def on_upload(paths, replace):
        return handle_upload(assistant, paths, upload_lock, replace)

    def refresh():
        return gr.Dropdown(choices=source_choices(assistant)), index_status(assistant)

    def ask(question: str, history: str = "", filters: str = "") -> dict:
        """Answer a question from the sources only, citing exact spans.

        history: optional JSON list of {"role": "user"|"assistant", "content": str} (earlier turns).
        filters: optional JSON {"sources": [file names], "date_from": "YYYY[-MM[-DD]]", "date_to": "..."}.
        Returns Answer.to_dict(): text, abstained, conflict, citations (n, source, start, end, quote, title,
        publisher, author, date, score), query, notice, config_hash, latency_ms."""
        return api_answer(assistant, question, history, filters)

    with gr.Blocks(title="Source-cited assistant", analytics_enabled=False, delete_cache=(3600, 3600)) as app:
        convo = gr.State([])
        gr.Markdown("## Ask the sources\nAnswers quote the sources verbatim; every **[n]** opens its exact passage.")
        status = gr.Markdown(index_status(assistant), elem_id="index-status")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=380):
                chat = gr.Chatbot(
                    elem_id="chat",
                    label="Conversation",
                    height=560,
                    render_markdown=False,
                    sanitize_html=True,
                    feedback_options=None,
                    buttons=[],  # per-message copy would copy the HTML; use "Export as Markdown"
                    placeholder="Ask a question about the sources, e.g. “What ceasefire did France and the US propose in September 2024?”",
                )
                with gr.Row():
                    msg = gr.Textbox(
                        elem_id="question",
                        show_label=False,
                        placeholder="Ask about the sources… (follow-ups like “What did Israel say to that?” work)",
                        scale=5,
                        lines=1,
                        max_lines=4,
                        autofocus=True,
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask-button")
                with gr.Row():
                    clear_btn = gr.Button("New conversation", size="sm", elem_id="clear-button")
                    export_btn = gr.DownloadButton("Export as Markdown", size="sm", interactive=False, elem_id="export-button")
                with gr.Accordion("Filters", open=False, elem_id="filters"):
                    sources_dd = gr.Dropdown(
                        choices=source_choices(assistant),
                        multiselect=True,
                        label="Only these sources (empty = all)",
                        elem_id="source-filter",
                    )
                    with gr.Row():
                        date_from = gr.Textbox(label="From date", placeholder="YYYY[-MM[-DD]]", elem_id="date-from")
                        date_to = gr.Textbox(label="To date", placeholder="YYYY[-MM[-DD]]", elem_id="date-to")
                with gr.Accordion("Add documents (.txt / .md)", open=False, elem_id="add-docs"):
                    files = gr.File(
                        label="Upload .txt or .md files (UTF-8, up to 5 MB each)", file_count="multiple", elem_id="upload"
                    )
                    replace_box = gr.Checkbox(False, label="Replace files that have the same name", elem_id="upload-replace")
                    upload_msg = gr.HTML("", elem_id="upload-report", js_on_load=None)
            with gr.Column(scale=2, min_width=320):
                panel = gr.HTML(
                    f'<div class="src-empty">{PANEL_HINT}</div>',
                    elem_id="source-panel",
                    label="Source",
                    show_label=True,
                    container=True,
                    padding=True,
                    js_on_load=PANEL_JS,
                    head=f"<style>{CSS}</style>",
                )

        chat_inputs = [msg, convo, sources_dd, date_from, date_to]
        chat_outputs = [chat, convo, msg, panel]
        for ev in (msg.submit, send.click):
            ev(
                answer,
                chat_inputs,
                chat_outputs,
                api_visibility="private",
                concurrency_limit=CONCURRENCY,
                concurrency_id="answer",
                show_progress="hidden",
            ).then(write_export, convo, export_btn, api_visibility="private", show_progress="hidden")
        panel.cite(show_citation, convo, panel, api_visibility="private", show_progress="hidden", concurrency_limit=None)
        clear_btn.click(clear, None, [chat, convo, panel, export_btn], api_visibility="private")
        chat.clear(clear, None, [chat, convo, panel, export_btn], api_visibility="private")  # the chat's own trash icon
        files.upload(on_upload, [files, replace_box], [upload_msg, sources_dd, status, files], api_visibility="private")
        app.load(refresh, None, [sources_dd, status], api_visibility="private")
        gr.api(ask, api_name="ask", concurrency_limit=CONCURRENCY, concurrency_id="answer")
    return app


def launch(assistant: Assistant, host: str = "127.0.0.1", port: int = 7860, **kwargs) -> None:
    """Serve the UI on ``host:port`` (blocking). Never creates a share link."""
    app = build_app(assistant)
    app.queue(default_concurrency_limit=CONCURRENCY)
    app.launch(server_name=host, server_port=port, share=False, show_error=False, **kwargs)
