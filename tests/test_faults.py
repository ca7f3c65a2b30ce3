"""Regression tests for the faults found when the assistant was attacked (one per defect, named in the docstring).

Each test reproduces the fault first (the input that used to break something) and
asserts the fixed behaviour: a clear message by name, nothing lost, nothing hangs.
The Chroma-server freeze (defect 2) and server-side garbage collection are in
``test_chroma_server.py``; the kill -9 harness is ``test_crash_harness.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assistant import ui
from assistant.adapters import chroma
from assistant.adapters.chroma import ChromaStore
from assistant.api import Assistant
from assistant.config import OFFLINE_ENV
from assistant.corpus import load_corpus
from assistant.errors import AssistantError, BadQuestionError
from assistant.indexing import BUILDING, MANIFEST
from assistant.retrieval import Filters
from assistant.text import human_date
from assistant.wiring import make_store

ROOT = Path(__file__).resolve().parent.parent
FIRST = "000_c1fd837c348b8f6f.txt"
SECOND = "001_8a411522840ab978.txt"
QUESTION = "How many hostages were released during the November 2023 truce?"


def set_metadata(corpus: Path, source: str, **fields) -> None:
    """Append a table for ``source`` to sources.toml (a later table for the same file would be a TOML error)."""
    path = corpus / "sources.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index(f'["{source}"]')
    end = text.find("\n[", start + 1)
    body = "".join(f"{k} = {json.dumps(v) if isinstance(v, str) else v}\n" for k, v in fields.items())
    path.write_text(text[:start] + f'["{source}"]\n{body}' + (text[end:] if end != -1 else ""), encoding="utf-8")


def collections(settings) -> set[str]:
    return set(make_store(settings, "probe-unused").owned_collections())


# --- defect 1: bad dates in sources.toml -------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    "value, shown",
    [
        pytest.param("2024-06-24", "24 Jun 2024", id="day"),
        pytest.param("2024-06", "Jun 2024", id="month"),
        pytest.param("2024-06-04", "4 Jun 2024", id="day-no-leading-zero"),
        pytest.param("2024-12", "Dec 2024", id="december"),
        pytest.param("2024", "2024", id="year"),
        pytest.param("spring 2024", "undated", id="free-text-is-not-a-date"),
        pytest.param("2024-13-40", "undated", id="month-13-day-40"),
        pytest.param("2024-00", "undated", id="month-00-was-dec"),
        pytest.param("2023-02-30", "undated", id="30-february"),
        pytest.param("yesterday", "undated", id="words"),
        pytest.param("", "undated", id="empty"),
        pytest.param(2024, "undated", id="not-text"),
    ],
)
def test_human_date_never_raises_and_never_invents_a_month(value, shown):
    assert human_date(value) == shown


@pytest.mark.unit
@pytest.mark.parametrize(
    "fields, warning",
    [
        pytest.param({"date": "2024-13-40"}, "bad date '2024-13-40' ignored", id="impossible-date"),
        pytest.param({"date": "2024-00"}, "bad date '2024-00' ignored", id="month-zero"),
        pytest.param({"date": "[2024]"}, "bad date", id="list"),
        pytest.param({"title": "5"}, "", id="title-number-as-text-is-fine"),
        pytest.param({"title": "5", "publisher": "true"}, "", id="strings-ok"),
    ],
)
def test_bad_metadata_is_warned_by_file_name_and_ignored(tmp_corpus, fields, warning):
    set_metadata(tmp_corpus, FIRST, **fields)
    docs, problems = load_corpus(tmp_corpus)
    assert FIRST in {d.source for d in docs}, "the file itself still loads"
    mine = [p for p in problems if p.source == FIRST]
    if warning:
        assert len(mine) == 1 and warning in mine[0].reason and not mine[0].skipped
        assert next(d for d in docs if d.source == FIRST).date == ""
    else:
        assert not mine


@pytest.mark.unit
def test_toml_native_dates_and_wrong_types(tmp_corpus):
    text = (tmp_corpus / "sources.toml").read_text(encoding="utf-8")
    text += (
        '\n["extra.txt"]\ndate = 2024-06-24\n\n["other.txt"]\ndate = 2024\ntitle = 7\n\n["ghost.txt"]\ntitle = "No such file"\n'
    )
    (tmp_corpus / "sources.toml").write_text(text, encoding="utf-8")
    for name in ("extra.txt", "other.txt"):
        (tmp_corpus / name).write_text(
            "Mediators met in Cairo on Tuesday to discuss a truce. They set no date.\n", encoding="utf-8"
        )
    docs, problems = load_corpus(tmp_corpus)
    by = {d.source: d for d in docs}
    assert by["extra.txt"].date == "2024-06-24" and by["other.txt"].date == "2024"
    assert by["other.txt"].title == "other", "a non-text title is ignored; the file name stands in"
    reasons = {p.source: p.reason for p in problems}
    assert "title must be text" in reasons["other.txt"]
    assert "not in the corpus folder" in reasons["ghost.txt"]


@pytest.mark.integration
def test_bad_date_never_breaks_a_question_the_ui_or_index(hash_settings):
    set_metadata(hash_settings.corpus_dir, FIRST, title="Vox piece", publisher="Vox", date="2024-13-40")
    a = Assistant(hash_settings)
    report = a.index(progress=False)
    assert f"Warning {FIRST}: sources.toml: bad date '2024-13-40' ignored" in report.summary()
    ans = a.ask(QUESTION)
    assert ans.text and "undated" not in ans.text

    # an index written before the fix may still hold a bad date: questions and the UI survive it
    path = hash_settings.index_dir / MANIFEST
    m = json.loads(path.read_text(encoding="utf-8"))
    for d in m["documents"].values():
        d["date"] = "2024-00"
    path.write_text(json.dumps(m), encoding="utf-8")
    b = Assistant(hash_settings)
    assert b.ask(QUESTION).text
    assert ui.source_choices(b) and "Dec 2024" not in ui.byline(b.docs[FIRST])
    ui.build_app(b)  # `assistant serve` used to crash here


# --- defect 3: a link to a file outside the corpus -----------------------------------------------------


@pytest.mark.integration
def test_link_to_a_file_outside_the_corpus_is_refused_by_name(tmp_corpus, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("The password is swordfish. It must never be cited by the assistant.\n", encoding="utf-8")
    (tmp_corpus / "x.txt").symlink_to(secret)
    (tmp_corpus / "passwd.txt").symlink_to("/etc/passwd")
    outside = tmp_path / "outside-dir"
    outside.mkdir()
    (outside / "more.txt").write_text("Another file that lives outside the corpus folder entirely.\n", encoding="utf-8")
    (tmp_corpus / "linked-dir").symlink_to(outside, target_is_directory=True)
    (tmp_corpus / "inside-link.txt").symlink_to(tmp_corpus / FIRST)  # a link that stays inside is fine
    docs, problems = load_corpus(tmp_corpus)
    sources = {d.source for d in docs}
    assert "x.txt" not in sources and "passwd.txt" not in sources and "linked-dir/more.txt" not in sources
    assert "inside-link.txt" in sources
    refused = {p.source: p.reason for p in problems if p.skipped}
    assert "outside the corpus folder" in refused["x.txt"] and "outside the corpus folder" in refused["passwd.txt"]
    assert all("swordfish" not in d.text for d in docs)


# --- defect 4: first upload and first question at once, in a fresh process ------------------------------

RACE = textwrap.dedent(
    """
    import sys, threading
    from pathlib import Path
    from assistant.api import Assistant
    from assistant.config import Settings
    s = Settings(corpus_dir=Path(sys.argv[1]), index_dir=Path(sys.argv[2]), embedder="hash")
    a = Assistant(s)
    start, out = threading.Barrier(2), {}
    def upload():
        start.wait()
        out["upload"] = a.add_documents([("race.txt", b"The harbour crane lifted 77 containers on Monday morning, officials said.\\n")])
    def ask():
        start.wait()
        out["ask"] = a.ask("How many hostages were released during the November 2023 truce?")
    ts = [threading.Thread(target=upload), threading.Thread(target=ask)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    report, refused = out["upload"]
    assert report.added == ["race.txt"] and not refused, (report, refused)
    assert out["ask"].text
    print("ok")
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("attempt", [1, 2, 3])
def test_first_upload_and_first_question_together_in_a_fresh_process(hash_settings, attempt):
    Assistant(hash_settings).index(progress=False)  # the index exists; the new process imports nothing yet
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")} | OFFLINE_ENV
    res = subprocess.run(
        [sys.executable, "-c", RACE, str(hash_settings.corpus_dir), str(hash_settings.index_dir)],
        capture_output=True, text=True, timeout=300, env=env, cwd=ROOT,
    )  # fmt: skip
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr[-3000:]
    assert not (hash_settings.index_dir / BUILDING).exists()


# --- defect 5: an upload named like an existing source ---------------------------------------------------


@pytest.mark.integration
def test_upload_never_silently_replaces_an_existing_source(hash_settings):
    a = Assistant(hash_settings)
    a.index(progress=False)
    original = (hash_settings.corpus_dir / FIRST).read_bytes()
    impostor = b"An uploaded file that happens to share the article's name.\n"

    report, refused = a.add_documents([(FIRST, impostor)])
    assert report is None and "already in the corpus" in refused[0].reason
    assert (hash_settings.corpus_dir / FIRST).read_bytes() == original

    report, refused = a.add_documents([(FIRST, original)])  # the same bytes again: nothing to decide
    assert report.unchanged and FIRST in report.unchanged and not refused

    report, refused = a.add_documents(
        [("twin.txt", b"First twin upload text here.\n"), ("twin.txt", b"Second twin upload text.\n")]
    )
    assert report.added == ["twin.txt"] and "also named twin.txt" in refused[0].reason
    assert (hash_settings.corpus_dir / "twin.txt").read_bytes() == b"First twin upload text here.\n"

    report, refused = a.add_documents([(FIRST, impostor)], replace=True)  # an explicit choice
    assert report.changed == [FIRST] and (hash_settings.corpus_dir / FIRST).read_bytes() == impostor


@pytest.mark.integration
def test_upload_names_with_paths_and_empty_files_are_refused(hash_settings):
    a = Assistant(hash_settings)
    a.index(progress=False)
    report, refused = a.add_documents([("../evil.txt", b"text\n"), ("sub/x.txt", b"text\n"), ("empty.txt", b"  \n")])
    reasons = {r.source: r.reason for r in refused}
    assert report is None
    assert "unsafe file name" in reasons["../evil.txt"] and "unsafe file name" in reasons["sub/x.txt"]
    assert "empty file" in reasons["empty.txt"]


# --- defect 6: a deleted vector store ---------------------------------------------------------------------


def cli(args: list[str], settings) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")} | OFFLINE_ENV
    env |= {
        "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
        "ASSISTANT_INDEX_DIR": str(settings.index_dir),
        "ASSISTANT_EMBEDDER": "hash",
    }
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )


