"""A faster copy of the bundled model for CPUs: its Q4_K_M weights rewritten as Q8_0, once.

Why: on x86 CPUs llama.cpp multiplies Q8_0 (and Q4_0) weights with its fast tiled kernels
(llamafile sgemm); the shipped file's Q5_0 and Q4_K tensors have no such path. For the bundled
0.5B model the Q8_0 copy reads a grounded prompt faster: 1.22x with llama.cpp's AVX2 code, 1.08x
with its AVX-512 code (an AMD EPYC, 2 cores), and writes 6-8 % slower (benchmarks/fast_weights.py,
README). Being a finer grid than the Q4_K_M it is made from, it answers the same
(benchmarks/answer_quality.py). It costs about 175 MB of disk and a few seconds once, at the
first model load after install.

The conversion runs llama.cpp's own quantizer (``llama_model_quantize``) in a child process: a
native crash there costs only the speed-up (the app loads the Q4_K_M file), never the app. The
copy is written under a temporary name and renamed when whole; a sidecar records which source
it was made from, so a changed bundled model gets a fresh copy.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
from pathlib import Path

log = logging.getLogger(__name__)

SUFFIX = ".q8_0.gguf"
SIDECAR = ".made-from.json"
CONVERT_TIMEOUT_S = 600  # a slow disk and 2 busy cores; a normal run takes 5-15 s


def fast_copy_path(source: Path) -> Path:
    """``qwen…-q4_k_m.gguf`` -> ``qwen…-q4_k_m.q8_0.gguf`` beside it."""
    return source.with_name(source.name.removesuffix(".gguf") + SUFFIX)


def is_fast_copy(path: Path) -> bool:
    """True for a copy this module made (listed with the bundled model, not as a model of its own)."""
    return path.name.endswith(SUFFIX) and _sidecar(path).is_file()


def ensure_fast_copy(source: Path, source_sha256: str) -> Path | None:
    """The Q8_0 copy of ``source`` (verified by ``source_sha256``), made now if missing.

    Returns None when it cannot be made (no disk space, the quantizer failed): the caller then
    runs ``source`` itself. Slow the first time (seconds): never call it on the GUI thread.
    """
    target = fast_copy_path(source)
    if _is_current(target, source_sha256):
        return target
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        ctx = multiprocessing.get_context("spawn")  # never fork: the parent may hold Qt and threads
        child = ctx.Process(target=_quantize, args=(str(source), str(tmp)), daemon=True, name="slm-fast-weights")
        child.start()
        child.join(CONVERT_TIMEOUT_S)
        if child.is_alive():
            child.kill()
            child.join(5)
        if child.exitcode != 0 or not tmp.is_file():
            log.warning("The faster copy of %s could not be made (quantizer exit code %s); using the original.",
                        source.name, child.exitcode)
            return None
        from desktop_app.llm.gguf_info import read_gguf_info

        if read_gguf_info(tmp).quantization != "Q8_0":
            log.warning("The faster copy of %s is not Q8_0; using the original.", source.name)
            return None
        os.replace(tmp, target)
        _record(target, source_sha256)
        return target
    except Exception as exc:  # noqa: BLE001 - any failure only costs the speed-up
        log.warning("The faster copy of %s could not be made (%s); using the original.", source.name, exc)
        return None
    finally:
        tmp.unlink(missing_ok=True)


def _quantize(source: str, output: str) -> None:
    """Runs in the child process: llama.cpp's quantizer, Q8_0, requantizing the Q4_K_M tensors."""
    import ctypes

    # llama.cpp logs every tensor it converts to stdout/stderr; this child shares the CLI's
    # terminal, where `ask --json` output must stay clean.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    from desktop_app.llm.llama_runtime import llama_cpp_module

    llama_cpp = llama_cpp_module()  # with its CPU backend registered (a dispatching runtime has none until then)
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0
    params.allow_requantize = True
    params.nthread = max(1, os.cpu_count() or 1)
    code = llama_cpp.llama_model_quantize(source.encode(), output.encode(), ctypes.byref(params))
    raise SystemExit(0 if code == 0 else 1)


def _sidecar(target: Path) -> Path:
    return target.with_name(target.name + SIDECAR)


def _is_current(target: Path, source_sha256: str) -> bool:
    try:
        st = target.stat()
        record = json.loads(_sidecar(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (record.get("source_sha256") == source_sha256 and record.get("size") == st.st_size
            and record.get("mtime_ns") == st.st_mtime_ns)


def _record(target: Path, source_sha256: str) -> None:
    st = target.stat()
    try:
        _sidecar(target).write_text(json.dumps({"source_sha256": source_sha256, "size": st.st_size,
                                                "mtime_ns": st.st_mtime_ns}), encoding="utf-8")
    except OSError:
        pass  # only costs a second conversion next time
