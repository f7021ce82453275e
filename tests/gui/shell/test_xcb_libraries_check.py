"""A Linux desktop without Qt's X11 libraries: one plain line naming the packages, exit 2, before Qt aborts.

Seen on a fresh Debian: Qt printed "xcb-cursor0 or libxcb-cursor0 is needed" and dumped core,
while the libraries really missing were libxcb-icccm4 and libxcb-keysyms1.
"""

import subprocess
import sys
import textwrap

import pytest

from desktop_app.gui.shell.application import XCB_LIBRARIES, missing_display_reason, missing_xcb_packages


def loader_without(*missing_sonames):
    asked = []

    def load(name):
        asked.append(name)
        if name in missing_sonames:
            raise OSError(f"{name}: cannot open shared object file: No such file or directory")
        return object()

    return load, asked


@pytest.mark.parametrize(
    "environ, uses_xcb",
    [
        ({"DISPLAY": ":0"}, True),  # X11 session: Qt loads its xcb plugin
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, True),
        ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, True),  # not a Wayland session: xcb
        ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}, False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, False),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, False),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "wayland"}, False),
    ],
)
def test_missing_x11_libraries_are_reported_only_where_qt_would_load_xcb(environ, uses_xcb):
    load, asked = loader_without("libxcb-cursor.so.0")
    reason = missing_display_reason(environ, "linux", load_library=load)
    assert bool(reason) is uses_xcb
    assert bool(asked) is uses_xcb
    if uses_xcb:
        assert "sudo apt-get install libxcb-cursor0" in reason and "\n" not in reason


def test_every_missing_library_is_named_with_its_package():
    load, asked = loader_without("libxcb-icccm.so.4", "libxcb-keysyms.so.1")
    assert missing_xcb_packages(load) == ["libxcb-icccm4", "libxcb-keysyms1"]
    assert asked == [soname for soname, _ in XCB_LIBRARIES]
    reason = missing_display_reason({"DISPLAY": ":0"}, "linux", load_library=load)
    assert reason.endswith("Install them with: sudo apt-get install libxcb-icccm4 libxcb-keysyms1")


def test_with_every_library_the_window_starts():
    load, _ = loader_without()
    assert missing_display_reason({"DISPLAY": ":0"}, "linux", load_library=load) == ""


def test_no_x_display_with_qt_forced_to_xcb_says_so():
    load, _ = loader_without()
    assert "no graphical display" in missing_display_reason({"QT_QPA_PLATFORM": "xcb"}, "linux", load_library=load)


def test_the_package_lists_of_the_scripts_name_every_library():
    from pathlib import Path

    listed = Path(__file__).resolve().parents[3] / "scripts" / "qt-runtime-packages.txt"
    packages = {line.strip() for line in listed.read_text().splitlines() if line.strip() and not line.startswith("#")}
    assert {package for _, package in XCB_LIBRARIES} <= packages


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux X11 rule")
def test_window_command_without_xcb_cursor_exits_2_with_one_plain_line(isolated_home):
    """The real entry point, with the dynamic loader refusing libxcb-cursor as on a fresh install."""
    script = textwrap.dedent(f"""
        import ctypes, sys
        real = ctypes.CDLL
        def cdll(name, *a, **k):
            if name == "libxcb-cursor.so.0":
                raise OSError(name + ": cannot open shared object file: No such file or directory")
            return real(name, *a, **k)
        ctypes.CDLL = cdll
        from desktop_app.cli import main
        sys.exit(main(["--home", {str(isolated_home)!r}]))
    """)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(isolated_home), "DISPLAY": ":99"}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "sudo apt-get install libxcb-cursor0" in lines[0], proc.stderr
    assert lines[0].startswith("SLM Assistant: ") and "Traceback" not in proc.stderr
