"""Word (.docx) files, streamed: body paragraphs in order, and the core properties.

The canonical text is the body's paragraphs (headings included) joined by a
blank line, ``\\n\\n``; a line break inside a paragraph stays ``\\n``.  A
paragraph's text follows python-docx's ``Paragraph.text`` (runs and hyperlinks:
``w:t``, tabs, breaks, no-break hyphens).  Title, author and creation date come
from ``docProps/core.xml``; a file without it states none, so it is titled by
its name.  A paragraph set in a heading style (``Heading 1``-``9``, ``Title``, or
any style or paragraph with an outline level; ``word/styles.xml`` says which
style is which, whatever the language of the style's display name) is a heading
block of that level, so a passage's section is known ("Findings › Costs").
``word/document.xml`` is streamed through an lxml target parser (no tree is
built) under the budgets of ``limits``: bytes inflated, elements and
characters are counted while reading, so a zip bomb is refused after at most
``MAX_XML_BYTES`` of work whatever its compression ratio.  The declared sizes
are checked first, which refuses a plain bomb without inflating anything.

Trade-offs: text in tables, text boxes, headers, footers, footnotes and comments
is not extracted (body paragraphs only); images are not read.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from ..types import Extracted
from .html import layout
from .html_blocks import HtmlBlock
from .limits import MAX_META_BYTES, check_text, stream_xml

MAX_UNCOMPRESSED = 200 * 2**20  # bytes, all members together, as declared
MAX_RATIO = 100  # uncompressed / compressed, over the whole archive, as declared
PARA_SEP = "\n\n"
DOCUMENT = "word/document.xml"
CORE = "docProps/core.xml"
STYLES = "word/styles.xml"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_LIST_STYLE = re.compile(r"List")  # Word's list styles ("ListParagraph", "ListBullet", "ListNumber2")
_RUN_TEXT = {f"{W}tab": "\t", f"{W}ptab": "\t", f"{W}cr": "\n", f"{W}noBreakHyphen": "-"}
_CORE_FIELDS = {
    "{http://purl.org/dc/elements/1.1/}title": "title",
    "{http://purl.org/dc/elements/1.1/}creator": "author",
    "{http://purl.org/dc/terms/}created": "date",
}


def is_docx(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return DOCUMENT in z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def check_zip(z: zipfile.ZipFile) -> None:
    """Raises ValueError for a zip that is not a Word file, or one whose declared sizes make it a zip bomb."""
    infos = z.infolist()
    if DOCUMENT not in {i.filename for i in infos}:
        raise ValueError("not a Word .docx file (the zip has no word/document.xml); not indexed")
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
        raise ValueError(
            f"refused as a possible zip bomb ({total / 2**20:,.0f} MB uncompressed from {packed / 2**20:,.1f} MB, "
            f"ratio {total / packed:,.0f}; limits {MAX_UNCOMPRESSED // 2**20} MB, ratio {MAX_RATIO})"
        )


class _Body:
    """lxml target: the text of each paragraph directly under ``w:body``, as python-docx reads it, and its style
    (``styles``: the paragraph's style id, or the heading level its own outline level states)."""

    def __init__(self):
        self.path: list[str] = []
        self.paras: list[str] = []
        self.styles: list[str | int] = []  # per paragraph: its style id, or its own outline level (1-based)
        self.listed: list[bool] = []  # per paragraph: numbered or bulleted (its own ``w:numPr``)
        self.style: str | int = ""
        self.numbered = False
        self.parts: list[str] | None = None  # the open body paragraph's pieces
        self.in_text = False
        self.chars = 0

    def start(self, tag, attrib):
        path = self.path
        if tag == f"{W}p" and len(path) == 2 and path[1] == f"{W}body":
            self.parts, self.style, self.numbered = [], "", False
        elif self.parts is not None and path[3:] == [f"{W}pPr"] and tag == f"{W}numPr":
            self.numbered = True
        elif self.parts is not None and path[3:] == [f"{W}pPr"] and tag in (f"{W}pStyle", f"{W}outlineLvl"):
            value = attrib.get(f"{W}val", "")
            if tag == f"{W}pStyle" and not isinstance(self.style, int):
                self.style = value
            elif tag == f"{W}outlineLvl" and value.isdigit() and int(value) < 9:
                self.style = int(value) + 1
        elif self.parts is not None and self._in_run(path):
            if tag == f"{W}t":
                self.in_text = True
            elif tag == f"{W}br":
                self._add("\n" if attrib.get(f"{W}type", "textWrapping") == "textWrapping" else "")
            elif tag in _RUN_TEXT:
                self._add(_RUN_TEXT[tag])
        path.append(tag)

    @staticmethod
    def _in_run(path: list[str]) -> bool:
        """True when the element opening now is a child of ``p/r`` or ``p/hyperlink/r``."""
        rel = path[3:]
        return rel == [f"{W}r"] or rel == [f"{W}hyperlink", f"{W}r"]

    def _add(self, text: str) -> None:
        self.parts.append(text)
        self.chars += len(text)
        check_text(self.chars)

    def data(self, text):
        if self.in_text:
            self._add(text)

    def end(self, tag):
        self.path.pop()
        if tag == f"{W}t":
            self.in_text = False
        elif tag == f"{W}p" and len(self.path) == 2 and self.parts is not None:
            self.paras.append("".join(self.parts))
            self.styles.append(self.style)
            self.listed.append(self.numbered)
            self.parts = None
            self.chars += len(PARA_SEP)

    def close(self):
        return None


class _Core:
    """lxml target: title, author and created date of ``docProps/core.xml``."""

    def __init__(self):
        self.values: dict[str, str] = {}
        self.field: str | None = None

    def start(self, tag, attrib):
        self.field = _CORE_FIELDS.get(tag)

    def data(self, text):
        if self.field:
            self.values[self.field] = self.values.get(self.field, "") + text

    def end(self, tag):
        self.field = None

    def close(self):
        return None


class _Styles:
    """lxml target: the heading level of each paragraph style of ``word/styles.xml`` (its outline level, else
    its built-in name: "heading 2" -> 2, "Title" -> 1), through the styles it is based on."""

    _NAMED = re.compile(r"(?i)heading\s*([1-9])|title")

    def __init__(self):
        self.own: dict[str, int] = {}
        self.based: dict[str, str] = {}
        self.current = ""

    def start(self, tag, attrib):
        if tag == f"{W}style":
            self.current = attrib.get(f"{W}styleId", "") if attrib.get(f"{W}type", "paragraph") == "paragraph" else ""
        elif self.current and tag == f"{W}name":
            m = self._NAMED.fullmatch(attrib.get(f"{W}val", "").strip())
            if m:
                self.own.setdefault(self.current, int(m.group(1) or 1))
        elif self.current and tag == f"{W}basedOn":
            self.based[self.current] = attrib.get(f"{W}val", "")
        elif self.current and tag == f"{W}outlineLvl" and attrib.get(f"{W}val", "").isdigit():
            level = int(attrib[f"{W}val"])
            if level < 9:  # 9 is body text
                self.own[self.current] = level + 1

    def data(self, text):
        return None

    def end(self, tag):
        if tag == f"{W}style":
            self.current = ""

    def close(self):
        return None

    def level(self, style: str) -> int:
        for _ in range(10):  # a chain of based-on styles; a loop in a broken file ends here
            if style in self.own or style not in self.based:
                return self.own.get(style, 0)
            style = self.based[style]
        return 0


def _styles(z: zipfile.ZipFile) -> _Styles:
    """The file's paragraph styles; none when it has no styles part or one that cannot be read (over its
    budget, malformed): the text does not depend on them, only which paragraphs are headings."""
    styles = _Styles()
    if STYLES in z.namelist():
        try:
            with z.open(STYLES) as f:
                stream_xml(f, styles, STYLES, max_bytes=MAX_META_BYTES * 16, max_elements=200_000)
        except Exception:  # a broken or hostile styles part loses the headings, not the document
            return _Styles()
    return styles


def _created(value: str) -> str:
    """'2024-03-05T10:00:00Z' -> '2024-03-05' (in UTC, as python-docx reads it); '' when not a date."""
    try:
        when = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return ""
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC)
    return when.date().isoformat()


