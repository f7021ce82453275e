"""Start-up time: the app's main window against a bare PySide6 window, in fresh processes.

Each run starts a new Python process and measures from just before the process is spawned to
the window's first expose/paint event (reported by the child with the wall clock). Both
children run from byte-compiled modules, as an installed app does. The app
runs its real start path (``slm-assistant`` -> cli.main -> build_core -> the main window) on a
throw-away home whose settings point at the bundled model; the model itself loads on a worker
after the window shows, which is what the user sees. Runs alternate app/bare; medians are
reported.

    QT_QPA_PLATFORM=offscreen python benchmarks/startup.py --json [--runs 5]

Prints {"window_shown_s", "bare_qt_window_s", "ratio", "ui_ready_s", "runs", "app_runs_s",
"bare_runs_s"}. The window's first paint is its frame (title, saved geometry, menus, status
bar); the chat UI is built on that paint, and ``ui_ready_s`` is when it is complete (the
conversation list shown, the model loading on a worker).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

BARE_CHILD = r"""
import os, sys, time
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow

class Shown(QObject):
    def eventFilter(self, obj, event):
        if event.type() in (QEvent.Type.Expose, QEvent.Type.Paint):
            print(f"SHOWN {time.time():.6f}", flush=True)
            os._exit(0)
        return False

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setWindowTitle("bare")
window.resize(1100, 740)
shown = Shown()
window.installEventFilter(shown)
window.show()
app.exec()
"""

APP_CHILD = r"""
import os, sys, time
import desktop_app.gui.shell.application as application
import desktop_app.gui.shell.main_window as main_window

def report_shown():
    print(f"SHOWN {time.time():.6f}", flush=True)

finish = main_window.MainWindow.finish_startup

def finish_and_report(self):
    finish(self)  # the whole chat UI is built and the conversations are listed
    print(f"READY {time.time():.6f}", flush=True)
    os._exit(0)

main_window.MainWindow.finish_startup = finish_and_report
real_run = application.run
application.run = lambda core, argv=None, on_shown=None: real_run(core, argv, on_shown=report_shown)
from desktop_app.cli import main
sys.exit(main(["--home", sys.argv[1]]))
"""


def _once(code: str, *args: str, pycache: str = "") -> tuple[float, float]:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"), PYTHONPATH=str(REPO))
    # An installed app runs from byte-compiled modules (pip and PyInstaller compile them), so
    # both children may write and reuse .pyc files, kept in a temporary folder, not the tree.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if pycache:
        env["PYTHONPYCACHEPREFIX"] = pycache
    start = time.time()
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120, cwd=REPO)
    stamps = {line.split()[0]: float(line.split()[1]) - start for line in proc.stdout.splitlines()
              if line.startswith(("SHOWN ", "READY "))}
    if "SHOWN" in stamps:
        return stamps["SHOWN"], stamps.get("READY", stamps["SHOWN"])
    raise RuntimeError(f"the window never showed (exit {proc.returncode}): {proc.stderr[-2000:]}")


def _prepare_home(home: Path) -> None:
    """Settings that point at the assembled bundled model, as after the first start."""
    sys.path.insert(0, str(REPO))
    from desktop_app.llm.bundled import ensure_bundled_model

    model = ensure_bundled_model(Path(os.environ.get("SLM_TEST_CACHE", "/tmp/slm-test-cache")))
    settings = home / "config" / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"llm": {"model_path": str(model)}}), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="slm-startup-") as tmp:
        home = Path(tmp) / "home"
        _prepare_home(home)
        pycache = str(Path(tmp) / "pycache")
        # Warm the OS file cache and the byte-code cache for both before measuring.
        _once(BARE_CHILD, pycache=pycache)
        _once(APP_CHILD, str(home), pycache=pycache)
        app_runs, ready_runs, bare_runs = [], [], []
        for _ in range(args.runs):
            shown, ready = _once(APP_CHILD, str(home), pycache=pycache)
            app_runs.append(shown)
            ready_runs.append(ready)
            bare_runs.append(_once(BARE_CHILD, pycache=pycache)[0])
    app_s, bare_s = statistics.median(app_runs), statistics.median(bare_runs)
    result = {
        "window_shown_s": round(app_s, 4),
        "bare_qt_window_s": round(bare_s, 4),
        "ratio": round(app_s / bare_s, 3),
        # The chat UI is built right after the first paint; this is when it is complete.
        "ui_ready_s": round(statistics.median(ready_runs), 4),
        "runs": args.runs,
        "app_runs_s": [round(x, 4) for x in app_runs],
        "bare_runs_s": [round(x, 4) for x in bare_runs],
    }
    print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
