"""LibraryProcess: the Library's public API, served by a child process (the GUI uses it).

The GUI must never stall for more than 50 ms, but Chroma's upserts and the first imports of
torch/transformers/chromadb hold the GIL for up to a second. In a child process they hold the
child's GIL; this process never imports them (see ``library_host`` for the child side).

Thread rule: every method may be called from any thread at once. One pipe carries all traffic:
requests are tagged with an id; one reader thread routes each reply (and each index progress
message) to the queue of the caller waiting for it, so a search answers while an index job
streams progress. Callers block only on their own queue, never on the pipe.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from typing import Any, Callable, Generator, Sequence

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.core import errors
from desktop_app.core.cancel import CancelToken
from desktop_app.core.child_channel import ChildChannel
from desktop_app.core.errors import AppError
from desktop_app.core.records import Hit
from desktop_app.rag.records import CollectionInfo, DocumentInfo, IndexProgress, IndexReport
from desktop_app.services.library import ON_DEVICE_ONLY_KEY, with_on_device_only

log = logging.getLogger(__name__)

CLOSE_GRACE_S = 15.0  # a running index job is cancelled and its stores closed within this
CANCEL_POLL_S = 0.1  # how often a waiting index() looks at its CancelToken


class IndexerStoppedError(AppError):
    """The child process serving the Library died (crash, out of memory, killed)."""

    def __init__(self) -> None:
        super().__init__("The document indexer stopped unexpectedly; your index is safe.", "Try again.")


def error_from(kind: str, value: Any) -> BaseException:
    """The exception a child reply describes, as the same typed AppError where it was one."""
    if kind == "error":
        name, message, hint = value
        cls = getattr(errors, name, None)
        if not (isinstance(cls, type) and issubclass(cls, AppError)):
            cls = AppError
        try:
            error = cls(message, hint)
        except TypeError:  # a subclass with another constructor
            error = AppError(message, hint)
        return error
    if kind == "exception" and isinstance(value, BaseException):
        return value
    return IndexerStoppedError()


def _Channel(process, conn, on_report: Callable[[IndexReport], None]) -> ChildChannel:
    """The library child's channel: index reports go to ``on_report``, all else to its caller."""
    return ChildChannel(process, conn, IndexerStoppedError, on_unrouted=lambda _kind, report: on_report(report),
                        unrouted_kinds=("report",), name="library-process-reader")


class _RemoteRetriever:
    """The Retriever that ``LibraryProcess.retriever()`` returns: each query runs in the child."""

    def __init__(self, owner: "LibraryProcess") -> None:
        self._owner = owner

    def retrieve(self, query: str, k: int = 5, collections: Sequence[str] | None = None) -> list[Hit]:
        return self._owner.search(query, k=k, collections=collections)


