"""The one place that imports llama_cpp: CPU dispatch, quiet logging, loading, and plain-language load errors.

llama.cpp writes its logs to stderr from C (and llama-cpp-python's own callback maps the log
levels of this llama.cpp wrongly, so warnings leak). We install our own callback that keeps the
last warnings/errors in memory, never prints them, and uses them to explain a failed load.
"""

from __future__ import annotations

import collections
import ctypes
import logging
import os
import re
import sys
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
_log = logging.getLogger(__name__)
# The CPU backends of a runtime with run-time dispatch: one library per CPU generation, named
# like libggml-cpu-haswell.so (ggml-cpu-haswell.dll on Windows), beside libllama.
_CPU_VARIANT_GLOB = "*ggml-cpu-*.dll" if sys.platform == "win32" else "libggml-cpu-*.*"
# Pins the CPU variant ("haswell": the AVX2 baseline) instead of the best one: for support, when
# a variant misbehaves on some processor, and for benchmarks/cpu_dispatch.py's baseline.
VARIANT_ENV = "SLM_LLAMA_CPU_VARIANT"
# CPU variants with llama.cpp's AMX kernels, which segfault on the first token (llama.cpp issue
# 20824): the install script deletes them, and a runtime holding one is refused.
AMX_VARIANTS = ("sapphirerapids",)


def llama_cpp_module():
    """Import llama_cpp lazily (heavy: loads the native library) with quiet logging, and the CPU
    backend that suits this CPU."""
    import llama_cpp

    _install_quiet_logging(llama_cpp)
    _load_cpu_backend(llama_cpp)
    return llama_cpp


def _load_cpu_backend(llama_cpp: Any) -> None:
    """Register the best CPU backend for this processor, once.

    scripts/install-llama-runtime.sh builds llama.cpp the way its own releases are built on x86:
    the CPU code once per CPU generation (GGML_CPU_ALL_VARIANTS), each a library loaded at run
    time (GGML_BACKEND_DL), so an AVX-512 or VNNI machine runs its faster kernels (a grounded
    prompt read 1.29x faster than with the AVX2 code on a 2-core Xeon: benchmarks/cpu_dispatch.py)
    and an older CPU still gets code it can run. Such a build registers no backend until asked:
    ``ggml_backend_load_all_from_path`` scores every variant in the library folder against this
    CPU and loads the best. The variant with AMX is not
    installed (it crashes on the first token: llama.cpp issue 20824). A runtime with its CPU code
    linked in (macOS, or an older install) already has a backend, and nothing is done.
    ``SLM_LLAMA_CPU_VARIANT=haswell`` (a variant's name) loads that variant instead.
    """
    with _install_lock:
        if _state.get("backends_loaded"):
            return
        _state["backends_loaded"] = True
        lib_dir, variants = cpu_variants(llama_cpp)
        if not variants:
            return
        ggml = _ggml_library(lib_dir)
        if ggml is None or ggml.ggml_backend_reg_count() > 0:
            return
        want = os.environ.get(VARIANT_ENV, "").strip().lower()
        pinned = next((v for v in variants if want and v.name.split(".")[0].endswith(f"ggml-cpu-{want}")), None)
        if want and pinned is None:
            _log.warning("%s=%s names no installed CPU variant; using the best one.", VARIANT_ENV, want)
        if pinned is not None:
            ggml.ggml_backend_load(str(pinned).encode())
        else:
            ggml.ggml_backend_load_all_from_path(str(lib_dir).encode())
        if ggml.ggml_backend_reg_count() == 0:
            _log.error("No llama.cpp CPU backend suits this processor (tried %s).", ", ".join(v.name for v in variants))


def cpu_variants(llama_cpp: Any) -> tuple[Path, list[Path]]:
    """The package's library folder and the CPU variant libraries in it (none: CPU code linked in)."""
    lib_dir = Path(llama_cpp.__file__).resolve().parent / "lib"
    return lib_dir, (sorted(lib_dir.glob(_CPU_VARIANT_GLOB)) if lib_dir.is_dir() else [])


def portability_problem() -> str:
    """Why this llama.cpp runtime must not be used or shipped, in one line; "" when it is fine.

    Run by scripts/install-llama-runtime.sh and the installers. A dispatching runtime must hold no
    AMX variant and must have registered a backend with no AMX; a runtime with its CPU code linked
    in must have been built without AVX-512 or AMX (a native build crashes on AMX Xeons and dies
    with an illegal instruction on older CPUs).
    """
    llama_cpp = llama_cpp_module()
    info = llama_cpp.llama_print_system_info().decode(errors="replace")
    _, variants = cpu_variants(llama_cpp)
    if variants:
        amx = [v.name for v in variants if any(name in v.name for name in AMX_VARIANTS)]
        if amx:
            return f"the runtime holds CPU code with AMX kernels ({', '.join(amx)}), which crash on the first token"
        if re.search(r"AMX\w* = 1", info) or "CPU :" not in info:
            return f"no usable CPU backend was registered ({info.strip() or 'none'})"
        return ""
    native = re.findall(r"(AMX\w*|AVX512\w*) = 1", info)
    return f"llama-cpp-python was built with {', '.join(native)}: not portable ({info.strip()})" if native else ""


def ggml_library_path(lib_dir: Path) -> Path | None:
    """The libggml file libllama was linked to (its soname: libggml.so.0 on Linux).

    Wheels hold copies, not links: libggml.so, libggml.so.0 and libggml.so.0.25.3 are three files,
    and a library opened under another name than libllama's would be a second copy with an empty
    backend registry of its own (backends loaded there are never seen by llama.cpp).
    """
    if sys.platform == "win32":
        names = ["ggml.dll"]
    else:
        sonames = sorted(p.name for p in lib_dir.glob("libggml.so.*") if re.fullmatch(r"libggml\.so\.\d+", p.name))
        names = sonames + ["libggml.0.dylib", "libggml.dylib", "libggml.so"]
    return next((lib_dir / n for n in names if (lib_dir / n).is_file()), None)


def _ggml_library(lib_dir: Path) -> Any:
    """libggml as libllama loaded it (the same handle), with the registry's signatures."""
    path = ggml_library_path(lib_dir)
    if path is None:
        return None
    ggml = ctypes.CDLL(str(path))
    ggml.ggml_backend_reg_count.restype = ctypes.c_size_t
    ggml.ggml_backend_reg_count.argtypes = []
    ggml.ggml_backend_load.restype = ctypes.c_void_p
    ggml.ggml_backend_load.argtypes = [ctypes.c_char_p]
    ggml.ggml_backend_load_all_from_path.restype = None
    ggml.ggml_backend_load_all_from_path.argtypes = [ctypes.c_char_p]
    return ggml


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
    if "no backends are loaded" in log:  # a dispatching runtime with no CPU variant for this processor
        return ModelError(
            "The model runtime (llama.cpp) has no code that runs on this processor.",
            "Reinstall SLM Assistant; if this happens again, tell your IT team which processor this computer has.",
        )
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
