"""Writing a file so that a reader (or a crash) sees the old version or the new one, never half."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from desktop_app.core.errors import storage_error_from_os


def write_text_atomically(path: Path, text: str, what: str, *, durable: bool = False) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same folder and a rename.

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
