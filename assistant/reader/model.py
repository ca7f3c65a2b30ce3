"""The reader: a small trained head over kernel-pooled token matches, loaded from ``assistant/weights/reader.npz``.

``Reader.score`` turns the question's and the candidates' contextual token
vectors (from ``Embedder.embed_with_tokens``; the corpus side can be computed
at index time) into the probability that each candidate answers the question.
The head is a standardisation, a one-hidden-layer MLP (or none: then it is a
logistic model) and a Platt calibration fitted on leave-one-corpus-out
predictions, so a probability means the same on a corpus training never saw.

Trade-offs: pure numpy (no torch at inference: a batch of 50 candidates costs
a few milliseconds); the idf table that weights question tokens ships with the
weights (word pieces, from the training packages' sentences), so a corpus's
own vocabulary does not change the weights; a word piece the table lacks gets
the highest idf.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import features as F

WEIGHTS = Path(__file__).resolve().parent.parent / "weights" / "reader.npz"
MANIFEST = WEIGHTS.with_name("reader.json")


@dataclass(frozen=True)
class Head:
    """Standardise, an optional ReLU hidden layer, a linear output, then Platt: ``sigmoid(a * logit + b)``."""

    mean: np.ndarray
    scale: np.ndarray
    w1: np.ndarray  # (features, hidden); (features, 0) for a logistic head
    b1: np.ndarray
    w2: np.ndarray  # (hidden,) or (features,) for a logistic head
    b2: float
    platt: tuple[float, float] = (1.0, 0.0)

    def logit(self, x: np.ndarray) -> np.ndarray:
        z = (np.asarray(x, dtype=np.float64) - self.mean) / self.scale
        if self.w1.shape[1]:
            z = np.maximum(z @ self.w1 + self.b1, 0.0)
        return z @ self.w2 + self.b2

    def prob(self, x: np.ndarray) -> np.ndarray:
        a, b = self.platt
        return 1.0 / (1.0 + np.exp(-(a * self.logit(x) + b)))

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "mean": self.mean,
            "scale": self.scale,
            "w1": self.w1,
            "b1": self.b1,
            "w2": self.w2,
            "b2": np.array(self.b2),
            "platt": np.array(self.platt),
        }

    @classmethod
    def from_arrays(cls, z) -> Head:
        a, b = (float(v) for v in z["platt"])
        return cls(z["mean"], z["scale"], z["w1"], z["b1"], z["w2"], float(z["b2"]), (a, b))


@dataclass(frozen=True)
class Reader:
    head: Head
    idf: dict[str, float]
    idf_default: float
    names: tuple[str, ...] = F.NAMES

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> Reader:
        """Load weights written by ``save`` (refuses a file whose feature list differs from this code's)."""
        with np.load(path, allow_pickle=False) as z:
            names = tuple(str(n) for n in z["names"])
            if names != F.NAMES:
                raise ValueError(f"{path}: trained on features {names}, this code computes {F.NAMES}")
            idf = dict(zip((str(t) for t in z["idf_tokens"]), (float(v) for v in z["idf_values"]), strict=True))
            return cls(Head.from_arrays(z), idf, float(z["idf_default"]))

    def save(self, path: Path) -> str:
        """Write the npz; return its sha256."""
        path.parent.mkdir(parents=True, exist_ok=True)
        toks = sorted(self.idf)
        with open(path, "wb") as f:
            np.savez(
                f,
                names=np.array(self.names),
                idf_tokens=np.array(toks),
                idf_values=np.array([self.idf[t] for t in toks], dtype=np.float32),
                idf_default=np.array(self.idf_default),
                **self.head.arrays(),
            )
        return hashlib.sha256(path.read_bytes()).hexdigest()

    def token_weights(self, tokens: Sequence[str]) -> np.ndarray:
        """idf of each word piece (punctuation and unknown pieces: see ``idf_default``)."""
        return np.array([self.idf.get(t, self.idf_default) for t in tokens], dtype=np.float32)

    def score_features(self, x: np.ndarray) -> np.ndarray:
        """Calibrated probabilities for rows of ``features.NAMES`` (the batch path: see ``features.features``)."""
        return self.head.prob(x)

    def score(
        self,
        question_tokens: np.ndarray,
        question_token_weights: np.ndarray,
        candidate_token_mats: Sequence[np.ndarray],
        cosines: Sequence[float],
        *,
        neighbour_mats: Sequence[tuple[np.ndarray | None, np.ndarray | None]] | None = None,
        title_mats: Sequence[np.ndarray | None] | None = None,
        title_cosines: Sequence[float] | None = None,
    ) -> np.ndarray:
        """Probability that each candidate answers the question.

        ``question_tokens``: (q, dim) unit token vectors; ``candidate_token_mats[i]``: candidate
        i's; ``cosines[i]``: question vs candidate sentence cosine; optional per candidate: the
        previous and next sentences' token matrices, the title/heading's matrix and its cosine.
        """
        x = feature_rows(
            question_tokens, question_token_weights, candidate_token_mats, cosines, neighbour_mats, title_mats, title_cosines
        )
        return self.score_features(x)


def feature_rows(q, w, cands, cosines, neighbours=None, titles=None, title_cosines=None) -> np.ndarray:
    """The ``features.NAMES`` rows of a list of candidates given as separate matrices."""
    n = len(cands)
    mats, prev, nxt, tit = list(cands), np.full(n, -1), np.full(n, -1), np.full(n, -1)

    def add(m) -> int:
        if m is None:
            return -1
        mats.append(m)
        return len(mats) - 1

    for i in range(n):
        if neighbours is not None:
            prev[i], nxt[i] = add(neighbours[i][0]), add(neighbours[i][1])
        if titles is not None:
            tit[i] = add(titles[i])
    units = F.Units.of(mats)
    cos_t = np.zeros(n) if title_cosines is None else np.asarray(title_cosines, dtype=np.float32)
    pooled = F.pool(q, units)
    return F.features(pooled, w, units, np.arange(n), prev, nxt, tit, np.asarray(cosines, dtype=np.float32), cos_t)