@pytest.mark.slow
def test_deleted_vector_store_is_noticed_on_load_and_repaired_by_index(hash_settings):
    assert cli(["index", "--quiet"], hash_settings).returncode == 0
    total = sum(len(d["chunks"]) for d in json.loads((hash_settings.index_dir / MANIFEST).read_text())["documents"].values())
    shutil.rmtree(hash_settings.index_dir / "chroma")

    res = cli(["ask", QUESTION], hash_settings)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "damaged" in res.stderr and f"for {total:,} chunks" in res.stderr and "assistant index" in res.stderr

    res = cli(["index", "--quiet"], hash_settings)
    assert res.returncode == 0, res.stderr
    assert f"Repaired: the vector store had lost {total} chunks" in res.stdout
    assert f"{total} in the index" in res.stdout
    res = cli(["ask", "--json", QUESTION], hash_settings)
    assert res.returncode == 0 and json.loads(res.stdout)["citations"]


@pytest.mark.integration
def test_partly_lost_vectors_are_detected_and_only_they_are_embedded_again(hash_settings):
    a = Assistant(hash_settings)
    a.index(progress=False)
    m = json.loads((hash_settings.index_dir / MANIFEST).read_text())
    ids = [cid for d in m["documents"].values() for cid, _, _ in d["chunks"]]
    make_store(hash_settings, m["collection"]).delete(ids[::3])
    with pytest.raises(AssistantError, match="damaged"):
        Assistant(hash_settings).ask(QUESTION)
    report = Assistant(hash_settings).ensure_index(progress=False)  # what `serve` and `chat` run first
    assert report is not None and report.repaired == report.chunks_embedded == len(ids[::3])
    assert make_store(hash_settings, m["collection"]).ids() == set(ids)
    assert Assistant(hash_settings).ask(QUESTION).text


