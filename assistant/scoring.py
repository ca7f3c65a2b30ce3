"""Evidence scoring: features of candidate sentences and a small calibrated logistic scorer.

A question's candidates are the citable sentences inside its retrieved chunks.
Each gets a row of features that are, wherever possible, *relative to the
question's own candidate set* (a cosine minus the best cosine, a rank, a BM25
normalised by the best in the set): absolute cosines and BM25 scores drift from
one corpus to the next (short verses, long FAQ paragraphs, speeches), ranks and
gaps much less.  A logistic regression over them, fitted on several corpora with
leave-one-corpus-out (``evals/fit_scorer.py``), turns a row into the probability
that the sentence lies in a passage that answers the question.

Pure functions; the only state is the ``Scorer`` read from a committed JSON
(``assistant/weights/scorer.json``), which records its features, its training
corpora and one fold per left-out corpus.  Term weights (idf) come from the
caller, so the keyword index stays behind the retriever.  Trade-off: a linear
model over 14 features cannot learn what a cross-encoder would, but it is
inspectable, fits in milliseconds and cannot memorise a corpus's vocabulary.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import lang
from .text import initialisms, match_form, own_words, stem, tokenize, words

if TYPE_CHECKING:
    from .plan import Plan

PLACE_NEAR = 4  # content words before a named place among which a "where" question's term must stand (kind_fit)
WEIGHTS = Path(__file__).resolve().parent / "weights" / "scorer.json"
FEATURES = (
    "cos",  # cosine(question, sentence)
    "cos_gap",  # cos - best cos among the candidates
    "cos_rank",  # 1 / (1 + rank by cos among the candidates)
    "win_cos",  # mean cos of the sentence and its candidate neighbours (±1)
    "para_gap",  # mean cos of the candidates in the same paragraph - best such mean
    "lex",  # idf-weighted share of the question's terms in the sentence
    "lex_gap",  # lex - best lex among the candidates
    "win_bm25",  # BM25 of the ±1 window / best window BM25 among the candidates
    "chunk_rank",  # 1 / (1 + rank of the best retrieved chunk holding the sentence)
    "chunk_score",  # fused retrieval score of that chunk (already min-max normalised)
    "kind_fit",  # the sentence can hold the kind of answer asked for (a number, a date, a name)
    "constraint_miss",  # share of the question's rare pinning terms (numbers, names) missing around it
    "log_words",  # log(1 + words in the sentence)
    "meta_lex",  # share of the question's terms in the document's title/author and the heading above it
)


@dataclass(frozen=True)
class Candidate:
    """A citable sentence reached through retrieval; ``index`` is its position in the document's list."""

    source: str
    index: int
    start: int
    end: int
    text: str
    chunk_rank: int
    chunk_score: float
    paragraph: int


def figures(text: str) -> list[tuple[str, str]]:
    """(number, head noun) pairs: '110 Israeli captives' -> ('110', 'captive'); years are skipped."""
    out = []
    for m in lang.current.FIGURE_RE.finditer(text):
        num = m.group(1)
        before = text[max(0, m.start() - 12) : m.start()].split()
        if lang.current.YEAR_RE.fullmatch(num) or (before and before[-1].strip(".,") in lang.current.MONTH_NAMES):
            continue  # a year, or a day of a month ("October 7 attacks")
        for w in m.group(2).split():
            lw = w.lower().strip("’'")
            if lw in lang.current.SCALE_WORDS:  # "3 million workers": the figure is 3,000,000, as "3,000,000 workers"
                num = f"{round(float(num.replace(',', '')) * lang.current.SCALE_WORDS[lw]):d}"
                continue
            if lw in lang.current.FIGURE_FILLER or (w[:1].isupper() and not lw.endswith("s")):
                continue  # "more", "the"; a capitalised adjective ("Israeli", "Palestinian")
            toks = tokenize(lw, keep_stopwords=True)
            out.append((num.replace(",", ""), toks[0] if toks else lw))
            break
    return out


