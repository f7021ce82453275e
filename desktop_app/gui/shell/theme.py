"""Light/dark theme: follow the system (Qt 6.5+ colour scheme) or force one (setting ui.theme)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication


def system_is_dark(app: QGuiApplication) -> bool:
    """The platform's colour scheme; falls back to the palette's lightness on older Qt."""
    hints = app.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    if scheme is not None:
        value = scheme()
        if value == Qt.ColorScheme.Dark:
            return True
        if value == Qt.ColorScheme.Light:
            return False
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def apply_theme(app: QApplication, theme: str) -> bool:
    """Apply ``system``, ``light`` or ``dark``; returns True when the result is dark.

    With ``system`` the platform style and palette stay untouched (native look). A forced
    theme asks the platform for that scheme (Qt 6.8+) and, where the platform cannot switch
    (older Qt, some Linux desktops, offscreen), uses Fusion with our own palette.
    """
    hints = app.styleHints()
    want_dark = system_is_dark(app) if theme == "system" else theme == "dark"
    if hasattr(hints, "setColorScheme"):
        scheme = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}.get(theme, Qt.ColorScheme.Unknown)
        hints.setColorScheme(scheme)
    if theme == "system":
        if app.property("slm_forced_palette"):
            # Back to the platform's own style and palette (not Fusion's light standard palette,
            # which under a dark desktop gave dark text on dark widgets).
            system_style = app.property("slm_system_style")
            if system_style and app.style().name().lower() != str(system_style).lower():
                app.setStyle(str(system_style))
            app.setPalette(QPalette())  # an empty palette resolves to the platform's
            app.setProperty("slm_forced_palette", False)
        return system_is_dark(app)
    is_dark_now = app.palette().color(QPalette.ColorRole.Window).lightness() < 128
    if is_dark_now != want_dark or app.property("slm_forced_palette"):
        if not app.property("slm_forced_palette") and not app.property("slm_system_style"):
            app.setProperty("slm_system_style", app.style().name())
        app.setStyle("Fusion")
        app.setPalette(dark_palette() if want_dark else light_palette())
        app.setProperty("slm_forced_palette", True)
    return want_dark


def apply_theme_setting(theme: str) -> bool:
    """Apply ``ui.theme`` to the running application (if any); True if dark.

    Lives here, not in ``application``, so the window's modules can call it without importing
    the module that imports them (no import cycle).
    """
    app = QApplication.instance()
    return apply_theme(app, theme) if app is not None else False


def light_palette() -> QPalette:
    return _palette(
        window="#f5f5f7", base="#ffffff", alt="#f0f0f3", text="#1d1d1f", button="#ececf0",
        highlight="#2f6fde", link="#1f5fc9", mid="#c8c8cc", disabled="#8a8a8e", placeholder="#6e6e73",
    )


def dark_palette() -> QPalette:
    return _palette(
        window="#232326", base="#1b1b1d", alt="#2a2a2e", text="#ececf0", button="#323236",
        highlight="#2d6bd6", link="#7fb0ff", mid="#4a4a4f", disabled="#7a7a80", placeholder="#98989f",
    )


def _palette(*, window, base, alt, text, button, highlight, link, mid, disabled, placeholder) -> QPalette:
    """A full palette; text, placeholder and white-on-highlight all reach 4.5:1 (WCAG AA) on their background."""
    pal = QPalette()
    role = QPalette.ColorRole
    for r, c in (
        (role.Window, window), (role.WindowText, text), (role.Base, base), (role.AlternateBase, alt),
        (role.Text, text), (role.Button, button), (role.ButtonText, text), (role.Highlight, highlight),
        (role.HighlightedText, "#ffffff"), (role.Link, link), (role.LinkVisited, link), (role.Mid, mid),
        (role.ToolTipBase, base), (role.ToolTipText, text), (role.PlaceholderText, placeholder),
        (role.BrightText, "#ff5555"), (role.Light, alt), (role.Midlight, alt), (role.Dark, mid), (role.Shadow, "#000000"),
    ):
        pal.setColor(r, QColor(c))
    for r in (role.Text, role.WindowText, role.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, r, QColor(disabled))
    return pal


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128
