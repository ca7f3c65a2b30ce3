"""PDF through PDFium (pypdfium2): the text layer as the author laid it out, metadata, highlight images.

Each page's text comes from PDFium as visual lines with their boxes and fonts
(``page_lines``); ``pdf_layout.lay_out`` joins wrapped lines into paragraphs,
keeps code lines apart and finds page furniture (running heads and feet, page
numbers, table-of-contents lines), which the reader returns as
``Extracted.furniture``.  The canonical text is no longer PDFium's text in place:
``Page.runs`` map it back to PDFium character indexes, so a cited span's boxes
are ``get_charbox(i)`` over ``Page.indexes(start, end)`` (on both pages when a
passage runs over a page break).

A page without a text layer (a scan) is rendered and read by OCR
(``readers/ocr.py``) when the caller passes ``OcrOptions``; its ``Page.words``
then hold the word boxes a highlight draws.

Trade-offs: reading order is PDFium's (two-column pages read the way PDFium
orders them); a page with any text layer is not OCR'd, even when the text
layer covers only part of it (a scanned page with a typed page number); tables
come out as their cells' text in reading order, one row per paragraph; a line
PDFium gives no box for (rare: generated characters only) is left out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import statistics
from collections.abc import Sequence

from ..types import Extracted, Span
from .limits import PDFIUM_MAX_LINE, check_page, check_text, cut_lines
from .ocr import OcrOptions, laid_pages, ocr_pages, ocr_warnings
from .ocr_straighten import pnm
from .pdf_blocks import Line

_PLACEHOLDERS = {"", "untitled", "(unspecified)", "unspecified", "(anonymous)", "anonymous", "unknown"}
_HYPHEN_MARKS = "\x02\ufffe"  # PDFium's mark for a word hyphenated at a line end
_MONO = re.compile(r"TT\d|Mono|Courier|Typewriter|Consol|Menlo|Code", re.I)
BOLD_WEIGHT = 600
_BOLD = re.compile(r"Bold|BX\d|Black|Heavy|Semibold|Demi", re.I)
# a face whose name states a style that is not bold: PDFium's weight for it is not to be trusted (LMRoman10-Regular
# is given 744, FreeSerif 510)
_NOT_BOLD = re.compile(r"Regular|Roman|Book|Light|Thin|Italic|Oblique|Slant|Medium", re.I)


class PdfError(ValueError):
    pass


def _open(data: bytes):
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    if b"%PDF-" not in data[:1024]:
        raise PdfError("not a PDF (no %PDF- header)")
    if b"%%EOF" not in data[-2048:]:
        raise PdfError("truncated or corrupt PDF (no %%EOF end marker); not indexed")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if getattr(e, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            raise PdfError("encrypted PDF (password-protected); not indexed") from None
        raise PdfError(f"corrupt PDF ({e}); not indexed") from None


def _raw_text(textpage) -> str:
    """The page text with exactly one character per PDFium character index."""
    n = textpage.count_chars()
    if n <= 0:
        return ""
    text = textpage.get_text_range(0, n)
    if len(text) == n:
        return text
    import pypdfium2.raw as pdfium_c  # rare: the text API inserted or dropped characters

    return "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage, i) or 32) for i in range(n))


def _box(textpage, i: int) -> tuple[float, float, float, float] | None:
    try:
        box = textpage.get_charbox(i, loose=True)
    except Exception:  # PDFium has no box for generated characters
        return None
    return box if box[2] > box[0] or box[3] > box[1] else None


def _font(textpage, i: int) -> tuple[float, bool, bool]:
    """(font size, monospaced, bold) of character ``i``."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    buf, flags = ctypes.create_string_buffer(96), ctypes.c_int(0)
    pdfium_c.FPDFText_GetFontInfo(textpage, i, buf, len(buf), ctypes.byref(flags))
    name = buf.value.decode("latin-1").split("+")[-1]
    mono = bool(flags.value & 1) or bool(_MONO.search(name))
    bold = is_bold(name, pdfium_c.FPDFText_GetFontWeight(textpage, i))
    return pdfium_c.FPDFText_GetFontSize(textpage, i), mono, bold


def is_bold(name: str, weight: float) -> bool:
    """Is a face bold: its name says so, else a weight of semibold (600) or more where the name states no other
    style (PDFium gives LMRoman10-Regular 744)."""
    return bool(_BOLD.search(name)) or (weight >= BOLD_WEIGHT and not _NOT_BOLD.search(name))


