"""Fitting the reader's head: listwise (softmax over each question's candidates) or pointwise, linear or MLP.

All return ``assistant.reader.Head`` (numpy arrays), so the runtime never
imports torch; a head that uses a subset of the features gets zero weights on
the others.  ``fit_listwise`` maximises the probability mass a softmax over a
question's candidates puts on its gold sentences (any of them: the loss lets
the model rank the easiest gold first, which is what MRR of the best gold and
answer selection need); pointwise logistic regression was tried first and lost
badly on whole-corpus ranking (it learns to favour long sentences, because
many gold sentences of the training sources barely repeat the question).
Trade-off: full batch, Adam, a fixed number of epochs and a fixed seed, one
thread: deterministic on CPU and seconds for ~50k rows; no early stopping (the
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


def fit_listwise(x: np.ndarray, y: np.ndarray, qkey: np.ndarray, qweight: np.ndarray, spec: dict, seed: int) -> Head:
    """Linear (or ``spec["hidden"]``-unit MLP) head on the feature indices ``spec["features"]``, trained listwise.

    Loss per question: ``-log(sum over gold of softmax(scores))``, weighted by ``qweight`` (one
    value per example, equal within a question); the questions' weighted mean is minimised.
    """
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    use = np.asarray(spec["features"])
    mean, sd = x[:, use].mean(0), x[:, use].std(0) + 1e-6
    z = torch.from_numpy((x[:, use] - mean) / sd).double()
    _, first, inv = np.unique(qkey, return_index=True, return_inverse=True)
    nq, it = len(first), torch.from_numpy(inv)
    yt, wq = torch.from_numpy(np.asarray(y, dtype=np.float64)), torch.from_numpy(np.asarray(qweight, dtype=np.float64)[first])
    h = spec.get("hidden", 0)
    net = (
        torch.nn.Sequential(torch.nn.Linear(len(use), h), torch.nn.ReLU(), torch.nn.Linear(h, 1))
        if h
        else torch.nn.Linear(len(use), 1)
    ).double()
    opt = torch.optim.Adam(net.parameters(), lr=spec.get("lr", 0.05), weight_decay=spec.get("l2", 1e-3))
    for _ in range(spec.get("epochs", 300)):
        opt.zero_grad()
        s = net(z).squeeze(1)
        top = torch.zeros(nq, dtype=torch.float64).scatter_reduce(0, it, s.detach(), "amax", include_self=False)
        e = torch.exp(s - top[it])
        den = torch.zeros(nq, dtype=torch.float64).index_add(0, it, e)
        num = torch.zeros(nq, dtype=torch.float64).index_add(0, it, e * yt)
        loss = -(wq * torch.log(num / den + 1e-12)).sum() / wq.sum()
        loss.backward()
        opt.step()
    return _expand(net, use, mean, sd, x.shape[1], h)


def _expand(net, use: np.ndarray, mean: np.ndarray, sd: np.ndarray, n: int, hidden: int) -> Head:
    """A ``Head`` over all ``n`` features: unused ones get mean 0, scale 1 and zero weights."""
    full_mean, full_sd = np.zeros(n), np.ones(n)
    full_mean[use], full_sd[use] = mean, sd
    if not hidden:
        w2 = np.zeros(n)
        w2[use] = net.weight.detach().numpy()[0]
        return Head(full_mean, full_sd, np.zeros((n, 0)), np.zeros(0), w2, float(net.bias.detach().numpy()[0]))
    w1 = np.zeros((n, hidden))
    w1[use] = net[0].weight.detach().numpy().T
    b1, w2, b2 = (
        net[0].bias.detach().numpy().copy(),
        net[2].weight.detach().numpy()[0].copy(),
        float(net[2].bias.detach().numpy()[0]),
    )
    return Head(full_mean, full_sd, w1, b1, w2, b2)
