"""Conversation management from the window: rename, delete (confirmed), export, add a model.

The three dialog helpers at the top are the only places that block on the user; tests replace
them (monkeypatch) to drive the window without modal dialogs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

from desktop_app.core.errors import AppError, storage_error_from_os

EXPORT_FILTERS = "Markdown (*.md);;JSON (*.json)"


def ask_text(parent: QWidget, title: str, label: str, text: str) -> str | None:
    value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
    return value if ok else None


def confirm(parent: QWidget, title: str, text: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent)
    delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is delete


def save_file_name(parent: QWidget, title: str, suggested: str, filters: str) -> tuple[str, str]:
    return QFileDialog.getSaveFileName(parent, title, suggested, filters)


# ---------------------------------------------------------------- operations


def rename(window, conversation_id: int) -> None:
    store = window.core.store
    conv = _get(window, conversation_id)
    if conv is None:
        return
    title = ask_text(window, "Rename conversation", "New title:", conv.title)
    if title is None or not title.strip():
        return
    try:
        store.rename(conversation_id, title.strip())
    except AppError as exc:
        window.banner.show_error(exc)
        return
    window.refresh_conversations()


def delete(window, conversation_id: int) -> None:
    if window.controller.busy and window.controller.conversation_id == conversation_id:
        # The answer is being written into it: deleting now would race the saving worker.
        window.status.showMessage("Stop the answer (Esc) before deleting this conversation.", 5000)
        return
    conv = _get(window, conversation_id)
    if conv is None:
        return
    if not confirm(window, "Delete conversation", f"Delete “{conv.title}” and all its messages? This cannot be undone."):
        return
    try:
        window.core.store.delete_conversation(conversation_id)
    except AppError as exc:
        window.banner.show_error(exc)
        return
    window.controller.files.forget(conversation_id)  # its dropped files' private index
    if window.controller.conversation_id == conversation_id:
        window.controller.show_conversation(None)
    window.refresh_conversations()
    window.status.showMessage("Conversation deleted.", 3000)


def export(window, conversation_id: int) -> None:
    """Save as Markdown or JSON (the file dialog's filter or the file's extension decides)."""
    if not window.core.settings.privacy.allow_export:
        window.banner.show_error(AppError("Exporting conversations is turned off by your organization."))
        return
    conv = _get(window, conversation_id)
    if conv is None:
        return
    suggested = str(Path.home() / f"{_safe_name(conv.title)}.md")
    path, chosen = save_file_name(window, "Export conversation", suggested, EXPORT_FILTERS)
    if not path:
        return
    as_json = path.lower().endswith(".json") or ("JSON" in (chosen or "") and not path.lower().endswith(".md"))
    if as_json and not path.lower().endswith(".json"):
        path += ".json"
    elif not as_json and not path.lower().endswith((".md", ".markdown")):
        path += ".md"
    try:
        store = window.core.store
        text = json.dumps(store.export_json(conversation_id), indent=2, ensure_ascii=False) if as_json \
            else store.export_markdown(conversation_id)
        Path(path).write_text(text, encoding="utf-8")
    except AppError as exc:
        window.banner.show_error(exc)
        return
    except OSError as exc:
        window.banner.show_error(storage_error_from_os(exc, "the export"))
        return
    window.status.showMessage(f"Exported to {path}", 5000)


def add_model(window, path: str) -> None:
    """Validate and register a GGUF on a worker (reading its header can take a moment)."""
    if not window.core.settings.privacy.allow_user_models:
        window.banner.show_error(AppError("Adding models is turned off by your organization."))
        return
    window.status.showMessage(f"Checking {Path(path).name}…")

    def added(info) -> None:
        name = getattr(info, "name", Path(path).name)
        window.status.showMessage(f"Model “{name}” added. Choose it in Settings › Model.", 6000)

    from desktop_app.gui.settings.model_page import add_model_and_save

    window.pool.run(add_model_and_save, window.core, path, pass_cancel=False,
                    on_returned=added, on_errored=window.banner.show_error)


def _get(window, conversation_id: int):
    try:
        return window.core.store.get_conversation(conversation_id)
    except AppError as exc:
        window.banner.show_error(exc)
        return None


def _safe_name(title: str) -> str:
    name = re.sub(r"[^\w\- ]+", "", title).strip()[:60]
    return name or "conversation"
