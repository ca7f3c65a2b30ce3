"""The one module that knows the layout of the index folder.

``index/`` holds the manifest (the source of truth: documents, chunk offsets,
what built it), the ``BUILDING`` marker of a build in progress, the writers'
lock, the owner id that tags this folder's collections on a shared Chroma
server, the embedded Chroma store, one keyword-index folder and one sentence-vector folder per build, and the
scorer's null-calibration cache.  Everything else asks this module for a path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

KEYWORD_PREFIX = "keyword-"
SENTENCES_PREFIX = "sentences-"
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

    def sentences(self, key: str) -> Path:
        return self.root / f"{SENTENCES_PREFIX}{key}"

    def sentence_folders(self) -> list[Path]:
        """Every sentence-vector folder, and the temporary ones a crashed write left."""
        return [*self.root.glob(f"{SENTENCES_PREFIX}*"), *self.root.glob(f".{SENTENCES_PREFIX}*.tmp")]

    def null_cache(self, key: str) -> Path:
        return self.root / f"scorer-null-{key}.json"


def layout(index_dir: Path | str) -> IndexLayout:
    return IndexLayout(Path(index_dir))
