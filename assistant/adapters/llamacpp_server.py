"""The local model served by llama.cpp (``xllamacpp``) on loopback, OpenAI-compatible.

``LocalServer.start`` loads the reassembled GGUF (``gguf_parts.assemble``) and
serves it on ``127.0.0.1``; its ``url`` is the base URL the OpenAI-compatible
generator talks to, in this process (``ASSISTANT_LLM_URL=local``) or from others
(``assistant llm-serve``).  Only loopback addresses are accepted.
"""

from __future__ import annotations

import os
import socket
import time

from ..errors import GeneratorError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class LocalServer:
    """A running llama.cpp server; it stops with the process (xllamacpp serves from a background thread)."""

    def __init__(self, server, url: str, model_path: str, load_s: float):
        self._server = server  # keeps it serving
        self.url = url
        self.model_path = model_path
        self.load_s = load_s

    @classmethod
    def start(cls, model_path: str, host: str = "127.0.0.1", port: int = 0, n_ctx: int = 4096, threads: int = 0) -> LocalServer:
        if host not in LOOPBACK:
            raise GeneratorError(f"the local model is served on loopback only (127.0.0.1), not on {host!r}")
        try:
            import xllamacpp as xlc
        except ImportError:
            raise GeneratorError("the local model runtime is not installed: install it with `make llm`") from None
        p = xlc.CommonParams()
        p.model.path = str(model_path)
        p.n_ctx = n_ctx
        p.n_parallel = 1
        p.hostnames = [host]
        p.port = port or free_port(host)
        p.cpuparams.n_threads = p.cpuparams_batch.n_threads = threads or max(1, os.cpu_count() or 1)
        p.verbosity = -1 if not os.environ.get("ASSISTANT_LLM_VERBOSE") else p.verbosity
        t0 = time.perf_counter()
        try:
            server = xlc.Server(p)
        except Exception as e:  # a model llama.cpp cannot load
            raise GeneratorError(f"the local model at {model_path} did not load ({type(e).__name__}: {e})") from None
        return cls(server, f"{server.listening_address.rstrip('/')}/v1", str(model_path), time.perf_counter() - t0)
