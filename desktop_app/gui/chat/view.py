"""The scrolling list of messages of one conversation.

Keyboard: the view is one Tab stop. Tabbing in lands on the message on screen (the view does not
scroll); Up/Down (Home/End) move between messages; Tab and Shift+Tab move through the focused
message's own actions (its sources, "Answer without documents", Copy) and then on to the next
control of the window. Every message and link used to be a Tab stop of its own (59 in one cycle).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

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
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._leaving = False  # focus passes through the view on its way out of the chat
        self._entering = False  # focus lands on the message on screen: no scrolling then
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
        widget.installEventFilter(self)  # a message that gets the focus is scrolled into view
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

    # ---------------------------------------------------------------- keyboard

    def focused_message(self) -> MessageWidget | None:
        """The message holding the keyboard focus (itself or one of its actions), if any."""
        focus = QApplication.focusWidget()
        return next((m for m in self._messages if focus is not None and (m is focus or m.isAncestorOf(focus))), None)

    def focus_message(self, index: int, reason: Qt.FocusReason = Qt.FocusReason.OtherFocusReason) -> None:
        """Give the focus to message ``index`` (clamped) and scroll it into view."""
        if self._messages:
            self._messages[max(0, min(index, len(self._messages) - 1))].setFocus(reason)

    def _message_on_screen(self) -> int:
        """The last message at least partly on screen (the one the reader is at)."""
        top = self.verticalScrollBar().value()
        bottom = top + self.viewport().height()
        on_screen = [i for i, m in enumerate(self._messages) if m.y() < bottom and m.y() + m.height() > top]
        return on_screen[-1] if on_screen else len(self._messages) - 1

    def focusInEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().focusInEvent(event)
        if self._messages and not self._leaving:
            # Into the message the reader is at; the view keeps its place (it used to jump to the top).
            self._entering = True
            try:
                self.focus_message(self._message_on_screen(), event.reason())
            finally:
                self._entering = False

    def keyPressEvent(self, event) -> None:  # noqa: N802
        current = self.focused_message()
        if current is not None:
            index = self._messages.index(current)
            moves = {Qt.Key.Key_Up: index - 1, Qt.Key.Key_Down: index + 1, Qt.Key.Key_Home: 0,
                     Qt.Key.Key_End: len(self._messages) - 1}
            if event.key() in moves and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
                self.focus_message(moves[event.key()], Qt.FocusReason.OtherFocusReason)
                return
        super().keyPressEvent(event)

    def focusNextPrevChild(self, next_: bool) -> bool:  # noqa: N802
        """Tab inside the focused message goes through its actions, then leaves the chat."""
        current = self.focused_message()
        if current is None:
            return super().focusNextPrevChild(next_)
        stops = current.keyboard_stops()
        focus = QApplication.focusWidget()
        at = next((i for i, w in enumerate(stops) if i and (w is focus or w.isAncestorOf(focus))), 0)
        to = at + (1 if next_ else -1)
        if 0 <= to < len(stops):
            stops[to].setFocus(Qt.FocusReason.TabFocusReason if next_ else Qt.FocusReason.BacktabFocusReason)
            return True
        # Out of the chat: from the view itself, the window's order goes on to the next control.
        self._leaving = True
        try:
            self.setFocus(Qt.FocusReason.OtherFocusReason)
        finally:
            self._leaving = False
        return super().focusNextPrevChild(next_)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.FocusIn and obj in self._messages and not self._entering:
            self._show(obj)
        return False

    def _show(self, message: MessageWidget) -> None:
        """Scroll just enough to show ``message``; a message taller than the view from its top."""
        bar = self.verticalScrollBar()
        top, height = message.y(), message.height()
        view = self.viewport().height()
        if top < bar.value() or height > view:
            bar.setValue(top - self._layout.contentsMargins().top())
        elif top + height > bar.value() + view:
            bar.setValue(top + height - view + 8)

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
                                str(s.get("text", "")), float(s.get("score", 0.0)), unit=str(s.get("unit", "") or ""),
                                document=str(s.get("document", "") or "")))
        except (TypeError, ValueError):
            continue
    return out
