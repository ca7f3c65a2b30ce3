"""The Gradio app over HTTP (gradio_client against a real server) and its handlers in Python.

The server runs in this process on a free loopback port; the index is the default
corpus built once with the real embedding model (``real_index`` in conftest).
Upload tests use a private copy of the corpus with the fast fake embedder, so they
never write into the repository's corpus.
"""

from __future__ import annotations

import json
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant import ui
from assistant.api import Assistant
from assistant.config import MAX_UPLOAD_BYTES, Settings
from assistant.types import Answer, Segment, render_text

pytestmark = [pytest.mark.slow, pytest.mark.integration]

Q_FRANCE = "What ceasefire did France and the United States try to push for Lebanon in September 2024?"
Q_HOSTAGES = "According to Jewish Currents, how many hostages did Hamas release during last November's ceasefire?"
Q_FOLLOWUP = "And how many Palestinian prisoners did Israel let go in return?"
QUESTIONS = [
    Q_FRANCE,
    "How many people has Israel killed in Lebanon since expanding the war there, according to Vox?",
    "How many Iranian missiles struck Israeli territory in Iran's October attack?",
    "How many Palestinians have been killed in Gaza?",
    "How long did the November 2023 pause in fighting last?",
    "What is the capital of Peru?",
    "Who is Annelle Sheline?",
    "What happens in the first stage of Biden's three-stage plan?",
    "Did a USAID study find that Hamas was diverting aid in Gaza?",
    "What did Israel offer in the Doha talks after the November truce ended?",
]


def comparable(answer: dict) -> dict:
    """An answer without its timing, which differs between two runs."""
    return {k: v for k, v in answer.items() if k != "latency_ms"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def file_text(settings: Settings, source: str) -> str:
    return (Path(settings.corpus_dir) / source).read_bytes().decode("utf-8")


@pytest.fixture(scope="module")
def assistant(real_index) -> Assistant:
    return Assistant(real_index)


@pytest.fixture(scope="module")
def direct(assistant) -> dict[str, dict]:
    """Each question answered by the Assistant itself (also warms its sentence cache)."""
    return {q: assistant.ask(q).to_dict() for q in QUESTIONS}


@pytest.fixture(scope="module")
def url(assistant):
    app = ui.build_app(assistant)
    app.queue(default_concurrency_limit=ui.CONCURRENCY)
    port = free_port()
    app.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    app.close()


@pytest.fixture(scope="module")
def client(url):
    from gradio_client import Client

    return Client(url, verbose=False)


# --- the "ask" API endpoint --------------------------------------------------------------------


def test_ask_endpoint_returns_answer_with_exact_spans(client, direct, real_index):
    res = client.predict(Q_FRANCE, api_name="/ask")
    assert isinstance(res, dict)
    assert {"text", "abstained", "conflict", "citations", "query", "notice"} <= set(res)
    assert not res["abstained"] and res["citations"]
    for c in res["citations"]:
        assert {"n", "source", "start", "end", "quote", "title", "publisher", "author", "date"} <= set(c)
        assert file_text(real_index, c["source"])[c["start"] : c["end"]] == c["quote"]
        assert f"[{c['n']}]" in res["text"]
    assert "21-day pause" in res["citations"][0]["quote"]
    assert comparable(res) == comparable(direct[Q_FRANCE])


def test_document_text_endpoint_lets_anyone_check_a_citation(client):
    res = client.predict(Q_FRANCE, api_name="/ask")
    for c in res["citations"]:
        text = client.predict(c["source"], api_name="/document_text")
        assert text[c["start"] : c["end"]] == c["quote"]
    with pytest.raises(Exception, match="no document"):
        client.predict("nope.txt", api_name="/document_text")


def test_ask_endpoint_follow_up_uses_history(client, assistant, real_index):
    first = client.predict(Q_HOSTAGES, api_name="/ask")
    history = [{"role": "user", "content": Q_HOSTAGES}, {"role": "assistant", "content": first["text"]}]
    res = client.predict(Q_FOLLOWUP, json.dumps(history), api_name="/ask")
    assert not res["abstained"]
    assert Q_HOSTAGES in res["query"]  # the follow-up was resolved against the earlier question
    for c in res["citations"]:
        assert file_text(real_index, c["source"])[c["start"] : c["end"]] == c["quote"]
    assert comparable(res) == comparable(assistant.ask(Q_FOLLOWUP, history).to_dict())


def test_ask_endpoint_filters(client, assistant):
    only = "001_8a411522840ab978.txt"
    res = client.predict(Q_HOSTAGES, "", json.dumps({"sources": [only]}), api_name="/ask")
    assert res["citations"] and {c["source"] for c in res["citations"]} == {only}
    dated = client.predict(Q_HOSTAGES, "", json.dumps({"date_from": "2024-06", "date_to": "2024-06"}), api_name="/ask")
    assert dated["citations"] and all(c["date"].startswith("2024-06") for c in dated["citations"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("   ",), "question is empty"),
        (("Who?", "not json"), "history is not valid JSON"),
        (("Who?", '[{"role": "robot", "content": 1}]'), "history turn"),
        (("Who?", "", '{"date_from": "2024-13"}'), "not a valid date"),
        (("Who?", "", '{"date_from": "2024", "date_to": "2023"}'), "after the To date"),
    ],
)
def test_ask_endpoint_errors_are_readable(client, args, message):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as err:
        client.predict(*args, api_name="/ask")
    assert message in str(err.value)
    assert "Traceback" not in str(err.value)


