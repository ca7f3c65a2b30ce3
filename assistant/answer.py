"""From retrieved chunks to a cited answer: candidates, selection, conflicts, text.

There is no generative model: the words that carry facts are the sources' own
sentences, quoted verbatim with exact spans; the words around them (who says
it, when, how sources relate) come from templates and metadata.  Each candidate
sentence gets a calibrated probability that it answers (``scoring``); the answer
abstains when the best is below the model's fitted threshold.  The question's
shape (``lang_en``) changes only the selection: a summary or "why" question
takes the best passage of each source, a "how many" question gathers the figure
from every source that gives one and says "Sources differ" when they disagree.

Functions here are pure: the embedder and the scorer are passed in, nothing is
cached globally.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np

from . import lang_en
from .chunking import is_citable, paragraph_sentences
from .config import Settings
from .scoring import FEATURES, Candidate, Model, features, figures
from .text import human_date, tokenize
from .types import Answer, Citation, Document, Hit, Sentence, content_hash


@dataclass(frozen=True)
class Scored:
    sentence: Sentence
    score: float  # probability that the sentence answers
    dense: float
    lexical: float
    index: int  # position in its document's sentence list
    context: bool = False  # added by ``with_context`` so that a picked sentence reads alone
    miss: float = 0.0  # share of the question's pinning terms (names, numbers, dates) missing around it


class _Lazy(dict):
    """A dict that computes a missing key's value once, on first lookup (``[]``; ``get`` never computes)."""

    def __init__(self, compute: Callable):
        super().__init__()
        self.compute = compute

    def __missing__(self, key):
        value = self[key] = self.compute(key)  # two threads may both compute it: same value
        return value


class SentenceIndex:
    """Citable sentences per document (with their paragraph numbers), for mapping chunk spans to sentences.

    Built lazily, one document at a time, when a question first retrieves it:
    splitting every document at load cost most of a second at 100k chunks.
    """

    def __init__(self, docs: dict[str, Document]):
        self.docs = docs
        # (paragraph, sentence) of the citable sentences; hard-wrapped lines are one paragraph
        self._split: dict[str, list[tuple[int, Sentence]]] = _Lazy(
            lambda source: [(p, s) for p, s in paragraph_sentences(docs[source]) if is_citable(s)]
        )
        self.by_doc: dict[str, list[Sentence]] = _Lazy(lambda source: [s for _, s in self._split[source]])
        self.starts: dict[str, list[int]] = _Lazy(lambda source: [s.start for s in self.by_doc[source]])
        self.paragraphs: dict[str, list[int]] = _Lazy(lambda source: [p for p, _ in self._split[source]])
        self.meta: dict[str, str] = _Lazy(lambda source: f"{docs[source].title} {docs[source].author}")
        self._meta_terms: frozenset[str] | None = None

    @property
    def meta_terms(self) -> frozenset[str]:
        """Every word of the documents' titles, publishers and authors (computed on first use)."""
        if self._meta_terms is None:
            words = (f"{d.title} {d.publisher} {d.author}" for d in self.docs.values())
            self._meta_terms = frozenset(t for text in words for t in tokenize(text))
        return self._meta_terms

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

    def window(self, source: str, i: int) -> str:
        sents = self.by_doc[source]
        return " ".join(s.text for s in sents[max(0, i - 1) : i + 2])


def candidates(hits: Sequence[Hit], sindex: SentenceIndex) -> list[Candidate]:
    """Every citable sentence inside the retrieved chunks, once, with its best chunk's rank and score."""
    seen: dict[tuple[str, int], Candidate] = {}
    for rank, h in enumerate(hits):
        for i, s in sindex.within(h.chunk.source, h.chunk.start, h.chunk.end):
            if (s.source, i) not in seen:
                para = sindex.paragraphs[s.source][i]
                seen[(s.source, i)] = Candidate(s.source, i, s.start, s.end, s.text, rank, float(h.score), para)
    return list(seen.values())


