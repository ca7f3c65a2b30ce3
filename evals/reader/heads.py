"""Fitting the reader's head: weighted logistic regression (Newton) or a one-hidden-layer MLP (torch, full batch).

Both return ``assistant.reader.Head`` (numpy arrays), so the runtime never
imports torch.  Trade-off: the MLP is small (16 ReLU units) and trained full
batch with Adam for a fixed number of epochs and a fixed seed, one thread:
deterministic on CPU, and a few seconds for ~50k rows; no early stopping (the
LOCO folds are the only model selection).
"""

from __future__ import annotations

import numpy as np

from assistant.reader import Head
from evals.fit import logistic


def _standardise(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = np.average(x, axis=0, weights=w)
    sd = np.sqrt(np.average((x - mean) ** 2, axis=0, weights=w)) + 1e-6
    return mean, sd


def fit_head(x: np.ndarray, y: np.ndarray, w: np.ndarray, spec: dict, seed: int) -> Head:
    mean, sd = _standardise(x, w)
    z = (x - mean) / sd
    wn = w * len(w) / w.sum()
    if not spec.get("hidden"):
        coef, b = logistic(z, y, wn, l2=spec.get("l2", 1.0))
        return Head(mean, sd, np.zeros((len(mean), 0)), np.zeros(0), coef, b)
    return _fit_mlp(z, y, wn, mean, sd, spec, seed)


def _fit_mlp(z, y, w, mean, sd, spec: dict, seed: int) -> Head:
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    h = spec["hidden"]
    net = torch.nn.Sequential(torch.nn.Linear(z.shape[1], h), torch.nn.ReLU(), torch.nn.Linear(h, 1)).double()
    opt = torch.optim.Adam(net.parameters(), lr=spec.get("lr", 0.01), weight_decay=spec.get("l2", 0.0))
    zt, yt, wt = (torch.from_numpy(np.asarray(a, dtype=np.float64)) for a in (z, y, w))
    loss_fn = torch.nn.BCEWithLogitsLoss(weight=wt)
    for _ in range(spec.get("epochs", 400)):
        opt.zero_grad()
        loss = loss_fn(net(zt).squeeze(1), yt)
        loss.backward()
        opt.step()
    l1, l2 = net[0], net[2]
    return Head(
        mean,
        sd,
        l1.weight.detach().numpy().T.copy(),
        l1.bias.detach().numpy().copy(),
        l2.weight.detach().numpy()[0].copy(),
        float(l2.bias.detach().numpy()[0]),
    )


def fit_platt(logits: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """``sigmoid(a * logit + b)`` fitted on out-of-fold logits (so probabilities hold on unseen corpora)."""
    coef, b = logistic(logits[:, None], y, w * len(w) / w.sum(), l2=1e-6)
    return float(coef[0]), float(b)


def loco_mrr(scores: np.ndarray, y: np.ndarray, qkey: np.ndarray) -> float:
    """Mean reciprocal rank of the best-ranked gold among each question's candidates."""
    rr = []
    for q in np.unique(qkey):
        m = qkey == q
        s, lab = scores[m], y[m]
        if lab.max() < 1:
            continue
        best_gold = s[lab == 1].max()
        rr.append(1.0 / (1 + np.sum(s > best_gold)))
    return float(np.mean(rr)) if rr else float("nan")
