"""ModelManager on synthetic GGUF files: bundled assembly once, active model, add/use, policy."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.core.errors import ModelError, PolicyError
from desktop_app.llm import bundled as bundled_mod
from desktop_app.llm import llama_runtime
from desktop_app.llm.bundled import BundledSource, ensure_bundled_model
from desktop_app.llm.models import ModelManager
from tests.model_fixtures import gguf_bytes, write_gguf

BUNDLED_BYTES = gguf_bytes({"general.architecture": "gemma3", "general.name": "Bundled Tiny", "gemma3.context_length": 32768,
                            "general.file_type": 15})


class CountingAssembler:
    """Stands in for the chunk package: writes the bundled bytes and counts calls."""

    def __init__(self, data: bytes = BUNDLED_BYTES) -> None:
        self.data = data
        self.calls = 0

    def __call__(self, output_path, overwrite=False):
        self.calls += 1
        Path(output_path).write_bytes(self.data)
        return Path(output_path)


def _source(assembler, sha=None) -> BundledSource:
    return BundledSource("bundled.gguf", sha or hashlib.sha256(BUNDLED_BYTES).hexdigest(), assembler)


@pytest.fixture
def probes(monkeypatch):
    """Record the llama.cpp vocab-only probe instead of loading synthetic (weightless) files."""
    calls: list[Path] = []
    monkeypatch.setattr(llama_runtime, "probe_loadable", lambda path, arch="": calls.append(Path(path)))
    return calls


def _manager(tmp_path, assembler=None, policy=None, settings=None) -> ModelManager:
    paths = AppPaths.resolve(tmp_path / "home")
    return ModelManager(paths, settings or Settings(), policy or MachinePolicy(), _source(assembler or CountingAssembler()))


def test_bundled_is_assembled_once_then_trusted_by_sidecar(tmp_path, monkeypatch):
    assembler = CountingAssembler()
    target = ensure_bundled_model(tmp_path, _source(assembler))
    assert target.read_bytes() == BUNDLED_BYTES and assembler.calls == 1
    hashed: list[Path] = []
    real = bundled_mod.sha256_of
    monkeypatch.setattr(bundled_mod, "sha256_of", lambda p: hashed.append(p) or real(p))
    assert ensure_bundled_model(tmp_path, _source(assembler)) == target
    assert assembler.calls == 1 and hashed == []  # size+mtime matched the sidecar: no re-hash
    os.utime(target, ns=(1, 1))  # touched: re-hash once, still valid, no re-assembly
    ensure_bundled_model(tmp_path, _source(assembler))
    assert assembler.calls == 1 and hashed == [target]


def test_damaged_bundled_file_is_reassembled(tmp_path):
    assembler = CountingAssembler()
    target = ensure_bundled_model(tmp_path, _source(assembler))
    target.write_bytes(b"GGUF garbage")
    ensure_bundled_model(tmp_path, _source(assembler))
    assert assembler.calls == 2 and target.read_bytes() == BUNDLED_BYTES


def test_wrong_checksum_is_a_model_error_and_leaves_nothing(tmp_path):
    with pytest.raises(ModelError, match="damaged"):
        ensure_bundled_model(tmp_path, _source(CountingAssembler(b"other bytes"), sha=hashlib.sha256(BUNDLED_BYTES).hexdigest()))
    assert list(tmp_path.iterdir()) == []


def test_active_model_defaults_to_bundled(tmp_path):
    manager = _manager(tmp_path)
    active = manager.active_model_path()
    assert active == manager.bundled_path and active.exists()
    infos = manager.list_models()
    assert [(m.name, m.bundled, m.active) for m in infos] == [("Bundled Tiny", True, True)]
    assert infos[0].quantization == "Q4_K_M" and infos[0].prompt_format == "completion"


def test_add_and_use_a_user_model(tmp_path, probes):
    manager = _manager(tmp_path)
    user = write_gguf(tmp_path / "chatty.gguf", name="Chatty", chat_template="{{ messages[0].content }}")
    info = manager.add_model(user)
    assert probes == [user.resolve()]
    assert info.has_chat_template and info.prompt_format == "chat template" and not info.active
    assert manager.settings.llm.user_models == [str(user.resolve())]
    manager.add_model(user)  # adding twice keeps one entry
    assert manager.settings.llm.user_models == [str(user.resolve())]
    assert manager.use_model(user).active
    assert manager.active_model_path() == user.resolve()
    names = {m.name: m.active for m in manager.list_models()}
    assert names == {"Bundled Tiny": False, "Chatty": True}
    manager.use_model(None)
    assert manager.settings.llm.model_path == "" and manager.active_model_path() == manager.bundled_path


@pytest.mark.parametrize(
    "content, message",
    [(b"", "empty"), (b"not a model", "not a GGUF"), (None, "does not exist")],
)
def test_add_model_rejects_bad_files_before_probing(tmp_path, probes, content, message):
    path = tmp_path / "bad.gguf"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ModelError, match=message):
        _manager(tmp_path).add_model(path)
    assert probes == []


def test_missing_chosen_model_is_a_plain_error_and_listed_with_its_problem(tmp_path):
    settings = Settings()
    settings.llm.model_path = str(tmp_path / "gone.gguf")
    manager = _manager(tmp_path, settings=settings)
    with pytest.raises(ModelError, match="does not exist"):
        manager.active_model_path()
    gone = [m for m in manager.list_models() if m.problem]
    assert len(gone) == 1 and gone[0].active and "does not exist" in gone[0].problem


def test_policy_forbidding_user_models(tmp_path, probes):
    policy = MachinePolicy.from_mapping({"privacy": {"allow_user_models": False}}, "test")
    settings = policy.apply(Settings())
    settings.llm.model_path = str(write_gguf(tmp_path / "mine.gguf"))  # chosen before the policy arrived
    manager = _manager(tmp_path, policy=policy, settings=settings)
    assert manager.active_model_path() == manager.bundled_path  # ignored, bundled used
    with pytest.raises(PolicyError, match="organization"):
        manager.add_model(tmp_path / "mine.gguf")
    with pytest.raises(PolicyError):
        manager.download("qwen2.5-3b-instruct")
    assert probes == []


def test_policy_pinned_model(tmp_path, probes):
    pinned = write_gguf(tmp_path / "pinned.gguf", name="Pinned")
    policy = MachinePolicy.from_mapping({"llm.model_path": str(pinned), "privacy.allow_user_models": False}, "test")
    manager = _manager(tmp_path, policy=policy, settings=policy.apply(Settings()))
    assert manager.active_model_path() == pinned
    assert [m.name for m in manager.list_models() if m.active] == ["Pinned"]
    with pytest.raises(PolicyError, match="managed by your organization"):
        manager.use_model(None)


def test_unknown_catalogue_name(tmp_path):
    with pytest.raises(ModelError, match="no model called 'nope'"):
        _manager(tmp_path).download("nope")
