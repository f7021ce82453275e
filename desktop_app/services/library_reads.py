"""LibraryReads: what the Library answers without writing: search, the retriever answers use,
the documents and collections lists.

Reads take no writer lock (the SQLite files are in WAL mode); they see other processes' writes
because Chroma is reopened when another process wrote since it was opened. A passage whose
document is not listed (half-written by a running job, an orphan awaiting repair) is never
returned, so search never disagrees with ``docs list``. A file asked about in a conversation is
named by the path the user gave, not by its indexed copy (``services.conversation_file_names``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from desktop_app.config.settings import Settings
from desktop_app.core.records import Hit
from desktop_app.rag.manifest import LISTED
from desktop_app.rag.records import CollectionInfo, DocumentInfo
from desktop_app.rag.store_failures import index_failure
from desktop_app.services.conversation_file_names import indexed_copies, named_by_user
from desktop_app.services.conversation_files import FILES_FOLDER, is_private, public
from desktop_app.services.guarded_retriever import GuardedRetriever
from desktop_app.services.library_stores import LibraryStores


# How far down the ranking a search looks (times k) when documents being written hide its hits.
UNLISTED_LOOKAHEAD = 8


class LibraryReads:
    """Search and list the index of one Library.

    Args:
        stores: the Library's components.
        writing_here: true while this process holds the writer lock (then a failed read is not
            another process's write racing it, and is not retried).
    """

    def __init__(self, stores: LibraryStores, settings: Settings, writing_here: Callable[[], bool]) -> None:
        self.stores = stores
        self.settings = settings
        self._writing_here = writing_here

    def retriever(self):
        """The hybrid Retriever, or None while no document is indexed (see ``Library.retriever``)."""
        stores = self.stores
        try:
            if not stores.manifest.has_documents():
                return None
            indexer = stores.indexer
            indexer.check_embedder()
        except Exception as exc:  # noqa: BLE001
            raise index_failure(exc, stores.paths.index_dir, searching=True) from exc
        from desktop_app.rag.retriever import HybridRetriever

        hybrid = HybridRetriever(stores.embedder, indexer.vectors, indexer.keywords,
                                 on_device_only=lambda: list(self.settings.routing.on_device_only_collections),
                                 documents=stores.document_meta.all)
        return GuardedRetriever(self._retrieve, hybrid)

    def search(self, query: str, k: int = 5, collections: Sequence[str] | None = None) -> list[Hit]:
        retriever = self.retriever()
        return retriever.retrieve(query, k=k, collections=collections) if retriever else []

    def unmentioned(self, words: Sequence[str], collections: Sequence[str] | None = None) -> list[str]:
        """The ``words`` that no passage of ``collections`` (every public one when None) holds.

        A check that cannot run (no index, a store being rebuilt) finds every word mentioned:
        it only ever lets the Assistant decline, so in doubt it must not.
        """
        stores = self.stores
        try:
            with stores.reading:
                if not stores.manifest.has_documents():
                    return []
                stores.refresh()
                _vectors, keywords = stores.open()
                if collections is None:
                    collections = self._every_public_collection()
                return keywords.unmentioned(list(words), collections)
        except Exception:  # noqa: BLE001 - see above: no answer means no decline
            return []

    def documents(self, collection: str | None = None) -> list[DocumentInfo]:
        from desktop_app.rag.records import document_info

        meta = self.stores.document_meta
        metas = meta.all()
        rows = self.stores.manifest.documents(collection)
        if collection is None:  # a conversation's own files are listed only by their collection's name
            rows = [r for r in rows if not is_private(r.collection)]
        return [document_info(r, metas.get(r.path), meta.format(r.path) if r.path in metas else 0) for r in rows]

    def collections(self) -> list[CollectionInfo]:
        private = set(self.settings.routing.on_device_only_collections)
        totals: dict[str, list[int]] = {}
        for r in self.stores.manifest.documents():
            if is_private(r.collection):
                continue  # a conversation's own collection (services.conversation_files): never listed
            t = totals.setdefault(r.collection, [0, 0, 0])
            t[0] += 1
            t[1] += r.pages
            t[2] += r.chunks
        return [CollectionInfo(name, d, p, c, name in private) for name, (d, p, c) in sorted(totals.items())]

    def passages(self, key: str) -> list[Hit]:
        """Every passage of the document ``key`` (a manifest path) in reading order: page, then
        place on the page; the contextual header line is removed. Reads the keyword store, which
        holds every chunk's text."""
        from desktop_app.core.errors import AppError
        from desktop_app.rag.doc_meta import strip_header

        if not _is_listed(self.stores.manifest.get(key)):
            raise AppError(f"{key} is still being indexed.", "Try again when indexing has finished.")
        with self.stores.reading:
            _, keywords = self.stores.open()
            chunks = sorted(keywords.chunks_of(key), key=lambda c: (c.page, _place_on_page(c.id)))
        return [Hit(c.source, c.page, strip_header(c.text, c.page, c.unit), 0.0, c.collection, c.id, unit=c.unit) for c in chunks]

    def indexed_key(self, key: str) -> str:
        """The manifest path of ``key``: itself, or for a file asked about in a conversation (which
        search names by the user's path) its indexed copy."""
        if self.stores.manifest.get(key) is not None:
            return key
        for copy in indexed_copies(self.stores.paths.index_dir / FILES_FOLDER, key):
            for candidate in (copy, str(Path(copy).resolve())):
                if self.stores.manifest.get(candidate) is not None:
                    return candidate
        return key

    def _retrieve(self, hybrid, query: str, k: int, collections: Sequence[str] | None) -> list[Hit]:
        stores = self.stores
        with stores.reading:
            try:
                stores.refresh()
                return self._retrieve_listed(hybrid, query, k, collections)
            except Exception as exc:  # noqa: BLE001
                if not (stores.owns_vectors and not self._writing_here()):
                    raise index_failure(exc, stores.paths.index_dir, searching=True) from exc
                first = exc
            # Another process is writing: Chroma's copy of the vector index in this process is
            # behind the log it is reading ("Error finding id"). Read once more from a fresh open.
            try:
                stores.refresh(force=True)
                return self._retrieve_listed(hybrid, query, k, collections)
            except Exception as exc:  # noqa: BLE001
                raise index_failure(exc, stores.paths.index_dir, searching=True) from first

    def _retrieve_listed(self, hybrid, query: str, k: int, collections: Sequence[str] | None) -> list[Hit]:
        hybrid.vectors, hybrid.keywords = self.stores.open()
        if collections is None:
            collections = self._every_public_collection()
        manifest = self.stores.manifest
        wanted = k
        while True:
            found = hybrid.retrieve(query, k=wanted, collections=collections)
            hits = [h for h in found if _is_listed(manifest.get(h.source))
                    and not (collections is None and is_private(h.collection))]  # a file written since
            # A document being written ranks like any other but is not shown: when its passages
            # filled the top k, look further down rather than answer with fewer (or none).
            if len(hits) >= k or len(found) < wanted or wanted >= k * UNLISTED_LOOKAHEAD:
                return named_by_user(hits[:k], is_private)
            wanted = min(wanted * 2, k * UNLISTED_LOOKAHEAD)

    def _every_public_collection(self) -> list[str] | None:
        """What "every collection" searches: the user's own collections, not conversations' files.

        They are left out before ranking (filtering the top k afterwards returned fewer than k
        hits whenever a conversation's file matched best). None while no conversation has a file,
        so the usual search runs unfiltered.
        """
        names = self.stores.manifest.collection_names()
        return public(names) if any(is_private(n) for n in names) else None


def _place_on_page(chunk_id: str) -> int:
    """A chunk's position on its page, from its id (``...-p{page}-c{index}``, ``indexer.chunk_id``)."""
    _, sep, index = chunk_id.rpartition("-c")
    return int(index) if sep and index.isdigit() else 0


def _is_listed(row) -> bool:
    return row is not None and row.state in LISTED  # a partial document's kept pages are searchable
