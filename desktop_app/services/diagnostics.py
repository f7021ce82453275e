"""A plain-text report for IT support: versions, CPU, model, policy and the last logged problems.

Shared by ``slm-assistant diagnostics`` and the window (Help -> Copy diagnostics). It never loads
a model or imports a heavy library to find something out: versions come from package metadata,
CPU features from the operating system, the model's device only if it is already loaded. It holds
no question, answer or document text: the log it quotes holds none by default
(``core.logging_setup``), and paths are shown by file name only where a user name could appear.
"""

from __future__ import annotations

import os
import platform
import re
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from desktop_app import PRODUCT_NAME, __version__
from desktop_app.core.logging_setup import LOG_FILE_NAME

# Distributions whose versions matter when something breaks (import names differ; metadata does not import).
# PySide6 is installed as PySide6 or as its Essentials part alone: the first one found is shown.
PACKAGES = ("llama_cpp_python", ("PySide6", "PySide6_Essentials"), "chromadb", "sentence-transformers", "torch",
            "pypdf", "httpx")
# CPU features llama.cpp's speed depends on, as the OS names them (Linux /proc/cpuinfo flags).
CPU_FLAGS = ("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512_vnni", "amx_tile", "asimd", "sve")
PROBLEM_LEVELS = ("WARNING", "ERROR", "CRITICAL")
# A record's first line as logging_setup.FORMAT writes it: "2026-01-02 10:11:12,345 ERROR [thread] name: message".
_RECORD_START = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} ([A-Z]+) ")


def diagnostics_report(core: Any, max_problems: int = 20) -> str:
    """The report as text, one ``Key: value`` a line, ready to paste into a support ticket.

    Args:
        core: the running Core (nothing is built or loaded that is not already).
        max_problems: how many of the most recent logged warnings and errors to include.
    """
    lines = [f"{PRODUCT_NAME} {__version__}"]
    lines.append(f"Python: {platform.python_version()} ({sys.executable and Path(sys.executable).name})")
    lines.append(f"System: {platform.platform()} ({platform.machine() or 'unknown machine'})")
    lines.append(f"CPU: {os.cpu_count() or '?'} logical cores; features: {cpu_features() or 'unknown'}")
    lines.append("Packages: " + ", ".join(f"{name} {version}" for name, version in package_versions().items()))
    lines.extend(_model_lines(core))
    lines.extend(_settings_lines(core))
    log_file = core.paths.logs_dir / LOG_FILE_NAME
    problems = recent_problems(log_file, max_problems)
    lines.append(f"Log: {log_file}")
    if problems:
        lines.append(f"Last {len(problems)} logged problems:")
        lines.extend(f"  {p}" for p in problems)
    else:
        lines.append("Logged problems: none")
    return "\n".join(lines) + "\n"


def package_versions() -> dict[str, str]:
    out = {}
    for entry in PACKAGES:
        names = (entry,) if isinstance(entry, str) else entry
        out[names[0]] = "not installed"
        for name in names:
            try:
                out[names[0]] = metadata.version(name)
                break
            except metadata.PackageNotFoundError:
                continue
    return out


def cpu_features(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The speed-relevant CPU features the OS reports ("avx avx2 fma f16c"); "" where it cannot tell."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""  # macOS and Windows: the model's own runtime line (below) names them once it loaded
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            present = set(value.split())
            return " ".join(flag for flag in CPU_FLAGS if flag in present)
    return ""


def recent_problems(log_file: Path, limit: int) -> list[str]:
    """The first line of each of the last ``limit`` WARNING/ERROR records in the log (no tracebacks)."""
    try:
        with open(log_file, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        match = _RECORD_START.match(line)
        if match and match.group(1) in PROBLEM_LEVELS:
            found.append(line[:300])
    return found[-limit:] if limit > 0 else []


def _model_lines(core: Any) -> list[str]:
    path = core.settings.llm.model_path
    lines = [f"Model setting: {Path(path).name if path else 'the bundled model'}"]
    backend = core.loaded_backend()
    if backend is None:
        lines.append("Model loaded: no")
        return lines
    device = getattr(backend, "device_label", "") or "device unknown"
    lines.append(f"Model loaded: {getattr(backend, 'model_name', '?')}, context {getattr(backend, 'context_length', '?')} "
                 f"tokens, {device}")
    general = core.loaded_general_backend()
    if general is not None:
        lines.append(f"Model for questions without documents: {getattr(general, 'model_name', '?')}")
    features = " ".join(re.findall(r"\b([A-Z][A-Z0-9_]*) = 1", str(getattr(backend, "system_info", "") or "")))
    if features:
        lines.append(f"Model runtime features: {features}")
    return lines


def _settings_lines(core: Any) -> list[str]:
    s = core.settings
    policy = core.policy
    lines = [f"Routing: {s.routing.policy}; embedder: {s.rag.embedder}; GPU offload: {s.llm.gpu_offload}; "
             f"threads: {s.llm.threads or 'auto'}"]
    if policy.values:
        lines.append(f"Managed by policy ({policy.source}): {', '.join(sorted(policy.values))}")
    if policy.problem:
        lines.append(f"Policy problem: {policy.problem}")
    return lines
