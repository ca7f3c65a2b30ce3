"""Page images (PNG, JPEG, TIFF: scans and photos of pages) read by OCR, and drawn with a passage boxed.

Each image is one page (a multi-page TIFF one page per frame).  A photo's EXIF
orientation is applied first; the page is read in grey at its own resolution
(its dpi when the file states a plausible one, else Tesseract estimates it).
Pillow opens the file, so a truncated or corrupt image is refused by name with
Pillow's reason; the pixels per page and pages per file are budgeted
(``limits``) before anything is decoded.

Trade-off: the image is read as it is, not upscaled: a photo of a page at low
resolution reads worse than a 300 dpi scan (see the README's OCR figures).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence

from ..types import Extracted, Span
from .limits import MAX_IMAGE_PAGES, MAX_IMAGE_PIXELS, OverBudget, check_text
from .ocr import OcrOptions, laid_pages, ocr_pages, ocr_warnings
from .ocr_straighten import pnm
from .ocr_words import scale_boxes

MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
SHOWN_WIDTH = 900  # pixels of the page image in the source panel


def is_image(data: bytes) -> bool:
    return data.startswith(MAGIC)


def open_image(data: bytes):
    """The image, checked: (Pillow image, number of pages); ValueError for a corrupt, truncated or oversized file."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        n = getattr(image, "n_frames", 1)
        if n > MAX_IMAGE_PAGES:
            raise OverBudget(f"an image of {n:,} pages (limit {MAX_IMAGE_PAGES:,}); not indexed")
        w, h = image.size
        if w * h > MAX_IMAGE_PIXELS:
            raise OverBudget(f"an image of {w:,} x {h:,} pixels (limit {MAX_IMAGE_PIXELS:,} per page); not indexed")
        image.load()  # decodes the first page: a truncated or corrupt file fails here
    except OverBudget:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise ValueError(f"corrupt or truncated image ({e}); not indexed") from None
    return image, n


def page_image(image, i: int):
    """Page ``i`` (0-based) upright (EXIF orientation applied), in grey."""
    from PIL import ImageOps

    try:
        image.seek(i)
        w, h = image.size
        if w * h > MAX_IMAGE_PIXELS:
            raise OverBudget(f"page {i + 1} has {w:,} x {h:,} pixels (limit {MAX_IMAGE_PIXELS:,}); not indexed")
        return ImageOps.exif_transpose(image).convert("L")
    except OverBudget:
        raise
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise ValueError(f"corrupt or truncated image (page {i + 1}: {e}); not indexed") from None


def _dpi(image) -> int:
    """The resolution the file states, when plausible for a page (70-1200 dpi); 0 otherwise."""
    dpi = image.info.get("dpi")
    try:
        x = round(float(dpi[0])) if dpi else 0
    except (TypeError, ValueError, IndexError):
        return 0
    return x if 70 <= x <= 1200 else 0


class ImageReader:
    kind = "image"

    def read(self, name: str, data: bytes, ocr: OcrOptions | None = None) -> Extracted:
        image, n = open_image(data)
        if ocr is None:
            raise ValueError("an image is read by OCR, which is not available here; not indexed")
        jobs = []
        for i in range(n):
            image.seek(i)
            jobs.append((i, _dpi(image)))
        sha = hashlib.sha256(data).hexdigest()
        pages = ocr_pages(ocr, sha, name, jobs, lambda i: pnm(page_image(image, i)))
        laid, records = laid_pages([[] for _ in range(n)], pages)
        if not laid.text.strip():
            what = "an image" if n == 1 else f"{n} pages"
            raise ValueError(f"no text found by OCR in {what} (a picture without text, or a blank page); not indexed")
        check_text(len(laid.text))
        furniture = tuple(Span(a, b) for a, b in laid.furniture)
        warnings = tuple(ocr_warnings(ocr, pages))
        return Extracted(laid.text, self.kind, {}, records, warnings, furniture, laid.blocks, ocr=ocr.key)


def render_image_highlight(data: bytes, number: int, found: Sequence[tuple[int, int, int, int]]) -> tuple[bytes, int]:
    """PNG of page ``number`` (1-based) of an image, about ``SHOWN_WIDTH`` wide, with ``found`` boxed; how many boxes."""
    from PIL import Image

    image, _ = open_image(data)
    page = page_image(image, number - 1).convert("RGB")
    if page.width > SHOWN_WIDTH:
        page = page.resize((SHOWN_WIDTH, round(page.height * SHOWN_WIDTH / page.width)), Image.Resampling.LANCZOS)
    return draw_boxes(page, found), len(found)


def draw_boxes(page, found: Sequence[tuple[int, int, int, int]]) -> bytes:
    """PNG of the Pillow image ``page`` with the boxes (ten-thousandths of its size) drawn as the PDF view draws them."""
    from PIL import Image, ImageDraw

    image = page.convert("RGBA")
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for box in scale_boxes(found, *image.size):
        draw.rectangle(box, fill=(255, 213, 0, 96), outline=(217, 119, 6, 255), width=2)
    out = io.BytesIO()
    Image.alpha_composite(image, overlay).convert("RGB").save(out, format="PNG", optimize=True)
    return out.getvalue()
