"""How far can abstention on near misses go?  ``python evals/abstention_ceiling.py``

Reads the committed feature table (``evals/scorer/features.csv.gz``) and, per dev
corpus, scores every question by what a question-level abstention rule could use:
the best candidate's probability under the fold fitted without that corpus, the
best cosine and the runner-up's, the best term coverage (of any candidate and of
the best one), the best window cosine and the best candidate's missing pinning
terms, and the reader's best probability among the candidates (read from the
last ``assistant eval --corpora`` report, ``evals/reports/multigenre.json``, when
it has them).  It prints the abstention on near-miss questions that each score reaches
when its threshold is set *on the left-out corpus itself* (an oracle no real
system has) so that false abstention there is 5%, and the same for a logistic
combination of all of them fitted on the other corpora.  Each figure is an upper
bound for a threshold on that score: when they all stay below 0.70, no calibration
of them (per corpus, against a null distribution or otherwise) reaches 0.70 at 5%
false abstention; only new evidence (a model that reads whether a passage answers)
would.  Needs no model or index; runs in about a second.
"""

from __future__ import annotations

import json

import numpy as np

from assistant.config import ROOT
from assistant.scoring import FEATURES, WEIGHTS
from evals.fit import UNANSWERABLE, logistic, predict, read_table, subset

COLUMNS = ("p", "cos", "cos2", "lex", "lex_best", "win_cos", "miss")
FA = 0.05
REPORT = ROOT / "evals" / "reports" / "multigenre.json"


def reader_best(path=REPORT) -> dict[str, float]:
    """ "<variant>/<case id>" -> the reader's best probability among the project's candidates (empty without a report)."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {
        f"{v['corpus']}/{row['id']}": row["reader_best"]
        for v in payload["variants"]
        for row in v["per_case"].get("project", [])
        if "reader_best" in row
    }


def question_rows(t, model: dict, reader: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """(one row of ``COLUMNS`` (+ the reader's best, when ``reader`` has it) per question, its kind)."""
    f = {name: i for i, name in enumerate(FEATURES)}
    prob = predict(model, t.x)
    rows, kinds = [], []
    for case in np.unique(t.case):
        r = np.flatnonzero(t.case == case)
        x, best = t.x[r], r[np.argmax(prob[r])]
        cos = np.sort(x[:, f["cos"]])[::-1]
        rows.append(
            (
                prob[best],
                cos[0],
                cos[min(1, len(cos) - 1)],
                x[:, f["lex"]].max(),
                t.x[best, f["lex"]],
                x[:, f["win_cos"]].max(),
                -t.x[best, f["constraint_miss"]],  # higher = more likely answerable, like the others
                *([reader.get(str(case), np.nan)] if reader else []),
            )
        )
        kinds.append(t.kind[r[0]])
    return np.array(rows), np.array(kinds)


def oracle_abstention(score: np.ndarray, kinds: np.ndarray) -> float:
    """Near-miss abstention when the threshold gives exactly ``FA`` false abstention on this corpus."""
    answerable = ~np.isin(kinds, (*UNANSWERABLE, "null"))
    near = kinds == "near_miss"
    return float(np.mean(score[near] < np.quantile(score[answerable], FA))) if near.any() else float("nan")


def main() -> int:
    t = read_table()
    weights = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    reader = reader_best()
    per = {c: question_rows(subset(t, t.corpus == c), weights["folds"][c], reader) for c in weights["trained_on"]}
    names = (*COLUMNS, "reader") if reader else COLUMNS
    print(f"near-miss abstention at {FA:.0%} false abstention, threshold set on the left-out corpus (an upper bound)")
    print(f"{'corpus':12s} " + " ".join(f"{c:>8s}" for c in (*names, "combined")))
    for c, (x, kinds) in per.items():
        keep = kinds != "null"
        x, kinds = np.nan_to_num(x[keep], nan=0.0), kinds[keep]
        train = [(np.nan_to_num(xx[kk != "null"], nan=0.0), kk[kk != "null"]) for cc, (xx, kk) in per.items() if cc != c]
        xt = np.vstack([xx for xx, _ in train])
        yt = np.concatenate([~np.isin(kk, UNANSWERABLE) for _, kk in train]).astype(float)
        mu, sd = xt.mean(0), xt.std(0) + 1e-9
        coef, b = logistic((xt - mu) / sd, yt, np.ones(len(yt)))
        combined = ((x - mu) / sd) @ coef + b
        cols = [oracle_abstention(x[:, j], kinds) for j in range(len(names))]
        print(f"{c:12s} " + " ".join(f"{v:8.2f}" for v in (*cols, oracle_abstention(combined, kinds))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