def null_questions(sindex: SentenceIndex, k: int = 16, min_words: int = 10) -> list[tuple[str, str, int]]:
    """Pseudo-questions this corpus cannot answer once their own paragraph is set aside.

    A sentence of the corpus (picked by a sha256 of its place, so the choice is
    stable) is the question and its paragraph is excluded from the candidates: the
    best remaining probability is what an on-topic question whose answer is
    missing reaches *in this corpus*, the near-miss case abstention must catch.
    Returns (question, source, paragraph).
    """
    pool = [
        (content_hash(s.source, str(s.start)), s.text, s.source, sindex.paragraphs[s.source][i])
        for source in sorted(sindex.docs)
        for i, s in enumerate(sindex.by_doc[source])
        if len(s.text.split()) >= min_words
    ]
    return [(text, source, para) for _, text, source, para in sorted(pool)[:k]]


def candidate_features(
    question: str,
    context: str,
    cands: Sequence[Candidate],
    sindex: SentenceIndex,
    q_vec: Sequence[float],
    embed_sentences: Callable[[list[Sentence]], np.ndarray],
    idf: Callable[[str], float],
) -> tuple[np.ndarray, np.ndarray]:
    """(feature matrix, cosines) for the candidates."""
    if not cands:
        return np.zeros((0, 0)), np.zeros(0)
    sents = [Sentence(c.source, c.start, c.end, c.text) for c in cands]
    cos = embed_sentences(sents) @ np.asarray(q_vec, dtype=np.float32)
    windows = [sindex.window(c.source, c.index) for c in cands]
    meta = [sindex.meta[c.source] if c.source in sindex.docs else "" for c in cands]
    return features(question, context, cands, cos, windows, meta, idf), cos


def score(cands: Sequence[Candidate], x: np.ndarray, cos: np.ndarray, model: Model) -> list[Scored]:
    """Candidates with the model's probability, best first (ties by source, offset)."""
    if not cands:
        return []
    prob = model.predict(x)
    lex, miss = FEATURES.index("lex"), FEATURES.index("constraint_miss")
    out = [
        Scored(Sentence(c.source, c.start, c.end, c.text), float(p), float(d), float(f[lex]), c.index, miss=float(f[miss]))
        for c, p, d, f in zip(cands, prob, cos, x, strict=True)
    ]
    out.sort(key=lambda s: (-s.score, s.sentence.source, s.sentence.start))
    return out


# --- conflicts ------------------------------------------------------------------------------


def figure_sources(pool: Sequence[Scored], counted: set[str]) -> dict[str, list[Scored]]:
    """Per source, the sentences giving a figure for the counted thing.

    A figure counts the thing asked about when its noun is the question's
    ("how many hostages" -> '105 hostages').  A source that names it otherwise
    ("110 Israeli captives") is read by elimination: nouns that sit beside a
    matched figure in another sentence are known to be other things ("240
    Palestinian prisoners"), and when a sentence gives one of those other things
    and exactly one more figure, that figure is taken as this source's.  A
    sentence that carries none of the question's pinning terms (``miss`` 1: "2,000
    people" killed in Lebanon, for people killed on October 7) counts something else.
    """
    matched: dict[str, list[Scored]] = {}
    others: set[str] = set()
    pool = [s for s in pool if s.miss < 1.0]
    for s in pool:
        figs = figures(s.sentence.text)
        if any(n in counted for _, n in figs):
            matched.setdefault(s.sentence.source, []).append(s)
            others |= {n for _, n in figs if n not in counted}
    for s in pool:
        if s.sentence.source in matched:
            continue
        nouns = {n for _, n in figures(s.sentence.text)}
        left = nouns - others
        if len(left) == 1 and nouns & others:  # parallel to a matched sentence: the known other thing is there too
            matched[s.sentence.source] = [s]
    return matched


def find_conflict(pool: Sequence[Scored], question: str, per_source: int = 2) -> list[Scored]:
    """The best sentences (``per_source`` each) of every source giving a figure for the thing counted, when they differ."""
    counted = set(tokenize(lang_en.counted_phrase(question)))
    if not counted:
        return []
    by_source = {src: sorted(g, key=lambda s: -s.score)[:per_source] for src, g in figure_sources(pool, counted).items()}
    if len(by_source) < 2:
        return []
    values = {frozenset(v for s in group for v, n in figures(s.sentence.text) if n in counted) for group in by_source.values()}
    if len(values) < 2:
        return []
    return [s for group in by_source.values() for s in group]


