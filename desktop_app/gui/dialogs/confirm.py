"""Policy "ask": before a question goes to the cloud, show why and the exact text to be sent."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from desktop_app.gui.common.accessibility import describe
from desktop_app.routing.base import HandoffPlan


class HandoffConfirmDialog(QDialog):
    """Shows the router's reason and the redacted text; "Keep on this device" is the default."""

    def __init__(self, plan: HandoffPlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Send this question to the cloud?")
        self.setObjectName("handoffConfirmDialog")
        self.resize(620, 480)
        self.reason = QLabel(f"<b>{_escape(plan.model or 'The cloud model')}</b> would likely answer better. {_escape(plan.reason)}")
        self.reason.setWordWrap(True)
        describe(self.reason, "Why the cloud is suggested", plan.reason, tooltip=False)
        intro = QLabel("This exact text would be sent (personal data already replaced by placeholders):")
        intro.setWordWrap(True)
        self.preview = QPlainTextEdit(plan.preview)
        self.preview.setReadOnly(True)
        describe(self.preview, "Text to be sent", "The exact text that would leave this device.")
        self.buttons = QDialogButtonBox()
        self.send_button = QPushButton("&Send to cloud")
        self.keep_button = QPushButton("&Keep on this device")
        describe(self.send_button, "Send to cloud", "Send the text above to the cloud model for this question.")
        describe(self.keep_button, "Keep on this device", "Answer with the model on this device; nothing is sent.")
        self.buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.keep_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.keep_button.setDefault(True)
        self.keep_button.setAutoDefault(True)
        self.send_button.setAutoDefault(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.reason)
        layout.addWidget(intro)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.buttons)
        self.keep_button.setFocus()


def confirm_handoff(parent: QWidget | None, plan: HandoffPlan) -> bool:
    """Ask the user; True only when they chose to send."""
    dialog = HandoffConfirmDialog(plan, parent)
    return dialog.exec() == QDialog.DialogCode.Accepted


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
