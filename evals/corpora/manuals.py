"""Manuals: real documentation as Debian ships it, as PDF (with pages) and HTML files, with hand-written questions.

Two PDF manuals and four HTML chapters, copied into the corpus folder as they
are (the project reads them with its own PDF and HTML readers, so this genre
tests the layout reading too):

* ``camlidl-doc`` 1.04-5: the CamlIDL user's manual (26 pages, LaTeX), LGPL-2+;
* ``octave-doc`` 7.3.0-2: liboctave.pdf, "Octave C++ Classes" (57 pages, Texinfo,
  with the GPL in it), GPL-3+;
* ``debian-handbook`` 11.20220922: section 8.9 "Other Configurations" (HTML),
  GPL-2+ or CC-BY-SA-3.0;
* ``postgresql-doc-15`` 15.18-0+deb12u1: the tutorial's joins and transactions
  pages and the numeric types page (HTML), PostgreSQL licence.

The questions (``evals/cases/manuals.jsonl``) were written by reading the
extracted text, in other words than the documents'; each gold quote is checked
verbatim against the text the readers extract, so a changed package or reader
fails the build loudly.  Ten out-of-scope questions sit beside them.  The
holdout variant deletes the gold of about a fifth of the cases: a PDF or HTML
file that loses a passage is written as the .txt of its extracted text (a PDF
cannot be edited in place), the others stay as they are.

Trade-off: a small corpus (six files, about 0.2 M characters), so the genre
measures reading and citing real layouts more than search at scale.
"""

from __future__ import annotations

from pathlib import Path

from assistant.config import ROOT
from assistant.readers import read_file
from evals.scale import data as benchdata

from .common import CorpusDraft, DraftDoc
from .sotu import load_written

CASES = ROOT / "evals" / "cases" / "manuals.jsonl"
# (file name in the corpus, package, path inside the package, title, publisher, date)
DOCS = (
    (
        "camlidl-manual.pdf",
        "camlidl-doc",
        "usr/share/doc/camlidl/camlidl-1.04.doc.pdf",
        "Camlidl user's manual, version 1.04",
        "INRIA",
        "2002-05",
    ),
    ("liboctave.pdf", "octave-doc", "usr/share/doc/octave/liboctave.pdf", "Octave C++ Classes", "The Octave Project", "2022"),
    (
        "debian-handbook-config-misc.html",
        "debian-handbook",
        "usr/share/doc/debian-handbook/html/en-US/sect.config-misc.html",
        "The Debian Administrator's Handbook, 8.9. Other Configurations",
        "Debian",
        "2022-09",
    ),
    (
        "postgresql-tutorial-join.html",
        "postgresql-doc-15",
        "usr/share/doc/postgresql-doc-15/html/tutorial-join.html",
        "PostgreSQL 15 documentation, 2.6. Joins Between Tables",
        "The PostgreSQL Global Development Group",
        "2024",
    ),
    (
        "postgresql-tutorial-transactions.html",
        "postgresql-doc-15",
        "usr/share/doc/postgresql-doc-15/html/tutorial-transactions.html",
        "PostgreSQL 15 documentation, 3.4. Transactions",
        "The PostgreSQL Global Development Group",
        "2024",
    ),
    (
        "postgresql-datatype-numeric.html",
        "postgresql-doc-15",
        "usr/share/doc/postgresql-doc-15/html/datatype-numeric.html",
        "PostgreSQL 15 documentation, 8.1. Numeric Types",
        "The PostgreSQL Global Development Group",
        "2024",
    ),
)
RESERVED = ("r-doc-", "debian-reference-", "python3", "sqlite3-doc", "zsh-doc")  # kept for evaluation: never used
LICENCE = (
    "camlidl-doc 1.04-5 (LGPL-2+, © 2002 INRIA); octave-doc 7.3.0-2 liboctave.pdf (GPL-3+, © the Octave Project "
    "Developers); debian-handbook 11.20220922 (GPL-2+ or CC-BY-SA-3.0, © Raphaël Hertzog, Roland Mas); "
    "postgresql-doc-15 15.18-0+deb12u1 (PostgreSQL licence, © the PostgreSQL Global Development Group)"
)


def package_docs(cache: Path, files=DOCS) -> list[DraftDoc]:
    """The files (rows like ``DOCS``), each with the text the project's readers extract from it (what gold
    quotes refer to)."""
    docs = []
    for source, pkg, rel, title, publisher, date in files:
        assert not pkg.startswith(RESERVED), pkg
        path = benchdata._fetch_deb(Path(cache).resolve(), pkg, progress=True) / rel
        if not path.is_file():
            raise FileNotFoundError(f"{rel} is not in package {pkg}")
        data = path.read_bytes()
        text = read_file(source, data).text
        docs.append(DraftDoc(source, text, title=title, date=date, publisher=publisher, data=data))
    return docs


def build_manuals(cache: Path) -> CorpusDraft:
    docs = package_docs(cache)
    cases = load_written(CASES, docs)
    return CorpusDraft("manuals", tuple(docs), tuple(cases), LICENCE)
