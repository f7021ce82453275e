"""The producer side of the indexing pipeline: runs on its own thread, never writes the index.

For each file it hashes the content, skips it when the manifest already has that content, and
otherwise opens it and streams its pages' chunks into a bounded queue as typed messages, which
the Indexer (on the calling thread) turns into embeddings and writes, in order.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from pathlib import Path

from desktop_app.core.errors import DocumentError
from desktop_app.core.files import sha256_of
from desktop_app.rag import loaders
from desktop_app.rag.chunker import Chunker
from desktop_app.rag.manifest import Manifest


# Messages from the producer to the Indexer, in file order.


@dataclass(frozen=True)
class Begin:
    """A changed or new file was opened; its chunks follow."""

    path: str
    sha: str
    pages: int
    size: int


@dataclass(frozen=True)
class PageChunks:
    path: str
    page: int
    texts: tuple[str, ...]


@dataclass(frozen=True)
class End:
    path: str


@dataclass(frozen=True)
class Note:
    path: str
    message: str


@dataclass(frozen=True)
class Unchanged:
    path: str
    size: int


@dataclass(frozen=True)
class Failed:
    path: str
    reason: str
    size: int
    started: bool  # chunks of it may already be in the batch or the stores


class Stop(Exception):
    """The Indexer stopped listening (cancel or error)."""


class FileProducer:
    """Reads, hashes and chunks files into ``q``; ends with ``None``. Runs on the producer thread."""

    def __init__(self, chunker: Chunker, manifest: Manifest, limits: loaders.LoaderLimits) -> None:
        self.chunker = chunker
        self.manifest = manifest
        self.limits = limits

    def run(self, files: list[Path], collection: str, q: queue.Queue, stop: threading.Event) -> None:
        """Runs on the producer thread: reads, hashes and chunks files; never writes the index."""

        def put(item: object) -> None:
            while not stop.is_set():
                try:
                    q.put(item, timeout=0.1)
                    return
                except queue.Full:
                    continue
            raise Stop

        try:
            for path in files:
                if stop.is_set():
                    return
                self._file(path, collection, put)
        except Stop:
            return
        finally:
            try:
                q.put(None, timeout=1)
            except queue.Full:
                pass

    def _file(self, path: Path, collection: str, put) -> None:
        key = str(path)
        size = file_size(path)
        started = False
        try:
            try:
                sha = sha256_of(path)
            except OSError as exc:
                raise DocumentError(f"{path.name}: cannot be read ({exc.strerror or exc}).") from None
            row = self.manifest.get(key)
            if row is not None and row.state == "done" and row.sha256 == sha and row.collection == collection:
                put(Unchanged(key, size))
                return
            doc = None
            if path.suffix.lower() in loaders.PDF_SUFFIXES:
                doc = loaders.PdfDocument(path, self.limits)
                pages, page_iter = doc.page_count, doc.pages()
            else:
                pages, page_iter = max(1, -(-size // loaders.PAGE_CHARS)), loaders.load_pages(path, self.limits)
                # Opening a text file is cheap; fail early (empty, binary) before marking it pending.
                first = next(page_iter)
                page_iter = _prepend(first, page_iter)
            put(Begin(key, sha, pages, size))
            started = True
            for page in page_iter:
                texts = tuple(c.text for c in self.chunker.chunk_page(page.number, page.text))
                if texts:
                    put(PageChunks(key, page.number, texts))
            if doc is not None and doc.failed_pages:
                listed = ", ".join(map(str, doc.failed_pages[:10])) + ("…" if len(doc.failed_pages) > 10 else "")
                put(Note(key, f"{path.name}: {len(doc.failed_pages)} page(s) could not be read and were left out (pages {listed})."))
            put(End(key))
        except Stop:
            raise
        except DocumentError as exc:
            put(Failed(key, exc.message, size, started))
        except Exception as exc:  # noqa: BLE001 - a bug in one file must not stop the others
            put(Failed(key, f"{path.name}: could not be read (unexpected {type(exc).__name__}: {exc})", size, started))


def _prepend(first, rest):
    yield first
    yield from rest


def file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
