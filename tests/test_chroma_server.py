"""A real Chroma server (``chroma run``) on loopback: index, ask, then lose the server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.adapters.chroma import make_client
from assistant.api import Assistant
from assistant.config import OFFLINE_ENV, Settings
from assistant.types import StoreUnavailableError

pytestmark = [pytest.mark.slow, pytest.mark.integration]

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
CHROMA = Path(sys.executable).with_name("chroma")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def heartbeat(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


class Server:
    def __init__(self, path: Path, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._log_fh = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self._log_fh,
            stderr=subprocess.STDOUT,
            env={**os.environ, **OFFLINE_ENV},
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"chroma exited with {self.proc.returncode}:\n{self.log.read_text(errors='replace')[-2000:]}")
            if heartbeat(self.port):
                return
            time.sleep(0.25)
        pytest.fail(f"chroma did not answer its heartbeat within {timeout} s:\n{self.log.read_text(errors='replace')[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        self._log_fh.close()


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
