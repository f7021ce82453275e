"""Each platform's policy reader, fed with files (and a fake registry) written by the tests."""

from __future__ import annotations

import json
import plistlib
from pathlib import Path

import pytest

from desktop_app.config import policy_sources as ps
from desktop_app.config.policy import POLICY_KEYS, MachinePolicy
from desktop_app.config.settings import Settings

SCHEMA = Path(__file__).resolve().parents[2] / "resources" / "policy.schema.json"


def write_json(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def fake_registry(values):
    """A registry reader over a dict: {key path: {value name: value}}; absent key -> None."""
    return lambda key_path: values.get(key_path)


# --------------------------------------------------------------------------- Linux / JSON


def test_linux_file_locks_values_nested_and_dotted(tmp_path):
    path = write_json(
        tmp_path / "policy.json",
        {"routing": {"policy": "ask", "cloud": {"base_url": "https://llm.example.com/v1"}}, "privacy.allow_export": False},
    )
    policy = ps.read_linux_policy(path)
    assert policy.problem == ""
    assert policy.values == {
        "routing.policy": "ask",
        "routing.cloud.base_url": "https://llm.example.com/v1",
        "privacy.allow_export": False,
    }
    settings = policy.apply(Settings())
    assert settings.routing.policy == "ask" and settings.privacy.allow_export is False
    assert policy.is_locked("privacy.allow_export") and not policy.is_locked("llm.model_path")


def test_missing_file_is_empty_policy(tmp_path):
    policy = ps.read_linux_policy(tmp_path / "absent.json")
    assert policy.values == {} and policy.problem == ""


@pytest.mark.parametrize(
    "content, reason",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"routing.policy": "sometimes"}', "invalid"),
        ('{"routing.polcy": "auto"}', "unknown setting"),
        ('{"rag.chroma_port": "eighty"}', "invalid"),
        ('{"data_dir": "  "}', "empty data_dir"),
    ],
)
def test_malformed_file_gives_safest_reading_with_reason(tmp_path, content, reason):
    path = write_json(tmp_path / "policy.json", content)
    policy = ps.read_linux_policy(path)
    assert policy.values == {"routing.policy": "off"}
    assert reason in policy.problem and str(path) in policy.problem


def test_unreadable_file_is_safest(tmp_path):
    directory = tmp_path / "policy.json"
    directory.mkdir()  # reading a directory fails with an OSError other than "not found"
    policy = ps.read_policy_file(directory)
    assert policy.values == {"routing.policy": "off"} and "cannot be read" in policy.problem


def test_bom_from_notepad_is_accepted(tmp_path):
    path = tmp_path / "policy.json"
    path.write_bytes('\ufeff{"routing.policy": "off"}'.encode("utf-8"))
    assert ps.read_policy_file(path).values == {"routing.policy": "off"}
    assert ps.read_policy_file(path).problem == ""


def test_env_file_adds_locks_but_never_unlocks_what_it_locked(tmp_path, monkeypatch):
    managed = write_json(tmp_path / "etc-policy.json", {"routing.policy": "off", "privacy.allow_export": False})
    monkeypatch.setattr(ps, "LINUX_POLICY", managed)
    user_file = write_json(tmp_path / "p.json", {"routing.policy": "auto", "privacy.allow_user_models": False})
    monkeypatch.setenv(ps.POLICY_FILE_ENV, str(user_file))
    values = ps.read_platform_policy("linux").values
    # IT's values win; the environment file only adds a lock IT did not set.
    assert values == {"routing.policy": "off", "privacy.allow_export": False, "privacy.allow_user_models": False}


def test_env_file_alone_applies_when_no_managed_policy(tmp_path, monkeypatch):
    monkeypatch.setattr(ps, "LINUX_POLICY", tmp_path / "missing.json")
    path = write_json(tmp_path / "p.json", {"privacy.allow_user_models": False})
    monkeypatch.setenv(ps.POLICY_FILE_ENV, str(path))
    assert ps.read_platform_policy("linux").values == {"privacy.allow_user_models": False}


