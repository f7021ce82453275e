"""One generic worker for every long job: runs a generator (or function) on QThreadPool.

Rule of the house: workers never touch widgets. They talk to the GUI thread only through
signals (``started``, ``yielded``, ``returned``, ``errored``, ``finished``), which Qt delivers
queued on the receiver's thread. Cancellation is cooperative: ``cancel()`` sets the job's
CancelToken, which the generator checks between yields.
"""

from __future__ import annotations

import traceback
from typing import Any, Callable, Iterator

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import AppError


class WorkerSignals(QObject):
    started = Signal()
    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(object)  # an AppError (plain-language), never a raw traceback
    finished = Signal()


class Worker(QRunnable):
    """Runs ``fn(*args, cancel=token, **kwargs)`` off the GUI thread.

    If ``fn`` returns a generator, each item is emitted with ``yielded`` and the generator's
    return value with ``returned``; otherwise the result is emitted with ``returned``.
    """

    def __init__(self, fn: Callable[..., Any], *args: Any, pass_cancel: bool = True, **kwargs: Any) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the owner keeps a reference until `finished`
        self.signals = WorkerSignals()
        self.cancel_token = CancelToken()
        self._fn = fn
        self._args = args
        self._kwargs = dict(kwargs)
        if pass_cancel:
            self._kwargs["cancel"] = self.cancel_token

    def cancel(self) -> None:
        self.cancel_token.cancel()

    # Runs on a pool thread: never touch widgets here.
    def run(self) -> None:
        self.signals.started.emit()
        try:
            result = self._fn(*self._args, **self._kwargs)
            if isinstance(result, Iterator):
                result = self._drain(result)
            self.signals.returned.emit(result)
        except AppError as exc:
            self.signals.errored.emit(exc)
        except Exception as exc:  # an unexpected bug: show a plain line, log the details
            traceback.print_exc()
            self.signals.errored.emit(AppError(f"Something went wrong: {exc.__class__.__name__}: {exc}".strip()))
        finally:
            self.signals.finished.emit()

    def _drain(self, gen: Iterator[Any]) -> Any:
        try:
            while True:
                item = next(gen)
                self.signals.yielded.emit(item)
        except StopIteration as stop:
            return stop.value
        finally:
            gen.close()


class WorkerPool:
    """Starts workers, keeps them alive until they finish, and waits for them on quit."""

    def __init__(self, pool: QThreadPool | None = None) -> None:
        self.pool = pool or QThreadPool.globalInstance()
        self._running: set[Worker] = set()

    def start(self, worker: Worker) -> Worker:
        self._running.add(worker)
        worker.signals.finished.connect(lambda w=worker: self._running.discard(w))
        self.pool.start(worker)
        return worker

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_yielded: Callable[[Any], None] | None = None,
        on_returned: Callable[[Any], None] | None = None,
        on_errored: Callable[[AppError], None] | None = None,
        on_finished: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> Worker:
        """Build a Worker for ``fn``, connect the callbacks, then start it.

        Callbacks are connected *before* the job starts: a signal emitted before anything is
        connected would be lost. They run on the GUI thread (queued connections).
        """
        worker = Worker(fn, *args, **kwargs)
        for signal, slot in (
            (worker.signals.yielded, on_yielded),
            (worker.signals.returned, on_returned),
            (worker.signals.errored, on_errored),
            (worker.signals.finished, on_finished),
        ):
            if slot is not None:
                signal.connect(slot)
        return self.start(worker)

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Cancel every running job and wait for the pool to drain (called on quit)."""
        for w in list(self._running):
            w.cancel()
        return self.pool.waitForDone(timeout_ms)
