"""application.run: the real start path shows the window, builds the UI after the first paint,
loads the model on a worker and returns when the window closes."""

from __future__ import annotations

from desktop_app.gui.shell import application
from desktop_app.gui.shell import main_window as main_window_module
from tests.gui.gui_fixtures import make_core


def test_run_shows_window_then_builds_ui_and_returns_on_close(qtbot, isolated_home, monkeypatch):
    core = make_core(isolated_home)
    core.settings.ui.theme = "light"
    events: list[str] = []
    finish = main_window_module.MainWindow.finish_startup

    def finish_then_close(self) -> None:
        events.append("ui built" if not self.startup_done else "again")
        finish(self)
        self.modelLoaded.connect(lambda _b: (events.append("model loaded"), self.close()))

    monkeypatch.setattr(main_window_module.MainWindow, "finish_startup", finish_then_close)
    try:
        rc = application.run(core, ["slm-assistant"], on_shown=lambda: events.append("shown"))
    finally:
        application.apply_theme_setting("system")
    assert rc == 0
    assert events == ["shown", "ui built", "model loaded"]
    assert core._store is None  # run() closed the Core's resources on the way out
    saved = core.settings_store.load()
    assert saved.ui.window_geometry  # geometry remembered for the next start
