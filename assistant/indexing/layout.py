"""The one module that knows the layout of the index folder.

``index/`` holds the manifest (the source of truth: documents, chunk offsets,
what built it), the ``BUILDING`` marker of a build in progress, the writers'
lock, the owner id that tags this folder's collections on a shared Chroma
server, the embedded Chroma store, one keyword-index folder per build, the
scorer's null-calibration cache and the OCR cache.  Everything else asks this module for a path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

KEYWORD_PREFIX = "keyword-"
MANIFEST = "manifest.json"
BUILDING = "BUILDING"


@dataclass(frozen=True)
class IndexLayout:
    root: Path

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST

    @property
    def building(self) -> Path:
        return self.root / BUILDING

    @property
    def lock(self) -> Path:
        return self.root / ".lock"

    @property
    def owner(self) -> Path:
        return self.root / "index-id"

    @property
    def chroma(self) -> Path:
        return self.root / "chroma"

    def keyword(self, key: str) -> Path:
        return self.root / f"{KEYWORD_PREFIX}{key}"

    def keyword_folders(self) -> list[Path]:
        """Every keyword-index folder, and the temporary ones a crashed write left."""
        return [*self.root.glob(f"{KEYWORD_PREFIX}*"), *self.root.glob(f".{KEYWORD_PREFIX}*.tmp")]

    @property
    def ocr(self) -> Path:
        """Tesseract's TSV of every page read by OCR, by file hash (``readers/ocr.py``)."""
        return self.root / "ocr"

    def null_cache(self, key: str) -> Path:
        return self.root / f"scorer-null-{key}.json"


def layout(index_dir: Path | str) -> IndexLayout:
    return IndexLayout(Path(index_dir))
