"""Chroma vector store: vectors and filter fields only, through chromadb's own client.

Embedded ``PersistentClient`` under the index folder by default, or a Chroma
server (``chroma run``) when a URL is given, with a timeout on every request.
Collections are created with no embedding function and cosine space: we always
pass vectors ourselves, so Chroma never tries to download its default ONNX model.
Text is not stored in Chroma (the manifest holds it, with exact offsets), which
keeps insertion cheap while the encoder needs both cores.  chromadb is imported
here only, on first use (llama-index glue for the baselines lives in
``adapters/llama.py``).
"""

from __future__ import annotations

import importlib
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlparse

from ..errors import IndexChangedError, StoreUnavailableError
from ..types import Chunk

OWNER_KEY = "assistant_index"  # collection metadata: which index folder a server collection belongs to
_import_lock = threading.Lock()
# what Chroma says when a question meets a collection that a newer build is removing (or has removed)
_DROPPED = ("does not exist", "missing metadata segment", "missing field", "error getting collection")
_modules: dict[str, object] = {}


def vendor(name: str):
    """Import a vendor module once, under a lock.

    Two threads importing a large vendor package for the first time at once
    (the first upload and the first question after ``serve`` starts) deadlocked
    on llama-index's circular imports; importing here, serialised, never does.
    """
    mod = _modules.get(name)
    if mod is None:
        with _import_lock:
            mod = _modules.get(name) or importlib.import_module(name)
            _modules[name] = mod
    return mod


def warm_up() -> None:
    """Import every vendor module the store uses (call before serving requests from threads)."""
    for name in ("chromadb", "chromadb.config", "httpx"):
        vendor(name)


def _unreachable(url: str, host: str, port: int, why: str) -> StoreUnavailableError:
    """The one message for a server that is down, refuses, or stops answering."""
    return StoreUnavailableError(
        f"Chroma server at {url} is not reachable ({why}). "
        f"Start it with `chroma run --path index/chroma-server --host {host} --port {port}`, "
        "or unset ASSISTANT_CHROMA_URL to use the embedded store."
    )


def _http_client(url: str, timeout: float, settings):
    """A Chroma HttpClient whose every request gives up after ``timeout`` seconds."""
    chromadb = vendor("chromadb")
    u = urlparse(url if "://" in url else f"http://{url}")
    host, port = u.hostname or "127.0.0.1", u.port or 8000
    base = f"{u.scheme or 'http'}://{host}:{port}"
    try:  # our own heartbeat first: the client's constructor has no timeout of its own
        with urllib.request.urlopen(f"{base}/api/v2/heartbeat", timeout=timeout) as r:
            r.read()
    except Exception as e:
        raise _unreachable(url, host, port, type(e).__name__) from e
    box: dict = {}

    def connect():
        try:
            box["client"] = chromadb.HttpClient(host=host, port=port, ssl=u.scheme == "https", settings=settings)
        except Exception as e:  # noqa: BLE001 - re-raised below, in the caller's thread
            box["error"] = e

    worker = threading.Thread(target=connect, daemon=True, name="chroma-connect")
    worker.start()
    worker.join(timeout)
    if "client" not in box:
        why = type(box["error"]).__name__ if "error" in box else f"no answer within {timeout:g} s"
        raise _unreachable(url, host, port, why) from box.get("error")
    client = box["client"]
    # chromadb builds its httpx session with timeout=None; a frozen server would block forever.
    client._server._session.timeout = vendor("httpx").Timeout(timeout)
    return client


def make_client(path: Path | None = None, url: str = "", timeout: float = 5.0):
    settings = vendor("chromadb.config").Settings(anonymized_telemetry=False, allow_reset=False)
    if url:
        return _http_client(url, timeout, settings)
    assert path is not None
    path.mkdir(parents=True, exist_ok=True)
    return vendor("chromadb").PersistentClient(path=str(path), settings=settings)


def _no_panic(fn):
    """Run ``fn``; a Rust panic inside chromadb (pyo3's PanicException is a BaseException) becomes a RuntimeError."""
    try:
        return fn()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:
        if type(e).__name__ == "PanicException":
            raise RuntimeError(f"Chroma failed internally: {e}") from e
        raise


# Read a collection of an embedded store the way a reader and a build do, in a separate process.
_PROBE = """
import sys
import chromadb
client = chromadb.PersistentClient(path=sys.argv[1])
try:
    coll = client.get_collection(sys.argv[2])
except Exception:
    sys.exit(0)  # not there (yet): nothing to read
if coll.count():
    first = coll.get(limit=1, include=["embeddings"])["embeddings"][0]
    coll.get(include=[])
    coll.query(query_embeddings=[list(first)], n_results=1, include=["distances"])
"""


