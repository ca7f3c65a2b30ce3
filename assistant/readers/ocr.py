"""OCR of a document's page images: cached by file hash, a few pages at once, with a progress bar.

The PDF reader (pages without a text layer) and the image reader hand this
module a list of pages and a function that renders one page to image bytes.
Each page's TSV is looked up in the cache folder first (``index/ocr/<file
sha256>-<engine, languages, dpi>/00001.tsv``, written atomically), so a file is
read by OCR once even when its extraction is redone, and a build that stops half
way through a 300-page scan resumes where it stopped.  Pages missing from the
cache are rendered one at a time in the calling thread (PDFium is not
thread-safe) and read by the engine in a small thread pool, each page a
Tesseract process of its own started at low priority, so questions served from
the same machine keep their CPU; at most one more page than there are workers
is held as an image at once, so memory stays bounded whatever the page count.

Trade-off: one page the engine fails on fails the whole document (said by page
number), rather than indexing a document with a silent hole in it.
"""

from __future__ import annotations

import logging
import os
import re
import statistics
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..ports import Ocr
from ..types import Page
from .ocr_straighten import VERSION as STRAIGHTEN
from .ocr_straighten import read_straight
from .ocr_tsv import OcrPage, ocr_page, snap_sizes
from .pdf_blocks import Line
from .pdf_layout import Laid, lay_out

log = logging.getLogger(__name__)
LOW_MEAN = 60  # a document whose words average less than this (0-100) gets a warning: wrong language, or a poor scan


@dataclass(frozen=True)
class OcrOptions:
    """How to read page images: the engine, the cache folder (None: no cache), the dpi PDF pages are
    rendered at, the number of pages read at once (0: one per CPU) and whether to show a progress bar."""

    engine: Ocr
    cache: Path | None = None
    dpi: int = 300
    workers: int = 0
    progress: bool = False

    @property
    def key(self) -> str:
        """What the text of a page depends on, besides the page: the engine, its languages, the dpi."""
        return f"{self.engine.name}/{self.dpi}dpi/{STRAIGHTEN}"

    def pool_size(self) -> int:
        return max(1, self.workers or os.cpu_count() or 1)


def _cache_file(opts: OcrOptions, sha: str, page: int, dpi: int) -> Path | None:
    if opts.cache is None or not sha:
        return None
    slug = re.sub(r"[^A-Za-z0-9+.-]+", "_", f"{opts.engine.name}-{dpi}dpi-{STRAIGHTEN}")
    return Path(opts.cache) / f"{sha}-{slug}" / f"{page + 1:05d}.tsv"


def _read_cached(path: Path | None) -> str | None:
    try:
        return path.read_text(encoding="utf-8") if path else None
    except OSError:
        return None


def _store(path: Path | None, tsv: str) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(tsv, encoding="utf-8")
        tmp.replace(path)
    except OSError as e:  # a read-only or full index folder: the text is still read, just not kept
        log.warning("cannot cache OCR of a page in %s: %s", path.parent, e)


def _bar(opts: OcrOptions, name: str, total: int, done: int):
    from tqdm import tqdm

    desc = f"OCR {name} ({opts.engine.name})"
    return tqdm(total=total, initial=done, desc=desc, unit="page", disable=not opts.progress, file=sys.stderr)


def _read(opts: OcrOptions, todo: Sequence[tuple[int, int, Path | None]], render: Callable[[int], bytes], bar) -> dict:
    """TSV of each page of ``todo`` ((page, dpi, cache file)), read ``pool_size`` at a time."""
    out: dict[int, str] = {}
    pending: deque[tuple[int, Path | None, Future]] = deque()

    def finish() -> None:
        page, path, future = pending.popleft()
        try:
            out[page] = future.result()
        except ValueError as e:
            raise ValueError(f"OCR failed on page {page + 1}: {e}") from None
        _store(path, out[page])
        bar.update(1)

    n = opts.pool_size()
    with ThreadPoolExecutor(max_workers=n, thread_name_prefix="ocr") as pool:
        try:
            for page, dpi, path in todo:
                pending.append((page, path, pool.submit(read_straight, opts.engine.page_tsv, render(page), dpi)))
                while len(pending) > n:  # bounded: one image waits while ``n`` are read
                    finish()
            while pending:
                finish()
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return out


def ocr_pages(
    opts: OcrOptions, sha: str, name: str, jobs: Sequence[tuple[int, int]], render: Callable[[int], bytes]
) -> dict[int, OcrPage]:
    """Each page of ``jobs`` ((0-based page, dpi of its image; 0 unknown)) read by OCR, from the cache where it can.

    ``render(page)`` gives the page's image bytes; it is called only for pages not cached."""
    started = time.monotonic()
    tsv, todo = {}, []
    for page, dpi in jobs:
        path = _cache_file(opts, sha, page, dpi)
        cached = _read_cached(path)
        if cached is not None:
            tsv[page] = cached
        else:
            todo.append((page, dpi, path))
    with _bar(opts, name, len(jobs), len(jobs) - len(todo)) as bar:
        tsv.update(_read(opts, todo, render, bar))
    pages = {page: ocr_page(tsv[page], page, dpi) for page, dpi in jobs}
    took = time.monotonic() - started
    confs = [w[6] for p in pages.values() for w in p.words]
    mean = f"{statistics.fmean(confs):.0f}%" if confs else "no words"
    log.info(
        "OCR %s with %s: %d pages (%d cached) in %.1f s, %.2f pages/s; mean word confidence %s",
        name, opts.engine.name, len(jobs), len(jobs) - len(todo), took, len(todo) / took if todo and took else 0.0, mean,
    )  # fmt: skip
    return pages


def ocr_warnings(opts: OcrOptions, pages: dict[int, OcrPage]) -> list[str]:
    """What the user should hear about how OCR went: a low mean confidence names the languages used."""
    confs = [w[6] for p in pages.values() for w in p.words]
    if not confs or statistics.fmean(confs) >= LOW_MEAN:
        return []
    langs = opts.engine.name.split("/")[-1]
    return [
        f"OCR confidence is low (mean {statistics.fmean(confs):.0f}% over {len(confs):,} words, languages {langs}): "
        "a poor scan, or a language other than those; set ASSISTANT_OCR_LANG (e.g. deu or eng+deu) "
        "and install its data (apt-get install tesseract-ocr-deu)"
    ]


def laid_pages(lines: list[list[Line]], ocr: dict[int, OcrPage]) -> tuple[Laid, tuple[Page, ...]]:
    """The layout of pages of lines, OCR pages' lines put in (their sizes snapped), and the ``Page`` records."""
    lines = [list(ocr[p].lines) if p in ocr else ls for p, ls in enumerate(lines)]
    laid = lay_out(snap_sizes(lines, set(ocr)))
    pages = tuple(
        Page(i + 1, a, b, runs, ocr[i].words if i in ocr else ())
        for i, ((a, b), runs) in enumerate(zip(laid.pages, laid.runs, strict=True))
    )
    return laid, pages
