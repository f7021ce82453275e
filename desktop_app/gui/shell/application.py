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
from desktop_app.app_core import Core
from desktop_app.config.paths import resource_path
from desktop_app.gui.shell.api_autostart import start_with_window as start_api_with_window

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
    from desktop_app.gui.shell.theme import apply_theme_setting as apply  # lazy: the system theme needs none

    return apply(theme)


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


def show_main_window(core: Core, argv: list[str] | None = None, on_shown: Callable[[], None] | None = None):
    """Create the application and show the main window; returns (app, window)."""
    app = create_application(argv)
    if core.settings.ui.theme != "system":  # the system theme needs nothing before the first paint
        apply_theme_setting(core.settings.ui.theme)
    from desktop_app.gui.shell.main_window import MainWindow  # after QApplication exists

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


# The system libraries Qt's xcb plugin (the window on X11) links against, with the Debian/Ubuntu
# package of each. A fresh install lacks some (libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1),
# and Qt then aborts blaming xcb-cursor whichever one is missing. scripts/qt-runtime-packages.txt
# and the .deb's Depends name the same packages.
XCB_LIBRARIES = (
    ("libxcb.so.1", "libxcb1"),
    ("libX11-xcb.so.1", "libx11-xcb1"),
    ("libxkbcommon.so.0", "libxkbcommon0"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-image.so.0", "libxcb-image0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libxcb-randr.so.0", "libxcb-randr0"),
    ("libxcb-shape.so.0", "libxcb-shape0"),
    ("libxcb-xfixes.so.0", "libxcb-xfixes0"),
    ("libxcb-xkb.so.1", "libxcb-xkb1"),
    ("libxcb-sync.so.1", "libxcb-sync1"),
    ("libxcb-shm.so.0", "libxcb-shm0"),
    ("libxcb-render.so.0", "libxcb-render0"),
    ("libxcb-util.so.1", "libxcb-util1"),
)


def missing_xcb_packages(load_library: Callable[[str], object] | None = None) -> list[str]:
    """The packages of the X11 libraries the dynamic loader cannot find (a bundled copy counts)."""
    load = load_library or _load_shared_library
    missing = []
    for soname, package in XCB_LIBRARIES:
        try:
            load(soname)
        except OSError:
            missing.append(package)
    return missing


def missing_display_reason(environ, platform: str, load_library: Callable[[str], object] | None = None) -> str:
    """A plain sentence when a Linux session cannot open the window, else "".

    Without it Qt aborts with a platform-plugin message and a core dump: when there is no
    display at all, and when X11 (xcb) would be used but a library its plugin needs is missing.
    Each library is loaded the way Qt loads it (the dynamic loader; a few ms in all).
    """
    if not platform.startswith("linux"):
        return ""
    qpa = environ.get("QT_QPA_PLATFORM", "")
    if qpa and not qpa.startswith("xcb"):
        return ""  # offscreen, wayland, vnc...: Qt's xcb plugin is not loaded
    if not qpa and environ.get("WAYLAND_DISPLAY") and (
            environ.get("XDG_SESSION_TYPE") == "wayland" or not environ.get("DISPLAY")):
        return ""  # Qt picks its Wayland plugin
    if not environ.get("DISPLAY"):
        return ("there is no graphical display to open the window on. Start it from your desktop, or use "
                "the terminal commands (slm-assistant ask \"…\", slm-assistant --help).")
    missing = missing_xcb_packages(load_library)
    if missing:
        return (f"the window needs system libraries that are not installed ({', '.join(missing)}). "
                f"Install them with: sudo apt-get install {' '.join(missing)}")
    return ""


def _load_shared_library(name: str) -> object:
    import ctypes

    return ctypes.CDLL(name)


def run(core: Core, argv: list[str] | None = None, on_shown: Callable[[], None] | None = None) -> int:
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
    window.startupFinished.connect(lambda: start_api_with_window(core, window.pool, lambda e: window.banner.show_error(f"The local API did not start: {e}")))
    if core.policy.problem:  # shown once the chat UI (with its banner) exists
        problem = f"{core.policy.problem} Cloud hand-off is off."
        window.startupFinished.connect(lambda: window.banner.show_error(problem))
    try:
        return int(app.exec())
    finally:
        window.pool.shutdown()
        core.close()
