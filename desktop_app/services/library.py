"""Library: the document index as a use-case shared by the CLI and the GUI.

Owns the embedder, the two stores and the manifest (built lazily: opening the Library costs
nothing until a document is indexed or searched). All methods may be called from worker
threads; indexing runs are serialised.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from pathlib import Path
from typing import Callable, Generator, Sequence

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings, SettingsStore
from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import AppError, PolicyError
from desktop_app.core.records import Hit
from desktop_app.rag.embedder import Embedder, build_embedder
from desktop_app.rag.records import CollectionInfo, DocumentInfo, IndexProgress, IndexReport

ON_DEVICE_ONLY_KEY = "routing.on_device_only_collections"


def with_on_device_only(names: Sequence[str], name: str, flag: bool) -> list[str]:
    """``names`` with collection ``name`` marked on-device only (appended) or not (removed)."""
    rest = [c for c in names if c != name]
    return rest + [name] if flag else rest


class Library:
    """Index, search and organise documents (``LibraryProcess`` serves the same API from a child process).

    Args:
        embedder: an Embedder to use instead of the one named in settings (tests).
        vector_store: a VectorStore to use instead of the one chosen by settings (tests).
    """

    def __init__(self, paths: AppPaths, settings: Settings, policy: MachinePolicy, embedder: Embedder | None = None,
                 vector_store=None) -> None:
        self.paths = paths
        self.settings = settings
        self.policy = policy
        self._embedder = embedder
        self._lock = threading.RLock()
        self._index_lock = threading.Lock()
        self._manifest = None
        self._keywords = None
        self._vectors = vector_store
        self._indexer = None
        self._watcher = None

    # ------------------------------------------------------------------ components (lazy)

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = build_embedder(self.settings.rag.embedder)
            return self._embedder

    @property
    def manifest(self):
        with self._lock:
            if self._manifest is None:
                from desktop_app.rag.manifest import Manifest

                self._manifest = Manifest(self.paths.index_manifest)
            return self._manifest

    def _stores(self):
        with self._lock:
            if self._keywords is None:
                from desktop_app.rag.keyword_store import KeywordStore

                self._keywords = KeywordStore(self.paths.index_dir / "keywords.sqlite3")
            if self._vectors is None:
                from desktop_app.rag.vector_store import open_vector_store

                self._vectors = open_vector_store(self.settings.rag, self.paths.index_dir)
            return self._vectors, self._keywords

    @property
    def indexer(self):
        with self._lock:
            if self._indexer is None:
                from desktop_app.rag.indexer import Indexer

                vectors, keywords = self._stores()
                self._indexer = Indexer(self.embedder, vectors, keywords, self.manifest)
            return self._indexer

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
        while not self._index_lock.acquire(timeout=0.2):  # one run at a time (GUI, watcher, CLI)
            if cancel.cancelled:
                return IndexReport(cancelled=True)
        try:
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
            return total
        finally:
            self._index_lock.release()

    def reset_index(self) -> None:
        """Forget every indexed document (both stores and the manifest) and the recorded model."""
        vectors, keywords = self._stores()
        vectors.reset()
        keywords.reset()
        self.manifest.reset()

    # ------------------------------------------------------------------ retrieval

    def retriever(self):
        """The hybrid Retriever, or None while no document is indexed.

        Raises:
            IndexMismatchError: the index was built by another embedding model.
        """
        if not self.manifest.has_documents():
            return None
        indexer = self.indexer
        indexer.check_embedder()
        from desktop_app.rag.retriever import HybridRetriever

        return HybridRetriever(self.embedder, indexer.vectors, indexer.keywords,
                               on_device_only=lambda: list(self.settings.routing.on_device_only_collections))

    def warm_up(self) -> None:
        """Load the embedder and open the stores now (a worker at start-up), not at the first question."""
        self.indexer  # noqa: B018 - opens Chroma, FTS5 and the manifest
        self.embedder.embed(["warm up"])

    def search(self, query: str, k: int = 5, collections: Sequence[str] | None = None) -> list[Hit]:
        retriever = self.retriever()
        return retriever.retrieve(query, k=k, collections=collections) if retriever else []

    # ------------------------------------------------------------------ organising

    def documents(self, collection: str | None = None) -> list[DocumentInfo]:
        return [DocumentInfo(r.path, r.collection, r.pages, r.chunks, r.indexed_at, r.sha256)
                for r in self.manifest.documents(collection)]

    def collections(self) -> list[CollectionInfo]:
        private = set(self.settings.routing.on_device_only_collections)
        totals: dict[str, list[int]] = {}
        for r in self.manifest.documents():
            t = totals.setdefault(r.collection, [0, 0, 0])
            t[0] += 1
            t[1] += r.pages
            t[2] += r.chunks
        return [CollectionInfo(name, d, p, c, name in private) for name, (d, p, c) in sorted(totals.items())]

    def remove_document(self, path: str) -> None:
        """Remove a document's chunks from both indexes (the file itself is not touched)."""
        key = self._known_path(path)
        with self._index_lock:
            self.indexer.purge(key)

    def remove_collection(self, name: str) -> None:
        with self._index_lock:
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

        def on_change(folder: str) -> None:
            # Runs on the watcher thread; index() waits for any run the GUI started.
            gen = self.index([folder], collection)
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
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None

    def close(self) -> None:
        self.stop_watching()
        with self._lock:
            for obj in (self._keywords, self._vectors, self._manifest):
                if obj is not None:
                    try:
                        obj.close()
                    except Exception:  # noqa: BLE001 - closing must never stop shutdown
                        pass
            self._keywords = self._vectors = self._manifest = self._indexer = None


def _merge(total: IndexReport, report: IndexReport) -> None:
    total.files_indexed += report.files_indexed
    total.files_unchanged += report.files_unchanged
    total.files_removed += report.files_removed
    total.pages += report.pages
    total.chunks += report.chunks
    total.skipped.extend(report.skipped)
    total.failed.extend(report.failed)
    total.cancelled = total.cancelled or report.cancelled
    total.seconds += report.seconds