def probe(path: Path, collection: str, timeout: float = 120.0) -> str:
    """'' when another process can read ``collection`` of the embedded store at ``path``; else what went wrong.

    A build killed inside Chroma's own segment write can leave files that kill their reader with a
    signal (SIGSEGV in chromadb's Rust core), which no ``except`` catches: read in a child first, the
    damage is a message, and the caller moves to a fresh collection or says to run the indexer."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, str(path), collection], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return f"Chroma did not finish reading collection {collection} in {timeout:.0f} s"
    if done.returncode < 0:
        return f"Chroma crashed reading collection {collection} ({signal.Signals(-done.returncode).name})"
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return f"Chroma cannot read collection {collection} ({last[:200]})"
    return ""


class ChromaStore:
    """``VectorStore`` over one Chroma collection.

    ``owner`` names the index folder the collection belongs to.  An embedded
    store lives inside that folder, so every collection with the prefix is its
    own (``owner`` is empty); on a shared server only collections tagged with
    this owner count as ours, so garbage collection never touches another index's.
    ``damage`` (from ``probe``) marks a collection this process must not open: every read or
    write of it raises that message; it can still be dropped.
    """

    def __init__(self, client, collection: str, owner: str = "", prefix: str = "chunks", url: str = "", damage: str = ""):
        self.client = client
        self.url = url
        self.name = collection
        self.owner = owner
        self.prefix = prefix
        self.damage = damage
        self._collection = None

    def _coll(self):
        if self.damage:
            raise RuntimeError(self.damage)
        if self._collection is None:
            extra = {"metadata": {OWNER_KEY: self.owner}} if self.owner else {}
            self._collection = self._guard(
                lambda: self.client.get_or_create_collection(
                    self.name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}, **extra
                )
            )
        return self._collection

    def add(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        """Vectors and the few fields filters need; no documents (the manifest holds the text).

        Writing text as Chroma documents (as llama-index's ``ChromaVectorStore`` does,
        twice: as the document and inside ``_node_content``) made insertion about 3x
        slower, competing with the encoder for the two cores during ingest.
        """
        if not chunks:
            return
        metas = [{"source": c.source, "start": c.start, "end": c.end, "date": c.date} for c in chunks]
        ids = [c.id for c in chunks]
        vecs = [list(v) for v in vectors]
        if len(vecs) != len(ids):
            raise ValueError(f"{len(ids)} chunks but {len(vecs)} vectors")
        self._guard(lambda: self._coll().upsert(ids=ids, embeddings=vecs, metadatas=metas))

    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), 5000):
            self._guard(lambda b=ids[i : i + 5000]: self._coll().delete(ids=b))

    def query(self, vector, k, sources=None):
        if sources is not None and not sources:
            return []
        where = {"source": {"$in": list(sources)}} if sources is not None else None
        if k <= 0:
            return []
        res = self._guard(
            lambda: self._coll().query(
                query_embeddings=[[float(x) for x in vector]], n_results=k, where=where, include=["distances"]
            )
        )
        # cosine space: distance = 1 - cos
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)]

    def ids(self) -> set[str]:
        return set(self._guard(lambda: self._coll().get(include=[])["ids"]))

    def count(self) -> int:
        return self._guard(lambda: self._coll().count())

    def present(self, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        return set(self._guard(lambda: self._coll().get(ids=list(ids), include=[])["ids"]))

    def owned_collections(self) -> list[str]:
        cols = self._guard(self.client.list_collections)
        out = []
        for c in cols:
            name = getattr(c, "name", c)
            meta = getattr(c, "metadata", None) or {}
            if name.startswith(f"{self.prefix}-") and (not self.owner or meta.get(OWNER_KEY) == self.owner):
                out.append(name)
        return sorted(out)

    def sibling(self, name: str) -> ChromaStore:
        return ChromaStore(self.client, name, self.owner, self.prefix, self.url)

    def drop(self) -> None:
        try:
            self._guard(lambda: self.client.delete_collection(self.name))
        except StoreUnavailableError:
            raise
        except Exception:
            pass
        self._collection = None

    def _guard(self, fn):
        """``fn()`` with Chroma's failures as ours: a dropped collection, an unreachable server."""
        try:
            return _no_panic(fn)
        except StoreUnavailableError:
            raise
        except Exception as e:
            if self.damage:  # what the probe found, whatever words Chroma used
                raise
            msg, name = str(e), type(e).__name__
            if name == "NotFoundError" or any(w in msg.lower() for w in _DROPPED):  # a newer build's garbage collection
                raise IndexChangedError(f"the collection {self.name} was replaced by a newer build of the index") from e
            if "Timeout" in name or any(w in msg.lower() for w in ("connect", "connection", "timed out", "refused")):
                u = urlparse(self.url if "://" in self.url else f"http://{self.url}")
                why = f"{name}: {msg}" if msg else name
                raise _unreachable(self.url or "the configured URL", u.hostname or "127.0.0.1", u.port or 8000, why) from e
            raise
