"""How responsive the window stays while documents are indexed: the app as shipped vs in-process.

Drives the real DocumentsPanel and the real Library (embedder, Chroma, FTS5) on a generated
PDF of about 30 pages, with a 5 ms QTimer on the GUI thread: every gap between two timer
ticks beyond 5 ms is time the event loop could not run (input, painting).

Two modes, each in a fresh Python process (so each pays its own first imports):
- ``subprocess`` (as shipped: ``application.run`` sets ``Core.library_in_subprocess``): the
  Library runs in a child process (LibraryProcess); the GUI process never imports torch or Chroma.
- ``inprocess`` (the baseline, as the CLI runs it): the Library in the GUI process, where
  Chroma's upserts and the first imports hold the GIL.

    QT_QPA_PLATFORM=offscreen python benchmarks/gui_indexing_latency.py --json

Prints one JSON object: for the shipped mode max_gap_ms, p99_gap_ms, gaps_over_50ms (from the
drop to the summary, including the Library's first load: a new user's first import), pages,
seconds, mode; ``warm_*`` for a second 30-page PDF once everything is loaded; ``listing_*``
for the panel's first listing (which starts the child); ``idle_*``, the same timer with
nothing to do; the in-process figures with an ``inprocess_`` prefix, and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SENTENCES = [
    "The committee reviewed the quarterly results and noted that operating margin improved in every region.",
    "Revenue from subscription services grew faster than hardware sales, which declined for the third quarter.",
    "Management expects capital expenditure to remain flat while the data centre expansion is completed.",
    "Foreign exchange movements reduced reported revenue by roughly two percent compared with last year.",
    "The board approved a dividend and authorised a share repurchase programme for the next fiscal year.",
    "Inventory levels were reduced after supply constraints eased in the second half of the period.",
    "Research and development spending increased as the company invested in on-device machine learning.",
    "Legal proceedings described in the notes are not expected to have a material adverse effect.",
]


def make_pdf(path: str, pages: int, seed: int = 0) -> None:
    """A realistic report: paragraphs of prose and a small table on every page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(path, pagesize=A4)
    for n in range(1, pages + 1):
        y = 800
        c.setFont("Helvetica-Bold", 13)
        c.drawString(60, y, f"Section {n}: Results for segment {chr(65 + (n + seed) % 26)}")
        c.setFont("Helvetica", 10)
        y -= 24
        for i in range(28):
            c.drawString(60, y, SENTENCES[(n * 7 + i + seed) % len(SENTENCES)][:95])
            y -= 14
        y -= 10
        for row in range(8):
            c.drawString(60, y, f"Region {row + 1}    Q{1 + row % 4} revenue {1000 + n * 37 + row * 11 + seed}    "
                                f"margin {10 + (n + row) % 9}.{row}%")
            y -= 14
        c.showPage()
    c.save()


class GapRecorder:
    """Timestamps of a 5 ms timer's ticks on the GUI thread."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer, Qt

        self.stamps: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(lambda: self.stamps.append(time.perf_counter()))

    def start(self) -> None:
        self.stamps = [time.perf_counter()]
        self.timer.start()

    def stop(self) -> dict:
        self.timer.stop()
        self.stamps.append(time.perf_counter())
        gaps = sorted((b - a) * 1000 for a, b in zip(self.stamps, self.stamps[1:]))
        if not gaps:
            return {"max": 0.0, "p99": 0.0, "over_50": 0}
        return {"max": round(gaps[-1], 2), "p99": round(gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))], 2),
                "over_50": sum(g > 50 for g in gaps)}


def run_until(app, condition, timeout_s: float) -> None:
    """Run the real event loop (sleeping, not spinning) until ``condition()`` holds."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    timed_out = []

    def check() -> None:
        if condition():
            loop.quit()
        elif time.monotonic() > deadline:
            timed_out.append(True)
            loop.quit()

    checker = QTimer()
    checker.setInterval(20)
    checker.timeout.connect(check)
    checker.start()
    loop.exec()
    checker.stop()
    if timed_out:
        raise TimeoutError("indexing did not finish in time")


