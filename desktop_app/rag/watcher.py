"""Folder watching by polling: no native file-system hooks, so it behaves the same everywhere.

A folder counts as changed when the set of (path, size, mtime) of its supported files differs
from the last look and has then stayed the same for one more interval (a file still being copied
is not indexed half-written).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Callable

from desktop_app.rag.document_files import walk

log = logging.getLogger(__name__)

Snapshot = frozenset[tuple[str, int, float]]


def snapshot(folder: str) -> Snapshot:
    """(path, size, mtime) of every supported file under ``folder`` (the files ``walk`` indexes)."""
    out = set()
    for path in walk([folder])[0]:
        try:
            st = path.stat()
        except OSError:
            continue
        out.add((str(path), st.st_size, st.st_mtime))
    return frozenset(out)


class FolderWatcher:
    """Calls ``on_change(folder)`` on its own thread when a watched folder's documents change.

    Args:
        folders: folders to watch.
        on_change: called with the folder (on the watcher thread: never touch widgets here).
        interval_s: seconds between looks.
    """

    def __init__(self, folders: list[str], on_change: Callable[[str], None], interval_s: float = 5.0) -> None:
        self.folders = [str(Path(f).expanduser().resolve()) for f in folders]
        self.on_change = on_change
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last: dict[str, Snapshot] = {}
        self._candidate: dict[str, Snapshot] = {}

    def start(self, initial_scan: bool = True) -> None:
        """Start watching; with ``initial_scan`` the current state counts as a change (catch up)."""
        if not initial_scan:
            self._last = {f: snapshot(f) for f in self.folders}
        self._thread = threading.Thread(target=self._loop, name="folder-watcher", daemon=True)
        self._thread.start()

    def poll_once(self) -> list[str]:
        """Look once; return (and report) the folders whose change has settled."""
        changed = []
        for folder in self.folders:
            if not os.path.isdir(folder):
                continue
            snap = snapshot(folder)
            if snap == self._last.get(folder):
                self._candidate.pop(folder, None)
                continue
            if self._candidate.get(folder) == snap:  # stable for one interval: act on it
                self._last[folder] = snap
                self._candidate.pop(folder, None)
                changed.append(folder)
            else:
                self._candidate[folder] = snap
        for folder in changed:
            self.on_change(folder)
        return changed

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:  # noqa: BLE001 - a failed look must not end the watching
                log.exception("Looking at the watched folders failed; trying again in %ss", self.interval_s)
            self._stop.wait(self.interval_s)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
