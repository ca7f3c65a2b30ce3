"""A read-only serving replica: follows the snapshots the indexer publishes and leases the ones it reads.

``assistant serve --replica`` runs a ``Follower`` beside the UI.  Every half
second it renews ``leases/<replica-id>`` with the snapshot ``CURRENT`` names,
the one it serves, and every one it served in the last ``grace`` seconds (so a
question in flight on an older snapshot finishes there: the indexer keeps what
a fresh lease holds), then lets ``Assistant.loaded`` move to ``CURRENT``: the
new engine is loaded beside the old one and swapped in whole, and its
abstention calibration is computed here, in memory, before questions need it.
The snapshot is named in the lease *before* it is loaded, so the indexer never
collects one a replica is about to open.

A replica writes nothing else: not the corpus, not the index (uploads and
builds are refused, naming the indexer), not the calibration cache.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from . import pipeline
from .errors import AssistantError
from .indexing.snapshots import current_id, drop_lease, serving_id, write_lease

if TYPE_CHECKING:
    from .api import Assistant

log = logging.getLogger(__name__)


class Follower:
    def __init__(self, assistant: Assistant, rid: str, every: float = 0.5, grace: float = 60.0):
        self.assistant = assistant
        self.rid = rid
        self.every = every
        self.grace = grace
        self.serving = ""  # the snapshot the engine in use was loaded from
        self._held: dict[str, float] = {}  # snapshot -> when it was last current or served
        self._stop = threading.Event()

    @property
    def root(self):
        return self.assistant.settings.index_dir

    def _hold(self, *ids: str) -> None:
        now = time.monotonic()
        self._held.update({bid: now for bid in ids if bid})
        self._held = {b: t for b, t in self._held.items() if now - t <= self.grace}
        write_lease(self.root, self.rid, self.serving, set(self._held))

    def tick(self) -> str:
        """Renew the lease and move to the current snapshot; the one served now ('' while none loads)."""
        self._hold(current_id(self.root))  # held before it is loaded
        try:
            engine = self.assistant.loaded()
        except AssistantError as e:  # nothing published yet, or the store is away: keep serving what we have
            log.warning("replica %s: %s", self.rid, e)
            return self.serving
        now_serving = serving_id(self.root, engine.stamp)
        if now_serving != self.serving:
            self.serving = now_serving
            self._hold(now_serving)
            pipeline.threshold(engine, self.assistant.settings)  # the calibration, before a question needs it
            print(f"Replica {self.rid} serves snapshot {now_serving}.", flush=True)
        return self.serving

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.tick()
            except Exception:  # a full disk, a vanished folder: log it, try again next time
                log.exception("replica %s: following the index failed", self.rid)

    def start(self) -> Follower:
        self.tick()
        threading.Thread(target=self._run, name="replica-follow", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        drop_lease(self.root, self.rid)


def describe(assistant: Assistant) -> dict:
    """What a server serves: {"replica", "snapshot" (its build id, '' if unknown), "current", "documents"}."""
    root = assistant.settings.index_dir
    try:
        engine = assistant.loaded()
    except AssistantError:
        return {"replica": assistant.settings.replica, "snapshot": "", "current": current_id(root), "documents": 0}
    snapshot = serving_id(root, engine.stamp)
    return {
        "replica": assistant.settings.replica,
        "snapshot": snapshot,
        "current": current_id(root),
        "documents": len(engine.docs),
    }
