"""Composition: the picked sentences become an answer's typed segments, and its text.

There is no generative model here: the words that carry facts are the sources'
own sentences, quoted verbatim with exact spans; the words around them (who says
it, when, how sources relate) come from the language module's wording and the
documents' metadata.  The structure lives in ``Answer.segments``; ``Answer.text``
is rendered from it (``types.render_text``), so the UI, the chat history and the
export read the segments and never parse the text.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import lang
from .chunking import descriptions, term_over
from .evidence import Scored
from .readers.ocr_words import span_confidence
from .text import human_date
from .types import Answer, Citation, Document, Segment, render_text

MAX_TERM_CHARS = 80  # a longer term (a whole signature) is left to the citation's section line


def _groups(picked: Sequence[Scored]) -> list[list[Scored]]:
    """Group by source (first appearance order), merging runs of adjacent sentences."""
    by_source: dict[str, list[Scored]] = {}
    for p in picked:
        by_source.setdefault(p.sentence.source, []).append(p)
    return [sorted(v, key=lambda s: s.index) for v in by_source.values()]


def _runs(items: list[Scored]) -> list[list[Scored]]:
    """One citation per picked sentence, joined with the neighbours added to make it readable.

    A neighbour joins the citation before it; a picked sentence joins only a run of neighbours (the antecedent
    it was read with), never another picked sentence's citation, so each answering sentence is cited on its own."""
    runs: list[list[Scored]] = []
    for k, s in enumerate(items):
        nxt = items[k + 1] if k + 1 < len(items) else None
        # an antecedent goes with the picked sentence after it that opens with an anaphor ("However, Hamas
        # rejected this offer."), not with the picked sentence before it
        leads = (
            s.context
            and nxt
            and not nxt.context
            and nxt.index == s.index + 1
            and lang.current.ANAPHORA_RE.match(nxt.sentence.text)
        )
        if runs and not leads and s.index == runs[-1][-1].index + 1 and (s.context or all(x.context for x in runs[-1])):
            runs[-1].append(s)
        else:
            runs.append([s])
    return runs


def _named(doc: Document) -> bool:
    return bool(doc.publisher) and doc.publisher.lower() != lang.current.UNKNOWN_PUBLISHER


def who(doc: Document) -> str:
    """'Vox (Oct 2024)'; just the label (publisher, else title) when the date is missing or not a real date."""
    when = human_date(doc.date)
    label = doc.label if _named(doc) or doc.label == doc.source else f"“{doc.label}”"
    return label if when == "undated" else f"{label} ({when})"


def abstention(nearest: Document | None = None, unseen: Sequence[str] = ()) -> str:
    """Why there is no answer: the sources are silent, the names no source mentions, where the closest material is."""
    L = lang.current
    text = L.NO_ANSWER_TEXT
    if unseen:
        text += " " + L.UNSEEN_NAMES.format(names=L.NAMES_JOIN.join(f"“{n}”" for n in unseen[:3]))
    if nearest is not None:
        when = human_date(nearest.date)
        details = ", ".join(x for x in (nearest.publisher if _named(nearest) else "", "" if when == "undated" else when) if x)
        where = f"“{nearest.title or nearest.source}”" + (f" ({details})" if details else "")
        text += " " + L.CLOSEST.format(where=where)
    return text


class _Citer:
    """Numbers citations in order of use; each quote segment is the cited span's exact text."""

    def __init__(self, docs: dict[str, Document]):
        self.docs, self.citations = docs, []

    def quote(self, run: list[Scored]) -> Segment:
        doc = self.docs[run[0].sentence.source]
        a, b = run[0].sentence.start, run[-1].sentence.end
        n = len(self.citations) + 1
        score = max(r.score for r in run)
        meta = (doc.title, doc.publisher, doc.author, doc.date)
        cite = Citation(
            n, doc.source, a, b, doc.text[a:b], *meta, score, doc.page_at(a), doc.section_at(a), span_confidence(doc, a, b)
        )
        self.citations.append(cite)
        return Segment("quote", doc.text[a:b], (n,))

    def quotes(self, runs: list[list[Scored]]) -> list[Segment]:
        """The quotes, each after the term it defines or the headings that date it (``Scored.label``), said once
        for quotes in a row under the same one."""
        out: list[Segment] = []
        said = ""
        for run in runs:
            out += [Segment("sep", " ")] if out else []
            label = next((x.label for x in run if x.label), "")  # a neighbour read with it has none
            term = defined_term(self.docs[run[0].sentence.source], run[0].sentence.start) or label
            if term and term != said:
                out += [Segment("term", term if term[-1] in "?.!:" else f"{term}:"), Segment("sep", " ")]
            said = term
            out.append(self.quote(run))
        return out


