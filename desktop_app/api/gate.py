"""One generation at a time on the loaded model, a bounded queue behind it, 429 beyond.

Thread-based on purpose: a request's whole answer (prepare, retrieval, generation) runs on its
own worker thread, which waits here for the model; the event loop only counts admissions, so
it never blocks and stays free to refuse the next request at once.
"""

from __future__ import annotations

import math
import threading
import time

from desktop_app.core.cancel import CancelToken

POLL_S = 0.05  # how often a queued request checks whether its client has gone


class ServerBusy(Exception):
    """The queue is full; ``retry_after_s`` estimates when a place frees up."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"busy; retry after {retry_after_s} s")
        self.retry_after_s = retry_after_s


class GenerationGate:
    """Admits at most ``1 + queue_size`` requests: one generating, the rest waiting in turn.

    Args:
        queue_size: how many requests may wait while one generates (``api.queue_size``).
    """

    def __init__(self, queue_size: int) -> None:
        self.queue_size = max(0, int(queue_size))
        self._model = threading.Lock()
        self._count_lock = threading.Lock()
        self._admitted = 0
        self._mean_s = 0.0  # running mean of recent generation times, for Retry-After

    @property
    def admitted(self) -> int:
        """Requests generating or waiting now."""
        with self._count_lock:
            return self._admitted

    def admit(self) -> "Ticket":
        """A place in the queue, or ServerBusy when every place is taken (never blocks)."""
        with self._count_lock:
            if self._admitted >= 1 + self.queue_size:
                raise ServerBusy(self.retry_after_s())
            self._admitted += 1
        return Ticket(self)

    def retry_after_s(self) -> int:
        """Whole seconds until the current generation is likely done (at least 1)."""
        return max(1, math.ceil(self._mean_s))

    def _leave(self, held_s: float | None) -> None:
        with self._count_lock:
            self._admitted -= 1
            if held_s is not None:
                self._mean_s = held_s if self._mean_s == 0 else 0.7 * self._mean_s + 0.3 * held_s


class Ticket:
    """One admitted request: ``wait`` for the model (on the worker thread), then ``release``."""

    def __init__(self, gate: GenerationGate) -> None:
        self._gate = gate
        self._held_since: float | None = None
        self._released = False
        self._lock = threading.Lock()

    def wait(self, cancel: CancelToken) -> bool:
        """Block until the model is free; False if ``cancel`` fired first (the client left)."""
        while not self._gate._model.acquire(timeout=POLL_S):
            if cancel.cancelled:
                return False
        if cancel.cancelled:
            self._gate._model.release()
            return False
        self._held_since = time.perf_counter()
        return True

    def release(self) -> None:
        """Free the model (if held) and the queue place; safe to call more than once."""
        with self._lock:
            if self._released:
                return
            self._released = True
        held = None
        if self._held_since is not None:
            held = time.perf_counter() - self._held_since
            self._gate._model.release()
        self._gate._leave(held)