# --- defect 7: collections of crashed rebuilds --------------------------------------------------------------


class Boom(RuntimeError):
    pass


def crash_on_first_add(monkeypatch):
    def boom(self, chunks, vectors):
        raise Boom("simulated crash while adding vectors")

    monkeypatch.setattr(ChromaStore, "add", boom)


@pytest.mark.integration
def test_crashed_rebuilds_leave_no_orphan_collections(hash_settings, monkeypatch):
    a = Assistant(hash_settings)
    live = a.index(progress=False).collection
    for _ in range(2):  # two crashed rebuilds in a row
        with monkeypatch.context() as m:
            crash_on_first_add(m)
            with pytest.raises(Boom):
                Assistant(hash_settings).index(rebuild=True, progress=False)
    assert len(collections(hash_settings)) == 3, "each crashed rebuild left its own collection"
    report = Assistant(hash_settings).index(progress=False)
    assert report.collection == live and collections(hash_settings) == {live}

    # --rebuild after a corrupt manifest
    (hash_settings.index_dir / MANIFEST).write_text("{not json", encoding="utf-8")
    report = Assistant(hash_settings).index(rebuild=True, progress=False)
    assert collections(hash_settings) == {report.collection}


# --- defect 9: a collection whose reader dies of a signal (CI: SIGSEGV in Chroma after a kill -9 mid-write) ------