def counts(text: str, counted: Collection[str]) -> bool:
    """Does ``text`` give a figure for one of the ``counted`` things: a number followed by a noun phrase that names
    one of them (in match form: "150 Palestinian prisoners" and "thousands of prisoners" count "prisoners", "40,000
    Palestinians" does not count "soldiers", "180 missiles landed in Israeli territory" does not count "Israelis";
    "150 deaths" counts people)?"""
    en = lang.current
    want = {match_form(t) for t in counted}
    if want & {match_form(w) for w in en.PEOPLE_WORDS}:
        want |= {match_form(w) for w in en.PEOPLE_NOUNS}
    return any(want & {match_form(w) for w in _noun_phrase(words(text[m.end() : m.end() + 120]))} for m in _numbers(text))


def _numbers(text: str):
    """The numbers of ``text`` (digits or number words) that are not years: "in 2024 the talks resumed" counts
    nothing and sizes nothing."""
    return (m for m in lang.current.COUNT_RE.finditer(text) if not lang.current.YEAR_RE.fullmatch(m.group(0)))


def gives_new(kind: str, text: str, known: str) -> bool:
    """Does ``text`` hold a date (``kind`` "date"), a proper name ("name"), a named place ("place") or a figure
    ("figure", not a year) that ``known`` (what the user asked, ``Plan.asked``) does not: "November 24, 2023"
    answers "On what date did the November 2023 truce take effect?", "in late November" does not; "The recent
    death of Hamas leader Yahya Sinwar ..." names nobody new for "Who replaced Yahya Sinwar?"."""
    if kind in ("date", "figure"):
        have = set(tokenize(known, keep_stopwords=True))
        found = lang.current.DATE_MENTION_RE.finditer(text) if kind == "date" else _numbers(text)
        return any(not set(tokenize(m.group(0), keep_stopwords=True)) <= have for m in found)
    have = set(tokenize(known))
    if kind == "place":
        return any(not set(tokenize(m.group(1))) <= have for m in lang.current.PLACE_RE.finditer(text))
    return any(not set(tokenize(name)) <= have for name in lang.current.proper_names(text))


def _noun_phrase(after: list[str]) -> list[str]:
    """The words after a number up to the first function word ("of", "more" first are skipped: "dozens of trucks",
    "20 more hostages")."""
    if after[:1] == ["of"]:
        after = after[1:]
    out = []
    for w in after[: lang.current.COUNTED_WITHIN]:
        if w in lang.current.FIGURE_FILLER and not out:
            continue  # "20 more hostages", "a total of"
        if w in lang.current.FUNCTION_WORDS:
            break
        out.append(stem(w))
    return out


def constraint_terms(question: str) -> set[str]:
    """Terms that pin a question to something specific: numbers, months, capitalised names, and the
    figure of a measured compound ("the four-day truce", "a 48-hour pause": a week-long one is another)."""
    out: set[str] = set()
    words = re.findall(r"[\w’'-]+", question)
    for i, w in enumerate(words):
        head, _, tail = w.lower().partition("-")
        if re.fullmatch(r"\d[\d,.]*", w) or w in lang.current.MONTH_NAMES:
            out.add(w.lower().replace(",", ""))
        elif tail and (head.isdigit() or head in lang.current.NUMBER_VALUES) and tail not in lang.current.NUMBER_WORDS:
            out.add(head)
        elif (
            i > 0
            and w[:1].isupper()
            and w.lower() not in lang.current.QUESTION_WORDS
            and not lang.current.FIRST_PERSON_RE.fullmatch(w)
        ):
            out.update(tokenize(w))
    return out


def query_terms(question: str, context: str, idf: Callable[[str], float]) -> dict[str, float]:
    """idf weights of the question's terms; terms from follow-up context count half."""
    terms = {t: 0.5 * idf(t) for t in set(tokenize(context))}
    terms.update({t: idf(t) for t in set(tokenize(question))})
    return terms


