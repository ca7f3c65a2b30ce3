"""From retrieved chunks to a cited answer: sentence scoring, selection, conflicts, text.

There is no generative model: the words that carry facts are the sources' own
sentences, quoted verbatim with exact spans; the words around them (who says
it, when, how sources relate) come from templates and metadata.  A sentence's
score mixes its embedding similarity to the question with an idf-weighted
lexical coverage of the question's terms, and a penalty when it cannot hold the
kind of answer asked for (a number for "how many", a date for "when").  When
the best score is under ``min_score`` the answer abstains, with no citations.

Functions here are pure: the embedder is passed in, nothing is cached globally.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .chunking import is_citable, split_sentences
from .config import Settings
from .ports import KeywordIndex
from .text import MONTH_NAMES, YEAR, human_date, mentions_date, tokenize
from .types import Answer, Citation, Document, Hit, Sentence

_NUM_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve dozen dozens hundred hundreds thousand thousands million half"
)
_NUMBER_RE = re.compile(rf"\d|\b(?:{'|'.join(_NUM_WORDS.split())})\b", re.I)
_FACT_RE = re.compile(r"(?<![\w.-])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w-])\s+((?:[\w’'-]+\s+){0,2}[\w’'-]+)")
_SKIP_BEFORE_NOUN = {"more", "additional", "other", "new", "of", "the", "total", "percent", "per"}
_SYNONYMS = {"captive": "hostage", "death": "killed", "dead": "killed", "people": "people"}
STOP_NAMES = {
    "what",
    "who",
    "whom",
    "when",
    "why",
    "how",
    "which",
    "where",
    "did",
    "does",
    "is",
    "was",
    "has",
    "have",
    "according",
    "per",
    "in",
    "and",
    "the",
}
QUANT_Q = re.compile(r"\b(how many|how much|number of|death toll|toll|figure|count|tally|casualt)", re.I)


def answer_kind(question: str) -> str:
    q = question.lower().strip()
    if QUANT_Q.search(q):
        return "number"
    if re.match(r"^(when|what (date|day|month|year)|on what date|since when)\b", q):
        return "date"
    if re.match(r"^(who|whom|which (official|leader|analyst|expert|person)|what (was|is) the name)\b", q):
        return "who"
    return "any"


def kind_fit(kind: str, text: str, q_tokens: set[str]) -> float:
    """1.0 when the sentence can hold the kind of answer asked for, less when it cannot."""
    if kind == "number":
        heads = {n for _, n in figures(text)}
        if heads & q_tokens:
            return 1.0
        return 0.85 if (heads or _NUMBER_RE.search(YEAR.sub("", text))) else 0.75
    if kind == "date":
        return 1.0 if mentions_date(text) else 0.8
    if kind == "who":
        named = re.search(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+\s+[A-Z][a-z]+", text) or " said" in text
        return 1.0 if named else 0.85
    return 1.0


def constraint_terms(question: str) -> set[str]:
    """Terms that pin a question to something specific: numbers, years, months, names."""
    out = set()
    words = re.findall(r"[\w’'-]+", question)
    for i, w in enumerate(words):
        if re.fullmatch(r"\d[\d,.]*", w) or w in MONTH_NAMES:
            out.add(w.lower().replace(",", ""))
        elif i > 0 and w[:1].isupper() and w.lower() not in STOP_NAMES:
            out.update(tokenize(w))
    return out


def constraint_fit(constraints: set[str], window_tokens: set[str], bm25: KeywordIndex, common: float = 1.2) -> float:
    """0.85 per missing rare constraint term (at most two); common terms like 'Israel' never count."""
    missing = [t for t in constraints if t not in window_tokens and bm25.idf(t) > common]
    return 0.85 ** min(2, len(missing))


@dataclass(frozen=True)
class Scored:
    sentence: Sentence
    score: float
    dense: float
    lexical: float
    index: int  # position in its document's sentence list


class _Lazy(dict):
    """A dict that computes a missing key's value once, on first lookup (``[]``; ``get`` never computes)."""

    def __init__(self, compute: Callable):
        super().__init__()
        self.compute = compute

    def __missing__(self, key):
        value = self[key] = self.compute(key)  # two threads may both compute it: same value
        return value


