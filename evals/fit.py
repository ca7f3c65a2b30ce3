"""Fit the evidence scorer: feature tables per corpus, L2 logistic regression, leave-one-corpus-out.

``extract`` runs retrieval once per case of every dev corpus (and its holdout
variant) through ``Assistant.evidence`` (the same code ``ask()`` runs) and
writes one row per candidate sentence: corpus, case, case type, label (1 when
the sentence shares at least half of the shorter of itself and a gold passage,
the lenient evidence rule) and the features.  The table is committed,
gzip-compressed and rounded to 6 decimals (``evals/scorer/features.csv.gz``),
so ``fit`` reproduces the committed weights exactly from it without any model
or index.

``fit`` standardises the features, fits a listwise ranker (a conditional logit:
each question's softmax over its candidates should put its mass on the
answering sentences; beat a pointwise logistic regression on every left-out
corpus) and calibrates its score into a probability with a one-feature
logistic regression (Newton's method).  Both are deterministic, and every corpus
weighs the same, so the 150-case Bible set does not drown a 20-case FAQ.  The
abstention threshold is chosen on the same training corpora: the best
candidate's probability per question, trading abstention on unanswerable
questions against false abstention (5 to 1).  It fits once on all corpora (the
shipped model) and once per left-out corpus (the folds the LOCO report uses).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.config import ROOT
from assistant.scoring import FEATURES, WEIGHTS

TABLE = ROOT / "evals" / "scorer" / "features.csv.gz"
DEV = ("news", "debian-faq", "gitfaq", "nave-kjv", "sotu")
L2 = 1.0
RANK_L2 = 0.01
RANK_STEP = 0.5
RANK_ITERS = 150
FA_COST = 5.0
UNANSWERABLE = ("near_miss", "out_of_scope", "unanswerable")


@dataclass(frozen=True)
class Table:
    corpus: np.ndarray  # base corpus name per row (a holdout's rows belong to its corpus)
    case: np.ndarray  # "<variant>/<case id>"
    kind: np.ndarray  # case type
    label: np.ndarray
    x: np.ndarray


def read_table(path: Path = TABLE) -> Table:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    head, body = rows[0], rows[1:]
    if tuple(head[4:]) != FEATURES:
        raise ValueError(f"{path}: columns {head[4:]} are not the scorer's features {list(FEATURES)}")
    col = lambda i: np.array([r[i] for r in body])  # noqa: E731
    x = np.array([[float(v) for v in r[4:]] for r in body]).reshape(len(body), len(FEATURES))
    return Table(col(0), col(1), col(2), col(3).astype(int), x)


def write_table(rows: Sequence[Sequence], path: Path = TABLE) -> None:
    """Rows (corpus, case, kind, label, *features), rounded to 6 decimals; gzip with a fixed mtime."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["corpus", "case", "kind", "label", *FEATURES])
    for r in rows:
        w.writerow([*r[:4], *(f"{float(v):.6f}" for v in r[4:])])
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.write(buf.getvalue().encode("utf-8"))


def logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = L2, iters: int = 50) -> tuple[np.ndarray, float]:
    """Weighted L2 logistic regression by Newton's method; the intercept is not penalised."""
    z = np.hstack([x, np.ones((len(x), 1))])
    beta = np.zeros(z.shape[1])
    reg = np.full(z.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(z @ beta)))
        grad = z.T @ (w * (p - y)) + reg * beta
        hess = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.max(np.abs(step)) < 1e-12:
            break
    return beta[:-1], float(beta[-1])


def best_per_case(t: Table, prob: np.ndarray) -> dict[str, tuple[str, str, float]]:
    """case -> (corpus, kind, best probability among its candidates)."""
    out: dict[str, tuple[str, str, float]] = {}
    for c, case, k, p in zip(t.corpus, t.case, t.kind, prob, strict=True):
        if case not in out or p > out[case][2]:
            out[case] = (c, k, float(p))
    return out


QUANTILES = (-1.0, 0.5, 0.75, 0.9, 1.0)


def corpus_thresholds(best: dict[str, tuple[str, str, float]], tau: float, q: float) -> dict[str, float]:
    """Per corpus: the threshold ``abstain_below`` gives (tau, raised to the q-quantile of its null best)."""
    out = {}
    for corpus in sorted({c for c, _, _ in best.values()}):
        null = [p for c, k, p in best.values() if c == corpus and k == "null"]
        out[corpus] = max(tau, float(np.quantile(null, q))) if q >= 0 and null else tau
    return out


def choose_threshold(best: dict[str, tuple[str, str, float]]) -> tuple[float, float]:
    """(threshold, null quantile) maximising mean(abstention on unanswerable) - FA_COST * mean(false abstention)."""
    corpora = sorted({c for c, _, _ in best.values()})
    grid = np.round(np.arange(0.01, 0.9, 0.005), 3)
    scored = []
    for q in QUANTILES:
        for tau in grid:
            th = corpus_thresholds(best, float(tau), q)
            gain = fa = 0.0
            for corpus in corpora:
                ans = [p < th[corpus] for c, k, p in best.values() if c == corpus and k not in (*UNANSWERABLE, "null")]
                una = [p < th[corpus] for c, k, p in best.values() if c == corpus and k in UNANSWERABLE]
                fa += np.mean(ans) if ans else 0.0
                gain += np.mean(una) if una else 0.0
            scored.append(((gain - FA_COST * fa) / len(corpora), -q, -tau, float(tau), q))
    best_row = max(scored)
    return best_row[3], best_row[4]