class LibraryProcess:
    """Same public API as ``services.library.Library``; the work happens in a child process.

    The child starts on the first call (``multiprocessing`` spawn context: no fork of a Qt
    process) and again on the call after it died. ``close()`` stops it. The child uses
    ``paths``, ``settings`` and ``policy`` themselves (pickled), so it sees exactly what this
    process sees.
    """

    def __init__(self, paths: AppPaths, settings: Settings, policy: MachinePolicy,
                 settings_lock: threading.RLock | None = None) -> None:
        self.paths = paths
        self.settings = settings
        self.policy = policy
        # The Core's settings lock, held while the child saves the on-device-only switch and this
        # process mirrors it: no other save in this process interleaves (Core.update_settings).
        # Taken before ``_lock``, never after it.
        self._settings_lock = settings_lock or threading.RLock()
        self._lock = threading.RLock()  # guards starting, stopping and the settings snapshot
        self._channel: ChildChannel | None = None
        self._ids = itertools.count(1)
        self._sent_settings: dict | None = None
        self._watching: tuple | None = None  # the last watch() arguments, renewed after a restart
        self._on_report: Callable[[IndexReport], None] | None = None
        self._report_lock = threading.Lock()

    # ------------------------------------------------------------------ the child

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs (tests, diagnostics)."""
        channel = self._channel
        return channel.process.pid if channel is not None and channel.alive else None

    def _live_channel(self) -> ChildChannel:
        """The running child's channel, starting a child when none runs (or the last one died)."""
        with self._lock:
            channel = self._channel
            if channel is not None and channel.alive and channel.process.is_alive():
                self._sync_settings(channel)
                return channel
            if channel is not None:
                self._discard(channel)
            self._channel = channel = self._spawn()
            if self._watching is not None:  # a restarted child watches the same folders again
                channel.send(("call", next(self._ids), ("watch", self._watching, {})))
            return channel

    def _spawn(self) -> ChildChannel:
        import multiprocessing

        from desktop_app.services import library_host

        ctx = multiprocessing.get_context("spawn")
        parent_end, child_end = ctx.Pipe(duplex=True)
        self._sent_settings = self.settings.to_json()
        process = ctx.Process(target=library_host.main, name="slm-library",
                              args=(child_end, self.paths, self.settings, self.policy), daemon=True)
        try:
            process.start()
        except OSError as exc:
            parent_end.close()
            raise AppError("The document indexer could not start.", f"{exc.strerror or exc}") from exc
        finally:
            child_end.close()  # only the child holds its end: its death closes the pipe for us
        return _Channel(process, parent_end, self._dispatch_report)

    def _sync_settings(self, channel: ChildChannel) -> None:
        # The settings dialog changes this process's Settings; the child holds a copy.
        snapshot = self.settings.to_json()
        if snapshot != self._sent_settings:
            channel.send(("settings", None, self.settings))
            self._sent_settings = snapshot

    def _discard(self, channel: ChildChannel) -> None:
        try:
            channel.conn.close()
        except OSError:
            pass
        channel.process.join(0.5)
        if channel.process.is_alive():
            channel.process.kill()
            channel.process.join(2)

    def _dispatch_report(self, report: IndexReport) -> None:
        # Runs on the reader thread: hand the callback its own thread, so a callback that calls
        # back into the Library cannot wait on the thread that must deliver its reply.
        callback = self._on_report
        if callback is not None:
            threading.Thread(target=self._run_report, args=(callback, report), daemon=True,
                             name="library-watch-report").start()

    def _run_report(self, callback: Callable[[IndexReport], None], report: IndexReport) -> None:
        with self._report_lock:  # reports arrive in order, one at a time, as from the watcher thread
            try:
                callback(report)
            except Exception:  # noqa: BLE001 - a failing listener must not stop later reports
                log.exception("A folder-watch report listener failed")

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        channel = self._live_channel()
        rid = next(self._ids)
        replies = channel.request(rid, ("call", rid, (method, args, kwargs)))
        try:
            kind, value = replies.get()
        finally:
            channel.forget(rid)
        if kind == "result":
            return value
        raise error_from(kind, value)

    # ------------------------------------------------------------------ indexing

    def index(self, paths: list[str], collection: str = "default", cancel: CancelToken | None = None,
              rebuild: bool = False) -> Generator[IndexProgress, None, IndexReport]:
        """Index files and folders into ``collection`` in the child; yields progress, returns the report.

        Raises:
            IndexMismatchError, StorageError: as ``Library.index``.
            IndexerStoppedError: the child died during the run.
        """
        cancel = cancel or CancelToken()
        channel = self._live_channel()
        rid = next(self._ids)
        replies = channel.request(rid, ("index", rid, (list(paths), collection, bool(rebuild))))
        cancel_sent = finished = False
        try:
            while True:
                if cancel.cancelled and not cancel_sent:
                    channel.send(("cancel", rid, None))
                    cancel_sent = True
                try:
                    kind, value = replies.get(timeout=CANCEL_POLL_S)
                except queue.Empty:
                    continue
                if kind == "progress":
                    yield value
                    continue
                finished = True
                if kind == "result":
                    return value
                raise error_from(kind, value)
        finally:
            if not finished:  # the caller stopped iterating: the child's job stops too
                channel.send(("cancel", rid, None))
            channel.forget(rid)

    def reset_index(self) -> None:
        """Forget every indexed document (both stores and the manifest) and the recorded model."""
        self._call("reset_index")

    def check(self, repair: bool = False):
        """Compare the manifest with both stores in the child (``Library.check``); returns an IndexCheck."""
        return self._call("check", repair)

    # ------------------------------------------------------------------ retrieval

    def retriever(self):
        """A Retriever whose queries run in the child, or None while no document is indexed.

        Raises:
            IndexMismatchError: the index was built by another embedding model.
        """
        return _RemoteRetriever(self) if self._call("retriever_ready") else None

    def warm_up(self) -> None:
        """Start the child and load the embedder and stores there, ahead of the first question."""
        self._call("warm_up")

    def search(self, query: str, k: int = 5, collections: Sequence[str] | None = None) -> list[Hit]:
        return self._call("search", query, k=k, collections=list(collections) if collections is not None else None)

    def passages(self, path: str) -> list[Hit]:
        return self._call("passages", path)

    def unmentioned(self, words: Sequence[str], collections: Sequence[str] | None = None) -> list[str]:
        return self._call("unmentioned", list(words), collections=list(collections) if collections is not None else None)

    # ------------------------------------------------------------------ organising

    def documents(self, collection: str | None = None) -> list[DocumentInfo]:
        return self._call("documents", collection)

    def collections(self) -> list[CollectionInfo]:
        return self._call("collections")

    def remove_document(self, path: str) -> None:
        self._call("remove_document", path)

    def set_document_meta(self, path: str, **fields: str) -> DocumentInfo:
        return self._call("set_document_meta", path, **fields)

    def remove_collection(self, name: str) -> None:
        self._call("remove_collection", name)

    def set_on_device_only(self, name: str, flag: bool) -> None:
        """Mark a collection on-device only; saved by the child, mirrored in this process's settings."""
        with self._settings_lock:
            self._call("set_on_device_only", name, flag)
            with self._lock:  # the cloud gateway reads this process's settings
                names = with_on_device_only(self.settings.routing.on_device_only_collections, name, flag)
                self.settings.set(ON_DEVICE_ONLY_KEY, names)
                self._sent_settings = self.settings.to_json()  # the child made the same change

    # ------------------------------------------------------------------ watching

    def watch(self, folders: list[str] | None = None, collection: str = "default", interval_s: float = 5.0,
              on_report: Callable[[IndexReport], None] | None = None) -> None:
        """Watch folders (default: settings.rag.watch_folders) in the child; reports reach ``on_report``."""
        folders = list(folders if folders is not None else self.settings.rag.watch_folders)
        args = (folders, collection, interval_s, on_report is not None)
        self._on_report = on_report
        self._call("watch", *args)
        self._watching = args if folders else None

    def stop_watching(self) -> None:
        self._watching = None
        if self._channel is not None and self._channel.alive:
            self._call("stop_watching")

    def close(self) -> None:
        """Stop the child: ask it to close its stores, then terminate it if it does not exit in time."""
        with self._lock:
            channel, self._channel = self._channel, None
            self._watching = None
        if channel is None:
            return
        channel.send(("close", None, None))
        channel.process.join(CLOSE_GRACE_S)
        if channel.process.is_alive():
            channel.process.terminate()
            channel.process.join(3)
        if channel.process.is_alive():
            channel.process.kill()
            channel.process.join(3)
        try:
            channel.conn.close()
        except OSError:
            pass
