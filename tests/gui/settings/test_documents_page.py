"""Settings → Documents on the real window: OCR on/off and languages saved, the last language kept,
and the library's next index job reads with the new OCR options."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox

from desktop_app.config.settings import SettingsStore
from desktop_app.gui.settings.dialog import SettingsDialog


def open_settings(qtbot, window) -> SettingsDialog:
    dialog = SettingsDialog(window.core, window.pool, window)
    qtbot.addWidget(dialog)
    return dialog


def test_ocr_switch_languages_and_passages_are_saved(qtbot, main_window, gui_core):
    dialog = open_settings(qtbot, main_window)
    page = dialog.documents_page
    assert dialog.tabs.tabText(dialog.tabs.indexOf(page)) == "&Documents"
    assert page.ocr.isChecked() and page.languages["en"].isChecked()
    # English is the only language ticked: it cannot be cleared (OCR needs one).
    assert not page.languages["en"].isEnabled()
    page.languages["zh"].setChecked(True)
    assert page.languages["en"].isEnabled()
    page.top_k.setValue(7)
    with qtbot.waitSignal(dialog.settingsApplied):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Apply).click()
    saved = SettingsStore(gui_core.paths.settings_file).load()
    assert saved.rag.ocr_languages == ["en", "zh"] and saved.rag.top_k == 7 and saved.rag.ocr is True
    page.ocr.setChecked(False)
    assert not page.languages["zh"].isEnabled()  # languages greyed while OCR is off
    with qtbot.waitSignal(dialog.settingsApplied):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert SettingsStore(gui_core.paths.settings_file).load().rag.ocr is False


def test_the_next_index_job_uses_the_new_ocr_options(isolated_home):
    from desktop_app.config.paths import AppPaths
    from desktop_app.config.settings import Settings
    from desktop_app.services.library_stores import LibraryStores

    settings = Settings()
    settings.set("rag.embedder", "fake-hash-384")
    stores = LibraryStores(AppPaths.resolve(isolated_home), settings)
    try:
        first = stores.indexer
        assert first.ocr is not None and stores.indexer is first  # unchanged options: same indexer
        settings.set("rag.ocr", False)
        assert stores.indexer is not first and stores.indexer.ocr is None
    finally:
        stores.close()
