"""The installed llama.cpp runtime picks the CPU code this processor can run, never AMX.

scripts/install-llama-runtime.sh builds every x86-64 CPU variant and deletes the AMX one; the app
loads the best of the rest (llama_runtime._load_cpu_backend). Checked here against the real
runtime and this machine's own CPU flags.
"""

from __future__ import annotations

import platform
import re
from pathlib import Path

import pytest

from desktop_app.llm.llama_runtime import AMX_VARIANTS, cpu_variants, llama_cpp_module, portability_problem

pytestmark = pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"), reason="x86-64 dispatch")


def _cpu_flags() -> set[str]:
    text = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").is_file() else ""
    line = next((l for l in text.splitlines() if l.startswith("flags")), "")
    return set(line.split(":", 1)[-1].split())


def test_installed_runtime_is_portable_and_dispatches():
    llama_cpp = llama_cpp_module()
    assert portability_problem() == ""
    _, variants = cpu_variants(llama_cpp)
    names = {v.name.split(".")[0] for v in variants}
    assert "libggml-cpu-x64" in names and "libggml-cpu-haswell" in names  # any x86-64 CPU has code it can run
    assert not any(amx in n for n in names for amx in AMX_VARIANTS)


@pytest.mark.skipif(not Path("/proc/cpuinfo").is_file(), reason="reads the CPU flags from /proc/cpuinfo")
def test_the_loaded_variant_uses_what_this_cpu_has():
    info = llama_cpp_module().llama_print_system_info().decode(errors="replace")
    flags = _cpu_flags()
    used = set(re.findall(r"(\w+) = 1", info))
    assert "AMX_INT8" not in used and "AMX_TILE" not in used
    if "avx2" in flags:
        assert "AVX2" in used
    if {"avx512f", "avx512_vnni"} <= flags:
        assert {"AVX512", "AVX512_VNNI"} <= used  # the faster kernels of this CPU, not the AVX2 baseline
