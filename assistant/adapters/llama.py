"""LlamaIndex glue for the baselines: the project's embedder as a ``BaseEmbedding``, a default index, node spans.

Used by the eval's and the scale benchmark's "plain LlamaIndex" baseline, so
both build the same thing: ``VectorStoreIndex`` over whole documents with an
explicit default ``SentenceSplitter`` (1,024 tokens, 200 overlap) and the
in-memory store.  The embedding model is passed explicitly; llama-index's
global ``Settings`` are never read (they would resolve OpenAI).  A node becomes
a span only when ``text[start_char_idx:end_char_idx]`` reproduces the node's
text; the others are counted, never cited.  llama-index is imported lazily.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def llama_embedding(embedder):
    """The project's embedder as a llama-index ``BaseEmbedding`` (same model, same vectors, no second load)."""
    from llama_index.core.embeddings import BaseEmbedding
    from pydantic import PrivateAttr

    class ProjectEmbedding(BaseEmbedding):
        _embedder: object = PrivateAttr()

        def __init__(self, inner):
            super().__init__(model_name=getattr(inner, "name", "project-embedder"), embed_batch_size=64)
            self._embedder = inner

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._embedder.embed([query])[0]

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._embedder.embed([text])[0]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._embedder.embed(texts)

    return ProjectEmbedding(embedder)


def default_index(texts: Mapping[str, str], embedder, *, source_metadata: bool, show_progress: bool = False):
    """``VectorStoreIndex.from_documents`` with default settings; one document per (source, text), id = source.

    ``source_metadata`` also puts ``source`` in each document's metadata, which
    llama-index embeds with the node text (its default), as the eval always did.
    """
    from llama_index.core import Document as LlamaDocument
    from llama_index.core import VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter

    docs = [LlamaDocument(text=t, id_=s, metadata={"source": s} if source_metadata else {}) for s, t in texts.items()]
    return VectorStoreIndex.from_documents(
        docs, embed_model=llama_embedding(embedder), transformations=[SentenceSplitter()], show_progress=show_progress
    )


def node_spans(nodes: Iterable, texts: Mapping[str, str]) -> tuple[list[tuple[str, int, int, str]], int]:
    """Retrieved nodes -> ((source, start, end, text) whose span reproduces the text, number dropped)."""
    out, dropped = [], 0
    for n in nodes:
        node = n.node
        source, a, b = node.ref_doc_id, node.start_char_idx, node.end_char_idx
        if source in texts and a is not None and b is not None and texts[source][a:b] == node.text:
            out.append((source, a, b, node.text))
        else:
            dropped += 1
    return out, dropped
