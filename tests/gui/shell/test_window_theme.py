"""Switching the theme while the app runs keeps every part of the chat readable (issue 14, item 2).

Contrast is measured on what is painted: each widget is grabbed, its background read where
nothing is drawn, and its text colour taken as the painted pixel that differs most from it
(glyph stems are drawn in the full text colour). WCAG AA asks 4.5:1 for body text.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from tests.gui.chat.test_chat_window import answers, send, wait_idle

AA = 4.5


@pytest.fixture(autouse=True)
def restore_application_look(qapp):
    """The QApplication outlives this test: give the next test the style and palette it had."""
    style, palette = qapp.style().name(), QPalette(qapp.palette())
    yield
    qapp.setStyle(style)
    qapp.setPalette(palette)
    for name in ("slm_forced_palette", "slm_system_style"):
        qapp.setProperty(name, None)


def luminance(c: QColor) -> float:
    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())


def contrast(a: QColor, b: QColor) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def painted_contrast(widget, area: QRect, background_at: QPoint) -> tuple[float, str, str]:
    """(ratio, text colour, background colour) of what ``widget`` paints inside ``area``."""
    image = widget.grab().toImage()
    ratio = image.devicePixelRatio()
    bg = image.pixelColor(int(background_at.x() * ratio), int(background_at.y() * ratio))
    best, text = 1.0, bg
    for y in range(int(area.top() * ratio), int(area.bottom() * ratio), 1):
        for x in range(int(area.left() * ratio), int(area.right() * ratio), 1):
            c = image.pixelColor(x, y)
            r = contrast(c, bg)
            if r > best:
                best, text = r, c
    return best, text.name(), bg.name()


def message_contrast(message) -> tuple[float, str, str]:
    """Text of a message's body against its bubble (the frame's padding, left of the text)."""
    body = message.body.geometry()
    return painted_contrast(message, body, QPoint(body.left() // 2, body.center().y()))


def check_readable(window, our_palette: bool = True) -> None:
    """Messages, the question being typed and (with our palettes) the selected conversation."""
    for message in window.chat_view.messages():
        ratio, text, bg = message_contrast(message)
        assert ratio >= AA, f"{message.role} message: text {text} on {bg} is {ratio:.2f}:1"
        assert message.body.toPlainText().strip()
    edit = window.composer.edit
    typed = edit.toPlainText()
    edit.setPlainText("A question being typed")
    ratio, text, bg = painted_contrast(edit, edit.rect().adjusted(4, 4, -4, -4), QPoint(edit.width() - 6, edit.height() - 6))
    edit.setPlainText(typed)
    assert ratio >= AA, f"composer: {text} on {bg} is {ratio:.2f}:1"
    if not our_palette:
        return  # the platform's own colours for selections are the platform's
    lst = window.sidebar.list
    row = lst.visualItemRect(lst.item(0))
    ratio, text, bg = painted_contrast(lst.viewport(), row, QPoint(row.right() - 2, row.center().y()))
    assert ratio >= AA, f"conversation list: {text} on {bg} is {ratio:.2f}:1"


def switch(qtbot, window, theme: str) -> None:
    """What the Settings dialog's Apply does for ui.theme."""
    window.core.settings.ui.theme = theme
    window._on_settings_applied(False)
    qtbot.wait(50)


def ask(qtbot, window, fake_backend, question: str, reply: str):
    fake_backend.enqueue(reply)
    send(qtbot, window, question)
    qtbot.waitUntil(lambda: bool(answers(window)) and answers(window)[-1].status == "complete", timeout=10000)
    wait_idle(qtbot, window)


def test_switching_light_and_dark_at_run_time_keeps_every_message_readable(qtbot, main_window, fake_backend):
    window = main_window
    ask(qtbot, window, fake_backend, "First question", "An answer with **bold** text and `code` in it.")
    for theme, dark in (("dark", True), ("light", False), ("dark", True), ("light", False)):
        switch(qtbot, window, theme)
        assert (QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128) is dark
        check_readable(window)  # the messages written before the switch
        ask(qtbot, window, fake_backend, f"A question in {theme}", f"An answer written in {theme}.")
        check_readable(window)  # and the ones written after it
    # A new chat after the switches.
    window.new_chat()
    ask(qtbot, window, fake_backend, "New chat question", "New chat answer.")
    check_readable(window)


def test_the_chat_follows_a_palette_change_from_the_system(qtbot, main_window, fake_backend):
    """With ui.theme "system" the platform changes the palette (the desktop went dark): no dialog involved."""
    from desktop_app.gui.shell.theme import dark_palette, light_palette

    window = main_window
    ask(qtbot, window, fake_backend, "Question", "Answer text that must stay readable.")
    app = QApplication.instance()
    original = QPalette(app.palette())
    try:
        for palette in (dark_palette(), light_palette(), dark_palette()):
            app.setPalette(palette)  # as the platform theme does when the desktop's scheme changes
            qtbot.waitUntil(lambda: window.chat_view.messages()[0].body.palette().color(QPalette.ColorRole.Text)
                            == palette.color(QPalette.ColorRole.Text), timeout=2000)
            qtbot.wait(20)
            check_readable(window)
    finally:
        app.setPalette(original)


def test_back_to_system_after_a_forced_theme_restores_the_platform_look(qtbot, main_window, fake_backend):
    app = QApplication.instance()
    style = app.style().name()
    window = main_window
    ask(qtbot, window, fake_backend, "Question", "Answer.")
    switch(qtbot, window, "dark")
    switch(qtbot, window, "system")
    assert app.style().name().lower() == style.lower()
    check_readable(window, our_palette=False)


def tick_box_contrast(widget, box: QRect, background_at: QPoint) -> float:
    """The strongest contrast inside an unticked box's square against what surrounds it."""
    return painted_contrast(widget, box, background_at)[0]


def test_unticked_boxes_can_be_seen_in_both_themes(qtbot, main_window):
    """Seen under Xvfb: in dark, the documents tree's collection boxes were invisible and
    "Don't use documents" nearly so. WCAG 1.4.11 asks 3:1 for a control's boundary."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QStyle, QStyleOptionButton, QTreeWidget, QTreeWidgetItem

    window = main_window
    tree = QTreeWidget()
    tree.setHeaderHidden(True)
    item = QTreeWidgetItem(["default"])
    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
    item.setCheckState(0, Qt.CheckState.Unchecked)
    tree.addTopLevelItem(item)
    window.documents_panel.layout().addWidget(tree)  # styled by the window's sheet, like the panel's own
    from PySide6.QtWidgets import QCheckBox

    # An enabled one, like "Don't use documents" (WCAG exempts inactive controls; a disabled box
    # such as "On-device only" stays visible at ~2:1).
    boxes = [QCheckBox("Don't use documents")]
    window.documents_panel.layout().addWidget(boxes[0])
    for theme in ("dark", "light"):
        switch(qtbot, window, theme)
        qtbot.wait(50)
        row = tree.visualItemRect(item)
        square = QRect(row.left(), row.top(), min(row.height() + 4, row.width()), row.height())
        ratio = tick_box_contrast(tree.viewport(), square, QPoint(row.right() - 2, row.center().y()))
        assert ratio >= 3.0, f"{theme}: the tree's tick box has {ratio:.2f}:1"
        for box in boxes:
            opt = QStyleOptionButton()
            box.initStyleOption(opt)
            indicator = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, opt, box)
            ratio = tick_box_contrast(box, indicator.adjusted(-1, -1, 1, 1), QPoint(box.width() - 2, box.height() // 2))
            assert ratio >= 3.0, f"{theme}: {box.text()!r} box has {ratio:.2f}:1"
