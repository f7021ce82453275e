"""How responsive the window stays while documents are indexed.

Drives the real DocumentsPanel and the real Library (embedder, Chroma, FTS5) on a generated
PDF of about 30 pages, with a 5 ms QTimer on the GUI thread: every gap between two timer
ticks beyond 5 ms is time the event loop could not run (input, painting). The same timer
runs first with nothing to do, as the baseline on this machine in the same run.

    QT_QPA_PLATFORM=offscreen python benchmarks/gui_indexing_latency.py --json

Prints one JSON object: max_gap_ms, p99_gap_ms, gaps_over_50ms (while indexing, from the drop
to the summary, including the Library's first load: a new user's first import), pages, seconds;
the same with a ``warm_`` prefix for a second run (another 30-page PDF) once everything is
loaded; and idle_max_gap_ms / idle_p99_gap_ms, the same timer with nothing to do (baseline).
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args(argv)

    from PySide6.QtWidgets import QApplication

    from desktop_app.app import build_core
    from desktop_app.gui.documents_panel import DocumentsPanel
    from desktop_app.gui.workers import WorkerPool

    work = tempfile.mkdtemp(prefix="slm-gui-index-")
    pdf = os.path.join(work, "report.pdf")
    make_pdf(pdf, args.pages)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    core = build_core(os.path.join(work, "home"))
    pool = WorkerPool()
    panel = DocumentsPanel(core, pool)
    panel.resize(480, 640)
    panel.show()
    reports: list = []
    errors: list = []
    panel.indexFinished.connect(reports.append)
    panel.indexFailed.connect(errors.append)
    recorder = GapRecorder()

    recorder.start()  # baseline: the same timer with nothing else to do
    run_until(app, lambda: time.perf_counter() - recorder.stamps[0] >= 1.0, 5)
    idle = recorder.stop()

    run_until(app, lambda: not panel._refreshing, args.timeout)
    recorder.start()
    started = time.perf_counter()
    panel.add_paths([pdf])
    run_until(app, lambda: (reports or errors) and not panel.busy, args.timeout)
    seconds = time.perf_counter() - started
    cold = recorder.stop()
    if errors:
        print(json.dumps({"error": str(errors[0])}))
        return 1

    changed = os.path.join(work, "report-v2.pdf")
    make_pdf(changed, args.pages, seed=3)
    recorder.start()
    started = time.perf_counter()
    panel.add_paths([changed])
    run_until(app, lambda: len(reports) >= 2 and not panel.busy, args.timeout)
    warm_seconds = time.perf_counter() - started
    warm = recorder.stop()

    pool.shutdown()
    core.close()
    result = {
        "max_gap_ms": cold["max"],
        "p99_gap_ms": cold["p99"],
        "pages": reports[0].pages,
        "seconds": round(seconds, 2),
        "gaps_over_50ms": cold["over_50"],
        "warm_max_gap_ms": warm["max"],
        "warm_p99_gap_ms": warm["p99"],
        "warm_gaps_over_50ms": warm["over_50"],
        "warm_seconds": round(warm_seconds, 2),
        "idle_max_gap_ms": idle["max"],
        "idle_p99_gap_ms": idle["p99"],
    }
    print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