def test_ten_concurrent_sessions_get_their_own_answers(url, direct):
    from gradio_client import Client

    barrier = threading.Barrier(len(QUESTIONS))

    def session(q: str) -> dict:
        c = Client(url, verbose=False)  # one client = one session
        barrier.wait(timeout=60)
        return c.predict(q, api_name="/ask")

    with ThreadPoolExecutor(len(QUESTIONS)) as pool:
        results = list(pool.map(session, QUESTIONS))
    for q, res in zip(QUESTIONS, results, strict=True):
        assert comparable(res) == comparable(direct[q]), q


# --- the chat handler ----------------------------------------------------------------------------


def test_chat_streams_progressively_and_keeps_per_session_history(assistant, direct):
    steps = list(ui.answer_stream(assistant, Q_FRANCE, []))
    assert len(steps) >= 4  # pending, several partial renders, final
    chat, convo, box, _ = steps[0]
    assert box == "" and chat[-1]["role"] == "assistant" and "pending" in chat[-1]["content"]
    partial = [s[0][-1]["content"] for s in steps[1:-1]]
    assert partial and all("streaming" in p and p.endswith("▍</span></div></div>") for p in partial)
    assert len(partial[0]) < len(partial[-1])
    chat, convo, _, panel = steps[-1]
    assert 'class="cite-marker" href="#cite-0-1"' in chat[-1]["content"]
    assert comparable(convo[0]["answer"]) == comparable(direct[Q_FRANCE])
    assert "Sources used in this answer" in panel

    # A follow-up in the same session sends the history; a fresh session starts empty.
    steps = list(ui.answer_stream(assistant, Q_FOLLOWUP, convo))
    convo2 = steps[-1][1]
    assert len(convo2) == 2 and len(convo) == 1  # the earlier state object is not mutated
    assert Q_FRANCE in convo2[1]["answer"]["query"]
    assert len(list(ui.answer_stream(assistant, Q_FOLLOWUP, []))[-1][1]) == 1


def test_clicked_citation_panel_highlights_the_exact_span(assistant, direct):
    convo = [{"question": Q_FRANCE, "answer": direct[Q_FRANCE], "error": None}]
    cit = direct[Q_FRANCE]["citations"][0]
    panel = ui.render_panel(assistant, convo, 0, cit["n"])
    doc = assistant.document(cit["source"])
    assert f'<mark id="cited-span">{ui.esc(cit["quote"])}</mark>' in panel
    assert ui.esc(doc.title) in panel and "Oct 2024" in panel and "Vox" in panel