def segfault_on(monkeypatch, collection: str) -> None:
    """The probe child dies of a real SIGSEGV on ``collection``, as Chroma's Rust core did on a segment a kill cut."""
    crash = f"import os, signal, sys\nif sys.argv[2] == {collection!r}: os.kill(os.getpid(), signal.SIGSEGV)\n"
    monkeypatch.setattr(chroma, "_PROBE", crash + chroma._PROBE)


@pytest.mark.integration
def test_probe_reads_a_real_store_in_a_child_and_names_what_killed_it(hash_settings, monkeypatch):
    live = Assistant(hash_settings).index(progress=False).collection
    path = hash_settings.index_dir / "chroma"
    assert chroma.probe(path, live) == "" and chroma.probe(path, "chunks-absent") == ""
    segfault_on(monkeypatch, live)
    assert chroma.probe(path, live) == f"Chroma crashed reading collection {live} (SIGSEGV)"
    monkeypatch.setattr(chroma, "_PROBE", "import time\ntime.sleep(30)\n")
    assert chroma.probe(path, live, timeout=1) == f"Chroma did not finish reading collection {live} in 1 s"
    monkeypatch.setattr(chroma, "_PROBE", "raise SystemExit('segment missing')\n")
    assert chroma.probe(path, live) == f"Chroma cannot read collection {live} (segment missing)"


