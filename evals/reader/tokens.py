"""Token-vector tables: every sentence, title and question of a collection encoded once and kept on disk.

One forward pass per text (``Embedder.embed_with_tokens``) gives the sentence
vector and the contextual token vectors; token vectors are stored as float16
(half the disk and memory, cosines change by < 1e-3) in one concatenated
array with offsets, as ``assistant.reader.features.Units`` reads them.

A table is cached as ``<cache>/<name>.npz`` with a sha256 of each part's texts
(sentences, titles, questions), so only a changed part re-encodes and an
unchanged table loads in a second.  The
holdout variant of a dev corpus shares most texts with the main corpus; it is
encoded apart (a few minutes at most), which keeps the cache simple.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.reader.features import Units

from .sources import Collection


@dataclass(frozen=True)
class Encoded:
    vectors: np.ndarray  # (n, dim) float32 sentence vectors
    units: Units  # token vectors (float16)
    tokens: tuple[tuple[str, ...], ...]  # word pieces of each text


@dataclass(frozen=True)
class Table:
    sentences: Encoded  # all sentences of all docs, in order
    starts: np.ndarray  # first sentence row of each doc (+ total at the end)
    titles: Encoded  # unique "title: heading" strings
    title_of: np.ndarray  # per sentence row: its title row
    questions: Encoded


def title_text(title: str, heading: str) -> str:
    return f"{title}: {heading}" if heading and heading != title else title


def encode(embedder, texts: list[str], batch: int = 256, label: str = "") -> Encoded:
    vecs, toks, mats = [], [], []
    t0 = time.perf_counter()
    for i in range(0, len(texts), batch):
        v, tv = embedder.embed_with_tokens(texts[i : i + batch])
        vecs.append(np.asarray(v, dtype=np.float32))
        toks += [t.tokens for t in tv]
        mats += [np.asarray(t.vectors, dtype=np.float16) for t in tv]
        if (i // batch) % 10 == 9:
            print(
                f"{label}: encoded {i + batch:,}/{len(texts):,} in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True
            )
    dim = getattr(embedder, "dim", 384)
    units = Units.of(mats) if mats else Units(np.zeros((0, dim), np.float16), np.zeros(1, np.int64))
    units = Units(units.tokens.astype(np.float16), units.offsets)
    return Encoded(np.vstack(vecs) if vecs else np.zeros((0, dim), np.float32), units, tuple(toks))


def encode_reusing(embedder, texts: list[str], known: dict[str, tuple[Encoded, int]], label: str = "") -> Encoded:
    """``encode``, copying the encodings of texts already in ``known`` (text -> (encoded, row))."""
    todo = [t for t in dict.fromkeys(texts) if t not in known]
    fresh = encode(embedder, todo, label=label)
    have = dict(known) | {t: (fresh, i) for i, t in enumerate(todo)}
    vecs, mats, toks = [], [], []
    for t in texts:
        e, i = have[t]
        vecs.append(e.vectors[i])
        mats.append(e.units.tokens[e.units.offsets[i] : e.units.offsets[i + 1]])
        toks.append(e.tokens[i])
    dim = fresh.vectors.shape[1]
    lens = np.array([len(m) for m in mats], dtype=np.int64)
    tok = np.concatenate(mats).astype(np.float16) if mats else np.zeros((0, dim), np.float16)
    units = Units(tok, np.concatenate([[0], np.cumsum(lens)]))
    return Encoded(np.vstack(vecs) if vecs else np.zeros((0, dim), np.float32), units, tuple(toks))


def known_texts(tab: Table, texts: list[str]) -> dict[str, tuple[Encoded, int]]:
    """text -> (encoding, row) for the sentences of ``tab`` (``texts``: its sentences, in table order)."""
    return {t: (tab.sentences, i) for i, t in enumerate(texts)}


def _texts(coll: Collection) -> tuple[list[str], list[str], list[int], list[str], list[int]]:
    sents = [s for d in coll.docs for s in d.sentences]
    keys = [title_text(d.title, h) for d in coll.docs for h in d.headings]
    titles = list(dict.fromkeys(keys))
    pos = {t: i for i, t in enumerate(titles)}
    starts = np.cumsum([0] + [len(d.sentences) for d in coll.docs]).tolist()
    return sents, titles, [pos[k] for k in keys], [q.text for q in coll.queries], starts


def _save(path: Path, key: str, parts: dict[str, Encoded], extra: dict[str, np.ndarray]) -> None:
    arrays = {"key": np.array(key)}
    for name, e in parts.items():
        arrays[f"{name}_vec"] = e.vectors
        arrays[f"{name}_tok"] = e.units.tokens
        arrays[f"{name}_off"] = e.units.offsets
        arrays[f"{name}_pieces"] = np.array(json.dumps(e.tokens))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays, **extra)
    tmp.replace(path)


def _part(z, name: str) -> Encoded:
    pieces = tuple(tuple(t) for t in json.loads(str(z[f"{name}_pieces"])))
    return Encoded(z[f"{name}_vec"], Units(z[f"{name}_tok"], z[f"{name}_off"]), pieces)


def _key(texts: list[str], embedder) -> str:
    return hashlib.sha256(json.dumps([texts, getattr(embedder, "name", "")]).encode()).hexdigest()


def _cached_parts(path: Path, keys: dict[str, str], full: str) -> dict[str, Encoded]:
    """The parts of ``path`` whose texts are unchanged (per-part keys; an old file's one key covers all)."""
    if not path.is_file():
        return {}
    with np.load(path) as z:
        if "key" in z and str(z["key"]) == full:
            return {p: _part(z, p) for p in keys}
        return {p: _part(z, p) for p, k in keys.items() if f"key_{p}" in z and str(z[f"key_{p}"]) == k}


def table(coll: Collection, embedder, cache: Path, name: str, known: dict | None = None) -> Table:
    """The collection's table, from ``cache/<name>.npz`` for the parts whose texts are unchanged, else encoded and saved.

    ``known`` (text -> (encoding, row), e.g. the main corpus's sentences for its holdout
    variant) spares re-encoding texts another table already holds."""
    sents, titles, title_of, questions, starts = _texts(coll)
    full = hashlib.sha256(json.dumps([sents, titles, questions, getattr(embedder, "name", "")]).encode()).hexdigest()
    keys = {"s": _key(sents, embedder), "t": _key(titles, embedder), "q": _key(questions, embedder)}
    path = Path(cache) / f"{name}.npz"
    parts = _cached_parts(path, keys, full)
    extra = {"starts": np.array(starts, dtype=np.int64), "title_of": np.array(title_of, dtype=np.int64)}
    if len(parts) < 3:
        t0 = time.perf_counter()
        if "s" not in parts:
            parts["s"] = encode_reusing(embedder, sents, known or {}, label=name)
        for p, texts in (("t", titles), ("q", questions)):
            if p not in parts:
                parts[p] = encode(embedder, texts)
        print(f"{name}: encoded in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
        _save(path, full, parts, extra | {f"key_{p}": np.array(k) for p, k in keys.items()})
    return Table(parts["s"], extra["starts"], parts["t"], extra["title_of"], parts["q"])
