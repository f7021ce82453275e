"""The indexing pipeline: a producer thread reads and chunks files while this thread embeds.

  producer thread:  hash -> (skip if unchanged) -> open -> pages -> chunks   ──queue──┐
  calling thread:   one handler per message -> batch -> embed (torch releases the GIL)  ──┐
  writer thread:    manifest 'pending' -> Chroma + FTS5 upserts -> manifest 'done' (index_writer.py)

Extraction of the next pages and writing of the previous batch overlap with embedding of the
current batch, and both cores stay busy. The queues are bounded, so memory stays flat however
large the corpus is. Every step is resumable: see ``manifest.py`` for the ordering that makes
kill -9 safe, and for the partial documents a cancelled run keeps.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
import time
from dataclasses import dataclass, field
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
    Identified,
    IndexOptions,
    Note,
    PageChunks,
    Unchanged,
    file_size,
)
from desktop_app.rag.consistency import trim_partial
from desktop_app.rag.embedder import Embedder
from desktop_app.rag.index_progress import FileTally, RunProgress
from desktop_app.rag.index_writer import IndexWriter, release_free_memory
from desktop_app.rag.keyword_store import KeywordStore
from desktop_app.rag.manifest import Manifest
from desktop_app.rag.records import FileProblem, IndexProgress, IndexReport, PartialFile
from desktop_app.rag.vector_store import StoredChunk, VectorStore

# Pages (a few KB each) the reader may run ahead: about one batch, read while the previous one embeds.
QUEUE_PAGES = 384
WRITING = "writing"  # IndexProgress.phase once every page is read
EMBED_SLICE = 64  # chunks per embedding call (progress and cancel are checked between slices)
# A batch that waited this long for a slow reader (OCR) is embedded and written unfilled (a cancel
# keeps it). A fast reader fills it alone: embedding beside it on 2 cores made both slower (1.2 CPU s
# and 0.2-0.3 s more on benchmarks/indexing.py; the reader holds the GIL between torch's operations).
READER_WAIT_S = 1.0


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
        """Purge the chunks of documents left 'pending' by a crash; returns how many. A partial
        document whose continuation stopped keeps its kept pages (``trim_partial``)."""
        rows = self.manifest.pending()
        for row in rows:
            self.purge(row.path)
        for row in self.manifest.documents(state="resuming"):
            trim_partial(row.path, row.pages, self.manifest, self.vectors, self.keywords)
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
        """Index ``paths`` (files and folders); yields IndexProgress, returns IndexReport.

        Cancelled, it keeps the pages of a PDF that are fully written (a long scan read by OCR)
        as a partial document; the next run of the unchanged file continues after them.
        """
        cancel = cancel or CancelToken()
        started = time.monotonic()
        report = IndexReport()
        self.check_embedder()
        self.recover()
        files = self._walk(paths, report)
        progress = RunProgress(files_total=len(files), work_bytes=sum(file_size(p) for p in files), started=started)
        for problem in report.skipped:
            yield progress.snapshot(message=f"Skipped {os.path.basename(problem.path)}: {problem.reason}")

        q: queue.Queue = queue.Queue(maxsize=QUEUE_PAGES)
        stop = threading.Event()
        reader = FileProducer(self.chunker, self.manifest, self.limits, self.options, self.metadata, self.ocr)
        producer = threading.Thread(target=reader.run, args=(files, collection, q, stop), name="index-producer", daemon=True)
        producer.start()
        run = _Run(collection, cancel, report, progress, IndexWriter())
        handlers = {Unchanged: self._on_unchanged, Failed: self._on_failed, Begin: self._on_begin,
                    Identified: self._on_identified, PageChunks: self._on_page, Note: self._on_note, End: self._on_end,
                    _Idle: self._on_idle}
        try:
            for item in self._drain(q, cancel, producer):
                yield from handlers[type(item)](run, item)
                if run.batch and q.empty() and time.monotonic() - run.batch_since >= READER_WAIT_S:
                    yield from self._flush_between_pages(run, run.batch[-1].source)
            if cancel.cancelled:
                raise _Stop
            for _ in self._flush(run):
                yield progress.snapshot("", phase=WRITING)
            yield progress.snapshot("", phase=WRITING)  # shown while the writes below finish
            run.writer.drain()
            # Still writing until the report: the library then records the run (lock, generation).
            yield progress.snapshot("", phase=WRITING)
        except _Stop:
            stop.set()
            producer.join(timeout=30)
            self._keep_what_was_written(run)
        finally:
            stop.set()
            run.writer.close()
            producer.join(timeout=30)  # on every way out (a full disk too): the reader closes its PDF first
        report.seconds = time.monotonic() - started
        return report

    def _walk(self, paths: Sequence[str], report: IndexReport) -> list[Path]:
        """The files to read; unsupported and missing ones go into ``report``, deleted ones out of the index."""
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
        return files

    # One handler per message of the producer; each yields the progress to show.

    def _on_unchanged(self, run: "_Run", item: Unchanged) -> Iterator[IndexProgress]:
        run.report.files_unchanged += 1
        run.progress.files_done += 1
        run.progress.work_bytes -= item.size  # unchanged files are not work: keep the ETA honest
        yield run.progress.snapshot(item.path)

    def _on_failed(self, run: "_Run", item: Failed) -> Iterator[IndexProgress]:
        progress, size = run.progress, item.size
        if item.started:
            run.batch = [c for c in run.batch if c.source != item.path]
            run.writer.submit(self.purge, item.path)
            tally = run.files.pop(item.path)
            size = tally.size
            # Its pages leave the totals, so the bar still ends full.
            progress.pages_total -= tally.pages - tally.resume_after
            progress.pages_done -= tally.with_text
            progress.end_file()
        reason = _without_name(item.reason, item.path)
        run.report.failed.append(FileProblem(item.path, reason))
        progress.files_done += 1
        progress.bytes_done += size
        yield progress.snapshot(item.path, message=f"Could not index {os.path.basename(item.path)}: {reason}")

    def _on_begin(self, run: "_Run", item: Begin) -> Iterator[IndexProgress]:
        tally = FileTally(item.sha, item.pages, item.size, item.resumable, item.resume_after, item.chunks_before)
        if item.resume_after:
            run.writer.submit(self.manifest.resume, item.path)  # keeps the kept pages' chunks
            tally.size = item.size * (item.pages - item.resume_after) // item.pages  # the kept pages are not work
            run.progress.work_bytes -= item.size - tally.size
        else:
            run.writer.submit(self._begin_file, item.path, item.sha, run.collection)
        run.files[item.path] = tally
        run.progress.pages_total += item.pages - item.resume_after
        run.progress.begin_file(tally.size, item.pages - item.resume_after)
        yield run.progress.snapshot(item.path)

    def _on_identified(self, run: "_Run", item: Identified) -> Iterator[IndexProgress]:
        run.files[item.path].meta = item.meta
        yield from ()

    def _on_page(self, run: "_Run", item: PageChunks) -> Iterator[IndexProgress]:
        tally = run.files[item.path]
        if not run.batch:
            run.batch_since = time.monotonic()
        for i, text in enumerate(item.texts):
            run.batch.append(StoredChunk(chunk_id(item.path, tally.sha, item.page, i), item.path, item.page,
                                         run.collection, text, item.unit))
        tally.chunks += len(item.texts)
        tally.with_text += 1
        tally.last_page = item.page
        run.progress.pages_done += 1
        run.progress.current_done += 1
        if len(run.batch) >= self.batch_size:
            yield from self._flush_between_pages(run, item.path)
        yield run.progress.snapshot(item.path)

    def _on_note(self, run: "_Run", item: Note) -> Iterator[IndexProgress]:
        yield run.progress.snapshot(item.path, message=item.message)

    def _on_end(self, run: "_Run", item: End) -> Iterator[IndexProgress]:
        tally, progress = run.files[item.path], run.progress
        if item.pages:  # Begin only estimated them (a spreadsheet, a Word file)
            progress.pages_total += item.pages - tally.pages
            tally.pages = item.pages
        if item.meta is not None:
            tally.meta = item.meta
        read = tally.pages - tally.resume_after
        progress.pages_done += read - tally.with_text  # blank pages count as done
        progress.files_done += 1
        progress.bytes_done += tally.size
        progress.end_file()
        run.report.files_indexed += 1
        run.report.pages += read
        run.report.chunks += tally.chunks
        run.ended.append(item.path)
        yield from ()

    def _on_idle(self, run: "_Run", item: "_Idle") -> Iterator[IndexProgress]:
        # The reader is the slow side (OCR: seconds a page): write what waits, so a cancel keeps it.
        if run.batch and time.monotonic() - run.batch_since >= READER_WAIT_S:
            yield from self._flush_between_pages(run, run.batch[-1].source)

    def _flush_between_pages(self, run: "_Run", current: str) -> Iterator[IndexProgress]:
        for _ in self._flush(run):
            yield run.progress.snapshot(current)
            if run.cancel.cancelled:
                raise _Stop

    def _drain(self, q: queue.Queue, cancel: CancelToken, producer: threading.Thread) -> Iterator[object]:
        while True:
            if cancel.cancelled:
                raise _Stop
            try:
                item = q.get(timeout=0.1)
            except queue.Empty:
                if not producer.is_alive() and q.empty():
                    return
                yield _IDLE
                continue
            if item is None:
                return
            yield item

    def _flush(self, run: "_Run") -> Iterator[None]:
        """Embed the batch here, slice by slice, handing each slice's writes to the writer thread.

        Abandoned between slices (a cancel), it leaves the files' written pages where the last
        whole flush left them: slices are sorted by length, so a part of a batch is no page's end.
        """
        ordered = sorted(run.batch, key=lambda c: len(c.text), reverse=True)
        starts = range(0, len(ordered), EMBED_SLICE)
        for start in starts:
            part = ordered[start:start + EMBED_SLICE]
            run.writer.submit(self._write, part, self.embedder.embed([c.text for c in part]), [])
            run.progress.chunks_done += len(part)
            if start == starts[-1]:
                self._batch_submitted(run)  # before the last yield: a cancel seen there keeps this batch
            yield
        if not ordered:
            self._batch_submitted(run)

    def _batch_submitted(self, run: "_Run") -> None:
        finished = []
        for path in run.ended:
            tally = run.files.pop(path)
            finished.append((path, tally.pages, tally.chunks_before + tally.chunks, tally.meta))
        for tally in run.files.values():  # every chunk read so far is now submitted
            tally.written_through, tally.chunks_written = tally.last_page, tally.chunks
        run.writer.submit(self._write, [], [], finished)  # files done only after all their slices
        run.batch, run.ended = [], []
        release_free_memory()

    def _keep_what_was_written(self, run: "_Run") -> None:
        """After a cancel: keep the written pages of PDFs as partial documents, drop the rest."""
        run.report.cancelled = True
        run.writer.drain()
        for path, tally in run.files.items():
            if path in run.ended:  # read to the end, but its last batch was not written
                run.report.files_indexed -= 1
                run.report.pages -= tally.pages - tally.resume_after
                run.report.chunks -= tally.chunks
            if tally.resumable and tally.written_through:
                if tally.written_through > tally.resume_after:
                    self._mark_partial(path, tally)
                # else a continuation that wrote nothing: recover() makes it partial as it was
                run.report.partial.append(PartialFile(path, tally.written_through, tally.pages))
        # Files not kept are 'pending' in the manifest: purge them now, not at next start.
        self.recover()

    def _mark_partial(self, path: str, tally: "FileTally") -> None:
        # Order for crash safety: the row stays 'pending' (or 'resuming') until the last step, so a
        # kill -9 in between is undone by recover(); chunks past the written pages go first.
        self.vectors.delete_pages_after(path, tally.written_through)
        self.keywords.delete_pages_after(path, tally.written_through)
        if self.metadata is not None and tally.meta is not None:
            self.metadata.put_auto(path, tally.meta, self.options.format)
        self.manifest.mark_partial(path, tally.written_through, tally.pages, tally.chunks_before + tally.chunks_written)

    def _begin_file(self, path: str, sha: str, collection: str) -> None:
        # Order matters for crash safety: mark pending, drop old chunks, then write new ones.
        self.manifest.begin(path, sha, collection)
        self.vectors.delete_source(path)
        self.keywords.delete_source(path)

    def _write(self, batch: list[StoredChunk], vectors: list, finished: list[tuple]) -> None:
        # Runs on the writer thread. A file is marked done only after the batch holding its last
        # chunk is stored.
        if batch:
            self.vectors.upsert(batch, vectors)
            self.keywords.upsert(batch)
        for path, pages, chunks, meta in finished:
            if self.metadata is not None and meta is not None:
                self.metadata.put_auto(path, meta, self.options.format)
            self.manifest.finish(path, pages, chunks)


def _without_name(reason: str, path: str) -> str:
    prefix = os.path.basename(path) + ": "
    return reason[len(prefix):] if reason.startswith(prefix) else reason


class _Stop(Exception):
    """Cancelled: unwind the run at a safe point."""


class _Idle:
    """Yielded by ``_drain`` while the producer has nothing ready (every 0.1 s)."""


_IDLE = _Idle()


@dataclass
class _Run:
    """The state of one ``Indexer.run`` that its handlers share."""

    collection: str
    cancel: CancelToken
    report: IndexReport
    progress: RunProgress
    writer: IndexWriter
    files: dict[str, FileTally] = field(default_factory=dict)  # begun and not yet handed to the writer as done
    batch: list[StoredChunk] = field(default_factory=list)
    batch_since: float = 0.0  # when the batch's first chunk arrived
    ended: list[str] = field(default_factory=list)  # files read to the end, waiting for their last batch