def _softmax_by_group(s: np.ndarray, starts: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Softmax of ``s`` within contiguous groups (``starts`` their first rows, ``group`` each row's group)."""
    e = np.exp(s - np.maximum.reduceat(s, starts)[group])
    return e / np.add.reduceat(e, starts)[group]


def rank_fit(z: np.ndarray, y: np.ndarray, group: np.ndarray, gw: np.ndarray, l2: float = RANK_L2) -> np.ndarray:
    """Listwise ranker (conditional logit): maximise each question's softmax mass on its answering sentences.

    Rows are sorted by ``group``; ``gw`` weighs each group.  Plain gradient descent with a fixed
    step and iteration count, so the result is deterministic.
    """
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    beta = np.zeros(z.shape[1])
    has_pos = np.bincount(group, weights=y) > 0
    pos = np.where((y > 0) | ~has_pos[group], 0.0, -np.inf)  # a group without positives: q = p, no gradient
    for _ in range(RANK_ITERS):
        s = z @ beta
        p = _softmax_by_group(s, starts, group)
        q = _softmax_by_group(s + pos, starts, group)
        beta -= RANK_STEP * (z.T @ (gw[group] * (p - q)) + l2 * beta)
    return beta


def fit_model(t: Table) -> dict:
    """Standardise; rank listwise; calibrate the rank score to a probability (Platt); choose the threshold.

    The listwise ranker learns which candidate *within a question* answers (what selection needs);
    the one-feature logistic on its score makes that a probability comparable across questions
    (what abstention needs).  Returns the JSON dict of one ``scoring.Model``.
    """
    mean, std = t.x.mean(axis=0), t.x.std(axis=0)
    std[std == 0] = 1.0
    z = (t.x - mean) / std
    order = np.argsort(t.case, kind="stable")
    cases, group = np.unique(t.case[order], return_inverse=True)
    has_pos = np.bincount(group, weights=t.label[order]) > 0
    case_corpus = t.corpus[order][np.r_[0, np.flatnonzero(group[1:] != group[:-1]) + 1]]
    n_by = {c: np.sum(has_pos & (case_corpus == c)) for c in np.unique(case_corpus)}
    gw = np.array([1.0 / (len(n_by) * n_by[c]) if ok else 0.0 for c, ok in zip(case_corpus, has_pos, strict=True)])
    beta = rank_fit(z[order], t.label[order].astype(float), group, gw)
    score = (z @ beta)[:, None]
    counts = {c: np.sum(t.corpus == c) for c in np.unique(t.corpus)}
    w = np.array([len(t.x) / (len(counts) * counts[c]) for c in t.corpus])
    w[t.kind == "null"] = 0.0  # null pseudo-questions calibrate abstention only
    (a,), b = logistic(score, t.label.astype(float), w, l2=0.0)
    coef, intercept = a * beta, b
    prob = 1.0 / (1.0 + np.exp(-(z @ coef + intercept)))
    threshold, q = choose_threshold(best_per_case(t, prob))
    r = lambda v: [round(float(x), 8) for x in v]  # noqa: E731
    return {
        "mean": r(mean),
        "std": r(std),
        "coef": r(coef),
        "intercept": round(intercept, 8),
        "threshold": threshold,
        "null_quantile": q,
    }


def subset(t: Table, keep: np.ndarray) -> Table:
    return Table(t.corpus[keep], t.case[keep], t.kind[keep], t.label[keep], t.x[keep])


def fit_all(t: Table) -> dict:
    """The weights file: the model fitted on every corpus, and one fold per left-out corpus."""
    corpora = [c for c in DEV if c in set(t.corpus)]
    return {
        "features": list(FEATURES),
        "trained_on": corpora,
        "ranker": {"l2": RANK_L2, "step": RANK_STEP, "iterations": RANK_ITERS},
        "fa_cost": FA_COST,
        "label": "candidate shares >= half of the shorter of (sentence, gold passage)",
        "model": fit_model(t),
        "folds": {c: fit_model(subset(t, t.corpus != c)) for c in corpora},
    }


def save_weights(weights: dict, path: Path = WEIGHTS) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(weights, indent=1) + "\n", encoding="utf-8")


def predict(model: dict, x: np.ndarray) -> np.ndarray:
    z = (x - np.array(model["mean"])) / np.array(model["std"])
    return 1.0 / (1.0 + np.exp(-(z @ np.array(model["coef"]) + model["intercept"])))


def simulate(t: Table, model: dict, rel: float = 0.5, k: int = 5) -> dict:
    """Offline estimate of one corpus's figures from its table: plain top-k selection, no question shapes."""
    prob = predict(model, t.x)
    th = corpus_thresholds(best_per_case(t, prob), model["threshold"], model.get("null_quantile", -1.0))
    hit, fa, una, recall = [], [], [], []
    for case in np.unique(t.case):
        rows = np.flatnonzero(t.case == case)
        p, y, kind = prob[rows], t.label[rows], t.kind[rows[0]]
        order = np.argsort(-p, kind="stable")
        abstain = p[order[0]] < th[t.corpus[rows[0]]]
        if kind == "null":
            continue
        if kind in UNANSWERABLE:
            una.append(abstain)
            continue
        keep = [i for i in order[:k] if p[i] >= rel * p[order[0]]]
        fa.append(abstain)
        hit.append(not abstain and bool(y[keep].any()))
        recall.append(bool(y.any()))
    m = lambda v: float(np.mean(v)) if v else float("nan")  # noqa: E731
    return {"hit": m(hit), "false_abst": m(fa), "abst_unans": m(una), "cand_recall": m(recall)}


def loco_table(t: Table, weights: dict) -> list[tuple[str, dict]]:
    """Per corpus: the offline estimate with the fold fitted without it."""
    return [(c, simulate(subset(t, t.corpus == c), weights["folds"][c])) for c in weights["trained_on"]]
