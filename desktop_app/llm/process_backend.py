"""ProcessBackend: the local model as a ChatBackend whose llama.cpp runs in a child process.

The window and the CLI never load llama.cpp themselves. If the model process dies (a native
crash, an out-of-memory kill, a user's ``kill -9``), the answer in progress ends with one plain
ModelError, the caller keeps the conversation and the partial answer (the Assistant saves as it
streams), and the next request starts a fresh model process. See ``model_host`` for the child.

Thread rule: like ``LocalLlamaBackend`` — one generation at a time (``stream``, ``draft_confidence``
hold ``_gen_lock``), while ``count_tokens`` may run from another thread during a generation.
A reader thread routes the child's replies to the queue of the caller waiting for them.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from pathlib import Path
from typing import Any, Iterator, Sequence

from desktop_app.core import errors
from desktop_app.core.cancel import CancelToken
from desktop_app.core.child_channel import ChildChannel
from desktop_app.core.errors import AppError, ModelError
from desktop_app.core.records import Message
from desktop_app.llm import hardware
from desktop_app.llm.base import GenerationRequest, GenerationStats
from desktop_app.llm.gguf_info import GgufInfo, read_gguf_info
from desktop_app.llm.prompt_formats import PromptFormat, select_format

LOAD_TIMEOUT_S = 300.0  # a 1.5B model from a slow disk; a stuck load ends in a plain error
POLL_S = 0.05  # how often a waiting stream looks at its CancelToken and at the child's health
CANCEL_DRAIN_S = 3.0  # after Stop, how long to wait for the child's final statistics


class ModelProcessStopped(ModelError):
    """The model process ended while it was working (crash, out of memory, killed)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "The model stopped unexpectedly while answering" + (f" ({detail})" if detail else "") + ".",
            "Your conversation is kept. Ask again to restart the model; if it keeps happening, "
            "choose a smaller model or reduce the context size in Settings.",
        )


def _error_from(payload: tuple[str, str, str]) -> AppError:
    name, message, hint = payload
    cls = getattr(errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, AppError)):
        cls = ModelError
    try:
        return cls(message, hint)
    except TypeError:  # an AppError subclass with another constructor
        return ModelError(message, hint)


def _exit_detail(exitcode: int | None) -> str:
    if exitcode is None:
        return ""
    if exitcode < 0:
        import signal

        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        kinds = {"SIGKILL": "it was killed, possibly for lack of memory", "SIGSEGV": "it crashed",
                 "SIGILL": "this CPU lacks an instruction it needed", "SIGABRT": "it aborted"}
        return kinds.get(name, f"it ended with {name}")
    return f"it exited with code {exitcode}"


class _ModelProcess(ChildChannel):
    """One running model process: a ChildChannel whose request id 0 waits for the load."""

    def __init__(self, spec: dict[str, Any]) -> None:
        import multiprocessing

        from desktop_app.llm import model_host

        # spawn, never fork: the parent may hold Qt, threads and open SQLite connections.
        ctx = multiprocessing.get_context("spawn")
        conn, child_end = ctx.Pipe(duplex=True)
        process = ctx.Process(target=model_host.main, args=(child_end, spec), name="slm-model", daemon=True)
        process.start()
        child_end.close()
        super().__init__(process, conn, lambda: ModelProcessStopped(_exit_detail(process.exitcode)),
                         name="model-process-reader", pending={0: queue.Queue()})

    def close(self, grace_s: float = 5.0) -> None:
        self.send(("close", 0, None))
        self.process.join(grace_s)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(2)
        try:
            self.conn.close()
        except OSError:
            pass


