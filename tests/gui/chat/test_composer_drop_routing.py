"""Which drops the message box takes for itself (files to ask about) and which it leaves to the
window as before (folders -> documents panel, .gguf -> models, anything not a local file)."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QUrl

from desktop_app.gui.chat.composer import dropped_files


def mime_of(*urls: QUrl) -> QMimeData:
    mime = QMimeData()
    mime.setUrls(list(urls))
    return mime


def test_local_files_are_taken_folders_models_and_remote_urls_are_left_to_the_window(tmp_path):
    pdf, notes = tmp_path / "report.pdf", tmp_path / "notes.xyz"
    pdf.write_bytes(b"%PDF-1.4")
    notes.write_text("x")
    local = QUrl.fromLocalFile
    assert dropped_files(mime_of(local(str(pdf)))) == [str(pdf)]
    # An unreadable type is taken too: the box answers it with one plain line (not the panel).
    assert dropped_files(mime_of(local(str(pdf)), local(str(notes)), local(str(pdf)))) == [str(pdf), str(notes)]
    assert dropped_files(mime_of(local(str(tmp_path)))) == []  # a folder: the documents panel
    assert dropped_files(mime_of(local(str(pdf)), local(str(tmp_path / "model.GGUF")))) == []  # a model
    assert dropped_files(mime_of(QUrl("https://example.com/report.pdf"))) == []
    assert dropped_files(QMimeData()) == [] and dropped_files(None) == []


def test_the_chip_and_its_progress_are_named_for_screen_readers(qtbot):
    from desktop_app.gui.chat.composer import Composer
    from desktop_app.gui.common.accessibility import unnamed_controls
    from desktop_app.rag.records import IndexProgress

    composer = Composer()
    qtbot.addWidget(composer)
    composer.show()
    bar = composer.attachments
    assert not bar.isVisible() and bar.state == "hidden"
    bar.show_indexing(["report.pdf"])
    bar.show_progress(IndexProgress("report.pdf", 0, 1, 2, 5, 0))
    assert bar.isVisible() and bar.cancel_button.isVisible() and not bar.remove_button.isVisible()
    assert (bar.bar.value(), bar.bar.maximum()) == (2, 5)
    assert unnamed_controls(composer) == []
    bar.show_attached(["report.pdf"])
    assert bar.label.text() == "Asking about: report.pdf" and bar.remove_button.isVisible()
    assert bar.remove_button.accessibleName() == "Stop asking about report.pdf"
    assert not bar.cancel_button.isVisible() and unnamed_controls(composer) == []
    bar.show_attached([])  # nothing left: no chip
    assert bar.state == "hidden" and not bar.isVisible()
