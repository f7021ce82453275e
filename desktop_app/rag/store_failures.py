"""What a user reads when a store of the document index fails: one sentence, never a traceback.

Chroma, SQLite and the file system each fail their own way on a full disk: ``OSError(ENOSPC)``,
``sqlite3.OperationalError('database or disk is full')``, or a chromadb ``InternalError`` whose
text says only "Error in compaction: Failed to apply logs to the metadata segment". The last one
names no cause, so a store failure while the disk has almost no room left is taken for a full disk.
Indexing stops before that point where it can (``SpaceCheckedVectors``).
"""

from __future__ import annotations

import errno
import logging
import shutil
from pathlib import Path

from desktop_app.core.errors import (AppError, DiskFullError, StorageError, index_disk_full_error,
                                     storage_error_from_os)

LOW_SPACE_BYTES = 32 * 1024 * 1024  # headroom kept free (or a tenth of a smaller disk)
_FULL_TEXTS = ("disk is full", "no space left", "os error 28", "quota exceeded", "database or disk is full")

log = logging.getLogger(__name__)


def free_bytes(folder: Path) -> int | None:
    """Free space on the disk holding ``folder`` (or its nearest existing parent); None if unknown."""
    path = Path(folder)
    for candidate in (path, *path.parents):
        try:
            if candidate.exists():
                return int(shutil.disk_usage(candidate).free)
        except OSError:
            return None
    return None


def reserve_bytes(folder: Path) -> int:
    """Room the index leaves free: 32 MiB, or a tenth of a disk smaller than 320 MiB."""
    for candidate in (Path(folder), *Path(folder).parents):
        try:
            if candidate.exists():
                return min(LOW_SPACE_BYTES, int(shutil.disk_usage(candidate).total) // 10)
        except OSError:
            break
    return LOW_SPACE_BYTES


def nearly_full(folder: Path, free: int | None = None) -> bool:
    """True when the disk under ``folder`` has less than ``reserve_bytes`` left."""
    free = free_bytes(folder) if free is None else free
    return free is not None and free < reserve_bytes(folder)


class SpaceCheckedVectors:
    """A VectorStore wrapper that refuses a write once the disk is nearly full, before it starts.

    Why: Chroma rewrites its vector index files in place; a write cut short by ENOSPC once left an
    empty ``index_metadata.pickle`` that no later open could read, so the whole index was lost
    although the user only ran out of room. Stopping with headroom left keeps every file whole
    (the SQLite stores roll back by themselves). Everything but ``upsert`` passes straight through.
    """

    def __init__(self, inner, folder: Path) -> None:
        self._inner = inner
        self._folder = Path(folder)

    def upsert(self, chunks, embeddings) -> None:
        free = free_bytes(self._folder)
        if chunks and nearly_full(self._folder, free):
            raise index_disk_full_error(free, str(self._folder))
        self._inner.upsert(chunks, embeddings)

    def __getattr__(self, name: str):
        return getattr(self._inner, name)


def says_disk_full(exc: BaseException) -> bool:
    """True when ``exc`` or any exception behind it reports a full disk."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DiskFullError):
            return True
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
            return True
        if any(text in str(current).lower() for text in _FULL_TEXTS):
            return True
        current = current.__cause__ or current.__context__
    return False


def index_failure(exc: BaseException, folder: Path, searching: bool = False) -> AppError:
    """The AppError to show for ``exc``, raised by a store of the index kept in ``folder``.

    AppErrors pass through (a full disk gains how much room is left); anything else becomes a
    StorageError naming its type, and its traceback goes to the log, not to the user.
    """
    if isinstance(exc, AppError) and not isinstance(exc, StorageError):
        return exc  # a wrong embedding model, a policy refusal...: not about the disk
    free = free_bytes(folder)
    # A write may fail having found the headroom enough when it started: with under twice the
    # headroom left, an unexplained store failure is taken for a full disk.
    if says_disk_full(exc) or (free is not None and free < 2 * reserve_bytes(folder)):
        return index_disk_full_error(free, str(folder), searching)
    if isinstance(exc, AppError):
        return exc
    # INFO, not ERROR: with no log file set up (the CLI), Python's last-resort handler would print
    # WARNING and above, traceback included, right under the plain sentence.
    log.info("document index failure", exc_info=exc)
    if isinstance(exc, OSError):
        return storage_error_from_os(exc, "the document index")
    verb = "searched" if searching else "updated"
    # Chroma nests causes ("Error executing plan: ...: EOF while parsing"): the end names the cause.
    detail = " ".join(str(exc).split())
    if len(detail) > 160:
        detail = "…" + detail[-160:]
    return StorageError(f"The document index could not be {verb} ({type(exc).__name__}: {detail}).",
                        "Run 'slm-assistant docs check --repair'; if that fails too, "
                        "'slm-assistant index --rebuild' rebuilds the index from your files.")
