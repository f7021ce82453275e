"""Settings as a reader meets them (issue 14, defect 9): which context length applies and why,
counted nouns without "(s)", and the theme beside the buttons instead of a one-control tab."""

from __future__ import annotations

from desktop_app.gui.settings.model_page import context_note
from tests.gui.settings.test_window_settings import open_settings


def test_context_note_says_which_length_the_app_uses(qtbot, main_window, gui_core):
    gui_core.settings.llm.context_length = 4096
    dialog = open_settings(qtbot, main_window)
    page = dialog.model_page
    qtbot.waitUntil(lambda: page.table.rowCount() == 2, timeout=5000)
    assert page.table.item(0, 2).text() == "32,768"
    assert page.context_note.isVisibleTo(dialog)
    assert page.context_note.text() == "The model supports up to 32,768 tokens; the app uses 4,096 (this setting)."
    page.context.setValue(65536)  # more than the model can take: the model's limit applies
    assert page.context_note.text() == ("The model supports up to 32,768 tokens, so the app uses 32,768 "
                                        "(this setting asks for 65,536).")
    assert page.models_status.text() == "2 models installed. Select one to use it."


def test_one_model_is_counted_without_parentheses(qtbot, main_window, gui_core):
    gui_core.models.infos = gui_core.models.infos[:1]
    dialog = open_settings(qtbot, main_window)
    qtbot.waitUntil(lambda: dialog.model_page.table.rowCount() == 1, timeout=5000)
    assert dialog.model_page.models_status.text() == "1 model installed. Select one to use it."


def test_theme_is_beside_the_buttons_on_every_page(qtbot, main_window):
    dialog = open_settings(qtbot, main_window)
    dialog.show()
    tabs = [dialog.tabs.tabText(i).replace("&", "") for i in range(dialog.tabs.count())]
    assert "Appearance" not in tabs
    for i in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(i)
        assert dialog.appearance_page.theme.isVisibleTo(dialog), tabs[i]


def test_context_note_without_a_known_limit():
    assert context_note(2048, 0) == "The app uses 2,048 tokens of context (this setting)."
