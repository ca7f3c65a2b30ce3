"""The suite is offline: non-loopback connections are blocked and vendor libraries are told so."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from pytest_socket import SocketConnectBlockedError

from assistant.config import OFFLINE_ENV

pytestmark = [pytest.mark.unit, pytest.mark.filterwarnings("ignore:A test tried to use socket:UserWarning")]

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "address",
    [
        pytest.param(("93.184.216.34", 80), id="ipv4-http"),
        pytest.param(("8.8.8.8", 53), id="ipv4-dns-port"),
        pytest.param(("1.1.1.1", 443), id="ipv4-https"),
    ],
)
def test_non_loopback_connection_is_blocked(address):
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(address, timeout=2)


def test_non_loopback_connect_on_raw_socket_is_blocked():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        with pytest.raises(SocketConnectBlockedError):
            s.connect(("93.184.216.34", 80))


def test_loopback_is_allowed():
    """The guard is selective, not a dead network: a local echo works."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]

    def echo():
        conn, _ = srv.accept()
        with conn:
            conn.sendall(conn.recv(16))

    t = threading.Thread(target=echo)
    t.start()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
            c.sendall(b"ping")
            assert c.recv(16) == b"ping"
    finally:
        t.join(timeout=5)
        srv.close()


def test_offline_env_is_set_in_this_process():
    # gradio rewrites some flags in its own spelling ("True" for "1"); the meaning must hold
    same = {"1": {"1", "true"}, "false": {"false", "0"}}
    for k, v in OFFLINE_ENV.items():
        got = os.environ.get(k, "").lower()
        assert got in same.get(v.lower(), {v.lower()}), f"{k}={got!r}"


@pytest.mark.parametrize("module", [pytest.param("assistant", id="package"), pytest.param("assistant.cli", id="cli")])
def test_importing_assistant_sets_offline_env_in_a_clean_process(module):
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE_ENV}
    code = f"import json, os, {module}; print(json.dumps({{k: os.environ.get(k) for k in {sorted(OFFLINE_ENV)!r}}}))"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr
    got = json.loads(res.stdout.strip().splitlines()[-1])
    assert got == OFFLINE_ENV
    assert got["HF_HUB_OFFLINE"] == "1" and got["TRANSFORMERS_OFFLINE"] == "1"
