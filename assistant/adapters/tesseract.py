"""Tesseract OCR through its command line (Debian's ``tesseract-ocr``, Apache-2.0; ``make ocr``).

One process per page: the image goes in on stdin, TSV comes out on stdout
(``--psm 1``: page segmentation with orientation and script detection when the
``osd`` data is installed, else ``--psm 3``).  Each process gets one OpenMP
thread (``OMP_THREAD_LIMIT=1``; pages run side by side instead, which is faster
than Tesseract's own threads on few cores) and a lower CPU priority (``nice
10``), so OCR running behind a server leaves the questions their CPU.

Trade-off: the command line instead of a binding (pytesseract is the same
subprocess with more layers; tesserocr needs a compiler and headers): a process
start per page costs about 50 ms against 1-5 s of recognition.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading

INSTALL = "run `make ocr` (installs Debian's tesseract-ocr)"


def _nice() -> None:  # runs in the child before exec
    os.nice(10)


class TesseractOcr:
    """The ``Ocr`` port on the ``tesseract`` command; nothing runs until the first page."""

    def __init__(self, lang: str = "eng", timeout: float = 300.0, binary: str = "tesseract"):
        lang = lang.strip()
        if not re.fullmatch(r"[A-Za-z0-9_]+(\+[A-Za-z0-9_]+)*", lang):
            raise ValueError(
                f"ASSISTANT_OCR_LANG must be Tesseract language names joined by '+', such as eng or eng+deu; got {lang!r}"
            )
        self.lang, self.timeout, self.binary = lang, timeout, binary
        self.name = f"tesseract/{lang}"
        self._psm: str | None = None
        self._lock = threading.Lock()

    def _languages(self, path: str) -> set[str]:
        done = subprocess.run([path, "--list-langs"], capture_output=True, text=True, timeout=60, check=False)
        return {line.strip() for line in done.stdout.splitlines()[1:] if line.strip()}

    def check(self) -> str:
        """The page segmentation mode to use; ValueError with what to do when Tesseract or a language is missing."""
        with self._lock:
            if self._psm is None:
                path = shutil.which(self.binary)
                if path is None:
                    raise ValueError(f"OCR needs Tesseract, which is not installed: {INSTALL}")
                have = self._languages(path)
                missing = [x for x in self.lang.split("+") if x not in have]
                if missing:
                    pkgs = " ".join(f"tesseract-ocr-{x.lower().replace('_', '-')}" for x in missing)
                    raise ValueError(
                        f"Tesseract has no data for language {', '.join(missing)} (ASSISTANT_OCR_LANG={self.lang}): "
                        f"apt-get install {pkgs}"
                    )
                self._psm = "1" if "osd" in have else "3"
            return self._psm

    def page_tsv(self, image: bytes, dpi: int) -> str:
        psm = self.check()
        cmd = [self.binary, "stdin", "stdout", "-l", self.lang, "--psm", psm, *(["--dpi", str(dpi)] if dpi else []), "tsv"]
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            done = subprocess.run(
                cmd, input=image, capture_output=True, timeout=self.timeout, env=env, preexec_fn=_nice, check=False
            )
        except subprocess.TimeoutExpired:
            raise ValueError(f"Tesseract took more than {self.timeout:.0f} s on one page") from None
        except OSError as e:
            raise ValueError(f"cannot start Tesseract ({e}): {INSTALL}") from None
        if done.returncode != 0:
            why = [line for line in done.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
            raise ValueError(f"Tesseract failed ({why[-1] if why else f'exit code {done.returncode}'})")
        return done.stdout.decode("utf-8", "replace")
