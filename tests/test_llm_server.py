"""Generated answers against a real OpenAI-compatible server: ``assistant llm-serve`` (llama.cpp, the local
Qwen2.5-Coder-1.5B GGUF) in its own process on loopback, plus real sockets that are closed or never answer.

Slow (the model loads in a few seconds; each answer takes 5-15 s on 2 cores).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from servers import free_port, heartbeat
from test_browser import browser  # noqa: F401 - the shared Playwright fixture

from assistant.adapters.openai_chat import OpenAIChatGenerator
from assistant.config import OFFLINE_ENV
from assistant.errors import GeneratorError

ASSISTANT = Path(sys.executable).with_name("assistant")
QUESTION = "What ceasefire did France and the US propose in September 2024?"

pytestmark = [pytest.mark.slow, pytest.mark.integration]


@pytest.fixture(scope="module")
def llm_url(tmp_path_factory):
    pytest.importorskip("xllamacpp", reason="the local model runtime is installed by `make llm` (make test does it)")
    port = free_port()
    log = tmp_path_factory.mktemp("llm") / "server.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [str(ASSISTANT), "llm-serve", "--port", str(port), "--context", "4096"],
            stdout=fh,
            stderr=subprocess.STDOUT,
            env={**os.environ, **OFFLINE_ENV},
        )
        try:
            deadline = time.monotonic() + 300  # the first run assembles the 1.1 GB file
            while not heartbeat(port, "/health"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"llm-serve did not start:\n{log.read_text(errors='replace')[-3000:]}")
                time.sleep(0.5)
            yield f"http://127.0.0.1:{port}/v1"
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _assistant(settings, **extra):
    from assistant.api import Assistant

    return Assistant(settings.model_copy(update=extra))


def test_a_generated_answer_from_the_real_model_cites_exact_spans(real_index, llm_url):
    a = _assistant(real_index, llm_url=llm_url)
    ans = a.ask(QUESTION, mode="generated")
    assert ans.mode == "generated", ans.notice
    assert ans.citations and all(a.document_text(c.source)[c.start : c.end] == c.quote for c in ans.citations)
    shown = [s for s in ans.sentences if s.shown]
    assert shown and all(s.supported for s in shown)
    assert all(n in {c.n for c in ans.citations} for s in shown for n in s.citations)
    assert "21-day" in ans.text
    g = ans.generation
    assert g["completion_tokens"] > 3 and g["tokens_per_s"] > 1 and g["prompt_tokens"] > 50
    assert 0 < g["ttft_ms"] < g["generate_ms"]


def test_tokens_stream_before_the_checked_answer(real_index, llm_url):
    a = _assistant(real_index, llm_url=llm_url)
    events = list(a.ask_stream(QUESTION, mode="generated"))
    kinds = [k for k, _ in events]
    assert kinds[0] == "extractive" and kinds[-1] == "final" and kinds.count("token") > 3
    raw = "".join(v for k, v in events if k == "token")
    assert "[1]" in raw or "[2]" in raw  # the model cites by number


def test_the_model_judge_answers_yes_and_no(llm_url):
    from assistant.generated.compose import model_judge

    judge = model_judge(OpenAIChatGenerator(llm_url))
    evidence = ["During the truce Hamas released 105 hostages and Israel released 240 Palestinian prisoners."]
    assert judge("Hamas released 105 hostages during the truce.", evidence) is True
    assert judge("The moon is made of cheese.", evidence) is False


def test_the_model_judge_setting_runs_on_every_sentence(real_index, llm_url):
    ans = _assistant(real_index, llm_url=llm_url, llm_judge=True).ask(QUESTION, mode="generated")
    assert ans.sentences and all(s.supported or s.reason for s in ans.sentences)
    assert ans.mode == "generated" or any("model judge" in s.reason for s in ans.sentences)


def test_a_prompt_beyond_the_context_window_is_a_readable_error(llm_url):
    gen = OpenAIChatGenerator(llm_url, timeout=120)
    huge = "ceasefire talks " * 5000  # about 10,000 tokens for a 4,096-token window
    with pytest.raises(GeneratorError, match="too long for the model's context"):
        "".join(gen.stream([{"role": "user", "content": huge}], 8))


def test_a_server_that_is_down_falls_back_to_the_extractive_answer(real_index):
    port = free_port()  # nothing listens there
    a = _assistant(real_index, llm_url=f"http://127.0.0.1:{port}/v1")
    ans = a.ask(QUESTION, mode="generated")
    assert ans.mode == "extractive" and ans.citations
    assert "not reachable" in ans.notice and f"127.0.0.1:{port}" in ans.notice


def test_a_server_that_never_answers_times_out(real_index):
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen()
        port = srv.getsockname()[1]
        held = []
        threading.Thread(target=lambda: held.append(srv.accept()), daemon=True).start()  # accept, then say nothing
        a = _assistant(real_index, llm_url=f"http://127.0.0.1:{port}/v1", llm_timeout=1.5)
        t0 = time.monotonic()
        ans = a.ask(QUESTION, mode="generated")
        assert time.monotonic() - t0 < 30
        assert ans.mode == "extractive" and "did not answer within 1.5 s" in ans.notice
        assert ans.latency_ms >= 1500  # the wait is part of the answer's time
        for conn, _ in held:
            conn.close()


def test_the_cli_asks_in_generated_mode(real_index, llm_url):
    out = subprocess.run(
        [str(ASSISTANT), "ask", "--index", str(real_index.index_dir), "--mode", "generated", "--generator", llm_url, QUESTION],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **OFFLINE_ENV},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "[1]" in out.stdout and "Traceback" not in out.stderr


def test_the_browser_switches_to_generated_and_opens_a_cited_span(browser, real_index, llm_url):  # noqa: F811
    from test_browser import click_marker, open_page, serving

    a = _assistant(real_index, llm_url=llm_url)
    with serving(a) as url:
        page = open_page(browser, url)
        page.locator("#answer-mode").get_by_label("Generated, every sentence checked").check()
        box = page.locator("#question textarea")
        box.fill(QUESTION)
        box.press("Enter")
        page.locator("#chat .answer.generating").first.wait_for(timeout=60_000)  # quotes shown, the draft streams
        assert page.locator("#chat .cite-marker").count() > 0
        page.locator("#chat .answer.generated").first.wait_for(timeout=180_000)
        assert page.locator("#chat .answer.generating").count() == 0
        highlighted = click_marker(page, 0, 1)
    expected = a.ask(QUESTION, mode="generated")  # temperature 0: the same answer again
    assert expected.mode == "generated" and highlighted == expected.citations[0].quote
