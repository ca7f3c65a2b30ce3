"""The public entry point: ``ask(question, history=None)`` and the ``Assistant`` facade behind it.

An ``Assistant`` loads the index lazily, once, into an immutable ``pipeline.Engine``
and delegates: questions to ``pipeline`` (and ``generated.run``), builds to
``indexing``, uploads to ``corpus``.  It is safe to use from several threads:
loading happens under a lock, and after the index changes a new engine replaces
the old one atomically while questions in flight finish on the old one.  Its
side effects come in as ``Ports``; ``wiring.default_ports`` builds the real ones.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator, Sequence

from . import lang, pipeline
from .config import MAX_UPLOAD_BYTES, Settings
from .corpus import LoadError, load_corpus, save_uploads
from .errors import AssistantError, BadQuestionError, IndexChangedError, IndexMismatchError, IndexMissingError
from .indexing import BuildReport, build_index, cached_extractions, is_stale, manifest_stamp
from .indexing.layout import layout
from .indexing.snapshots import reading, serving_dir
from .ports import Ocr, Ports
from .readers import OcrOptions
from .retrieval import Filters
from .types import Answer, Document
from .vectors import SentenceVectors
from .wiring import default_ports


def ocr_options(s: Settings, engine: Ocr | None, progress: bool) -> OcrOptions | None:
    """How this index reads scans and page images: the engine, its cache in the index folder, dpi, workers."""
    return OcrOptions(engine, layout(s.index_dir).ocr, s.ocr_dpi, s.ocr_workers, progress) if engine else None


class Assistant:
    def __init__(self, settings: Settings | None = None, ports: Ports | None = None):
        self.settings = settings or Settings()
        lang.use(self.settings.language)
        self.ports = ports or default_ports(self.settings)
        self.embedder = self.ports.embedder
        self._vectors = SentenceVectors(self.embedder)
        self._engine: pipeline.Engine | None = None
        self._generator: list = []  # [generator or None] once made
        self._lock = threading.Lock()
        self._checked = 0.0  # when the manifest was last looked at

    # -- loading -------------------------------------------------------------------------------
    def loaded(self) -> pipeline.Engine:
        """The engine of the newest index build: another process's ``assistant index`` is picked up within a second."""
        engine = self._engine
        if engine is None or self._outdated(engine):
            with self._lock:
                if self._engine is engine:  # not replaced by another thread meanwhile
                    self._engine = pipeline.load_engine(reading(self.settings), self.ports, self._vectors)
                engine = self._engine
        return engine

    def _outdated(self, engine: pipeline.Engine) -> bool:
        now = time.monotonic()
        if now - self._checked < 1.0:  # one stat a second at most
            return False
        self._checked = now
        return manifest_stamp(serving_dir(self.settings)) not in ((), engine.stamp)

    def warm_up(self) -> None:
        """Do the slow first-time work once, before serving threads: vendor imports, model, index."""
        self.ports.warm_up()
        self.embedder.embed(["warm up"])
        with contextlib.suppress(AssistantError):
            self.loaded()

    def reload(self) -> None:
        with self._lock:
            self._engine = None
        self.loaded()

    @property
    def docs(self) -> dict[str, Document]:
        return self.loaded().docs

    def document(self, source: str) -> Document:
        try:
            return self.docs[source]
        except KeyError:
            raise AssistantError(f"no document {source!r} in the index") from None

    def document_text(self, source: str) -> str:
        """The canonical text citation offsets refer to: ``document_text(c.source)[c.start:c.end] == c.quote``."""
        return self.document(source).text

    # -- indexing ------------------------------------------------------------------------------
    def index(self, rebuild: bool = False, progress: bool = True) -> BuildReport:
        return self._build(*_corpus(self.settings, self.ports.ocr, progress), rebuild=rebuild, progress=progress)

    def _build(self, docs, errors, rebuild: bool, progress: bool) -> BuildReport:
        p = self.ports
        report = build_index(
            self.settings,
            docs,
            p.index_embedder,
            p.open_store,
            p.make_keyword,
            rebuild=rebuild,
            skipped=errors,
            progress=progress,
        )
        with self._lock:
            self._engine = None
        return report

    def ensure_index(self, progress: bool = True) -> BuildReport | None:
        """Build, update or repair the index when it is missing, out of date or damaged (what ``serve`` runs first).

        An index built with other settings (embedder, chunk size, chunker version) is rebuilt."""
        docs, errors = _corpus(self.settings, self.ports.ocr, progress)
        if not is_stale(self.settings, docs):
            try:
                self.loaded()
                return None
            except IndexMissingError:  # a damaged store: the build below repairs it
                pass
        try:
            return self._build(docs, errors, rebuild=False, progress=progress)
        except IndexMismatchError as e:
            where = self.settings.index_dir
            print(
                f"The index at {where} was built with other settings ({getattr(e, 'diffs', '')}); rebuilding it.", file=sys.stderr
            )
            return self._build(docs, errors, rebuild=True, progress=progress)

    def add_documents(
        self, files: Sequence[tuple[str, bytes]], max_bytes: int = MAX_UPLOAD_BYTES, replace: bool = False
    ) -> tuple[BuildReport | None, list[LoadError]]:
        """Save uploaded files into the corpus folder (``corpus.save_uploads``) and index them."""
        writable(self.settings)
        saved, refused = save_uploads(self.settings.corpus_dir, files, max_bytes, replace)
        if not saved:
            return None, refused
        report = self.index(progress=False)
        self.reload()
        return report, refused + report.skipped

    # -- asking --------------------------------------------------------------------------------
    @property
    def generator(self):
        if not self._generator:
            with self._lock:
                if not self._generator:
                    self._generator.append(self.ports.generator())
        return self._generator[0]

    def ask(
        self, question: str, history: list[dict] | None = None, filters: Filters | None = None, mode: str | None = None
    ) -> Answer:
        """The answer; ``mode`` "generated" writes it with the generator and checks every sentence (else "extractive")."""
        final = None
        for kind, value in self.ask_stream(question, history, filters, mode):
            if kind == "final":
                final = value
        return final

    def ask_stream(self, question, history=None, filters: Filters | None = None, mode: str | None = None) -> Iterator[tuple]:
        """Events ("extractive", Answer) at once, ("token", str) while a generated answer is written, ("final", Answer) last."""
        mode = mode or self.settings.answer_mode
        if mode not in ("extractive", "generated"):
            raise BadQuestionError(f"mode must be 'extractive' or 'generated', not {mode!r}")
        for attempt in range(3):  # a newer build replaced the index mid-question: answer on the new one
            try:
                ans, ex = pipeline.answer(question, history, filters, engine=self.loaded, settings=self.settings)
                break
            except IndexChangedError:
                if attempt == 2:
                    raise
                self.reload()
        if mode == "extractive":
            yield "final", ans
            return
        from .generated.run import stream

        yield "extractive", ans
        yield from stream(ans, ex, lambda: self.generator, self.loaded(), self.settings)


