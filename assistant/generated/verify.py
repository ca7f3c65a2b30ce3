"""Step 3 of a generated answer: is each sentence supported by the evidence sentences it cites?  Pure judges.

The fast judge needs no model call and runs on every sentence:
- it must cite something;
- every number it states ("33", "2025", "1,200", "six") must be in the cited sentences;
- every name it uses (a capitalised word that opens no sentence or clause) must be there too,
  in some form ("Iranian" for "Iran", "US" for "United States");
- and it must say what they say: at least ``min_lexical`` of its content words
  occur in them, or its embedding is at least ``min_cosine`` from one of them.

The model judge (optional) asks the generator itself a yes/no question per
sentence; ``judge_messages`` builds it and ``read_yes_no`` reads the reply.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .. import lang
from ..text import tokenize


@dataclass(frozen=True)
class Verdict:
    supported: bool
    reason: str = ""
    lexical: float = 0.0  # share of the sentence's content words found in the cited evidence
    cosine: float = 0.0  # best embedding cosine between the sentence and one cited sentence


# Spelled-out figures the check reads; "one" is a pronoun as often (as in ``lang.current.NUMBER_VALUES``).
_SPELLED = lang.current.NUMBER_WORDS - {"one"}
_MONTHS3 = frozenset(m.lower() for m in lang.current.MONTHS)


def numbers(text: str) -> list[str]:
    """The figures of ``text`` as tokens: "1,200" -> "1200"; spelled-out ones too ("six")."""
    return list(dict.fromkeys(t for t in tokenize(text, keep_stopwords=True) if t[0].isdigit() or t in _SPELLED))


def _with_values(tokens: set[str]) -> set[str]:
    """Tokens plus the other spelling of each small figure ("six" <-> "6")."""
    out = set(tokens)
    for word, value in lang.current.NUMBER_VALUES.items():
        if word in tokens:
            out.add(str(value))
        if str(value) in tokens:
            out.add(word)
    return out


def _present(term: str, have: set[str]) -> bool:
    """In the evidence, allowing the other forms of one word ("Iran" / "Iranian", "Israel" / "Israeli")."""
    if term in have:
        return True
    return len(term) >= 4 and any(h.startswith(term) or (len(h) >= 4 and term.startswith(h)) for h in have)


_RUN_RE = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:of\s+)?[A-Z][a-z]+)+")
_ACRONYM_RE = re.compile(r"\b[A-Z]{2,6}\b")


def _spelled_out(claim: str, evidence: str) -> set[str]:
    """Name words of the claim that spell out an acronym of the evidence ("United States" for "US")."""
    acronyms = set(_ACRONYM_RE.findall(evidence))
    out: set[str] = set()
    for m in _RUN_RE.finditer(claim):
        words = [w for w in m.group(0).split() if w != "of"]
        for i in range(len(words)):  # any stretch of the run: "The United States" holds "United States"
            for j in range(i + 2, len(words) + 1):
                if "".join(w[0] for w in words[i:j]) in acronyms:
                    out.update(t for w in words[i:j] for t in tokenize(w))
    return out


def _missing_name(claim: str, have: set[str], raw: str) -> str:
    """The first name of ``claim`` found neither among the tokens ``have`` nor as an acronym in ``raw`` ("" when none)."""
    months = {h[:3] for h in have if h[:3] in _MONTHS3}
    spelled = _spelled_out(claim, raw)
    for name in lang.current.proper_names(claim):
        for term in tokenize(name):
            if term in spelled or _present(term, have):
                continue
            if name in lang.current.MONTH_NAMES and term[:3] in months:  # "December" for "Dec." in the cited text
                continue
            return term
    return ""


def fast_verdict(claim: str, cited: Sequence[str], cosine: float, min_lexical: float, min_cosine: float) -> Verdict:
    """Is ``claim`` supported by the ``cited`` sentences' own text?

    Only the cited sentences count: never a document's title or date, never another evidence
    sentence it does not cite.  A title is written by whoever made the page ("Truce lasted 45 days,
    Emir says") and is no evidence for what its body does not say."""
    if not cited:
        return Verdict(False, "cites no evidence sentence")
    have = _with_values(set(tokenize(" ".join(cited), keep_stopwords=True)))
    missing = [n for n in numbers(claim) if n not in have]
    if missing:
        return Verdict(False, f"the figure {missing[0]} is not in the cited sentences", cosine=cosine)
    unnamed = _missing_name(claim, have, " ".join(cited))
    if unnamed:
        return Verdict(False, f"the name “{unnamed}” is not in the cited sentences", cosine=cosine)
    want = set(tokenize(claim))
    lexical = len(want & have) / len(want) if want else 0.0
    if lexical >= min_lexical or cosine >= min_cosine:
        return Verdict(True, "", lexical, cosine)
    return Verdict(
        False, f"says little of what the cited sentences say (words {lexical:.0%}, similarity {cosine:.2f})", lexical, cosine
    )


def judge_messages(claim: str, cited: Sequence[str]) -> list[dict]:
    L = lang.current
    evidence = "\n".join(f"- {' '.join(c.split())}" for c in cited)
    user = f"{L.EVIDENCE_HEADING}\n{evidence}\n\n{L.JUDGE_QUESTION.format(claim=claim)}"
    return [{"role": "system", "content": L.JUDGE_SYSTEM}, {"role": "user", "content": user}]


def read_yes_no(reply: str) -> bool | None:
    """True for yes, False for no, None when the reply is neither."""
    m = lang.current.YES_NO_RE.search(reply.lower())
    return None if m is None else m.group(1) == "yes"
