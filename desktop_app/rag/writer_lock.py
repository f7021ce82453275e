"""One writer at a time per index folder, across processes: an OS file lock holding the writer's PID.

Why: the manifest, the keyword index and Chroma are three stores updated in a fixed order (see
``manifest.py``). Two writers interleaving those orders lose documents: a second indexer's crash
recovery took the first one's 'pending' documents for crash leftovers and purged their rows while
their chunks were still being written, leaving chunks no ``docs list`` knew. Every path that
writes the index (CLI index/docs remove/reset, the window's library process, the folder watch)
therefore holds this lock; readers (search, ask) never take it.

The lock is ``fcntl.flock`` on POSIX and ``msvcrt.locking`` on Windows: the operating system
drops it when its process ends, however it ends, so a lock left by a killed process never blocks.
The PID written into the file is only for the "waiting for PID n" message; a stale PID in the
file means nothing once nobody holds the lock.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from desktop_app.core.cancel import CancelToken

POLL_S = 0.2  # how often a waiting writer retries (and looks at its CancelToken)
# Windows locks a byte range and refuses reads inside it: lock one byte far past the PID text.
_WIN_LOCK_OFFSET = 1 << 20


def waiting_message(pid: int | None) -> str:
    """The line shown while another writer holds the lock (CLI stderr, the window's progress)."""
    who = f" (PID {pid})" if pid else ""
    return f"Another indexing run is in progress{who}; waiting for it to finish…"


def is_waiting_message(message: str) -> bool:
    return message.startswith("Another indexing run is in progress")


class WriterLock:
    """The index folder's writer lock; re-entrant in the thread that holds it.

    Threads of one process share the object (one Library): the first ``acquire`` takes the file
    lock and the others queue on a thread lock in front of it. The thread lock is a plain Lock,
    not an RLock, so a generator holding it may be closed (and release it) from another thread.

    Args:
        path: the lock file (created with its folder when first needed).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._thread_lock = threading.Lock()
        self._owner: int | None = None  # thread ident of the holder
        self._depth = 0
        self._fd: int | None = None

    @property
    def depth(self) -> int:
        """How many nested ``acquire`` calls the holder made (0: not held by this object)."""
        return self._depth

    def holder(self) -> int | None:
        """The PID written by the current (or last) holder; None when unknown."""
        try:
            text = self.path.read_text(encoding="ascii", errors="ignore")[:32]
        except OSError:
            return None
        digits = text.split("\n", 1)[0].strip()
        return int(digits) if digits.isdigit() else None

    def acquire(self, cancel: CancelToken | None = None, on_wait: Callable[[int | None], None] | None = None,
                timeout_s: float | None = None) -> bool:
        """Wait until this thread holds the lock; False when cancelled or timed out first.

        Args:
            cancel: give up (return False) once it is cancelled.
            on_wait: called once, with the holder's PID, when the lock is busy and waiting starts.
            timeout_s: give up after this long (None: wait as long as it takes).

        Raises:
            OSError: the lock file cannot be created (read-only disk, permissions).
        """
        if self._owner == threading.get_ident():
            self._depth += 1
            return True
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        told = False
        while not self._thread_lock.acquire(timeout=POLL_S):  # another thread of this process writes
            if not told and on_wait is not None:
                on_wait(os.getpid())
                told = True
            if _give_up(cancel, deadline):
                return False
        try:
            fd = self._open()
            try:
                while not _try_lock(fd):
                    if not told and on_wait is not None:
                        on_wait(self.holder())
                        told = True
                    if _give_up(cancel, deadline):
                        _close_quietly(fd)
                        self._thread_lock.release()
                        return False
                    time.sleep(POLL_S)
                _write_pid(fd)
            except BaseException:
                _close_quietly(fd)  # closing the descriptor also drops a file lock taken on it
                raise
        except BaseException:
            self._thread_lock.release()
            raise
        self._fd, self._owner, self._depth = fd, threading.get_ident(), 1
        return True

    def release(self) -> None:
        """Undo one ``acquire``; the last one frees the file lock (from any thread)."""
        if self._depth <= 0:
            raise RuntimeError("WriterLock.release() without acquire()")
        self._depth -= 1
        if self._depth == 0:
            fd, self._fd, self._owner = self._fd, None, None
            if fd is not None:
                _unlock(fd)
                _close_quietly(fd)
            self._thread_lock.release()

    def __enter__(self) -> "WriterLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def _open(self) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(str(self.path), os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)


def _give_up(cancel: CancelToken | None, deadline: float | None) -> bool:
    return (cancel is not None and cancel.cancelled) or (deadline is not None and time.monotonic() >= deadline)


def _write_pid(fd: int) -> None:
    # Only the holder writes, so readers see a whole PID or an empty file, never two mixed.
    try:
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
    except OSError:
        pass  # a full disk must not stop the lock itself: the PID is only for the message


def _close_quietly(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


if sys.platform == "win32":  # pragma: no cover - exercised on Windows CI only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        except OSError:
            pass
