"""Session fixtures for the installer tests: the PyInstaller bundle (built once), the MSI and the .deb.

The bundle takes minutes to build, so it is built at most once per test session, from the same
`installers/build-bundle.sh` a developer runs, with the session's already assembled GGUF.
SLM_TEST_BUNDLE=<folder> reuses an existing bundle instead (a developer re-running the tests).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
INSTALLERS = REPO / "installers"


@dataclass
class BuiltBundle:
    path: Path
    build_seconds: float  # 0 when reused


def run_script(args, env=None, timeout=1800, cwd=REPO) -> subprocess.CompletedProcess:
    """Run a build script; fail the test with its output tail if it fails. Its last line is the artefact."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(args, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
    return proc


def last_line(proc: subprocess.CompletedProcess) -> Path:
    return Path(proc.stdout.strip().splitlines()[-1])


def require_tools(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (apt-get install wixl msitools osslsigncode dpkg; CI installs them)")


def require_root(why: str) -> None:
    if os.geteuid() != 0:
        pytest.skip(f"needs root to {why} (CI runs as root)")


@pytest.fixture(scope="session")
def frozen_bundle(bundled_model_path) -> BuiltBundle:
    """dist/slm-assistant built by installers/build-bundle.sh (or SLM_TEST_BUNDLE)."""
    given = os.environ.get("SLM_TEST_BUNDLE")
    if given:
        return BuiltBundle(Path(given), 0.0)
    if sys.platform != "linux":
        pytest.skip("the Linux bundle is built on Linux")
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        pytest.skip("PyInstaller is not installed (pip install -e '.[packaging]')")
    start = time.monotonic()
    proc = run_script(["bash", str(INSTALLERS / "build-bundle.sh")], env={"SLM_BUNDLE_MODEL": str(bundled_model_path)}, timeout=2400)
    return BuiltBundle(last_line(proc), time.monotonic() - start)


@pytest.fixture(scope="session")
def frozen_exe(frozen_bundle) -> Path:
    exe = frozen_bundle.path / "slm-assistant"
    assert exe.is_file() and os.access(exe, os.X_OK), f"no executable in {frozen_bundle.path}"
    return exe


def frozen_env(home: Path, policy_file: Path, **extra: str) -> dict[str, str]:
    """A clean environment for the frozen app: its own home and policy, no venv leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "SLM_"))}
    env.update(SLM_ASSISTANT_HOME=str(home), SLM_ASSISTANT_POLICY_FILE=str(policy_file), QT_QPA_PLATFORM="offscreen")
    env.update(extra)
    return env