class ProcessBackend:
    """A ChatBackend on a local GGUF file, run by llama.cpp in a child process.

    Args: as ``LocalLlamaBackend`` (model_path, context_length, gpu_offload, threads, info,
    repeat_penalty, flash_attention). The model is loaded in the constructor (seconds: never on the GUI thread).

    Raises:
        ModelError: the file is missing, damaged, unsupported, or the model process could not start.
    """

    def __init__(self, model_path: str | Path, context_length: int = 4096, gpu_offload: str = "auto",
                 threads: int = 0, info: GgufInfo | None = None, repeat_penalty: float = 1.0,
                 prompt_format: PromptFormat | None = None, flash_attention: bool = True) -> None:
        self.path = Path(model_path)
        self.info = info or read_gguf_info(self.path)
        self.prompt_format = prompt_format or select_format(self.info)
        self._spec = dict(model_path=str(self.path), context_length=context_length, gpu_offload=gpu_offload,
                          threads=threads, info=self.info, repeat_penalty=repeat_penalty,
                          prompt_format=prompt_format, flash_attention=flash_attention)
        self._ids = itertools.count(1)
        self._gen_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._process: _ModelProcess | None = None
        self._last_stats: GenerationStats | None = None
        self.restarts = 0
        self.loaded: dict[str, Any] = {}
        self._closed = False
        self._ensure_process()

    # ------------------------------------------------------------------ lifecycle

    def _ensure_process(self) -> _ModelProcess:
        """The live model process, starting a fresh one (and loading the model) if it died."""
        with self._start_lock:
            if self._closed:
                raise ModelError("The model was closed.", "Load it again from Settings.")
            proc = self._process
            if proc is not None and proc.alive:
                return proc
            if proc is not None:
                proc.close(grace_s=0.5)
                self.restarts += 1
            proc = _ModelProcess(self._spec)
            kind, value = self._wait(proc.pending[0], proc, LOAD_TIMEOUT_S)
            proc.forget(0)
            if kind == "error":
                proc.close(grace_s=1)
                raise _error_from(value)
            if kind != "loaded":
                proc.close(grace_s=0.5)
                raise ModelError(
                    f"The model process could not start ({_exit_detail(proc.process.exitcode) or 'no reply'}).",
                    "Reinstall SLM Assistant, or choose another model.",
                )
            self.loaded = value
            self._process = proc
            return proc

    @staticmethod
    def _wait(replies: queue.Queue, proc: _ModelProcess, timeout_s: float) -> tuple[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return replies.get(timeout=POLL_S * 4)
            except queue.Empty:
                if time.monotonic() > deadline:
                    return "timeout", None
                if not proc.process.is_alive() and not proc.alive:
                    try:
                        return replies.get_nowait()
                    except queue.Empty:
                        return "stopped", proc.process.exitcode

    @property
    def pid(self) -> int | None:
        proc = self._process
        return proc.process.pid if proc is not None and proc.alive else None

    # ------------------------------------------------------------------ ChatBackend

    @property
    def model_name(self) -> str:
        return self.loaded.get("model_name") or self.info.name

    @property
    def context_length(self) -> int:
        return int(self.loaded.get("context_length") or 0)

    @property
    def last_stats(self) -> GenerationStats | None:
        return self._last_stats

    @property
    def device_label(self) -> str:
        return self.loaded.get("device_label") or hardware.device_label(0, 0, 1)

    @property
    def notices(self) -> list[str]:
        return list(self.loaded.get("notices") or [])

    @property
    def threads(self) -> int:
        return int(self.loaded.get("threads") or 0)

    @property
    def n_gpu_layers(self) -> int:
        return int(self.loaded.get("n_gpu_layers") or 0)

    @property
    def total_layers(self) -> int:
        return int(self.loaded.get("total_layers") or 0)

    @property
    def supports_gpu_offload(self) -> bool:
        return bool(self.loaded.get("supports_gpu_offload"))

    @property
    def system_info(self) -> str:
        """llama.cpp's compiled CPU features of the runtime that answers (self-test, About)."""
        return str(self.loaded.get("system_info") or "")

    def _call(self, kind: str, payload: Any, timeout_s: float = 600.0) -> Any:
        proc = self._ensure_process()
        rid = next(self._ids)
        replies = proc.request(rid, (kind, rid, payload))
        try:
            reply, value = self._wait(replies, proc, timeout_s)
        finally:
            proc.forget(rid)
        if reply == "result":
            return value
        if reply == "error":
            raise _error_from(value)
        raise ModelProcessStopped(_exit_detail(value if reply == "stopped" else None))

    def count_tokens(self, messages: Sequence[Message]) -> int:
        return int(self._call("count", tuple(messages), timeout_s=120.0))

    def stream(self, request: GenerationRequest, cancel: CancelToken | None = None) -> Iterator[str]:
        """Yield the answer piece by piece from the model process.

        Raises:
            ModelProcessStopped: the model process died mid-answer (the next call restarts it).
            ContextOverflowError, ModelError: as the in-process backend.
        """
        with self._gen_lock:
            proc = self._ensure_process()
            rid = next(self._ids)
            replies = proc.request(rid, ("stream", rid, request))
            self._last_stats = GenerationStats()
            finished = False
            try:
                while True:
                    if cancel is not None and cancel.cancelled:
                        proc.send(("cancel", rid, None))
                        finished = self._drain(replies, proc)
                        return
                    try:
                        kind, value = replies.get(timeout=POLL_S)
                    except queue.Empty:
                        continue
                    if kind == "piece":
                        yield value
                    elif kind == "done":
                        finished = True
                        if value is not None:
                            self._last_stats = value
                        return
                    elif kind == "error":
                        finished = True
                        raise _error_from(value)
                    else:  # "stopped": the process is gone
                        finished = True
                        raise ModelProcessStopped(_exit_detail(value))
            finally:
                if not finished:  # the consumer stopped early (GeneratorExit) or Stop
                    proc.send(("cancel", rid, None))
                    self._drain(replies, proc)
                proc.forget(rid)

    def _drain(self, replies: queue.Queue, proc: _ModelProcess) -> bool:
        """After a cancel: wait briefly for the child's ``done`` so the next request starts clean."""
        deadline = time.monotonic() + CANCEL_DRAIN_S
        while time.monotonic() < deadline:
            try:
                kind, value = replies.get(timeout=POLL_S)
            except queue.Empty:
                if not proc.alive:
                    return True
                continue
            if kind == "done":
                if value is not None:
                    value.finish_reason = "cancelled"
                    self._last_stats = value
                return True
            if kind in ("error", "stopped"):
                return True
        return False

    def draft_confidence(self, messages: Sequence[Message], max_tokens: int = 16) -> float:
        """Mean log-probability of a short greedy draft (see LocalLlamaBackend.draft_confidence)."""
        with self._gen_lock:
            return float(self._call("draft", (tuple(messages), max_tokens)))

    def forget_cache(self) -> None:
        with self._gen_lock:
            self._call("forget", None)

    def close(self) -> None:
        """Stop the model process (its memory goes with it). Safe from any thread."""
        with self._start_lock:
            self._closed = True
            proc, self._process = self._process, None
        if proc is not None:
            proc.close()