def coarse(text: str) -> list[str]:
    """``text``'s terms in the coarser form words are matched in ("mediates" and "mediators" meet)."""
    return [match_form(t) for t in tokenize(text)]


def coarse_terms(q_terms: dict[str, float]) -> dict[str, float]:
    """Query terms keyed by their match form; terms that meet keep the larger weight."""
    out: dict[str, float] = {}
    for t, w in q_terms.items():
        k = match_form(t)
        out[k] = max(out.get(k, 0.0), w)
    return out


def coverage(q_terms: dict[str, float], tokens: set[str]) -> float:
    total = sum(q_terms.values())
    return sum(w for t, w in q_terms.items() if t in tokens) / total if total > 0 else 0.0


def bm25_text(q_terms: dict[str, float], tokens: list[str], avg_len: float, k1: float = 1.2, b: float = 0.75) -> float:
    """BM25 of one text for the weighted query terms (idf given), length-normalised by ``avg_len``."""
    if not tokens:
        return 0.0
    counts: dict[str, int] = {}
    for t in tokens:
        if t in q_terms:
            counts[t] = counts.get(t, 0) + 1
    norm = k1 * (1 - b + b * len(tokens) / (avg_len or 1.0))
    return sum(q_terms[t] * tf * (k1 + 1) / (tf + norm) for t, tf in counts.items())


def kind_fit(shape: str, text: str, counted: Collection[str], about: Collection[str] = ()) -> float:
    """1 when the sentence can hold the kind of answer asked for; 0.5 or 0 when it cannot.

    A "where" question's place is one named right after what it asks ``about`` (terms in match form): "Israel's
    negotiating delegation from Doha" places the negotiations, "a lobby in the United States" does not (0.5)."""
    if shape == "number":
        heads = {n for _, n in figures(text)}
        if heads & counted:
            return 1.0
        return 0.5 if (heads or lang.current.NUMBER_RE.search(lang.current.YEAR_RE.sub("", text))) else 0.0
    if shape == "date":
        return 1.0 if lang.current.DATE_RE.search(text) else 0.0
    if shape == "who":  # someone the question does not name already ("Who created X?" is not answered by "X 3 ...")
        names = [w for w in text.split()[1:] if lang.current.may_name_someone(w)]
        return 1.0 if any(not set(coarse(w)) & set(about) for w in names) else 0.0
    if shape == "where":
        places = [m.start() for m in lang.current.PLACE_RE.finditer(text)]
        if not places:
            return 0.0
        near = not about or any(set(coarse(text[:at])[-PLACE_NEAR:]) & set(about) for at in places)
        return 1.0 if near else 0.5
    return 1.0


def _ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return ranks


def _window_mean(values: np.ndarray, cands: Sequence[Candidate]) -> np.ndarray:
    """Per candidate, the mean of ``values`` over it and its neighbours (±1) that are candidates too."""
    pos = {(c.source, c.index): i for i, c in enumerate(cands)}
    return np.array(
        [
            np.mean([values[pos[(c.source, j)]] for j in (c.index - 1, c.index, c.index + 1) if (c.source, j) in pos])
            for c in cands
        ]
    )


