"""Regression tests for issue 19, "Hostile input": one test (or table) per fault, named in its docstring.

Each test builds the hostile input here (in a tmp folder: the zip bomb, a file
name with a newline, a 29 MB history turn), reproduces what used to go wrong,
and asserts the fixed behaviour: refused or limited by name, with the limit in
the message, in bounded time and memory, as one readable line.  Faults 2, 3 and
4 (generated-answer support, injected instructions, a rebuilt index under a
serving process) are tested with the answer pipeline.
"""

from __future__ import annotations

import errno
import io
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from docgen import make_docx, make_pdf

from assistant import readers, ui
from assistant.api import Assistant
from assistant.chat import recent, validate_history
from assistant.cli import main
from assistant.config import MAX_UPLOAD_BYTES, OFFLINE_ENV, Settings
from assistant.corpus import check_upload, load_corpus, make_document
from assistant.errors import BadQuestionError
from assistant.indexing import BuildReport
from assistant.readers import limits

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = (
    "The harbour authority said on Tuesday that repairs to the north pier will resume in March.\n"
    "Engineers found that the storm of January had cracked 14 of the pier's 60 concrete piles.\n"
)
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def make_bomb(path: Path, xml_mb: int = 190, pad_mb: float = 1.7) -> Path:
    """The .docx of fault 1: a real Word package whose document.xml is ~190 MB of paragraphs,
    deflated, padded with stored random bytes so the compression ratio stays near 80."""
    para = f"<w:p><w:r><w:t>{ARTICLE.splitlines()[0]}</w:t></w:r></w:p>".encode()
    block = para * (2**20 // len(para))
    template = zipfile.ZipFile(io.BytesIO(make_docx("Harbour works\n" + ARTICLE)))
    info = zipfile.ZipInfo("word/document.xml")
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member in template.infolist():
            if member.filename != info.filename:
                z.writestr(member.filename, template.read(member))
        with z.open(info, "w", force_zip64=True) as f:
            f.write(f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}"><w:body>'.encode())
            for _ in range(xml_mb):
                f.write(block)
            f.write(b"</w:body></w:document>")
        z.writestr("word/media/padding.bin", os.urandom(int(pad_mb * 2**20)), zipfile.ZIP_STORED)
    return path


def hash_env(corpus: Path, index: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")} | OFFLINE_ENV
    return env | {
        "PYTHONPATH": str(ROOT),
        "ASSISTANT_CORPUS_DIR": str(corpus),
        "ASSISTANT_INDEX_DIR": str(index),
        "ASSISTANT_EMBEDDER": "hash",
    }


def run_measured(code: str, env: dict, timeout: float = 120) -> dict:
    """Run ``code`` in a fresh Python; it prints one JSON line last; its own peak RSS (MB) is added.

    The peak is the process's VmHWM, not ``ru_maxrss``: Linux carries the parent's high-water mark across
    fork and exec into ``ru_maxrss``, so a child of a large pytest process would report the parent's peak."""
    peak = "next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:')) / 1024"
    prog = f"import json, sys, time\n{code}\nout['rss_mb'] = {peak}\nprint(json.dumps(out))"
    proc = subprocess.run([sys.executable, "-c", prog], env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1]) | {"stdout": proc.stdout}


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    return make_bomb(tmp_path_factory.mktemp("bomb") / "bomb.docx")


def bomb_corpus(tmp_path: Path, bomb: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bomb.docx").write_bytes(bomb.read_bytes())
    (corpus / "harbour.txt").write_text(ARTICLE, encoding="utf-8")
    return corpus


# --- fault 1: a zip bomb that passes the ratio check ------------------------------------------------


@pytest.mark.unit
def test_fault1_bomb_passes_the_ratio_check_but_not_the_reading_budget(bomb):
    with zipfile.ZipFile(bomb) as z:
        total = sum(i.file_size for i in z.infolist())
        packed = sum(i.compress_size for i in z.infolist())
    assert bomb.stat().st_size < 3 * 2**20 and 150 * 2**20 < total < 200 * 2**20 and total / packed < 100  # the fault's shape
    t0 = time.perf_counter()
    with pytest.raises(limits.OverBudget, match="limit"):
        readers.read_file("bomb.docx", bomb.read_bytes())
    assert time.perf_counter() - t0 < 10


@pytest.mark.unit
@pytest.mark.parametrize(
    "setting, value, message",
    [
        pytest.param("MAX_XML_BYTES", 2**20, "inflates to more than 1 MB (limit", id="inflated-bytes"),
        pytest.param("MAX_XML_ELEMENTS", 10_000, "more than 10,000 XML elements (limit)", id="elements"),
        pytest.param("MAX_TEXT_CHARS", 100_000, "more than 100,000 characters of text (limit)", id="text"),
    ],
)
def test_fault1_each_docx_budget_stops_reading_with_its_limit_named(tmp_path, monkeypatch, setting, value, message):
    path = make_bomb(tmp_path / "b.docx", xml_mb=8, pad_mb=0.1)
    for name in ("MAX_XML_BYTES", "MAX_XML_ELEMENTS", "MAX_TEXT_CHARS"):
        monkeypatch.setattr(limits, name, 10**12)
    monkeypatch.setattr(limits, setting, value)
    with pytest.raises(ValueError, match=re.escape(message)):
        readers.read_file("b.docx", path.read_bytes())


@pytest.mark.unit
def test_fault1_html_and_pdf_budgets(monkeypatch):
    page = b"<html><body><p>" + b"word " * (2 * 2**20) + b"</p></body></html>"
    monkeypatch.setattr(limits, "MAX_HTML_BYTES", 2**20)
    with pytest.raises(ValueError, match=r"HTML page of 10.0 MB \(limit 1 MB\)"):
        readers.read_file("big.html", page)
    monkeypatch.setattr(limits, "MAX_PAGE_CHARS", 50)
    with pytest.raises(ValueError, match=r"page 1 has \d+ characters \(limit 50 per page\)"):
        readers.read_file("a.pdf", make_pdf("Harbour works\n" + ARTICLE))


def docx_with_body(xml: str) -> bytes:
    """A real .docx whose word/document.xml is ``xml``."""
    template, buf = zipfile.ZipFile(io.BytesIO(make_docx("Harbour works\n" + ARTICLE))), io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for m in template.infolist():
            z.writestr(m.filename, xml if m.filename == "word/document.xml" else template.read(m))
    return buf.getvalue()


LAUGHS = '<!ENTITY a "lollollollollollollollollollol">' + "".join(
    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
)


@pytest.mark.unit
@pytest.mark.parametrize(
    "doctype, ref, expect",
    [
        pytest.param(f"<!DOCTYPE d [{LAUGHS}]>", "&j;", "amplification", id="billion-laughs-refused"),
        pytest.param('<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/hostname">]>', "&x;", "Visible words  end.", id="xxe-not-read"),
    ],
)
def test_fault1_the_streaming_reader_keeps_entities_out(doctype, ref, expect):
    body = f"<w:body><w:p><w:r><w:t>Visible words {ref} end.</w:t></w:r></w:p></w:body>"
    data = docx_with_body(f'<?xml version="1.0"?>{doctype}<w:document xmlns:w="{W_NS}">{body}</w:document>')
    t0 = time.perf_counter()
    try:
        got = readers.read_file("e.docx", data).text
    except ValueError as e:
        got = str(e)
    assert expect in got and time.perf_counter() - t0 < 5


@pytest.mark.slow
@pytest.mark.integration
def test_fault1_index_skips_the_bomb_by_name_fast_and_small(tmp_path, bomb):
    corpus = bomb_corpus(tmp_path, bomb)
    code = (
        "from assistant.cli import main\nt0 = time.perf_counter()\nrc = main(['index', '--quiet'])\n"
        "out = {'rc': rc, 'seconds': time.perf_counter() - t0}"
    )
    out = run_measured(code, hash_env(corpus, tmp_path / "index"))
    print(f"assistant index with the bomb: {out['seconds']:.1f} s, peak RSS {out['rss_mb']:.0f} MB")
    assert out["rc"] == 0 and out["seconds"] < 10 and out["rss_mb"] < 1536
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text())
    assert set(manifest["documents"]) == {"harbour.txt"}
    skipped = [line for line in out["stdout"].splitlines() if line.startswith("Skipped")]
    assert skipped == ["Skipped bomb.docx: more than 10,000,000 characters of text (limit); not indexed"]


@pytest.mark.slow
@pytest.mark.integration
def test_fault1_upload_refuses_the_bomb_by_name_fast_and_small(tmp_path, bomb):
    corpus = bomb_corpus(tmp_path, bomb)
    (corpus / "bomb.docx").unlink()
    code = (
        "from assistant.api import Assistant\nfrom assistant.config import Settings\n"
        f"a = Assistant(Settings())\na.index(progress=False)\ndata = open({str(bomb)!r}, 'rb').read()\n"
        "t0 = time.perf_counter()\nreport, refused = a.add_documents([('bomb.docx', data)])\n"
        "out = {'seconds': time.perf_counter() - t0, 'refused': [[e.source, e.reason] for e in refused]}"
    )
    out = run_measured(code, hash_env(corpus, tmp_path / "index"))
    print(f"add_documents with the bomb: {out['seconds']:.1f} s, peak RSS {out['rss_mb']:.0f} MB")
    assert out["seconds"] < 10 and out["rss_mb"] < 1536
    assert [s for s, _ in out["refused"]] == ["bomb.docx"] and "limit" in out["refused"][0][1]
    assert not (corpus / "bomb.docx").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
@pytest.mark.integration
def serve_until(tmp_path: Path, corpus: Path, done: str, name: str) -> str:
    """Start `assistant serve`, wait until it answers HTTP and its log shows ``done``; its log."""
    port, log = free_port(), tmp_path / f"{name}.log"
    cmd = [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)]
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, env=hash_env(corpus, tmp_path / "index"), stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        deadline, up = time.monotonic() + 90, False
        while time.monotonic() < deadline and proc.poll() is None and not (up and done in log.read_text()):
            try:
                up = up or urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).status == 200
            except OSError:
                pass
            time.sleep(0.5)
        assert up and done in log.read_text(), log.read_text()[-3000:]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return log.read_text()


