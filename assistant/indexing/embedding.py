"""A build's encoder work: chunk vectors into the store, sentence vectors beside the manifest, with progress bars."""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from ..config import Settings
from ..ports import Embedder, VectorStore
from ..types import Chunk, Document
from .sentence_vectors import add_sentence_layer, embed_in_batches, save_sentence_vectors


def progress_bar(total: int, desc: str, enabled: bool, unit: str = "chunk"):
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover
        return None
    return tqdm(total=total, desc=desc, unit=unit, disable=not enabled or total == 0, file=sys.stderr)


def embed_chunks(store: VectorStore, chunks: list[Chunk], embedder: Embedder, settings: Settings, progress: bool) -> None:
    """Embed and add ``chunks``; the store writes batch i while the encoder works on batch i+1."""
    # similar lengths share a batch, so the encoder pads little (order does not matter to the store)
    chunks = sorted(chunks, key=lambda c: len(c.text))
    bar = progress_bar(len(chunks), "embedding", progress)
    step = max(1, settings.embed_batch * 8)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-add") as writer:
        pending = None
        for i in range(0, len(chunks), step):
            batch = chunks[i : i + step]
            vectors = embedder.embed([c.text for c in batch])
            if pending is not None:
                pending.result()
            pending = writer.submit(store.add, batch, vectors)
            if bar:
                bar.update(len(batch))
        if pending is not None:
            pending.result()
    if bar:
        bar.close()


def embed_sentences(
    index_dir: Path,
    docs_of: Callable[[Collection[str] | None], list[Document]],
    update: tuple[Sequence[str], Collection[str]] | None,
    embedder: Embedder,
    settings: Settings,
    progress: bool,
) -> list[str]:
    """1b. every citable sentence's vector, saved for questions (``indexing.sentence_vectors``); the folder names.

    ``update`` is (the previous build's folders, the files new or changed since): only their sentences are read
    then, in one more folder; otherwise, or when the folders are due to be merged, every document's
    (``docs_of(None)``)."""
    bar = partial(progress_bar, desc="sentences", enabled=progress, unit="sentence")
    embed = embed_in_batches(embedder, settings.embed_batch * 8, bar)
    if update is not None:
        names = add_sentence_layer(index_dir, update[0], docs_of(update[1]), embed)
        if names is not None:
            return names
    return save_sentence_vectors(index_dir, docs_of(None), embed)
