"""The sentence-transformers adapter: bulk encoding batch by batch, freed memory returned between batches.

A fake model stands in for the encoder in the first tests (what is asserted is the
batching, not the vectors); the last one runs the real model from its wheel.
"""

from __future__ import annotations

import numpy as np
import pytest

from assistant.adapters import sentence_transformers as st


class FakeModel:
    def __init__(self):
        self.calls: list[int] = []

    def encode(self, texts, **kw):
        self.calls.append(len(texts))
        return np.array([[float(len(t)), 1.0] for t in texts], dtype=np.float32)


@pytest.fixture
def fake(monkeypatch):
    released = []
    monkeypatch.setattr(st, "release_freed_memory", lambda: released.append(1))
    emb = st.SentenceTransformerEmbedder(batch_size=4)
    emb._model = FakeModel()
    return emb, released


@pytest.mark.unit
@pytest.mark.parametrize(
    "n,calls,releases",
    [
        pytest.param(0, [], 0, id="nothing"),
        pytest.param(1, [1], 0, id="a-question-is-one-call-no-release"),
        pytest.param(4, [4], 0, id="one-batch"),
        pytest.param(10, [4, 4, 2], 3, id="bulk-batch-by-batch-release-after-each"),
    ],
)
def test_bulk_encoding_runs_batch_by_batch_and_releases_memory_after_each(fake, n, calls, releases):
    emb, released = fake
    texts = [f"text {i}" * (i + 1) for i in range(n)]
    vecs = emb.embed(texts)
    assert emb._model.calls == calls and len(released) == releases
    assert vecs == [[float(len(t)), 1.0] for t in texts]  # order kept across batches


@pytest.mark.unit
def test_release_freed_memory_returns_freed_heap_and_is_safe_to_repeat():
    """glibc's malloc_trim hands freed heap pages back: resident memory after freeing a large, fragmented
    allocation is lower once it ran (elsewhere, where there is no malloc_trim, it is a no-op)."""
    if st._malloc_trim() is None:
        st.release_freed_memory()  # no glibc: nothing to return, and calling it must not raise
        return
    blocks = [bytearray(4096) for _ in range(60_000)]  # ~250 MB in small blocks (heap, not mmap)
    keep = blocks[::100]  # pin a few, so the heap cannot simply shrink from the top
    del blocks
    before = _rss_kb()
    st.release_freed_memory()
    st.release_freed_memory()
    assert _rss_kb() < before - 50_000, "malloc_trim returned less than 50 MB of ~250 MB freed"
    assert len(keep) == 600


def _rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))


@pytest.mark.integration
def test_real_model_gives_the_same_vectors_in_bulk_as_one_by_one():
    emb = st.SentenceTransformerEmbedder(batch_size=2)
    texts = ["The truce began on November 24.", "Hamas released 50 hostages.", "Talks resumed in Doha.", "No."]
    bulk = np.array(emb.embed(texts))
    single = np.array([emb.embed([t])[0] for t in texts])
    assert bulk.shape == (4, 384)
    assert np.allclose(bulk, single, atol=1e-5)
