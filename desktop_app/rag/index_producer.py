"""The producer side of the indexing pipeline: runs on its own thread, never writes the index.

For each file it hashes the content, skips it when the manifest already has that content, and
otherwise opens it and streams its pages' chunks into a bounded queue as typed messages, which
the Indexer (on the calling thread) turns into embeddings and writes, in order.
"""

from __future__ import annotations

import itertools
import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.core.errors import DocumentError
from desktop_app.core.files import sha256_of
from desktop_app.rag import loaders
from desktop_app.rag.chunker import Chunker
from desktop_app.rag.doc_meta import DocumentMeta, header
from desktop_app.rag.doc_meta_extract import extract
from desktop_app.rag.manifest import Manifest
from desktop_app.rag.table_rows import rewrite_tables
from desktop_app.core.plurals import plural

META_PAGES = 3  # pages read before the first chunk, to learn what the document is


@dataclass(frozen=True)
class IndexOptions:
    """What indexing writes besides the plain passages (each can be switched off to measure it).

    Attributes:
        metadata: read each document's title, organisation, type and period (``doc_meta``).
        headers: put that identity in front of every chunk that is embedded and keyword-indexed.
        table_rows: rewrite table rows with their column headers (``table_rows``).
    """

    metadata: bool = True
    headers: bool = True
    table_rows: bool = True

    @property
    def format(self) -> int:
        """The index format these options write; documents written in an older one are re-indexed.

        2: document identity and table rows with their headers; 3: table rows whose header
        extraction sets off from the figures are read too (``table_rows._counted_spans``); 4: and
        those whose header runs cells together ("FY 2016 TargetMet/Trend", "FY 2017 Target Met/
        Trend") or stacks a column's year on a partial line; 5: and a target stacked above its
        comparator, and rows whose labels wrap so far that the header is up to 16 lines above; 6: a
        filing's registrant and period, and statement rows under "Three Months Ended" and their
        dates, any number of figure rows below their header (``table_rows``, ``doc_meta_extract``);
        7: a statement's dates that extraction ran together ("December 31, 2023December 31, 2022")
        are its columns, and rows with a "$" set apart are read by counting too.
        """
        if self.table_rows:
            return 7
        return 2 if (self.metadata or self.headers) else 1

    @classmethod
    def baseline(cls) -> "IndexOptions":
        """Plain passages only: the index as written before document understanding (benchmarks)."""
        return cls(metadata=False, headers=False, table_rows=False)


# Messages from the producer to the Indexer, in file order.


@dataclass(frozen=True)
class Begin:
    """A changed or new file was opened; its chunks follow."""

    path: str
    sha: str
    pages: int
    size: int
    resumable: bool = False  # a PDF: a cancel keeps its first pages, and a later run continues it
    resume_after: int = 0  # pages 1..resume_after are indexed already (a partial document); chunks follow them
    chunks_before: int = 0  # the chunks of those pages


@dataclass(frozen=True)
class Identified:
    """What the document is, read from its first pages (kept with the pages of a cancelled run)."""

    path: str
    meta: DocumentMeta


@dataclass(frozen=True)
class PageChunks:
    path: str
    page: int
    texts: tuple[str, ...]
    unit: str = ""  # how a citation names the page when it is not one ("slide 3"); see Page.unit


