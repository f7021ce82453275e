"""Cooperative cancellation shared by the GUI (Stop/Esc), the CLI (Ctrl+C) and workers."""

from __future__ import annotations

import threading


class CancelToken:
    """A flag that a long job checks between steps; thread-safe."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()
