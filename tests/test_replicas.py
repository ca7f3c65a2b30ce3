"""One indexer, three read-only replicas, one Chroma server, all real processes on loopback (issue #23, part 3).

A ``chroma run`` server; ``assistant index`` publishes snapshots into one index folder; three
``assistant serve --replica`` processes answer over HTTP (Gradio's ``/ask`` and ``/status``).  Eight
clients ask for 60 s, round-robin over the replicas that are up, while the indexer publishes two
updates (a file added, then changed) and one replica is killed (SIGKILL) and started again.  Checked:
no question fails on a replica that was up for the whole question; every citation is an exact span of
its source in one of the published snapshots (read from the snapshot folders as they are published);
every replica that is up serves the newest snapshot within 10 s of its publication (a restarted one
from its first status).  The fast hash embedder keeps it to about a minute and a half on two cores.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from servers import CHROMA, Server, free_port

from assistant.config import OFFLINE_ENV
from assistant.indexing.layout import layout
from assistant.indexing.snapshots import current_id

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
LOAD_S, CLIENTS, FOLLOW_S = 60, 8, 10
BEES = "Beekeeping notes\n\nThe apiary on the hill keeps forty-two hives of Carniolan honey bees through the winter.\n"
QUESTIONS = [
    "How long did the November 2023 pause last?",
    "Who mediates between Israel and Hamas?",
    "How many Iranian missiles struck Israeli territory in Iran's October attack?",
    "How many hives of Carniolan honey bees does the apiary keep?",
]


def _env(corpus: Path, index: Path, chroma_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")} | OFFLINE_ENV
    return env | {
        "PYTHONPATH": str(ROOT), "ASSISTANT_CORPUS_DIR": str(corpus), "ASSISTANT_INDEX_DIR": str(index),
        "ASSISTANT_EMBEDDER": "hash", "ASSISTANT_CHROMA_URL": chroma_url, "ASSISTANT_LEASE_TTL": "15",
    }  # fmt: skip


class Replica:
    def __init__(self, n: int, env: dict, logs: Path):
        self.n, self.env, self.port, self.logs = n, env, free_port(), logs
        self.url = f"http://127.0.0.1:{self.port}/"
        self.down: list[list[float]] = []  # [killed at, up again at]
        self.start()

    def start(self) -> None:
        cmd = [
            sys.executable,
            "-m",
            "assistant.cli",
            "serve",
            "--replica",
            "--port",
            str(self.port),
            "--replica-id",
            f"r{self.n}",
        ]
        log = open(self.logs / f"replica{self.n}.log", "ab")  # noqa: SIM115 - the child holds it
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)

    def wait_up(self, timeout: float = 90) -> None:
        from gradio_client import Client

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, (self.logs / f"replica{self.n}.log").read_text(errors="replace")[-3000:]
            try:
                Client(self.url, verbose=False).predict(api_name="/status")
                return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.5)
        pytest.fail(f"replica {self.n} did not come up")

    def is_down(self, t0: float, t1: float) -> bool:
        """The replica was killed or not yet back at some moment between t0 and t1."""
        return any(a <= t1 and (b is None or b >= t0) for a, b in self.down)


def _index(env: dict) -> float:
    """Run the indexer; the time its snapshot was published (CURRENT's modification time)."""
    cmd = [sys.executable, "-m", "assistant.cli", "index", "--quiet"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return layout(env["ASSISTANT_INDEX_DIR"]).current.stat().st_mtime


def _texts(index: Path, versions: dict) -> str:
    """Record every source's text in the current snapshot (its folder may be collected later); its id."""
    bid = current_id(index)
    manifest = json.loads(layout(layout(index).snapshot(bid)).manifest.read_text(encoding="utf-8"))
    for source, d in manifest["documents"].items():
        versions.setdefault(source, set()).add(d["text"])
    return bid


def _client_loop(k: int, replicas: list[Replica], stop: threading.Event, log: list) -> None:
    from gradio_client import Client

    clients: dict[int, Client] = {}
    i = k
    while not stop.is_set():
        i += 1
        r = replicas[i % len(replicas)]
        if r.down and r.down[-1][1] is None:
            continue
        q, t0 = QUESTIONS[i % len(QUESTIONS)], time.time()
        try:
            client = clients.get(r.n) or clients.setdefault(r.n, Client(r.url, verbose=False))
            log.append((r.n, t0, time.time(), q, client.predict(q, api_name="/ask"), ""))
        except Exception as e:  # noqa: BLE001 - a failure is the finding (unless the replica was down)
            clients.pop(r.n, None)
            log.append((r.n, t0, time.time(), q, None, f"{type(e).__name__}: {e}"))


def _status_loop(replicas: list[Replica], stop: threading.Event, seen: list) -> None:
    from gradio_client import Client

    clients: dict[int, Client] = {}
    while not stop.is_set():
        for r in replicas:
            if r.down and r.down[-1][1] is None:
                continue
            try:
                client = clients.get(r.n) or clients.setdefault(r.n, Client(r.url, verbose=False))
                seen.append((r.n, time.time(), client.predict(api_name="/status")["snapshot"]))
            except Exception:  # noqa: BLE001 - a replica coming back
                clients.pop(r.n, None)
        time.sleep(0.25)


def _follow_times(publications, replicas, seen) -> list[tuple[int, str, float]]:
    """Seconds until each replica's status showed each publication (inf: never).

    A replica up for the 10 s after a publication counts from the publication; one that was down then
    (killed, starting again) counts from its return, for the newest publication before its return."""
    out = []
    for i, (bid, tp) in enumerate(publications):
        newer = publications[i + 1][1] if i + 1 < len(publications) else float("inf")
        for r in replicas:
            start = tp
            if r.is_down(tp, tp + FOLLOW_S):
                back = r.down[-1][1]
                if back is None or back >= newer:
                    continue  # judged on a newer publication
                start = max(tp, back)
            hit = min((t for n, t, s in seen if n == r.n and t >= tp and s == bid), default=float("inf"))
            out.append((r.n, bid, max(0.0, hit - start)))
    return out


def test_three_replicas_follow_two_updates_and_a_kill_with_no_failed_question(tmp_path):
    if not CHROMA.exists():
        pytest.fail(f"chroma executable not found next to {sys.executable}")
    t_start = time.monotonic()
    corpus, index, versions = tmp_path / "corpus", tmp_path / "index", {}
    shutil.copytree(ROOT / "corpus", corpus)
    server = Server(tmp_path / "chroma-data", tmp_path / "chroma.log")
    replicas, stop = [], threading.Event()
    try:
        server.wait_ready()
        env = _env(corpus, index, server.url)
        _index(env)
        publications = [(_texts(index, versions), layout(index).current.stat().st_mtime)]
        replicas = [Replica(n, env, tmp_path) for n in range(3)]
        for r in replicas:
            r.wait_up()
        log, seen = [], []
        threads = [threading.Thread(target=_client_loop, args=(k, replicas, stop, log)) for k in range(CLIENTS)]
        threads.append(threading.Thread(target=_status_loop, args=(replicas, stop, seen)))
        for t in threads:
            t.start()
        t0 = time.monotonic()
        time.sleep(6)
        (corpus / "zz_beekeeping.txt").write_text(BEES, encoding="utf-8")  # update 1: a file added
        tp = _index(env)
        publications.append((_texts(index, versions), tp))
        time.sleep(8)
        victim = replicas[1]
        victim.down.append([time.time(), None])
        victim.proc.kill()  # update 2 lands while it starts again
        victim.proc.wait(10)
        victim.start()
        (corpus / "zz_beekeeping.txt").write_text(BEES.replace("forty-two", "fifty-five"), encoding="utf-8")
        tp = _index(env)
        publications.append((_texts(index, versions), tp))
        victim.wait_up()
        victim.down[-1][1] = time.time()
        # the load runs LOAD_S, and on a busy machine at least FOLLOW_S + 2 s past the victim's return (judged then)
        time.sleep(max(0.0, LOAD_S - (time.monotonic() - t0), FOLLOW_S + 2.0 - (time.time() - victim.down[-1][1])))
    finally:
        stop.set()
        for t in threads if replicas else []:
            t.join(60)
        for r in replicas:
            r.proc.terminate()
        for r in replicas:
            r.proc.wait(30)
        server.stop()

    live = [e for e in log if not replicas[e[0]].is_down(e[1], e[2])]
    failed = [e for e in live if e[5]]
    answers = [e[4] for e in live if not e[5]]
    bad = [
        (c["source"], c["start"], c["end"])
        for a in answers
        for c in a["citations"]
        if not any(text[c["start"] : c["end"]] == c["quote"] for text in versions.get(c["source"], ()))
    ]
    follow = _follow_times(publications[1:], replicas, seen)
    bees = [a for a in answers if any(c["source"] == "zz_beekeeping.txt" for c in a["citations"])]
    print(
        f"\nreplicas: {len(log)} questions ({len(live)} on live replicas, {len(answers)} answered, "
        f"{sum(bool(a['citations']) for a in answers)} with citations, {len(bees)} citing the added file); "
        f"outcomes by replica {dict(Counter((e[0], not e[5]) for e in log))}; failed on live {len(failed)}; "
        f"bad citations {len(bad)}; seconds to follow {[(n, round(s, 2)) for n, _, s in follow]}; "
        f"whole test {time.monotonic() - t_start:.0f} s"
    )
    assert not failed, failed[:3]
    assert len(answers) >= 100 and all(a["citations"] or a["abstained"] for a in answers)
    assert not bad, bad[:5]
    assert bees and any("fifty-five" in c["quote"] for a in bees for c in a["citations"])
    assert all(s <= FOLLOW_S for _, _, s in follow), follow
    assert all(s == publications[-1][0] for n, t, s in seen if t > publications[-1][1] + FOLLOW_S)
