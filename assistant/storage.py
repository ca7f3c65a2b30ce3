"""Disk failures (a read-only index folder, a full disk) as one readable line.

Chroma, SQLite and Python each word these failures their own way (``attempt to
write a readonly database``, ``Read-only file system: '.../.lock'``, ``database
or disk is full``, ``[Errno 28] No space left on device``); ``disk_problem``
recognises them anywhere in an exception's chain, so the CLI and the UI can say
what happened and what to do instead of printing a traceback.  Nothing is lost
in either case: a build writes its manifest last and atomically.
"""

from __future__ import annotations

import errno

_READ_ONLY = ("readonly database", "read-only file system", "read-only database", "permission denied")
_FULL = ("database or disk is full", "no space left on device", "disk quota exceeded")


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def disk_problem(exc: BaseException, where: str = "") -> str:
    """One line saying the disk is read-only or full (and what to do), or '' for any other error."""
    for e in _chain(exc):
        code = getattr(e, "errno", None)
        text = str(e).lower()
        place = getattr(e, "filename", None) or where or "the index folder"
        if code in (errno.ENOSPC, errno.EDQUOT) or any(k in text for k in _FULL):
            return f"The disk is full: cannot write {place}. Free some space and run it again; nothing was lost."
        if code in (errno.EROFS, errno.EACCES, errno.EPERM) or any(k in text for k in _READ_ONLY):
            return (
                f"Cannot write {place}: it is read-only. Make it writable, or use another index folder "
                "(--index or ASSISTANT_INDEX_DIR); nothing was lost."
            )
    return ""
