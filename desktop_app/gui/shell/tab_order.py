"""The window's Tab order: question, its options, Send, the chat (one stop), the conversations,
the documents panel, and back to the question. One cycle is about a dozen stops, however long
the conversation: messages are reached with the arrow keys inside the chat view."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget


def order_chat_tab_stops(composer, chat_view: QWidget, sidebar) -> None:
    """Composer (question, route, "no documents", Send), the chat view, then the sidebar."""
    chain([composer.edit, composer.route_combo, composer.no_documents_box, composer.send_button, chat_view,
           sidebar.new_button, sidebar.search_edit, sidebar.list])


def order_documents_tab_stops(dock: QWidget, after: QWidget, then: QWidget) -> None:
    """The documents panel's own stops, in their order, between ``after`` and ``then``."""
    stops, widget = [], dock.nextInFocusChain()
    while widget is not dock and len(stops) < 200:
        if dock.isAncestorOf(widget) and widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            stops.append(widget)
        widget = widget.nextInFocusChain()
    chain([after, *stops, then])


def chain(widgets: list[QWidget]) -> None:
    for first, second in zip(widgets, widgets[1:]):
        QWidget.setTabOrder(first, second)
