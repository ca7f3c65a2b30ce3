"""Generate PDF, HTML and Word versions of plain-text articles for tests and the PDF benchmark.

Every non-empty line of the text becomes one paragraph (the default corpus has
one paragraph per line), the first line a heading.  Metadata goes into the file
itself the way real tools put it there: PDF info (Title, Author, CreationDate),
HTML ``<title>``/``meta``/``og:site_name``, DOCX core properties.  The HTML page
also carries navigation, a teaser list and a footer, which the reader must drop.

reportlab (BSD) makes the PDFs; paragraphs are not split across pages
(``allowSplitting=0``), as a sentence across a page break is cited in two parts.
"""

from __future__ import annotations

import datetime as dt
import html
import io
from pathlib import Path
from xml.sax.saxutils import escape


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _when(date: str) -> dt.datetime:
    parts = [int(x) for x in (date or "2000").split("-")] + [1, 1]
    return dt.datetime(parts[0], parts[1], parts[2], 12, 0, tzinfo=dt.UTC)


def make_pdf(text: str, title: str = "", author: str = "", date: str = "") -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    buf = io.BytesIO()
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(buf, pagesize=A4, title=title, author=author, allowSplitting=0)
    story = [Paragraph(escape(p), styles["Heading1" if i == 0 else "BodyText"]) for i, p in enumerate(paragraphs(text))]
    when = _when(date)

    def first_page(canvas, _doc):
        if date:  # the CreationDate reportlab writes into the info dictionary
            stamp = canvas._doc._timeStamp
            stamp.YMDhms, stamp.dhh, stamp.dmm = (when.year, when.month, when.day, 12, 0, 0), 0, 0

    doc.build(story, onFirstPage=first_page)
    return buf.getvalue()


NAV = '<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/subscribe">Subscribe</a></li></ul></nav>'
TEASERS = (
    '<aside class="related"><h3>More from us</h3><ul><li><a href="/a">Ten things to know about the weather</a></li>'
    '<li><a href="/b">Why the markets fell on Monday</a></li></ul></aside>'
)
FOOTER = "<footer><p>© 2024 The Example Site. All rights reserved.</p><p><a href='/privacy'>Privacy policy</a></p></footer>"


def make_html(text: str, title: str = "", author: str = "", date: str = "", site: str = "") -> bytes:
    paras = paragraphs(text)
    head = [f"<title>{html.escape(title or paras[0])}</title>", '<meta charset="utf-8">']
    if author:
        head.append(f'<meta name="author" content="{html.escape(author)}">')
    if date:
        head.append(f'<meta property="article:published_time" content="{html.escape(date)}">')
    if site:
        head.append(f'<meta property="og:site_name" content="{html.escape(site)}">')
    body = "".join(f"<h1>{html.escape(p)}</h1>" if i == 0 else f"<p>{html.escape(p)}</p>" for i, p in enumerate(paras))
    page = f"<!DOCTYPE html><html><head>{''.join(head)}</head><body>{NAV}<main><article>{body}</article></main>{TEASERS}{FOOTER}</body></html>"
    return page.encode("utf-8")


def make_docx(text: str, title: str = "", author: str = "", date: str = "") -> bytes:
    import docx

    d = docx.Document()
    for i, p in enumerate(paragraphs(text)):
        if i == 0:
            d.add_heading(p, level=1)
        else:
            d.add_paragraph(p)
    props = d.core_properties
    props.title, props.author = title, author
    if date:
        props.created = _when(date).replace(tzinfo=None)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


MAKERS = {"pdf": make_pdf, "html": make_html, "docx": make_docx}


def convert_corpus(src: Path, dst: Path, kind: str, meta: dict[str, dict]) -> dict[str, str]:
    """Write ``kind`` versions of every .txt in ``src`` into ``dst``; {new name: original name}."""
    dst.mkdir(parents=True, exist_ok=True)
    names = {}
    for path in sorted(Path(src).glob("*.txt")):
        m = meta.get(path.name, {})
        args = {"title": m.get("title", ""), "author": m.get("author", ""), "date": str(m.get("date", ""))}
        if kind == "html":
            args["site"] = m.get("publisher", "")
        out = dst / f"{path.stem}.{kind}"
        out.write_bytes(MAKERS[kind](path.read_text(encoding="utf-8"), **args))
        names[out.name] = path.name
    return names
