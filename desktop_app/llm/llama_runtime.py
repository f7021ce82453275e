"""The one place that imports llama_cpp: quiet logging, loading, and plain-language load errors.

llama.cpp writes its logs to stderr from C (and llama-cpp-python's own callback maps the log
levels of this llama.cpp wrongly, so warnings leak). We install our own callback that keeps the
last warnings/errors in memory, never prints them, and uses them to explain a failed load.
"""

from __future__ import annotations

import collections
import ctypes
import threading
from pathlib import Path
from typing import Any

from desktop_app.core.errors import ModelError

# ggml.h: NONE=0, DEBUG=1, INFO=2, WARN=3, ERROR=4, CONT=5 (continues the previous line)
_WARN, _CONT = 3, 5
_recent: collections.deque[str] = collections.deque(maxlen=80)
_state = {"installed": False, "last_level": 0, "callback": None}
_install_lock = threading.Lock()
_load_lock = threading.Lock()


def llama_cpp_module():
    """Import llama_cpp lazily (heavy: loads the native library) with quiet logging."""
    import llama_cpp

    _install_quiet_logging(llama_cpp)
    return llama_cpp


def _install_quiet_logging(llama_cpp: Any) -> None:
    with _install_lock:
        if _state["installed"]:
            return

        @llama_cpp.llama_log_callback
        def _capture(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
            # Runs on whatever thread llama.cpp logs from: only append to a bounded deque.
            if level == _CONT:
                level = _state["last_level"]
            _state["last_level"] = level
            if level >= _WARN:
                _recent.append(text.decode("utf-8", errors="replace").rstrip())

        _state["callback"] = _capture  # keep a reference: the C side holds only a pointer
        llama_cpp.llama_log_set(_capture, ctypes.c_void_p(0))
        _state["installed"] = True


def recent_log() -> list[str]:
    """The last warnings and errors llama.cpp reported (for diagnostics)."""
    return [line for line in _recent if line]


def supports_gpu_offload() -> bool:
    """Whether this llama.cpp build can offload layers to a GPU (CUDA, Metal, Vulkan...)."""
    try:
        return bool(llama_cpp_module().llama_supports_gpu_offload())
    except Exception:  # a broken native install must not stop the app: treat as CPU-only
        return False


def load_llama(path: Path, architecture: str = "", **params: Any):
    """Create a ``llama_cpp.Llama`` for ``path``, mapping any failure to a plain ModelError.

    Raises:
        ModelError: the file cannot be loaded (unsupported architecture, damaged data, not
            enough memory...), with the reason llama.cpp gave when there is one.
    """
    try:
        llama_cpp = llama_cpp_module()
    except Exception as exc:  # ImportError or a native library that fails to load
        raise ModelError(
            f"The model runtime (llama.cpp) could not be started: {exc}.",
            "Reinstall SLM Assistant.",
        ) from None
    # Loads are rare: run them one at a time so the captured log belongs to this load only.
    with _load_lock:
        _recent.clear()
        try:
            return llama_cpp.Llama(model_path=str(path), verbose=False, **params)
        except MemoryError:
            raise ModelError(f"There is not enough memory to load '{path.name}'.", "Close other programs or choose a smaller model.") from None
        except Exception as exc:
            raise explain_failure(path, architecture, list(_recent), exc) from None


def explain_failure(path: Path, architecture: str, log_lines: list[str], exc: BaseException) -> ModelError:
    """Turn llama.cpp's log and exception into one plain sentence."""
    log = "\n".join(log_lines).lower()
    name = path.name
    if "unknown model architecture" in log or "unknown architecture" in log:
        arch = architecture or _quoted_after(log, "unknown model architecture") or "of this model"
        return ModelError(
            f"This model's architecture '{arch}' is not supported by this version of SLM Assistant.",
            "Choose another model, or update SLM Assistant.",
        )
    if "not within the file bounds" in log or "truncated" in log or "unexpectedly reached end of file" in log:
        return ModelError(f"The model file '{name}' is incomplete or damaged.", "Copy or download the model again.")
    if "failed to allocate" in log or "out of memory" in log or "unable to allocate" in log:
        return ModelError(f"There is not enough memory to load '{name}'.", "Close other programs, reduce the context size, or choose a smaller model.")
    reason = str(exc).lower()
    if "failed to create llama_context" in reason or "failed to create context" in reason or "failed to create llama_context" in log:
        return ModelError(
            f"'{name}' loaded, but its working memory could not be set up.",
            "Reduce the context size in Settings or choose a smaller model.",
        )
    detail = next((line for line in reversed(log_lines) if line), "")
    return ModelError(
        f"The model '{name}' could not be loaded" + (f" ({detail.strip()})." if detail else "."),
        "The file may be damaged or use a format this version does not support; choose another model.",
    )


def _quoted_after(text: str, marker: str) -> str:
    tail = text.split(marker, 1)[-1]
    if "'" in tail:
        parts = tail.split("'")
        if len(parts) >= 2:
            return parts[1]
    return ""


def probe_loadable(path: Path, architecture: str = "") -> None:
    """Check that this llama.cpp can load ``path`` by reading only its vocabulary (fast).

    Raises:
        ModelError: as ``load_llama``.
    """
    llama = load_llama(path, architecture, vocab_only=True)
    llama.close()
