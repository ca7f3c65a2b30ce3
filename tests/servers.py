"""Test helpers for servers on loopback: a real ``chroma run`` process, free ports, heartbeats."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.config import OFFLINE_ENV

CHROMA = Path(sys.executable).with_name("chroma")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def heartbeat(port: int, path: str = "/api/v2/heartbeat") -> bool:
    """The server on ``port`` answers ``path`` with 200 (Chroma's heartbeat by default)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


class Server:
    """``chroma run`` on 127.0.0.1; ``port`` may be given to restart a server where it was."""

    def __init__(self, path: Path, log: Path, port: int | None = None):
        self.path = path
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._log_fh = open(log, "ab")  # noqa: SIM115 - closed in stop()
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
            self.thaw()  # a frozen process only dies of SIGKILL
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        self._log_fh.close()

    def freeze(self) -> None:
        """Stop the process without closing its sockets: connections hang, nothing is refused."""
        os.kill(self.proc.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)
