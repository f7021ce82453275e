"""LibraryStores: the document index's components for one Library, and their lifecycle.

Opening costs nothing: the embedder, the manifest, the metadata store, the keyword store,
Chroma and the Indexer are each built on first use. Chroma is the one store that must be
reopened when another process wrote (``refresh``); ``close`` closes everything it opened.
All methods may be called from worker threads.
"""

from __future__ import annotations

import logging
import threading

from desktop_app.config.paths import AppPaths
from desktop_app.config.settings import Settings
from desktop_app.rag.embedder import Embedder, build_embedder
from desktop_app.rag.store_failures import SpaceCheckedVectors
from desktop_app.services.index_writes import GENERATION_KEY

log = logging.getLogger(__name__)


class LibraryStores:
    """Builds, reopens and closes the index's components.

    Args:
        embedder: an Embedder to use instead of the one named in settings (tests).
        vector_store: a VectorStore to use instead of the one chosen by settings (tests); a store
            passed in is never reopened here.
    """

    def __init__(self, paths: AppPaths, settings: Settings, embedder: Embedder | None = None,
                 vector_store=None) -> None:
        self.paths = paths
        self.settings = settings
        self._embedder = embedder
        self._lock = threading.RLock()
        # Held by a search while it reads: a search never runs on a Chroma client being reopened.
        self.reading = threading.RLock()
        self._manifest = None
        self._document_meta = None
        self._keywords = None
        self._vectors = vector_store
        self.owns_vectors = vector_store is None  # only a store we opened can be reopened
        self._seen_generation: str | None = None
        self._indexer = None
        self._indexer_ocr = None  # the OCR options the indexer was built with

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

    @property
    def document_meta(self):
        """Each document's title, organisation, type and period (kept beside the manifest)."""
        with self._lock:
            if self._document_meta is None:
                from desktop_app.rag.doc_meta_store import DocumentMetaStore

                self._document_meta = DocumentMetaStore(self.paths.index_manifest)
            return self._document_meta

    def open(self):
        """The (vector store, keyword store) pair, opened if needed."""
        with self._lock:
            if self._keywords is None:
                from desktop_app.rag.keyword_store import KeywordStore

                self._keywords = KeywordStore(self.paths.index_dir / "keywords.sqlite3")
            if self._vectors is None:
                from desktop_app.rag.vector_store import open_vector_store

                self._seen_generation = self.manifest.get_meta(GENERATION_KEY)  # before: never newer than the data
                self._vectors = open_vector_store(self.settings.rag, self.paths.index_dir, self._keywords.by_ids)
            return self._vectors, self._keywords

    @property
    def indexer(self):
        from desktop_app.rag.ocr import OcrOptions

        with self._lock:
            options = OcrOptions.from_settings(self.settings.rag)
            if self._indexer is not None and options != self._indexer_ocr:
                # OCR switched on/off or its languages changed in Settings: the next job reads
                # with the new options (a running job keeps the indexer it started with).
                self._indexer = None
            if self._indexer is None:
                from desktop_app.rag.indexer import Indexer
                from desktop_app.rag.ocr_pages import OcrReader

                vectors, keywords = self.open()
                vectors = SpaceCheckedVectors(vectors, self.paths.index_dir)  # stop before a torn write
                ocr = OcrReader.from_options(options)  # its models load on the first scan
                self._indexer = Indexer(self.embedder, vectors, keywords, self.manifest, metadata=self.document_meta, ocr=ocr)
                self._indexer_ocr = options
            return self._indexer

    def refresh(self, force: bool = False) -> None:
        """Close Chroma if another process wrote since it was opened; the next use reopens it.

        Chroma keeps a folder's vector index in memory per process: a copy opened before another
        process's write neither finds the new passages nor may write (it would save its stale
        copy over the new one). The SQLite stores see other processes' commits by themselves.
        """
        generation = self.manifest.get_meta(GENERATION_KEY)
        with self.reading, self._lock:
            if self.owns_vectors and self._vectors is not None and (force or generation != self._seen_generation):
                stale, self._vectors, self._indexer = self._vectors, None, None
                stale.close()

    def wrote(self, generation: str) -> None:
        """This process wrote ``generation``: its own open Chroma has seen it."""
        self._seen_generation = generation

    def close(self) -> None:
        with self._lock:
            for obj in (self._keywords, self._vectors, self._document_meta, self._manifest):
                if obj is not None:
                    try:
                        obj.close()
                    except Exception:  # noqa: BLE001 - closing must never stop shutdown
                        log.warning("Closing %s failed", type(obj).__name__, exc_info=True)
            self._keywords = self._vectors = self._manifest = self._indexer = self._document_meta = None
