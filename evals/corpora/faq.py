"""FAQ corpora: Debian's ``debian-faq`` and git's ``gitfaq`` (package ``git-doc``), questions removed.

Each FAQ entry becomes a case: the question keeps its original wording and is
*removed* from the corpus text; the answer's own paragraphs stay in the text
and are the gold quotes.  Without the headings a system cannot win by matching
the question against itself; it has to find the answer.

* ``debian-faq`` ships ``/usr/share/doc/debian/FAQ/debian-faq.en.txt.gz``, a
  plain-text rendering: front matter and table of contents, then ``Chapter N.
  Title`` lines (no-break spaces after the numbers), question headings ``N.M.<NBSP>Question`` at column 0 (which
  may wrap over several lines), and answers indented four spaces, hard-wrapped,
  paragraphs separated by blank lines.  One document per chapter.
* ``gitfaq`` ships ``/usr/share/doc/git-doc/gitfaq.txt``, AsciiDoc source:
  sections ``Title`` over a ``-----`` rule, entries ``[[anchor]]`` then
  ``Question?::`` then the answer, whose paragraphs are separated by ``+``
  lines; ``----`` fences code.  One document per section.

Paragraphs are reflowed to one line each (the project splits sentences within a
line), so wrapped lines do not cut sentences; code blocks become one line too,
a small loss of layout.  Answers that cross-reference another question ("see
Section 12.1, “What other documentation…”") keep that quoted wording, so a
question can still be matched in a *reference*; this is the source's text.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from evals.scale import data as benchdata

from .common import CorpusDraft, DraftCase, DraftDoc, Passage, join_paragraphs, reflow, slug

DEBIAN_PKG, DEBIAN_TXT = "debian-faq", "usr/share/doc/debian/FAQ/debian-faq.en.txt.gz"
GIT_PKG, GIT_TXT = "git-doc", "usr/share/doc/git-doc/gitfaq.txt"
MIN_ANSWER = 60  # characters: shorter answers are pointers, not answers

DEBIAN_LICENCE = "Debian FAQ: © 1996-2021 Software in the Public Interest; verbatim and modified copies permitted (FAQ notice)"
GIT_LICENCE = "gitfaq (git-doc): GPL-2.0, © the Git project"

OUT_OF_SCOPE = {
    "debian-faq": (
        "How do I install Microsoft Office on macOS?",
        "What is the capital of Australia?",
        "Who won the 2018 FIFA World Cup?",
        "How do I reset the password of my Windows 11 account?",
        "What is the recommended daily intake of vitamin D?",
        "How do I jailbreak an iPhone?",
        "What is the price of a Red Hat Enterprise Linux subscription?",
        "Who wrote the novel Moby-Dick?",
        "How many moons does Jupiter have?",
        "How do I configure a Cisco router's BGP sessions?",
    ),
    "gitfaq": (
        "How do I create a branch in Mercurial?",
        "What is the boiling point of water at high altitude?",
        "How do I install Debian on a Raspberry Pi?",
        "Who painted the Mona Lisa?",
        "How do I rebase a Subversion branch?",
        "What is the tallest mountain in Africa?",
        "How do I set up a Kubernetes ingress controller?",
        "What were the causes of the First World War?",
        "How do I bake sourdough bread?",
        "What is the airspeed of a swallow?",
    ),
}


def _out_of_scope(name: str) -> list[DraftCase]:
    return [DraftCase(f"{name}-oos{i:02d}", "out_of_scope", q) for i, q in enumerate(OUT_OF_SCOPE[name], 1)]


_ASKS = re.compile(
    r"^(how|what|why|where|when|which|who|whom|whose|can|could|do|does|did|is|are|was|were|should|will|would|may|must|has|have)\b",
    re.I,
)


def is_question(heading: str) -> bool:
    """A heading worded as a question (ends with '?' or opens with a question word)."""
    return heading.endswith("?") or bool(_ASKS.match(heading))


def _entry_cases(name: str, source: str, entries: list[tuple[str, list[int]]], spans: list[tuple[int, int]]) -> list[DraftCase]:
    """A case per (question, answer paragraph indices) whose answer is long enough."""
    out = []
    for n, (question, idx) in enumerate(entries, 1):
        gold = tuple(Passage(source, *spans[i]) for i in idx)
        if question and sum(g.end - g.start for g in gold) >= MIN_ANSWER:
            out.append(DraftCase(f"{name}-{slug(source, 12)}-{n:03d}", "faq", question, gold))
    return out


def _unique_gold(doc: DraftDoc, cases: list[DraftCase]) -> list[DraftCase]:
    """Drop gold paragraphs whose text first occurs elsewhere (a repeated paragraph), and cases left empty."""
    out = []
    for c in cases:
        gold = tuple(g for g in c.gold if doc.text.find(doc.text[g.start : g.end]) == g.start)
        if gold:
            out.append(DraftCase(c.id, c.type, c.question, gold, c.keywords))
    return out


# --- debian-faq ----------------------------------------------------------------------------------

_CHAPTER = re.compile(r"^Chapter (\d+)\. (.+)$")
_QUESTION = re.compile(r"^(\d+)\.(\d+)\. (.+)", re.S)


def _blocks(text: str) -> list[str]:
    return [b for b in re.split(r"\n[ \t\u00a0]*\n", text.replace("\r\n", "\n")) if b.strip()]


def parse_debian_faq(raw: str, name: str = "debian-faq") -> tuple[list[DraftDoc], list[DraftCase]]:
    """Chapters as documents (answers only) and one case per question heading."""
    raw = raw.replace("\u00a0", " ")  # the rendering puts no-break spaces after "Chapter" and numbers
    m = re.search(r"\nChapter 1\. ", raw)
    start = m.start() if m else -1
    if start < 0:
        raise ValueError("debian-faq: no 'Chapter 1.' line")
    chapters: list[tuple[str, str, list[str], list[tuple[str, list[int]]]]] = []
    for block in _blocks(raw[start + 1 :]):
        first = block.split("\n", 1)[0]
        if m := _CHAPTER.match(first):
            chapters.append((m.group(1), reflow(m.group(2)), [], []))
        elif (m := _QUESTION.match(block)) and not block.startswith(" ") and chapters:
            q = reflow(m.group(3))
            # a heading that is no question ("Document format") opens a section whose text is kept, no case
            chapters[-1][3].append((q if is_question(q) else "", []))
        elif chapters and not re.fullmatch(r"[-\s]+", block):
            paras, entries = chapters[-1][2], chapters[-1][3]
            if entries:  # text before the first question of a chapter is an intro, kept but no gold
                entries[-1][1].append(len(paras))
            paras.append(reflow(block))
    sections = [
        (f"{int(num):02d}-{slug(title)}.txt", f"Debian FAQ, chapter {num}: {title}", paras, entries)
        for num, title, paras, entries in chapters
    ]
    return _documents(name, sections, date="2021-01", publisher="Debian")


def _documents(name: str, sections, date: str, publisher: str) -> tuple[list[DraftDoc], list[DraftCase]]:
    """One document per (file name, title, paragraphs, entries) section, and the cases of its entries."""
    docs, cases = [], []
    for source, title, paras, entries in sections:
        text, spans = join_paragraphs(paras)
        doc = DraftDoc(source, text, title=title, date=date, publisher=publisher)
        docs.append(doc)
        cases += _unique_gold(doc, _entry_cases(name, source, entries, spans))
    return docs, cases


# --- gitfaq --------------------------------------------------------------------------------------


def _git_section_heads(lines: list[str]) -> set[int]:
    return {
        i
        for i in range(len(lines) - 1)
        if lines[i].strip() and re.fullmatch(r"-{3,}", lines[i + 1]) and len(lines[i + 1]) == len(lines[i])
    }


def _git_paragraphs(lines: list[str]) -> list[str]:
    """An answer's paragraphs: split at ``+`` and blank lines, code fences kept as one paragraph."""
    paras, cur, in_code = [], [], False
    for line in lines:
        if line.strip() == "----":
            in_code = not in_code
            continue
        if not in_code and line.strip() in ("+", ""):
            if cur:
                paras.append(reflow("\n".join(cur)))
            cur = []
            continue
        cur.append(line)
    if cur:
        paras.append(reflow("\n".join(cur)))
    return [p for p in paras if p]


