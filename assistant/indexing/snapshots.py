"""Publish every build as an immutable snapshot for read-only replicas; collect the ones nobody reads.

One writer, many readers.  The indexer (``assistant index``, or a ``serve``
that updates its own index) ends each build by ``publish``: every build file
(``layout.BUILD``: the manifest, the keyword index, whatever a build adds) is
hard-linked into ``snapshots/<build-id>/``, then ``CURRENT`` is switched to it
with ``os.replace``.  A replica (``assistant serve --replica``) reads only
``CURRENT`` and the snapshot it names, never writes there, and every few
seconds rewrites ``leases/<replica-id>`` naming the snapshots it still reads.
The indexer keeps the newest ``snapshots_kept`` snapshots and every one a fresh
lease names, with their Chroma collections and the vectors they list; the rest
are removed, and the build drops their vectors (``Retained`` says what stays).

Trade-offs: hard links cost no copy because a build never rewrites a file in
place (it writes a new one and renames it); a filesystem without links gets
copies.  Leases are files judged by their modification time, so they need no
server and work on a shared folder, but clocks across machines must agree to
well within ``lease_ttl``; a replica that stops renewing (killed, frozen) loses
its hold after ``lease_ttl`` and, when it comes back, loads ``CURRENT`` again.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..errors import IndexMissingError
from ..types import content_hash
from .layout import IndexLayout, layout


@dataclass(frozen=True)
class Retained:
    """What older snapshots that are kept still need in the vector store."""

    collections: frozenset[str] = frozenset()
    chunk_ids: frozenset[str] = frozenset()


def build_id(manifest: dict) -> str:
    """Sortable by publication time: ``<ms since epoch>-<hash of the collection and build time>``."""
    built = float(manifest.get("built_at", time.time()))
    return f"{int(built * 1000):013d}-{content_hash(manifest['collection'], repr(built), n=8)}"


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def publish(settings: Settings, manifest: dict) -> Retained:
    """Snapshot the build just written in ``settings.index_dir``, point ``CURRENT`` at it, collect old ones."""
    where = layout(settings.index_dir)
    bid = build_id(manifest)
    dest = where.snapshot(bid)
    if not dest.exists():
        tmp = where.snapshots / f".{bid}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for path in where.build_files():
            if path.is_dir():
                shutil.copytree(path, tmp / path.name, copy_function=_link_or_copy)
            else:
                _link_or_copy(str(path), str(tmp / path.name))
        os.rename(tmp, dest)  # a snapshot appears whole or not at all
    _write_text(where.current, bid + "\n")
    kept = collect(where, settings.snapshots_kept, settings.lease_ttl)
    return retained(where, kept - {bid})


def current_id(index_dir: Path) -> str:
    """The build id ``CURRENT`` names; '' when nothing was published."""
    try:
        return layout(index_dir).current.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def published(where: IndexLayout) -> list[str]:
    """Ids of every published snapshot, oldest first."""
    if not where.snapshots.is_dir():
        return []
    return sorted(p.name for p in where.snapshots.iterdir() if p.is_dir() and not p.name.startswith("."))


def serving_dir(settings: Settings) -> Path:
    """The folder the index is read from: a replica's is the current snapshot, anything else's the index folder."""
    return layout(settings.index_dir).snapshot(current_id(settings.index_dir)) if settings.replica else settings.index_dir


def reading(settings: Settings) -> Settings:
    """The settings to load the index with: a replica's name the current snapshot folder, anything else's are unchanged."""
    if not settings.replica:
        return settings
    if not current_id(settings.index_dir):
        raise IndexMissingError(
            f"No published index at {settings.index_dir} (no {layout(settings.index_dir).current.name}): "
            "run the indexer, `assistant index`, against this folder first."
        )
    return settings.model_copy(update={"index_dir": serving_dir(settings)})


def fresh_leases(where: IndexLayout, ttl: float) -> dict[str, dict]:
    """Each live replica's lease ({"serving", "holds", ...}); a lease not renewed within ``ttl`` seconds is dead."""
    out = {}
    if not where.leases.is_dir():
        return out
    now = time.time()
    for path in where.leases.iterdir():
        with contextlib.suppress(OSError, ValueError):
            if path.name.startswith(".") or now - path.stat().st_mtime > ttl:
                continue
            out[path.name] = json.loads(path.read_text(encoding="utf-8"))
    return out


DEAD_LEASE_TTLS = 10  # a lease not renewed for this many ``lease_ttl``s belongs to a replica that is gone


def sweep_leases(where: IndexLayout, ttl: float) -> list[str]:
    """Delete the lease files of replicas gone for ``DEAD_LEASE_TTLS`` x ``ttl`` (they hold nothing since ``ttl``;
    one that comes back writes its lease again); the replica ids removed."""
    if not where.leases.is_dir():
        return []
    gone, now = [], time.time()
    for path in where.leases.iterdir():
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime > DEAD_LEASE_TTLS * ttl:
                path.unlink()
                gone.append(path.name)
    return sorted(gone)


def collect(where: IndexLayout, keep_newest: int, ttl: float) -> set[str]:
    """Remove snapshots that are neither current, among the newest ``keep_newest`` nor leased, and the leases of
    replicas long gone; the ids kept."""
    sweep_leases(where, ttl)
    ids = published(where)
    held = {h for lease in fresh_leases(where, ttl).values() for h in lease.get("holds", [])}
    kept = set(ids[-max(1, keep_newest) :]) | {current_id(where.root)} | (held & set(ids))
    for bid in ids:
        if bid not in kept:
            shutil.rmtree(where.snapshot(bid), ignore_errors=True)
    if where.snapshots.is_dir():  # a publication a crash interrupted
        for tmp in where.snapshots.glob(".*.tmp"):
            shutil.rmtree(tmp, ignore_errors=True)
    return kept - {""}


def retained(where: IndexLayout, ids: set[str]) -> Retained:
    """The collections and chunk ids the snapshots ``ids`` point to (a manifest that cannot be read holds nothing)."""
    collections, chunk_ids = set(), set()
    for bid in ids:
        with contextlib.suppress(OSError, ValueError, KeyError):
            manifest = json.loads(layout(where.snapshot(bid)).manifest.read_text(encoding="utf-8"))
            collections.add(manifest["collection"])
            chunk_ids.update(cid for d in manifest["documents"].values() for cid, _, _ in d["chunks"])
    return Retained(frozenset(collections), frozenset(chunk_ids))


# -- the replica's side ----------------------------------------------------------------------


def replica_id(port: int, given: str = "") -> str:
    """A file-name-safe replica id: the one given, else ``<host>-<port>`` (a restarted replica takes its lease back)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", given or f"{socket.gethostname()}-{port}")[:120]


def serving_id(index_dir: Path, stamp: tuple) -> str:
    """The snapshot whose manifest has ``stamp`` (``Engine.stamp``); '' when none does."""
    where = layout(index_dir)
    for bid in reversed(published(where)):
        with contextlib.suppress(OSError):
            st = layout(where.snapshot(bid)).manifest.stat()
            if (st.st_ino, st.st_size, st.st_mtime_ns) == stamp:
                return bid
    return ""


def write_lease(index_dir: Path, rid: str, serving: str, holds: set[str]) -> None:
    where = layout(index_dir)
    where.leases.mkdir(exist_ok=True)
    lease = {"serving": serving, "holds": sorted(holds), "pid": os.getpid(), "host": socket.gethostname(), "at": time.time()}
    _write_text(where.lease(rid), json.dumps(lease))


def drop_lease(index_dir: Path, rid: str) -> None:
    layout(index_dir).lease(rid).unlink(missing_ok=True)