class SentenceIndex:
    """Citable sentences per document, for mapping chunk spans to sentences.

    Built lazily, one document at a time, when a question first retrieves it:
    splitting every document at load cost most of a second at 100k chunks.
    """

    def __init__(self, docs: dict[str, Document]):
        self.docs = docs
        self.by_doc: dict[str, list[Sentence]] = _Lazy(self._sentences)
        self.starts: dict[str, list[int]] = _Lazy(lambda source: [s.start for s in self.by_doc[source]])
        self.meta_tokens: dict[str, set[str]] = _Lazy(self._meta_tokens)

    def _sentences(self, source: str) -> list[Sentence]:
        return [s for s in split_sentences(self.docs[source]) if is_citable(s)]

    def _meta_tokens(self, source: str) -> set[str]:
        doc = self.docs[source]
        when = human_date(doc.date) if doc.date else ""
        when = "" if when == "undated" else when
        long_month = {m[:3]: m for m in MONTH_NAMES}
        when = " ".join(long_month.get(w, w) for w in when.split())
        return set(tokenize(f"{doc.title} {doc.publisher} {doc.author} {when}"))

    def within(self, source: str, start: int, end: int) -> list[tuple[int, Sentence]]:
        if source not in self.docs:
            return []
        sents, starts = self.by_doc[source], self.starts[source]
        i = bisect.bisect_left(starts, start)
        out = []
        while i < len(sents) and sents[i].start < end:
            if sents[i].end <= end:
                out.append((i, sents[i]))
            i += 1
        return out


def lexical_coverage(q_terms: dict[str, float], text: str) -> float:
    if not q_terms:
        return 0.0
    toks = set(tokenize(text))
    total = sum(q_terms.values())
    return sum(w for t, w in q_terms.items() if t in toks) / total


def query_terms(question: str, context: str, bm25: KeywordIndex) -> dict[str, float]:
    """idf weights of the question's terms; terms from follow-up context count half."""
    terms: dict[str, float] = {}
    for t in set(tokenize(context)):
        terms[t] = 0.5 * bm25.idf(t)
    for t in set(tokenize(question)):
        terms[t] = bm25.idf(t)
    return terms


def score_sentences(
    question: str,
    context: str,
    hits: Sequence[Hit],
    sindex: SentenceIndex,
    bm25: KeywordIndex,
    q_vec: Sequence[float],
    embed_sentences: Callable[[list[Sentence]], np.ndarray],
    settings: Settings,
) -> list[Scored]:
    seen: dict[tuple[str, int], Sentence] = {}
    for h in hits:
        for i, s in sindex.within(h.chunk.source, h.chunk.start, h.chunk.end):
            seen.setdefault((s.source, i), s)
    if not seen:
        return []
    keys = list(seen)
    sents = [seen[k] for k in keys]
    vecs = embed_sentences(sents)
    dense = vecs @ np.asarray(q_vec, dtype=np.float32)
    q_terms = query_terms(question, context, bm25)
    kind = answer_kind(question)
    q_tokens = set(tokenize(question))
    constraints = constraint_terms(question)
    out = []
    for (source, i), s, d in zip(keys, sents, dense, strict=True):
        doc_sents = sindex.by_doc[source]
        window = " ".join(x.text for x in doc_sents[max(0, i - 1) : i + 2])
        lex = 0.75 * lexical_coverage(q_terms, s.text) + 0.25 * lexical_coverage(q_terms, window)
        score = settings.w_dense * float(d) + settings.w_lex * lex
        known = set(tokenize(window)) | sindex.meta_tokens[source]
        score *= kind_fit(kind, s.text, q_tokens) * constraint_fit(constraints, known, bm25)
        out.append(Scored(s, score, float(d), lex, i))
    out.sort(key=lambda x: (-x.score, x.sentence.source, x.sentence.start))
    return out