# --- selection and text ---------------------------------------------------------------------


def _overlap(a: str, b: str) -> float:
    ta, tb = set(tokenize(a)), set(tokenize(b))
    return len(ta & tb) / max(1, min(len(ta), len(tb)))


def with_context(picked: Sequence[Scored], sindex: SentenceIndex) -> list[Scored]:
    """Add the neighbours a picked sentence needs to be read alone.

    The previous sentence when it opens with an anaphor ("During that time, ..."),
    the next one when it is a quotation that carries the claim (English reported
    speech: 'X noted that ... . "quote," she said.').  Neighbours merge into one citation.
    """
    out = {(p.sentence.source, p.index): p for p in picked}
    for p in picked:
        sents = sindex.by_doc[p.sentence.source]
        i = p.index
        if i > 0 and lang_en.ANAPHORA_RE.match(p.sentence.text) and sents[i - 1].end + 3 >= p.sentence.start:
            out.setdefault((p.sentence.source, i - 1), Scored(sents[i - 1], p.score, p.dense, p.lexical, i - 1, True))
        opens = lang_en.OPENS_QUOTE_RE.match
        attributed = lang_en.REPORTED_SPEECH_RE.search(p.sentence.text) or not opens(p.sentence.text)
        if i + 1 < len(sents) and opens(sents[i + 1].text) and attributed and sents[i + 1].start - p.sentence.end <= 3:
            out.setdefault((p.sentence.source, i + 1), Scored(sents[i + 1], p.score, p.dense, p.lexical, i + 1, True))
    order = {k: n for n, k in enumerate((p.sentence.source, p.index) for p in picked)}
    return sorted(out.values(), key=lambda x: (order.get((x.sentence.source, x.index), len(order)), x.index))


def asks(sentence: Sentence) -> bool:
    """A question in the text (an FAQ heading, a rhetorical one) answers nothing, unless nothing else does."""
    return sentence.text.rstrip().endswith("?")


def _distinct(pool: Sequence[Scored], limit: int, per_source: int, questions: bool = False) -> list[Scored]:
    picked: list[Scored] = []
    for s in pool:
        if len(picked) >= limit:
            break
        if sum(p.sentence.source == s.sentence.source for p in picked) >= per_source:
            continue
        if not questions and asks(s.sentence):
            continue
        if any(_overlap(s.sentence.text, p.sentence.text) > 0.7 for p in picked):
            continue
        picked.append(s)
    return picked


def unseen_names(question: str, idf: Callable[[str], float], n_texts: int, meta_terms: Collection[str] = ()) -> list[str]:
    """The question's proper names (``lang_en.proper_names``) that neither the text nor the metadata mentions.

    A question pinned on a name the sources never mention ("What did Nasrallah
    say?") cannot be answered from them, however close the nearest passage reads;
    ``idf`` is the keyword index's, at its maximum for a term no text holds, and
    ``meta_terms`` the words of the documents' titles, publishers and authors
    ("according to GZERO").  Month names are dates, not names.  A name is seen
    when an indexed word is a long enough start of it ("Sodom" for "Sodomites").
    Boilerplate is not indexed, so a name found only in page furniture counts as unseen.
    """
    top = float(np.log(1 + (n_texts + 0.5) / 0.5)) - 1e-9

    def unseen(term: str) -> bool:
        starts = {term[:n] for n in range(max(5, int(0.6 * len(term) + 0.999)), len(term) + 1)}
        return all(idf(t) >= top for t in starts | {term})

    out = []
    for name in lang_en.proper_names(question):
        terms = [t for t in tokenize(name) if t.isalpha() and len(t) > 1]
        if name in lang_en.MONTH_NAMES or any(t in meta_terms for t in terms):
            continue
        if terms and all(unseen(t) for t in terms):
            out.append(name)
    return out


def abstain_below(model: Model, null_best: Sequence[float]) -> float:
    """The model's threshold, raised to the chosen quantile of this corpus's null best probabilities."""
    if model.null_quantile < 0 or not null_best:
        return model.threshold
    return max(model.threshold, float(np.quantile(np.asarray(null_best), model.null_quantile)))