def test_abstention_and_conflict_are_marked(assistant, direct):
    abstain = ui.render_answer(direct["What is the capital of Peru?"], 0)
    assert 'class="answer abstained"' in abstain and "No answer in the sources" in abstain
    conflict_answer = direct["How many Palestinians have been killed in Gaza?"]
    assert conflict_answer["conflict"]
    html = ui.render_answer(conflict_answer, 3)
    assert 'class="answer conflict"' in html and "Sources differ" in html and "**" not in html
    assert html.count('class="cite-marker"') == len(conflict_answer["citations"])


@pytest.mark.parametrize(
    ("date_from", "date_to", "message"),
    [
        ("2024-13", "", "not a valid date"),
        ("June", "", "not a valid date"),
        ("2025", "2024", "after the To date"),
        ("1990", "1991", "No source matches"),
    ],
)
def test_chat_shows_filter_errors_as_messages(assistant, date_from, date_to, message):
    chat, convo, _, _ = list(ui.answer_stream(assistant, Q_FRANCE, [], [], date_from, date_to))[-1]
    assert 'class="answer error"' in chat[-1]["content"] and message in chat[-1]["content"]
    assert convo[0]["answer"] is None and convo[0]["error"]


def test_chat_filters_restrict_sources(assistant):
    only = "001_8a411522840ab978.txt"
    convo = list(ui.answer_stream(assistant, Q_HOSTAGES, [], [only], "", ""))[-1][1]
    assert {c["source"] for c in convo[0]["answer"]["citations"]} == {only}


def test_chat_errors_are_messages_not_tracebacks(tmp_path, hash_settings):
    missing = Assistant(Settings(corpus_dir=hash_settings.corpus_dir, index_dir=tmp_path / "nothing", embedder="hash"))
    chat = list(ui.answer_stream(missing, "Who?", []))[-1][0]
    assert "No index found" in chat[-1]["content"] and "Traceback" not in chat[-1]["content"]
    assert "No index found" in ui.index_status(missing) and ui.source_choices(missing) == []

    Assistant(hash_settings).index(progress=False)
    down = Assistant(hash_settings.model_copy(update={"chroma_url": f"http://127.0.0.1:{free_port()}"}))
    chat = list(ui.answer_stream(down, "Who?", []))[-1][0]
    assert "not reachable" in chat[-1]["content"] and "Traceback" not in chat[-1]["content"]

    chat, convo, _, _ = list(ui.answer_stream(missing, "   ", []))[-1]
    assert chat == [] and convo == []  # an empty question adds nothing (a toast says why)


def test_export_markdown_has_questions_answers_and_citations(direct):
    convo = [
        {"question": Q_FRANCE, "answer": direct[Q_FRANCE], "error": None},
        {"question": "Who?", "answer": None, "error": "No index found"},
    ]
    md = ui.export_markdown(convo)
    c = direct[Q_FRANCE]["citations"][0]
    assert f"## Q1. {Q_FRANCE}" in md and direct[Q_FRANCE]["text"] in md
    assert f"`{c['source']}`, characters {c['start']}–{c['end']}" in md and f"> {c['quote']}" in md
    assert "> Error: No index found" in md
    button = ui.write_export(convo)
    assert button.value["orig_name"] == "conversation.md"
    assert f"## Q1. {Q_FRANCE}" in Path(button.value["path"]).read_text(encoding="utf-8")


# --- rendering ------------------------------------------------------------------------------------


def test_markers_only_where_the_answer_cites():
    quote = "A sentence with a literal [2] footnote and <b>tags</b>."
    segments = (Segment("lead", "According to X, "), Segment("quote", quote, (1,)))
    ans = Answer(render_text(segments), [], False, segments=segments).to_dict()
    ans["citations"] = [{"n": 1, "quote": quote}]
    html = ui.render_answer(ans, 5)
    assert html.count("cite-marker") == 1 and 'href="#cite-5-1"' in html  # from the segments: the [2] in the quote is text
    assert "literal [2] footnote and &lt;b&gt;tags&lt;/b&gt;." in html
    shown = ui.visible_text(ans)
    assert "cite-marker" not in ui.render_answer(ans, 5, upto=len(shown) - 1)  # a marker appears whole or not at all
    assert ui.plain_text(ans) == f"According to X, “{quote}”"  # what the chat history keeps
    assert ui.markdown_text(ans) == ans["text"]  # the export renders the same segments


