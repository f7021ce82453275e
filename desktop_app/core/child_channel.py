"""ChildChannel: one child process and the pipe its replies come back on, shared by many callers.

Used by the two things that run in child processes: the document library (``LibraryProcess``)
and the local model (``ProcessBackend``). Messages are ``(kind, rid, value)`` tuples; requests are
tagged with an id; one reader thread routes each reply to the queue of the caller waiting for it,
so callers on different threads never read the pipe themselves. When the child dies, every
waiting caller gets ``("stopped", exitcode)`` and later requests raise ``stopped_error()``.
"""

from __future__ import annotations

import queue
import threading
from typing import Any, Callable


class ChildChannel:
    """The parent's end of a child process.

    Args:
        process: the started ``multiprocessing`` process.
        conn: the parent's end of its duplex pipe.
        stopped_error: builds the exception a request raises once the child is gone.
        on_unrouted: called on the reader thread with ``(kind, value)`` for messages of the kinds
            in ``unrouted_kinds`` (e.g. unsolicited reports), which go to no caller's queue.
        name: the reader thread's name.
    """

    def __init__(self, process, conn, stopped_error: Callable[[], BaseException],
                 on_unrouted: Callable[[str, Any], None] | None = None, unrouted_kinds: tuple[str, ...] = (),
                 name: str = "child-reader", pending: dict[int, queue.Queue] | None = None) -> None:
        self.process = process
        self.conn = conn
        self.pending: dict[int, queue.Queue] = dict(pending or {})  # a caller may wait before the first request
        self.alive = True
        self._lock = threading.Lock()  # guards pending, alive and sends
        self._stopped_error = stopped_error
        self._on_unrouted = on_unrouted
        self._unrouted = unrouted_kinds
        self._reader = threading.Thread(target=self._read, daemon=True, name=name)
        self._reader.start()

    def request(self, rid: int, message: tuple) -> queue.Queue:
        """Send ``message`` and return the queue its replies arrive on."""
        replies: queue.Queue = queue.Queue()
        with self._lock:
            if not self.alive:
                raise self._stopped_error()
            self.pending[rid] = replies
            try:
                self.conn.send(message)
            except (OSError, ValueError):
                self.pending.pop(rid, None)
                raise self._stopped_error() from None
        return replies

    def send(self, message: tuple) -> None:
        """Send without waiting for a reply (cancel, settings); quiet when the child is gone."""
        with self._lock:
            if self.alive:
                try:
                    self.conn.send(message)
                except (OSError, ValueError):
                    pass

    def forget(self, rid: int) -> None:
        with self._lock:
            self.pending.pop(rid, None)

    def _read(self) -> None:
        # Runs on the reader thread: only routes messages, never calls back into the owner
        # (except ``on_unrouted``, which must only hand the value on).
        while True:
            try:
                kind, rid, value = self.conn.recv()
            except Exception:  # noqa: BLE001 - EOF (child gone), closed pipe, or an unreadable reply
                break
            if kind in self._unrouted and self._on_unrouted is not None:
                self._on_unrouted(kind, value)
                continue
            with self._lock:
                replies = self.pending.get(rid)
            if replies is not None:
                replies.put((kind, value))
        with self._lock:
            self.alive = False
            waiting, self.pending = list(self.pending.values()), {}
        exitcode = None
        try:
            self.process.join(2)  # the exit code tells the waiting callers why
            exitcode = getattr(self.process, "exitcode", None)
        except Exception:  # noqa: BLE001 - whatever happens here, the waiting callers must be told
            pass
        for replies in waiting:
            replies.put(("stopped", exitcode))
