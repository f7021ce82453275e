"""The documents panel's background jobs: plain functions that run on a WorkerPool thread.

Runs on a pool thread: never touch widgets here. Every Library call goes through these,
listing included, because the first call may load Chroma and the embedder (seconds).
"""

from __future__ import annotations

import logging
from typing import Any, Generator

from desktop_app.app_core import Core
from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import AppError, Cancelled
from desktop_app.rag.records import CollectionInfo, DocumentInfo, IndexProgress, IndexReport

log = logging.getLogger(__name__)


def library_of(core: Core) -> Any:
    """The core's Library, with a plain message when this installation lacks document support."""
    try:
        return core.library
    except ImportError as exc:  # the optional document stack is missing or broken
        raise AppError(
            "Document search is not available in this installation.",
            "Reinstall SLM Assistant to restore it.",
        ) from exc


def index_job(core: Core, paths: list[str], collection: str, cancel: CancelToken,
              rebuild: bool = False) -> Generator[IndexProgress, None, IndexReport]:
    """Index ``paths`` into ``collection``; a cancellation raised as ``Cancelled`` becomes a report.

    ``rebuild`` re-indexes every known document first (after a change of embedding model).
    """
    library = library_of(core)
    extra = {"rebuild": True} if rebuild else {}
    try:
        report = yield from library.index(list(paths), collection=collection, cancel=cancel, **extra)
    except Cancelled:
        return IndexReport(cancelled=True)
    if report is None:  # a Library that forgot its report must not crash the panel
        report = IndexReport(cancelled=cancel.cancelled)
    return report


def listing_job(core: Core, cancel: CancelToken) -> tuple[list[CollectionInfo], list[DocumentInfo], bool]:
    """Collections and documents for the tree, and whether this Library can watch folders."""
    library = library_of(core)
    return list(library.collections()), list(library.documents()), callable(getattr(library, "watch", None))


def conversation_collections_job(core: Core, conversation_id: int, cancel: CancelToken) -> tuple[int, list[str]]:
    """The collections a stored conversation uses (empty when it is not found)."""
    conv = core.store.get_conversation(conversation_id)
    return conversation_id, list(conv.collections) if conv is not None else []


def save_collections_job(core: Core, conversation_id: int, names: list[str], cancel: CancelToken) -> None:
    core.store.set_collections(conversation_id, list(names))


def remove_document_job(core: Core, path: str, cancel: CancelToken) -> None:
    library_of(core).remove_document(path)


def remove_collection_job(core: Core, name: str, cancel: CancelToken) -> None:
    library_of(core).remove_collection(name)


def on_device_only_job(core: Core, name: str, flag: bool, cancel: CancelToken) -> None:
    """Mark a collection on-device only (the Library keeps it in the saved settings)."""
    library_of(core).set_on_device_only(name, flag)


def warm_up_job(core: Core, cancel: CancelToken) -> None:
    """Load the embedder and the vector store ahead of the first question (idle time after start).

    Loading them imports torch and Chroma, whose native initialisation holds the GIL for a few
    hundred milliseconds; doing it once, early, keeps that stall out of indexing and answering.
    A problem here is not reported: the real search reports it, in context.
    """
    try:
        library_of(core).search("warm up", k=1)
    except Exception:  # noqa: BLE001 - best effort; the next real search shows any error
        log.warning("Warming up the document index failed; the next search will report it", exc_info=True)
