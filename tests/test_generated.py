"""Generated answers without a model server: marker parsing, the fast judge, composition and every fallback.

The generator is ``ScriptedGenerator`` (a fake, for speed); the retrieval and the
evidence are real (the default corpus, the real embedder).  The same flows run
against a real llama.cpp server in ``test_llm_server.py``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace

import pytest

from assistant.adapters.memory import ScriptedGenerator
from assistant.errors import BadQuestionError, GeneratorError

# --- parsing ---------------------------------------------------------------------------------


QUESTION = "What ceasefire did France and the US propose in September 2024?"


def _evidence(messages) -> dict[int, str]:
    """Evidence number -> sentence text, read back from the prompt."""
    user = messages[-1]["content"]
    return {int(m.group(1)): m.group(2) for m in re.finditer(r"^\[(\d+)\] \([^)]*\) (.*)$", user, re.M)}


def _assistant(real_index, reply, **settings):
    from assistant.api import Assistant
    from assistant.wiring import default_ports

    s = real_index.model_copy(update=settings)
    gen = reply if isinstance(reply, ScriptedGenerator) else ScriptedGenerator(reply)
    return Assistant(s, ports=replace(default_ports(s), generator=lambda: gen))


def _first_sentence_reply(messages) -> str:
    return f"{_evidence(messages)[1]} [1]"


@pytest.mark.integration
def test_a_supported_reply_becomes_a_generated_answer_with_exact_spans(real_index):
    a = _assistant(real_index, _first_sentence_reply)
    ans = a.ask(QUESTION, mode="generated")
    assert ans.mode == "generated" and not ans.abstained
    assert len(ans.citations) == 1 and ans.text.endswith("[1]")
    c = ans.citations[0]
    assert a.document_text(c.source)[c.start : c.end] == c.quote
    assert [s.supported for s in ans.sentences] == [True] and not ans.unsupported
    assert ans.generation["completion_tokens"] > 0


@pytest.mark.integration
def test_the_prompt_numbers_the_extractive_evidence_first(real_index):
    gen = ScriptedGenerator(_first_sentence_reply)
    a = _assistant(real_index, gen)
    extractive = a.ask(QUESTION)
    a.ask(QUESTION, mode="generated")
    evidence = _evidence(gen.requests[-1])
    assert 1 < len(evidence) <= real_index.llm_evidence
    quoted = " ".join(" ".join(c.quote for c in extractive.citations).split())
    assert evidence[1] in quoted
    assert "Vox" in gen.requests[-1][-1]["content"]  # each line names its source and date


@pytest.mark.integration
def test_invented_markers_are_removed_and_counted(real_index):
    a = _assistant(real_index, lambda m: f"{_evidence(m)[1]} [1][42]")
    ans = a.ask(QUESTION, mode="generated")
    assert ans.mode == "generated" and ans.invalid_markers == 1
    assert "[42]" not in ans.text and len(ans.citations) == 1


@pytest.mark.integration
@pytest.mark.parametrize("policy", ["drop", "flag"])
def test_an_unsupported_sentence_is_dropped_or_flagged(real_index, policy):
    reply = lambda m: f"{_evidence(m)[1]} [1] The pause was agreed by 400 Martians. [1]"  # noqa: E731
    ans = _assistant(real_index, reply, unsupported=policy).ask(QUESTION, mode="generated")
    assert ans.mode == "generated"
    assert [s.supported for s in ans.sentences] == [True, False]
    (bad,) = ans.unsupported
    assert "400" in bad.reason and bad.shown is (policy == "flag")
    assert ("Martians" in ans.text) is (policy == "flag")
    if policy == "flag":
        assert "⚠ The pause was agreed by 400 Martians. [1]" in ans.text


@pytest.mark.integration
@pytest.mark.parametrize(
    "reply, notice",
    [
        ("Everything was decided by 999 ministers in Oslo. [1]", "No generated sentence was supported"),
        ("NOT IN SOURCES", "model judged that the evidence does not answer"),
        (GeneratorError("The language model server at http://x is not reachable."), "is not reachable"),
    ],
)
def test_fallbacks_keep_the_extractive_answer(real_index, reply, notice):
    a = _assistant(real_index, reply)
    extractive = a.ask(QUESTION)
    ans = a.ask(QUESTION, mode="generated")
    assert ans.mode == "extractive" and notice in ans.notice
    assert ans.text == extractive.text and ans.citations == extractive.citations


@pytest.mark.integration
def test_no_generator_configured_says_how_to_set_one(real_index):
    from assistant.api import Assistant

    ans = Assistant(real_index).ask(QUESTION, mode="generated")
    assert ans.mode == "extractive" and "ASSISTANT_LLM_URL" in ans.notice


@pytest.mark.integration
def test_an_abstention_generates_nothing(real_index):
    gen = ScriptedGenerator("should not be asked")
    ans = _assistant(real_index, gen).ask("What is the capital of Peru?", mode="generated")
    assert ans.abstained and not gen.requests and "do not answer" in ans.notice


@pytest.mark.integration
def test_stream_events_come_in_order(real_index):
    a = _assistant(real_index, _first_sentence_reply)
    kinds = [k for k, _ in a.ask_stream(QUESTION, mode="generated")]
    assert kinds[0] == "extractive" and kinds[-1] == "final"
    assert set(kinds[1:-1]) == {"token"}
    assert [k for k, _ in a.ask_stream(QUESTION)] == ["final"]


@pytest.mark.integration
def test_a_bad_mode_is_a_clear_error(real_index):
    from assistant.api import Assistant

    with pytest.raises(BadQuestionError, match="extractive' or 'generated"):
        Assistant(real_index).ask(QUESTION, mode="poem")


# --- the local model's parts ---------------------------------------------------------------------


def _fake_parts(tmp_path, monkeypatch, blobs: list[bytes]):
    from assistant.adapters import gguf_parts

    for i, blob in enumerate(blobs, 1):
        pkg = tmp_path / "site" / f"fakepart{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(blob)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setattr(gguf_parts, "PACKAGE", "fakepart{}")
    monkeypatch.setattr(gguf_parts, "PARTS", len(blobs))
    whole = b"".join(blobs)
    monkeypatch.setattr(gguf_parts, "SIZE", len(whole))
    monkeypatch.setattr(gguf_parts, "SHA256", hashlib.sha256(whole).hexdigest())
    return gguf_parts, whole


@pytest.mark.unit
def test_parts_reassemble_into_the_verified_file_once(tmp_path, monkeypatch):
    gguf_parts, whole = _fake_parts(tmp_path, monkeypatch, [b"GGUF" + b"a" * 100, b"b" * 57])
    path = gguf_parts.assemble(tmp_path / "models", progress=False)
    assert path.read_bytes() == whole
    mtime = path.stat().st_mtime_ns
    assert gguf_parts.assemble(tmp_path / "models", progress=False) == path and path.stat().st_mtime_ns == mtime


@pytest.mark.unit
def test_a_part_that_does_not_match_leaves_no_file(tmp_path, monkeypatch):
    gguf_parts, _ = _fake_parts(tmp_path, monkeypatch, [b"GGUF" + b"a" * 100, b"b" * 57])
    (tmp_path / "site" / "fakepart2" / "data" / "part02.bin").write_bytes(b"c" * 57)  # same size, other bytes
    with pytest.raises(gguf_parts.LocalModelError, match="SHA-256"):
        gguf_parts.assemble(tmp_path / "models", progress=False)
    assert not list((tmp_path / "models").iterdir())


@pytest.mark.unit
def test_missing_parts_say_how_to_install_them(monkeypatch):
    from assistant.adapters import gguf_parts

    monkeypatch.setattr(gguf_parts, "PACKAGE", "no_such_model_part{}")
    with pytest.raises(gguf_parts.LocalModelError, match="make llm"):
        gguf_parts.part_paths()


@pytest.mark.unit
@pytest.mark.parametrize("url", ["ftp://host/v1", "127.0.0.1:8080"])
def test_a_bad_generator_url_is_refused(url):
    from assistant.config import Settings
    from assistant.errors import AssistantError
    from assistant.wiring import make_generator

    with pytest.raises(AssistantError, match="http"):
        make_generator(Settings(llm_url=url))


# --- the chat UI ---------------------------------------------------------------------------------


@pytest.mark.integration
def test_the_chat_shows_quotes_at_once_then_the_checked_answer(real_index):
    from assistant import ui

    reply = lambda m: f"{_evidence(m)[1]} [1] The pause was agreed by 400 Martians. [1]"  # noqa: E731
    a = _assistant(real_index, reply, unsupported="flag", llm_url="http://127.0.0.1:9/v1")
    steps = list(ui.answer_stream(a, QUESTION, [], mode="generated"))
    live = [s[0][-1]["content"] for s in steps[1:-1]]
    assert "Writing an answer from these sentences" in live[0] and "cite-marker" in live[0]  # the quotes show at once
    assert "Martians" in live[-1] and "[1]" not in live[-1].split("generating")[-1]  # the draft streams, markers hidden
    chat, convo, _, panel = steps[-1]
    final = chat[-1]["content"]
    assert "answer answered generated" in final and "Writing an answer" not in final
    assert 'class="unsupported"' in final and "400" in final  # flagged, with its reason in the title
    assert 'href="#cite-0-1"' in final and convo[0]["answer"]["mode"] == "generated"
    assert "Sources used in this answer" in panel


@pytest.mark.integration
def test_the_mode_switch_shows_only_with_a_generator(real_index):
    from assistant import ui
    from assistant.api import Assistant

    def radio(settings):
        app = ui.build_app(Assistant(settings))
        (comp,) = [b for b in app.blocks.values() if getattr(b, "elem_id", None) == "answer-mode"]
        return comp

    assert radio(real_index).visible is False
    on = radio(real_index.model_copy(update={"llm_url": "http://127.0.0.1:9/v1", "answer_mode": "generated"}))
    assert on.visible is True and on.value == "generated"


@pytest.mark.integration
def test_the_ask_api_takes_the_mode(real_index):
    from assistant.ui.handlers import api_answer

    a = _assistant(real_index, _first_sentence_reply)
    data = api_answer(a, QUESTION, "", "", "generated")
    assert data["mode"] == "generated" and data["sentences"][0]["supported"] and data["generation"]["completion_tokens"]
    assert api_answer(a, QUESTION)["mode"] == "extractive"


@pytest.mark.unit
def test_sentence_alce_judges_each_shown_sentence_against_its_own_citations():
    from assistant.types import Answer, Citation, GeneratedSentence
    from evals.generated import sentence_alce

    class AllWords:
        def supports(self, claim, evidence):
            return set(claim.split()) <= set(evidence.split())

    cits = [Citation(1, "a.txt", 0, 1, "hamas released 50 hostages"), Citation(2, "a.txt", 2, 3, "the truce began")]
    sentences = (
        GeneratedSentence("hamas released 50 hostages", (1, 2), True),  # [1] alone supports it; [2] adds nothing
        GeneratedSentence("talks collapsed", (2,), True),  # its citation does not support it
        GeneratedSentence("dropped", (), False, "why", shown=False),  # not shown: not judged
    )
    ans = Answer("", cits, False, mode="generated", sentences=sentences)
    assert sentence_alce(ans, AllWords()) == pytest.approx((1 / 2, 1 / 3))
    assert sentence_alce(Answer("", [], True), AllWords()) == (None, None)


@pytest.mark.unit
def test_evidence_keeps_the_answers_own_question_sentence_but_no_other_question():
    from assistant.evidence import Scored
    from assistant.generated.compose import choose_evidence
    from assistant.types import Sentence

    def sc(start, text, score):
        return Scored(Sentence("a.txt", start, start + len(text), text), score, 0.5, 0.5, start)

    verse = sc(0, "Have ye never read, Out of the mouth of babes thou hast perfected praise?", 0.9)
    other_q = sc(100, "Who shall ascend into the hill?", 0.8)
    plain = sc(200, "Praise ye the Lord.", 0.7)
    chosen = choose_evidence([verse], [verse, other_q, plain], limit=8, rel=0.3)
    assert [e.sentence.start for e in chosen] == [0, 200]