@pytest.mark.slow
@pytest.mark.integration
def test_fault1_serve_starts_with_the_bomb_in_the_corpus(tmp_path, bomb):
    corpus = bomb_corpus(tmp_path, bomb)
    first = serve_until(tmp_path, corpus, "Running on", "first")  # no index yet: built first, the bomb skipped
    assert "Skipped bomb.docx: more than 10,000,000 characters of text (limit)" in first
    (corpus / "second.txt").write_text("The ferry carried 312 passengers on its first crossing to the island.\n")
    again = serve_until(tmp_path, corpus, "1 added", "again")  # an index exists: served at once, updated behind
    assert "Skipped bomb.docx" in again  # (that it answers before the update ends: the unit test below)


# --- fault 5: history without a size limit ----------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    "history, message",
    [
        pytest.param([{"role": "user", "content": "x" * (29 * 2**20)}], "characters long; at most 100,000", id="29MB-turn"),
        pytest.param([{"role": "user", "content": "Who?"}] * 41, "41 turns; at most 40", id="41-turns"),
        pytest.param([{"role": "assistant", "content": "y" * 60_000}] * 2, "120,000 characters", id="two-long-turns"),
    ],
)
def test_fault5_history_over_a_limit_is_refused_before_any_work(tmp_path, history, message):
    t0 = time.perf_counter()
    with pytest.raises(BadQuestionError, match=message):
        validate_history(history)
    # the Assistant refuses it before it even opens the (here missing) index
    with pytest.raises(BadQuestionError, match=message):
        Assistant(Settings(corpus_dir=tmp_path, index_dir=tmp_path / "none", embedder="hash")).ask("Who?", history)
    assert time.perf_counter() - t0 < 2


