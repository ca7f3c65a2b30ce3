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

from ..chunking import instruction_spans
from ..errors import AssistantError
from ..generated.parse import MARKER_RE
from ..readers.ocr_words import LOW, doubtful
from ..text import human_date
from ..types import reflow, segment_text, where_quoted

if TYPE_CHECKING:
    from ..api import Assistant

STREAM_STEPS = 20  # how many partial renders an answer is revealed in
PENDING = "Searching the sources…"
PANEL_HINT = "Click a citation marker such as <span class='cite-chip'>[1]</span> in an answer to see its passage here."


def esc(text: str) -> str:
    return html.escape(text or "", quote=True)


def marker(turn: int, n: int) -> str:
    return f'<a class="cite-marker" href="#cite-{turn}-{n}" title="Show source [{n}]">[{n}]</a>'


def segments_of(ans: dict) -> list[dict]:
    """The answer's segments (``Answer.segments``); an answer made without them is one plain segment."""
    return ans.get("segments") or [{"kind": "abstain", "text": ans.get("text", ""), "citations": [], "supported": True}]


def _visible(ans: dict) -> list[dict]:
    """The segments the chat shows: the "Sources differ" heading (and the break after it) is the banner's job."""
    out, after_heading = [], False
    for seg in segments_of(ans):
        if seg["kind"] == "heading":
            after_heading = True
            continue
        if not (after_heading and seg["kind"] == "sep"):
            out.append(seg)
        after_heading = False
    return out


def _shown(seg: dict) -> str:
    """The characters a segment shows in the chat, markers aside."""
    return f"“{reflow(seg['text'])}”" if seg["kind"] == "quote" else seg["text"]


def visible_text(ans: dict) -> str:
    """What the chat shows of an answer, markers aside (``stream_cuts`` reveals it word by word)."""
    return "".join(_shown(s) for s in _visible(ans))


def _generated(seg: dict, turn: int) -> str:
    """A generated sentence with its markers; a flagged one is marked with its reason."""
    marks = "".join(marker(turn, n) for n in seg["citations"])
    if seg["supported"]:
        return f"{esc(seg['text'])} {marks}".rstrip()
    why = esc(f"Not supported by the cited sentences: {seg['reason']}")
    return f'<span class="unsupported" title="{why}">⚠ {esc(seg["text"])}</span> {marks}'.rstrip()


def render_segments(ans: dict, turn: int, upto: int | None = None) -> str:
    """The answer's segments as HTML, each ``[n]`` a link; with ``upto``, only its first ``upto`` characters."""
    out, pos = [], 0
    for seg in _visible(ans):
        shown = _shown(seg)
        if upto is not None and pos + len(shown) > upto:
            out.append(esc(shown[: max(0, upto - pos)]))
            break
        pos += len(shown)
        if seg["kind"] == "generated":
            out.append(_generated(seg, turn))
            continue
        out.append(esc(shown))
        if seg["citations"]:
            out.append(" " + "".join(marker(turn, n) for n in seg["citations"]))
    return "".join(out)


def render_answer(ans: dict, turn: int, upto: int | None = None) -> str:
    """One assistant message as HTML (the chat's sanitizer keeps tags, classes and hrefs).

    With ``upto`` only the first ``upto`` characters show, with a cursor, and the
    message has the class ``streaming``."""
    notice = f'<div class="notice">{esc(ans["notice"])}</div>' if ans.get("notice") else ""
    if ans.get("abstained"):
        kind, banner = "abstained", "No answer in the sources"
    elif ans.get("conflict"):
        kind, banner = "conflict", "Sources differ"
    else:
        kind, banner = "answered", ""
    if ans.get("mode") == "generated" and not ans.get("abstained"):
        upto = None
        kind += " generated"
        notice += _dropped_note(ans)
    body = render_segments(ans, turn, upto)
    head = f'<div class="banner">{banner}</div>' if banner else ""
    if upto is not None:
        kind += " streaming"
        body += '<span class="cursor">▍</span>'
    return f'<div class="answer {kind}">{head}{notice}<div class="answer-text">{body}</div></div>'


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


def plain_text(ans: dict) -> str:
    """The answer without markers or emphasis, from its segments: what the conversation's history keeps."""
    return "".join(segment_text(s["kind"], s["text"], s["citations"], s["supported"], plain=True) for s in segments_of(ans))


def markdown_text(ans: dict) -> str:
    """The answer as Markdown, from its segments (quotes with their ``[n]``, the conflict heading in bold)."""
    return "".join(segment_text(s["kind"], s["text"], s["citations"], s["supported"]) for s in segments_of(ans))


def history_of(convo: Sequence[dict]) -> list[dict]:
    """What ``Assistant.ask`` needs: answered turns as role/content pairs (plain text)."""
    hist = []
    for t in convo:
        if t.get("answer") is not None:
            hist.append({"role": "user", "content": t["question"]})
            hist.append({"role": "assistant", "content": plain_text(t["answer"])})
    return hist


