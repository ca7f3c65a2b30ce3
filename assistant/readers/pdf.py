"""PDF through PDFium (pypdfium2): the text layer page by page, metadata, and highlight images.

The canonical text is PDFium's own per-page text with every character kept in
place, so ``offset - page.start`` is PDFium's character index on that page and
the boxes of a cited span are ``get_charbox(i)`` of that range.  Only line breaks
are rewritten, keeping their length: PDFium ends every line with ``\\r\\n``; a
break inside a paragraph (the next line follows at the normal line pitch)
becomes two spaces, a paragraph break (a larger gap, or a short line ending a
sentence) becomes ``\\n\\n``.  Pages are joined by ``\\n\\n`` (``PAGE_SEP``).

Trade-offs: layout is PDFium's reading order (two-column pages read the way
PDFium orders them); a sentence running over a page break is two sentences; a
word hyphenated at a line end keeps its hyphen and the break ("cease-  fire");
no OCR, so a scan without a text layer is refused by name; tables come out as
their cells' text in reading order.
"""

from __future__ import annotations

import datetime as dt
import re

from ..types import Extracted, Page
from .limits import PDFIUM_MAX_LINE, OverBudget, check_page, check_text, cut_lines

PAGE_SEP = "\n\n"
WRAP_PITCH = 1.1  # a line further than this many line heights below the previous one starts a paragraph
_PLACEHOLDERS = {"", "untitled", "(unspecified)", "unspecified", "(anonymous)", "anonymous", "unknown"}
_HYPHEN_MARKS = "\x02\ufffe"  # PDFium's mark for a word hyphenated at a line end
_SENTENCE_END = '.!?:"”’)'


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


def _visible(text: str, i: int, step: int) -> int | None:
    while 0 <= i < len(text) and text[i].isspace():
        i += step
    return i if 0 <= i < len(text) else None


def _breaks(text: str, textpage) -> list[tuple[int, float, float, bool]]:
    """(index, line pitch, right edge of the line, line ends a sentence) of each ``\\r\\n``."""
    out = []
    for m in re.finditer(r"\r\n", text):
        a, b = _visible(text, m.start() - 1, -1), _visible(text, m.end(), 1)
        pa = _box(textpage, a) if a is not None else None
        pb = _box(textpage, b) if b is not None else None
        if pa is None or pb is None:
            out.append((m.start(), float("inf"), 0.0, True))
            continue
        ha, hb = pa[3] - pa[1], pb[3] - pb[1]
        if abs(ha - hb) > 0.15 * max(ha, hb):  # the font size changes: a heading ends or begins
            out.append((m.start(), float("inf"), pa[2], True))
            continue
        out.append((m.start(), (pa[1] - pb[1]) / max(ha, 1e-6), pa[2], text[a] in _SENTENCE_END))
    return out


def canonical_page_text(textpage) -> str:
    """PDFium's page text with line breaks rewritten at equal length (see the module docstring)."""
    text = _raw_text(textpage)
    # soft hyphen marks and other control characters become visible ones of the same length
    text = "".join(c if c in "\r\n" or c.isprintable() else ("-" if c in _HYPHEN_MARKS else " ") for c in text)
    breaks = _breaks(text, textpage)
    # pitch in units of the line's own font height, so 10 pt body text and an 18 pt heading compare
    pitches = sorted(p for _, p, _, _ in breaks if 0 < p < float("inf"))
    pitch = pitches[len(pitches) // 4] if pitches else 0.0  # the common in-paragraph line pitch
    width = max((r for _, _, r, _ in breaks), default=0.0)
    out = list(text)
    for i, p, right, ends in breaks:
        wrapped = 0 < p <= min(pitch * 1.2, WRAP_PITCH) and not (ends and right < 0.85 * width)
        out[i : i + 2] = "  " if wrapped else "\n\n"
    return "".join(out)


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


class PdfReader:
    kind = "pdf"

    def read(self, name: str, data: bytes) -> Extracted:
        pdf = _open(data)
        try:
            parts, pages, pos, warnings = [], [], 0, []
            for i in range(len(pdf)):
                page = pdf[i]
                textpage = page.get_textpage()
                n = textpage.count_chars()
                check_page(i + 1, n)
                text = canonical_page_text(textpage)
                if n >= PDFIUM_MAX_LINE:  # only such a page can hold a line PDFium cut
                    warnings += cut_lines(i + 1, _raw_text(textpage))
                textpage.close()
                page.close()
                if i:
                    parts.append(PAGE_SEP)
                    pos += len(PAGE_SEP)
                parts.append(text)
                pages.append(Page(i + 1, pos, pos + len(text)))
                pos += len(text)
                check_text(pos)
            meta = _meta(pdf)
        except (PdfError, OverBudget):
            raise
        except Exception as e:  # PDFium failing on a damaged page
            raise PdfError(f"corrupt PDF ({type(e).__name__}: {e}); not indexed") from None
        finally:
            pdf.close()
        text = "".join(parts)
        if not text.strip():
            raise PdfError(f"no text layer ({len(pages)} page{'s' if len(pages) != 1 else ''}, a scan?); OCR is not supported")
        return Extracted(text=text, kind=self.kind, meta=meta, pages=tuple(pages), warnings=tuple(warnings))


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


def render_highlight(data: bytes, number: int, start: int, end: int, scale: float = 1.5) -> tuple[bytes, int]:
    """PNG of page ``number`` (1-based) with page characters ``[start, end)`` boxed; also how many boxes.

    ``start``/``end`` are PDFium character indexes on that page (canonical offset
    minus ``Page.start``).  Boxes are semi-transparent yellow with an outline.
    """
    import io

    from PIL import Image, ImageDraw

    pdf = _open(data)
    try:
        page = pdf[number - 1]
        textpage = page.get_textpage()
        text = _raw_text(textpage)
        rects = _line_rects(textpage, max(0, start), min(end, len(text)), text)
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