def test_document_text_is_escaped():
    from assistant.types import Document

    doc = Document("x.txt", "Before <script>alert(1)</script> mid <img src=x onerror=alert(1)> after ${x} {{value}}.")
    a = doc.text.index("<img")
    html = ui.render_document(doc, a, a + len("<img src=x onerror=alert(1)>"))
    assert "<script>" not in html and "<img" not in html
    assert '<mark id="cited-span">&lt;img src=x onerror=alert(1)&gt;</mark>' in html


# --- uploads ---------------------------------------------------------------------------------------


def test_upload_reports_each_file_and_keeps_working(hash_settings, tmp_path):
    assistant = Assistant(hash_settings)
    assistant.index(progress=False)
    before = set(assistant.docs)
    good = (
        b"The lighthouse keeper of Pelican Point counted 4,812 ships passing the cape during the winter of 2023.\n"
        b"The keeper said the busiest week came just before the new year.\n"
    )
    files = [
        ("pelican.md", good),
        ("binary.txt", b"\x00\x01\x02 binary"),
        ("latin1.txt", "café crème".encode("latin-1")),
        ("huge.txt", b"a" * (MAX_UPLOAD_BYTES + 1)),
        ("../escape.txt", b"path traversal"),
        ("notes.pdf", b"%PDF-1.4"),
        ("<b>bold</b>.txt", b"\xff\xfe"),
    ]
    report = ui.upload_report(assistant, files)
    lines = report.split("</div>")[:-1]
    assert len(lines) == len(files)
    assert "✓ pelican.md: added" in lines[0]
    assert "binary" in lines[1] and "✗" in lines[1]
    assert "not UTF-8" in lines[2]
    assert "too large" in lines[3]
    assert "../escape.txt" in lines[4] and "unsafe file name" in lines[4]
    assert "truncated or corrupt PDF" in lines[5]  # PDFs are read now; this stub is refused by name
    assert "&lt;b&gt;bold&lt;/b&gt;.txt" in lines[6] and "<b>" not in report
    assert not (Path(hash_settings.corpus_dir).parent / "escape.txt").exists()
    assert set(assistant.docs) == before | {"pelican.md"}  # nothing else lost, the new file searchable

    ans = assistant.ask("How many ships did the lighthouse keeper of Pelican Point count?")
    assert ans.citations and ans.citations[0].source == "pelican.md" and "4,812" in ans.citations[0].quote
    assert "pelican.md" in [v for _, v in ui.source_choices(assistant)]

    # A batch of only bad files changes nothing and the assistant still answers.
    report = ui.upload_report(assistant, [("bad.txt", b"\x00")])
    assert "✗ bad.txt" in report and set(assistant.docs) == before | {"pelican.md"}
    chat = list(ui.answer_stream(assistant, "How many ships did the Pelican Point keeper count?", []))[-1][0]
    assert "cite-marker" in chat[-1]["content"]

    # The Gradio handler reads the uploaded temp files by name.
    up = tmp_path / "up"
    up.mkdir()
    (up / "second.txt").write_text("The second upload says the harbour crane lifted 77 containers on Monday morning.\n")
    (up / "broken.txt").write_bytes(b"\xc3\x28 broken")
    msg, dropdown, status, cleared = ui.handle_upload(assistant, [str(up / "second.txt"), str(up / "broken.txt")])
    assert "✓ second.txt: added" in msg and "✗ broken.txt: not UTF-8" in msg and cleared is None
    assert "second.txt" in [v for _, v in dropdown.choices] and status.startswith(f"{len(before) + 2} sources")


@pytest.mark.unit
def test_the_example_question_comes_from_the_loaded_corpus():
    from assistant.types import Document
    from assistant.ui.render import example_question

    docs = {
        "a.md": Document("a.md", "x", title="Backup guide", date="2021"),
        "b.md": Document("b.md", "y", title="Restore manual", date="2023-02"),
    }
    assert example_question(docs) == "Ask a question about the 2 sources, e.g. “What does “Restore manual” say?”"
    assert example_question({}) == "Add documents, then ask a question about them."
    assert "ceasefire" not in example_question(docs)