@pytest.mark.unit
def test_fault5_a_long_ui_session_sends_only_its_latest_turns():
    convo = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i} " + "z" * 3000} for i in range(100)]
    hist = recent(convo)
    assert len(hist) <= 40 and sum(len(t["content"]) for t in hist) <= 100_000 and hist[-1] == convo[-1]
    assert validate_history(hist) == hist


# --- fault 6: read-only index folder, full disk -----------------------------------------------------

DISK_ERRORS = [
    pytest.param(sqlite3.OperationalError("attempt to write a readonly database"), "read-only", id="readonly-sqlite"),
    pytest.param(
        OSError(errno.EROFS, "Read-only file system", "/idx/.lock"), "Cannot write /idx/.lock: it is read-only", id="erofs-lock"
    ),
    pytest.param(sqlite3.OperationalError("database or disk is full"), "The disk is full", id="sqlite-full"),
    pytest.param(OSError(errno.ENOSPC, "No space left on device"), "The disk is full", id="enospc"),
    pytest.param(
        RuntimeError("Query error: Database error: (code: 8) attempt to write a readonly database"), "read-only", id="chroma"
    ),
]


@pytest.mark.unit
@pytest.mark.parametrize("error, message", DISK_ERRORS)
def test_fault6_cli_says_read_only_or_full_disk_in_one_line_exit_2(tmp_path, monkeypatch, capsys, error, message):
    def fail(self, *a, **k):
        raise error

    monkeypatch.setattr(Assistant, "index", fail)
    rc = main(["index", "--corpus", str(tmp_path), "--index", str(tmp_path / "idx")])
    err = capsys.readouterr().err
    assert rc == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.unit
