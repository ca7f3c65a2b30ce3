"""PDF ingest throughput beside .txt ingest of the same text, in one run.

The five default articles are written as PDFs (``tests/docgen.py``, reportlab),
``--copies`` times each, and ingested the way ``load_corpus`` + ``chunk_document``
+ the index's embedder do it; then the same articles as .txt.  Prints pages/s of
PDF parsing, parse time against embedding time, and the .txt figures side by
side.  ``--manual PATH`` (repeatable) also times the layout reading alone
(lines, paragraphs, furniture) of real PDFs, such as Debian's manuals that
``tests/test_layout_real.py`` fetches into tests/cache/, in pages/s.
Usage: ``python evals/bench_pdf.py [--copies 4] [--manual tests/cache/.../gnuplot.pdf]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from docgen import make_pdf  # noqa: E402

from assistant.chunking import chunk_document  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.corpus import make_document  # noqa: E402
from assistant.readers import read_file  # noqa: E402
from assistant.wiring import make_embedder  # noqa: E402


def ingest(files: list[tuple[str, bytes]], embedder, settings: Settings) -> dict:
    """Seconds spent parsing, chunking and embedding ``files``; pages and chunks counted."""
    t0 = time.perf_counter()
    extracted = [(name, read_file(name, data)) for name, data in files]
    t1 = time.perf_counter()
    chunks = [
        c
        for name, ex in extracted
        for c in chunk_document(make_document(name, ex.text, None, ex), settings.chunk_size, settings.chunk_overlap)
    ]
    t2 = time.perf_counter()
    embedder.embed([c.text for c in chunks])
    t3 = time.perf_counter()
    pages = sum(len(ex.pages) for _, ex in extracted)
    return {
        "files": len(files),
        "pages": pages,
        "chunks": len(chunks),
        "parse_s": t1 - t0,
        "chunk_s": t2 - t1,
        "embed_s": t3 - t2,
    }


def parse_manuals(paths: list[str]) -> list[dict]:
    """Pages/s of the layout reading of real PDFs (parsing only: no chunking, no embedding)."""
    out = []
    for path in paths:
        data = Path(path).read_bytes()
        t0 = time.perf_counter()
        ex = read_file(Path(path).name, data)
        s = time.perf_counter() - t0
        out.append({"file": Path(path).name, "pages": len(ex.pages), "parse_s": s, "pages_per_s": len(ex.pages) / s})
        print(f"{Path(path).name}: {len(ex.pages)} pages in {s:.2f} s, {len(ex.pages) / s:.0f} pages/s")
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=4, help="copies of each default article")
    ap.add_argument("--manual", action="append", default=[], help="a real PDF to time the layout reading of")
    args = ap.parse_args(argv)
    manuals = parse_manuals(args.manual)
    settings = Settings()
    embedder = make_embedder(settings)
    embedder.embed(["warm up"])
    texts = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "corpus").glob("*.txt"))]
    pdfs = [(f"{stem}-{k}.pdf", make_pdf(text, title=stem)) for k in range(args.copies) for stem, text in texts]
    txts = [(f"{stem}-{k}.txt", text.encode("utf-8")) for k in range(args.copies) for stem, text in texts]
    pdf, txt = ingest(pdfs, embedder, settings), ingest(txts, embedder, settings)
    rows = [
        ("files", pdf["files"], txt["files"]),
        ("pages", pdf["pages"], "-"),
        ("chunks", pdf["chunks"], txt["chunks"]),
        ("parse, s", f"{pdf['parse_s']:.3f}", f"{txt['parse_s']:.3f}"),
        ("parse, pages/s", f"{pdf['pages'] / pdf['parse_s']:.0f}", "-"),
        ("chunk, s", f"{pdf['chunk_s']:.3f}", f"{txt['chunk_s']:.3f}"),
        ("embed, s", f"{pdf['embed_s']:.2f}", f"{txt['embed_s']:.2f}"),
        ("parse / embed", f"{pdf['parse_s'] / pdf['embed_s']:.3f}", f"{txt['parse_s'] / txt['embed_s']:.4f}"),
        ("whole ingest, pages/s", f"{pdf['pages'] / (pdf['parse_s'] + pdf['chunk_s'] + pdf['embed_s']):.1f}", "-"),
    ]
    print(f"{'figure':<24}{'PDF':>12}{'.txt (same text)':>20}")
    for name, a, b in rows:
        print(f"{name:<24}{a!s:>12}{b!s:>20}")
    result = {"pdf": pdf, "txt": txt, "manuals": manuals}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
