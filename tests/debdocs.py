"""Real documentation as Debian ships it, fetched once into the git-ignored ``tests/cache/``.

``apt-get download`` then ``dpkg-deb -x`` (nothing is installed); a test skips when
the package cannot be fetched, and fails under CI.  Never used here, whatever
the test: ``r-doc-*``, ``debian-reference-*``, ``python3*-doc``, ``sqlite3-doc``
and ``zsh-doc`` are kept for evaluation.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
from pathlib import Path

import pytest

CACHE = Path(__file__).resolve().parent / "cache"
RESERVED = ("r-doc-", "debian-reference-", "python3", "sqlite3-doc", "zsh-doc")


def _skip_or_fail(why: str):
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


def debian_file(package: str, path: str) -> Path:
    """``path`` inside Debian's ``package``, unpacked into tests/cache/<package>/; a ``path`` Debian ships
    gzipped (``policy.pdf.gz``) is asked for without ``.gz`` and decompressed beside it."""
    assert not package.startswith(RESERVED), f"{package} is kept for evaluation"
    target = CACHE / package / path
    if not target.exists() and _unpacked(package, f"{path}.gz").exists():
        target.write_bytes(gzip.decompress(_unpacked(package, f"{path}.gz").read_bytes()))
    return target if target.exists() else _unpacked(package, path)


def _unpacked(package: str, path: str) -> Path:
    target = CACHE / package / path
    if target.exists():
        return target
    debs = CACHE / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    try:
        if not list(debs.glob(f"{package}_*.deb")):
            subprocess.run(["apt-get", "download", package], cwd=debs, check=True, capture_output=True, timeout=600)
        deb = next(debs.glob(f"{package}_*.deb"))
        subprocess.run(["dpkg-deb", "-x", str(deb), str(CACHE / package)], check=True, capture_output=True, timeout=300)
    except (OSError, subprocess.SubprocessError, StopIteration) as e:
        _skip_or_fail(f"could not fetch Debian's {package} (apt-get download): {e}")
    if not target.exists() and not path.endswith(".gz"):
        _skip_or_fail(f"{package} no longer ships {path}")
    return target


def pdftotext(path: Path, page: int) -> str:
    """Poppler's own reading of one page (``-layout``), an extraction independent of PDFium."""
    if shutil.which("pdftotext") is None:
        _skip_or_fail("pdftotext not installed (`make poppler`, Debian's poppler-utils)")
    args = ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


def pdfium_pages(data: bytes) -> list[str]:
    """Each page's own PDFium text, control characters shown as the canonical text shows them (U+FFFE kept)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    return [
        "".join(c if c.isprintable() or c in "\r\n\ufffe" else " " for c in pdf[i].get_textpage().get_text_range())
        for i in range(len(pdf))
    ]


def on_pages(doc, start: int, end: int, pages: list[str]) -> list[tuple[int, str]]:
    """(page number, the page's own characters that the canonical span covers), for every page it covers."""
    out = []
    for p in doc.pages:
        got = "".join(pages[p.number - 1][i:j] for i, j in p.indexes(start, end))
        if got:
            out.append((p.number, got))
    return out