# --- conflicts ------------------------------------------------------------------------------


def _head_noun(words: str) -> str:
    for w in words.split():
        lw = w.lower().strip("’'")
        if lw in _SKIP_BEFORE_NOUN:
            continue
        if w[:1].isupper() and not lw.endswith("s"):  # "Israeli", "Palestinian": adjectives
            continue
        noun = tokenize(lw, keep_stopwords=True)
        noun = noun[0] if noun else lw
        return _SYNONYMS.get(noun, noun)
    return ""


def figures(text: str) -> list[tuple[str, str]]:
    """(number, head noun) pairs: '110 Israeli captives' -> ('110', 'hostage')."""
    out = []
    for m in _FACT_RE.finditer(text):
        num = m.group(1)
        if YEAR.fullmatch(num):
            continue  # a year
        noun = _head_noun(m.group(2))
        if noun:
            out.append((num.replace(",", ""), noun))
    return out


def find_conflict(candidates: Sequence[Scored], lead: Scored) -> list[Scored]:
    """Sentences from different sources giving different figures for the lead's thing."""
    lead_nouns = {n for _, n in figures(lead.sentence.text)}
    if not lead_nouns:
        return []
    chosen: dict[str, Scored] = {lead.sentence.source: lead}
    values: dict[str, set[str]] = {lead.sentence.source: {v for v, n in figures(lead.sentence.text) if n in lead_nouns}}
    for c in candidates:
        if c.sentence.source in chosen:
            continue
        vals = {v for v, n in figures(c.sentence.text) if n in lead_nouns}
        if vals:
            chosen[c.sentence.source] = c
            values[c.sentence.source] = vals
    all_vals = [frozenset(v) for v in values.values()]
    if len(chosen) < 2 or len(set(all_vals)) < 2:
        return []
    return list(chosen.values())


# --- selection and text ---------------------------------------------------------------------


def _overlap(a: str, b: str) -> float:
    ta, tb = set(tokenize(a)), set(tokenize(b))
    return len(ta & tb) / max(1, min(len(ta), len(tb)))


_ANAPHORA = re.compile(
    r"^(During that|At that|That|This|These|Those|It|Its|They|Their|He|His|She|Her|Such|But|However|Still|Yet|Instead|Indeed|Meanwhile|Similarly|In addition|Besides)\b"
)
_OPENS_QUOTE = re.compile(r"^[“\"]")
_ATTRIBUTION = re.compile(r"\b(said|says|told|noted|added|argued|argues|wrote|explained)\b[^“”\"]{0,80}[.!?]$")


def with_context(picked: Sequence[Scored], sindex: SentenceIndex) -> list[Scored]:
    """Add the neighbours a picked sentence needs to be read alone.

    The previous sentence when it opens with an anaphor ("During that time, ..."),
    the next one when it is a quotation that carries the claim (journalism's
    'X noted that ... . "quote," she said.').  Neighbours merge into one citation.
    """
    out = {(p.sentence.source, p.index): p for p in picked}
    for p in picked:
        sents = sindex.by_doc[p.sentence.source]
        i = p.index
        if i > 0 and _ANAPHORA.match(p.sentence.text) and sents[i - 1].end + 3 >= p.sentence.start:
            out.setdefault((p.sentence.source, i - 1), Scored(sents[i - 1], p.score, p.dense, p.lexical, i - 1))
        attributed = _ATTRIBUTION.search(p.sentence.text) or not _OPENS_QUOTE.match(p.sentence.text)
        if i + 1 < len(sents) and _OPENS_QUOTE.match(sents[i + 1].text) and attributed:
            if sents[i + 1].start - p.sentence.end <= 3:
                out.setdefault((p.sentence.source, i + 1), Scored(sents[i + 1], p.score, p.dense, p.lexical, i + 1))
    order = {k: n for n, k in enumerate((p.sentence.source, p.index) for p in picked)}
    return sorted(out.values(), key=lambda x: (order.get((x.sentence.source, x.index), len(order)), x.index))


