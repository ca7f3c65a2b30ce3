"""Tesseract's TSV output -> the lines the PDF layout pass reads, and the words a highlight draws.

Pure functions, unit-tested on hand-written TSV.  Tesseract gives one row per
word with its block, paragraph and line numbers, its box in pixels of the page
image (origin top left, y down) and a confidence 0-100.  ``ocr_page`` turns them
into:

* the page's OCR text: a line's words joined by one space, lines by ``\\n``, in
  Tesseract's reading order (blocks, then paragraphs, then lines);
* one ``pdf_layout.Line`` per Tesseract line, with its geometry in points, so
  ``lay_out`` joins wrapped lines into paragraphs, finds headings and page
  furniture exactly as for a PDF's text layer (Tesseract's own paragraphs are
  coarser: it puts a byline and a date into the paragraph above them);
* the words as ``Page.words``: characters in the OCR text, the box on the page
  image in ten-thousandths of its size, the confidence.

Orientation and skew: ``--psm 1`` makes Tesseract detect a page turned by a
quarter turn (its OSD data) and find skewed lines itself, but it reports boxes
of the image as it is.  So the reading direction is measured here, from the
first to the last word of each line (the commonest quarter turn, then the median
residual angle), and every word box is turned upright before the line geometry
is computed: a page scanned 2 degrees askew still has one baseline per line.
Font size is not in the TSV: a line's size is its cap height (baseline to the
top of its taller words) over 0.72, and ``snap_sizes`` gives lines within a
quarter of the body size the body size, as blur and missing ascenders make
heights noisy where a PDF's font sizes are exact.
"""

from __future__ import annotations

import math
import statistics
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .pdf_blocks import Line

HEADER = ("level", "page_num", "block_num", "par_num", "line_num", "word_num", "left", "top", "width", "height", "conf", "text")
SCALE = 10_000  # word boxes are stored in ten-thousandths of the page image's width and height
CAP = 0.72  # cap height over font size, roughly, for common text faces


@dataclass(frozen=True)
class Word:
    """One word of Tesseract's TSV: its line's key (block, paragraph, line), text, box in pixels, confidence."""

    key: tuple[int, int, int]
    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float


@dataclass(frozen=True)
class OcrPage:
    """One page read by OCR: its text, its lines for ``lay_out``, its words for ``Page.words``."""

    text: str
    lines: tuple[Line, ...]
    words: tuple[tuple[int, int, int, int, int, int, int], ...]
    size: tuple[int, int]  # the image's width and height in pixels

    @property
    def confidence(self) -> float | None:
        """Mean word confidence, 0-100; None without words."""
        return statistics.fmean(w[6] for w in self.words) if self.words else None


def parse_tsv(tsv: str) -> tuple[tuple[int, int], list[Word]]:
    """(image width and height, the words in reading order); ValueError when it is not Tesseract's TSV."""
    rows = tsv.splitlines()
    if not rows or tuple(rows[0].split("\t")) != HEADER:
        raise ValueError("not Tesseract TSV output (unexpected header)")
    size, words = (0, 0), []
    for row in rows[1:]:
        f = row.split("\t", 11)
        if len(f) < 11 or not all(x.lstrip("-").isdigit() for x in f[:10]):
            continue
        level, box = int(f[0]), tuple(int(x) for x in f[6:10])
        if level == 1:
            size = (box[2], box[3])
        text = unicodedata.normalize("NFKC", f[11] if len(f) > 11 else "").strip()
        if level != 5 or not text or box[2] <= 0 or box[3] <= 0:
            continue
        text = " ".join(text.split()) if not text.isprintable() else text
        words.append(Word((int(f[2]), int(f[3]), int(f[4])), text, *box, max(0.0, float(f[10]))))
    return size, words


def group_lines(words: Sequence[Word]) -> list[list[Word]]:
    """Consecutive words with one (block, paragraph, line) key, in order."""
    out: list[list[Word]] = []
    for w in words:
        if out and out[-1][0].key == w.key:
            out[-1].append(w)
        else:
            out.append([w])
    return out


def _center(w: Word) -> tuple[float, float]:
    return w.left + w.width / 2, w.top + w.height / 2


def reading_angle(lines: Sequence[Sequence[Word]]) -> float:
    """The direction text runs in, radians in image coordinates (0: left to right, upright; y down).

    The commonest quarter turn among lines of two or more words, plus the median residual of those lines."""
    angles = []
    for ws in lines:
        (ax, ay), (bx, by) = _center(ws[0]), _center(ws[-1])
        if len(ws) >= 2 and math.hypot(bx - ax, by - ay) > 0:
            angles.append(math.atan2(by - ay, bx - ax))
    if not angles:
        return 0.0
    quarters = [round(a / (math.pi / 2)) % 4 for a in angles]
    q = Counter(quarters).most_common(1)[0][0]
    base = q * math.pi / 2
    residual = [math.remainder(a - base, 2 * math.pi) for a, k in zip(angles, quarters, strict=True) if k == q]
    return math.remainder(base + statistics.median(residual), 2 * math.pi)


