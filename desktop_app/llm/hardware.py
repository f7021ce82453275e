"""CPU thread and GPU offload choices for llama.cpp (pure functions; no llama_cpp import)."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

from desktop_app.core.errors import SettingsError

ALL_LAYERS = -1  # llama-cpp-python's "offload every layer"


def physical_core_count() -> int:
    """Physical cores this process may use; the default thread count for generation.

    Token generation is memory-bound and gains nothing from SMT siblings (they often slow it
    down), so llama.cpp is fastest with one thread per physical core. How it is found:
    Linux: distinct (package, core) ids in sysfs for the CPUs in our affinity mask (respects
    taskset/cgroups); macOS: ``sysctl hw.physicalcpu``; elsewhere (Windows): logical CPUs
    halved when there are 4 or more, a fair guess for SMT-2 parts without extra dependencies.
    """
    try:
        allowed = sorted(os.sched_getaffinity(0))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        allowed = list(range(os.cpu_count() or 1))
    logical = max(1, len(allowed))
    system = platform.system()
    if system == "Linux":
        cores = _linux_physical_cores(allowed)
        if cores:
            return min(cores, logical)
    elif system == "Darwin":
        try:
            out = subprocess.run(["sysctl", "-n", "hw.physicalcpu"], capture_output=True, text=True, timeout=2)
            return max(1, min(int(out.stdout.strip()), logical))
        except (OSError, ValueError, subprocess.SubprocessError):
            pass
    return logical // 2 if logical >= 4 else logical


def _linux_physical_cores(cpus: list[int], sysfs: Path = Path("/sys/devices/system/cpu")) -> int:
    seen: set[tuple[str, str]] = set()
    for cpu in cpus:
        topo = sysfs / f"cpu{cpu}" / "topology"
        try:
            package = (topo / "physical_package_id").read_text().strip()
            core = (topo / "core_id").read_text().strip()
        except OSError:
            return 0
        seen.add((package, core))
    return len(seen)


def resolve_threads(setting: int) -> int:
    """``llm.threads``: 0 means physical cores; any positive number is used as given."""
    return setting if setting and setting > 0 else physical_core_count()


def resolve_gpu_layers(setting: str, supports_gpu_offload: bool) -> int:
    """Translate ``llm.gpu_offload`` into llama.cpp's ``n_gpu_layers``.

    ``auto``: every layer when this llama.cpp build can offload (CUDA, Metal, Vulkan...),
    else none; ``cpu``: none; ``all``: every layer; a number: that many layers.
    A build without GPU support simply runs on the CPU whatever is asked.

    Raises:
        SettingsError: the value is none of the above.
    """
    value = str(setting or "auto").strip().lower()
    if value == "auto":
        layers = ALL_LAYERS if supports_gpu_offload else 0
    elif value == "cpu":
        layers = 0
    elif value == "all":
        layers = ALL_LAYERS
    else:
        try:
            layers = int(value)
        except ValueError:
            raise SettingsError(
                f"'{setting}' is not a valid GPU offload setting.", "Use auto, cpu, all or a number of layers."
            ) from None
        if layers < 0:
            raise SettingsError(f"'{setting}' is not a valid number of GPU layers.", "Use 0 or more, or 'all'.")
    return layers if supports_gpu_offload else 0


def device_label(n_gpu_layers: int, total_layers: int, threads: int) -> str:
    """What the status bar shows, e.g. ``GPU · 18 layers`` or ``CPU · 4 threads``."""
    if n_gpu_layers == 0:
        return f"CPU · {threads} thread{'s' if threads != 1 else ''}"
    offloaded = total_layers if n_gpu_layers == ALL_LAYERS or (total_layers and n_gpu_layers > total_layers) else n_gpu_layers
    if total_layers and offloaded < total_layers:
        return f"GPU · {offloaded} of {total_layers} layers + CPU · {threads} threads"
    return f"GPU · {offloaded} layers"
