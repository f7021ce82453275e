"""Files asked about in one conversation only ("drop it on the message box"): indexed into a
collection private to that conversation, hidden from every collection list, deleted with it.

The private collection's name is derived from the conversation's id (``~private:conversation-42``),
so the association outlives a restart without a schema change: reopening the conversation finds
its file by listing that collection. The one-shot form (``ask --file`` without a conversation)
uses a random name and removes it after the answer.

The dropped file is copied into the index folder first and the copy is indexed: the index keys a
document by its path, so indexing the user's own file would move it out of a collection it may
already belong to, and removing the private collection would then remove it from there too. The
copy also keeps the conversation's cited pages readable if the original is moved. Sources name the
user's file, not the copy (``services.conversation_file_names``). The copies live in
the index folder (``index/conversation-files/conversation-42/``) because they belong to the index:
finding that folder empty tells a question there is nothing to look up, without asking the library.

Indexing goes through ``DocumentLibrary.index`` (the library child process in the window);
removal through ``remove_document`` (Chroma rows, keyword rows, document metadata and manifest
row, like the documents panel's Remove).
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from pathlib import Path
from typing import Any, Callable, Generator, Iterable, Sequence

from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import AppError, Cancelled, DocumentError, storage_error_from_os
from desktop_app.rag.document_files import SUPPORTED_SUFFIXES, is_supported
from desktop_app.rag.records import IndexProgress, IndexReport
from desktop_app.services.conversation_file_names import ORIGINALS_FILE, record_originals

log = logging.getLogger(__name__)

# No collection name a user can type holds "~" or ":" (gui/documents/formatting.py), so these
# names never collide with the user's own collections.
PRIVATE_PREFIX = "~private:"
FILES_FOLDER = "conversation-files"


def conversation_collection(conversation_id: int) -> str:
    """The collection private to one conversation."""
    return f"{PRIVATE_PREFIX}conversation-{int(conversation_id)}"


def one_shot_collection() -> str:
    """A collection for one question only (``ask --file`` without ``--conversation``)."""
    return f"{PRIVATE_PREFIX}ask-{uuid.uuid4().hex[:12]}"


def is_private(name: str) -> bool:
    """Whether ``name`` is a conversation's private collection (never listed to the user)."""
    return name.startswith(PRIVATE_PREFIX)


def public(names: Iterable[str]) -> list[str]:
    """``names`` without the private collections."""
    return [n for n in names if not is_private(n)]


def copies_folder(index_dir: Path, collection: str) -> Path:
    """Where the indexed copies of one private collection's files live."""
    return Path(index_dir) / FILES_FOLDER / collection.removeprefix(PRIVATE_PREFIX)


def check_droppable(path: str) -> None:
    """Refuse, in one plain line, what cannot be asked about (a folder, an unreadable type).

    Raises:
        DocumentError: the file is missing, a folder, or of a type the indexer does not read.
    """
    p = Path(path)
    if p.is_dir():
        raise DocumentError(f"{p.name} is a folder: drop one file on the message box, or add folders to Documents.")
    if not is_supported(p):
        kinds = ", ".join(s.lstrip(".").upper() for s in sorted(SUPPORTED_SUFFIXES))
        raise DocumentError(f"{p.name} cannot be read: {p.suffix or 'files without an extension'} is not a "
                            f"document type the assistant reads ({kinds}).")
    if not p.is_file():
        raise DocumentError(f"{p.name} was not found.")


def attach(library, index_dir: Path, collection: str, paths: Sequence[str],
           cancel: CancelToken | None = None) -> Generator[IndexProgress, None, IndexReport]:
    """Copy ``paths`` into the index folder and index the copies into ``collection``.

    Runs on a worker in the window (copies a file, indexes it). A file that could not be indexed
    leaves nothing behind (its copy is deleted); the report says why.

    Raises:
        DocumentError: a path cannot be asked about (``check_droppable``), or nothing was indexed.
        StorageError: the copy cannot be written.
    """
    for path in paths:
        check_droppable(path)
    folder = copies_folder(index_dir, collection)
    copies = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path in paths:
            target = folder / Path(path).name
            shutil.copy2(path, target)
            copies.append(str(target))
    except OSError as exc:
        raise storage_error_from_os(exc, "the copy of the dropped file") from exc
    # Before indexing: a search while the copy is being indexed already names the user's file.
    record_originals(folder, {Path(p).name: os.path.abspath(os.path.expanduser(p)) for p in paths})
    try:
        report = yield from library.index(copies, collection, cancel)
    except Cancelled:  # the library process may say so by raising
        report = IndexReport(cancelled=True)
    indexed = {d.path for d in library.documents(collection)}
    unread = [copy for copy in copies if copy not in indexed]
    for copy in unread:
        Path(copy).unlink(missing_ok=True)
    if unread:
        record_originals(folder, {}, drop=[Path(c).name for c in unread])
    if report.cancelled and not indexed:
        return report
    if not indexed:
        reasons = "; ".join(f"{Path(p.path).name}: {p.reason}" for p in report.failed + report.skipped)
        raise DocumentError(f"Could not read {', '.join(Path(p).name for p in paths)}"
                            + (f" ({reasons})." if reasons else "."))
    return report


def has_copies(index_dir: Path, collection: str) -> bool:
    """Whether files were ever copied for ``collection`` (no folder: nothing to ask the library)."""
    folder = copies_folder(index_dir, collection)
    try:
        return any(p.name != ORIGINALS_FILE for p in folder.iterdir())
    except OSError:
        return False


def attached_files(library, index_dir: Path, collection: str) -> list[str]:
    """The file names indexed in a private collection ([] when it holds none)."""
    if not has_copies(index_dir, collection):
        return []
    return [Path(d.path).name for d in library.documents(collection)]


def detach(library, index_dir: Path, collection: str) -> None:
    """Delete a private collection: each document through the index's remove path, then the copies.

    Runs on a worker in the window. Nothing to delete is not an error.
    """
    if not is_private(collection):
        raise AppError(f"'{collection}' is not a conversation's own collection.")
    for doc in library.documents(collection):
        library.remove_document(doc.path)
    shutil.rmtree(copies_folder(index_dir, collection), ignore_errors=True)


def forget_conversation(library_of: Callable[[], Any], index_dir: Path, conversation_id: int) -> None:
    """After a conversation is deleted: delete its private collection, logging (not raising) a failure.

    ``library_of`` is called only when files were dropped in the conversation: deleting any other
    conversation never starts the library (Chroma, the embedder, the window's library process).
    """
    name = conversation_collection(conversation_id)
    if not has_copies(index_dir, name):
        return
    try:
        detach(library_of(), index_dir, name)
    except AppError:
        log.warning("Removing the files of deleted conversation %s failed", conversation_id, exc_info=True)
