"""Library: the document index as a use-case shared by the CLI and the GUI.

The writes are here (index, reset, check and repair, remove, metadata and on-device-only
edits, the folder watch); the reads are in ``library_reads``, and the components (embedder, the
two stores, the manifest: built lazily, so opening the Library costs nothing until a document is
indexed or searched) in ``library_stores``. All methods may be called from worker threads.

One writer at a time per data folder, across processes: every write (index, remove, reset,
repair, the folder watch) holds the folder's ``WriterLock``; searches take no lock (the SQLite
files are in WAL mode, and Chroma is reopened when another process wrote since it was opened).
Every store failure reaches the caller as one plain AppError (``rag.store_failures``).
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from pathlib import Path
from typing import Callable, Generator, Sequence

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings, SettingsStore
from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import AppError, PolicyError, StorageError
from desktop_app.core.records import Hit
from desktop_app.rag.consistency import IndexCheck
from desktop_app.rag.embedder import Embedder
from desktop_app.rag.records import CollectionInfo, DocumentInfo, IndexProgress, IndexReport
from desktop_app.rag.store_failures import index_failure
from desktop_app.services.index_writes import IndexWrites, note
from desktop_app.services.library_reads import LibraryReads
from desktop_app.services.library_stores import LibraryStores

log = logging.getLogger(__name__)

ON_DEVICE_ONLY_KEY = "routing.on_device_only_collections"


def with_on_device_only(names: Sequence[str], name: str, flag: bool) -> list[str]:
    """``names`` with collection ``name`` marked on-device only (appended) or not (removed)."""
    rest = [c for c in names if c != name]
    return rest + [name] if flag else rest


class Library:
    """Index, search and organise documents (``LibraryProcess`` serves the same API from a child process).

    The writes live here; the reads are ``LibraryReads``'s and the components' lifecycle is
    ``LibraryStores``'s.

    Args:
        embedder: an Embedder to use instead of the one named in settings (tests).
        vector_store: a VectorStore to use instead of the one chosen by settings (tests).
    """

    def __init__(self, paths: AppPaths, settings: Settings, policy: MachinePolicy, embedder: Embedder | None = None,
                 vector_store=None, settings_lock: threading.RLock | None = None) -> None:
        self.paths = paths
        self.settings = settings
        self.policy = policy
        # The Core's settings lock: the on-device-only switch changes and saves the settings
        # file, which the Core's other writers change too (Core.update_settings).
        self._settings_lock = settings_lock or threading.RLock()
        self.stores = LibraryStores(paths, settings, embedder, vector_store)
        self._writes = IndexWrites(paths.index_dir, lambda: self.stores.manifest, self.stores.open,
                                   self.stores.refresh, self.stores.wrote, self._tell_waiting)
        self._reads = LibraryReads(self.stores, settings, lambda: self._writes.lock.depth > 0)
        self._watcher = None
        self._watch_cancel: CancelToken | None = None
        # Called with the "another indexing run is in progress" line when a write other than
        # index() (which yields it as progress) has to wait: the CLI prints it.
        self.on_writer_wait: Callable[[str], None] | None = None

    # The components, for tests and diagnostics (each opens on first use).

    @property
    def embedder(self) -> Embedder:
        return self.stores.embedder

    @property
    def manifest(self):
        return self.stores.manifest

    @property
    def document_meta(self):
        return self.stores.document_meta

    @property
    def indexer(self):
        return self.stores.indexer

    def _tell_waiting(self, line: str) -> None:
        if self.on_writer_wait is not None:
            self.on_writer_wait(line)

    # ------------------------------------------------------------------ indexing

    def index(self, paths: list[str], collection: str = "default", cancel: CancelToken | None = None,
              rebuild: bool = False) -> Generator[IndexProgress, None, IndexReport]:
        """Index files and folders into ``collection``; yields progress, returns the report.

        Args:
            rebuild: drop the whole index first and index every known document again (after a
                change of embedding model), plus ``paths``.

        Raises:
            IndexMismatchError: the index was built by another embedding model (and not rebuild).
            StorageError: the index cannot be written.
        """
        cancel = cancel or CancelToken()
        collection = (collection or "default").strip() or "default"
        if not (yield from self._writes.wait(cancel)):
            return IndexReport(cancelled=True)
        outer, ok = self._writes.outermost, False
        try:
            if outer:
                repaired = self._writes.begin()
                if repaired is not None:
                    yield note(repaired.summary())
            indexer = self.indexer
            jobs: list[tuple[list[str], str]] = []
            if rebuild:
                groups: dict[str, list[str]] = defaultdict(list)
                for row in self.manifest.documents(state=None):
                    groups[row.collection].append(row.path)
                self.reset_index()
                jobs.extend((files, name) for name, files in groups.items())
            if paths:
                jobs.append((list(paths), collection))
            total = IndexReport()
            for job_paths, name in jobs:
                report = yield from indexer.run(job_paths, name, cancel)
                _merge(total, report)
                if report.cancelled:
                    break
            ok = True
            return total
        except Exception as exc:  # noqa: BLE001 - every store failure becomes one plain sentence
            error = index_failure(exc, self.paths.index_dir)
            if isinstance(error, StorageError):
                self._drop_half_written()
            raise error from exc
        finally:
            self._writes.end(outer, ok)

    def _drop_half_written(self) -> None:
        """After a failed run (a full disk), remove its half-written files now if the disk allows;
        otherwise the next writer does (the index is not marked clean)."""
        try:
            self.indexer.recover()
        except Exception:  # noqa: BLE001 - the first failure is the one to report
            log.warning("Removing a failed run's half-written files failed; the next writer retries", exc_info=True)

    def reset_index(self) -> None:
        """Forget every indexed document (both stores and the manifest) and the recorded model."""
        with self._writes.writing():
            vectors, keywords = self.stores.open()
            vectors.reset()
            keywords.reset()
            self.manifest.reset()
            self.document_meta.reset()

    def check(self, repair: bool = False) -> IndexCheck:
        """Compare the manifest with both stores; with ``repair``, remove what disagrees.

        Waits for a running index job (its half-written documents are not leftovers).
        """
        return self._writes.check(repair)

    # ------------------------------------------------------------------ reads (LibraryReads)

    def retriever(self):
        """The hybrid Retriever, or None while no document is indexed.

        Its ``retrieve`` sees other processes' writes, lists only documents that ``documents()``
        lists, and raises plain AppErrors.

        Raises:
            IndexMismatchError: the index was built by another embedding model.
            StorageError: the index cannot be read (full disk, damaged files).
        """
        return self._reads.retriever()

    def search(self, query: str, k: int = 5, collections: Sequence[str] | None = None) -> list[Hit]:
        return self._reads.search(query, k, collections)

    def unmentioned(self, words: Sequence[str], collections: Sequence[str] | None = None) -> list[str]:
        """The ``words`` that no indexed passage of ``collections`` holds (``[]`` when unsure)."""
        return self._reads.unmentioned(words, collections)

    def documents(self, collection: str | None = None) -> list[DocumentInfo]:
        return self._reads.documents(collection)

    def collections(self) -> list[CollectionInfo]:
        return self._reads.collections()

    def passages(self, path: str) -> list[Hit]:
        """Every passage of one indexed document in reading order, without its header line
        (whole-document tasks: summaries, lists; a cited page). A file asked about in a
        conversation may be named by the user's path, as its citations name it.

        Raises:
            AppError: ``path`` is not an indexed document, or is still being indexed.
        """
        return self._reads.passages(self._known_path(self._reads.indexed_key(path)))

    def warm_up(self) -> None:
        """Load the embedder and open the stores now (a worker at start-up), not at the first question."""
        self.indexer  # noqa: B018 - opens Chroma, FTS5 and the manifest
        self.embedder.embed(["warm up"])

    # ------------------------------------------------------------------ organising

    def set_document_meta(self, path: str, **fields: str) -> DocumentInfo:
        """Correct a document's title, organisation, type, period or reference (None: unchanged, "": as read).

        Search uses the change at once; the passages' headers follow at the document's next indexing.
        """
        from desktop_app.rag.records import document_info

        key = self._known_path(path)
        meta = self.document_meta.set_user(key, **fields)
        return document_info(self.manifest.get(key), meta, 0)

    def remove_document(self, path: str) -> None:
        """Remove a document's chunks from both indexes (the file itself is not touched)."""
        with self._writes.writing():
            key = self._known_path(path)
            self.indexer.purge(key)

    def remove_collection(self, name: str) -> None:
        with self._writes.writing():
            indexer = self.indexer
            if not self.manifest.documents(name, state=None):
                raise AppError(f"There is no collection called '{name}'.", "Run 'slm-assistant docs list' to see them.")
            indexer.vectors.delete_collection(name)
            indexer.keywords.delete_collection(name)
            self.manifest.remove_collection(name)

    def set_on_device_only(self, name: str, flag: bool) -> None:
        """Mark a collection on-device only (its passages never leave the device); saved in settings."""
        self.policy.check_can_set(ON_DEVICE_ONLY_KEY)
        if not flag and name in self.policy.required(ON_DEVICE_ONLY_KEY):
            raise PolicyError(f"Your organization keeps the collection '{name}' on this device.")
        # Like `config set`: change the user's own file read fresh from disk, so values forced by
        # the machine policy are never copied into it; then update the live settings.
        with self._settings_lock:
            store = SettingsStore(self.paths.settings_file)
            own = store.load()
            own.set(ON_DEVICE_ONLY_KEY, with_on_device_only(own.routing.on_device_only_collections, name, flag))
            store.save(own)
            live = self.settings.routing.on_device_only_collections
            self.settings.set(ON_DEVICE_ONLY_KEY, with_on_device_only(live, name, flag))

    def _known_path(self, path: str) -> str:
        candidates = [path]
        try:
            candidates.append(str(Path(path).expanduser().resolve()))
        except OSError:
            pass
        for candidate in candidates:
            if self.manifest.get(candidate) is not None:
                return candidate
        raise AppError(f"{path} is not in the document index.", "Run 'slm-assistant docs list' to see what is.")

    # ------------------------------------------------------------------ watching

    def watch(self, folders: list[str] | None = None, collection: str = "default", interval_s: float = 5.0,
              on_report: Callable[[IndexReport], None] | None = None) -> None:
        """Watch folders (default: settings.rag.watch_folders) and index changes as they settle."""
        from desktop_app.rag.watcher import FolderWatcher

        folders = list(folders if folders is not None else self.settings.rag.watch_folders)
        self.stop_watching()
        if not folders:
            return
        cancel = self._watch_cancel = CancelToken()

        def on_change(folder: str) -> None:
            # Runs on the watcher thread; index() waits for any other writer (this window's own
            # run, a CLI index in another process), and gives up when watching stops.
            gen = self.index([folder], collection, cancel)
            try:
                while True:
                    next(gen)
            except StopIteration as stop:
                if on_report is not None and stop.value is not None:
                    on_report(stop.value)
            except AppError:
                pass  # the next change tries again; the GUI shows index errors of its own runs

        self._watcher = FolderWatcher(folders, on_change, interval_s)
        self._watcher.start()

    def stop_watching(self) -> None:
        if self._watch_cancel is not None:
            self._watch_cancel.cancel()  # a run waiting for the writer lock must not hold up the stop
            self._watch_cancel = None
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None

    def close(self) -> None:
        self.stop_watching()
        self.stores.close()


def _merge(total: IndexReport, report: IndexReport) -> None:
    total.files_indexed += report.files_indexed
    total.files_unchanged += report.files_unchanged
    total.files_removed += report.files_removed
    total.pages += report.pages
    total.chunks += report.chunks
    total.skipped.extend(report.skipped)
    total.failed.extend(report.failed)
    total.partial.extend(report.partial)
    total.cancelled = total.cancelled or report.cancelled
    total.seconds += report.seconds


def _place_on_page(chunk_id: str) -> int:
    """A chunk's position on its page, from its id (``...-p{page}-c{index}``, ``indexer.chunk_id``)."""
    _, sep, index = chunk_id.rpartition("-c")
    return int(index) if sep and index.isdigit() else 0

