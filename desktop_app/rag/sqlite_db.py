"""Opening the index's own SQLite files (the manifest and the keyword index) one way."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def connect_wal(db_path: Path, synchronous: str) -> sqlite3.Connection:
    """Open ``db_path`` (creating its folder) in autocommit and WAL mode, shareable across threads.

    The caller serialises use of the connection with its own lock and maps failures to its own
    StorageError.

    Args:
        synchronous: the ``PRAGMA synchronous`` level, "NORMAL" or "FULL".

    Raises:
        OSError: the folder cannot be created.
        sqlite3.Error: the file cannot be opened or set up.
    """
    db_path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(db_path), check_same_thread=False, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={synchronous}")  # a PRAGMA takes no parameters
    except BaseException:
        db.close()
        raise
    return db
