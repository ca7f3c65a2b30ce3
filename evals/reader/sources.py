"""Reader training sources: each package or dev corpus becomes a ``Collection`` of sentences and questions.

A collection is a group of documents (each a title, its sentences in order and
each sentence's section heading) plus questions whose gold answers are sentence
positions.  The group name is what leave-one-corpus-out training leaves out: a
dev corpus's group is its corpus name, so a fold never sees a sentence or a
question built from that corpus's package.

* perlfaq (``perl-doc``, GPL-1+ or Artistic): each ``=head2`` question of
  perlfaq1-9; the question heading is removed from the text, the first three
  prose sentences of its answer are gold (later ones are often code notes).
* postgresql-doc-15 (PostgreSQL licence): the heading of each numbered section
  of a deterministic sample of HTML pages is the query, the first two prose
  sentences of the section are gold ("heading -> section" pairs: a query that
  names a topic, like Nave's topics).
* dev corpora (debian-faq, gitfaq, nave-kjv, sotu) from ``evals/cache/corpora``:
  the cases' questions, gold = citable sentences overlapping a gold passage.
  The news corpus is never a training source (its articles are quoted for
  research evaluation only); it is measured only.

A postgresql query *is* its section heading, so its sentences' titles are the
page title only (with the heading in the title, title features gave the
answer away: trained that way they wrecked ranking elsewhere).

Trade-off: sentence splitting is the product's own (``paragraph_sentences``)
so training sees the same units as the pipeline; code blocks in perlfaq become
one "sentence" each, kept as candidates (hard negatives) but never gold.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path

from assistant.chunking import is_citable, paragraph_sentences
from assistant.corpus import load_corpus
from assistant.types import Document
from evals.cases import load_cases


@dataclass(frozen=True)
class Doc:
    name: str
    title: str
    sentences: tuple[str, ...]
    headings: tuple[str, ...]  # one per sentence: the section it lies in ("" when unknown)


@dataclass(frozen=True)
class Query:
    id: str
    text: str
    gold: tuple[tuple[int, int], ...]  # (doc index, sentence index)
    answerable: bool = True
    related: tuple[tuple[int, int], ...] = ()  # same answer/section but not gold: never used as a negative


@dataclass(frozen=True)
class Collection:
    group: str  # what a LOCO fold leaves out
    genre: str
    docs: tuple[Doc, ...]
    queries: tuple[Query, ...]


def _doc_from_text(doc: Document) -> tuple[Doc, list[tuple[int, int]]]:
    """A product ``Document`` as a ``Doc`` of its citable sentences, with each sentence's span."""
    sents = [s for _, s in paragraph_sentences(doc) if is_citable(s)]
    d = Doc(doc.source, doc.title or doc.source, tuple(s.text for s in sents), tuple("" for _ in sents))
    return d, [(s.start, s.end) for s in sents]


def dev_collection(name: str, folder: Path, cases_file: Path, genre: str) -> Collection:
    """A built dev corpus folder with its cases file; gold = citable sentences overlapping a gold passage."""
    docs, _ = load_corpus(folder)
    docs = sorted(docs, key=lambda d: d.source)
    built = [_doc_from_text(d) for d in docs]
    pos = {d.source: i for i, d in enumerate(docs)}
    cases = load_cases(cases_file, {d.source: d for d in docs})
    queries = []
    for c in cases:
        gold = set()
        for g in c.passages:
            i = pos[g.source]
            gold |= {(i, j) for j, (a, b) in enumerate(built[i][1]) if a < g.end and g.start < b}
        if c.answerable and not gold:
            continue  # gold lies in no citable sentence: nothing to rank
        queries.append(Query(c.id, c.question, tuple(sorted(gold)), c.answerable))
    return Collection(name.removesuffix("-holdout"), genre, tuple(d for d, _ in built), tuple(queries))


_POD_CODE = re.compile(r"^[ \t]")
_POD_MARKUP = re.compile(r"[A-Z]<<+\s*(.*?)\s*>+>|[A-Z]<([^<>]*)>")


def _pod_text(para: str) -> str:
    for _ in range(3):  # nested I<C<...>>
        para = _POD_MARKUP.sub(lambda m: m.group(1) or m.group(2) or "", para)
    return " ".join(para.split())


