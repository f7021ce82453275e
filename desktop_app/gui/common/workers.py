"""One generic worker for every long job: runs a generator (or function) on QThreadPool.

Rule of the house: workers never touch widgets. They talk to the GUI thread only through
signals (``started``, ``yielded``, ``returned``, ``errored``, ``finished``), which Qt delivers
queued on the receiver's thread. Cancellation is cooperative: ``cancel()`` sets the job's
CancelToken, which the generator checks between yields.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Iterator

from PySide6.QtCore import SIGNAL, QObject, QRunnable, QThreadPool, Signal

from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import AppError

log = logging.getLogger(__name__)


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

    @property
    def job_name(self) -> str:
        """The job's function name, for the log (never its arguments: they may hold user text)."""
        return getattr(self._fn, "__qualname__", None) or type(self._fn).__name__

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
            # Expected, plain-language failures: one line in the log (no traceback, no user text
            # beyond the sentence the user is shown anyway), so support can see what happened.
            log.warning("%s failed: %s: %s", self.job_name, type(exc).__name__, exc)
            self.signals.errored.emit(exc)
        except Exception as exc:  # an unexpected bug: show a plain line, log the details
            log.exception("%s failed unexpectedly", self.job_name)
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


def show_failure(error: AppError) -> None:
    """The default ``on_errored`` (anki's ``failure``): a job nobody listens to still says it failed.

    Runs on the GUI thread. A non-modal message box over the active window: it must not block
    the event loop (nor a test), and the log already holds the details (``Worker.run``).
    """
    from PySide6.QtWidgets import QApplication, QMessageBox

    box = QMessageBox(QMessageBox.Icon.Warning, "Something went wrong", getattr(error, "message", str(error)),
                      QMessageBox.StandardButton.Ok,
                      QApplication.activeWindow())
    box.setObjectName("workerFailure")
    hint = getattr(error, "hint", "")
    if hint:
        box.setInformativeText(hint)
    # Without a parent (no window active yet) only this reference keeps the box alive until closed.
    _open_failures.add(box)
    box.finished.connect(lambda _result, b=box: _open_failures.discard(b))
    box.show()


_open_failures: set = set()


class WorkerPool:
    """Starts workers, keeps them alive until they finish, and waits for them on quit.

    Args:
        pool: the thread pool (default: Qt's global one).
        on_failure: shows the error of a job started without ``on_errored`` (default:
            ``show_failure``; the main window may pass its error banner).
    """

    def __init__(self, pool: QThreadPool | None = None, on_failure: Callable[[AppError], None] | None = None) -> None:
        self.pool = pool or QThreadPool.globalInstance()
        self.on_failure = on_failure or show_failure
        self._running: set[Worker] = set()

    def start(self, worker: Worker) -> Worker:
        """Start ``worker``; if nothing listens to its ``errored``, the pool's ``on_failure`` does."""
        if not worker.signals.receivers(SIGNAL("errored(PyObject)")):
            worker.signals.errored.connect(self.on_failure)
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
        connected would be lost. They run on the GUI thread (queued connections). Without
        ``on_errored`` the pool's ``on_failure`` shows the error: never silence.
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
