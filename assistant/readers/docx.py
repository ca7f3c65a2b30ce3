"""Word (.docx) files through python-docx: body paragraphs in order, and the core properties.

The canonical text is the body's paragraphs (headings included) joined by a
blank line, ``\\n\\n``; a line break inside a paragraph stays ``\\n``.  Title,
author and creation date come from the document's core properties.  The zip is
checked before python-docx opens it: total uncompressed size and compression
ratio are bounded, so a zip bomb renamed to .docx is refused without inflating.

Trade-offs: text in tables, text boxes, headers, footers, footnotes and comments
is not extracted (python-docx's ``paragraphs`` is the body only); images are not
read.
"""

from __future__ import annotations

import io
import zipfile

from ..types import Extracted

MAX_UNCOMPRESSED = 200 * 2**20  # bytes, all members together
MAX_RATIO = 100  # uncompressed / compressed, over the whole archive
PARA_SEP = "\n\n"


def is_docx(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "word/document.xml" in z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def check_zip(data: bytes) -> None:
    """Raises ValueError for a corrupt zip, one that is not a Word file, or a zip bomb."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise ValueError(f"corrupt or truncated .docx (not a readable zip: {e}); not indexed") from None
    with z:
        infos = z.infolist()
        if "word/document.xml" not in {i.filename for i in infos}:
            raise ValueError("not a Word .docx file (the zip has no word/document.xml); not indexed")
        total = sum(i.file_size for i in infos)
        packed = max(1, sum(i.compress_size for i in infos))
    if total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
        raise ValueError(
            f"refused as a possible zip bomb ({total / 2**20:,.0f} MB uncompressed from {packed / 2**20:,.1f} MB, "
            f"ratio {total / packed:,.0f}; limits {MAX_UNCOMPRESSED // 2**20} MB, ratio {MAX_RATIO})"
        )


class DocxReader:
    kind = "docx"

    def read(self, name: str, data: bytes) -> Extracted:
        check_zip(data)
        import docx

        try:
            d = docx.Document(io.BytesIO(data))
            paras = [p.text for p in d.paragraphs]
            props = d.core_properties
            meta_raw = {"title": props.title, "author": props.author, "date": props.created}
        except Exception as e:  # malformed XML inside a valid zip
            raise ValueError(f"corrupt .docx ({type(e).__name__}: {e}); not indexed") from None
        text = PARA_SEP.join(p for p in paras if p.strip())
        if not text.strip():
            raise ValueError("the Word file has no text in its body paragraphs; not indexed")
        meta = {}
        for key in ("title", "author"):
            value = " ".join((meta_raw[key] or "").split())
            if value:
                meta[key] = value
        if meta_raw["date"] is not None:
            meta["date"] = meta_raw["date"].date().isoformat()
        return Extracted(text=text, kind=self.kind, meta=meta)
