"""The text of a cited page, shown in the app when no viewer on the computer opens the file.

The text comes from the document index (every passage of the page, in reading order), so it is
what the answer was grounded on, with no PDF viewer needed.
"""

from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

MIN_OVERLAP = 12  # chunks of a page overlap; a shorter common run is a coincidence


def page_text(passages: Sequence, page: int, unit: str = "") -> str:
    """The page's text from its indexed passages (``Hit``-like: ``page``, ``unit``, ``text``),
    the chunker's overlap between neighbours said once."""
    texts = [p.text.strip() for p in passages
             if p.page == page and (getattr(p, "unit", "") or "") == (unit or "") and p.text.strip()]
    out = ""
    for text in texts:
        out = _join(out, text) if out else text
    return out


def _join(before: str, after: str) -> str:
    """``before`` then ``after``, without the run that ends one and starts the other."""
    longest = min(len(before), len(after), 400)
    for size in range(longest, MIN_OVERLAP - 1, -1):
        if before.endswith(after[:size]):
            return before + after[size:]
    return f"{before}\n\n{after}"


class PageTextDialog(QDialog):
    """A read-only window with a page's text, its heading and a Copy button."""

    def __init__(self, heading: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Text of {heading}")
        self.setAccessibleName(f"Text of {heading}")
        self.resize(560, 480)
        title = QLabel(heading)
        title.setTextFormat(Qt.TextFormat.PlainText)
        title.setWordWrap(True)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        note = QLabel("The page's text as the app indexed it (layout and pictures are not shown).")
        note.setWordWrap(True)
        self.text_view = QTextBrowser()
        self.text_view.setAccessibleName("Page text")
        self.text_view.setAccessibleDescription("The text of the cited page, from the document index.")
        self.text_view.setPlainText(text or "No text of this page is in the index.")
        copy = QPushButton("Copy text")
        copy.setAccessibleName("Copy text")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text_view.toPlainText()))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(note)
        layout.addWidget(self.text_view, 1)
        layout.addWidget(buttons)
        self.text_view.setFocus()
