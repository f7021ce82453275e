"""The child side of ``LibraryProcess``: the real Library served over a multiprocessing pipe.

Why a child process: Chroma's Rust client and the first imports of torch/transformers hold the
GIL for 40-900 ms at a time, which froze the window while documents were indexed. Here they
hold the child's GIL instead; the GUI process never imports them.

Wire format (tuples, pickled by the Connection):
    parent -> child: ("call", id, (method, args, kwargs)), ("index", id, (paths, collection, rebuild)),
                     ("cancel", id, None), ("settings", None, Settings), ("close", None, None)
    child -> parent: ("result", id, value), ("progress", id, IndexProgress),
                     ("error", id, (AppError class name, message, hint)), ("exception", id, exc),
                     ("report", None, IndexReport)  (a watched folder was indexed)

Every request runs on its own daemon thread, so the receive loop stays free: a search or a
cancel is served while an index job runs. The child ends when the pipe closes (the parent
closed it, or died), so it is never left behind.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import signal
import threading
import time
from typing import Any

from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import AppError

# Library methods the parent may call by name (anything else is refused).
CALLS = frozenset({"search", "passages", "unmentioned", "documents", "collections", "remove_document", "remove_collection",
                   "set_document_meta", "set_on_device_only", "reset_index", "check", "warm_up", "stop_watching", "watch",
                   "retriever_ready", "ping"})
JOIN_ON_EXIT_S = 10.0  # how long a cancelled index job may take to stop before the stores close
EXIT_GRACE_S = 5.0  # then the process leaves even if some library's thread still runs


def error_message(exc: BaseException) -> tuple[str, Any]:
    """How an exception crosses the pipe: AppErrors by (class name, message, hint), others pickled."""
    if isinstance(exc, AppError):
        return "error", (type(exc).__name__, exc.message, exc.hint)
    try:
        pickle.dumps(exc)
        return "exception", exc
    except Exception:  # noqa: BLE001 - an exception that cannot travel becomes a plain AppError
        return "error", ("AppError", f"The document indexer failed: {type(exc).__name__}: {exc}", "")


class LibraryHost:
    """Serves one Library over ``conn`` until the pipe closes or the parent says close."""

    def __init__(self, conn, library, settings) -> None:
        self.conn = conn
        self.library = library
        self.settings = settings
        self._send_lock = threading.Lock()  # request threads and the loop share one pipe
        self._jobs: dict[int, CancelToken] = {}
        self._threads: list[threading.Thread] = []

    def send(self, message: tuple) -> None:
        try:
            with self._send_lock:
                self.conn.send(message)
        except (OSError, ValueError):  # the parent is gone: the receive loop sees EOF and ends
            pass

    def run(self) -> None:
        """The receive loop (main thread): dispatch every request; return when the pipe closes."""
        try:
            while True:
                try:
                    kind, rid, payload = self.conn.recv()
                except (EOFError, OSError):
                    return
                if kind == "close":
                    return
                if kind == "cancel":
                    token = self._jobs.get(rid)
                    if token is not None:
                        token.cancel()
                elif kind == "settings":
                    self._apply_settings(payload)
                elif kind == "index":
                    self._jobs[rid] = CancelToken()
                    self._start(self._index, rid, *payload)
                elif kind == "call":
                    self._start(self._call, rid, *payload)
        finally:
            self._shut_down()

    def _start(self, target, *args) -> None:
        # Daemon threads: a stuck request must never keep the child alive after the parent left.
        thread = threading.Thread(target=target, args=args, daemon=True, name="library-request")
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _apply_settings(self, fresh) -> None:
        # The Library (and its retriever's on-device-only check) holds this very object: update
        # it in place so the parent's changes (settings dialog) reach them.
        for f in dataclasses.fields(fresh):
            setattr(self.settings, f.name, getattr(fresh, f.name))

    def _index(self, rid: int, paths: list[str], collection: str, rebuild: bool) -> None:
        token = self._jobs[rid]
        try:
            gen = self.library.index(paths, collection, token, rebuild=rebuild)
            while True:
                try:
                    progress = next(gen)
                except StopIteration as stop:
                    self.send(("result", rid, stop.value))
                    return
                self.send(("progress", rid, progress))
        except BaseException as exc:  # noqa: BLE001 - every failure is reported to the parent
            self._report_error(rid, exc)
        finally:
            self._jobs.pop(rid, None)

    def _report_error(self, rid: int, exc: BaseException) -> None:
        kind, value = error_message(exc)
        self.send((kind, rid, value))

    def _call(self, rid: int, method: str, args: tuple, kwargs: dict) -> None:
        try:
            if method not in CALLS:
                raise AppError(f"The document indexer does not know '{method}'.")
            if method == "ping":
                result: Any = os.getpid()
            elif method == "retriever_ready":
                result = self.library.retriever() is not None
            elif method == "watch":
                result = self._watch(*args, **kwargs)
            else:
                result = getattr(self.library, method)(*args, **kwargs)
            self.send(("result", rid, result))
        except BaseException as exc:  # noqa: BLE001
            self._report_error(rid, exc)

    def _watch(self, folders, collection: str, interval_s: float, report: bool) -> None:
        on_report = (lambda r: self.send(("report", None, r))) if report else None
        self.library.watch(folders, collection, interval_s, on_report=on_report)

    def _shut_down(self) -> None:
        for token in list(self._jobs.values()):
            token.cancel()
        deadline = time.monotonic() + JOIN_ON_EXIT_S
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        try:
            self.library.close()
        except Exception:  # noqa: BLE001 - closing must never stop the exit
            pass
        try:
            self.conn.close()
        except OSError:
            pass


def serve(conn, paths, settings, policy) -> None:
    """Build the real Library from the parent's own paths, settings and policy; serve it over ``conn``.

    The parent built them with ``build_core`` (policy applied, unsaved changes included), so
    the child reads nothing again. The environment (offline, no telemetry) is inherited, and
    the embedder and vector-store adapters set it again before their imports.
    """
    from desktop_app.services.library import Library

    LibraryHost(conn, Library(paths, settings, policy), settings).run()


def main(conn, paths, settings, policy) -> None:
    """Process entry point: serve until the pipe closes, then exit (forced if a thread lingers)."""
    # Ctrl+C in a terminal reaches the whole process group: the parent decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        serve(conn, paths, settings, policy)
    finally:
        # A normal exit runs the finalizers (e.g. tqdm's semaphore is unlinked); should a
        # non-daemon thread of some library keep the interpreter waiting, leave anyway.
        watchdog = threading.Timer(EXIT_GRACE_S, os._exit, args=(0,))
        watchdog.daemon = True
        watchdog.start()