def test_core_routes_with_the_users_and_the_policys_on_device_only_collections(tmp_path, monkeypatch):
    """End to end through build_core: what the router reads is the union, the user's file keeps its own."""
    from desktop_app.app import build_core
    from desktop_app.config.settings import SettingsStore

    monkeypatch.setattr(ps, "LINUX_POLICY", write_json(tmp_path / "etc.json", {"routing.on_device_only_collections": ["hr"]}))
    monkeypatch.delenv(ps.POLICY_FILE_ENV, raising=False)
    home = tmp_path / "home"
    first = build_core(str(home))
    own = SettingsStore(first.paths.settings_file).load()
    own.set("routing.on_device_only_collections", ["diary"])
    SettingsStore(first.paths.settings_file).save(own)
    core = build_core(str(home))
    assert core.settings.routing.on_device_only_collections == ["hr", "diary"]
    assert SettingsStore(core.paths.settings_file).load().routing.on_device_only_collections == ["diary"]


# --------------------------------------------------------------------------- Windows


def test_windows_registry_friendly_and_dotted_names(tmp_path):
    reg = fake_registry(
        {
            ps.WINDOWS_POLICY_KEY: {
                "": "",  # the (Default) value
                "CloudPolicy": "ask",
                "CloudEndpoint": "https://llm.example.com/v1",
                "AllowExport": 0,  # REG_DWORD
                "privacy.allow_user_models": "false",
                "ChromaPort": 8123,
            }
        }
    )
    policy = ps.read_windows_registry(reg)
    assert policy.problem == ""
    assert policy.values == {
        "routing.policy": "ask",
        "routing.cloud.base_url": "https://llm.example.com/v1",
        "privacy.allow_export": False,
        "privacy.allow_user_models": False,
        "rag.chroma_port": 8123,
    }
    assert policy.source == "HKLM\\Software\\Policies\\SLM Assistant"


@pytest.mark.parametrize(
    "values, reason",
    [
        ({"CloudPolicyy": "auto"}, "unknown setting 'CloudPolicyy'"),
        ({"CloudPolicy": "maybe"}, "invalid"),
        ({"AllowExport": b"\x01"}, "binary value"),
    ],
)
def test_windows_registry_malformed_is_safest(values, reason):
    policy = ps.read_windows_registry(fake_registry({ps.WINDOWS_POLICY_KEY: values}))
    assert policy.values == {"routing.policy": "off"} and reason in policy.problem


def test_windows_registry_read_error_is_safest():
    def failing(_key):
        raise PermissionError("access denied")

    policy = ps.read_windows_registry(failing)
    assert policy.values == {"routing.policy": "off"} and "cannot be read" in policy.problem


def test_windows_registry_wins_over_programdata_file(tmp_path):
    program_data = tmp_path / "ProgramData"
    policy_file = ps.windows_policy_file({"ProgramData": str(program_data)})
    assert policy_file == program_data / "SLM Assistant" / "policy.json"
    write_json(policy_file, {"routing.policy": "auto", "privacy.allow_export": False})
    reg = fake_registry({ps.WINDOWS_POLICY_KEY: {"CloudPolicy": "off"}})
    policy = ps.read_windows_policy(reg, policy_file)
    assert policy.values == {"routing.policy": "off", "privacy.allow_export": False}
    assert policy.problem == ""


def test_windows_file_alone_when_no_registry_key(tmp_path):
    policy_file = write_json(tmp_path / "policy.json", {"llm.model_path": "C:\\Models\\corp.gguf"})
    policy = ps.read_windows_policy(fake_registry({}), policy_file)
    assert policy.values == {"llm.model_path": "C:\\Models\\corp.gguf"}


def test_broken_file_never_unlocks_what_registry_locked(tmp_path):
    policy_file = write_json(tmp_path / "policy.json", "{broken")
    reg = fake_registry({ps.WINDOWS_POLICY_KEY: {"CloudPolicy": "ask", "AllowExport": 0}})
    policy = ps.read_windows_policy(reg, policy_file)
    assert policy.values == {"routing.policy": "off", "privacy.allow_export": False}
    assert "not valid JSON" in policy.problem


def test_on_device_only_collections_are_a_floor_not_a_lock(tmp_path):
    """IT's collections always stay on the device; the user's own marks survive and may grow."""
    path = write_json(tmp_path / "policy.json", {"routing": {"on_device_only_collections": ["hr", "legal"]}})
    policy = ps.read_linux_policy(path)
    key = "routing.on_device_only_collections"
    assert policy.problem == "" and policy.required(key) == ["hr", "legal"]
    assert not policy.is_locked(key) and key not in policy.locked_keys
    policy.check_can_set(key)  # the user may still mark collections of their own
    user = Settings()
    user.set(key, ["medical", "hr"])
    assert policy.apply(user).routing.on_device_only_collections == ["hr", "legal", "medical"]
    assert policy.apply(Settings()).routing.on_device_only_collections == ["hr", "legal"]


