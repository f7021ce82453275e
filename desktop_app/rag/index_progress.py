"""An index run's tallies: per file (what a cancel keeps) and per run (progress and its time estimate)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from desktop_app.rag.doc_meta import DocumentMeta
from desktop_app.rag.records import IndexProgress

# Pages of the current file read before its own pace sets the estimate. A scan read by OCR takes
# 5-15 s a page while a text PDF of the same size takes milliseconds: the bytes-per-second pace of
# the files before it says nothing about it, but a few of its own pages do.
RATE_AFTER_PAGES = 3


@dataclass
class RunProgress:
    """Counters of one run (touched on the indexing thread only)."""

    files_total: int
    work_bytes: int  # bytes of the files to read (unchanged files and kept pages are taken off)
    started: float
    files_done: int = 0
    pages_done: int = 0
    pages_total: int = 0
    chunks_done: int = 0
    bytes_done: int = 0
    current_bytes: int = 0  # the current file's bytes of work
    current_pages: int = 0  # its pages to read
    current_done: int = 0  # of those, read
    current_started: float = 0.0
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    def begin_file(self, size: int, pages: int) -> None:
        self.current_bytes, self.current_pages, self.current_done = size, pages, 0
        self.current_started = self.clock()

    def end_file(self) -> None:
        self.current_bytes = self.current_pages = self.current_done = 0

    def snapshot(self, current_file: str = "", message: str = "", phase: str = "") -> IndexProgress:
        return IndexProgress(current_file=current_file, files_done=self.files_done, files_total=self.files_total,
                             pages_done=self.pages_done, pages_total=self.pages_total, chunks_done=self.chunks_done,
                             eta_s=self.eta(), message=message, phase=phase)

    def eta(self) -> float | None:
        """Seconds left: the current file at its own pages per second once a few pages are read,
        the rest at the run's bytes per second; None until anything is known."""
        now = self.clock()
        done = self.bytes_done
        if self.current_pages:
            done += self.current_bytes * self.current_done / self.current_pages
        elapsed = now - self.started
        in_file = now - self.current_started
        if self.current_pages and self.current_done >= RATE_AFTER_PAGES and in_file > 0:
            file_left = (self.current_pages - self.current_done) * in_file / self.current_done
            others = max(0, self.work_bytes - self.bytes_done - self.current_bytes)
            return max(0.0, file_left + (elapsed * others / done if done > 0 else 0.0))
        if done > 0 and elapsed > 1.0:
            return max(0.0, elapsed * (self.work_bytes - done) / done)
        return None


@dataclass
class FileTally:
    """One file between its Begin and its last write (touched on the indexing thread only)."""

    sha: str
    pages: int  # the file's pages (Begin's count; End corrects an estimate)
    size: int  # its bytes of work (less the kept pages' share when resumed)
    resumable: bool = False  # a PDF: a cancel keeps its written pages
    resume_after: int = 0  # pages indexed by an earlier run, not read again
    chunks_before: int = 0  # their chunks
    chunks: int = 0  # chunks read in this run
    with_text: int = 0  # pages with chunks read in this run
    meta: DocumentMeta | None = None  # what the document is, once read
    last_page: int = 0  # the last page whose chunks are in the batch
    written_through: int = 0  # pages 1..this are submitted whole to the writer
    chunks_written: int = 0  # this run's chunks of those pages

    def __post_init__(self) -> None:
        self.last_page = self.written_through = self.resume_after