def _pod_sections(pod: str) -> list[tuple[str, list[tuple[str, bool]]]]:
    """(=head2 question, [(paragraph, is_prose)]) for each entry of one perlfaq file."""
    out: list[tuple[str, list[tuple[str, bool]]]] = []
    for para in re.split(r"\n\s*\n", pod):
        if para.startswith("=head2 "):
            out.append((_pod_text(para[7:]), []))
        elif para.startswith("="):
            continue
        elif out and para.strip():
            out[-1][1].append((para, not _POD_CODE.match(para)))
    return out


def _query(qid: str, text: str, doc: int, gold: list[int], section: range) -> Query:
    related = tuple((doc, j) for j in section if j not in gold)
    return Query(qid, text, tuple((doc, j) for j in gold), True, related)


def _sentences(paragraph: str) -> list[str]:
    doc = Document("x", paragraph + "\n")
    return [s.text for _, s in paragraph_sentences(doc)]


def perlfaq_collection(pod_dir: Path, n_gold: int = 3) -> Collection:
    docs, queries = [], []
    for path in sorted(pod_dir.glob("perlfaq[1-9].pod")):
        sents, heads, qs = [], [], []
        for question, paras in _pod_sections(path.read_text(encoding="utf-8", errors="replace")):
            gold, first = [], len(sents)
            for para, prose in paras:
                for s in _sentences(_pod_text(para) if prose else " ".join(para.split())):
                    if prose and len(gold) < n_gold and len(s.split()) >= 4:
                        gold.append(len(sents))
                    sents.append(s)
                    heads.append("")
            if gold and question.endswith("?"):
                qs.append((question, gold, range(first, len(sents))))
        di = len(docs)
        docs.append(Doc(path.stem, path.stem, tuple(sents), tuple(heads)))
        queries += [_query(f"{path.stem}-{k:03d}", q, di, g, r) for k, (q, g, r) in enumerate(qs)]
    return Collection("perlfaq", "faq", tuple(docs), tuple(queries))


_PG_HEAD = re.compile(r'<h([234]) class="title"[^>]*>(?:<a [^>]*></a>)?\s*([\d.]+\.)\s*(.*?)</h\1>', re.S)
_PG_PARA = re.compile(r"<p>(.*?)</p>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _pg_text(fragment: str) -> str:
    return " ".join(html.unescape(_TAG.sub("", fragment)).split())


def _pg_page(page: str) -> tuple[str, list[tuple[str, list[str]]]]:
    """(page title, [(section heading, its paragraphs)]) of one PostgreSQL HTML page."""
    heads = list(_PG_HEAD.finditer(page))
    sections = []
    for k, m in enumerate(heads):
        body = page[m.end() : heads[k + 1].start() if k + 1 < len(heads) else len(page)]
        paras = [t for t in (_pg_text(p) for p in _PG_PARA.findall(body)) if t]
        sections.append((_pg_text(m.group(3)), paras))
    return (sections[0][0] if sections else ""), sections


def postgres_collection(html_dir: Path, pages: int = 160, n_gold: int = 2) -> Collection:
    """Heading -> section pairs from ``pages`` HTML pages chosen by sha256 of the file name."""
    files = sorted(html_dir.glob("*.html"), key=lambda p: hashlib.sha256(p.name.encode()).hexdigest())
    docs, queries = [], []
    for path in files:
        if len(docs) >= pages:
            break
        title, sections = _pg_page(path.read_text(encoding="utf-8", errors="replace"))
        if len(sections) < 3:
            continue
        sents, heads, qs = [], [], []
        for head, paras in sections[1:]:
            gold, first = [], len(sents)
            for s in (s for p in paras for s in _sentences(p)):
                if len(gold) < n_gold and len(s.split()) >= 5:
                    gold.append(len(sents))
                sents.append(s)
                heads.append("")  # the heading is the query: a sentence's title must not repeat it
            if gold:
                qs.append((head, gold, range(first, len(sents))))
        di = len(docs)
        docs.append(Doc(path.stem, title, tuple(sents), tuple(heads)))
        queries += [_query(f"{path.stem}-{k:02d}", q, di, g, r) for k, (q, g, r) in enumerate(qs)]
    return Collection("postgresql", "manual", tuple(docs), tuple(queries))
