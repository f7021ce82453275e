"""How responsive the window stays while an answer streams from the real bundled model.

Drives the real MainWindow, ChatController, Assistant and LocalLlamaBackend (bundled Gemma 3
270M, CPU) with a 5 ms QTimer on the GUI thread: every gap between two ticks beyond 5 ms is
time the event loop could not run (input, painting). The same timer first runs with nothing
to do, as this machine's baseline in the same run. The documents library is an empty stand-in
(indexing latency has its own benchmark, ``gui_indexing_latency.py``).

    QT_QPA_PLATFORM=offscreen python benchmarks/gui_latency.py --json [--max-tokens 128]

Prints {"max_gap_ms", "p99_gap_ms", "mean_gap_ms", "tokens", "tokens_per_s", "answer_s",
"first_token_s", "max_gap_at_s", "ticks", "idle_max_gap_ms", "idle_p99_gap_ms", "model", "threshold_ms", "ok"}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QUESTION = "Write a short story about a robot who learns to paint. Use a few paragraphs."
THRESHOLD_MS = 50.0


class GapMeter:
    """A 5 ms timer on the GUI thread that records the gaps between its ticks."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.ticks: list[float] = []

    def _tick(self) -> None:
        self.ticks.append(time.perf_counter())

    def start(self) -> None:
        self.ticks = [time.perf_counter()]
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        self.ticks.append(time.perf_counter())
        return [(b - a) * 1000 for a, b in zip(self.ticks, self.ticks[1:])]


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))] if ordered else 0.0


def _spin(app, condition, timeout_s: float) -> None:
    """Run a real event loop until ``condition()`` holds (checked every 20 ms)."""
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    check = QTimer()
    check.setInterval(20)

    def poll() -> None:
        if condition() or time.monotonic() > deadline:
            loop.quit()

    check.timeout.connect(poll)
    check.start()
    if not condition():
        loop.exec()
    check.stop()
    if not condition():
        raise TimeoutError("timed out waiting for the window")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0 = physical cores)")
    args = parser.parse_args()

    from desktop_app.app import build_core
    from desktop_app.gui.shell.application import create_application, show_main_window
    from desktop_app.llm.bundled import ensure_bundled_model
    from tests.gui.gui_fixtures import EmptyLibrary

    model = ensure_bundled_model(Path(os.environ.get("SLM_TEST_CACHE", "/tmp/slm-test-cache")))
    app = create_application(["gui-latency"])
    with tempfile.TemporaryDirectory(prefix="slm-latency-") as tmp:
        core = build_core(str(Path(tmp) / "home"))
        core.settings.llm.model_path = str(model)
        core.settings.llm.max_tokens = args.max_tokens
        core.settings.llm.gpu_offload = "cpu"
        core.settings.llm.threads = args.threads
        core.provide(library=EmptyLibrary())
        _app, window = show_main_window(core, ["gui-latency"])  # the real start path, minus exec()
        _spin(app, lambda: window.startup_done and (window.status.model_label.text() != "" or window.banner.isVisible()), 180)
        if window.banner.isVisible():
            raise SystemExit(f"the model did not load: {window.banner.text()}")

        meter = GapMeter()
        meter.start()
        idle_end = time.monotonic() + 2.0
        _spin(app, lambda: time.monotonic() > idle_end, 10)
        idle = meter.stop()

        finished: list = []
        first_token: list[float] = []
        window.controller.answerFinished.connect(finished.append)

        def on_event(event) -> None:
            if not first_token and type(event).__name__ == "TokenEvent":
                first_token.append(time.perf_counter())

        # Watch the stream the same way the controller does (queued onto the GUI thread).
        original_prepared = window.controller._on_prepared

        def on_prepared(prepared, save_question=True):
            original_prepared(prepared, save_question)
            if window.controller._worker is not None:
                window.controller._worker.signals.yielded.connect(on_event)

        window.controller._on_prepared = on_prepared
        meter.start()
        started = time.perf_counter()
        window.controller.send(QUESTION)
        _spin(app, lambda: not window.controller.busy, 600)
        answer_s = time.perf_counter() - started
        gaps = meter.stop()
        ticks = list(meter.ticks)
        window.close()
        core.close()

    if not finished:
        raise SystemExit(f"no answer: {window.banner.text()}")
    answer = finished[0]
    worst = max(range(len(gaps)), key=gaps.__getitem__)
    result = {
        "max_gap_ms": round(max(gaps), 2),
        "p99_gap_ms": round(_p99(gaps), 2),
        "mean_gap_ms": round(sum(gaps) / len(gaps), 2),
        "tokens": answer.timings.completion_tokens,
        "tokens_per_s": round(answer.timings.tokens_per_s, 2),
        "answer_s": round(answer_s, 3),
        "first_token_s": round(first_token[0] - started, 3) if first_token else None,
        "max_gap_at_s": round(ticks[worst] - started, 3),  # when the longest gap began, from Send
        "ticks": len(gaps),
        "idle_max_gap_ms": round(max(idle), 2),
        "idle_p99_gap_ms": round(_p99(idle), 2),
        "model": answer.model,
        "llama_threads": args.threads or "auto (physical cores)",
        "cpu_count": os.cpu_count(),
        "threshold_ms": THRESHOLD_MS,
        "ok": max(gaps) < THRESHOLD_MS,
    }
    print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