def example_question(docs: dict) -> str:
    """The chat's placeholder: an example about the loaded corpus (its newest titled document), never a fixed topic."""
    titled = sorted((d for d in docs.values() if d.title), key=lambda d: (d.date or "", d.source), reverse=True)
    if not titled:
        return "Add documents, then ask a question about them." if not docs else "Ask a question about the sources."
    n = len(docs)
    return f"Ask a question about the {n} source{'s' if n != 1 else ''}, e.g. “What does “{titled[0].title}” say?”"


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


DOUBTFUL = f"OCR read this word with less than {LOW}% confidence; check it against the page image."
SUSPICIOUS = "This sentence addresses an AI model rather than stating anything; it is never used as evidence."


def _escaped(text: str, a: int, b: int, doubtful: Sequence) -> str:
    """``text[a:b]`` escaped, the OCR words Tesseract was unsure of (``doubtful`` spans) underlined."""
    out, pos = [], a
    for sp in doubtful:
        lo, hi = max(sp.start, pos), min(sp.end, b)
        if lo >= hi:
            continue
        out.append(esc(text[pos:lo]))
        out.append(f'<span class="ocr-low" title="{DOUBTFUL}">{esc(text[lo:hi])}</span>')
        pos = hi
    out.append(esc(text[pos:b]))
    return "".join(out)


def render_document(
    doc, start: int, end: int, others: Sequence[tuple[int, int]] = (), suspicious: Sequence = (), doubtful: Sequence = ()
) -> str:
    """The full document text, escaped, with ``[start, end)`` in ``<mark id="cited-span">``.

    ``others`` are further cited spans of the same document (lighter marks);
    ``suspicious`` the spans of sentences that address a model (an instruction planted
    in the document), marked with a warning; overlapping spans are skipped.
    ``doubtful`` are OCR words of low confidence, underlined inside whatever holds them.
    """
    text = doc.text
    spans = [(start, end, "main")] + [(a, b, "other") for a, b in others if (a, b) != (start, end)]
    spans += [(sp.start, sp.end, "suspicious") for sp in suspicious]
    spans.sort()
    out, pos = [], 0
    for a, b, kind in spans:
        if a < pos or b > len(text) or a >= b:
            continue
        out.append(_escaped(text, pos, a, doubtful))
        attrs = {"main": 'id="cited-span"', "other": 'class="cite-other"'}.get(kind, f'class="suspicious" title="{SUSPICIOUS}"')
        out.append(f"<mark {attrs}>{_escaped(text, a, b, doubtful)}</mark>")
        pos = b
    out.append(_escaped(text, pos, len(text), doubtful))
    return f'<div class="src-text">{"".join(out)}</div>'


def _ocr_note(doc, cit: dict) -> str:
    """A line saying the passage was read by OCR, how sure Tesseract was, and what the underlines mean."""
    conf = cit.get("ocr_confidence")
    if conf is None:
        return ""
    return (
        f'<div class="src-ocr">Read by OCR ({esc(doc.ocr)}): mean word confidence {conf:.0%}. '
        f"Words read with less than {LOW}% confidence are underlined; check them against the page image.</div>"
    )


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
    section = doc.section_at(start) if end > start else ""
    where = f"{esc(doc.source)}{f' · page {page}' if page else ''}{f' · {esc(section)}' if section else ''} · characters {start:,}–{end:,}"
    url = getattr(doc, "url", "")
    link = (
        f'<div class="src-url"><a href="{esc(url)}" target="_blank" rel="noopener">{esc(url)}</a></div>'
        if url.startswith(("http://", "https://"))
        else ""
    )
    meta = (
        f'<div class="src-meta"><div class="src-title">[{n}] {esc(doc.title or doc.source)}</div>'
        f'<div class="src-byline">{esc(byline(doc))}</div>{link}'
        f'<div class="src-where">{where}</div>{_ocr_note(doc, cit)}</div>'
    )
    warn = f'<div class="src-warning">{esc(warning)}</div>' if warning else ""
    body = (
        render_document(doc, start, end, others, instruction_spans(doc), doubtful(doc) if doc.ocr else ())
        if end > start
        else f'<div class="src-text">{esc(doc.text)}</div>'
    )
    if page:
        from .pages import page_view  # PDF only: the page image beside the text view

        body = f'<div class="src-split">{page_view(assistant.settings.corpus_dir, doc, start, end)}{body}</div>'
    return meta + warn + body + used


def _place(c: dict) -> str:
    """ ", p. 9, 2 Vectors › 2.2 Vector arithmetic" for a citation with a page and headings; "" without."""
    ocr = f", OCR {c['ocr_confidence']:.0%} confidence" if c.get("ocr_confidence") is not None else ""
    return where_quoted(c.get("page"), c.get("section") or "") + ocr


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
        lines += [markdown_text(ans), ""]
        if ans.get("citations"):
            lines += ["**Citations**", ""]
            for c in ans["citations"]:
                lines.append(
                    f"{c['n']}. {c.get('title') or c['source']} — {byline(c)} (`{c['source']}`{_place(c)}, characters {c['start']}–{c['end']})"
                )
                lines.append("   > " + c["quote"].replace("\n", "\n   > "))
            lines.append("")
    return "\n".join(lines)
