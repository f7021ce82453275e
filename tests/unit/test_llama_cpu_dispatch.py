"""Run-time CPU dispatch of the llama.cpp runtime: which libggml is opened, which runtimes are refused.

The logic only (file names, system-info lines); the real runtime is checked in
tests/integration/test_llama_cpu_dispatch.py.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from desktop_app.llm import llama_runtime
from desktop_app.llm.llama_runtime import ggml_library_path, portability_problem


def _package(tmp_path: Path, libs: list[str], info: str):
    """A stand-in llama_cpp package: its lib folder holds ``libs``; it reports ``info``."""
    lib = tmp_path / "llama_cpp" / "lib"
    lib.mkdir(parents=True)
    for name in libs:
        (lib / name).write_bytes(b"")
    init = tmp_path / "llama_cpp" / "__init__.py"
    init.write_text("")
    return SimpleNamespace(__file__=str(init), llama_print_system_info=lambda: info.encode())


@pytest.mark.skipif(sys.platform == "win32", reason="Linux library names")
def test_libggml_is_opened_by_its_soname_not_another_copy(tmp_path):
    # A wheel holds three copies; only libggml.so.0 is the one libllama was linked to.
    for name in ("libggml.so", "libggml.so.0", "libggml.so.0.25.3", "libggml-base.so.0"):
        (tmp_path / name).write_bytes(b"")
    assert ggml_library_path(tmp_path) == tmp_path / "libggml.so.0"


@pytest.mark.skipif(sys.platform == "win32", reason="Linux library names")
def test_libggml_without_soname_file_falls_back_to_the_plain_name(tmp_path):
    (tmp_path / "libggml.so").write_bytes(b"")
    assert ggml_library_path(tmp_path) == tmp_path / "libggml.so"
    assert ggml_library_path(tmp_path / "missing") is None


VARIANTS = ["libggml-cpu-x64.so", "libggml-cpu-haswell.so", "libggml-cpu-zen4.so"]


@pytest.mark.parametrize(
    "libs, info, problem",
    [
        (VARIANTS, "CPU : SSE3 = 1 | AVX2 = 1 | AVX512 = 1 | AVX512_VNNI = 1 |", ""),  # dispatch chose AVX-512: fine
        (VARIANTS + ["libggml-cpu-sapphirerapids.so"], "CPU : AVX2 = 1 |", "AMX kernels (libggml-cpu-sapphirerapids.so)"),
        (VARIANTS, "", "no usable CPU backend was registered"),
        ([], "CPU : SSE3 = 1 | AVX2 = 1 | FMA = 1 |", ""),  # linked-in AVX2 baseline: fine
        ([], "CPU : AVX2 = 1 | AVX512 = 1 | AMX_INT8 = 1 |", "built with AVX512, AMX_INT8: not portable"),
    ],
    ids=["dispatch-avx512", "dispatch-with-amx-variant", "dispatch-nothing-loaded", "linked-baseline", "linked-native"],
)
def test_portability_problem(tmp_path, monkeypatch, libs, info, problem):
    package = _package(tmp_path, libs, info)
    monkeypatch.setattr(llama_runtime, "llama_cpp_module", lambda: package)
    found = portability_problem()
    assert (problem in found and found) if problem else found == ""
