"""``chroma run`` on a free loopback port for the length of a ``with`` block (the benchmark's server mode)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChromaServer:
    """``chroma run --path PATH`` on loopback; its output goes to ``log``; stopped (process group) on exit."""

    def __init__(self, path: Path, log: Path, timeout_s: float = 120):
        self.path, self.log, self.timeout_s = Path(path), Path(log), timeout_s
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def _start(self) -> None:
        exe = Path(sys.executable).with_name("chroma")
        cmd = [
            str(exe) if exe.exists() else "chroma",
            "run",
            "--path",
            str(self.path),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        env = dict(os.environ, ANONYMIZED_TELEMETRY="False")
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def __enter__(self) -> ChromaServer:
        self._start()
        deadline = time.time() + self.timeout_s
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"`chroma run` exited with {self.proc.returncode}; log: {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2):
                    return self
            except OSError:
                time.sleep(0.5)
        self.__exit__(None, None, None)
        raise RuntimeError(f"`chroma run` did not answer within {self.timeout_s:.0f} s; log: {self.log}")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
