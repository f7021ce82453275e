"""The child process that runs the local model (the side ``ProcessBackend`` talks to).

Why a child: llama.cpp is native code. A crash in a CPU kernel (llama.cpp issue 20824 on AMX
Xeons), an out-of-memory kill or a stuck driver must end one answer, not the window or the CLI
with the user's conversation in it. Here only the model lives; the parent keeps everything else.

Protocol (tuples over one duplex ``multiprocessing`` pipe, tagged with the request id ``rid``):
  parent -> child: ("stream", rid, GenerationRequest) ("draft", rid, (messages, max_tokens))
                   ("count", rid, messages) ("forget", rid, None) ("cancel", rid, None)
                   ("close", 0, None)
  child -> parent: ("loaded", 0, dict) once, then ("piece", rid, text) ... ("done", rid, stats)
                   ("result", rid, value) ("error", rid, (class name, message, hint))
Threads: the main thread reads the pipe and answers ``count`` and ``cancel`` at once (they take
no model lock), so the GUI can measure a prompt while an answer streams; generation requests
run one at a time on the generation thread, in arrival order. Both threads send, under a lock.
"""

from __future__ import annotations

import os
import queue
import signal
import threading
from typing import Any

from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import AppError

_STOP = object()


def error_payload(exc: BaseException) -> tuple[str, str, str]:
    """What crosses the pipe for a failure: the AppError class name and its plain sentences."""
    if isinstance(exc, AppError):
        return type(exc).__name__, exc.message, exc.hint
    return "ModelError", f"The model failed: {exc}.", "Try again; if it keeps happening, choose another model."


def peak_memory_mb() -> float:
    """This process's peak resident memory (the model's footprint), 0 where it cannot be read."""
    try:
        import resource
        import sys

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)
    except Exception:  # noqa: BLE001 - Windows has no resource module; the figure is optional
        return 0.0


class _Host:
    def __init__(self, conn, backend) -> None:
        self.conn = conn
        self.backend = backend
        self._send_lock = threading.Lock()
        self._jobs: queue.Queue = queue.Queue()
        self._cancels: dict[int, CancelToken] = {}
        self._worker = threading.Thread(target=self._generate_loop, daemon=True, name="model-generation")

    def send(self, message: tuple) -> None:
        with self._send_lock:
            self.conn.send(message)

    def run(self) -> None:
        self._worker.start()
        while True:
            try:
                kind, rid, payload = self.conn.recv()
            except (EOFError, OSError):
                break  # the parent is gone: nobody to answer
            if kind == "close":
                break
            if kind == "cancel":
                token = self._cancels.get(rid)
                if token is not None:
                    token.cancel()
            elif kind == "count":
                try:
                    self.send(("result", rid, self.backend.count_tokens(payload)))
                except BaseException as exc:  # noqa: BLE001 - every failure becomes a reply
                    self.send(("error", rid, error_payload(exc)))
            else:
                if kind == "stream":
                    self._cancels[rid] = CancelToken()
                self._jobs.put((kind, rid, payload))
        for token in list(self._cancels.values()):
            token.cancel()
        self._jobs.put(_STOP)
        self._worker.join(5)
        self.backend.close()

    def _generate_loop(self) -> None:
        # The generation thread: one job at a time, like the in-process backend's lock.
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            kind, rid, payload = job
            try:
                if kind == "stream":
                    self._stream(rid, payload)
                elif kind == "draft":
                    messages, max_tokens = payload
                    self.send(("result", rid, self.backend.draft_confidence(messages, max_tokens)))
                elif kind == "forget":
                    self.backend.forget_cache()
                    self.send(("result", rid, None))
            except BaseException as exc:  # noqa: BLE001 - every failure becomes a reply
                try:
                    self.send(("error", rid, error_payload(exc)))
                except (OSError, ValueError):
                    return
            finally:
                self._cancels.pop(rid, None)

    def _stream(self, rid: int, request) -> None:
        cancel = self._cancels.get(rid) or CancelToken()
        for piece in self.backend.stream(request, cancel):
            self.send(("piece", rid, piece))
        stats = self.backend.last_stats
        if stats is not None:
            stats.extra = dict(stats.extra, model_process_peak_mb=peak_memory_mb())
        self.send(("done", rid, stats))


def main(conn, spec: dict[str, Any]) -> None:
    """Entry point of the model process: load the model described by ``spec``, then serve."""
    # Ctrl+C in a terminal reaches the whole process group; the parent decides what it means
    # (cancel the answer), so the child must not die with a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from desktop_app.llm.local_backend import LocalLlamaBackend

    try:
        backend = LocalLlamaBackend(**spec)
    except BaseException as exc:  # noqa: BLE001 - the parent shows the plain sentence
        conn.send(("error", 0, error_payload(exc)))
        conn.close()
        return
    conn.send(("loaded", 0, {
        "model_name": backend.model_name,
        "context_length": backend.context_length,
        "device_label": backend.device_label,
        "notices": list(backend.notices),
        "threads": backend.threads,
        "n_gpu_layers": backend.n_gpu_layers,
        "total_layers": backend.total_layers,
        "supports_gpu_offload": backend.supports_gpu_offload,
        "system_info": _system_info(),
        "pid": os.getpid(),
        "peak_mb": peak_memory_mb(),
    }))
    _Host(conn, backend).run()
    conn.close()


def _system_info() -> str:
    try:
        from desktop_app.llm.llama_runtime import llama_cpp_module

        return llama_cpp_module().llama_print_system_info().decode("utf-8", errors="replace").strip()
    except Exception:  # noqa: BLE001 - diagnostics only
        return ""