def features(
    plan: Plan,
    cands: Sequence[Candidate],
    cos: np.ndarray,
    windows: Sequence[str],
    meta: Sequence[str],
    idf: Callable[[str], float],
    leads: Sequence[str] = (),
) -> np.ndarray:
    """One row per candidate, columns in ``FEATURES`` order, for the question the ``plan`` reads.

    ``windows[i]`` is the text of candidate i with its neighbours (±1 sentence),
    ``meta[i]`` its document's title and author and the heading it lies under,
    ``leads[i]`` the heading candidate i opens the section of ("" if none): its words count as the sentence's own.
    """
    n = len(cands)
    if n == 0:
        return np.zeros((0, len(FEATURES)))
    cos = np.asarray(cos, dtype=float)
    q_terms = coarse_terms(query_terms(plan.unframed, plan.context, idf))
    shape, counted = plan.shape, plan.counted
    pins = constraint_terms(plan.question)
    rare = {match_form(t) for t in pins if idf(t) > 1.2}
    win_tokens = [coarse(w) for w in windows]
    meta_tokens = {m: set(coarse(m)) | initialisms(m) for m in set(meta)}  # one per section, not per candidate
    avg = sum(map(len, win_tokens)) / n
    bm = np.array([bm25_text(q_terms, t, avg) for t in win_tokens])
    leads = list(leads) or [""] * n
    lex = np.array([coverage(q_terms, set(coarse(f"{own_words(c.text)} {h}"))) for c, h in zip(cands, leads, strict=True)])
    win_cos = _window_mean(cos, cands)
    para: dict[tuple[str, int], list[float]] = {}
    for c, v in zip(cands, cos, strict=True):
        para.setdefault((c.source, c.paragraph), []).append(float(v))
    para_mean = {k: float(np.mean(v)) for k, v in para.items()}
    para_col = np.array([para_mean[(c.source, c.paragraph)] for c in cands])
    cos_ranks = _ranks(cos)
    rows = []
    for i, c in enumerate(cands):
        window = set(win_tokens[i]) | meta_tokens[meta[i]]
        miss = len([t for t in rare if t not in window]) / len(rare) if rare else 0.0
        rows.append(
            (
                cos[i],
                cos[i] - cos.max(),
                1.0 / (1.0 + cos_ranks[i]),
                win_cos[i],
                para_col[i] - para_col.max(),
                lex[i],
                lex[i] - lex.max(),
                bm[i] / bm.max() if bm.max() > 0 else 0.0,
                1.0 / (1.0 + c.chunk_rank),
                c.chunk_score,
                kind_fit(shape, c.text, counted, q_terms),
                miss,
                math.log1p(len(c.text.split())),
                coverage(q_terms, meta_tokens[meta[i]]),
            )
        )
    return np.array(rows, dtype=float)


@dataclass(frozen=True)
class Model:
    """Standardise, then logistic: p = sigmoid(coef . (x - mean) / std + intercept)."""

    mean: tuple[float, ...]
    std: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float  # abstain when the best candidate's probability is below this
    null_quantile: float = -1.0  # and below this quantile of the corpus's null best probabilities (-1: unused)

    def predict(self, x: np.ndarray) -> np.ndarray:
        if len(x) == 0:
            return np.zeros(0)
        z = (np.asarray(x, dtype=float) - np.array(self.mean)) / np.array(self.std)
        return 1.0 / (1.0 + np.exp(-(z @ np.array(self.coef) + self.intercept)))

    @classmethod
    def from_dict(cls, d: dict) -> Model:
        q = float(d.get("null_quantile", -1.0))
        return cls(tuple(d["mean"]), tuple(d["std"]), tuple(d["coef"]), float(d["intercept"]), float(d["threshold"]), q)


@dataclass(frozen=True)
class Scorer:
    """The shipped model (fitted on every dev corpus) plus one fold per left-out corpus."""

    features: tuple[str, ...]
    model: Model
    folds: tuple[tuple[str, Model], ...] = ()
    trained_on: tuple[str, ...] = ()

    def fold(self, left_out: str) -> Model:
        """The model fitted without ``left_out`` (for honest evaluation on it); the full model otherwise."""
        return dict(self.folds).get(left_out, self.model)

    @classmethod
    def load(cls, path: Path | str = WEIGHTS) -> Scorer:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        if tuple(d["features"]) != FEATURES:
            raise ValueError(f"{path}: weights were fitted for features {d['features']}, this code computes {list(FEATURES)}")
        folds = tuple((k, Model.from_dict(v)) for k, v in sorted(d.get("folds", {}).items()))
        return cls(FEATURES, Model.from_dict(d["model"]), folds, tuple(d.get("trained_on", ())))
