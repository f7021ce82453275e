"""IndexWrites: the rules every write to a document index follows, for the Library.

  1. Take the folder's ``WriterLock`` (one writer at a time across processes; a second one waits
     and says so, and a stopped or killed holder never blocks it).
  2. Reopen Chroma if another process wrote since this one opened it (``refresh``).
  3. If the last writer did not finish cleanly (killed, full disk, or a home written before the
     lock existed), compare the stores with the manifest and remove what disagrees.
  4. Write, then bump the manifest's write generation (so readers elsewhere reopen Chroma) and
     mark the index clean, and release the lock.
Readers never come here: search and ask take no lock.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Generator, Iterator

from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import AppError, StorageError
from desktop_app.rag.consistency import IndexCheck, check_index, repair_index
from desktop_app.rag.records import IndexProgress
from desktop_app.rag.store_failures import index_failure
from desktop_app.rag.writer_lock import WriterLock, waiting_message

# Manifest meta keys. The generation changes after every write, so a process that opened Chroma
# earlier knows its in-memory copy is stale. The writer state is "clean" only after a writer
# finished normally; anything else makes the next writer check and repair the stores.
GENERATION_KEY = "write_generation"
WRITER_STATE_KEY = "writer_state"
WAIT_POLL_S = 1.0  # a waiting index run looks at its CancelToken and at the holder's PID this often
LOCK_FILE = "writer.lock"


def note(message: str) -> IndexProgress:
    """A progress record that only carries a line to show (waiting for the lock, a repair)."""
    return IndexProgress(current_file="", files_done=0, files_total=0, pages_done=0, pages_total=0,
                         chunks_done=0, message=message)


class IndexWrites:
    """Serialises and prepares the writes of one Library to the index in ``index_dir``.

    Args:
        manifest: returns the (lazily opened) Manifest.
        stores: returns the (vector store, keyword store) pair, opening them if needed.
        refresh: closes the vector store if another process wrote since it was opened.
        on_written: told the new generation after this process wrote (its store is current).
        on_wait: told the waiting line when a write other than an index run must wait.
    """

    def __init__(self, index_dir: Path, manifest: Callable, stores: Callable, refresh: Callable[[], None],
                 on_written: Callable[[str], None], on_wait: Callable[[str], None]) -> None:
        self.index_dir = Path(index_dir)
        self.lock = WriterLock(self.index_dir / LOCK_FILE)
        self._manifest = manifest
        self._stores = stores
        self._refresh = refresh
        self._on_written = on_written
        self._on_wait = on_wait

    def wait(self, cancel: CancelToken) -> Generator[IndexProgress, None, bool]:
        """Take the lock for an index run; while another writer holds it, yield the waiting line
        (again when the holder changes). Returns False when cancelled first."""
        told: int | None | bool = False
        while True:
            waiting: list[int | None] = []
            try:
                if self.lock.acquire(cancel, on_wait=waiting.append, timeout_s=WAIT_POLL_S):
                    return True
            except OSError as exc:
                raise index_failure(exc, self.index_dir) from exc
            if cancel.cancelled:
                return False
            if waiting and waiting[-1] != told:
                told = waiting[-1]
                yield note(waiting_message(told))

    @property
    def outermost(self) -> bool:
        """True in the first (not nested) hold of the lock: only it prepares and finishes."""
        return self.lock.depth == 1

    def begin(self) -> IndexCheck | None:
        """Steps 2 and 3 (under the lock); returns what was repaired, if anything."""
        self._refresh()
        manifest = self._manifest()
        repaired = None
        if manifest.get_meta(WRITER_STATE_KEY) != "clean":
            vectors, keywords = self._stores()
            found = check_index(manifest, vectors, keywords)
            if not found.clean:
                repaired = repair_index(found, manifest, vectors, keywords)
        manifest.set_meta(WRITER_STATE_KEY, "writing")
        return repaired

    def end(self, outer: bool, clean: bool) -> None:
        """Step 4: release the lock; the outermost holder first records that it wrote."""
        try:
            if outer:
                manifest = self._manifest()
                generation = uuid.uuid4().hex
                manifest.set_meta(GENERATION_KEY, generation)
                self._on_written(generation)
                if clean:
                    manifest.set_meta(WRITER_STATE_KEY, "clean")
        except AppError:
            pass  # a full disk: the state stays "writing" and the next writer checks the stores
        finally:
            self.lock.release()

    @contextmanager
    def writing(self, prepare: bool = True) -> Iterator[None]:
        """Hold the lock around a write that is not an index run (remove, reset, repair).

        Args:
            prepare: run ``begin`` on taking the lock (a check that reports first does not).

        Raises:
            AppError: every failure inside, as one plain sentence (``index_failure``).
        """
        try:
            self.lock.acquire(on_wait=lambda pid: self._on_wait(waiting_message(pid)))
        except OSError as exc:
            raise index_failure(exc, self.index_dir) from exc
        outer, clean = self.outermost, False
        try:
            if outer and prepare:
                self.begin()
            yield
            clean = prepare
        except Exception as exc:  # noqa: BLE001 - every store failure becomes one plain sentence
            error = index_failure(exc, self.index_dir)
            # A refusal ("no such collection") wrote nothing: the index is as clean as before.
            clean = prepare and not isinstance(error, StorageError)
            raise error from exc
        finally:
            self.end(outer, clean)

    def check(self, repair: bool) -> IndexCheck:
        """Compare the manifest with both stores under the lock; with ``repair``, remove what disagrees."""
        with self.writing(prepare=False):
            self._refresh()
            manifest = self._manifest()
            vectors, keywords = self._stores()
            found = check_index(manifest, vectors, keywords)
            if repair and not found.clean:
                repair_index(found, manifest, vectors, keywords)
            if found.clean or found.repaired:
                manifest.set_meta(WRITER_STATE_KEY, "clean")
            return found
