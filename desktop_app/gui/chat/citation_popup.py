"""Citations: the passage behind a ``[n]`` on hover (tooltip HTML) or click (a small popup).

"Open at page N" hands the file to the system viewer through ``QDesktopServices.openUrl`` with
a ``file://`` URL. For PDFs the URL carries the fragment ``#page=N`` (the Adobe "open
parameters" convention): Acrobat, Chrome/Edge, Firefox and Okular honour it; viewers that do
not (macOS Preview, some Linux viewers) still open the file, at its first page. When nothing
opens it, the popup offers the page's text in the app (from the index) and the containing folder.
"""

from __future__ import annotations

import html
import os

from PySide6.QtCore import QPoint, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QGuiApplication, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTextBrowser,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from typing import Callable

from desktop_app.core.records import Citation
from desktop_app.gui.chat.page_text import PageTextDialog
from desktop_app.gui.common.wording import file_label

# Reads a cited page's text (on a worker) and hands it to the callback on the GUI thread.
PageTextSource = Callable[[Citation, Callable[[str], None]], None]

TOOLTIP_MAX_CHARS = 600
HIGHLIGHT_COLOR = "#ffe08a"  # the span a checked claim points at (dark text on it in both themes)


def citation_file_url(citation: Citation) -> QUrl:
    """The file URL that opens the cited file, at the cited page for PDFs."""
    url = QUrl.fromLocalFile(os.path.abspath(citation.source))
    if citation.source.lower().endswith(".pdf") and citation.page >= 1:
        url.setFragment(f"page={int(citation.page)}")
    return url


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + "…"


def citation_heading(citation: Citation) -> str:
    """'[2] report.pdf, page 7' / '[3] budget.xlsx, Sheet Budget, rows 2–40' (plain text, also the popup's accessible name)."""
    page = f", {citation.place}" if citation.page >= 1 or citation.unit else ""
    return f"[{citation.number}] {file_label(citation.source)}{page}"


def citation_tooltip_html(citation: Citation, max_chars: int = TOOLTIP_MAX_CHARS) -> str:
    """Rich-text tooltip for a citation link: heading, then the quoted passage (escaped).

    For gui-chat's hover: ``QToolTip.showText(pos, citation_tooltip_html(c), view)``. When the
    citation has a ``highlight`` (a checked claim's evidence), the passage is quoted around it and
    the span is highlighted.
    """
    heading = html.escape(citation_heading(citation))
    passage = _highlighted_excerpt(citation, max_chars) if _highlight(citation) else html.escape(
        _shorten(citation.text, max_chars))
    path = html.escape(citation.source)
    return (
        f"<p style='white-space:pre-wrap'><b>{heading}</b><br/>"
        f"<span style='font-size:small'>{path}</span></p>"
        f"<p><i>“{passage}”</i></p>"
    )


def _highlight(citation: Citation) -> tuple[int, int] | None:
    """The citation's highlight when it is a real span of its text."""
    span = citation.highlight
    if span and 0 <= span[0] < span[1] <= len(citation.text):
        return span
    return None


def _highlighted_excerpt(citation: Citation, max_chars: int) -> str:
    """HTML: the passage around its highlight, the highlight marked (the rest escaped)."""
    start, end = _highlight(citation) or (0, 0)
    room = max(0, max_chars - (end - start)) // 2
    lo, hi = max(0, start - room), min(len(citation.text), end + room)
    before = ("…" if lo else "") + citation.text[lo:start]
    after = citation.text[end:hi] + ("…" if hi < len(citation.text) else "")
    return (f"{html.escape(before)}<b style='background-color:{HIGHLIGHT_COLOR}; color:#000000'>"
            f"{html.escape(citation.text[start:end])}</b>{html.escape(after)}")


def open_citation_file(citation: Citation) -> bool:
    """Open the cited file with the system viewer; False if the file is gone or nothing opened it."""
    if not os.path.exists(citation.source):
        return False
    return bool(QDesktopServices.openUrl(citation_file_url(citation)))