def _line(textpage, p: int, text: str, a: int, e: int, hyphen: bool) -> Line | None:
    """The visual line of characters ``[a, e)`` (spaces at either end trimmed); None when it has no box."""
    while a < e and text[a].isspace():
        a += 1
    while e > a and text[e - 1].isspace():
        e -= 1
    boxes = [(i, b) for i in range(a, e) if not text[i].isspace() and (b := _box(textpage, i)) is not None]
    if not boxes:
        return None
    gaps = [b[0] - a[2] for (_, a), (_, b) in zip(boxes, boxes[1:], strict=False)]
    word = next((k for k, (i, _) in enumerate(boxes) if i + 1 < e and text[i + 1].isspace()), len(boxes) - 1)
    fonts = [_font(textpage, i) for i, _ in boxes[:: max(1, len(boxes) // 6)]]
    return Line(
        page=p,
        start=a,
        text=text[a:e],
        x0=min(b[0] for _, b in boxes),
        y0=statistics.median(b[1] for _, b in boxes),
        x1=max(b[2] for _, b in boxes),
        y1=statistics.median(b[3] for _, b in boxes),
        size=statistics.median(f[0] for f in fonts),
        mono=sum(f[1] for f in fonts) * 2 > len(fonts),
        bold=all(f[2] for f in fonts),
        first_word=boxes[word][1][2] - boxes[0][1][0],
        hyphen=hyphen,
        cells=max(gaps, default=0.0) > 1.5 * fonts[0][0],
    )


def page_lines(textpage, p: int) -> list[Line]:
    """The visual lines of page ``p`` (0-based) in PDFium's order, with their geometry and fonts.

    PDFium ends a line with ``\\r\\n``, except after a word it hyphenated at the line end,
    which it joins to the next line with a U+FFFE mark: that mark ends a line here too.
    """
    text = "".join(c if c.isprintable() or c in "\r\n" + _HYPHEN_MARKS else " " for c in _raw_text(textpage))
    out = []
    for m in re.finditer(rf"[^\r\n{_HYPHEN_MARKS}]+[{_HYPHEN_MARKS}]?", text):
        hyphen = m.group(0)[-1] in _HYPHEN_MARKS
        line = _line(textpage, p, text, m.start(), m.end() - hyphen, hyphen)
        if line is not None:
            out.append(line)
    return out


def pdf_date(value: str) -> str:
    """'D:20240624...' -> '2024-06-24' ('' when it is not a date)."""
    m = re.match(r"(?:D:)?(\d{4})(\d{2})?(\d{2})?", value or "")
    if not m:
        return ""
    y, mo, d = m.group(1), m.group(2), m.group(3)
    try:
        dt.date(int(y), int(mo or 1), int(d or 1))
    except ValueError:
        return ""
    return "-".join(x for x in (y, mo, d if mo else None) if x)


def _meta(pdf) -> dict:
    info = pdf.get_metadata_dict()
    meta = {}
    for key, field in (("Title", "title"), ("Author", "author")):
        v = " ".join((info.get(key) or "").split())
        if v.lower() not in _PLACEHOLDERS:
            meta[field] = v
    date = pdf_date(info.get("CreationDate", ""))
    if date:
        meta["date"] = date
    return meta


class NeedsOcr(PdfError):
    """A PDF with no text layer, read where OCR is not available (an upload is checked before OCR runs)."""


def _text_layer(pdf) -> tuple[list[list[Line]], list[str]]:
    """Each page's visual lines (``[]`` for a page without text) and warnings about cut lines."""
    lines, warnings = [], []
    for i in range(len(pdf)):
        page = pdf[i]
        textpage = page.get_textpage()
        n = textpage.count_chars()
        check_page(i + 1, n)
        if n >= PDFIUM_MAX_LINE:  # only such a page can hold a line PDFium cut
            warnings += cut_lines(i + 1, _raw_text(textpage))
        lines.append(page_lines(textpage, i))
        textpage.close()
        page.close()
    return lines, warnings


def _page_image(pdf, i: int, dpi: int) -> bytes:
    """Page ``i`` (0-based) rendered in grey at ``dpi``, as PNM bytes for the OCR engine."""
    page = pdf[i]
    try:
        return pnm(page.render(scale=dpi / 72, grayscale=True).to_pil())
    finally:
        page.close()


def _no_text(n: int, scanned: list[int], ocr: OcrOptions | None) -> PdfError:
    pages = f"{n} page{'s' if n != 1 else ''}"
    if scanned and ocr is None:
        return NeedsOcr(f"no text layer ({pages}, a scan?) and OCR is not available here; not indexed")
    if scanned:
        return PdfError(f"no text found, by OCR either ({pages}: blank pages, or pictures without text); not indexed")
    return PdfError(f"no text ({pages}); not indexed")


def _unread(scanned: list[int]) -> list[str]:
    return [f"pages {', '.join(str(i + 1) for i in scanned)} have no text layer and OCR is not available: their text is missing"]


class PdfReader:
    kind = "pdf"

    def read(self, name: str, data: bytes, ocr: OcrOptions | None = None) -> Extracted:
        """The text layer of every page that has one; pages without one read by OCR (``ocr``; None: not read)."""
        pdf = _open(data)
        try:
            lines, warnings = _text_layer(pdf)
            meta = _meta(pdf)
            scanned = [i for i, page in enumerate(lines) if not page]
            ocred = {}
            if scanned and ocr is not None:
                sha = hashlib.sha256(data).hexdigest()
                ocred = ocr_pages(ocr, sha, name, [(i, ocr.dpi) for i in scanned], lambda i: _page_image(pdf, i, ocr.dpi))
        except ValueError:  # PdfError, OverBudget, or the OCR engine's reason
            raise
        except Exception as e:  # PDFium failing on a damaged page
            raise PdfError(f"corrupt PDF ({type(e).__name__}: {e}); not indexed") from None
        finally:
            pdf.close()
        laid, pages = laid_pages(lines, ocred)
        check_text(len(laid.text))
        if not laid.text.strip():
            raise _no_text(len(lines), scanned, ocr)
        if scanned and ocr is None:
            warnings += _unread(scanned)
        warnings += ocr_warnings(ocr, ocred) if ocred else []
        furniture = tuple(Span(a, b) for a, b in laid.furniture)
        key = ocr.key if ocred else ""
        return Extracted(laid.text, self.kind, meta, pages, tuple(warnings), furniture, laid.blocks, ocr=key)


def _line_rects(textpage, start: int, end: int, text: str) -> list[tuple[float, float, float, float]]:
    """Boxes (left, bottom, right, top) of the visible characters in ``[start, end)``, merged per line."""
    rects: list[list[float]] = []
    for i in range(start, end):
        if text[i].isspace():
            continue
        box = _box(textpage, i)
        if box is None:
            continue
        left, b, r, t = box
        last = rects[-1] if rects else None
        if last and abs(last[1] - b) < 0.5 * (t - b) and left >= last[0] - 1:  # same line, further right
            last[2], last[1], last[3] = max(last[2], r), min(last[1], b), max(last[3], t)
        else:
            rects.append([left, b, r, t])
    return [tuple(r) for r in rects]


def render_highlight(
    data: bytes, number: int, ranges: Sequence[tuple[int, int]], scale: float = 1.5, found: Sequence = ()
) -> tuple[bytes, int]:
    """PNG of page ``number`` (1-based) with its characters in ``ranges`` boxed; also how many boxes.

    ``ranges`` are ``[i, j)`` PDFium character indexes on that page
    (``Page.indexes`` of the cited span).  Boxes are semi-transparent yellow with an outline.
    A page read by OCR has no characters: ``found`` holds its words' boxes instead
    (``ocr_words.boxes``, ten-thousandths of the page).
    """
    import io

    from PIL import Image, ImageDraw

    pdf = _open(data)
    try:
        page = pdf[number - 1]
        if found:
            from .image import draw_boxes

            png = draw_boxes(page.render(scale=scale).to_pil(), found)
            page.close()
            return png, len(found)
        textpage = page.get_textpage()
        text = _raw_text(textpage)
        rects = [r for i, j in ranges for r in _line_rects(textpage, max(0, i), min(j, len(text)), text)]
        bitmap = page.render(scale=scale)
        conv = bitmap.get_posconv(page)
        image = bitmap.to_pil().convert("RGBA")
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        for left, b, r, t in rects:
            (x0, y0), (x1, y1) = conv.to_bitmap(left, t), conv.to_bitmap(r, b)
            box = [min(x0, x1) - 1, min(y0, y1) - 1, max(x0, x1) + 1, max(y0, y1) + 1]
            draw.rectangle(box, fill=(255, 213, 0, 96), outline=(217, 119, 6, 255), width=2)
        out = io.BytesIO()
        Image.alpha_composite(image, overlay).convert("RGB").save(out, format="PNG", optimize=True)
        textpage.close()
        page.close()
        return out.getvalue(), len(rects)
    finally:
        pdf.close()
