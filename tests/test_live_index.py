"""A serving process follows the index another process builds (issue "Hostile input", fault 4).

Before: ``assistant index --rebuild`` while ``serve`` ran broke every question until a restart
(187 of 187: "Something went wrong while answering (NotFoundError)"), and ``serve`` never saw what a
separate ``assistant index`` added.  Now the serving ``Assistant`` notices a new manifest within a
second and moves to it; a question caught between the switch and the old collection's removal is
answered again on the new build.  The builds run in their own processes, as a user would run them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from assistant.api import Assistant


def _index(settings, *flags) -> None:
    env = {**os.environ, "ASSISTANT_EMBEDDER": "hash"}
    cmd = [sys.executable, "-m", "assistant.cli", "index", "--quiet", "--corpus", str(settings.corpus_dir)]
    done = subprocess.run(
        [*cmd, "--index", str(settings.index_dir), *flags], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def _valid(a: Assistant, ans) -> bool:
    return all(a.document_text(c.source)[c.start : c.end] == c.quote for c in ans.citations)


@pytest.mark.slow
def test_serving_process_sees_a_file_another_process_indexed(hash_settings):
    _index(hash_settings)
    a = Assistant(hash_settings)
    assert "zz_beekeeping.txt" not in a.docs
    note = "Beekeeping notes\n\nThe apiary on the hill keeps forty-two hives of Carniolan honey bees through the winter.\n"
    (hash_settings.corpus_dir / "zz_beekeeping.txt").write_text(note, encoding="utf-8")
    _index(hash_settings)
    time.sleep(1.1)  # the manifest is looked at once a second
    ans = a.ask("How many hives of Carniolan honey bees does the apiary keep?")
    assert "zz_beekeeping.txt" in a.docs
    assert any(c.source == "zz_beekeeping.txt" for c in ans.citations) and _valid(a, ans)


@pytest.mark.slow
def test_rebuild_while_serving_fails_no_question(hash_settings):
    _index(hash_settings)
    a = Assistant(hash_settings)
    first = a.loaded().snapshot.collection
    questions = ["How long did the November 2023 pause last?", "Who mediates between Israel and Hamas?", "What did Qatar do?"]
    failures, answered, stop = [], [], threading.Event()

    def ask_forever():
        while not stop.is_set():
            for q in questions:
                try:
                    ans = a.ask(q)
                    answered.append(_valid(a, ans))
                except Exception as e:  # noqa: BLE001 - any failure is the finding
                    failures.append(f"{type(e).__name__}: {e}")

    workers = [threading.Thread(target=ask_forever) for _ in range(2)]
    for w in workers:
        w.start()
    try:
        _index(hash_settings, "--rebuild")
        _index(hash_settings, "--rebuild")
        time.sleep(1.5)
    finally:
        stop.set()
        for w in workers:
            w.join(60)
    assert not failures, failures[:3]
    assert answered and all(answered)
    assert a.loaded().snapshot.collection != first  # moved to the newest build