def select(scored: Sequence[Scored], settings: Settings, question: str, threshold: float) -> tuple[list[Scored], bool]:
    """Pick the sentences to cite; returns (picked, is_conflict).

    Summaries ask for the sources' gist, so a weaker best match still answers them.
    """
    shape = lang_en.question_shape(question)
    floor = threshold * (settings.summary_threshold_factor if shape == "summary" else 1.0)
    if not scored or scored[0].score < floor:
        return [], False
    best = scored[0].score
    if shape == "number":  # the question is answered: gather every source's figure, however it ranks
        pool = [s for s in scored if s.score >= settings.conflict_rel * best]
        conflict = find_conflict(pool, question)
        if conflict:
            return conflict[: settings.max_citations + 2], True
    if shape in ("summary", "why"):  # the best passage of each source first, then the rest
        pool = [s for s in scored if s.score >= settings.summary_rel * best]
        first = _distinct(pool, settings.max_citations, per_source=1)
        rest = [s for s in pool if s not in first]
        return _distinct(first + rest, settings.max_citations, per_source=2), False
    strong = [s for s in scored if s.score >= max(floor, settings.rel_score * best)]
    picked = _distinct(strong, settings.max_citations, per_source=settings.max_citations)
    # when every strong sentence asks a question (scripture, dialogue: "have ye never read, Out of the mouth of
    # babes ... thou hast perfected praise?"), the question is the text that answers
    return picked or _distinct(strong, settings.max_citations, settings.max_citations, questions=True), False


def _groups(picked: Sequence[Scored]) -> list[list[Scored]]:
    """Group by source (first appearance order), merging runs of adjacent sentences."""
    by_source: dict[str, list[Scored]] = {}
    for p in picked:
        by_source.setdefault(p.sentence.source, []).append(p)
    return [sorted(v, key=lambda s: s.index) for v in by_source.values()]


def _runs(items: list[Scored]) -> list[list[Scored]]:
    """One citation per picked sentence, joined with the neighbours added to make it readable."""
    runs: list[list[Scored]] = []
    for s in items:
        if runs and s.index == runs[-1][-1].index + 1 and (s.context or runs[-1][-1].context):
            runs[-1].append(s)
        else:
            runs.append([s])
    return runs


def _who(doc: Document) -> str:
    """'Vox (Oct 2024)'; just the label (publisher, else title) when the date is missing or not a real date."""
    when = human_date(doc.date)
    named = doc.publisher and doc.publisher.lower() != "unknown"
    label = doc.label if named or doc.label == doc.source else f"“{doc.label}”"
    return label if when == "undated" else f"{label} ({when})"


def compose(
    picked: list[Scored], conflict: bool, docs: dict[str, Document], nearest: Document | None = None, unseen: Sequence[str] = ()
) -> tuple[str, list[Citation]]:
    if not picked:
        text = "The sources do not answer this question."
        if unseen:
            names = " or ".join(f"“{n}”" for n in unseen[:3])
            text = f"The sources do not answer this question. None of them mentions {names}."
        if nearest is not None:
            named = nearest.publisher if nearest.publisher.lower() not in ("", "unknown") else ""
            when = human_date(nearest.date)
            details = ", ".join(x for x in (named, "" if when == "undated" else when) if x)
            where = f"“{nearest.title or nearest.source}”" + (f" ({details})" if details else "")
            text += f" The closest material is in {where}, which does not address it directly."
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

    def best_first(g: list[Scored]) -> str:  # the span that answers best leads its source's quotes
        return " ".join(cite(r) for r in sorted(_runs(g), key=lambda r: -max(x.score for x in r)))

    paras = [f"According to {_who(docs[lead[0].sentence.source])}, " + best_first(lead)]
    for g in rest:
        paras.append(f"{_who(docs[g[0].sentence.source])} adds: " + best_first(g))
    return "\n\n".join(paras), citations


def build_answer(
    question: str,
    picked: list[Scored],
    conflict: bool,
    docs: dict[str, Document],
    nearest: Document | None,
    unseen: Sequence[str] = (),
    **extra,
) -> Answer:
    text, citations = compose(picked, conflict, docs, nearest, unseen)
    return Answer(text=text, citations=citations, abstained=not citations, conflict=conflict and bool(citations), **extra)