def _meta(z: zipfile.ZipFile) -> dict:
    if CORE not in z.namelist():
        return {}
    core = _Core()
    with z.open(CORE) as f:
        stream_xml(f, core, CORE, max_bytes=MAX_META_BYTES, max_elements=10_000)
    meta = {k: " ".join(core.values.get(k, "").split()) for k in ("title", "author")}
    meta["date"] = _created(core.values.get("date", ""))
    return {k: v for k, v in meta.items() if v}


class DocxReader:
    kind = "docx"

    def read(self, name: str, data: bytes) -> Extracted:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                check_zip(z)
                body = _Body()
                with z.open(DOCUMENT) as f:
                    stream_xml(f, body, DOCUMENT)
                meta = _meta(z)
                styles = _styles(z)
        except zipfile.BadZipFile as e:
            raise ValueError(f"corrupt or truncated .docx (not a readable zip: {e}); not indexed") from None
        except ValueError:  # a refusal with its reason: over a budget, not a Word file
            raise
        except Exception as e:  # malformed XML, a bad CRC, an unsupported compression method
            raise ValueError(f"corrupt .docx ({type(e).__name__}: {e}); not indexed") from None
        levels = [s if isinstance(s, int) else styles.level(s) for s in body.styles]
        kinds = [
            "heading" if lv else "item" if listed or _LIST_STYLE.match(str(st)) else "paragraph"
            for lv, listed, st in zip(levels, body.listed, body.styles, strict=True)
        ]
        paras = [HtmlBlock(k, p, lv) for k, p, lv in zip(kinds, body.paras, levels, strict=True)]
        text, blocks = layout([b for b in paras if b.text.strip()])  # non-empty paragraphs, a blank line apart
        if not text.strip():
            raise ValueError("the Word file has no text in its body paragraphs; not indexed")
        return Extracted(text=text, kind=self.kind, meta=meta, blocks=blocks)
