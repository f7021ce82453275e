"""A blocking event generator run on its own thread, its events handed to the asyncio loop.

The model, retrieval and the SQLite store all block; running them here keeps the event loop
free to accept, refuse (429) and stream other requests. The thread never waits for the
consumer (events go into an unbounded asyncio queue), so it always finishes, and ``on_end``
(which frees the model) always runs, even when the client has long gone.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Callable, Iterator

from desktop_app.api.answering import Failed
from desktop_app.api.errors import ApiError

log = logging.getLogger(__name__)
_END = object()


class ThreadedEvents:
    """Iterate ``produce()`` on a worker thread; ``await next()`` gives each event, None at the end."""

    def __init__(self, produce: Callable[[], Iterator], on_end: Callable[[], None], name: str = "api-answer") -> None:
        self._produce = produce
        self._on_end = on_end
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue | None = None
        self.done = threading.Event()

    def start(self) -> None:
        """Start the worker; call from the event loop."""
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        threading.Thread(target=self._run, name=self._name, daemon=True).start()

    async def next(self):
        assert self._queue is not None
        item = await self._queue.get()
        return None if item is _END else item

    def _run(self) -> None:
        # Runs on the worker thread: only _put talks to the loop.
        try:
            for event in self._produce():
                self._put(event)
        except Exception:  # a bug: logged, and the client gets a plain 500, never a traceback
            log.exception("The local API failed while answering")
            self._put(Failed(ApiError(500, "The answer failed unexpectedly; the details are in the log.",
                                      "server_error")))
        finally:
            try:
                self._on_end()
            finally:
                self.done.set()
                self._put(_END)

    def _put(self, item) -> None:
        assert self._loop is not None and self._queue is not None
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
        except RuntimeError:
            pass  # the loop has closed (the server stopped): nobody is listening any more
