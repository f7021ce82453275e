"""Start the Qt application: show the window first, load the model afterwards on a worker.

Start-up speed matters (window within 1.5x a bare Qt window): nothing heavy is imported on
this path. llama_cpp, torch and chromadb load inside their adapters, on a worker thread, after
the window is on screen.
"""

from __future__ import annotations

import os
import sys
from typing import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from desktop_app import PRODUCT_NAME, __version__
from desktop_app.config.paths import resource_path

# Note: ``Qt`` (PySide builds all of its ~100 enums on first access: tens of ms) and the theme
# module are not touched on the way to the first paint.

ORGANIZATION = "SLM Assistant"


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (or the running one), with names, high-DPI policy and icon."""
    existing = QApplication.instance()
    if existing is not None:
        return existing  # type: ignore[return-value]
    # Fractional scale factors (125 %, 150 %) are used as they are instead of rounded: crisp
    # text. Same as setHighDpiScaleFactorRoundingPolicy(PassThrough), without the Qt namespace.
    os.environ.setdefault("QT_SCALE_FACTOR_ROUNDING_POLICY", "PassThrough")
    QApplication.setApplicationName(PRODUCT_NAME)
    QApplication.setApplicationDisplayName(PRODUCT_NAME)
    QApplication.setOrganizationName(ORGANIZATION)
    QApplication.setApplicationVersion(__version__)
    QGuiApplication.setDesktopFileName("slm-assistant")
    app = QApplication(list(argv) if argv else [sys.argv[0] if sys.argv else "slm-assistant"])
    icon = app_icon()
    if icon is not None:
        app.setWindowIcon(icon)
    return app


def app_icon() -> QIcon | None:
    """The app icon from resources/icons (every PNG size, so each DPI gets a sharp one)."""
    folder = resource_path("icons")
    if not folder.is_dir():
        return None
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".png", ".svg"))
    if not files:
        return None
    icon = QIcon()
    for path in files:
        icon.addFile(str(path))
    return icon


def apply_theme_setting(theme: str) -> bool:
    """Apply ``ui.theme`` (system, light, dark) to the running application; True if dark."""
    from desktop_app.gui.theme import apply_theme

    app = QApplication.instance()
    return apply_theme(app, theme) if app is not None else False


class _FirstExposeFilter(QObject):
    """Calls ``callback`` once, when the window is first exposed (really on screen)."""

    def __init__(self, callback: Callable[[], None]) -> None:
        super().__init__()
        self._callback: Callable[[], None] | None = callback

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        from PySide6.QtCore import QEvent

        if self._callback is not None and event.type() in (QEvent.Type.Expose, QEvent.Type.Paint):
            callback, self._callback = self._callback, None
            callback()
        return False


def show_main_window(core, argv: list[str] | None = None, on_shown: Callable[[], None] | None = None):
    """Create the application and show the main window; returns (app, window)."""
    app = create_application(argv)
    if core.settings.ui.theme != "system":  # the system theme needs nothing before the first paint
        apply_theme_setting(core.settings.ui.theme)
    from desktop_app.gui.main_window import MainWindow  # after QApplication exists

    # Pool threads stay alive between jobs, so pressing Send never waits for a thread to start.
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().setExpiryTimeout(-1)
    window = MainWindow(core)
    window._expose_filter = None
    if on_shown is not None:
        window._expose_filter = _FirstExposeFilter(on_shown)
        window.installEventFilter(window._expose_filter)
    if hasattr(app.styleHints(), "colorSchemeChanged"):
        # Follows the system while ui.theme is "system"; a forced theme stays as it is.
        app.styleHints().colorSchemeChanged.connect(
            lambda _s: window._on_settings_applied(False) if core.settings.ui.theme == "system" and window.startup_done else None
        )
    # The model, the conversation list and the documents panel load once the event loop runs,
    # i.e. after the first paint (MainWindow.finish_startup).
    window.show()
    return app, window


# Installer checks start the installed app with this set to 1: the window opens, paints once,
# prints "window shown" and the app quits with status 0 (tests/integration/test_installers_bundle.py).
SMOKE_WINDOW_ENV = "SLM_ASSISTANT_SMOKE_WINDOW"


def _report_shown_and_quit() -> None:
    from PySide6.QtCore import QTimer

    print("window shown", flush=True)
    QTimer.singleShot(0, QApplication.quit)


def missing_display_reason(environ, platform: str) -> str:
    """A plain sentence when a Linux session has no display to open a window on, else "".

    Without it Qt aborts with a platform-plugin message and a core dump.
    """
    if not platform.startswith("linux") or environ.get("QT_QPA_PLATFORM"):
        return ""
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return ""
    return ("there is no graphical display to open the window on. Start it from your desktop, or use "
            "the terminal commands (slm-assistant ask \"…\", slm-assistant --help).")


def run(core, argv: list[str] | None = None, on_shown: Callable[[], None] | None = None) -> int:
    """Run the GUI until the window closes; returns the exit status."""
    if on_shown is None and os.environ.get(SMOKE_WINDOW_ENV) == "1":
        on_shown = _report_shown_and_quit
    missing = missing_display_reason(os.environ, sys.platform)
    if missing:
        print(f"SLM Assistant: {missing}", file=sys.stderr)
        return 2
    # The document index runs in a child process: its imports and Chroma writes hold the GIL
    # for up to a second, which would freeze the window (benchmarks/gui_indexing_latency.py).
    core.library_in_subprocess = True
    app, window = show_main_window(core, argv, on_shown)
    if core.policy.problem:  # shown once the chat UI (with its banner) exists
        problem = f"{core.policy.problem} Cloud hand-off is off."
        window.startupFinished.connect(lambda: window.banner.show_error(problem))
    try:
        return int(app.exec())
    finally:
        window.pool.shutdown()
        core.close()
