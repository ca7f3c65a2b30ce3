"""HTML for the chat and the source panel: pure functions of answers and documents (no Gradio).

Every piece of text that comes from a user or a source file goes through
``html.escape`` before it reaches the page.  A citation marker carries its turn
and number in its ``href`` (``#cite-<turn>-<n>``) because Gradio's sanitizer drops
``data-*`` attributes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from ..generation import MARKER_RE
from ..text import human_date
from ..types import AssistantError

if TYPE_CHECKING:
    from ..api import Assistant

STREAM_STEPS = 20  # how many partial renders an answer is revealed in
PENDING = "Searching the sources…"
PANEL_HINT = "Click a citation marker such as <span class='cite-chip'>[1]</span> in an answer to see its passage here."


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
    if ans.get("mode") == "generated" and not ans.get("abstained"):
        body, upto = _generated_body(ans, turn), None
        kind += " generated"
        notice += _dropped_note(ans)
    else:
        body = render_answer_text(text, cits, turn, upto)
    head = f'<div class="banner">{banner}</div>' if banner else ""
    if upto is not None:
        kind += " streaming"
        body += '<span class="cursor">▍</span>'
    return f'<div class="answer {kind}">{head}{notice}<div class="answer-text">{body}</div></div>'


def _generated_body(ans: dict, turn: int) -> str:
    """A generated answer's shown sentences, each with its markers; a flagged one is marked with its reason."""
    out = []
    for s in ans.get("sentences", []):
        if not s["shown"]:
            continue
        marks = "".join(marker(turn, n) for n in s["citations"])
        if s["supported"]:
            out.append(f"{esc(s['text'])} {marks}".rstrip())
        else:
            why = esc(f"Not supported by the cited sentences: {s['reason']}")
            out.append(f'<span class="unsupported" title="{why}">⚠ {esc(s["text"])}</span> {marks}'.rstrip())
    return " ".join(out)


def _dropped_note(ans: dict) -> str:
    dropped = [s for s in ans.get("sentences", []) if not s["shown"]]
    head = '<div class="gen-note">Written by the model from the cited sentences; each sentence was checked against them.'
    if dropped:
        n = len(dropped)
        items = "".join(f"<li>{esc(s['text'])} <em>({esc(s['reason'])})</em></li>" for s in dropped)
        head += f" <details><summary>{n} unsupported sentence{'s' if n != 1 else ''} left out</summary><ul>{items}</ul></details>"
    return head + "</div>"


def render_generating(extractive: dict, turn: int, raw: str) -> str:
    """While a generated answer streams: the extractive answer at once, the model's draft below it."""
    draft = MARKER_RE.sub("", raw)
    return (
        render_answer(extractive, turn)
        + '<div class="answer generating"><div class="banner">Writing an answer from these sentences…</div>'
        + f'<div class="answer-text">{esc(draft)}<span class="cursor">▍</span></div></div>'
    )


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
    page = doc.page_at(start) if end > start else None
    where = f"{esc(doc.source)}{f' · page {page}' if page else ''} · characters {start:,}–{end:,}"
    url = getattr(doc, "url", "")
    link = (
        f'<div class="src-url"><a href="{esc(url)}" target="_blank" rel="noopener">{esc(url)}</a></div>'
        if url.startswith(("http://", "https://"))
        else ""
    )
    meta = (
        f'<div class="src-meta"><div class="src-title">[{n}] {esc(doc.title or doc.source)}</div>'
        f'<div class="src-byline">{esc(byline(doc))}</div>{link}'
        f'<div class="src-where">{where}</div></div>'
    )
    warn = f'<div class="src-warning">{esc(warning)}</div>' if warning else ""
    body = render_document(doc, start, end, others) if end > start else f'<div class="src-text">{esc(doc.text)}</div>'
    if page:
        from .pages import page_view  # PDF only: the page image beside the text view

        body = f'<div class="src-split">{page_view(assistant.settings.corpus_dir, doc, start, end)}{body}</div>'
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
