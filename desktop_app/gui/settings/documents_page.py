"""Settings → Documents: OCR of scanned pages and images, its languages, passages per question.

The language list comes from the OCR engine's own table (``rag.ocr.LANGUAGES``), so the page
never offers a language the installed models cannot read.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from desktop_app.app_core import Core
from desktop_app.gui.settings.widgets import add_row, lock_if_managed
from desktop_app.rag.ocr import LANGUAGES


class DocumentsSettingsPage(QWidget):
    """What indexing reads (OCR on/off and languages) and how many passages an answer gets."""

    def __init__(self, core: Core, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        rag = core.settings.rag
        form = QFormLayout()
        self.ocr = QCheckBox("Read scanned pages and images by OCR on this device")
        self.ocr.setChecked(bool(rag.ocr))
        add_row(form, "OCR:", self.ocr, core.settings.describe("rag.ocr"), "rag.ocr", core.policy)

        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        self.languages: dict[str, QCheckBox] = {}
        for code, label in LANGUAGES.items():
            box = QCheckBox(label)
            box.setChecked(code in (rag.ocr_languages or []))
            box.setAccessibleName(f"OCR language: {label}")
            box.toggled.connect(self._keep_one_language)
            column.addWidget(box)
            self.languages[code] = box
        self._keep_one_language(True)
        add_row(form, "OCR languages:", holder, core.settings.describe("rag.ocr_languages"))
        locked = lock_if_managed(holder, "rag.ocr_languages", core.policy, form)
        self.ocr.toggled.connect(lambda on: holder.setEnabled(on and not locked))
        holder.setEnabled(self.ocr.isChecked() and not locked)

        self.top_k = QSpinBox()
        self.top_k.setRange(1, 20)
        self.top_k.setValue(int(rag.top_k))
        add_row(form, "Passages per question:", self.top_k, core.settings.describe("rag.top_k"), "rag.top_k", core.policy)

        note = QLabel("OCR reads a page only when it has no text layer: about a second a page in English, "
                      "several seconds with Chinese, on a 2-core laptop. The new settings apply to the "
                      "next documents you add.")
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(mid);")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addStretch(1)

    def _keep_one_language(self, _checked: bool) -> None:
        # OCR needs at least one language: the last ticked box cannot be cleared.
        ticked = [box for box in self.languages.values() if box.isChecked()]
        for box in self.languages.values():
            box.setEnabled(not (len(ticked) == 1 and box.isChecked()))

    def values(self) -> dict[str, object]:
        return {"rag.ocr": self.ocr.isChecked(),
                "rag.ocr_languages": [code for code, box in self.languages.items() if box.isChecked()] or ["en"],
                "rag.top_k": self.top_k.value()}
