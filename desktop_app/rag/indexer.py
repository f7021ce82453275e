"""The indexing pipeline: a producer thread reads and chunks files while this thread embeds.

  producer thread:  hash -> (skip if unchanged) -> open -> pages -> chunks   ──queue──┐
  calling thread:   batch chunks -> embed (torch releases the GIL)            ──queue──┐
  writer thread:    manifest 'pending' -> Chroma + FTS5 upserts -> manifest 'done'

Extraction of the next pages and writing of the previous batch overlap with embedding of the
current batch, and both cores stay busy. The queues are bounded, so memory stays flat however
large the corpus is. Every step is resumable: see ``manifest.py`` for the ordering that makes
kill -9 safe.
"""

from __future__ import annotations

import hashlib
import os
import queue
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Generator, Iterator, Sequence

from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import IndexMismatchError
from desktop_app.rag import loaders
from desktop_app.rag.chunker import Chunker
from desktop_app.rag.index_producer import (  # noqa: F401 - IndexOptions is re-exported
    Begin,
    End,
    Failed,
    FileProducer,
    IndexOptions,
    Note,
    PageChunks,
    Unchanged,
    file_size,
)
from desktop_app.rag.embedder import Embedder
from desktop_app.rag.keyword_store import KeywordStore
from desktop_app.rag.manifest import Manifest
from desktop_app.rag.records import FileProblem, IndexProgress, IndexReport
from desktop_app.rag.vector_store import StoredChunk, VectorStore

QUEUE_PAGES = 32  # pages the producer may read ahead of the embedder
WRITING = "writing"  # IndexProgress.phase once every page is read
EMBED_SLICE = 64  # chunks per embedding call (progress and cancel are checked between slices)


def chunk_id(path: str, sha: str, page: int, index: int) -> str:
    """Deterministic id: the same file content always gives the same ids (re-runs overwrite)."""
    return f"{hashlib.sha1(path.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}-{sha[:12]}-p{page}-c{index}"