def writable(settings: Settings) -> None:
    """Refuse to change the corpus or the index from a read-only replica: only the indexer writes them."""
    if settings.replica:
        raise AssistantError(
            "This server is a read-only replica: documents are added on the indexer (put the files in its corpus "
            "folder and run `assistant index` there); this replica moves to the new index within seconds."
        )


def _corpus(settings: Settings, ocr: Ocr | None, progress: bool = False):
    # unchanged PDF/HTML/Word/scanned files reuse the text stored in the manifest instead of being read again
    writable(settings)
    return load_corpus(
        settings.corpus_dir, cache=cached_extractions(settings.index_dir), ocr=ocr_options(settings, ocr, progress)
    )


_default: Assistant | None = None
_default_lock = threading.Lock()


def default_assistant() -> Assistant:
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Assistant(Settings())
    return _default


def ask(question: str, history: list[dict] | None = None, filters: Filters | None = None, mode: str | None = None) -> Answer:
    """Answer ``question`` from the indexed sources, with exact-span citations.

    ``mode="generated"`` has the configured generator (``ASSISTANT_LLM_URL``) write the answer from
    numbered evidence sentences and checks every sentence against what it cites (default "extractive")."""
    return default_assistant().ask(question, history, filters, mode)


def document_text(source: str) -> str:
    """The indexed text of ``source`` that citations index into (the same for every format)."""
    return default_assistant().document_text(source)