@dataclass(frozen=True)
class _Box:
    """A word's box turned upright: left, top, right, bottom (y down)."""

    x0: float
    y0: float
    x1: float
    y1: float


def upright(w: Word, angle: float) -> _Box:
    """``w``'s box in the frame where text runs left to right: its centre turned by ``-angle``, and the
    width and height of the word itself recovered from its axis-aligned box (which a skew makes taller)."""
    cx, cy = _center(w)
    c, s = math.cos(angle), math.sin(angle)
    x, y = cx * c + cy * s, -cx * s + cy * c
    q = round(angle / (math.pi / 2)) % 4
    bw, bh = (w.height, w.width) if q % 2 else (w.width, w.height)
    r = abs(math.remainder(angle, math.pi / 2))
    cr, sr = math.cos(r), math.sin(r)
    det = cr * cr - sr * sr
    width = min(bw, max(1.0, (bw * cr - bh * sr) / det))
    height = min(bh, max(1.0, (bh * cr - bw * sr) / det))
    return _Box(x - width / 2, y - height / 2, x + width / 2, y + height / 2)


def _line(ws: list[Word], boxes: list[_Box], page: int, start: int, unit: float, bottom: float) -> Line:
    """One Tesseract line as a ``Line`` in points, y up from ``bottom`` (the lowest upright y on the page)."""
    feet = sorted(b.y1 for b in boxes)
    base = feet[len(feet) // 3]  # most words sit on the baseline; those with descenders go below it
    tops = sorted(b.y0 for b in boxes)
    top = tops[len(tops) // 4]  # a tall word's top, but not a bracket's or a stray mark's
    size = max(1.0, (base - top) / CAP) * unit
    gaps = [(b.x0 - a.x1) * unit for a, b in zip(boxes, boxes[1:], strict=False)]
    return Line(
        page=page,
        start=start,
        text=" ".join(w.text for w in ws),
        x0=min(b.x0 for b in boxes) * unit,
        y0=(bottom - base) * unit,
        x1=max(b.x1 for b in boxes) * unit,
        y1=(bottom - top) * unit,
        size=size,
        first_word=(boxes[0].x1 - boxes[0].x0) * unit,
        cells=max(gaps, default=0.0) > 1.5 * size,
    )


def _norm(w: Word, width: int, height: int, index: int) -> tuple[int, int, int, int, int, int, int]:
    def sx(v: float) -> int:
        return max(0, min(SCALE, round(v * SCALE / max(1, width))))

    def sy(v: float) -> int:
        return max(0, min(SCALE, round(v * SCALE / max(1, height))))

    box = (sx(w.left), sy(w.top), sx(w.left + w.width), sy(w.top + w.height))
    return (index, len(w.text), *box, round(w.conf))


def ocr_page(tsv: str, page: int, dpi: int) -> OcrPage:
    """Page ``page`` (0-based) of a document from Tesseract's TSV of its image at ``dpi`` (0: unknown, 300 assumed)."""
    size, words = parse_tsv(tsv)
    lines = group_lines(words)
    angle = reading_angle(lines)
    upright_boxes = [[upright(w, angle) for w in ws] for ws in lines]
    bottom = max((b.y1 for bs in upright_boxes for b in bs), default=0.0)
    unit = 72 / (dpi or 300)
    out_lines, out_words, texts, pos = [], [], [], 0
    for ws, boxes in zip(lines, upright_boxes, strict=True):
        out_lines.append(_line(ws, boxes, page, pos, unit, bottom))
        at = pos
        for w in ws:
            out_words.append(_norm(w, *size, at))
            at += len(w.text) + 1
        texts.append(out_lines[-1].text)
        pos += len(texts[-1]) + 1
    return OcrPage("\n".join(texts), tuple(out_lines), tuple(out_words), size)


def snap_sizes(pages: Sequence[Sequence[Line]], ocr: set[int], band: float = 0.25) -> list[list[Line]]:
    """Lines of OCR pages (``ocr``: their 0-based numbers) within ``band`` of the body size get the body size.

    The body size is the median size of OCR lines of four words or more; other pages are untouched."""
    body_lines = [ln.size for p in ocr for ln in pages[p] if ln.text.count(" ") >= 3]
    if not body_lines:
        return [list(p) for p in pages]
    body = statistics.median(body_lines)
    lo, hi = body * (1 - band), body * (1 + band)
    return [[replace(ln, size=body) if p in ocr and lo <= ln.size <= hi else ln for ln in lines] for p, lines in enumerate(pages)]
