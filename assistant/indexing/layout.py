"""The one module that knows the layout of the index folder.

``index/`` holds the build files of the latest build (the manifest, the source
of truth: documents, chunk offsets, what built it; one keyword-index folder and
one sentence-vector folder per build), the ``BUILDING`` marker of a build in progress, the writers' lock, the
owner id that tags this folder's collections on a shared Chroma server, the
embedded Chroma store, the scorer's null-calibration cache and the OCR cache.

Every build is also published for read-only replicas: ``snapshots/<build-id>/``
holds a hard-linked copy of every *build file* (the members named in ``BUILD``),
so a snapshot folder is itself an index folder, laid out the same way, that
nobody writes into (``frozen``); ``CURRENT`` names the newest, and
``leases/<replica-id>`` say which snapshots a replica still reads.  A new kind
of build file only needs its name in ``BUILD`` to travel with every snapshot
(``tests/test_snapshots.py`` refuses a member that is in neither list).
Everything else asks this module for a path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

KEYWORD_PREFIX = "keyword-"
SENTENCES_PREFIX = "sentences-"
MANIFEST = "manifest.json"
BUILDING = "BUILDING"
SNAPSHOTS = "snapshots"
CURRENT = "CURRENT"
LEASES = "leases"

# the members of ``IndexLayout`` naming what one build writes: a published snapshot holds each of them
BUILD = ("manifest", "keyword", "sentences")
# and those naming everything else (the process, the store, caches, the publication itself)
INFRA = ("building", "lock", "owner", "chroma", "null_cache", "ocr", "snapshots", "current", "leases", "snapshot", "lease")


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

    @property
    def ocr(self) -> Path:
        """Tesseract's TSV of every page read by OCR, by file hash (``readers/ocr.py``)."""
        return self.root / "ocr"

    def null_cache(self, key: str) -> Path:
        return self.root / f"scorer-null-{key}.json"

    # -- publication: immutable snapshots for read-only replicas ------------------------------
    @property
    def snapshots(self) -> Path:
        return self.root / SNAPSHOTS

    @property
    def current(self) -> Path:
        return self.root / CURRENT

    @property
    def leases(self) -> Path:
        return self.root / LEASES

    def snapshot(self, build_id: str) -> Path:
        return self.snapshots / build_id

    def lease(self, replica_id: str) -> Path:
        return self.leases / replica_id

    @property
    def frozen(self) -> bool:
        """True for a published snapshot folder: it is read, never written (caches stay in memory)."""
        return self.root.parent.name == SNAPSHOTS

    def build_files(self) -> list[Path]:
        """Every build file present here (what ``BUILD`` names; a key-named member matches any key)."""
        out: list[Path] = []
        for name in BUILD:
            member = getattr(self, name)
            pattern = member("*") if callable(member) else member
            out += sorted(self.root.glob(pattern.name))
        return out


def layout(index_dir: Path | str) -> IndexLayout:
    return IndexLayout(Path(index_dir))
