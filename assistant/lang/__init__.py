"""Everything language-specific, in one place: one module per language, ``current`` the one in use.

Stopwords, abbreviations, question shapes, figures and dates, answer wording and
the generator's prompts live in the language's module (``en``); the rest of the
package reads them through ``lang.current``, so porting to another language means
adding a module with the same names and choosing it with ``Settings.language``.
"""

from __future__ import annotations

from types import ModuleType

from . import en

LANGUAGES: dict[str, ModuleType] = {"en": en}
current: ModuleType = en


def use(code: str) -> ModuleType:
    """Make ``code``'s module the one in use (``Settings.language``); an unknown code is a clear error."""
    global current
    try:
        current = LANGUAGES[code]
    except KeyError:
        raise ValueError(f"unsupported language {code!r}; available: {', '.join(sorted(LANGUAGES))}") from None
    return current
