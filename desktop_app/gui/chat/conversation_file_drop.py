"""Files dropped on the message box: asked about in the shown conversation only.

Drives ``services.conversation_files`` on the worker pool (copy, index through the Library,
list, delete) and shows the result in the composer's ``AttachmentBar``. Owned by the
``ChatController``, whose conversation it follows: a drop without a conversation starts one,
as the first question would; reopening a conversation lists its files again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject

from desktop_app.app_core import Core
from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import AppError
from desktop_app.gui.common.workers import Worker
from desktop_app.services import conversation_files
from desktop_app.services.prepared_question import title_from


def _library(core: Core) -> Any:
    try:
        return core.library
    except ImportError as exc:  # the optional document stack is missing or broken
        raise AppError("Document search is not available in this installation.",
                       "Reinstall SLM Assistant to restore it.") from exc


def attach_job(core: Core, conversation_id: int, paths: list[str], cancel: CancelToken):
    """Runs on a worker: index the dropped files for the conversation; returns its file names."""
    library = _library(core)
    name = conversation_files.conversation_collection(conversation_id)
    report = yield from conversation_files.attach(library, core.paths.index_dir, name, paths, cancel)
    return report, conversation_files.attached_files(library, core.paths.index_dir, name)


def files_job(core: Core, conversation_id: int, cancel: CancelToken) -> list[str]:
    """Runs on a worker: the files a conversation asks about ([] before anything was indexed)."""
    name = conversation_files.conversation_collection(conversation_id)
    if not conversation_files.has_copies(core.paths.index_dir, name):
        return []  # nothing dropped here: do not start the library just to find that out
    return conversation_files.attached_files(_library(core), core.paths.index_dir, name)


def detach_job(core: Core, conversation_id: int, cancel: CancelToken) -> None:
    """Runs on a worker: delete the conversation's private collection and its copies."""
    conversation_files.detach(_library(core), core.paths.index_dir,
                              conversation_files.conversation_collection(conversation_id))


class ConversationFileDrop(QObject):
    """Follows the chat controller's conversation; one indexing job at a time."""

    def __init__(self, controller) -> None:
        super().__init__(controller)
        self.controller = controller
        self.core = controller.core
        self.pool = controller.pool
        self.bar = controller.composer.attachments
        self._job: Worker | None = None
        self._job_conversation: int | None = None
        self._forget_after: int | None = None
        self._job_names: list[str] = []
        controller.composer.filesDropped.connect(self.drop)
        controller.conversationChanged.connect(self.show_files_of)
        self.bar.cancelRequested.connect(self.cancel)
        self.bar.removeRequested.connect(self.remove)

    def indexing(self, conversation_id: int | None) -> bool:
        """Whether a dropped file is still being read for ``conversation_id``."""
        return self._job is not None and conversation_id is not None and conversation_id == self._job_conversation

    # ---------------------------------------------------------------- drop

    def drop(self, paths: list[str]) -> None:
        """Check the files (one plain line when one cannot be read), then index them on a worker."""
        controller = self.controller
        if self._job is not None:
            controller.status.showMessage("A dropped file is still being read: wait for it, or cancel it.", 5000)
            return
        try:
            for path in paths:
                conversation_files.check_droppable(path)
        except AppError as exc:
            controller.banner.show_error(exc)
            return
        if controller.conversation_id is None:
            if controller.busy:  # the first question is still creating this conversation
                controller.status.showMessage("Wait for the answer to finish before dropping a file.", 5000)
                return
            try:  # the way the first question would: titled by what it is about
                conversation = self.core.store.create_conversation(title_from(Path(paths[0]).name))
            except AppError as exc:
                controller.banner.show_error(exc)
                return
            controller.conversation_id = conversation.id
            controller.conversationChanged.emit(conversation.id)
        controller.banner.hide()
        self._job_conversation = controller.conversation_id
        self._job_names = [Path(p).name for p in paths]
        self.bar.show_indexing(self._job_names)
        self._job = self.pool.run(attach_job, self.core, self._job_conversation, list(paths),
                                  on_yielded=self._on_progress, on_returned=self._on_attached,
                                  on_errored=self._on_failed, on_finished=self._on_finished)

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self.bar.show_cancelling()

    def _showing_job(self) -> bool:
        return self.controller.conversation_id == self._job_conversation

    def _on_progress(self, progress) -> None:
        if self._showing_job():
            self.bar.show_progress(progress)

    def _on_attached(self, result) -> None:
        report, names = result
        if not self._showing_job():
            return
        self.bar.show_attached(names)
        if report.cancelled and not names:
            self.controller.status.showMessage("Cancelled: the file was not added.", 4000)
        elif report.failed:
            problems = "; ".join(f"{Path(p.path).name}: {p.reason}" for p in report.failed)
            self.controller.banner.show_error(AppError(f"Some files could not be read ({problems})."))
        elif names:
            self.controller.status.showMessage(f"Questions in this conversation now use {', '.join(names)}.", 5000)

    def _on_failed(self, error: AppError) -> None:
        if self._showing_job():
            self.bar.clear()
            self.show_files_of(self._job_conversation)  # files dropped earlier are still there
        self.controller.banner.show_error(error)

    def _on_finished(self) -> None:
        self._job = None
        if self._forget_after is not None:  # deleted while its file was being read
            cid, self._forget_after = self._forget_after, None
            self.forget(cid)

    # ---------------------------------------------------------------- show, remove, forget

    def show_files_of(self, conversation_id) -> None:
        """Show the chip of a conversation reopened or switched to (listed on a worker)."""
        if self.indexing(conversation_id):  # back to the conversation whose file is being read
            self.bar.show_indexing(self._job_names)
            return
        self.bar.clear()
        if conversation_id is None:
            return

        def shown(names: list[str]) -> None:
            if self.controller.conversation_id == conversation_id and not self.indexing(conversation_id):
                self.bar.show_attached(names)

        self.pool.run(files_job, self.core, conversation_id, on_returned=shown,
                      on_errored=lambda _error: None)  # unlisted: the question still works, the panel shows index errors

    def remove(self) -> None:
        """The chip's remove button: delete the conversation's private collection (on a worker)."""
        cid = self.controller.conversation_id
        if cid is None or self.bar.state != "attached":
            return
        names = list(self.bar.files)
        self.bar.remove_button.setEnabled(False)

        def removed(_result) -> None:
            if self.controller.conversation_id == cid:
                self.bar.clear()
            self.controller.status.showMessage(f"No longer asking about {', '.join(names)}.", 4000)

        def failed(error: AppError) -> None:
            self.bar.remove_button.setEnabled(True)
            self.controller.banner.show_error(error)

        self.pool.run(detach_job, self.core, cid, on_returned=removed, on_errored=failed)

    def forget(self, conversation_id: int) -> None:
        """After a conversation is deleted: delete its private collection too (on a worker)."""
        if self.indexing(conversation_id):
            self._forget_after = conversation_id  # after the job stops writing into it
            self._job.cancel()
            return
        self.pool.run(lambda core, cid, cancel: conversation_files.forget_conversation(
            lambda: _library(core), core.paths.index_dir, cid), self.core, conversation_id,
            on_errored=lambda _error: None)  # logged by forget_conversation; the conversation is gone either way
