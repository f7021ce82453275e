"""The scrolling list of messages of one conversation."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from desktop_app.core.records import Citation, ClaimCheck, StoredMessage
from desktop_app.gui.common.accessibility import describe
from desktop_app.gui.chat.message_widget import MessageWidget

WELCOME = (
    "<h2>Ask anything</h2>"
    "<p>Answers come from a small language model running on this computer.<br>"
    "Drop PDFs onto the window to ask about your documents.</p>"
    "<p><b>Enter</b> sends · <b>Shift+Enter</b> new line · <b>Esc</b> stops · <b>Ctrl+N</b> new chat</p>"
)


class ChatView(QScrollArea):
    """Shows the messages of a conversation; follows the newest one while it streams."""

    citationClicked = Signal(object)  # Citation
    withoutDocumentsRequested = Signal()  # the last answer's "Answer without documents"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatView")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # A description for screen readers, not a tooltip: a container's tooltip shows over every
        # message in it and replaced a citation's passage a moment after it appeared.
        describe(self, "Conversation", "The messages of the current conversation, newest at the bottom.", tooltip=False)
        self._content = QWidget()
        self._content.setObjectName("chatContent")
        self._layout = QVBoxLayout(self._content)
        self._layout.setContentsMargins(16, 16, 16, 16)
        self._layout.setSpacing(10)
        self.welcome = QLabel(WELCOME)
        self.welcome.setObjectName("welcomeLabel")
        self.welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.welcome.setWordWrap(True)
        self.welcome.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        # The welcome text takes the whole area while the chat is empty; once hidden, the
        # trailing stretch keeps messages stacked from the top.
        self._layout.addWidget(self.welcome, 10)
        self._layout.addStretch(1)
        self.setWidget(self._content)
        self._messages: list[MessageWidget] = []
        self._follow = True
        self.verticalScrollBar().rangeChanged.connect(self._on_range_changed)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)

    # ---------------------------------------------------------------- content

    def messages(self) -> list[MessageWidget]:
        return list(self._messages)

    def clear(self) -> None:
        for widget in self._messages:
            self._layout.removeWidget(widget)
            widget.hide()  # at once: deleteLater waits for the event loop
            widget.deleteLater()
        self._messages.clear()
        self.welcome.setVisible(True)
        self._follow = True

    def add_message(self, role: str, text: str = "") -> MessageWidget:
        widget = MessageWidget(role, text, self._content)
        widget.citationClicked.connect(self.citationClicked)
        widget.withoutDocumentsRequested.connect(self.withoutDocumentsRequested)
        # Insert before the trailing stretch so messages stack from the top.
        self._layout.insertWidget(self._layout.count() - 1, widget)
        self._messages.append(widget)
        self.welcome.setVisible(False)
        self._follow = True
        self._mark_last()
        return widget

    def _mark_last(self) -> None:
        for i, message in enumerate(self._messages):
            message.set_is_last(i == len(self._messages) - 1)

    def remove_message(self, widget: MessageWidget) -> None:
        if widget in self._messages:
            self._messages.remove(widget)
            self._layout.removeWidget(widget)
            widget.hide()
            widget.deleteLater()
        self.welcome.setVisible(not self._messages)
        self._mark_last()

    def set_messages(self, stored: list[StoredMessage]) -> None:
        """Show a stored conversation (answers keep their route, sources, notices and status)."""
        self.clear()
        for msg in stored:
            if msg.role not in ("user", "assistant"):
                continue
            widget = self.add_message(msg.role)
            if msg.role == "assistant":
                meta = msg.meta or {}
                widget.set_citations(_citations_from(meta.get("sources") or []))
                if meta.get("route"):
                    widget.set_route(meta["route"], meta.get("model", ""), meta.get("reason", ""))
                widget.set_notices(list(meta.get("notices") or []))
                widget.set_claims(ClaimCheck.from_json(meta.get("claims")))
                # A message still marked "streaming" was cut off by a crash or a quit.
                widget.set_status("stopped" if msg.status == "streaming" else msg.status)
            widget.set_text(msg.content)
        QTimer.singleShot(0, self.scroll_to_bottom)

    def last_answer(self) -> MessageWidget | None:
        return next((m for m in reversed(self._messages) if m.role == "assistant"), None)

    # ---------------------------------------------------------------- scrolling

    def scroll_to_bottom(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())
        self._follow = True

    def _on_range_changed(self, _min: int, maximum: int) -> None:
        # Follow the streaming answer only while the user has not scrolled up to read.
        if self._follow:
            self.verticalScrollBar().setValue(maximum)

    def _on_scrolled(self, value: int) -> None:
        self._follow = value >= self.verticalScrollBar().maximum() - 8


def _citations_from(sources: list[dict]) -> list[Citation]:
    out = []
    for s in sources:
        try:
            out.append(Citation(int(s.get("n", s.get("number", 0))), str(s.get("source", "")), int(s.get("page", 0)),
                                str(s.get("text", "")), float(s.get("score", 0.0))))
        except (TypeError, ValueError):
            continue
    return out
