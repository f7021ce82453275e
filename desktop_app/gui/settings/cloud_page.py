"""Settings → Cloud: endpoint, model, API key (keychain), timeout, policy, Test connection.

Fields IT locked are greyed and marked "Managed by your organization". The API key goes to the
system keychain only (never to settings); without a keychain the page says so and points to
the environment variable. "Test connection" runs in a worker and shows success or the exact reason.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.app_core import Core
from desktop_app.core.errors import AppError
from desktop_app.gui.common.accessibility import describe
from desktop_app.gui.settings.widgets import add_row, lock_if_managed
from desktop_app.gui.common.workers import WorkerPool
from desktop_app.routing import secrets

POLICIES = (
    ("Off: never use the cloud (no network)", "off"),
    ("Ask me each time the cloud would do better", "ask"),
    ("Automatic, within the privacy rules", "auto"),
)


class CloudSettingsPage(QWidget):
    """The cloud model and the hand-off policy; ``apply()`` validates and stores them."""

    def __init__(self, core: Core, parent: QWidget | None = None, pool: WorkerPool | None = None) -> None:
        super().__init__(parent)
        self.core = core
        self.pool = pool or WorkerPool()
        s, policy = core.settings, core.policy
        form = QFormLayout()

        self.policy_box = QComboBox()
        for label, _value in POLICIES:
            self.policy_box.addItem(label)
        self.policy_box.setCurrentIndex(next((i for i, (_l, v) in enumerate(POLICIES) if v == s.routing.policy), 0))
        add_row(form, "Cloud hand-off:", self.policy_box, s.describe("routing.policy"), "routing.policy", policy)

        self.base_url = QLineEdit(s.routing.cloud.base_url)
        self.base_url.setPlaceholderText("https://api.openai.com/v1")
        add_row(form, "Endpoint:", self.base_url, s.describe("routing.cloud.base_url"), "routing.cloud.base_url", policy)

        self.model = QLineEdit(s.routing.cloud.model)
        self.model.setPlaceholderText("gpt-4o-mini")
        add_row(form, "Model:", self.model, s.describe("routing.cloud.model"), "routing.cloud.model", policy)

        self.api_key = QLineEdit()
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        add_row(form, "API key:", self.api_key, "The key is kept in the system keychain, never in the settings file.")
        self.forget_key = QPushButton("Forget key")
        describe(self.forget_key, "Forget API key", "Remove the API key from the system keychain.")
        self.forget_key.clicked.connect(self._forget_key)
        form.addRow("", self.forget_key)
        self.key_note = QLabel()
        self.key_note.setWordWrap(True)
        self.key_note.setObjectName("keyNote")
        describe(self.key_note, "API key status", tooltip=False)
        form.addRow("", self.key_note)

        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(1.0, 600.0)
        self.timeout.setSuffix(" s")
        self.timeout.setValue(float(s.routing.cloud.timeout_s))
        add_row(form, "Timeout:", self.timeout, s.describe("routing.cloud.timeout_s"), "routing.cloud.timeout_s", policy)

        self.test_button = QPushButton("&Test connection")
        describe(self.test_button, "Test connection", "Send a one-word request to the endpoint and report the result.")
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.test_result.setObjectName("testResult")
        describe(self.test_result, "Connection test result", tooltip=False)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addWidget(self.test_result, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addStretch(1)
        self._testing = None
        self._refresh_key_state()
        if policy.is_locked("routing.policy") and s.routing.policy == "off":
            self.test_button.setEnabled(False)
            lock_if_managed(self.test_button, "routing.policy", policy)

    # ------------------------------------------------------------ state

    @property
    def use_keychain(self) -> bool:
        return bool(self.core.settings.routing.cloud.use_keychain)

    def _refresh_key_state(self) -> None:
        ok, note = secrets.keychain_status(self.use_keychain)
        self.api_key.setEnabled(ok)
        self.forget_key.setEnabled(ok)
        if ok:
            stored = secrets.get_api_key(self.use_keychain)
            self.api_key.setPlaceholderText("A key is saved (type to replace it)" if stored.source == "keychain" else "Paste your API key")
            self.key_note.setText(stored.note if stored.source == "environment" else note)
        else:
            self.api_key.setPlaceholderText("No keychain: use the environment variable")
            env = secrets.get_api_key(False)
            self.key_note.setText(note + (" It is set for this run." if env.source == "environment" else ""))

    def values(self) -> dict[str, object]:
        return {
            "routing.policy": POLICIES[self.policy_box.currentIndex()][1],
            "routing.cloud.base_url": self.base_url.text().strip(),
            "routing.cloud.model": self.model.text().strip(),
            "routing.cloud.timeout_s": float(self.timeout.value()),
        }

    def apply(self) -> None:
        """Validate and set the values (the dialog saves); store a typed key in the keychain.

        Raises:
            AppError: a value is refused, a locked key was changed, or the keychain refused the key.
        """
        settings, policy = self.core.settings, self.core.policy
        values = self.values()
        before = {k: settings.get(k) for k in values}
        try:
            for key, value in values.items():
                if before[key] != value:
                    policy.check_can_set(key)
                    settings.set(key, value)
            typed = self.api_key.text().strip()
            saved = secrets.store_api_key(typed, self.use_keychain) if typed else ""
        except AppError:
            for key, value in before.items():
                settings.set(key, value)
            raise
        if saved:
            self.api_key.clear()
            self._refresh_key_state()
            self.key_note.setText(saved)

    def _forget_key(self) -> None:
        try:
            self.key_note.setText(secrets.store_api_key("", self.use_keychain))
        except AppError as exc:
            self.key_note.setText(str(exc))

    # ------------------------------------------------------------ test connection

    def test_connection(self) -> None:
        """Test the endpoint as typed (not yet saved) on a worker thread."""
        base_url, model = self.base_url.text().strip(), self.model.text().strip() or "default"
        if not base_url:
            self._show_result(False, "Enter the endpoint first.")
            return
        key = self.api_key.text().strip() or secrets.get_api_key(self.use_keychain).value
        timeout = float(self.timeout.value())
        self.test_button.setEnabled(False)
        self.test_result.setText("Testing…")

        # Runs on a worker thread: never touch widgets here.
        def probe(cancel=None):
            from desktop_app.llm.cloud_backend import CloudBackend

            backend = CloudBackend(base_url, model, api_key=key, timeout_s=timeout, max_retries=0)
            try:
                return backend.test_connection()
            finally:
                backend.close()

        self._testing = self.pool.run(
            probe,
            on_returned=lambda r: self._show_result(r.ok, r.message),
            on_errored=lambda e: self._show_result(False, str(e)),
            on_finished=lambda: self.test_button.setEnabled(True),
        )

    def _show_result(self, ok: bool, message: str) -> None:
        self.test_result.setText(("✓ " if ok else "✗ ") + message)
        self.test_result.setProperty("ok", ok)
        self.test_result.setAccessibleDescription(message)
