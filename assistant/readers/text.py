"""Plain text and Markdown: the file's bytes decoded as strict UTF-8, nothing else.

No newline translation, so offsets into the text are offsets into the file as
users open it.  The file states no metadata; the corpus loader falls back to the
first line for a title.
"""

from __future__ import annotations

from ..types import Extracted


def decode(data: bytes) -> str:
    """Strict UTF-8; raises ValueError with a readable reason."""
    nul = data.find(b"\x00")  # anywhere: a NUL after the first KB would reach quotes
    if nul >= 0:
        raise ValueError(f"binary file (contains NUL bytes, the first at byte {nul:,})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"not UTF-8 text (byte {e.start}: {e.reason})") from e


class TextReader:
    kind = "text"

    def read(self, name: str, data: bytes) -> Extracted:
        return Extracted(text=decode(data), kind=self.kind)
