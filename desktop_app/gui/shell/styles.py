"""The window's style sheet, derived from the palette so it works in light and dark themes."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette


def _mix(a: QColor, b: QColor, t: float) -> str:
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    ).name()


def window_style_sheet(palette: QPalette) -> str:
    """The window's style sheet for ``palette`` (the application's, once a theme is applied).

    Every colour a message shows is named here, text and background from the same palette, so
    a theme switch that re-applies the sheet can never leave light text on a light bubble (a
    widget styled by a sheet keeps the colours it was polished with until it is re-polished).
    """
    role = QPalette.ColorRole
    base = palette.color(role.Base)
    window = palette.color(role.Window)
    text = palette.color(role.Text)
    highlight = palette.color(role.Highlight)
    user_bg = _mix(base, highlight, 0.10)
    border = _mix(window, text, 0.15)
    accent = highlight.name()  # the focus outline's colour
    meta = _mix(text, window, 0.33)  # secondary text that still passes WCAG AA (4.5:1) on every bubble
    return f"""
    #chatContent, #chatView {{ background-color: {base.name()}; }}
    #chatContent QTextBrowser {{ background: transparent; border: none; color: {text.name()}; }}
    #assistantMessage {{ background-color: {base.name()}; color: {text.name()}; border: 1px solid {border}; border-radius: 8px; }}
    #userMessage {{ background-color: {user_bg}; color: {text.name()}; border: 1px solid {border}; border-radius: 8px; }}
    #routeLabel, #metaLabel {{ color: {meta}; }}
    #statusLabel {{ color: {meta}; font-style: italic; }}
    #welcomeLabel {{ color: {meta}; }}
    #composer {{ border-top: 1px solid {border}; }}
    #conversationList::item {{ padding: 5px 4px; }}
    #questionEdit {{ border: 1px solid {border}; border-radius: 6px; padding: 4px; }}
    #questionEdit:focus {{ border: 2px solid {accent}; padding: 3px; }}
    {_focus_rules(accent, border, palette.color(role.Button).name())}
    {_tick_boxes(base, window, text, accent)}
    """


def _tick_boxes(base: QColor, window: QColor, text: QColor, accent: str) -> str:
    """Tick boxes that can be seen (WCAG 1.4.11: 3:1 for a control's edge). Fusion frames an
    unticked box in the window colour darkened: in the dark theme the documents tree's collection
    boxes were invisible (1.0:1, seen under Xvfb) and in the light one faint (1.8:1). A frame
    halfway to the text colour, and a ticked box filled with the accent."""
    frame = _mix(window, text, 0.55)
    return f"""
    QCheckBox::indicator, QTreeView::indicator {{ width: 12px; height: 12px; border: 1px solid {frame};
        border-radius: 2px; background-color: {base.name()}; }}
    QCheckBox::indicator:checked, QTreeView::indicator:checked {{ background-color: {accent}; border-color: {text.name()}; }}
    QTreeView::indicator:indeterminate {{ background-color: {_mix(base, QColor(accent), 0.5)}; }}
    QCheckBox::indicator:disabled, QTreeView::indicator:disabled {{ border-color: {_mix(window, text, 0.25)};
        background-color: {window.name()}; }}
    """


def _focus_rules(accent: str, border: str, button: str) -> str:
    """A 2 px outline in the theme's accent on whatever has the keyboard focus: Fusion's 1 px
    hairline was barely visible, in the document tree least of all. Unfocused views and fields
    get a 1 px border and 1 px of padding, so the outline does not shift their content."""
    return f"""
    QTreeView, QListView, QLineEdit, QComboBox {{ border: 1px solid {border}; padding: 1px; }}
    QTreeView:focus, QListView:focus, QLineEdit:focus, QComboBox:focus {{ border: 2px solid {accent}; padding: 0px; }}
    QCheckBox {{ border: 2px solid transparent; border-radius: 3px; }}
    QCheckBox:focus {{ border: 2px solid {accent}; }}
    QPushButton:focus, QToolButton:focus {{ border: 2px solid {accent}; border-radius: 4px; padding: 3px 10px;
        background-color: {button}; }}
    #assistantMessage:focus, #userMessage:focus {{ border: 2px solid {accent}; }}
    """


def palette_key(palette: QPalette) -> tuple[str, ...]:
    """The colours ``window_style_sheet`` reads: equal keys give the same sheet."""
    role = QPalette.ColorRole
    return tuple(palette.color(r).name() for r in (role.Base, role.Window, role.Text, role.Highlight, role.AlternateBase))
