"""The main window: conversation sidebar, chat, composer, documents panel, menus, drops.

Session logic lives in ``ChatController``; conversation management (rename, delete, export)
in ``conversation_ops``. Everything slow runs on the WorkerPool; this module only wires.

Start-up in two steps, so the window appears about as fast as a bare Qt window: the
constructor makes only the frame (title, saved geometry, menu titles, status bar) and the
first paint triggers ``finish_startup``, which builds the chat UI, lists the conversations,
adds the documents panel and starts loading the model. The widget modules and Qt's large
enum namespaces (``Qt``, ``QFileDialog``...) are therefore imported inside methods here.
"""

from __future__ import annotations


from PySide6.QtCore import QByteArray, QTimer, Signal
from PySide6.QtWidgets import QMainWindow, QWidget

from desktop_app import PRODUCT_NAME
from desktop_app.app_core import Core
from desktop_app.core.errors import AppError
from desktop_app.gui.common.status_bar import AppStatusBar
from desktop_app.gui.shell.window_dialogs import ModelReloader, WindowDialogs
from desktop_app.gui.shell.window_documents import WindowDocuments
from desktop_app.gui.common.workers import WorkerPool

MENU_TITLES = (("file", "&File"), ("edit", "&Edit"), ("view", "&View"), ("tools", "&Tools"), ("help", "&Help"))


