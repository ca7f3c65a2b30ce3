"""A real Chroma server (``chroma run``) on loopback: index, ask, then lose the server."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from servers import CHROMA, Server, free_port, heartbeat

from assistant.adapters.chroma import make_client
from assistant.api import Assistant
from assistant.config import Settings
from assistant.errors import StoreUnavailableError

pytestmark = [pytest.mark.slow, pytest.mark.integration]

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture
def chroma_server(tmp_path):
    if not CHROMA.exists():
        pytest.fail(f"chroma executable not found next to {sys.executable}")
    server = Server(tmp_path / "chroma-server", tmp_path / "chroma.log")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def test_index_and_ask_through_a_chroma_server_then_lose_it(chroma_server, tmp_path):
    settings = Settings(corpus_dir=CORPUS, index_dir=tmp_path / "index", chroma_url=chroma_server.url)
    a = Assistant(settings)
    report = a.index(progress=False)
    assert report.chunks_embedded == report.chunks_total > 0
    assert not (tmp_path / "index" / "chroma").exists(), "with a URL nothing is stored in the embedded folder"

    client = make_client(url=chroma_server.url)
    names = {getattr(c, "name", c) for c in client.list_collections()}
    assert report.collection in names
    assert client.get_collection(report.collection).count() == report.chunks_total

    ans = a.ask("How many Iranian missiles struck Israeli territory in Iran's October attack?")
    assert not ans.abstained and ans.citations
    for c in ans.citations:
        with open(CORPUS / c.source, encoding="utf-8", newline="") as fh:
            assert fh.read()[c.start : c.end] == c.quote
    assert any("180" in c.quote for c in ans.citations)

    # the server goes away
    chroma_server.stop()
    assert not heartbeat(chroma_server.port)

    with pytest.raises(StoreUnavailableError) as ei:
        a.ask("How many hostages were released during the November truce?")
    assert "Traceback" not in str(ei.value) and str(ei.value).strip()

    with pytest.raises(StoreUnavailableError) as ei:
        make_client(url=chroma_server.url)
    msg = str(ei.value)
    assert f"127.0.0.1:{chroma_server.port}" in msg and "not reachable" in msg and "chroma run" in msg

    # a fresh assistant on the same (dead) URL, and one on a port nobody ever used
    with pytest.raises(StoreUnavailableError):
        Assistant(settings).ask("How many hostages were released during the November truce?")
    dead = settings.model_copy(update={"chroma_url": f"http://127.0.0.1:{free_port()}"})
    with pytest.raises(StoreUnavailableError, match="not reachable"):
        Assistant(dead).ask("How many hostages were released during the November truce?")


def test_frozen_chroma_server_gives_a_clear_error_within_the_timeout_then_recovers(chroma_server, tmp_path):
    """Defect 2: a server that stops answering (SIGSTOP) made ask() wait forever."""
    settings = Settings(
        corpus_dir=CORPUS, index_dir=tmp_path / "index", chroma_url=chroma_server.url, embedder="hash", chroma_timeout=2.0
    )
    a = Assistant(settings)
    a.index(progress=False)
    assert a.ask("How many hostages were released during the November truce?").citations

    chroma_server.freeze()
    try:
        for make in (lambda: a, lambda: Assistant(settings)):  # a warm client, and a fresh one connecting
            t0 = time.monotonic()
            with pytest.raises(StoreUnavailableError) as ei:
                make().ask("How many hostages were released during the November truce?")
            waited = time.monotonic() - t0
            assert waited < 2.0 * 2 + 1, f"waited {waited:.1f} s with a 2 s timeout"
            assert "not reachable" in str(ei.value) and "chroma run" in str(ei.value)
    finally:
        chroma_server.thaw()
    ans = a.ask("How many hostages were released during the November truce?")
    assert ans.citations, "the same assistant answers again once the server is back; no restart needed"


def test_garbage_collection_on_a_shared_server_keeps_other_indexes(chroma_server, tmp_path):
    """Defect 7 on a server: crashed/replaced collections are dropped, another index's never are."""
    mine = Settings(corpus_dir=CORPUS, index_dir=tmp_path / "mine", chroma_url=chroma_server.url, embedder="hash")
    theirs = mine.model_copy(update={"index_dir": tmp_path / "theirs"})
    Assistant(theirs).index(progress=False)
    first = Assistant(mine).index(progress=False).collection
    second = Assistant(mine).index(rebuild=True, progress=False).collection
    names = {getattr(c, "name", c) for c in make_client(url=chroma_server.url).list_collections()}
    their_collection = json.loads((theirs.index_dir / "manifest.json").read_text())["collection"]
    assert first not in names and second in names and their_collection in names
    assert Assistant(theirs).ask("How many hostages were released during the November truce?").citations
