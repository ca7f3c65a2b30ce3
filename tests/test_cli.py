"""The command line, run as a real subprocess: exit codes, one-line errors, JSON output."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import OFFLINE_ENV

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


def cli_env(index_dir: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(OFFLINE_ENV)
    env.update(ASSISTANT_INDEX_DIR=str(index_dir), ASSISTANT_CORPUS_DIR=str(CORPUS), ASSISTANT_EMBEDDER="hash")
    env.update(extra)
    return env


def run(args: list[str], env: dict, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        input=stdin,
        timeout=300,
    )


def assert_one_line_error(res: subprocess.CompletedProcess, *needles: str) -> str:
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("Error: ")]
    assert len(errors) == 1, res.stderr
    for n in needles:
        assert n in errors[0], (n, errors[0])
    return errors[0]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def hash_index(tmp_path_factory) -> Path:
    """The default corpus indexed once by `assistant index` with the hash embedder."""
    index_dir = tmp_path_factory.mktemp("cli") / "index"
    res = run(["index", "--quiet"], cli_env(index_dir))
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("Index up to date: 5 added, 0 changed, 0 deleted, 0 unchanged;")
    assert (index_dir / "manifest.json").exists()
    return index_dir


@pytest.mark.parametrize("question", [pytest.param("", id="empty"), pytest.param("   ", id="spaces")])
def test_empty_question_exits_2_with_one_line_error(tmp_path, question):
    res = run(["ask", question], cli_env(tmp_path / "index"))
    assert_one_line_error(res, "empty")
    assert res.stdout == ""


def test_missing_index_exits_2_and_names_assistant_index(tmp_path):
    res = run(["ask", "How many hostages were released?"], cli_env(tmp_path / "nowhere"))
    line = assert_one_line_error(res, "`assistant index`")
    assert str(tmp_path / "nowhere") in line


def test_index_twice_reports_nothing_to_embed(hash_index):
    res = run(["index", "--quiet"], cli_env(hash_index))
    assert res.returncode == 0, res.stderr
    assert "0 added, 0 changed, 0 deleted, 5 unchanged; 0 chunks embedded" in res.stdout


def test_long_question_is_answered_and_says_it_was_truncated(hash_index):
    question = ("How many hostages were released during the November truce " * 50)[:2500]
    assert len(question) == 2500
    res = run(["ask", question], cli_env(hash_index))
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    first = res.stdout.splitlines()[0]
    assert first.startswith("Note: ") and "2,500" in first and "2,000" in first


def test_ask_json_prints_answer_as_json(hash_index):
    res = run(["ask", "--json", "How many hostages did Hamas release during the November truce?"], cli_env(hash_index))
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert {"text", "citations", "abstained"} <= set(data)
    assert isinstance(data["text"], str) and data["text"]
    assert data["abstained"] == (data["citations"] == [])
    for c in data["citations"]:
        with open(CORPUS / c["source"], encoding="utf-8", newline="") as fh:
            assert fh.read()[c["start"] : c["end"]] == c["quote"]
        assert f"[{c['n']}]" in data["text"]


def test_question_from_stdin(hash_index):
    res = run(["ask", "--json", "-"], cli_env(hash_index), stdin="What is the capital of Australia?\n")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["query"] == "What is the capital of Australia?"


def test_unreachable_chroma_url_exits_2_readably(hash_index):
    port = free_port()
    res = run(["ask", "How many hostages were released?"], cli_env(hash_index, ASSISTANT_CHROMA_URL=f"http://127.0.0.1:{port}"))
    assert_one_line_error(res, f"127.0.0.1:{port}", "not reachable")


def test_bad_date_filter_exits_2(hash_index):
    res = run(["ask", "--from", "2024-13", "How many hostages were released?"], cli_env(hash_index))
    assert_one_line_error(res, "2024-13", "YYYY-MM")


def test_index_built_with_other_embedder_is_refused(hash_index):
    env = cli_env(hash_index)
    del env["ASSISTANT_EMBEDDER"]
    res = run(["ask", "How many hostages were released?"], env)
    assert_one_line_error(res, "`assistant index --rebuild`")
    res = run(["index", "--quiet"], env)
    assert_one_line_error(res, "`assistant index --rebuild`")


def test_missing_corpus_folder_exits_2(tmp_path):
    res = run(["index", "--quiet"], cli_env(tmp_path / "index", ASSISTANT_CORPUS_DIR=str(tmp_path / "no-corpus")))
    assert_one_line_error(res, "corpus folder not found")


@pytest.mark.parametrize(
    "extra, tail",
    [
        ({}, "Vox 2024-10-01"),
        ({"page": 107, "section": "configuration file › conffile"}, "Vox 2024-10-01, p. 107, configuration file › conffile"),
        ({"section": "Version 1.85.0 (2025-02-20) › Language"}, "Vox 2024-10-01, Version 1.85.0 (2025-02-20) › Language"),
    ],
)
def test_a_citation_line_says_where_the_quote_lies(extra, tail):
    from assistant.cli import _citation_line
    from assistant.types import Citation

    c = Citation(1, "a.txt", 3, 9, "quoted", publisher="Vox", date="2024-10-01", **extra)
    assert _citation_line(c) == f"[1] a.txt [3:9] {tail}"