class MainWindow(QMainWindow):
    """The one window of the app. Built by ``application.run`` with the Core and a WorkerPool."""

    modelLoaded = Signal(object)  # the ChatBackend, once loaded off the GUI thread
    modelFailed = Signal(object)  # AppError
    startupFinished = Signal()  # conversations listed, documents panel built, model loading

    def __init__(self, core: Core, pool: WorkerPool | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.core = core
        self.pool = pool or WorkerPool()
        self.setWindowTitle(PRODUCT_NAME)
        self.setObjectName("mainWindow")
        self.setAcceptDrops(True)
        self.resize(1100, 740)
        self.status = AppStatusBar(self)
        self.setStatusBar(self.status)
        # Menu titles now, their actions with the rest of the UI: the bar does not jump later.
        self._menus = {key: self.menuBar().addMenu(title) for key, title in MENU_TITLES}
        self.controller = None
        self.dialogs = WindowDialogs(core, self.pool, self, on_settings_applied=self._on_settings_applied)
        self.reloader = ModelReloader(core, is_busy=lambda: self.controller is not None and self.controller.busy,
                                      start_loading=self.start_model_loading)
        self.documents: WindowDocuments | None = None  # with the chat UI (it reports to the banner)
        self.startup_done = False
        self._startup_queued = False
        self._style_key: tuple[str, ...] | None = None  # the palette the style sheet was made from
        self._restore_geometry()
        self.installEventFilter(self)

    def _build_ui(self) -> None:
        """The chat UI (runs once, right after the first paint)."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QSplitter, QVBoxLayout

        from desktop_app.gui.shell.actions import build_actions
        from desktop_app.gui.chat.controller import ChatController
        from desktop_app.gui.chat.view import ChatView
        from desktop_app.gui.chat.composer import Composer
        from desktop_app.gui.common.error_banner import ErrorBanner
        from desktop_app.gui.chat.conversation_list import ConversationSidebar
        from desktop_app.gui.dialogs.usage_menu import add_usage_action

        core = self.core
        self.sidebar = ConversationSidebar(self)
        self.chat_view = ChatView(self)
        self.composer = Composer(self)
        self.banner = ErrorBanner(self)

        chat_area = QWidget(self)
        chat_area.setObjectName("chatArea")
        col = QVBoxLayout(chat_area)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        banner_holder = QVBoxLayout()
        banner_holder.setContentsMargins(12, 8, 12, 0)
        banner_holder.addWidget(self.banner)
        col.addLayout(banner_holder)
        col.addWidget(self.chat_view, 1)
        col.addWidget(self.composer)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(chat_area)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([250, 850])
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)
        # Built while the window is already visible: Qt would show new children only on a later
        # (queued) turn, so show them now and paint them in the same frame.
        self.splitter.show()

        self.controller = ChatController(
            core, self.pool, self.chat_view, self.composer, self.banner, self.status, self,
            collections=lambda: self.documents.chosen_collections(),
        )
        from desktop_app.gui.chat import conversation_ops

        self.documents = WindowDocuments(
            core, self.pool, self, show_error=self.banner.show_error, show_message=self.status.showMessage,
            add_model=lambda path: conversation_ops.add_model(self, path),
            documents_listed=self.composer.set_documents_available, citation_closed=self._on_citation_closed)
        self.actions = build_actions(self)
        self.usage_action = add_usage_action(self)  # Tools → Usage and savings… (issue 12)
        self._wire()
        self._apply_policy()
        self.restyle()
        from desktop_app.gui.shell.tab_order import order_chat_tab_stops

        order_chat_tab_stops(self.composer, self.chat_view, self.sidebar)
        self.set_sidebar_visible(self.core.settings.ui.sidebar_visible)
        self.composer.edit.setFocus()

    # ---------------------------------------------------------------- building

    def _wire(self) -> None:
        from desktop_app.gui.chat import conversation_ops

        sb = self.sidebar
        sb.newRequested.connect(self.new_chat)
        sb.conversationSelected.connect(self.open_conversation)
        for signal, operation in ((sb.renameRequested, "rename"), (sb.deleteRequested, "delete"), (sb.exportRequested, "export")):
            signal.connect(lambda cid, op=operation: getattr(conversation_ops, op)(self, cid))
        sb.searchChanged.connect(lambda _text: self.refresh_conversations())
        self.chat_view.citationClicked.connect(self.documents.open_citation)
        self.chat_view.withoutDocumentsRequested.connect(lambda: self.controller.regenerate(use_documents=False))
        self.controller.conversationChanged.connect(self._on_conversation_changed)
        self.controller.answerFinished.connect(lambda _a: self.refresh_conversations())
        self.controller.busyChanged.connect(self._on_busy_changed)
        self.modelLoaded.connect(self.status.set_backend)
        self.modelFailed.connect(self._on_model_failed)
        self.actions.toggle_documents.setVisible(False)  # until the documents panel exists
        self.actions.add_documents.setEnabled(False)
        self._on_busy_changed(False)

    def _apply_policy(self) -> None:
        """Greyed out, with the reason, where the organisation's policy forbids an action."""
        s = self.core.settings
        if not s.privacy.allow_export:
            self.actions.export.setEnabled(False)
            self.actions.export.setToolTip("Managed by your organization: exporting is turned off.")
        if not s.privacy.allow_user_models:
            for action in (self.actions.add_model, self.actions.download_models):
                action.setEnabled(False)
                action.setToolTip("Managed by your organization: only the provided model can be used.")
        self.composer.set_cloud_available(s.routing.policy != "off")

    def _restore_geometry(self) -> None:
        ui = self.core.settings.ui
        if ui.window_geometry:
            try:
                self.restoreGeometry(QByteArray.fromBase64(ui.window_geometry.encode("ascii")))
            except (ValueError, UnicodeError):
                pass

    # ---------------------------------------------------------------- start-up

    def finish_startup(self) -> None:
        """Runs once, right after the first paint: model loading, conversations, documents panel."""
        if self.startup_done:
            return
        self.startup_done = True
        self._build_ui()
        last = self.core.settings.ui.last_conversation_id
        if last and self._store_call(lambda: self.core.store.get_conversation(last)) is not None:
            self.open_conversation(last)  # also lists the conversations (conversationChanged)
        else:
            self.refresh_conversations()
        self.documents.build(self.controller.conversation_id, self.actions.toggle_documents, self.actions.add_documents)
        from desktop_app.gui.shell.tab_order import order_documents_tab_stops

        order_documents_tab_stops(self.documents_dock, after=self.sidebar.list, then=self.composer.edit)
        # Last: importing llama.cpp on the worker competes for the GIL with the work above.
        self.start_model_loading()
        # The Markdown parser's import would otherwise stall the first answer on the GUI thread.
        from desktop_app.gui.chat.markdown_render import warm_up

        self.pool.run(warm_up, pass_cancel=False)
        QTimer.singleShot(300, self._warm_up_widgets)

    def _warm_up_widgets(self) -> None:
        """Build and drop one answer widget while idle: PySide creates its enum types on first
        use, which would otherwise stall the first question by tens of milliseconds."""
        from desktop_app.gui.chat.message_widget import MessageWidget

        MessageWidget("assistant", "warm **up**").deleteLater()
        self.startupFinished.emit()

    def start_model_loading(self) -> None:
        """Load the model on a worker after the window shows (seconds; never on the GUI thread)."""
        self.status.set_loading()
        self.pool.run(self.core.backend, pass_cancel=False,
                      on_returned=self._on_model_loaded, on_errored=self.modelFailed.emit)

    def _on_model_loaded(self, backend) -> None:
        self.modelLoaded.emit(backend)
        if self.isVisible():  # then the chat model, where there is one; not once closed; its failures fall back unseen
            self.pool.run(self.core.general_backend, pass_cancel=False, on_returned=self.status.set_general_backend, on_errored=lambda _exc: None)

    def _on_model_failed(self, error: AppError) -> None:
        self.status.set_model_failed()
        self.banner.show_error(error)

    # ---------------------------------------------------------------- conversations

    def _store_call(self, fn, default=None):
        try:
            return fn()
        except AppError as exc:
            self.banner.show_error(exc)
            return default

    def refresh_conversations(self) -> None:
        text = self.sidebar.search_text()
        store = self._store_call(lambda: self.core.store)
        if store is None:
            return
        convs = self._store_call(lambda: store.search(text) if text else store.list_conversations(), [])
        self.sidebar.set_conversations(convs, self.controller.conversation_id)

    def open_conversation(self, conversation_id: int) -> None:
        if self.controller.busy:
            self.sidebar.select(self.controller.conversation_id)
            self.status.showMessage("Wait for the answer to finish, or stop it (Esc), before switching.", 4000)
            return
        self.controller.show_conversation(conversation_id)

    def new_chat(self) -> None:
        if self.controller.busy:
            self.status.showMessage("Stop the answer (Esc) before starting a new chat.", 4000)
            return
        from PySide6.QtCore import Qt

        self.controller.show_conversation(None)
        self.composer.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _on_conversation_changed(self, conversation_id) -> None:
        if conversation_id is not None:
            self.core.settings.ui.last_conversation_id = int(conversation_id)
        self.refresh_conversations()
        conv = self._store_call(lambda: self.core.store.get_conversation(conversation_id)) if conversation_id else None
        self.setWindowTitle(f"{conv.title} — {PRODUCT_NAME}" if conv else PRODUCT_NAME)
        self.sidebar.select(conversation_id)
        has = conversation_id is not None
        for action in (self.actions.rename, self.actions.delete):
            action.setEnabled(has)
        if self.core.settings.privacy.allow_export:
            self.actions.export.setEnabled(has)
        if self.documents_panel is not None:
            self.documents_panel.set_conversation(conversation_id)

    def _on_busy_changed(self, busy: bool) -> None:
        self.actions.stop.setEnabled(busy)
        self.actions.regenerate.setEnabled(not busy)
        if not busy:
            self.reloader.when_idle()

    # ---------------------------------------------------------------- actions (menu slots)

    def stop(self) -> None:
        self.controller.stop()

    def regenerate(self) -> None:
        self.controller.regenerate()

    def copy_last_answer(self) -> None:
        if self.controller.copy_last_answer():
            self.status.showMessage("Answer copied.", 2000)

    def focus_search(self) -> None:
        self.set_sidebar_visible(True)
        self.sidebar.focus_search()

    def toggle_sidebar(self) -> None:
        self.set_sidebar_visible(not self.sidebar.isVisible())

    def set_sidebar_visible(self, visible: bool) -> None:
        self.sidebar.setVisible(visible)
        self.actions.toggle_sidebar.setChecked(visible)
        self.core.settings.ui.sidebar_visible = visible

    def rename_current(self) -> None:
        self._on_current_conversation("rename")

    def delete_current(self) -> None:
        self._on_current_conversation("delete")

    def export_current(self) -> None:
        self._on_current_conversation("export")

    def _on_current_conversation(self, operation: str) -> None:
        if self.controller.conversation_id is not None:
            from desktop_app.gui.chat import conversation_ops  # lazy, as in _wire
            getattr(conversation_ops, operation)(self, self.controller.conversation_id)

    # ---------------------------------------------------------------- documents and dialogs (delegated)

    @property
    def documents_panel(self):
        return self.documents.panel if self.documents is not None else None

    @property
    def documents_dock(self):
        return self.documents.dock if self.documents is not None else None

    def _on_citation_closed(self) -> None:
        """Back to the question being typed (kept as it was) after a citation popup closes."""
        from PySide6.QtCore import Qt

        if self.isVisible():
            self.activateWindow()
            self.composer.edit.setFocus(Qt.FocusReason.PopupFocusReason)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        event.acceptProposedAction()
        self.documents.handle_dropped_paths(paths)

    def _on_settings_applied(self, reload_model: bool) -> None:
        from desktop_app.gui.shell.theme import apply_theme_setting

        apply_theme_setting(self.core.settings.ui.theme)
        self.restyle()
        self._apply_policy()
        if reload_model:
            self.reloader.request()

    # ---------------------------------------------------------------- theme

    def restyle(self) -> None:
        """Colour the chat from the application's palette, now: every message (old and new), the
        composer, the sidebar and citation popups follow a theme switch without a restart.

        Runs after a theme is applied and whenever the palette changes under the window (the
        system's colour scheme while ``ui.theme`` is "system"). The application's palette, not
        the window's: the window's may still hold the old one while the change propagates.
        """
        from PySide6.QtWidgets import QApplication

        from desktop_app.gui.shell.styles import palette_key, window_style_sheet

        if self.controller is None:
            return  # the chat UI is built later and styles itself then
        palette = QApplication.palette()
        key = palette_key(palette)
        if key == self._style_key:
            return
        self._style_key = key
        self.setStyleSheet(window_style_sheet(palette))
        for message in self.chat_view.messages():  # code blocks and sources carry their colour in their HTML
            message.set_citations(message.citations())

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        from PySide6.QtCore import QEvent

        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange, QEvent.Type.ThemeChange):
            # After the current event: the palette change reaches every widget first.
            QTimer.singleShot(0, self, self.restyle)  # dropped if the window is gone by then

    # ---------------------------------------------------------------- close

    def closeEvent(self, event) -> None:  # noqa: N802
        """Stop what runs, wait for the workers (the stopped answer is saved), save the window state."""
        if self.controller is not None:
            self.controller.shutdown()
        else:
            self.pool.shutdown()
        ui = self.core.settings.ui
        ui.window_geometry = bytes(self.saveGeometry().toBase64()).decode("ascii")
        try:
            self.core.save_settings()
        except AppError:
            pass  # a read-only disk must not stop the app from closing
        super().closeEvent(event)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        # The rest of start-up waits for the first paint, so the user sees the window at once.
        # The filter is removed right away: no Python call per event for the window's lifetime.
        from PySide6.QtCore import QEvent

        if obj is self and event.type() == QEvent.Type.Paint and not self._startup_queued:
            self._startup_queued = True
            self.removeEventFilter(self)
            QTimer.singleShot(0, self.finish_startup)
        return False
