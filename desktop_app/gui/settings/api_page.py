"""Settings → Local API: lend the model and documents to other programs while the window is open.

Off by default. The switch acts at once (starting loads the model and opens the port, on a
worker) and is remembered (``api.enabled``), so the API starts with the window next time
(``gui.api_autostart``). A new token is shown once, here, with a Copy button. An address other
than loopback asks first; IT's policy can forbid the API or any address but loopback.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.api.hosting import check_allowed, exposure_warning, host_for
from desktop_app.app_core import Core
from desktop_app.core.errors import AppError
from desktop_app.gui.common.accessibility import describe
from desktop_app.gui.settings.widgets import add_row, lock_if_managed
from desktop_app.gui.common.workers import WorkerPool


class ApiSettingsPage(QWidget):
    """The local OpenAI-compatible API: on/off, address, port, token, and where it serves."""

    def __init__(self, core: Core, parent: QWidget | None = None, pool: WorkerPool | None = None) -> None:
        super().__init__(parent)
        self.core = core
        self.pool = pool or WorkerPool()
        self.host = host_for(core)
        self._busy = False
        s, policy = core.settings, core.policy
        form = QFormLayout()

        self.enabled = QCheckBox("Serve the local API while SLM Assistant is open")
        self.enabled.setChecked(self.host.running)
        add_row(form, "Local API:", self.enabled, s.describe("api.enabled"), "api.enabled", policy)
        self.address = QLineEdit(s.api.host)
        add_row(form, "Address:", self.address, s.describe("api.host"))
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(int(s.api.port))
        add_row(form, "Port:", self.port, s.describe("api.port"))
        if policy.is_locked("api.allow_network") and not s.api.allow_network:
            self.address.setEnabled(False)
            lock_if_managed(self.address, "api.allow_network", policy)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setObjectName("apiStatus")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        describe(self.status, "Local API status", tooltip=False)

        self.token = QLineEdit()
        self.token.setReadOnly(True)
        self.token.setObjectName("apiToken")
        describe(self.token, "API token", "The token clients send as 'Authorization: Bearer …'. Shown only when it is made.")
        self.copy = QPushButton("&Copy")
        describe(self.copy, "Copy token", "Copy the API token to the clipboard.")
        self.copy.clicked.connect(lambda: QApplication.clipboard().setText(self.token.text()))
        self.rotate = QPushButton("&New token")
        describe(self.rotate, "New token", "Replace the token; programs using the old one are refused until updated.")
        self.rotate.clicked.connect(lambda: self.start(rotate=True))
        token_row = QHBoxLayout()
        token_row.addWidget(self.token, 1)
        token_row.addWidget(self.copy)
        token_row.addWidget(self.rotate)
        form.addRow("Token:", token_row)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.enabled.toggled.connect(self._toggled)
        self._show_state()

    # ------------------------------------------------------------ actions

    def _toggled(self, checked: bool) -> None:
        if checked:
            self.start()
        else:
            self.stop()

    def start(self, rotate: bool = False) -> None:
        """Check the address (asking about a network one), remember the choice, serve on a worker."""
        settings, policy = self.core.settings, self.core.policy
        host, port = self.address.text().strip() or "127.0.0.1", int(self.port.value())
        try:
            if check_allowed(self.core, host, port) and not self._confirm_network(host):
                raise AppError("Not started: you did not confirm the network address.")
            for key, value in (("api.host", host), ("api.port", port), ("api.enabled", True)):
                if settings.get(key) != value:
                    policy.check_can_set(key)
                    settings.set(key, value)
            self.core.save_settings()
        except AppError as exc:
            self._failed(exc)
            return
        self._set_busy(True, "Starting: loading the model…")
        stop_on_quit(self.host)
        # Runs on a worker thread: never touch widgets here.
        self.pool.run(lambda cancel=None: self.host.start(rotate_token=rotate, confirmed=True),
                      on_returned=self._started, on_errored=self._failed, on_finished=lambda: self._set_busy(False))

    def stop(self) -> None:
        try:
            if self.core.settings.api.enabled:
                self.core.settings.set("api.enabled", False)
                self.core.save_settings()
        except AppError as exc:
            self.status.setText(str(exc))
        self._set_busy(True, "Stopping…")
        self.pool.run(lambda cancel=None: self.host.stop(), on_errored=self._failed,
                      on_finished=lambda: (self._set_busy(False), self._show_state()))

    def _confirm_network(self, host: str) -> bool:
        answer = QMessageBox.question(self, "Serve on the network?", exposure_warning(host) + "\n\nServe on the network?",
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    # ------------------------------------------------------------ state

    def _started(self, serving) -> None:
        if serving.token.is_new:
            self.token.setText(serving.token.value)
            self.token.setPlaceholderText("")
        self._show_state(serving.token.note if serving.token.is_new else "")

    def _failed(self, exc: AppError) -> None:
        self.status.setText(f"✗ {exc}")
        self.status.setAccessibleDescription(str(exc))
        if not self.host.running and self.core.settings.api.enabled and not self.core.policy.is_locked("api.enabled"):
            try:  # it did not start: do not try again at every launch
                self.core.settings.set("api.enabled", False)
                self.core.save_settings()
            except AppError:
                pass
        self._sync_switch()

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        if text:
            self.status.setText(text)
        self._sync_switch()

    def _sync_switch(self) -> None:
        self.enabled.blockSignals(True)
        self.enabled.setChecked(self.host.running)
        self.enabled.blockSignals(False)
        serving = self.host.running
        self.enabled.setEnabled(not self._busy and not self.core.policy.is_locked("api.enabled"))
        self.address.setEnabled(not serving and not (self.core.policy.is_locked("api.allow_network")
                                                     and not self.core.settings.api.allow_network))
        self.port.setEnabled(not serving)
        self.rotate.setEnabled(serving and not self._busy)

    def _show_state(self, note: str = "") -> None:
        self._sync_switch()
        serving = self.host.serving
        if serving is None:
            self.token.clear()
            self.token.setPlaceholderText("Shown here once, when the API makes a new token")
            self.status.setText("Off. Other programs cannot use the model or your documents.")
            return
        models = ", ".join(serving.models)
        text = (f"Serving at {serving.url} — models: {models}. Point OpenAI-compatible tools at it "
                "(OPENAI_BASE_URL) with the token as the API key.")
        self.status.setText(f"{text} {note}".strip())


def stop_on_quit(host) -> None:
    """Stop the server when the application quits (once per host); open answers get a moment to end."""
    app = QApplication.instance()
    if app is not None and not getattr(host, "_quit_hooked", False):
        host._quit_hooked = True
        app.aboutToQuit.connect(host.stop)


def start_hosting(core: Core, pool: WorkerPool, on_problem=None) -> None:
    """Start the API at launch (``api_autostart``: the user left it on); a failure is reported, not raised."""
    host = host_for(core)
    stop_on_quit(host)
    # The user confirmed a network address when they turned the API on; the policy is checked again.
    pool.run(lambda cancel=None: host.start(confirmed=True), on_errored=on_problem)