def select(scored: Sequence[Scored], settings: Settings, question: str) -> tuple[list[Scored], bool]:
    """Pick the sentences to cite; returns (picked, is_conflict)."""
    if not scored or scored[0].score < settings.min_score:
        return [], False
    best = scored[0]
    floor = max(settings.min_score, settings.rel_score * best.score)
    strong = [s for s in scored if s.score >= floor]
    if answer_kind(question) == "number":
        pool = [s for s in scored if s.score >= max(settings.min_score, 0.7 * best.score)]
        conflict = find_conflict(pool, best)
        if conflict:
            return conflict[: settings.max_citations + 2], True
    picked: list[Scored] = []
    for s in strong:
        if len(picked) >= settings.max_citations:
            break
        if any(_overlap(s.sentence.text, p.sentence.text) > 0.7 for p in picked):
            continue
        picked.append(s)
    return picked, False


def _groups(picked: Sequence[Scored]) -> list[list[Scored]]:
    """Group by source (first appearance order), merging runs of adjacent sentences."""
    by_source: dict[str, list[Scored]] = {}
    for p in picked:
        by_source.setdefault(p.sentence.source, []).append(p)
    return [sorted(v, key=lambda s: s.index) for v in by_source.values()]


def _runs(items: list[Scored]) -> list[list[Scored]]:
    runs: list[list[Scored]] = []
    for s in items:
        if runs and s.index == runs[-1][-1].index + 1:
            runs[-1].append(s)
        else:
            runs.append([s])
    return runs


def _who(doc: Document) -> str:
    """'Vox (Oct 2024)'; just the label when the date is missing or not a real date."""
    when = human_date(doc.date)
    return doc.label if when == "undated" else f"{doc.label} ({when})"


def compose(
    picked: list[Scored], conflict: bool, docs: dict[str, Document], nearest: Document | None = None
) -> tuple[str, list[Citation]]:
    if not picked:
        text = "The sources do not answer this question."
        if nearest is not None:
            text += f" The closest material is in “{nearest.title}” ({_who(nearest)}), which does not address it directly."
        return text, []
    citations: list[Citation] = []

    def cite(run: list[Scored]) -> str:
        doc = docs[run[0].sentence.source]
        a, b = run[0].sentence.start, run[-1].sentence.end
        n = len(citations) + 1
        citations.append(
            Citation(
                n,
                doc.source,
                a,
                b,
                doc.text[a:b],
                doc.title,
                doc.publisher,
                doc.author,
                doc.date,
                max(r.score for r in run),
                doc.page_at(a),
            )
        )
        return f"“{doc.text[a:b]}” [{n}]"

    if conflict:
        groups = sorted(_groups(picked), key=lambda g: (docs[g[0].sentence.source].date or "9999", g[0].sentence.source))
        lines = ["**Sources differ.**"]
        for g in groups:
            doc = docs[g[0].sentence.source]
            lines.append(f"- {_who(doc)}: " + " ".join(cite(r) for r in _runs(g)))
        return "\n".join(lines), citations

    groups = _groups(picked)
    lead, rest = groups[0], groups[1:]
    rest.sort(key=lambda g: docs[g[0].sentence.source].date or "", reverse=True)  # newest first
    paras = [f"According to {_who(docs[lead[0].sentence.source])}, " + " ".join(cite(r) for r in _runs(lead))]
    for g in rest:
        paras.append(f"{_who(docs[g[0].sentence.source])} adds: " + " ".join(cite(r) for r in _runs(g)))
    return "\n\n".join(paras), citations


def build_answer(
    question: str, picked: list[Scored], conflict: bool, docs: dict[str, Document], nearest: Document | None, **extra
) -> Answer:
    text, citations = compose(picked, conflict, docs, nearest)
    return Answer(text=text, citations=citations, abstained=not citations, conflict=conflict and bool(citations), **extra)
