"""Scans and photos of pages made from text, for the OCR tests and ``evals/bench_ocr.py``.

A text becomes a PDF (``docgen.make_pdf``), each page is printed to pixels by
PDFium at ``dpi``, optionally turned a little (alternately clockwise and
counter-clockwise, as pages go through a scanner) and blurred, and the page images
are put back together into a PDF with no text layer (Pillow).  ``photo`` makes a
photo-like JPEG of one page: turned, blurred, unevenly lit, noisy, compressed.
"""

from __future__ import annotations

import io

from docgen import make_pdf


def page_images(pdf: bytes, dpi: int = 150, angle: float = 0.0, blur: float = 0.0) -> list:
    """Pillow images (grey) of every page of ``pdf`` at ``dpi``, page ``i`` turned by ``angle * (-1) ** i`` degrees."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageFilter

    doc = pdfium.PdfDocument(pdf)
    out = []
    for i in range(len(doc)):
        img = doc[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        if angle:
            img = img.rotate(angle * (-1) ** i, resample=Image.Resampling.BICUBIC, fillcolor=255)
        if blur:
            img = img.filter(ImageFilter.GaussianBlur(blur))
        out.append(img)
    doc.close()
    return out


def image_pdf(images: list, dpi: int) -> bytes:
    """A PDF of page images only (no text layer)."""
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return out.getvalue()


def scanned_pdf(text: str, dpi: int = 150, angle: float = 1.5, blur: float = 0.7, **meta) -> bytes:
    """``text`` printed, scanned at ``dpi`` (turned by ``angle`` degrees, blurred) and put back into a PDF."""
    return image_pdf(page_images(make_pdf(text, **meta), dpi, angle, blur), dpi)


def photo(text: str, page: int = 0, dpi: int = 150, angle: float = 2.0, seed: int = 7) -> bytes:
    """A JPEG like a phone photo of one page: turned, blurred, lit unevenly, with sensor noise."""
    import numpy as np
    from PIL import Image, ImageChops, ImageFilter

    img = page_images(make_pdf(text), dpi)[page]
    img = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=200).filter(ImageFilter.GaussianBlur(0.9))
    w, h = img.size
    light = Image.linear_gradient("L").resize((w, h)).point(lambda v: 255 - v // 5)  # darker towards the bottom
    img = ImageChops.multiply(img, light)
    noise = np.random.default_rng(seed).integers(-14, 15, (h, w))
    img = Image.fromarray(np.clip(np.asarray(img, dtype=np.int16) + noise, 0, 255).astype(np.uint8))
    out = io.BytesIO()
    img.convert("RGB").save(out, format="JPEG", quality=70)
    return out.getvalue()
