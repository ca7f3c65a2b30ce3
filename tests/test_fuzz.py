"""Fuzz the question, history and filter inputs of ``ask()`` and of the ``/ask`` API.

Seeded random inputs (unicode of every plane, lone surrogates, control characters,
huge and empty strings, wrong JSON types, deep nesting) must each end in an
``Answer`` or one clear error: never an unexpected exception, never a traceback
in the log.  The index is the default corpus with the hash embedder in the real
embedded Chroma; part of the inputs go through the real HTTP endpoint.
"""

from __future__ import annotations

import json
import logging
import random
import socket
import threading

import pytest

from assistant import ui
from assistant.api import Assistant
from assistant.errors import AssistantError
from assistant.retrieval import Filters
from assistant.types import Answer

pytestmark = [pytest.mark.slow, pytest.mark.integration]

N_DIRECT, N_API, N_HTTP = 500, 500, 150
PIECES = [
    "How many hostages were released?", "ceasefire", "Qatar", "¿Cuántos rehenes?", "停火谈判", "وقف إطلاق النار",
    "🕊️🔥", "\u202eRTL override", "\x00", "\x1b[31m", "\ud800", "\udfff", "\ufeff", "<script>alert(1)</script>",
    "' OR 1=1 --", "{{7*7}}", "%s%n", "\\", '"', "\n\n", "\t", " ", "0", "-1", "1e309", "NaN", "null", "[1]",
]  # fmt: skip


def random_text(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.45:
        return " ".join(rng.choice(PIECES) for _ in range(rng.randint(1, 6)))
    if kind < 0.75:
        return "".join(
            chr(rng.choice([rng.randint(0, 0x7F), rng.randint(0x80, 0xFFFF), rng.randint(0x10000, 0x10FFFF)]))
            for _ in range(rng.randint(0, 40))
        )
    if kind < 0.85:
        return rng.choice(PIECES) * rng.randint(500, 30_000)  # huge
    return rng.choice(["", " ", "\n", "\u3000", "\u200b"])


def random_json(rng: random.Random, depth: int = 0):
    kind = rng.randrange(8 if depth < 3 else 5)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.choice([0, -1, 2024, 10**30, 1.5, float("1e308")])
    if kind in (2, 3, 4):
        return random_text(rng)[:200]
    if kind == 5:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    keys = ["role", "content", "sources", "date_from", "date_to", "x", ""]
    return {rng.choice(keys): random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def random_history(rng: random.Random):
    r = rng.random()
    if r < 0.3:
        return None
    if r < 0.6:
        return [{"role": rng.choice(["user", "assistant"]), "content": random_text(rng)[:300]} for _ in range(rng.randint(1, 3))]
    return random_json(rng)


def random_filters(rng: random.Random, sources: list[str]):
    r = rng.random()
    if r < 0.3:
        return None
    if r < 0.5:
        return {"sources": rng.sample(sources, rng.randint(0, 2)), "date_from": rng.choice(["", "2023", "2024-06", "2024-13"])}
    return random_json(rng)


def as_arg(value, ascii_only: bool | None = None) -> str:
    """A JSON argument as the API receives it; ``ensure_ascii`` escapes lone surrogates as \\ud800."""
    if isinstance(value, str) or value is None:
        return value or ""
    return json.dumps(value, ensure_ascii=random.random() < 0.5 if ascii_only is None else ascii_only)


def sendable(text: str) -> str:
    """What an HTTP client can put on the wire: UTF-8 cannot carry a lone surrogate."""
    return text.encode("utf-8", "replace").decode("utf-8")


@pytest.fixture(scope="module")
def fuzz_assistant(tmp_path_factory, request) -> Assistant:
    from conftest import CORPUS

    from assistant.config import Settings

    s = Settings(corpus_dir=CORPUS, index_dir=tmp_path_factory.mktemp("fuzz") / "index", embedder="hash")
    a = Assistant(s)
    a.index(progress=False)
    return a


class Tracebacks(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def test_fuzz_ask_and_the_api_function(fuzz_assistant):
    rng = random.Random(1201)
    sources = sorted(fuzz_assistant.docs)
    caught = Tracebacks()
    logging.getLogger().addHandler(caught)
    outcomes, unexpected = {"answer": 0, "error": 0}, []
    try:
        for i in range(N_DIRECT + N_API):
            q, h, f = random_text(rng), random_history(rng), random_filters(rng, sources)
            if rng.random() < 0.05:
                q = rng.choice([None, 5, ["q"], {"q": 1}, b"bytes"])
            try:
                if i < N_DIRECT:
                    filters = Filters(f["sources"], f.get("date_from", "")) if isinstance(f, dict) and "sources" in f else f
                    res = fuzz_assistant.ask(q, h, filters)
                    assert isinstance(res, Answer)
                    json.dumps(res.to_dict(), ensure_ascii=False).encode("utf-8")  # what the server must send
                else:
                    res = ui.api_answer(fuzz_assistant, q, as_arg(h), as_arg(f))
                    assert isinstance(res, dict) and "citations" in res
                outcomes["answer"] += 1
            except (AssistantError, ValueError) as e:  # the clear errors (gr.Error is checked below)
                assert str(e).strip() and "Traceback" not in str(e)
                outcomes["error"] += 1
            except Exception as e:  # noqa: BLE001
                if type(e).__name__ == "Error" and type(e).__module__.startswith("gradio"):
                    assert str(e).strip()
                    outcomes["error"] += 1
                else:
                    unexpected.append((repr(q)[:80], repr(h)[:80], repr(f)[:80], f"{type(e).__name__}: {e}"))
    finally:
        logging.getLogger().removeHandler(caught)
    print(
        f"\nfuzz (direct + api function): {N_DIRECT + N_API} inputs, {outcomes}, unexpected {len(unexpected)}, logged errors {len(caught.records)}"
    )
    assert not unexpected, unexpected[:5]
    assert not caught.records, [r.getMessage() for r in caught.records[:3]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_fuzz_the_http_endpoint(fuzz_assistant):
    from gradio_client import Client

    app = ui.build_app(fuzz_assistant)
    app.queue(default_concurrency_limit=ui.CONCURRENCY)
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, share=False, show_error=False, quiet=True)
    caught = Tracebacks()
    logging.getLogger().addHandler(caught)
    rng = random.Random(7)
    outcomes, unexpected = {"answer": 0, "error": 0}, []
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        for _ in range(N_HTTP):
            q, h, f = random_text(rng)[:5000], random_history(rng), random_filters(rng, sorted(fuzz_assistant.docs))
            try:
                res = client.predict(sendable(q), sendable(as_arg(h, True)), sendable(as_arg(f, True)), api_name="/ask")
                assert isinstance(res, dict) and "citations" in res
                outcomes["answer"] += 1
            except Exception as e:  # noqa: BLE001
                msg = str(e)
                if type(e).__name__ == "AppError" and msg.strip() and "Something went wrong" not in msg:
                    outcomes["error"] += 1
                else:
                    unexpected.append((repr(q)[:60], f"{type(e).__name__}: {msg[:200]}"))
    finally:
        logging.getLogger().removeHandler(caught)
        app.close()
    print(f"\nfuzz (HTTP /ask): {N_HTTP} inputs, {outcomes}, unexpected {len(unexpected)}, logged errors {len(caught.records)}")
    assert not unexpected, unexpected[:5]
    assert not caught.records, [r.getMessage() for r in caught.records[:3]]
    assert threading.active_count() < 200
