"""The window's menus and keyboard shortcuts, built in one place."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow


@dataclass
class WindowActions:
    new_chat: QAction
    add_documents: QAction
    add_model: QAction
    download_models: QAction
    export: QAction
    rename: QAction
    delete: QAction
    quit: QAction
    search: QAction
    toggle_sidebar: QAction
    toggle_documents: QAction
    stop: QAction
    regenerate: QAction
    copy_answer: QAction
    settings: QAction
    audit_log: QAction
    about: QAction
    copy_diagnostics: QAction


def _action(window: QMainWindow, text: str, slot, shortcuts=(), tip: str = "") -> QAction:
    action = QAction(text, window)
    keys = unique_key_sequences(shortcuts)
    if keys:
        action.setShortcuts(keys)
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    # Window-wide shortcuts work wherever the focus is inside the window.
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(lambda _checked=False: slot())
    window.addAction(action)
    return action


def unique_key_sequences(shortcuts) -> list[QKeySequence]:
    """The shortcuts as key sequences, each once, without empty ones.

    A platform's standard key (Quit, Preferences) is often the same as the explicit one kept for
    platforms without it (Ctrl+Q on Linux): registered twice, Qt finds the shortcut ambiguous
    and does nothing ("QAction::event: Ambiguous shortcut overload").
    """
    out: list[QKeySequence] = []
    for s in shortcuts:
        key = s if isinstance(s, QKeySequence) else QKeySequence(s)
        if not key.isEmpty() and key not in out:
            out.append(key)
    return out


def build_actions(window) -> WindowActions:
    """Create every action of ``window`` (a MainWindow) and its menu bar."""
    w = window
    prefs = [QKeySequence(QKeySequence.StandardKey.Preferences), "Ctrl+,"]
    acts = WindowActions(
        new_chat=_action(w, "&New chat", w.new_chat, ["Ctrl+N"], "Start a new conversation."),
        # "&Add": "&Delete conversation…" has D. Ctrl+Shift+O: "open" documents, Ctrl+O being left to the system.
        add_documents=_action(w, "&Add documents…", w.documents.choose_files, ["Ctrl+Shift+O"],
                              "Index PDF, text or Markdown files for questions (Ctrl+Shift+O)."),
        add_model=_action(w, "Add &model…", w.documents.choose_model, [], "Add a GGUF model file."),
        download_models=_action(w, "Do&wnload models…", w.dialogs.open_model_downloads, [], "Download a recommended model (only when you ask)."),
        export=_action(w, "&Export conversation…", w.export_current, ["Ctrl+E"], "Save this conversation as Markdown or JSON."),
        rename=_action(w, "&Rename conversation…", w.rename_current, [], "Give this conversation a new title."),
        delete=_action(w, "&Delete conversation…", w.delete_current, [], "Delete this conversation."),
        quit=_action(w, "&Quit", w.close, [QKeySequence(QKeySequence.StandardKey.Quit), "Ctrl+Q"], "Quit SLM Assistant."),
        search=_action(w, "&Search conversations", w.focus_search, ["Ctrl+F"], "Search your conversations."),
        toggle_sidebar=_action(w, "Show &conversations", w.toggle_sidebar, ["Ctrl+B"], "Show or hide the conversation list."),
        toggle_documents=_action(w, "Show d&ocuments", w.documents.toggle, ["Ctrl+D"], "Show or hide the documents panel."),
        stop=_action(w, "S&top answer", w.stop, ["Esc"], "Stop the answer being written."),
        regenerate=_action(w, "&Regenerate answer", w.regenerate, ["Ctrl+R"], "Answer the last question again."),
        copy_answer=_action(w, "&Copy last answer", w.copy_last_answer, ["Ctrl+Shift+C"], "Copy the last answer."),
        settings=_action(w, "&Settings…", w.dialogs.open_settings, prefs, "Model, appearance, documents and cloud settings."),
        audit_log=_action(w, "Cloud &audit log…", w.dialogs.open_audit_log, [], "Everything ever sent to the cloud."),
        about=_action(w, "&About SLM Assistant", w.dialogs.open_about, [], "Version and licences."),
        copy_diagnostics=_action(w, "Copy &diagnostics", lambda: w.dialogs.copy_diagnostics(lambda text: w.status.showMessage(text, 8000)),
                                 [], "Copy versions, CPU features, model and recent problems for IT support."),
    )
    acts.settings.setMenuRole(QAction.MenuRole.PreferencesRole)
    acts.quit.setMenuRole(QAction.MenuRole.QuitRole)
    acts.about.setMenuRole(QAction.MenuRole.AboutRole)
    for toggle in (acts.toggle_sidebar, acts.toggle_documents):
        toggle.setCheckable(True)
        toggle.setChecked(True)

    bar = w.menuBar()
    # The window may have made the (empty) menus already, to paint its frame early.
    menus = getattr(w, "_menus", None) or {k: bar.addMenu(t) for k, t in
                                           (("file", "&File"), ("edit", "&Edit"), ("view", "&View"), ("tools", "&Tools"), ("help", "&Help"))}
    file_menu = menus["file"]
    for a in (acts.new_chat, None, acts.add_documents, acts.add_model, acts.download_models, None, acts.export, acts.rename, acts.delete, None, acts.quit):
        file_menu.addSeparator() if a is None else file_menu.addAction(a)
    edit_menu = menus["edit"]
    for a in (acts.copy_answer, acts.regenerate, acts.stop, None, acts.search):
        edit_menu.addSeparator() if a is None else edit_menu.addAction(a)
    view_menu = menus["view"]
    view_menu.addAction(acts.toggle_sidebar)
    view_menu.addAction(acts.toggle_documents)
    tools_menu = menus["tools"]
    tools_menu.addAction(acts.settings)
    tools_menu.addAction(acts.audit_log)
    help_menu = menus["help"]
    help_menu.addAction(acts.copy_diagnostics)
    help_menu.addSeparator()
    help_menu.addAction(acts.about)
    return acts