class Indexer:
    """Indexes files into a VectorStore + KeywordStore, recording progress in a Manifest.

    Args:
        batch_size: chunks gathered before embedding. The batch is sorted by length and embedded
            in slices of EMBED_SLICE, so similar lengths share a slice: on the benchmark corpus the
            padded tokens are 1.04x the real ones with 512 (1.07x with 256, 1.22x with
            unsorted slices of 64), while progress and cancel still come every slice.
    """

    def __init__(self, embedder: Embedder, vectors: VectorStore, keywords: KeywordStore, manifest: Manifest,
                 limits: loaders.LoaderLimits = loaders.DEFAULT_LIMITS, batch_size: int = 512,
                 chunker: Chunker | None = None, options: IndexOptions | None = None, metadata=None,
                 ocr: loaders.OcrReader | None = None) -> None:
        self.embedder = embedder
        self.vectors = vectors
        self.keywords = keywords
        self.manifest = manifest
        self.limits = limits
        self.batch_size = batch_size
        self.chunker = chunker or Chunker(embedder.count_tokens, max_tokens=embedder.max_tokens - 2)
        self.options = options or IndexOptions()
        self.metadata = metadata  # DocumentMetaStore (title, organisation, period per document), or None
        self.ocr = ocr  # reads scanned pages and images (None: OCR off); runs on the producer thread
        self._read_meta: dict[str, object] = {}  # path -> DocumentMeta read, until the file is marked done

    # ------------------------------------------------------------------ housekeeping

    def check_embedder(self) -> None:
        """Record the embedder in a new index; refuse an index built by another model."""
        recorded = self.manifest.embedder()
        current = (self.embedder.name, int(self.embedder.dimension))
        if recorded is None:
            self.manifest.set_embedder(*current)
        elif recorded != current:
            raise IndexMismatchError(
                f"The document index was built with the embedding model {recorded[0]} ({recorded[1]} dimensions), "
                f"not {current[0]} ({current[1]}), so it cannot be searched or extended with the current model.",
                "Re-index your documents: run 'slm-assistant index --rebuild' or choose Re-index in the Documents panel.",
            )

    def recover(self) -> int:
        """Purge the chunks of documents left 'pending' by a crash; returns how many."""
        rows = self.manifest.pending()
        for row in rows:
            self.purge(row.path)
        return len(rows)

    def purge(self, path: str) -> None:
        """Remove a document's chunks from both stores, then its manifest row."""
        self.vectors.delete_source(path)
        self.keywords.delete_source(path)
        if self.metadata is not None:
            self.metadata.remove(path)
        self.manifest.remove(path)

    # ------------------------------------------------------------------ the run

    def run(self, paths: Sequence[str], collection: str = "default",
            cancel: CancelToken | None = None) -> Generator[IndexProgress, None, IndexReport]:
        """Index ``paths`` (files and folders); yields IndexProgress, returns IndexReport."""
        cancel = cancel or CancelToken()
        started = time.monotonic()
        report = IndexReport()
        self.check_embedder()
        self.recover()

        files, unsupported, missing = loaders.walk(list(paths))
        for p in unsupported:
            report.skipped.append(FileProblem(str(p), f"unsupported file type ({p.suffix or 'no extension'})"))
        for p in missing:
            if self.manifest.get(str(p)) is not None:
                self.purge(str(p))  # a file that was indexed and has since been deleted
                report.files_removed += 1
            else:
                report.failed.append(FileProblem(str(p), "file or folder not found"))
        for raw in paths:
            root = Path(raw).expanduser()
            if root.is_dir():
                for row in self.manifest.under(str(root.resolve())):
                    if not os.path.exists(row.path):
                        self.purge(row.path)
                        report.files_removed += 1

        state = _Progress(files_total=len(files), work_bytes=sum(file_size(p) for p in files), started=started)
        for problem in report.skipped:
            yield state.snapshot(message=f"Skipped {os.path.basename(problem.path)}: {problem.reason}")

        q: queue.Queue = queue.Queue(maxsize=QUEUE_PAGES)
        stop = threading.Event()
        reader = FileProducer(self.chunker, self.manifest, self.limits, self.options, self.metadata, self.ocr)
        producer = threading.Thread(target=reader.run, args=(files, collection, q, stop), name="index-producer", daemon=True)
        producer.start()
        writer = _Writer()

        batch: list[StoredChunk] = []
        ended: list[tuple[str, int, int]] = []  # files fully chunked, waiting for their last batch
        current: dict[str, list] = {}  # path -> [pages, chunks, pages with text, bytes, sha256]
        try:
            for item in self._drain(q, cancel, producer):
                if isinstance(item, Unchanged):
                    report.files_unchanged += 1
                    state.files_done += 1
                    state.work_bytes -= item.size  # unchanged files are not work: keep the ETA honest
                    yield state.snapshot(item.path)
                elif isinstance(item, Failed):
                    if item.started:
                        batch = [c for c in batch if c.source != item.path]
                        writer.submit(self.purge, item.path)
                        pages, _chunks, with_text, _bytes, _sha = current.pop(item.path)
                        # Its pages leave the totals, so the bar still ends full.
                        state.pages_total -= pages
                        state.pages_done -= with_text
                        state.current_bytes = state.current_pages = state.current_done = 0
                    reason = _without_name(item.reason, item.path)
                    report.failed.append(FileProblem(item.path, reason))
                    state.files_done += 1
                    state.bytes_done += item.size
                    yield state.snapshot(item.path, message=f"Could not index {os.path.basename(item.path)}: {reason}")
                elif isinstance(item, Begin):
                    writer.submit(self._begin_file, item.path, item.sha, collection)
                    current[item.path] = [item.pages, 0, 0, item.size, item.sha]
                    state.pages_total += item.pages
                    state.current_bytes, state.current_pages = item.size, item.pages
                    state.current_done = 0
                    yield state.snapshot(item.path)
                elif isinstance(item, PageChunks):
                    info = current[item.path]
                    sha = info[4]
                    for i, text in enumerate(item.texts):
                        batch.append(StoredChunk(chunk_id(item.path, sha, item.page, i), item.path, item.page, collection, text,
                                                 item.unit))
                    info[1] += len(item.texts)
                    info[2] += 1
                    state.pages_done += 1
                    state.current_done += 1
                    if len(batch) >= self.batch_size:
                        for _ in self._flush(batch, ended, writer, state):
                            yield state.snapshot(item.path)
                            if cancel.cancelled:
                                raise _Stop
                        batch, ended = [], []
                    yield state.snapshot(item.path)
                elif isinstance(item, Note):
                    yield state.snapshot(item.path, message=item.message)
                elif isinstance(item, End):
                    pages, chunks, with_text, size, _sha = current.pop(item.path)
                    if item.pages:  # Begin only estimated them (a spreadsheet, a Word file)
                        state.pages_total += item.pages - pages
                        pages = item.pages
                    state.pages_done += pages - with_text  # blank pages count as done
                    state.files_done += 1
                    state.bytes_done += size
                    state.current_bytes = state.current_pages = state.current_done = 0
                    report.files_indexed += 1
                    report.pages += pages
                    report.chunks += chunks
                    self._read_meta[item.path] = item.meta
                    ended.append((item.path, pages, chunks))
            if cancel.cancelled:
                raise _Stop
            for _ in self._flush(batch, ended, writer, state):
                yield state.snapshot("", phase=WRITING)
            yield state.snapshot("", phase=WRITING)  # shown while the writes below finish
            writer.drain()
            # Still writing until the report: the library then records the run (lock, generation).
            yield state.snapshot("", phase=WRITING)
        except _Stop:
            report.cancelled = True
            # Files not finished are 'pending' in the manifest: purge them now, not at next start.
            stop.set()
            producer.join(timeout=30)
            writer.drain()
            self.recover()
            for _path, pages, chunks in ended:
                report.files_indexed -= 1
                report.pages -= pages
                report.chunks -= chunks
        finally:
            stop.set()
            writer.close()
        producer.join(timeout=30)
        report.seconds = time.monotonic() - started
        return report

    def _drain(self, q: queue.Queue, cancel: CancelToken, producer: threading.Thread) -> Iterator[object]:
        while True:
            if cancel.cancelled:
                raise _Stop
            try:
                item = q.get(timeout=0.1)
            except queue.Empty:
                if not producer.is_alive() and q.empty():
                    return
                continue
            if item is None:
                return
            yield item

    def _flush(self, batch: list[StoredChunk], ended: list[tuple[str, int, int]], writer: "_Writer",
               state: "_Progress") -> Iterator[None]:
        """Embed a batch here, slice by slice, handing each slice's writes to the writer thread."""
        ordered = sorted(batch, key=lambda c: len(c.text), reverse=True)
        for start in range(0, len(ordered), EMBED_SLICE):
            part = ordered[start:start + EMBED_SLICE]
            writer.submit(self._write, part, self.embedder.embed([c.text for c in part]), [])
            state.chunks_done += len(part)
            yield
        writer.submit(self._write, [], [], list(ended))  # files done only after all their slices
        _release_free_memory()

    def _begin_file(self, path: str, sha: str, collection: str) -> None:
        # Order matters for crash safety: mark pending, drop old chunks, then write new ones.
        self.manifest.begin(path, sha, collection)
        self.vectors.delete_source(path)
        self.keywords.delete_source(path)

    def _write(self, batch: list[StoredChunk], vectors: list, ended: list[tuple[str, int, int]]) -> None:
        # A file is marked done only after the batch holding its last chunk is stored.
        if batch:
            self.vectors.upsert(batch, vectors)
            self.keywords.upsert(batch)
        for path, pages, chunks in ended:
            meta = self._read_meta.pop(path, None)
            if self.metadata is not None and meta is not None:
                self.metadata.put_auto(path, meta, self.options.format)
            self.manifest.finish(path, pages, chunks)

