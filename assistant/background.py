"""Index updates that run behind a serving process, so ``serve`` answers at once.

``serve`` with a usable index (present, built with these settings) starts
answering from it immediately; ``BackgroundUpdate`` then reads the corpus and
builds whatever changed in a daemon thread.  Questions keep the snapshot they
started on; the build commits its manifest atomically and the ``Assistant``
moves to the new snapshot on the next question.  Without a usable index there
is nothing to answer from, so ``serve`` builds first, as before.

Trade-off: progress is the build's phase and elapsed time, not a chunk count
(the builder reports chunk progress only to a terminal).  A failed update
leaves the old index serving and says why in one line.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import AssistantError
from .storage import disk_problem

if TYPE_CHECKING:
    from .api import Assistant

log = logging.getLogger(__name__)


def usable_index(assistant: Assistant) -> bool:
    """True when the index can answer now (present, readable, built with these settings)."""
    try:
        assistant.loaded()
    except AssistantError:
        return False
    return True


@dataclass(frozen=True)
class UpdateState:
    """Where a background update stands: running, done (with its summary) or failed (with why)."""

    running: bool
    started: float
    finished: float = 0.0
    summary: str = ""
    error: str = ""


class BackgroundUpdate:
    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        self.state = UpdateState(running=False, started=0.0)

    def start(self) -> BackgroundUpdate:
        self.state = UpdateState(running=True, started=time.time())
        threading.Thread(target=self._run, name="index-update", daemon=True).start()
        return self

    def _run(self) -> None:
        try:
            report = self.assistant.ensure_index(progress=False)
            summary = report.summary() if report else "Index up to date: nothing changed."
            self.state = UpdateState(False, self.state.started, time.time(), summary=summary)
            print(summary, flush=True)
        except Exception as e:  # the old index keeps serving; say why in one line
            why = disk_problem(e, str(self.assistant.settings.index_dir)) or f"{type(e).__name__}: {e}"
            if not isinstance(e, AssistantError) and not disk_problem(e):
                log.exception("the background index update failed")
            self.state = UpdateState(False, self.state.started, time.time(), error=why)
            print(f"Error: the index update failed ({why}); the previous index is still served.", flush=True)

    def status(self) -> str:
        """One line for the UI: '' before it started."""
        s = self.state
        if s.running:
            return f"Updating the index in the background ({time.time() - s.started:,.0f} s so far); answers use the index as it was."
        if s.error:
            return f"⚠️ The index update failed: {s.error} The previous index is still used."
        if s.finished:
            return f"Index updated in {s.finished - s.started:,.0f} s."
        return ""
