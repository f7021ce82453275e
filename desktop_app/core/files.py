"""File helpers shared by the layers: atomic text writes and sha256 of large files."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from desktop_app.core.errors import storage_error_from_os


def write_text_atomically(path: Path, text: str, what: str, *, durable: bool = False) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same folder and a rename,
    so a reader (or a crash) sees the old version or the new one, never half of one.

    Args:
        what: names the file in the error message ("your settings", "the export").
        durable: fsync before the rename, so the new content also survives a power cut.

    Raises:
        StorageError: in plain language, on a full or read-only disk (no temporary file is left).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                if durable:
                    fh.flush()
                    os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise storage_error_from_os(exc, what) from exc


def update_digest(digest, path: Path, block: int = 1 << 20):
    """Feed the bytes of ``path`` into ``digest`` (a hashlib object), a block at a time; return it."""
    with open(path, "rb") as fh:
        while chunk := fh.read(block):
            digest.update(chunk)
    return digest


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file of any size (read in 1 MiB blocks)."""
    return update_digest(hashlib.sha256(), path).hexdigest()