def parse_gitfaq(raw: str, name: str = "gitfaq") -> tuple[list[DraftDoc], list[DraftCase]]:
    lines = raw.replace("\r\n", "\n").split("\n")
    heads = _git_section_heads(lines)
    sections: list[tuple[str, list[str], list[tuple[str, list[int]]]]] = []
    i = 0
    while i < len(lines):
        if i in heads:
            title = lines[i].strip()
            sections.append((title, [], []))
            i += 2
            continue
        if re.fullmatch(r"\[\[[^\]]+\]\]", lines[i].strip()) and sections and i + 1 < len(lines) and lines[i + 1].endswith("::"):
            question = lines[i + 1][:-2].strip()
            j = i + 2
            while j < len(lines) and j not in heads and not re.fullmatch(r"\[\[[^\]]+\]\]", lines[j].strip()):
                j += 1
            paras = sections[-1][1]
            answer = _git_paragraphs(lines[i + 2 : j])
            sections[-1][2].append((question, list(range(len(paras), len(paras) + len(answer)))))
            paras += answer
            i = j
            continue
        i += 1
    kept = [s for s in sections if s[2]]
    named = [
        (f"{n + 1:02d}-{slug(title)}.txt", f"gitfaq: {title}", paras, entries) for n, (title, paras, entries) in enumerate(kept)
    ]
    return _documents(name, named, date="", publisher="Git")


# --- building ------------------------------------------------------------------------------------


def _read(cache: Path, pkg: str, rel: str) -> str:
    root = benchdata._fetch_deb(Path(cache).resolve(), pkg, progress=True)
    path = root / rel
    if not path.is_file():
        raise FileNotFoundError(f"{rel} is not in package {pkg} (looked in {root})")
    data = path.read_bytes()
    return (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8")


def build_debian_faq(cache: Path) -> CorpusDraft:
    docs, cases = parse_debian_faq(_read(cache, DEBIAN_PKG, DEBIAN_TXT))
    return CorpusDraft("debian-faq", tuple(docs), tuple(cases + _out_of_scope("debian-faq")), DEBIAN_LICENCE)


def build_gitfaq(cache: Path) -> CorpusDraft:
    docs, cases = parse_gitfaq(_read(cache, GIT_PKG, GIT_TXT))
    return CorpusDraft("gitfaq", tuple(docs), tuple(cases + _out_of_scope("gitfaq")), GIT_LICENCE)
