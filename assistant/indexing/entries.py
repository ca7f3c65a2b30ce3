"""A manifest entry: what one indexed file was read as (text, metadata, layout, chunk offsets), to and from JSON.

An entry records the version of the readers that extracted it; one made by an
older version is ``outdated`` and the file is read again at the next build.
"""

from __future__ import annotations

from ..readers import EXTRACTION_VERSION, extracted_by_current_readers
from ..types import Block, Chunk, Document, Span, page_from_json, page_to_json


def doc_to_json(doc: Document, chunks: list[Chunk]) -> dict:
    return {
        "sha256": doc.sha256,
        "title": doc.title,
        "publisher": doc.publisher,
        "author": doc.author,
        "date": doc.date,
        "text": doc.text,
        "boilerplate": [[s.start, s.end] for s in doc.boilerplate],
        "chunks": [[c.id, c.start, c.end] for c in chunks],
        "kind": doc.kind,
        "pages": [page_to_json(p) for p in doc.pages],
        "extraction": EXTRACTION_VERSION,
        "blocks": [[b.kind, b.start, b.end, b.level] for b in doc.blocks],
        "url": doc.url,
        "file_meta": dict(doc.file_meta),
        **({"ocr": doc.ocr} if doc.ocr else {}),
    }


def doc_from_json(source: str, d: dict) -> tuple[Document, list[Chunk]]:
    doc = Document(
        source=source,
        text=d["text"],
        title=d.get("title", ""),
        publisher=d.get("publisher", ""),
        author=d.get("author", ""),
        date=d.get("date", ""),
        boilerplate=tuple(Span(a, b) for a, b in d.get("boilerplate", [])),
        sha256=d["sha256"],
        kind=d.get("kind", "text"),
        pages=tuple(page_from_json(p) for p in d.get("pages", [])),
        url=d.get("url", ""),
        file_meta=tuple(sorted(d.get("file_meta", {}).items())),
        blocks=tuple(Block(k, a, b, lv) for k, a, b, lv in d.get("blocks", [])),
        ocr=d.get("ocr", ""),
    )
    chunks = [Chunk(cid, source, doc.text[a:b], a, b, doc.date) for cid, a, b in d["chunks"]]
    return doc, chunks


def outdated(source: str, entry: dict) -> bool:
    """A file's entry extracted before its reader last changed (``readers.CHANGED_AT``): the file is read and
    chunked again; chunks whose text did not change keep their vectors."""
    return not extracted_by_current_readers(source, entry.get("kind", "text"), entry.get("extraction", 1))