def measure(mode: str, pages: int, timeout: float) -> dict:
    """One mode, in this process: idle baseline, first listing, cold index, warm index."""
    from PySide6.QtWidgets import QApplication

    from desktop_app.app import build_core
    from desktop_app.gui.documents.panel import DocumentsPanel
    from desktop_app.gui.common.workers import WorkerPool

    work = tempfile.mkdtemp(prefix="slm-gui-index-")
    pdf = os.path.join(work, "report.pdf")
    make_pdf(pdf, pages)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    core = build_core(os.path.join(work, "home"))
    core.library_in_subprocess = mode == "subprocess"
    recorder = GapRecorder()
    recorder.start()  # baseline: the same timer with nothing else to do
    run_until(app, lambda: time.perf_counter() - recorder.stamps[0] >= 1.0, 5)
    idle = recorder.stop()

    pool = WorkerPool()
    recorder.start()
    panel = DocumentsPanel(core, pool)  # its first listing opens the Library (starts the child)
    panel.resize(480, 640)
    panel.show()
    reports: list = []
    errors: list = []
    panel.indexFinished.connect(reports.append)
    panel.indexFailed.connect(errors.append)
    run_until(app, lambda: not panel._refreshing, timeout)
    listing = recorder.stop()

    recorder.start()
    started = time.perf_counter()
    panel.add_paths([pdf])
    run_until(app, lambda: (reports or errors) and not panel.busy, timeout)
    seconds = time.perf_counter() - started
    cold = recorder.stop()
    if errors:
        return {"error": str(errors[0]), "mode": mode}

    changed = os.path.join(work, "report-v2.pdf")
    make_pdf(changed, pages, seed=3)
    recorder.start()
    started = time.perf_counter()
    panel.add_paths([changed])
    run_until(app, lambda: len(reports) >= 2 and not panel.busy, timeout)
    warm_seconds = time.perf_counter() - started
    warm = recorder.stop()

    heavy = sorted(m for m in ("torch", "chromadb", "sentence_transformers") if m in sys.modules)
    pool.shutdown()
    core.close()
    return {
        "max_gap_ms": cold["max"],
        "p99_gap_ms": cold["p99"],
        "pages": reports[0].pages,
        "seconds": round(seconds, 2),
        "mode": mode,
        "gaps_over_50ms": cold["over_50"],
        "warm_max_gap_ms": warm["max"],
        "warm_p99_gap_ms": warm["p99"],
        "warm_gaps_over_50ms": warm["over_50"],
        "warm_seconds": round(warm_seconds, 2),
        "listing_max_gap_ms": listing["max"],
        "idle_max_gap_ms": idle["max"],
        "idle_p99_gap_ms": idle["p99"],
        "gui_process_imported": heavy,
    }


def measure_in_fresh_process(mode: str, pages: int, timeout: float) -> dict:
    import subprocess

    cmd = [sys.executable, os.path.abspath(__file__), "--mode", mode, "--pages", str(pages),
           "--timeout", str(timeout), "--json"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout * 2 + 60)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"error": (done.stderr or done.stdout)[-500:], "mode": mode}
    return json.loads(lines[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--mode", choices=("both", "subprocess", "inprocess"), default="both",
                        help="both (default): the shipped subprocess mode, then the in-process baseline")
    args = parser.parse_args(argv)

    if args.mode != "both":
        result = measure(args.mode, args.pages, args.timeout)
    else:
        load_before = os.getloadavg()[0]
        result = measure_in_fresh_process("subprocess", args.pages, args.timeout)
        baseline = measure_in_fresh_process("inprocess", args.pages, args.timeout)
        result.update({f"inprocess_{k}": v for k, v in baseline.items() if k not in ("mode", "pages")})
        result["load_avg_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))
    return 1 if "error" in result or "inprocess_error" in result else 0


if __name__ == "__main__":
    sys.exit(main())
