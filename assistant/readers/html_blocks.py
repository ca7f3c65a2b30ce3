"""The main content of a web page as the author structured it: headings, paragraphs, lists, code, tables.

An lxml pass of our own, because trafilatura (measured on Debian's
debian-handbook and postgresql-doc HTML) drops every section heading and cuts
paragraphs whose text starts before an inline element (Publican's
``<div class="para">The <code>...</code> command ...``): it kept 24% of the
handbook's paragraphs whole.  Here the page is cleaned of what is never content
(scripts, styles, forms, ``nav``/``header``/``footer``/``aside`` and elements whose
class or id names navigation: ``navheader``, ``nav-panel``, ``docnav``, ``banner``,
``toc``/``section-toc``, ``breadcrumb``, ``menu``, ``related``, ``share``, ``cookie``;
permalink marks such as Sphinx's ``headerlink`` "¶"; a pager of ``rel="next"``/``"up"``
links, and its copy at the foot of the page), the
main element is taken when the page marks one (``main``, ``article``,
``role=main``), else the body, and its blocks are read in order.

Trade-offs: a page whose navigation is neither marked by tag nor named by class
keeps its link lists (as list items, which are seldom cited); ``<br>`` is a
space; an image's alt text is not read; nested tables come out row by row inside
the outer row's place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..types import TERM_LEVEL

HEADINGS = {f"h{n}": n for n in range(1, 7)}
BLOCK = {
    *HEADINGS,
    *"p div section article main li ul ol dl dt dd blockquote pre table tr td th thead tbody tfoot".split(),
    *"figure figcaption caption hr address details summary center header footer nav aside form fieldset".split(),
}
DROP_TAGS = ("script", "style", "noscript", "template", "nav", "aside", "form", "iframe", "svg", "button")
_FURNITURE = re.compile(  # a whole class or id token that names navigation, page chrome or a permalink mark
    r"(?:nav[\w-]*|\w+-nav|navigation|banner|docnav|(?:\w+-)?toc(?:-[\w-]+)?|breadcrumbs?|menu\w*|\w+-menu|skip\w*|cookie\w*"
    r"|share\w*|social\w*|related\w*|masthead|pagination|(?:site|page|global)-(?:header|footer|nav)"
    r"|headerlink|header-anchor|anchorjs-link|hash-link|copiable-(?:anchor|link))",
    re.I,
)
# A paragraph of links to the next, previous or parent page ("Next: Simple Example, Up: Using libffi [Index]",
# how texinfo and others mark their navigation: <a rel="next">) is navigation when its links are most of its text.
_PAGER = "a[@rel='next' or @rel='prev' or @rel='previous' or @rel='up']"
_ITEM_TAGS = {"li": "item", "dd": "paragraph", "figcaption": "caption", "caption": "caption"}
# A definition list's term ("staff", "-v, --verbose", "wmv1") names what its <dd> describes, which seldom repeats
# it ("Allows users to add local modifications ..."): the term is a heading at ``TERM_LEVEL``, one more for each
# list it is nested in.


@dataclass(frozen=True)
class HtmlBlock:
    """One block of a page: ``kind`` heading/paragraph/item/code/table/caption, heading ``level``, its text."""

    kind: str
    text: str
    level: int = 0


def _is_furniture(el) -> bool:
    if el.tag in ("header", "footer"):  # the page's, not an article's own header (its title and byline)
        return not any(a.tag in ("main", "article") for a in el.iterancestors())
    if el.tag in DROP_TAGS or el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    if el.tag in ("body", "html", "main", "article"):
        return False
    names = f"{el.get('class') or ''} {el.get('id') or ''} {el.get('role') or ''}".split()
    return any(_FURNITURE.fullmatch(n) for n in names) or el.get("role") == "navigation" or _pager(el)


def _pager(el) -> bool:
    """A paragraph of links to the next, previous or parent page, by rel, whose links are most of its text."""
    if el.tag not in ("p", "div") or not el.xpath(_PAGER):
        return False
    linked = sum(len(a.text_content().strip()) for a in el.iter("a"))
    return 2 * linked >= len(" ".join(el.text_content().split()))


def clean(root) -> int:
    """Remove, in place, every element that is never main content (see the module docstring).

    Returns how many of them were navigation the page named as such (a tag or a class name).
    """
    doomed = [el for el in root.iter() if not isinstance(el.tag, str) or _is_furniture(el)]
    pagers = {_flat(el.text_content()) for el in doomed if isinstance(el.tag, str) and _pager(el)}
    if pagers:  # the same pager repeated at the foot of the page, where its links carry no rel (leaf blocks only)
        gone = set(doomed)
        leaves = (el for el in root.iter("p", "div") if el not in gone and not any(c.tag in BLOCK for c in el))
        doomed += [el for el in leaves if _flat(el.text_content()) in pagers]
    named = sum(isinstance(el.tag, str) and el.tag not in ("script", "style", "noscript", "template", "svg") for el in doomed)
    for el in doomed:
        parent = el.getparent()
        if parent is None:
            continue
        tail = el.tail or ""
        if tail.strip():  # keep the text that follows the removed element
            prev = el.getprevious()
            if prev is not None:
                prev.tail = (prev.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
        parent.remove(el)
    return named


def main_element(root):
    """The element the page marks as its main content, else its body."""
    for path in ("//main", "//*[@role='main']", "//article"):
        found = root.xpath(path)
        if len(found) == 1:
            return found[0]
    body = root.find("body")
    return body if body is not None else root


def _flat(text: str) -> str:
    return " ".join(text.split())


def _has_block(el) -> bool:
    return any(isinstance(d.tag, str) and d.tag in BLOCK for d in el.iterdescendants())


def _emit(out: list[HtmlBlock], kind: str, text: str, level: int = 0) -> None:
    text = _flat(text) if kind != "code" else text
    if text.strip():
        out.append(HtmlBlock(kind, text, level))


def _table(el, out: list[HtmlBlock]) -> None:
    for tr in el.iter("tr"):
        cells = [_flat(c.text_content()) for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
        row = " | ".join(c for c in cells if c)
        if row:
            out.append(HtmlBlock("table", row))


def _pre(el, out: list[HtmlBlock]) -> None:
    lines = [line.rstrip() for line in el.text_content().expandtabs(8).split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    _emit(out, "code", "\n".join(lines))


def walk(el, out: list[HtmlBlock]) -> None:
    """Blocks of ``el`` in document order: its inline text between block children is a paragraph (or item)."""
    tag = el.tag
    if tag in HEADINGS:
        return _emit(out, "heading", el.text_content(), HEADINGS[tag])
    if tag == "dt":
        return _emit(out, "heading", el.text_content(), TERM_LEVEL - 1 + sum(1 for _ in el.iterancestors("dl")))
    if tag == "pre":
        return _pre(el, out)
    if tag == "table":
        return _table(el, out)
    kind = "item" if _opens_item(el) else _ITEM_TAGS.get(tag, "paragraph")
    buf = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and (child.tag in BLOCK or _has_block(child)):
            _emit(out, kind, "".join(buf))
            walk(child, out)
            buf = [child.tail or ""]
        else:
            buf += [child.text_content() if isinstance(child.tag, str) else "", child.tail or ""]
    _emit(out, kind, "".join(buf))


def _opens_item(el) -> bool:
    """Is ``el`` a paragraph that opens a list item (Sphinx and DocBook write ``<li><p>...</p></li>``)?"""
    up = el.getparent()
    return el.tag == "p" and up is not None and up.tag == "li" and el.getprevious() is None and not (up.text or "").strip()


def html_blocks(data: bytes) -> tuple[list[HtmlBlock], bool]:
    """The blocks of a page's main content, in order, and whether the page's markup can be trusted for it.

    Trusted: the page marks its main element, or names its navigation (by tag or
    class) so that it was removed.  An empty list when lxml cannot parse the page.
    """
    import lxml.html

    try:
        root = lxml.html.document_fromstring(data)
    except Exception:  # an empty or unparseable document: the caller falls back or refuses it
        return [], False
    named = clean(root)
    main = main_element(root)
    out: list[HtmlBlock] = []
    walk(main, out)
    return out, main.tag != "body" or named > 0


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"\w+", text.lower()) if len(w) > 2]


def confirmed(blocks: list[HtmlBlock], main_text: str) -> list[HtmlBlock]:
    """The blocks that trafilatura's reading of the page (``main_text``) also finds to be content.

    For a page that marks no main element: a paragraph, item or caption is kept when
    half its words are in trafilatura's text (trafilatura may cut a paragraph, so the
    test is on words, not the whole text); headings, code and tables when a kept
    block follows them before the next heading (or, for a heading, a kept sub-heading).  Teasers and link lists that no class
    name gives away are dropped this way.
    """
    seen = set(_words(main_text))
    keep = [False] * len(blocks)
    for i, b in enumerate(blocks):
        words = _words(b.text)
        keep[i] = b.kind in ("paragraph", "item", "caption") and bool(words) and 2 * sum(w in seen for w in words) >= len(words)
    follows, below = False, 0  # a kept block follows before the next heading; that heading's level, if kept
    for i in range(len(blocks) - 1, -1, -1):
        b = blocks[i]
        if keep[i]:
            follows = True
        elif b.kind in ("code", "table"):
            keep[i] = follows
        elif b.kind == "heading":
            keep[i] = follows or below > b.level
            follows, below = False, b.level if keep[i] else 0
    return [b for b, k in zip(blocks, keep, strict=True) if k]
