"""The indexer's writer thread, and handing freed memory back to the OS between batches.

The Indexer embeds on the calling thread and hands every store write (Chroma, FTS5, the
manifest) to one ``IndexWriter``, which applies them in submission order. The order is what makes
a kill -9 safe (see ``manifest.py``); the thread only lets writing overlap with embedding.
"""

from __future__ import annotations

import queue
import sys
import threading


class IndexWriter:
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


def release_free_memory() -> None:
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
