"""LazyLoad: one slow-to-build object (a model process), built once on first use from any thread.

The Core keeps its models in these: the window's workers, the CLI and the local API may ask
for the same model from two threads at once, and the settings may change while it loads.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from typing import Any, Callable

from desktop_app.core.errors import AppError

log = logging.getLogger(__name__)


class LazyLoad:
    """Builds its value with ``load`` on first ``get``; a second caller during the load waits for
    the same load, never starts another. ``load`` may return None ("nothing to load"), which is
    kept like any other value until ``reset``.

    ``reset`` never waits (the GUI thread calls it): a load in progress notices that it is
    stale when it ends, closes what it built and loads again with the new settings.
    """

    def __init__(self, load: Callable[[], Any], name: str = "model") -> None:
        self._load = load
        self._name = name
        self._lock = threading.Lock()  # guards the bookkeeping only, never held during a load
        self._value: Any = None
        self._ready = False
        self._loading: Future | None = None
        self._generation = 0  # bumped by reset and set: a load started before is stale
        self._closed = False

    def get(self) -> Any:
        """The value, built first if needed (seconds: never on the GUI thread).

        Raises:
            Whatever ``load`` raises (every waiting caller gets the same error), or AppError
            when the owner closed meanwhile.
        """
        with self._lock:
            if self._ready:
                return self._value
            loading = self._loading
            owner = loading is None
            if owner:
                loading = self._loading = Future()
                generation = self._generation
        if not owner:
            return loading.result()
        try:
            value = self._load_current(generation)
        except BaseException as exc:
            loading.set_exception(exc)
            raise
        else:
            loading.set_result(value)
            return value
        finally:
            with self._lock:
                if self._loading is loading:
                    self._loading = None

    def _load_current(self, generation: int) -> Any:
        while True:
            value = self._load()
            with self._lock:
                if self._closed:
                    stale, value = value, None
                elif self._generation == generation:
                    self._value, self._ready = value, True
                    return value
                else:  # reset during the load: load again with the new settings
                    stale, generation = value, self._generation
            close_quietly(stale)
            if self._closed:
                raise AppError("The app is closing.")

    def loaded(self) -> Any:
        """The value if built already, else None (never loads: diagnostics, status)."""
        with self._lock:
            return self._value if self._ready else None

    def set(self, value: Any, ready: bool = True) -> None:
        """Use ``value`` as if loaded (``ready=False``: forget, build again on the next ``get``).
        A load still running is stale; the old value is not closed (the caller owns it)."""
        with self._lock:
            self._value, self._ready = value, ready
            self._generation += 1

    def reset(self) -> None:
        """Forget the value (its settings changed); it is closed on a thread of its own, since
        closing a model waits for its process to exit (about 0.35 s, measured by
        benchmarks/gui_model_load_latency.py). Not a daemon: the interpreter waits for it at exit."""
        with self._lock:
            old, self._value, self._ready = self._value, None, False
            self._generation += 1
        if old is not None:
            threading.Thread(target=close_quietly, args=(old,), name=f"{self._name}-close", daemon=False).start()

    def close(self) -> None:
        """Close the value now; a load still running closes what it builds."""
        with self._lock:
            old, self._value, self._ready, self._closed = self._value, None, False, True
        close_quietly(old)


def close_quietly(obj: Any) -> None:
    if obj is None:
        return
    try:
        obj.close()
    except Exception:  # closing must never stop shutdown
        log.warning("Closing %s failed", type(obj).__name__, exc_info=True)
