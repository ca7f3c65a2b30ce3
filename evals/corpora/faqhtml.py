"""FAQ pages as Debian ships them, in HTML with their headings, and questions in a newcomer's words.

The dev FAQ corpora (debian-faq, gitfaq) are plain text with the question
headings taken out, so a question never meets its own heading.  Real FAQ pages
keep them: the heading matches the question best and answers nothing, and the
answer is the text under it.  This genre measures that case, with three pages
read by the project's own HTML reader (its headings become layout blocks):

* ``ffmpeg-doc`` 7:5.1.9-0+deb12u1: manual/faq.html, the FFmpeg FAQ, LGPL-2.1+;
* ``fetchmail`` 6.4.37-1: fetchmail-FAQ.html, GPL-2+ (with an OpenSSL exception);
* ``nano`` 7.2-1+deb12u1: faq.html, the GNU nano FAQ, GPL-3+.

The questions (``evals/cases/faqhtml.jsonl``) were written by reading the
extracted text, in other words than the headings'; each gold quote is answer
text (never a heading), checked verbatim against what the reader extracts, so a
changed package or reader fails the build loudly.  Eight out-of-scope questions
sit beside them; the holdout variant deletes the gold of about a fifth.
No page is in any scorer or reader training data, so this genre is always left out.
"""

from __future__ import annotations

from pathlib import Path

from assistant.config import ROOT

from .common import CorpusDraft
from .manuals import RESERVED, package_docs
from .sotu import load_written

CASES = ROOT / "evals" / "cases" / "faqhtml.jsonl"
# (file name in the corpus, package, path inside the package, title, publisher, date)
DOCS = (
    ("ffmpeg-faq.html", "ffmpeg-doc", "usr/share/doc/ffmpeg/manual/faq.html", "FFmpeg FAQ", "FFmpeg", "2022"),
    ("fetchmail-faq.html", "fetchmail", "usr/share/doc/fetchmail/fetchmail-FAQ.html", "The Fetchmail FAQ", "fetchmail", "2023"),
    ("nano-faq.html", "nano", "usr/share/doc/nano/faq.html", "The GNU nano editor FAQ", "GNU nano", "2023"),
)
LICENCE = (
    "ffmpeg-doc 7:5.1.9-0+deb12u1 manual/faq.html (LGPL-2.1+, © the FFmpeg developers); fetchmail 6.4.37-1 "
    "fetchmail-FAQ.html (GPL-2+ with OpenSSL exception, © Eric S. Raymond, Matthias Andree and others); "
    "nano 7.2-1+deb12u1 faq.html (GPL-3+, © the Free Software Foundation and others)"
)
assert not any(pkg.startswith(RESERVED) for _, pkg, *_ in DOCS)


def build_faqhtml(cache: Path) -> CorpusDraft:
    docs = package_docs(cache, DOCS)
    return CorpusDraft("faq-html", tuple(docs), tuple(load_written(CASES, docs)), LICENCE)
