"""The index folder and everything in it: the layout, builds, the keyword index, the abstention calibration.

``layout`` is the only module that knows the folder's file names; ``build``
brings the index in line with a corpus and loads it as a ``Snapshot``; ``entries`` is what each
file was read as in the manifest;
``keywords`` keeps the keyword index beside the manifest; ``calibration`` the
per-index abstention threshold; ``snapshots`` publishes each build, immutable,
for read-only replicas, and collects the ones no replica reads.
"""

from .build import (
    BUILDING,
    MANIFEST,
    BuildReport,
    Snapshot,
    build_index,
    cached_extractions,
    is_stale,
    load_snapshot,
    manifest_stamp,
    read_manifest,
    verify_store,
)
from .layout import IndexLayout, layout

__all__ = [
    "BUILDING",
    "MANIFEST",
    "BuildReport",
    "IndexLayout",
    "Snapshot",
    "build_index",
    "cached_extractions",
    "is_stale",
    "layout",
    "load_snapshot",
    "manifest_stamp",
    "read_manifest",
    "verify_store",
]