def defined_term(doc: Document, offset: int) -> str:
    """The definition list's term whose description holds ``offset`` ("nproc" over "maximum number of
    processes"), on one line; "" elsewhere, or when the term is too long to introduce a quote."""
    pairs = descriptions(doc)
    term = term_over(pairs, [d.start for _, d in pairs], offset, offset + 1)
    text = " ".join(doc.text[term.start : term.end].split()) if term else ""
    return text if len(text) <= MAX_TERM_CHARS else ""


def _conflict(picked: list[Scored], citer: _Citer) -> list[Segment]:
    """ "Sources differ." and one line per source, oldest first, with its quotes."""
    docs = citer.docs
    groups = sorted(_groups(picked), key=lambda g: (docs[g[0].sentence.source].date or "9999", g[0].sentence.source))
    out = [Segment("heading", lang.current.SOURCES_DIFFER)]
    for g in groups:
        out += [Segment("sep", "\n"), Segment("item", lang.current.CONFLICT_ITEM.format(who=who(docs[g[0].sentence.source])))]
        out += citer.quotes(_runs(g))
    return out


def _agreeing(picked: list[Scored], citer: _Citer) -> list[Segment]:
    """The best source first ("According to ..."), then the others newest first ("... adds:")."""
    docs = citer.docs
    groups = _groups(picked)
    lead, rest = groups[0], groups[1:]
    rest.sort(key=lambda g: docs[g[0].sentence.source].date or "", reverse=True)
    out: list[Segment] = []
    for k, g in enumerate([lead, *rest]):
        wording = lang.current.ACCORDING_TO if k == 0 else lang.current.ADDS
        out += [Segment("sep", "\n\n")] if k else []
        out.append(Segment("lead", wording.format(who=who(docs[g[0].sentence.source]))))
        out += citer.quotes(sorted(_runs(g), key=_lead_order))  # the best span that says something leads
    return out


def _lead_order(run: list[Scored]) -> tuple[bool, float]:
    """Spans by score, a span that only points elsewhere ("(See also Virtual packages)") after those that say
    something (``lang.en.POINTER_RE``)."""
    points = all(lang.current.POINTER_RE.search(x.sentence.text.strip()) for x in run)
    return points, -max(x.score for x in run)


def compose(
    picked: list[Scored], conflict: bool, docs: dict[str, Document], nearest: Document | None = None, unseen: Sequence[str] = ()
) -> tuple[tuple[Segment, ...], list[Citation]]:
    """(segments, citations) of the answer that quotes ``picked``; an abstention when nothing is picked."""
    if not picked:
        text = abstention(nearest, unseen) if docs else lang.current.NO_DOCUMENTS_TEXT  # nothing indexed yet
        return (Segment("abstain", text),), []
    citer = _Citer(docs)
    segments = _conflict(picked, citer) if conflict else _agreeing(picked, citer)
    return tuple(segments), citer.citations


def build_answer(
    picked: list[Scored],
    conflict: bool,
    docs: dict[str, Document],
    nearest: Document | None,
    unseen: Sequence[str] = (),
    **extra,
) -> Answer:
    segments, citations = compose(picked, conflict, docs, nearest, unseen)
    return Answer(
        text=render_text(segments),
        citations=citations,
        abstained=not citations,
        conflict=conflict and bool(citations),
        segments=segments,
        **extra,
    )