class CitationPopup(QDialog):
    """A small non-modal window with the quoted passage and an "Open at page N" button."""

    closed = Signal()  # hidden by Esc, Close or the window's close button

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Source")
        self.setModal(False)
        self.setWindowFlag(Qt.WindowType.Tool, True)
        self.setMinimumWidth(380)
        self.citation: Citation | None = None
        self.page_text_source: PageTextSource | None = None  # set by the window (the index's text)
        self.page_text_dialog: PageTextDialog | None = None

        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setAccessibleName("Cited source")
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)

        self.path_label = QLabel()
        self.path_label.setTextFormat(Qt.TextFormat.PlainText)
        self.path_label.setWordWrap(True)
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.path_label.setAccessibleName("File location")

        self.passage = QTextBrowser()
        self.passage.setOpenLinks(False)
        self.passage.setAccessibleName("Quoted passage")
        self.passage.setAccessibleDescription("The text of the document that the answer cites.")
        self.passage.setMinimumHeight(120)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Open status")
        self.status.hide()

        self.open_button = QPushButton("Open")
        self.open_button.setAccessibleDescription("Opens the document with the system viewer at the cited page.")
        self.open_button.clicked.connect(self.open_source)
        self.copy_button = QPushButton("Copy passage")
        self.copy_button.setAccessibleName("Copy passage")
        self.copy_button.setAccessibleDescription("Copies the quoted passage and its source to the clipboard.")
        self.copy_button.clicked.connect(self.copy_passage)

        # Offered when no application opens the file (no PDF viewer installed, say).
        self.page_text_button = QPushButton("Show page text")
        self.page_text_button.setAccessibleDescription("Shows the cited page's text from the document index, in the app.")
        self.page_text_button.clicked.connect(self.show_page_text)
        self.folder_button = QPushButton("Open folder")
        self.folder_button.setAccessibleDescription("Opens the folder that holds the document.")
        self.folder_button.clicked.connect(self.open_folder)
        for button in (self.page_text_button, self.folder_button):
            button.setAccessibleName(button.text())
            button.hide()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.page_text_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.folder_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        close.setAccessibleDescription("Closes this source window.")

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.path_label)
        layout.addWidget(self.passage, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Open), self, activated=self.open_source)

    def show_citation(self, citation: Citation, near: QPoint | None = None) -> None:
        """Fill the popup with ``citation`` and show it (near ``near`` in global coordinates)."""
        self.citation = citation
        heading = citation_heading(citation)
        self.setWindowTitle(f"Source {heading}")
        self.setAccessibleName(f"Source {heading}")
        self.heading.setText(heading)
        self.path_label.setText(citation.source)
        self.passage.setPlainText(citation.text)
        self._show_highlight(citation)
        # Only a PDF opens at a page; a slide, a sheet's rows or a section opens the file.
        at_page = citation.page >= 1 and not citation.unit
        page = f" at page {citation.page}" if at_page else ""
        self.open_button.setText(f"Open at page {citation.page}" if at_page else "Open file")
        self.open_button.setAccessibleName(self.open_button.text())
        exists = os.path.exists(citation.source)
        self.open_button.setEnabled(exists)
        self._set_status("" if exists else f"The file is no longer at {citation.source}; it may have been moved or deleted.")
        self.open_button.setToolTip(f"Open {file_label(citation.source)}{page} with the system viewer")
        self.page_text_button.hide()
        self.folder_button.hide()
        self.adjustSize()
        if near is not None:
            self.move(self.clamped_position(near + QPoint(12, 12)))
        self.show()
        self.raise_()
        self.activateWindow()
        self.open_button.setFocus() if exists else self.passage.setFocus()

    def _show_highlight(self, citation: Citation) -> None:
        """Highlight the span a checked claim points at and scroll to it (the text is unchanged)."""
        span = _highlight(citation)
        selections = []
        if span is not None:
            selection = QTextEdit.ExtraSelection()
            selection.cursor = QTextCursor(self.passage.document())
            selection.cursor.setPosition(span[0])
            selection.cursor.setPosition(span[1], QTextCursor.MoveMode.KeepAnchor)
            selection.format.setBackground(QColor(HIGHLIGHT_COLOR))
            selection.format.setForeground(QColor("#000000"))
            selections.append(selection)
            cursor = QTextCursor(self.passage.document())
            cursor.setPosition(span[0])
            self.passage.setTextCursor(cursor)
            self.passage.ensureCursorVisible()
        self.passage.setExtraSelections(selections)

    def highlighted_text(self) -> str:
        """The highlighted words of the passage ("" when nothing is highlighted)."""
        selections = self.passage.extraSelections()
        return selections[0].cursor.selectedText() if selections else ""

    def clamped_position(self, wanted: QPoint) -> QPoint:
        """``wanted`` moved as little as needed for the whole popup to lie on the screen's available
        area (a citation near the bottom or right edge opened it partly off-screen)."""
        screen = QGuiApplication.screenAt(wanted) or self.screen() or QGuiApplication.primaryScreen()
        area = screen.availableGeometry()
        size = self.size().expandedTo(self.minimumSizeHint())
        # The frame (title bar, borders) adds to the size once the window manager decorates it.
        frame = self.frameGeometry().size() - self.geometry().size() if self.isVisible() else QSize(0, 0)
        width, height = size.width() + frame.width(), size.height() + frame.height()
        x = max(area.left(), min(wanted.x(), area.right() + 1 - width))
        y = max(area.top(), min(wanted.y(), area.bottom() + 1 - height))
        return QPoint(x, y)

    def open_source(self) -> None:
        if self.citation is None or not self.open_button.isEnabled():
            return
        if not open_citation_file(self.citation):
            self._set_status(f"No application on this computer opens {file_label(self.citation.source)}. "
                             "You can read the page's text here, or open its folder.")
            self.page_text_button.show()
            self.folder_button.show()
            self.page_text_button.setFocus()

    def show_page_text(self) -> None:
        """The cited page's text from the index (the quoted passage when the index cannot say)."""
        citation = self.citation
        if citation is None:
            return
        if self.page_text_source is None:
            self._show_page_text(citation, citation.text)
            return
        self._set_status("Reading the page's text…")
        self.page_text_source(citation, lambda text: self._show_page_text(citation, text or citation.text))

    def _show_page_text(self, citation: Citation, text: str) -> None:
        self._set_status("")
        heading = citation_heading(citation).split("] ", 1)[-1]
        self.page_text_dialog = PageTextDialog(heading, text, self.parentWidget())
        self.page_text_dialog.show()

    def open_folder(self) -> None:
        if self.citation is None:
            return
        folder = os.path.dirname(os.path.abspath(self.citation.source))
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(folder)):
            self._set_status(f"No file manager could be started. The document is in {folder}")

    def hideEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().hideEvent(event)
        if not event.spontaneous():  # not when the whole app is minimised
            self.closed.emit()

    def copy_passage(self) -> None:
        if self.citation is not None:
            text = f"{self.citation.text}\n— {citation_heading(self.citation)}"
            QGuiApplication.clipboard().setText(text)

    def _set_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))