def _release_free_memory() -> None:
    """Hand freed heap back to the OS (glibc only).

    Each batch's attention tensors differ in shape, and with the producer thread allocating in
    its own arena, glibc keeps the freed pieces: RSS crept up ~30 MB per 1,000 chunks in the
    benchmark. malloc_trim after a batch (every few seconds, ~1 ms) keeps it flat.
    """
    global _malloc_trim
    if _malloc_trim is None:
        _malloc_trim = False
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
            except (OSError, AttributeError):
                pass
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim = None


def _without_name(reason: str, path: str) -> str:
    prefix = os.path.basename(path) + ": "
    return reason[len(prefix):] if reason.startswith(prefix) else reason


class _Writer:
    """Applies index writes in submission order on its own thread.

    Writing one batch to Chroma and FTS5 then overlaps with embedding the next. The queue holds
    two jobs, so a slow disk holds the embedder back instead of piling batches up in memory. A
    write error is raised in the indexing thread at its next ``submit`` or ``drain``.
    """

    def __init__(self) -> None:
        self._jobs: queue.Queue = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="index-writer", daemon=True)
        self._thread.start()

    def submit(self, fn, *args) -> None:
        self._raise()
        self._jobs.put((fn, args))

    def drain(self) -> None:
        """Wait until every submitted write is done; raise the first write error."""
        self._jobs.join()
        self._raise()

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=60)

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _loop(self) -> None:
        # Runs on the writer thread; after an error the remaining jobs are skipped (their files
        # stay 'pending' and are purged by the next recover()).
        failed = False
        while True:
            job = self._jobs.get()
            try:
                if job is None:
                    return
                if not failed:
                    fn, args = job
                    fn(*args)
            except BaseException as exc:  # noqa: BLE001 - handed to the indexing thread
                failed = True
                self._error = exc
            finally:
                self._jobs.task_done()


class _Stop(Exception):
    """Cancelled: unwind the run at a safe point."""


@dataclass
class _Progress:
    files_total: int
    work_bytes: int
    started: float
    files_done: int = 0
    pages_done: int = 0
    pages_total: int = 0
    chunks_done: int = 0
    bytes_done: int = 0
    current_bytes: int = 0
    current_pages: int = 0
    current_done: int = 0

    def snapshot(self, current_file: str = "", message: str = "", phase: str = "") -> IndexProgress:
        done = self.bytes_done
        if self.current_pages:
            done += self.current_bytes * self.current_done / self.current_pages
        elapsed = time.monotonic() - self.started
        eta = None
        if done > 0 and elapsed > 1.0:
            eta = max(0.0, elapsed * (self.work_bytes - done) / done)
        return IndexProgress(current_file=current_file, files_done=self.files_done, files_total=self.files_total,
                             pages_done=self.pages_done, pages_total=self.pages_total, chunks_done=self.chunks_done,
                             eta_s=eta, message=message, phase=phase)