@dataclass(frozen=True)
class End:
    path: str
    # What the indexer read (before user edits); None when a resumed run read no identity (kept already).
    meta: DocumentMeta | None = field(default_factory=DocumentMeta)
    pages: int = 0  # the file's pages as read, when Begin only estimated them (0: Begin's count stands)


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

    def __init__(self, chunker: Chunker, manifest: Manifest, limits: loaders.LoaderLimits,
                 options: "IndexOptions | None" = None, metadata=None, ocr: loaders.OcrReader | None = None) -> None:
        self.chunker = chunker
        self.manifest = manifest
        self.limits = limits
        self.options = options or IndexOptions()
        self.metadata = metadata  # DocumentMetaStore, or None (no document metadata kept)
        self.ocr = ocr  # reads scanned PDF pages and images; None when OCR is off

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
            same = row is not None and row.sha256 == sha and row.collection == collection and self._format_current(key)
            if same and row.state == "done":
                put(Unchanged(key, size))
                return
            doc = None
            resume_after = 0
            if path.suffix.lower() in loaders.PDF_SUFFIXES:
                doc = loaders.PdfDocument(path, self.limits, self.ocr)
                if same and row.state == "partial" and row.pages < doc.page_count and self._identity_kept():
                    resume_after = row.pages  # the unchanged file continues after its kept pages
                pages, page_iter = doc.page_count, doc.pages(first=resume_after + 1)
            else:
                pages, page_iter = estimate_pages(path, size), loaders.load_pages(path, self.limits, self.ocr)
                # Opening a text file is cheap; fail early (empty, binary) before marking it pending.
                first = next(page_iter)
                page_iter = _prepend(first, page_iter)
            put(Begin(key, sha, pages, size, resumable=doc is not None, resume_after=resume_after,
                      chunks_before=row.chunks if resume_after else 0))
            started = True
            auto: DocumentMeta | None = DocumentMeta()
            meta = None  # the metadata whose header each chunk carries (auto + the user's edits)
            if resume_after:
                # The kept pages' headers came from the first pages, which are not read again.
                auto = None
                meta = self.metadata.get(key) if self.options.metadata else None
            elif self.options.metadata:
                first = list(itertools.islice(page_iter, META_PAGES))
                page_iter = itertools.chain(first, page_iter)
                auto = extract(path.name, doc.info() if doc is not None else {}, [p.text for p in first])
                meta = auto
                if self.metadata is not None:
                    user = self.metadata.user_fields(key)
                    meta = auto.updated(**user) if user else auto
            if auto is not None:
                put(Identified(key, auto))
            read = 0
            for page in page_iter:
                read = max(read, page.number)
                text = rewrite_tables(page.text) if self.options.table_rows else page.text
                if self.options.headers and meta is not None and not meta.is_empty():
                    line = header(meta, page.number, page.unit)
                    reserve = self.chunker.count_tokens([line])[0] + 1
                    texts = tuple(f"{line}\n{c.text}" for c in self.chunker.chunk_page(page.number, text, reserve=reserve))
                else:
                    texts = tuple(c.text for c in self.chunker.chunk_page(page.number, text))
                if texts:
                    put(PageChunks(key, page.number, texts, page.unit))
            if doc is not None and doc.failed_pages:
                listed = ", ".join(map(str, doc.failed_pages[:10])) + ("…" if len(doc.failed_pages) > 10 else "")
                put(Note(key, f"{path.name}: {plural(len(doc.failed_pages), 'page')} could not be read and were left out (pages {listed})."))
            if doc is not None and doc.ocr_pages:
                put(Note(key, f"{path.name}: {plural(len(doc.ocr_pages), 'scanned page')} of {doc.page_count} read by OCR."))
            put(End(key, auto, 0 if doc is not None else read))
        except Stop:
            raise
        except DocumentError as exc:
            put(Failed(key, exc.message, size, started))
        except Exception as exc:  # noqa: BLE001 - a bug in one file must not stop the others
            put(Failed(key, f"{path.name}: could not be read (unexpected {type(exc).__name__}: {exc})", size, started))


    def _identity_kept(self) -> bool:
        # Resuming reads the identity the first run stored instead of reading the first pages again.
        return self.metadata is not None or not self.options.metadata

    def _format_current(self, path: str) -> bool:
        # A document written by an older index format (no metadata, no headers) is indexed again.
        if self.metadata is None or self.options.format <= 1:
            return True
        return self.metadata.format(path) >= self.options.format


def estimate_pages(path: Path, size: int) -> int:
    """Pages of a non-PDF file before it is read, for the progress bar (End gives the real count)."""
    if path.suffix.lower() in loaders.IMAGE_SUFFIXES:
        from desktop_app.rag.ocr_pages import frame_count

        return frame_count(path)  # an image is seconds of OCR per frame, whatever its size in bytes
    return max(1, -(-size // loaders.PAGE_CHARS))


def _prepend(first, rest):
    yield first
    yield from rest


def file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
