"""The keyword index's life next to the manifest: which folder, build after a manifest, load at start.

The folder is named after what it indexes, ``keyword-<hash>`` of the analyzer
and the manifest's live chunk ids in order, so a folder can never be read for
another build.  ``indexing.build.build_index`` calls ``save_keyword_index`` right after
it writes the manifest (under the index lock); ``load_keyword_index`` opens the
matching folder, memory-mapped, or, when it is missing (a crash between the
two writes, an index built before keyword folders existed, another stemmer
setting), builds the index from the chunks and saves it for the next start.
Folders are written under a temporary name and renamed, so a reader never sees
a half-written one; older folders are swept after each build.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from ..config import Settings
from ..ports import KeywordIndex
from ..types import Chunk, content_hash
from .layout import KEYWORD_PREFIX, layout

KeywordFactory = Callable[[str], KeywordIndex]  # stemmer name -> an empty keyword index (``wiring.make_keyword_index``)


def keyword_dir(index_dir: Path, ids: Sequence[str], stemmer: str) -> Path:
    key = content_hash(json.dumps(["bm25s-2", stemmer, list(ids)]), n=16)
    return layout(index_dir).keyword(key)


def _manifest_chunks(manifest: dict) -> tuple[list[str], list[str]]:
    """(ids, texts) of the manifest's chunks, in the order ``indexing.build.load_snapshot`` lists them."""
    ids, texts = [], []
    for d in manifest["documents"].values():
        for cid, a, b in d["chunks"]:
            ids.append(cid)
            texts.append(d["text"][a:b])
    return ids, texts


def _write(index: KeywordIndex, dest: Path) -> None:
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    index.save(tmp)
    try:
        tmp.rename(dest)
    except OSError:  # another process wrote the same folder first: same content
        shutil.rmtree(tmp, ignore_errors=True)


def _previous(settings: Settings, dest: Path, make_index: KeywordFactory) -> KeywordIndex:
    """The newest earlier build's index, so an update re-analyzes only new chunks; an empty one if none loads."""
    make = make_index(settings.keyword_stemmer)
    folders = sorted(
        (p for p in Path(settings.index_dir).glob(f"{KEYWORD_PREFIX}*") if p != dest), key=lambda p: p.stat().st_mtime
    )
    for folder in reversed(folders):
        with contextlib.suppress(OSError, ValueError, KeyError):
            index = type(make).load(folder)
            if index.stemmer_name == make.stemmer_name:  # another analyzer's terms cannot be reused
                return index
    return make


def save_keyword_index(settings: Settings, manifest: dict, make_index: KeywordFactory) -> Path:
    """Build the keyword index of a just-written manifest, and drop the folders of older builds."""
    ids, texts = _manifest_chunks(manifest)
    dest = keyword_dir(settings.index_dir, ids, settings.keyword_stemmer)
    if not dest.exists():
        _write(_previous(settings, dest, make_index).update(ids, texts), dest)
    for old in layout(settings.index_dir).keyword_folders():  # older builds, crashed writes
        if old != dest:  # a reader that has it open keeps its memory map (POSIX)
            shutil.rmtree(old, ignore_errors=True)
    return dest


def load_keyword_index(settings: Settings, chunks: Sequence[Chunk], make_index: KeywordFactory) -> KeywordIndex:
    """The saved keyword index of these chunks; built (and saved) when none matches."""
    ids = [c.id for c in chunks]
    path = keyword_dir(settings.index_dir, ids, settings.keyword_stemmer)
    make, frozen = make_index(settings.keyword_stemmer), layout(settings.index_dir).frozen
    if path.exists():
        with contextlib.suppress(OSError, ValueError, KeyError):
            index = type(make).load(path)
            if index.ids == ids:
                return index
        if not frozen:
            shutil.rmtree(path, ignore_errors=True)  # unreadable or not ours: replace it
    index = make.fit(ids, [c.text for c in chunks])
    with contextlib.suppress(OSError):
        if not frozen:  # a published snapshot is never written: a replica keeps this one in memory
            _write(index, path)
    return index
