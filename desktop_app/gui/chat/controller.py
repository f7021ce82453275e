"""Chat session logic: send, stream, stop, regenerate, for the conversation shown in the window.

Threads: ``prepare`` and ``answer`` run on pool workers (they may load the model and the
embedder); the cloud confirmation dialog runs here on the GUI thread between them. Tokens are
collected and painted every ``FLUSH_MS`` so a fast model never floods the event loop with
re-renders.
"""

from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from desktop_app.app_core import Core
from desktop_app.core.errors import AppError
from desktop_app.core.records import DoneEvent, ErrorEvent, NoticeEvent, RouteEvent, SourcesEvent, TokenEvent
from desktop_app.gui.chat.view import ChatView
from desktop_app.gui.chat.composer import Composer
from desktop_app.gui.common.error_banner import ErrorBanner
from desktop_app.gui.chat.message_widget import MessageWidget
from desktop_app.gui.common.status_bar import AppStatusBar
from desktop_app.gui.common.workers import Worker, WorkerPool
from desktop_app.services import document_use

FLUSH_MS = 30
MAX_FLUSH_MS = 250


def prepare_question(core: Core, question: str, conversation_id: int | None, route: str | None,
                     chosen: list[str] | None, use_documents: bool):
    """Runs on a worker: which documents the question consults (the rule the CLI uses), then prepare.

    ``chosen``: the ticks shown in the documents panel (None: the conversation's saved ones).
    """
    documents = document_use.for_question(core.library, core.store, core.paths.index_manifest, conversation_id,
                                          chosen, use_documents)
    return core.assistant.prepare(question, conversation_id, route, **documents.prepare_kwargs())


def prepare_regenerate(core: Core, conversation_id: int, route: str | None, chosen: list[str] | None,
                       use_documents: bool):
    """Runs on a worker: as ``prepare_question``, for the conversation's last question."""
    documents = document_use.for_question(core.library, core.store, core.paths.index_manifest, conversation_id,
                                          chosen, use_documents)
    return core.assistant.prepare_regenerate(conversation_id, route, **documents.prepare_kwargs())


