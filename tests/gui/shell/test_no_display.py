"""Without a display, the window command says so in plain words instead of Qt aborting."""

import subprocess
import sys

import pytest

from desktop_app.gui.shell.application import missing_display_reason


@pytest.mark.parametrize(
    "environ, platform, missing",
    [
        ({}, "linux", True),
        ({"DISPLAY": ":0"}, "linux", False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({}, "win32", False),
        ({}, "darwin", False),
    ],
)
def test_missing_display_reason(environ, platform, missing):
    # The X11 library check passes here (tests/gui/shell/test_xcb_libraries_check.py covers it).
    assert bool(missing_display_reason(environ, platform, load_library=lambda _name: None)) is missing


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux display rules")
def test_window_command_without_display_exits_with_a_plain_message(isolated_home):
    env = {"PATH": "/usr/bin:/bin", "SLM_ASSISTANT_HOME": str(isolated_home), "HOME": str(isolated_home)}
    proc = subprocess.run([sys.executable, "-m", "desktop_app"], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "no graphical display" in proc.stderr and "Traceback" not in proc.stderr
