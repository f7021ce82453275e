"""Turn SQLite and OS failures into StorageError messages a user can act on."""

from __future__ import annotations

import errno
import sqlite3

from desktop_app.core.errors import READ_ONLY_HINT, StorageError, disk_full_error, read_only_error, storage_error_from_os

# SQLite primary result codes (https://sqlite.org/rescode.html).
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 3, 5, 6, 8, 10, 11, 13, 14, 26


def _sqlite_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if code is not None:
        return int(code) & 0xFF
    text = str(exc).lower()  # older Pythons: recognise SQLite's fixed messages
    for needle, value in (
        ("disk is full", _FULL), ("readonly", _READONLY), ("unable to open", _CANTOPEN),
        ("not a database", _NOTADB), ("malformed", _CORRUPT), ("disk i/o", _IOERR),
        ("locked", _BUSY), ("access permission", _PERM),
    ):
        if needle in text:
            return value
    return None


def storage_error_from_sqlite(exc: BaseException, what: str, opening: bool = False) -> StorageError:
    """Map ``exc`` (OSError or sqlite3.Error) raised while handling ``what`` to a StorageError."""
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOTDIR, errno.EEXIST):
            return StorageError(
                f"The data folder cannot be used because a file is in its place, so {what} could not be saved.",
                "Move that file away or choose another data folder (--home).",
            )
        return storage_error_from_os(exc, what)
    code = _sqlite_code(exc) if isinstance(exc, sqlite3.Error) else None
    if code == _FULL:
        return disk_full_error(what)
    if code in (_READONLY, _PERM):
        return read_only_error(what)
    if code == _CANTOPEN:
        return StorageError(
            "The conversation database cannot be opened or created; the data folder may be read-only or missing.",
            READ_ONLY_HINT,
        )
    if code in (_CORRUPT, _NOTADB):
        return StorageError(
            "The conversation database is damaged or is not an SLM Assistant file.",
            "Move conversations.sqlite3 out of the data folder to start afresh; it was not changed.",
        )
    if code in (_BUSY, _LOCKED):
        return StorageError("The conversation database is busy in another program.", "Try again in a moment.")
    if code == _IOERR:
        return StorageError(f"The disk reported an error, so {what} could not be saved.", "Check the disk and try again.")
    verb = "opened" if opening else "saved"
    return StorageError(f"{what[:1].upper()}{what[1:]} could not be {verb}: {exc}.")