@pytest.mark.parametrize("error, message", DISK_ERRORS)
def test_fault6_ui_upload_shows_a_clean_message(hash_settings, monkeypatch, error, message):
    def fail(self, *a, **k):
        raise error

    monkeypatch.setattr(Assistant, "add_documents", fail)
    html = ui.upload_report(Assistant(hash_settings), [("a.txt", ARTICLE.encode())])
    assert message in html and type(error).__name__ not in html and html.count("<div") == 1


@pytest.mark.unit
def test_fault6_a_full_disk_during_a_real_build(tmp_path, monkeypatch, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(ARTICLE, encoding="utf-8")

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setenv("ASSISTANT_EMBEDDER", "hash")
    monkeypatch.setattr("assistant.indexing.build.os.replace", full)
    rc = main(["index", "--quiet", "--corpus", str(corpus), "--index", str(tmp_path / "idx")])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("Error: The disk is full") and err.count("\n") == 1


def namespaces_work() -> bool:
    """True when this user may make a private mount namespace (``unshare -rm``) to mount a tmpfs in."""
    try:
        return subprocess.run(["unshare", "-rm", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.parametrize(
    "setup, message",
    [
        pytest.param("mount -o remount,ro $IDX", "it is read-only", id="read-only-after-a-build"),
        pytest.param("dd if=/dev/zero of=$IDX/fill bs=64k 2>/dev/null || true", "The disk is full", id="disk-full"),
    ],
)
def test_fault6_a_real_read_only_or_full_index_folder(tmp_path, setup, message):
    """On a tmpfs in a private mount namespace: build, make it read-only or full, add files, index again."""
    if not namespaces_work():
        pytest.skip("no private mount namespace here (unshare -rm)")
    corpus, idx = tmp_path / "corpus", tmp_path / "idx"
    corpus.mkdir()
    idx.mkdir()
    (corpus / "a.txt").write_text(ARTICLE, encoding="utf-8")
    index = f"{sys.executable} -m assistant.cli index --quiet --corpus {corpus} --index $IDX/index"
    script = (
        f"set -e; IDX={idx}; mount -t tmpfs -o size=20m tmpfs $IDX; {index} >/dev/null; cp $IDX/index/manifest.json {tmp_path}/; "
        f"{setup}; for i in 1 2 3 4 5 6; do cp {corpus}/a.txt {corpus}/b$i.txt; done; set +e; {index}; echo rc=$?; "
        f"cmp -s $IDX/index/manifest.json {tmp_path}/manifest.json && echo manifest-kept"
    )
    env = hash_env(corpus, idx / "index")
    res = subprocess.run(["unshare", "-rm", "sh", "-c", script], env=env, capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert "rc=2" in res.stdout and "manifest-kept" in res.stdout, res.stdout + res.stderr[-3000:]
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("Error: ") and message in res.stderr, res.stderr[-3000:]


# --- fault 7: no upload size limit at the HTTP layer -------------------------------------------------


def post_file(url: str, name: str, size: int) -> int:
    boundary = "hostileboundary"
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\nContent-Type: text/plain\r\n\r\n'
    body = head.encode() + b"a" * size + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        return urllib.request.urlopen(req, timeout=60).status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.mark.slow
@pytest.mark.integration
def test_fault7_the_server_refuses_an_oversized_upload_before_storing_it(hash_settings):
    a = Assistant(hash_settings)
    a.index(progress=False)
    port = free_port()
    app = ui.launch(a, port=port, prevent_thread_lock=True, quiet=True)
    try:
        url = f"http://127.0.0.1:{port}/gradio_api/upload"
        assert post_file(url, "big.txt", MAX_UPLOAD_BYTES + 1) == 413
        assert post_file(url, "small.txt", 1000) == 200
    finally:
        app.close()


@pytest.mark.unit
def test_fault7_the_handler_refuses_a_large_file_without_reading_it(hash_settings, tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(400 * 2**20)  # sparse: 400 MB on paper
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda p: pytest.fail("read") if p == big else real(p))
    msg, *_ = ui.handle_upload(Assistant(hash_settings), [str(big)])
    assert "✗ big.txt: too large (400.0 MB; limit 32 MB)" in msg


# --- fault 8: two uploads of one name ----------------------------------------------------------------


@pytest.mark.unit
def test_fault8_two_uploads_of_one_name_report_the_kept_first_one(hash_settings):
    a = Assistant(hash_settings)
    a.index(progress=False)
    first = b"The first upload says the ferry carried 312 passengers on its maiden crossing to the island.\n"
    second = b"The second upload says the ferry carried 999 passengers and is a different file altogether.\n"
    lines = ui.upload_report(a, [("dup.txt", first), ("dup.txt", second)]).split("</div>")[:-1]
    assert len(lines) == 2
    assert "✓ dup.txt: added" in lines[0]
    assert "✗ dup.txt: another file in this upload is also named dup.txt; the first one was kept" in lines[1]
    assert (Path(hash_settings.corpus_dir) / "dup.txt").read_bytes() == first


# --- fault 9: a long question cut mid-word -----------------------------------------------------------


@pytest.mark.unit
def test_fault9_a_long_question_is_cut_at_a_word_boundary():
    from assistant.plan import check_question

    filler = "What did the mediators say about the truce " * 60
    question = filler[:1998] + " Zoltan Kovacs and the others?"
    assert question[1999:2001] == "Zo"  # a cut at 2,000 characters would leave "Zo"
    q, notice = check_question(question, Settings().max_question_chars)
    assert not q.endswith("Zo") and question.startswith(q) and question[len(q)] == " " and len(q) <= 2000
    assert f"only its first {len(q):,} were used" in notice


# --- fault 10: sniffing a substring, not structure ---------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    "name, data, refusal",
    [
        pytest.param(
            "notes.txt", b"Export settings: %PDF-1.7 with fonts embedded.\n" + ARTICLE.encode(), "", id="txt-mentions-pdf"
        ),
        pytest.param("notes.md", b"# PDF\n\nThe header is `%PDF-1.4`.\n" + ARTICLE.encode(), "", id="md-mentions-pdf"),
        pytest.param("page.html", b"<html><body><p>%PDF-1.7 " + ARTICLE.encode() * 2 + b"</p></body></html>", "", id="html"),
        pytest.param("real.txt", make_pdf("Harbour works\n" + ARTICLE), "the content is a PDF file", id="pdf-named-txt"),
        pytest.param("real.txt", make_docx("Harbour works\n" + ARTICLE), "the content is a DOCX file", id="docx-named-txt"),
        pytest.param("junk.pdf", b"%%junk\n" + make_pdf("Harbour works\n" + ARTICLE), "", id="pdf-after-junk-still-a-pdf"),
    ],
)
def test_fault10_content_is_sniffed_by_structure(name, data, refusal):
    reason = check_upload(name, data, MAX_UPLOAD_BYTES)[1]
    assert (refusal in reason) if refusal else reason == ""


# --- fault 11: NUL bytes after the first 4 KB -----------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    "name, data",
    [
        pytest.param("late.txt", ARTICLE.encode() * 60 + b"\x00hidden", id="txt"),
        pytest.param("late.md", b"# T\n" + ARTICLE.encode() * 60 + b"a\x00b\n", id="md"),
        pytest.param("late.html", b"<html><body><p>" + ARTICLE.encode() * 60 + b"\x00</p></body></html>", id="html"),
    ],
)
def test_fault11_nul_bytes_anywhere_are_refused(tmp_path, name, data):
    assert data.index(b"\x00") > 4096
    (tmp_path / name).write_bytes(data)
    docs, errors = load_corpus(tmp_path)
    assert docs == [] and [e.source for e in errors] == [name] and "NUL bytes" in errors[0].reason


# --- fault 12: file names and titles that forge output -------------------------------------------------

FORGED = [
    pytest.param("a.txt\nSkipped 000_fake.txt: binary file.txt", id="newline"),
    pytest.param("report\u202etxt.exe.txt", id="rtl-override"),
    pytest.param("tab\there.txt", id="tab"),
    pytest.param("esc\x1b[31mred.txt", id="ansi-escape"),
]


@pytest.mark.unit
@pytest.mark.parametrize("name", FORGED)
def test_fault12_forging_file_names_are_refused_by_an_escaped_name(tmp_path, name):
    (tmp_path / name).write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "good.txt").write_text(ARTICLE, encoding="utf-8")
    docs, errors = load_corpus(tmp_path)
    assert [d.source for d in docs] == ["good.txt"]
    assert len(errors) == 1 and "control characters or bidirectional overrides" in errors[0].reason
    summary = BuildReport(skipped=errors).summary()
    lines = [line for line in summary.split("\n") if not line.startswith("Note: the index holds no documents")]
    assert len(lines) == 2 and "\u202e" not in summary and "\x1b" not in summary and "\t" not in summary
    assert not any(line.startswith("Skipped 000_fake") for line in summary.splitlines())
    assert check_upload(name, ARTICLE.encode(), MAX_UPLOAD_BYTES)[1].startswith("the file name contains control characters")


@pytest.mark.unit
def test_fault12_titles_authors_and_publishers_are_one_plain_line():
    meta = {"title": "Truce\nSkipped x.txt: forged \u202eeman", "author": "Ana\u2066 Lopes", "publisher": "Port\r\nGazette"}
    doc = make_document("a.txt", ARTICLE, meta)
    assert (doc.title, doc.author, doc.publisher) == ("Truce Skipped x.txt: forged eman", "Ana Lopes", "Port Gazette")
    assert make_document("b.txt", "# Harbour\u202e news\n" + ARTICLE).title == "Harbour news"  # a heading as title, too


@pytest.mark.unit
def test_fault12_upload_report_escapes_forged_names(hash_settings):
    html = ui.upload_report(Assistant(hash_settings), [("x\n\u202eSkipped.txt", ARTICLE.encode())])
    assert "\u202e" not in html and "\n" not in html and "x\\n\\u202eSkipped.txt" in html


# --- fault 13: a PDF line over PDFium's limit; a .docx without core.xml ------------------------------------


def long_line_pdf(chars: int) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("Helvetica", 4)
    c.drawString(10, 500, " ".join(f"w{i}" for i in range(chars // 4 + 10))[:chars])
    c.drawString(10, 480, "The second line ends here.")
    c.showPage()
    c.save()
    return buf.getvalue()


@pytest.mark.unit
def test_fault13_a_pdf_line_cut_by_pdfium_is_a_warning_by_name(tmp_path):
    (tmp_path / "long.pdf").write_bytes(long_line_pdf(40_000))
    (tmp_path / "short.pdf").write_bytes(long_line_pdf(2_000))
    docs, errors = load_corpus(tmp_path)
    assert sorted(d.source for d in docs) == ["long.pdf", "short.pdf"]  # still indexed
    assert [(e.source, e.skipped) for e in errors] == [("long.pdf", False)]
    assert "page 1 has a line of 32,767 characters, PDFium's limit" in errors[0].reason
    assert "Warning long.pdf: page 1 has a line" in BuildReport(skipped=errors).summary()


def without_core(data: bytes) -> bytes:
    src, buf = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename == "docProps/core.xml":
                continue
            body = src.read(info)
            if info.filename in ("_rels/.rels", "[Content_Types].xml"):
                body = re.sub(rb"<(Relationship|Override)[^>]*core[^>]*/>", b"", body)
            out.writestr(info.filename, body)
    return buf.getvalue()


@pytest.mark.unit
def test_fault13_a_docx_without_core_properties_is_titled_by_its_file_name(tmp_path):
    data = without_core(make_docx(ARTICLE))  # its first paragraph is a sentence, not a title
    assert "docProps/core.xml" not in zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert readers.read_file("harbour-report.docx", data).meta == {}
    (tmp_path / "harbour-report.docx").write_bytes(data)
    (doc,), _ = load_corpus(tmp_path)
    assert (doc.title, doc.author, doc.date) == ("harbour-report", "", "")


@pytest.mark.unit
@pytest.mark.parametrize(
    "styles",
    [
        pytest.param(b"<w:styles><w:style", id="malformed"),
        pytest.param(b"<w:styles>" + b"<w:style/>" * 300_000 + b"</w:styles>", id="over-its-budget"),
    ],
)
def test_fault13_a_docx_whose_styles_cannot_be_read_keeps_its_text_and_loses_its_headings(styles):
    data, buf = make_docx("Harbour works\n" + ARTICLE), io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info.filename, styles if info.filename == "word/styles.xml" else src.read(info))
        out.writestr("word/media/padding.bin", os.urandom(64 * 2**10), zipfile.ZIP_STORED)  # a ratio under 100
    good, broken = readers.read_file("a.docx", data), readers.read_file("a.docx", buf.getvalue())
    assert broken.text == good.text and good.blocks[0].kind == "heading"
    assert all(b.kind == "paragraph" for b in broken.blocks)


# --- serve with a big corpus: answer from the index it has, update in the background -------------------


@pytest.mark.unit
def test_serve_answers_from_the_index_it_has_while_the_update_runs(hash_settings, monkeypatch):
    a = Assistant(hash_settings)
    a.index(progress=False)
    before = set(a.docs)
    (Path(hash_settings.corpus_dir) / "pelican.txt").write_text(
        "The lighthouse keeper of Pelican Point counted 4,812 ships passing the cape in the winter of 2023.\n"
    )
    gate, real = threading.Event(), Assistant._build
    monkeypatch.setattr(Assistant, "_build", lambda self, *a, **k: gate.wait(30) and real(self, *a, **k))
    launched = {}
    monkeypatch.setattr(ui, "launch", lambda assistant, **k: launched.update(k, assistant=assistant))
    monkeypatch.setattr(Assistant, "warm_up", lambda self: None)
    env = {"ASSISTANT_CORPUS_DIR": str(hash_settings.corpus_dir), "ASSISTANT_INDEX_DIR": str(hash_settings.index_dir)}
    for k, v in (env | {"ASSISTANT_EMBEDDER": "hash"}).items():
        monkeypatch.setenv(k, v)
    t0 = time.perf_counter()
    assert main(["serve"]) == 0 and time.perf_counter() - t0 < 10  # launched before the build finished
    served, update = launched["assistant"], launched["update"]
    assert update.state.running and "Updating the index in the background" in ui.index_status(served, update)
    assert set(served.docs) == before and served.ask("How many ships did the Pelican Point keeper count?").text
    ui.build_app(served, update)  # the status line and its timer
    gate.set()
    deadline = time.monotonic() + 60
    while update.state.running and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not update.state.error and "1 added" in update.state.summary
    assert set(served.docs) == before | {"pelican.txt"} and "Index updated" in ui.index_status(served, update)


@pytest.mark.unit
def test_serve_without_a_usable_index_builds_it_first(hash_settings, monkeypatch):
    launched = {}
    monkeypatch.setattr(ui, "launch", lambda assistant, **k: launched.update(k, assistant=assistant))
    monkeypatch.setattr(Assistant, "warm_up", lambda self: None)
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "hash")
    rc = main(["serve", "--corpus", str(hash_settings.corpus_dir), "--index", str(hash_settings.index_dir)])
    assert rc == 0 and launched["update"] is None  # built before launch: nothing to answer from before
    assert len(launched["assistant"].docs) == len(list(Path(hash_settings.corpus_dir).glob("*.txt")))


@pytest.mark.unit
def test_a_reader_crashing_on_one_file_skips_it_by_name(tmp_path, monkeypatch):
    (tmp_path / "good.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "evil.docx").write_bytes(make_docx("Harbour works\n" + ARTICLE))
    real = readers.read_file
    monkeypatch.setattr(
        "assistant.corpus.read_file",
        lambda n, d, ocr=None: (_ for _ in ()).throw(RecursionError("deep")) if n == "evil.docx" else real(n, d, ocr),
    )
    docs, errors = load_corpus(tmp_path)
    assert [d.source for d in docs] == ["good.txt"]
    assert [(e.source, e.reason) for e in errors] == [("evil.docx", "unreadable (RecursionError: deep); not indexed")]