class ChatController(QObject):
    """Owns the conversation being shown and the one answer being written."""

    conversationChanged = Signal(object)  # conversation id or None
    answerFinished = Signal(object)  # Answer
    busyChanged = Signal(bool)

    def __init__(self, core: Core, pool: WorkerPool, view: ChatView, composer: Composer, banner: ErrorBanner,
                 status: AppStatusBar, window: QWidget,
                 collections: Callable[[], list[str] | None] = lambda: None) -> None:
        super().__init__(window)
        self.core = core
        self.pool = pool
        self.view = view
        self.composer = composer
        self.banner = banner
        self.status = status
        self.window = window
        self._collections = collections
        self.conversation_id: int | None = None
        self._worker: Worker | None = None
        self._answer: MessageWidget | None = None
        self._question: MessageWidget | None = None
        self._question_text = ""
        self._pending: list[str] = []
        self._stopped = False
        self._closing = False
        self._flush_timer = QTimer(self, interval=FLUSH_MS, singleShot=True)
        self._flush_timer.timeout.connect(self._flush)
        composer.sendRequested.connect(self.send)
        composer.stopRequested.connect(self.stop)
        from desktop_app.gui.chat.conversation_file_drop import ConversationFileDrop

        self.files = ConversationFileDrop(self)  # files dropped on the composer (this conversation only)

    # ---------------------------------------------------------------- state

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def _set_busy(self, worker: Worker | None) -> None:
        was = self.busy
        self._worker = worker
        self.composer.set_busy(worker is not None)
        if was != self.busy:
            self.busyChanged.emit(self.busy)

    def show_conversation(self, conversation_id: int | None) -> None:
        """Show a stored conversation (None: a new, empty one). Ignored while an answer streams."""
        if self.busy:
            return
        self.conversation_id = conversation_id
        if conversation_id is None:
            self.view.clear()
        else:
            try:
                self.view.set_messages(self.core.store.messages(conversation_id))
            except AppError as exc:
                self.banner.show_error(exc)
        self.conversationChanged.emit(conversation_id)

    # ---------------------------------------------------------------- send

    def send(self, text: str, route: str | None = None) -> None:
        """Show the question at once, then prepare (worker) -> confirm (here) -> answer (worker)."""
        text = text.strip()
        if not text or self.busy or self._closing:
            return
        if self.files.indexing(self.conversation_id):  # the answer would miss the file being read
            self.composer.set_text(text)
            self.status.showMessage("The dropped file is still being read: send when it shows “Asking about”.", 5000)
            return
        self.banner.hide()
        self._stopped = False
        self._flush_timer.setInterval(FLUSH_MS)
        self._question_text = text
        self._question = self.view.add_message("user", text)
        self._start_answer_widget()
        # ``core.assistant`` is built on first use (imports the prompt builders): on the worker too.
        worker = self.pool.run(
            prepare_question, self.core, text, self.conversation_id, route, self._collections(),
            self.composer.take_use_documents(), pass_cancel=False,
            on_returned=self._on_prepared, on_errored=self._on_prepare_failed,
        )
        self._set_busy(worker)

    def regenerate(self, use_documents: bool = True) -> None:
        """Answer the last question again (the old answer is replaced); ``use_documents`` False:
        without the documents ("not for this question")."""
        if self.busy or self.conversation_id is None or self._closing:
            return
        last = self.view.last_answer()
        if last is None:
            return
        self.banner.hide()
        self._stopped = False
        self._question = None
        self._question_text = ""
        self.view.remove_message(last)
        self._start_answer_widget()
        worker = self.pool.run(
            prepare_regenerate, self.core, self.conversation_id, self.composer.route(), self._collections(),
            self.composer.take_use_documents() and use_documents, pass_cancel=False,
            on_returned=lambda p: self._on_prepared(p, save_question=False), on_errored=self._on_prepare_failed,
        )
        self._set_busy(worker)

    def _start_answer_widget(self) -> None:
        self._answer = self.view.add_message("assistant")  # the view forwards its citation clicks
        self._answer.set_status("streaming")

    def _on_prepared(self, prepared, save_question: bool = True) -> None:
        if self._closing:
            self._set_busy(None)
            return
        new_conversation = prepared.conversation_id != self.conversation_id
        self.conversation_id = prepared.conversation_id
        if new_conversation:
            self.conversationChanged.emit(self.conversation_id)
        if self._stopped:  # Stop pressed while preparing: nothing was generated or saved.
            self._finish_stopped_before_start()
            return
        approved = None
        if prepared.plan.needs_confirmation:
            from desktop_app.gui.dialogs.confirm import confirm_handoff  # only when asked: not at start-up

            approved = confirm_handoff(self.window, prepared.plan)
        core = self.core
        worker = self.pool.run(
            lambda p, cancel, approved, save_question: core.assistant.answer(p, cancel, approved, save_question),
            prepared, approved=approved, save_question=save_question,
            on_yielded=self._on_event, on_errored=self._on_stream_failed, on_finished=self._on_answer_finished,
        )
        self._set_busy(worker)

    def _on_prepare_failed(self, error: AppError) -> None:
        """Nothing was saved: take the question back into the composer so no typing is lost."""
        if self._answer is not None:
            self.view.remove_message(self._answer)
        if self._question is not None:
            self.view.remove_message(self._question)
            if not self.composer.text().strip():
                self.composer.set_text(self._question_text)
        elif self.conversation_id is not None:
            self.show_conversation_after_error()
        self._answer = self._question = None
        self._set_busy(None)
        self.banner.show_error(error)

    def show_conversation_after_error(self) -> None:
        """Re-read the conversation from the store (a failed regenerate keeps the old question)."""
        cid = self.conversation_id
        try:
            self.view.set_messages(self.core.store.messages(cid))
        except AppError:
            pass

    def _finish_stopped_before_start(self) -> None:
        if self._answer is not None:
            self.view.remove_message(self._answer)
        if self._question is not None:
            self.view.remove_message(self._question)
            self.composer.set_text(self._question_text)
        self._answer = self._question = None
        self._set_busy(None)

    # ---------------------------------------------------------------- stream

    def _on_event(self, event) -> None:
        widget = self._answer
        if widget is None or self._closing:
            return
        if isinstance(event, TokenEvent):
            if self._stopped:
                return  # Stop shows at once; the saved text comes with DoneEvent
            self._pending.append(event.text)
            if not self._flush_timer.isActive():
                self._flush_timer.start()
        elif isinstance(event, RouteEvent):
            # A route after tokens starts the answer afresh (a cloud fallback, or the claim
            # check's second try): the text shown so far is replaced, not continued.
            self._pending.clear()
            if widget.text():
                widget.set_text("")
            widget.set_route(event.route, event.model, event.reason)
        elif isinstance(event, SourcesEvent):
            widget.set_citations(list(event.sources))
        elif isinstance(event, NoticeEvent):
            widget.add_notice(event.text)
        elif isinstance(event, DoneEvent):
            self._flush()
            answer = event.answer
            widget.set_text(answer.text)
            widget.set_claims(answer.claims)  # marks the final text (figures checked against the sources)
            widget.set_status("stopped" if answer.stopped else "complete")
            self.status.set_speed(answer.timings.tokens_per_s, answer.route)
            self.answerFinished.emit(answer)
        elif isinstance(event, ErrorEvent):
            self._on_stream_failed(event.error)

    def _flush(self) -> None:
        """Paint the tokens collected since the last flush (one re-render per FLUSH_MS)."""
        self._flush_timer.stop()
        if not self._pending or self._answer is None:
            self._pending.clear()
            return
        text = self._answer.text() + "".join(self._pending)
        self._pending.clear()
        started = time.perf_counter()
        self._answer.set_text(text)
        # Re-rendering grows with the answer: paint less often when a paint gets slow, so the
        # event loop always has at least ~2/3 of the time for input.
        spent_ms = (time.perf_counter() - started) * 1000
        self._flush_timer.setInterval(int(min(MAX_FLUSH_MS, max(FLUSH_MS, spent_ms * 3))))

    def _on_stream_failed(self, error: AppError) -> None:
        self._flush()
        if self._answer is not None:
            if self._answer.text():
                self._answer.set_status("error")
            else:
                self.view.remove_message(self._answer)
                self._answer = None
        self.banner.show_error(error)

    def _on_answer_finished(self) -> None:
        self._flush()
        if self._answer is not None and self._answer.status == "streaming":
            self._answer.set_status("stopped" if self._stopped else "complete")
        self._answer = self._question = None
        self._set_busy(None)

    # ---------------------------------------------------------------- stop, copy, close

    def stop(self) -> None:
        """Stop at once: the view freezes now; the worker saves what it has, marked stopped."""
        if not self.busy:
            return
        self._stopped = True
        self._flush()
        if self._answer is not None and self._answer.status == "streaming":
            self._answer.set_status("stopped")
        if self._worker is not None:
            self._worker.cancel()

    def copy_last_answer(self) -> bool:
        last = self.view.last_answer()
        if last is None or not last.text():
            return False
        last.copy_to_clipboard()
        return True

    def shutdown(self, timeout_ms: int = 10000) -> None:
        """On quit: cancel the running answer and wait for every worker (the answer is saved stopped)."""
        self._stopped = True
        self._closing = True
        self.pool.shutdown(timeout_ms)
