"""A warm "zygote" process for the crash harness: forks real ``assistant index`` runs on demand.

Starting Python and importing chromadb and llama-index takes seconds; the harness
kills 30+ builds, so this process imports everything once (and opens no client),
then forks a child per command.  A child runs the real CLI entry point
(``assistant.cli.main``) or a check, exactly as a fresh process would, and the
test process sends it ``SIGKILL`` at a random moment.

Protocol on stdin/stdout, one line each:  ``run <json argv>`` -> ``<pid>``;
``check <json job>`` -> ``<pid>`` (the child writes its JSON verdict to job["out"]);
``wait <pid>`` -> ``<exit status>``.
"""

from __future__ import annotations

import faulthandler
import json
import os
import sys
import traceback
from pathlib import Path

from assistant.adapters.chroma import warm_up
from assistant.api import Assistant
from assistant.chunking import chunk_document
from assistant.cli import main as cli_main
from assistant.config import Settings
from assistant.corpus import load_corpus
from assistant.errors import IndexMissingError
from assistant.indexing import BUILDING, read_manifest


def expected_ids(settings: Settings) -> set[str]:
    docs, _ = load_corpus(settings.corpus_dir)
    return {c.id for d in docs for c in chunk_document(d, settings.chunk_size, settings.chunk_overlap)}


def manifest_ids(settings: Settings) -> set[str]:
    m = read_manifest(settings.index_dir)
    return {cid for d in m["documents"].values() for cid, _, _ in d["chunks"]} if m else set()


def phase(index_dir: Path, before: set[str], after: set[str]) -> str:
    """Where the killed build was, read from what it left behind."""
    building = (index_dir / BUILDING).exists()
    if (index_dir / "manifest.tmp").exists():
        return "manifest write"
    if building:
        return "sweep" if after != before else "embedding and store writes"
    return "done" if after != before or not before else "not started"


def check(job: dict) -> dict:
    """After a kill: a complete index (old or new, never mixed) answers; the next build converges exactly."""
    s = Settings(corpus_dir=Path(job["corpus"]), index_dir=Path(job["index"]), embedder="hash", embed_batch=job["batch"])
    old, new = set(job["old"]), expected_ids(s)
    live = manifest_ids(s)
    verdict = {"phase": phase(s.index_dir, old, live), "state": "new" if live == new else "old" if live == old else "MIXED"}
    if live:
        a = Assistant(s)
        try:
            ans = a.ask(job["question"])
        except IndexMissingError as e:  # Chroma's own segment cut by the kill: a clear error, repaired below
            verdict["damaged"] = str(e)
        else:
            verdict["answered"] = bool(ans.text)
            verdict["bad_citations"] = sum(c.quote != a.docs[c.source].text[c.start : c.end] for c in ans.citations)
            verdict["loaded"] = len(a.loaded().snapshot.chunks) == len(live)
    a = Assistant(s)
    a.index(progress=False)
    store = a.loaded().retriever.store
    verdict["converged"] = manifest_ids(s) == new and store.ids() == new and not (s.index_dir / BUILDING).exists()
    verdict["orphans"] = len(set(store.owned_collections()) - {read_manifest(s.index_dir)["collection"]})
    return verdict


def child(cmd: str, arg: str) -> int:
    if cmd == "run":
        return cli_main(json.loads(arg))
    job = json.loads(arg)
    fault = open(job["out"] + ".fault", "w")  # noqa: SIM115 - a segfault's Python stack lands here (the test shows it)
    faulthandler.enable(file=fault, all_threads=True)
    try:
        verdict = check(job)
    except BaseException:  # noqa: BLE001 - the verdict says what broke (a Rust panic is a BaseException); the test fails on it
        verdict = {"error": traceback.format_exc()}
    Path(job["out"]).write_text(json.dumps(verdict), encoding="utf-8")
    return 0


def serve() -> None:
    warm_up()
    for line in sys.stdin:
        cmd, _, arg = line.strip().partition(" ")
        if cmd == "wait":
            _, status = os.waitpid(int(arg), 0)
            print(status, flush=True)
            continue
        pid = os.fork()
        if pid == 0:
            sys.stdin.close()
            os.setsid()
            quiet = os.open(os.devnull, os.O_WRONLY)
            os.dup2(quiet, 1)  # stdout is the protocol pipe: children must not write to it
            os.dup2(quiet, 2)
            code = 1
            try:
                code = child(cmd, arg)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        print(pid, flush=True)


if __name__ == "__main__":
    serve()
