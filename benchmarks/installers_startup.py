"""Frozen (PyInstaller) app start-up against the same app run from source, in fresh processes.

Measures, for the bundle in dist/slm-assistant (build it with installers/build-bundle.sh):
- time-to-window: spawn -> the child prints "window shown" (SLM_ASSISTANT_SMOKE_WINDOW=1, offscreen),
  frozen vs `python -m desktop_app` from source (the baseline, same run, alternating);
- the frozen `self-test` duration (loads the model and generates a few tokens) vs from source;
- the bundle's size on disk (du).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/installers_startup.py --json [--runs 3]

Prints one JSON object: window_frozen_s, window_source_s, window_ratio, selftest_frozen_s,
selftest_source_s, bundle_bytes, runs (medians over runs).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLM_")}
    env.update(SLM_ASSISTANT_HOME=str(home), SLM_ASSISTANT_POLICY_FILE=str(home / "no-policy.json"),
               QT_QPA_PLATFORM="offscreen", HF_HUB_OFFLINE="1")
    env.update(extra)
    return env


def time_to_window(cmd: list[str], home: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env_for(home, SLM_ASSISTANT_SMOKE_WINDOW="1"), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, cwd=REPO)
    watchdog = threading.Timer(180, proc.kill)  # never hang on a window that does not show
    watchdog.start()
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    proc.communicate(timeout=120)
    watchdog.cancel()
    if line.strip() != "window shown" or proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} did not show its window (rc={proc.returncode})")
    return elapsed


def time_selftest(cmd: list[str], home: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run([*cmd, "self-test"], env=env_for(home), capture_output=True, text=True, timeout=600, cwd=REPO)
    if proc.returncode != 0:
        raise SystemExit(f"self-test failed:\n{proc.stdout}{proc.stderr}")
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default=str(REPO / "dist" / "slm-assistant"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    bundle = Path(args.bundle)
    frozen = [str(bundle / "slm-assistant")]
    source = [sys.executable, "-m", "desktop_app"]
    results: dict[str, list[float]] = {"wf": [], "ws": [], "sf": [], "ss": []}
    with tempfile.TemporaryDirectory() as tmp:
        homes = {name: Path(tmp) / name for name in ("frozen", "source")}
        # Warm-up: first start links/assembles the model and fills the OS file cache for both.
        time_selftest(frozen, homes["frozen"])
        time_selftest(source, homes["source"])
        for _ in range(args.runs):
            results["wf"].append(time_to_window(frozen, homes["frozen"]))
            results["ws"].append(time_to_window(source, homes["source"]))
            results["sf"].append(time_selftest(frozen, homes["frozen"]))
            results["ss"].append(time_selftest(source, homes["source"]))
    size = int(subprocess.run(["du", "-sb", str(bundle)], capture_output=True, text=True, check=True).stdout.split()[0])
    med = {k: statistics.median(v) for k, v in results.items()}
    out = {
        "window_frozen_s": round(med["wf"], 3),
        "window_source_s": round(med["ws"], 3),
        "window_ratio": round(med["wf"] / med["ws"], 3),
        "selftest_frozen_s": round(med["sf"], 2),
        "selftest_source_s": round(med["ss"], 2),
        "bundle_bytes": size,
        "runs": args.runs,
    }
    print(json.dumps(out) if args.json else "\n".join(f"{k}: {v}" for k, v in out.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
