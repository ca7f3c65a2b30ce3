"""Does uploading a 20-page scan stall other people's questions?  Warm ``ask()`` latency idle and during its OCR.

The default corpus is indexed into a temporary folder with the real embedder and
Tesseract; the default questions are timed once idle, then again, in a loop,
while another thread uploads a 20-page image-only scan (the five articles
printed, scanned at 150 dpi) through ``Assistant.add_documents``, as the UI's
upload does (OCR, embedding and the index switch all happen in that call).
Prints p50/p95/max for both phases, how many questions ran meanwhile, and the
upload's pages/s.  Usage:

    .venv/bin/python evals/bench_ocr_stall.py [--pages 20]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from docgen import make_pdf  # noqa: E402
from scans import image_pdf, page_images  # noqa: E402

from assistant.api import Assistant  # noqa: E402
from assistant.config import Settings  # noqa: E402
from evals.cases import DEFAULT_CASES  # noqa: E402
from evals.metrics import percentile  # noqa: E402
from evals.scale.children import timed_asks  # noqa: E402


def scan_of(pages: int) -> bytes:
    """An image-only PDF of ``pages`` pages: the default articles printed one after another, scanned at 150 dpi."""
    text = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt")))
    images = page_images(make_pdf(text), 150)
    while len(images) < pages:
        images += images
    return image_pdf(images[:pages], 150)


def figures(ms: list[float]) -> str:
    return f"p50 {percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms, max {max(ms):.0f} ms ({len(ms)} questions)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=20)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ocr-stall-"))
    shutil.copytree(ROOT / "corpus", tmp / "corpus")
    a = Assistant(Settings(corpus_dir=tmp / "corpus", index_dir=tmp / "index"))
    a.ensure_index(progress=False)
    questions = [json.loads(line)["question"] for line in DEFAULT_CASES.read_text(encoding="utf-8").splitlines() if line][:30]
    a.ask(questions[0])
    idle = timed_asks(a, questions)
    scan = scan_of(args.pages)
    done: dict = {}

    def upload() -> None:
        t0 = time.perf_counter()
        done["report"] = a.add_documents([("scan.pdf", scan)], max_bytes=len(scan) + 1)
        done["seconds"] = time.perf_counter() - t0

    worker = threading.Thread(target=upload)
    worker.start()
    during: list[float] = []
    while worker.is_alive():
        during += timed_asks(a, questions[: 5 if worker.is_alive() else 0])
    worker.join()
    report, refused = done["report"]
    print(f"upload: {args.pages}-page scan ({len(scan) / 1e6:.1f} MB) in {done['seconds']:.1f} s "
          f"= {args.pages / done['seconds']:.2f} pages/s, OCR + embedding + index switch; refused {refused}")  # fmt: skip
    print(f"ask() idle:             {figures(idle)}")
    print(f"ask() during upload:    {figures(during)}")
    print(f"scan indexed: {'scan.pdf' in a.docs}; {report.summary().splitlines()[0] if report else ''}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
