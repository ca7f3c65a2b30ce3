"""What a span of an OCR'd document's text is on its pages: word boxes, mean confidence, doubtful words.

Pure functions over ``Page.words`` (see ``types.Page``): a word is
``(index, length, x0, y0, x1, y1, conf)``, ``index`` in the page's OCR text,
which ``Page.runs`` map to and from the canonical text.  A citation carries its
words' mean confidence (``ocr_confidence``); the page view boxes its words; the
text view marks words below ``LOW`` so a reader checks them against the image.

Trade-off: confidence is Tesseract's per-word figure, averaged without weights,
so one misread short word in a long sentence barely moves it; the marks in the
text view show which word it was.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence

from ..types import Document, Page, Span

LOW = 60  # words Tesseract is less sure of than this (0-100) are marked in the source view


def words_in(page: Page, ranges: Iterable[tuple[int, int]]) -> list[tuple[int, ...]]:
    """The page's words with a character in any of ``ranges`` (``[i, j)`` of the page's OCR text)."""
    ranges = list(ranges)
    return [w for w in page.words if any(w[0] < j and i < w[0] + w[1] for i, j in ranges)]


def span_confidence(doc: Document, start: int, end: int) -> float | None:
    """Mean confidence (0-1) of the OCR words ``[start, end)`` covers; None when no OCR word does."""
    confs = [w[6] for p in doc.pages if p.words for w in words_in(p, p.indexes(start, end))]
    return round(statistics.fmean(confs) / 100, 3) if confs else None


def boxes(page: Page, ranges: Iterable[tuple[int, int]]) -> tuple[tuple[int, int, int, int], ...]:
    """Boxes to draw for ``ranges`` of the page's OCR text: its words' boxes, neighbours on one line merged."""
    out: list[list[int]] = []
    for w in sorted(words_in(page, ranges), key=lambda w: w[0]):
        x0, y0, x1, y1 = w[2:6]
        last = out[-1] if out else None
        if last and min(last[3], y1) - max(last[1], y0) > 0.5 * min(last[3] - last[1], y1 - y0) and x0 >= last[0]:
            last[1], last[2], last[3] = min(last[1], y0), max(last[2], x1), max(last[3], y1)
        else:
            out.append([x0, y0, x1, y1])
    return tuple(tuple(b) for b in out)


def _to_text(page: Page, index: int, length: int) -> Span | None:
    """The canonical span of the page's OCR characters ``[index, index + length)`` (None when no run holds them)."""
    for offset, at, n in page.runs:
        if at <= index < at + n:
            a = offset + index - at
            return Span(a, a + min(length, at + n - index))
    return None


def doubtful(doc: Document, below: int = LOW) -> list[Span]:
    """Canonical spans of the OCR words whose confidence is under ``below``, in order."""
    out = [_to_text(p, w[0], w[1]) for p in doc.pages for w in p.words if w[6] < below]
    return sorted((s for s in out if s is not None), key=lambda s: (s.start, s.end))


def scale_boxes(
    found: Sequence[tuple[int, int, int, int]], width: int, height: int, pad: int = 2
) -> list[tuple[int, int, int, int]]:
    """Word boxes in pixels of an image ``width`` x ``height``, padded a little."""
    return [
        (x0 * width // 10_000 - pad, y0 * height // 10_000 - pad, x1 * width // 10_000 + pad, y1 * height // 10_000 + pad)
        for x0, y0, x1, y1 in found
    ]
