"""Pages scanned askew are turned straight and read again: Tesseract drops lines of a page turned clockwise.

On the default articles scanned 1.5 degrees askew, Tesseract's own page
segmentation lost whole lines and paragraphs of the pages turned clockwise
(character accuracy 0.946, against 0.997 turned the other way).  So a page whose
first reading runs askew by ``MIN_DEGREES`` or more (measured from the words'
baselines, ``ocr_tsv.reading_angle``) is turned straight with Pillow and read
again, and every box of the second reading is turned back into the original
image's coordinates (the axis-aligned box around the turned corners), so
highlights land on the page as the user sees it.  Pages turned by a quarter
turn are left to Tesseract's orientation detection.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable

from .ocr_tsv import group_lines, parse_tsv, reading_angle

MIN_DEGREES = 0.3
VERSION = "straight-1"  # part of the OCR cache key: pages read before this was added are read again


def pnm(image) -> bytes:
    """A Pillow image as PNM bytes: uncompressed, so cheap to write, and Tesseract reads it from stdin."""
    out = io.BytesIO()
    image.save(out, format="PPM")
    return out.getvalue()


def turn_back(box: tuple[int, int, int, int], angle: float, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """(left, top, width, height) of a box found in the image turned by ``angle`` (radians, counter-clockwise as
    seen, Pillow's ``rotate``), as the axis-aligned box around its corners in the image before the turn."""
    cx, cy = size[0] / 2, size[1] / 2
    c, s = math.cos(angle), math.sin(angle)
    left, top, w, h = box
    xs, ys = [], []
    for x, y in ((left, top), (left + w, top), (left, top + h), (left + w, top + h)):
        dx, dy = x - cx, y - cy
        xs.append(cx + dx * c - dy * s)
        ys.append(cy + dx * s + dy * c)
    x0, y0 = max(0, math.floor(min(xs))), max(0, math.floor(min(ys)))
    return x0, y0, max(1, min(size[0], math.ceil(max(xs))) - x0), max(1, min(size[1], math.ceil(max(ys))) - y0)


def turn_tsv_back(tsv: str, angle: float, size: tuple[int, int]) -> str:
    """``tsv`` (read from the turned image) with every box below page level in the original image's coordinates."""
    rows = tsv.splitlines()
    out = rows[:1]
    for row in rows[1:]:
        f = row.split("\t")
        if len(f) >= 11 and f[0].isdigit() and int(f[0]) > 1 and all(x.lstrip("-").isdigit() for x in f[6:10]):
            f[6:10] = [str(v) for v in turn_back(tuple(int(x) for x in f[6:10]), angle, size)]
        out.append("\t".join(f))
    return "\n".join(out) + ("\n" if tsv.endswith("\n") else "")


def skew(tsv: str) -> float:
    """How far the words of an upright page run askew, radians (positive: down to the right); 0 when turned."""
    _, words = parse_tsv(tsv)
    angle = reading_angle(group_lines(words))
    return angle if abs(angle) < math.pi / 4 else 0.0


def read_straight(read: Callable[[bytes, int], str], image: bytes, dpi: int) -> str:
    """The page's TSV from ``read`` (image bytes, dpi -> TSV): read again turned straight when it runs askew."""
    tsv = read(image, dpi)
    angle = skew(tsv)
    if abs(math.degrees(angle)) < MIN_DEGREES:
        return tsv
    from PIL import Image

    with Image.open(io.BytesIO(image)) as img:
        size = img.size
        straight = img.convert("L").rotate(math.degrees(angle), resample=Image.Resampling.BICUBIC, fillcolor=255)
    return turn_tsv_back(read(pnm(straight), dpi), angle, size)
