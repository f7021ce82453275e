"""Scriptable fakes for the documents panel tests: a Library, a conversation store, a Core.

The fake Library reads real reportlab PDFs with pypdf (page counts and page text) and sleeps
per page, so workers, signals, the progress bar and citations behave as with the real one.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.core.records import Conversation, Hit
from desktop_app.rag.records import CollectionInfo, DocumentInfo, FileProblem, IndexProgress, IndexReport

SUPPORTED = (".pdf", ".txt", ".md")


def make_pdf(path, pages: int, marker: str = "page") -> str:
    """A real PDF whose page N says '<marker> N'."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for n in range(1, pages + 1):
        c.drawString(72, 760, f"{marker} {n}: quarterly revenue grew by {n * 3} percent.")
        c.showPage()
    c.save()
    return str(path)


class FakeLibrary:
    """Library contract stand-in: per-page progress with a delay, real PDF page counts."""

    def __init__(self, page_delay: float = 0.01) -> None:
        self.page_delay = page_delay
        self.lock = threading.Lock()
        self.docs: dict[str, DocumentInfo] = {}
        self.on_device: set[str] = set()
        self.calls: list[tuple] = []
        self.fail_whole_job: Exception | None = None
        self.page_texts: dict[str, list[str]] = {}

    def _files(self, paths):
        for p in paths:
            if os.path.isdir(p):
                for root, _dirs, names in os.walk(p):
                    for n in sorted(names):
                        yield os.path.join(root, n)
            else:
                yield p

    def _pages(self, path) -> list[str]:
        if os.path.getsize(path) == 0:
            raise ValueError("the file is empty (0 bytes)")
        if path.endswith(".pdf"):
            from pypdf import PdfReader

            try:
                return [page.extract_text() or "" for page in PdfReader(path).pages]
            except Exception:
                raise ValueError("not a valid PDF (it may be damaged or another kind of file)")
        with open(path, encoding="utf-8", errors="replace") as f:
            return [f.read()]

    def index(self, paths, collection="default", cancel=None, rebuild=False):
        self.calls.append(("index", list(paths), collection) + (("rebuild",) if rebuild else ()))
        if self.fail_whole_job is not None and not rebuild:
            raise self.fail_whole_job
        files = list(self._files(paths))
        report = IndexReport()
        pages_total = pages_done = chunks = 0
        started = time.monotonic()
        for i, path in enumerate(files):
            if not path.endswith(SUPPORTED):
                report.skipped.append(FileProblem(path, "unsupported file type"))
                continue
            try:
                texts = self._pages(path)
            except ValueError as exc:
                report.failed.append(FileProblem(path, str(exc)))
                continue
            pages = len(texts)
            pages_total += pages
            for _ in range(pages):
                if cancel is not None and cancel.cancelled:
                    report.cancelled = True
                    report.seconds = time.monotonic() - started
                    return report
                time.sleep(self.page_delay)
                pages_done += 1
                chunks += 2
                yield IndexProgress(path, i, len(files), pages_done, pages_total, chunks)
            with self.lock:
                self.docs[path] = DocumentInfo(path, collection, pages, pages * 2, time.time())
                self.page_texts[path] = texts
            report.files_indexed += 1
            report.pages += pages
            report.chunks += pages * 2
        report.seconds = time.monotonic() - started
        return report

    def documents(self, collection=None):
        with self.lock:
            return [d for d in self.docs.values() if collection in (None, d.collection)]

    def collections(self):
        with self.lock:
            names = sorted({d.collection for d in self.docs.values()})
            return [CollectionInfo(n, sum(d.collection == n for d in self.docs.values()),
                                   sum(d.pages for d in self.docs.values() if d.collection == n),
                                   sum(d.chunks for d in self.docs.values() if d.collection == n),
                                   n in self.on_device) for n in names]

    def remove_document(self, path):
        self.calls.append(("remove_document", path))
        with self.lock:
            self.docs.pop(path, None)

    def remove_collection(self, name):
        self.calls.append(("remove_collection", name))
        with self.lock:
            for p in [p for p, d in self.docs.items() if d.collection == name]:
                del self.docs[p]

    def set_on_device_only(self, name, flag):
        self.calls.append(("set_on_device_only", name, flag))
        (self.on_device.add if flag else self.on_device.discard)(name)

    def search(self, query, k=5, collections=None):
        """Pages ranked by how many query words they share (enough to check citations)."""
        self.calls.append(("search", query))
        words = {w.strip(".,?").lower() for w in query.split() if len(w) > 2}
        with self.lock:
            scored = []
            for path, texts in self.page_texts.items():
                if collections is not None and self.docs[path].collection not in collections:
                    continue
                for page, text in enumerate(texts, start=1):
                    score = len(words & {w.strip(".,").lower() for w in text.split()})
                    if score:
                        scored.append(Hit(path, page, text, float(score), self.docs[path].collection))
        return sorted(scored, key=lambda h: -h.score)[:k]

    def watch(self, folders=None, collection="default", interval_s=5.0, on_report=None):
        """Records the call; ``on_report`` is kept so a test can fire it from another thread."""
        self.calls.append(("watch", list(folders or []), collection))
        self.watch_report = on_report

    def stop_watching(self):
        self.calls.append(("stop_watching",))

    def retriever(self):
        return FakeRetriever(self)

    def close(self):
        pass


class FakeRetriever:
    def __init__(self, library: FakeLibrary) -> None:
        self.library = library

    def retrieve(self, query, k=5, collections=None):
        return self.library.search(query, k, collections)


class FakeStore:
    def __init__(self) -> None:
        self.conversations: dict[int, Conversation] = {}
        self.saved: list[tuple[int, list[str]]] = []

    def get_conversation(self, cid):
        return self.conversations.get(cid)

    def set_collections(self, cid, names):
        self.saved.append((cid, list(names)))
        self.conversations[cid].collections = list(names)


@dataclass
class FakeCore:
    library: FakeLibrary
    store: FakeStore = field(default_factory=FakeStore)
    policy: MachinePolicy = field(default_factory=MachinePolicy)
    settings: Settings = field(default_factory=Settings)
    saves: int = 0

    def save_settings(self):
        self.saves += 1

    def update_settings(self, change):
        result = change(self.settings)
        self.save_settings()
        return result


def drop_files(widget, paths: list[str]) -> tuple[bool, bool]:
    """Send a real drag-enter and drop with file URLs, as the window system would."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(p) for p in paths])
    pos = widget.rect().center()
    enter = QDragEnterEvent(QPointF(pos), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return enter.isAccepted(), drop.isAccepted()