def test_on_device_only_collections_from_every_source_hold(tmp_path):
    policy_file = write_json(tmp_path / "policy.json", {"routing.on_device_only_collections": ["finance"]})
    reg = fake_registry({ps.WINDOWS_POLICY_KEY: {"OnDeviceOnlyCollections": ["hr", "legal"]}})  # REG_MULTI_SZ
    policy = ps.read_windows_policy(reg, policy_file)
    assert policy.problem == ""
    assert policy.required("routing.on_device_only_collections") == ["hr", "legal", "finance"]
    msi_written = fake_registry({ps.WINDOWS_POLICY_KEY: {"OnDeviceOnlyCollections": "hr, legal"}})  # REG_SZ
    assert ps.read_windows_registry(msi_written).required("routing.on_device_only_collections") == ["hr", "legal"]


# --------------------------------------------------------------------------- macOS


def write_plist(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(plistlib.dumps(data))
    return path


def test_macos_managed_preferences(tmp_path):
    plist = write_plist(
        tmp_path / "Managed Preferences" / f"{ps.MACOS_BUNDLE_ID}.plist",
        {"CloudPolicy": "off", "AllowUserModels": False, "routing.cloud.model": "gpt-4o-mini", "PayloadUUID": "X"},
    )
    policy = ps.read_macos_managed(plist)
    assert policy.problem == ""
    assert policy.values == {"routing.policy": "off", "privacy.allow_user_models": False, "routing.cloud.model": "gpt-4o-mini"}


def test_macos_profile_array_of_on_device_only_collections(tmp_path):
    plist = write_plist(tmp_path / "managed.plist", {"OnDeviceOnlyCollections": ["hr"], "CloudPolicy": "auto"})
    policy = ps.read_macos_managed(plist)
    assert policy.problem == "" and policy.required("routing.on_device_only_collections") == ["hr"]


def test_macos_binary_plist_and_file_fallback(tmp_path):
    plist = tmp_path / "managed.plist"
    plist.write_bytes(plistlib.dumps({"AllowExport": False}, fmt=plistlib.FMT_BINARY))
    support = write_json(tmp_path / "Application Support" / "policy.json", {"routing.policy": "ask", "privacy.allow_export": True})
    policy = ps.read_macos_policy(plist, support)
    assert policy.values == {"routing.policy": "ask", "privacy.allow_export": False}


@pytest.mark.parametrize(
    "payload, reason",
    [
        (b"<plist>not really", "not a valid property list"),
        (plistlib.dumps({"CloudPolcy": "auto"}), "unknown setting"),
        (plistlib.dumps({"CloudPolicy": "whenever"}), "invalid"),
    ],
)
def test_macos_malformed_is_safest(tmp_path, payload, reason):
    plist = tmp_path / "managed.plist"
    plist.write_bytes(payload)
    policy = ps.read_macos_policy(plist, tmp_path / "absent.json")
    assert policy.values == {"routing.policy": "off"} and reason in policy.problem


def test_macos_absent_sources_are_empty(tmp_path):
    policy = ps.read_macos_policy(tmp_path / "none.plist", tmp_path / "none.json")
    assert policy == MachinePolicy(values={}, source="", problem="")


# --------------------------------------------------------------------------- schema


def test_schema_documents_every_policy_key():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    flat = {k for k in schema["properties"] if "." in k or k == "data_dir"}
    assert flat == set(POLICY_KEYS)
    for key in POLICY_KEYS:
        ref = schema["properties"][key]["$ref"].rsplit("/", 1)[-1]
        assert schema["$defs"][ref]["description"], key


def test_schema_choices_match_settings():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$defs"]["routing_policy"]["enum"] == ["off", "ask", "auto"]
    assert schema["$defs"]["store"]["enum"] == ["local", "http"]


def test_friendly_names_cover_every_key():
    assert set(ps.FRIENDLY_NAMES.values()) == set(POLICY_KEYS)


def test_schema_examples_validate_and_are_accepted_by_reader(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    for i, example in enumerate(schema["examples"]):
        validator.validate(example)
        policy = ps.read_policy_file(write_json(tmp_path / f"e{i}.json", example))
        assert policy.problem == "" and policy.values
    assert list(validator.iter_errors({"routing.polcy": "off"}))