@pytest.mark.integration
def test_a_collection_that_crashes_its_reader_is_an_error_then_replaced_by_the_next_build(hash_settings, monkeypatch):
    live = Assistant(hash_settings).index(progress=False).collection
    (hash_settings.index_dir / BUILDING).write_text(live)  # a build was killed: only then is the store probed
    segfault_on(monkeypatch, live)
    with pytest.raises(AssistantError) as e:
        Assistant(hash_settings).ask(QUESTION)
    assert "damaged" in str(e.value) and "SIGSEGV" in str(e.value) and "assistant index" in str(e.value)
    report = Assistant(hash_settings).index(progress=False)
    assert report.collection != live and collections(hash_settings) == {report.collection}
    assert not (hash_settings.index_dir / BUILDING).exists()
    assert Assistant(hash_settings).ask(QUESTION).citations


# --- defect 8 and the minor ones: strict argument types -------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    "filters, message",
    [
        pytest.param('{"date_from": 2024}', "filters.date_from must be a text date", id="date-number"),
        pytest.param('{"sources": 5}', "filters.sources must be a list of file names", id="sources-number"),
        pytest.param('{"sources": [1, 2]}', "filters.sources must be a list of file names", id="sources-numbers"),
        pytest.param('{"sources": {"a": 1}}', "filters.sources must be a list", id="sources-object"),
        pytest.param('{"date_to": ["2024"]}', "filters.date_to must be a text date", id="date-list"),
        pytest.param('{"from": "2024"}', "unknown filter key", id="unknown-key"),
        pytest.param("[1, 2]", "filters must be a JSON object", id="not-object"),
        pytest.param('"2024"', "filters must be a JSON object", id="string"),
        pytest.param("{", "filters is not valid JSON", id="broken-json"),
        pytest.param("[" * 100_000, "filters", id="deep-nesting"),
        pytest.param('{"date_from": "2024-07", "date_to": "2024-01"}', "after the To date", id="from-after-to"),
    ],
)
def test_wrong_filter_types_give_one_readable_error(filters, message):
    with pytest.raises(AssistantError) as ei:
        ui.parse_filters_json(filters)
    assert message in str(ei.value)


@pytest.mark.integration
def test_unknown_source_and_reversed_dates_are_errors_not_silent_abstentions(hash_settings):
    a = Assistant(hash_settings)
    a.index(progress=False)
    with pytest.raises(BadQuestionError, match="unknown source"):
        a.ask(QUESTION, filters=Filters(sources=("nope.txt",)))
    with pytest.raises(ValueError, match="after the to date"):
        Filters(date_from="2025", date_to="2024")
    with pytest.raises(BadQuestionError, match="filters must be"):
        a.ask(QUESTION, filters={"sources": ["x"]})
    res = cli(["ask", QUESTION, "--source", "nope.txt"], hash_settings)
    assert res.returncode == 2 and "unknown source" in res.stderr and "Traceback" not in res.stderr
    res = cli(["ask", QUESTION, "--from", "2025", "--to", "2024"], hash_settings)
    assert res.returncode == 2 and "after the to date" in res.stderr and "Traceback" not in res.stderr


@pytest.mark.unit
def test_empty_file_in_the_corpus_is_skipped_by_name(tmp_corpus):
    (tmp_corpus / "blank.txt").write_text("\n\n   \n", encoding="utf-8")
    docs, problems = load_corpus(tmp_corpus)
    assert "blank.txt" not in {d.source for d in docs}
    assert any(p.source == "blank.txt" and "empty file" in p.reason and p.skipped for p in problems)


@pytest.mark.integration
def test_serve_rebuilds_an_index_built_with_other_settings_instead_of_refusing(hash_settings):
    """`make run` means "index if needed": an index from another chunk size (or chunker version) is rebuilt."""
    Assistant(hash_settings.model_copy(update={"chunk_size": 400})).index(progress=False)
    report = Assistant(hash_settings).ensure_index(progress=False)
    assert report is not None and report.chunks_embedded == report.chunks_total > 0
    assert json.loads((hash_settings.index_dir / MANIFEST).read_text())["signature"]["chunk_size"] == hash_settings.chunk_size
    assert collections(hash_settings) == {report.collection}
    assert Assistant(hash_settings).ask(QUESTION).text
