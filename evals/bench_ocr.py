"""OCR throughput and character accuracy on scans made from the five default articles.

Each article is printed to PDF (``tests/docgen.py``), scanned into an image-only
PDF (``tests/scans.py``) under several conditions, and read by the project's
PDF reader with real Tesseract (no cache), pages in parallel as indexing does.
Accuracy is against the text-layer reading of the same PDFs: difflib's ratio of
the two texts with spacing normalised (1.0 = identical; roughly 1 - the share of
characters inserted, dropped or changed), and the share of words read exactly.
The commonest word errors are listed.  Usage:

    .venv/bin/python evals/bench_ocr.py [--workers 0] [--conditions clean300,scan150,skew150,skew150@150]
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from docgen import make_pdf  # noqa: E402
from scans import image_pdf, page_images  # noqa: E402

from assistant.config import Settings  # noqa: E402
from assistant.readers import OcrOptions, read_file  # noqa: E402
from assistant.wiring import make_ocr  # noqa: E402

# name: (scan dpi, turn in degrees, blur radius, dpi the reader renders the page at for OCR)
CONDITIONS = {
    "clean300": (300, 0.0, 0.0, 300),
    "scan150": (150, 0.0, 0.0, 300),
    "skew150": (150, 1.5, 0.7, 300),
    "skew150@150": (150, 1.5, 0.7, 150),
}


def flat(text: str) -> str:
    return " ".join(text.split())


def word_errors(truth: str, read: str) -> Counter:
    """(true word, word read) for each word OCR changed, by difflib's alignment of the two word lists."""
    a, b = truth.split(), read.split()
    out: Counter = Counter()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "replace":
            out.update(zip(a[i1:i2], b[j1:j2], strict=False))
        elif op == "delete":
            out.update((w, "") for w in a[i1:i2])
        elif op == "insert":
            out.update(("", w) for w in b[j1:j2])
    return out


def run(condition: str, articles: list[tuple[str, str]], workers: int) -> dict:
    dpi, angle, blur, render_dpi = CONDITIONS[condition]
    engine = make_ocr(Settings())
    opts = OcrOptions(engine, None, render_dpi, workers)
    pages = seconds = 0.0
    chars = ratio_sum = words = exact = 0
    errors: Counter = Counter()
    for name, text in articles:
        pdf = make_pdf(text)
        truth = flat(read_file(name + ".pdf", pdf).text)
        scan = image_pdf(page_images(pdf, dpi, angle, blur), dpi)
        t0 = time.perf_counter()
        ex = read_file(name + "-scan.pdf", scan, opts)
        seconds += time.perf_counter() - t0
        pages += len(ex.pages)
        read = flat(ex.text)
        ratio_sum += difflib.SequenceMatcher(None, truth, read, autojunk=False).ratio() * len(truth)
        chars += len(truth)
        errs = word_errors(truth, read)
        words += len(truth.split())
        exact += len(truth.split()) - sum(n for (t, _), n in errs.items() if t)
        errors.update(errs)
    return {
        "condition": condition,
        "scan_dpi": dpi,
        "turn_deg": angle,
        "blur": blur,
        "ocr_dpi": render_dpi,
        "pages": int(pages),
        "seconds": round(seconds, 1),
        "pages_per_s": round(pages / seconds, 2),
        "char_accuracy": round(ratio_sum / chars, 4),
        "word_accuracy": round(exact / words, 4),
        "top_errors": [f"{t!r} -> {r!r} x{n}" for (t, r), n in errors.most_common(8)],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=0, help="pages read at once (0: one per CPU)")
    ap.add_argument("--conditions", default=",".join(CONDITIONS))
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    articles = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "corpus").glob("*.txt"))]
    print(f"{len(articles)} articles, {os.cpu_count()} CPUs, workers {args.workers or os.cpu_count()}", flush=True)
    results = []
    for condition in args.conditions.split(","):
        r = run(condition, articles, args.workers)
        results.append(r)
        print(
            f"{condition:12} scan {r['scan_dpi']} dpi, turn {r['turn_deg']}°, blur {r['blur']}, OCR at {r['ocr_dpi']} dpi: "
            f"{r['pages']} pages in {r['seconds']} s = {r['pages_per_s']} pages/s; "
            f"char accuracy {r['char_accuracy']:.4f}, words read exactly {r['word_accuracy']:.4f}",
            flush=True,
        )
        for e in r["top_errors"]:
            print(f"    {e}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
