"""Tune the abstention threshold on the 'tune' split, then report it on the 'test' split.

Runs every case once with abstention disabled (min_score=0), records the best
sentence score of each answer, and picks, on the tune split only, the threshold with the most abstention on
unanswerable cases while false abstention stays <= 5% (a false abstention
hides an answer the sources hold, so it costs more than a weak answer).

    .venv/bin/python evals/tune.py [--w-dense 0.6]
"""

from __future__ import annotations

import argparse

from assistant.api import Assistant
from assistant.config import Settings
from assistant.evals.cases import DEFAULT_CASES, load_cases
from assistant.evals.metrics import evidence_hit


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--w-dense", type=float, default=Settings().w_dense)
    args = ap.parse_args()
    s = Settings(min_score=0.0, w_dense=args.w_dense, w_lex=1 - args.w_dense)
    a = Assistant(s)
    a.ensure_index(progress=False)
    cases = load_cases(DEFAULT_CASES, a.docs)
    rows = []
    for c in cases:
        ans = a.ask(c.question, c.history)
        best = max((x.score for x in ans.citations), default=0.0)
        rows.append((c, best, evidence_hit(ans.citations, c.passages) if c.answerable else None))

    def rates(split, t):
        sub = [r for r in rows if r[0].split == split]
        una = [b for c, b, _ in sub if not c.answerable]
        ans = [(b, h) for c, b, h in sub if c.answerable]
        abst = sum(b < t for b in una) / max(1, len(una))
        false = sum(b < t for b, _ in ans) / max(1, len(ans))
        hit = sum(h and b >= t for b, h in ans) / max(1, len(ans))
        return abst, false, hit

    grid = [round(0.30 + 0.005 * i, 3) for i in range(80)]
    # the most abstention the tune split allows while wrongly abstaining on at most 5% of answerable cases
    ok = [t for t in grid if rates("tune", t)[1] <= 0.05] or [grid[0]]
    best_t = max(ok, key=lambda t: (rates("tune", t)[0], -t))
    for split in ("tune", "test"):
        abst, false, hit = rates(split, best_t)
        print(f"{split}: threshold {best_t}: abstention {abst:.3f}, false abstention {false:.3f}, evidence hit {hit:.3f}")
    hit_any = [h for c, _, h in rows if c.answerable]
    print(f"evidence hit with no abstention (all answerable): {sum(hit_any) / len(hit_any):.3f}")
    for c, b, h in sorted(rows, key=lambda r: r[1]):
        print(f"  {b:.3f} {'ANS' if c.answerable else 'UNA'} {'hit' if h else '   '} {c.split} {c.id} {c.question[:80]}")


if __name__ == "__main__":
    main()
