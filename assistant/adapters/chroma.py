"""Chroma vector store, reached through llama-index's ``ChromaVectorStore``.

Embedded ``PersistentClient`` under the index folder by default, or a Chroma
server (``chroma run``) when a URL is given.  Collections are created with no
embedding function and cosine space: we always pass vectors ourselves, so
Chroma never tries to download its default ONNX model.  chromadb and
llama-index are imported here only, on first use.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlparse

from ..types import Chunk, StoreUnavailableError


def make_client(path: Path | None = None, url: str = ""):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if url:
        u = urlparse(url if "://" in url else f"http://{url}")
        host, port = u.hostname or "127.0.0.1", u.port or 8000
        try:
            client = chromadb.HttpClient(host=host, port=port, ssl=u.scheme == "https", settings=settings)
            client.heartbeat()
        except Exception as e:
            raise StoreUnavailableError(
                f"Chroma server at {url} is not reachable ({type(e).__name__}). "
                f"Start it with `chroma run --path index/chroma-server --host {host} --port {port}`, "
                "or unset ASSISTANT_CHROMA_URL to use the embedded store."
            ) from e
        return client
    assert path is not None
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


class ChromaStore:
    """``VectorStore`` over one Chroma collection."""

    def __init__(self, client, collection: str):
        self.client = client
        self.name = collection
        self._collection = None
        self._vs = None

    def _store(self):
        if self._vs is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._collection = self._guard(
                lambda: self.client.get_or_create_collection(
                    self.name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
                )
            )
            self._vs = ChromaVectorStore(chroma_collection=self._collection)
        return self._vs

    def add(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        from llama_index.core.schema import TextNode

        nodes = [
            TextNode(
                id_=c.id,
                text=c.text,
                embedding=list(v),
                start_char_idx=c.start,
                end_char_idx=c.end,
                metadata={"source": c.source, "start": c.start, "end": c.end, "date": c.date},
                excluded_embed_metadata_keys=["source", "start", "end", "date"],
            )
            for c, v in zip(chunks, vectors, strict=True)
        ]
        if nodes:
            self._guard(lambda: self._store().add(nodes))

    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), 5000):
            self._guard(lambda b=ids[i : i + 5000]: self._store().delete_nodes(node_ids=b))

    def ids(self) -> set[str]:
        self._store()
        return set(self._guard(lambda: self._collection.get(include=[])["ids"]))

    def count(self) -> int:
        self._store()
        return self._guard(self._collection.count)

    def query(self, vector, k, sources=None):
        from llama_index.core.vector_stores.types import (
            FilterOperator,
            MetadataFilter,
            MetadataFilters,
            VectorStoreQuery,
        )

        filters = None
        if sources is not None:
            if not sources:
                return []
            filters = MetadataFilters(filters=[MetadataFilter(key="source", value=list(sources), operator=FilterOperator.IN)])
        q = VectorStoreQuery(query_embedding=list(vector), similarity_top_k=k, filters=filters)
        res = self._guard(lambda: self._store().query(q))
        # llama-index reports exp(-distance); cosine distance is 1 - cos.
        return [(i, 1.0 + math.log(s)) if s > 0 else (i, -1.0) for i, s in zip(res.ids, res.similarities, strict=True)]

    def drop(self) -> None:
        try:
            self._guard(lambda: self.client.delete_collection(self.name))
        except StoreUnavailableError:
            raise
        except Exception:
            pass
        self._collection = self._vs = None

    @staticmethod
    def _guard(fn):
        try:
            return fn()
        except StoreUnavailableError:
            raise
        except Exception as e:
            msg = str(e)
            if any(w in msg.lower() for w in ("connect", "connection", "timed out", "refused")):
                raise StoreUnavailableError(f"Chroma server stopped answering: {msg}") from e
            raise
