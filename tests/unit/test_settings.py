"""Typed settings (dotted keys, conversion, choices), atomic SettingsStore, AppPaths, policy application."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import POLICY_KEYS, MachinePolicy
from desktop_app.config.settings import Settings, SettingsStore
from desktop_app.core.errors import PolicyError, SettingsError, StorageError


@pytest.mark.parametrize(
    "key, raw, expected",
    [
        ("llm.max_tokens", "256", 256),
        ("llm.temperature", "0.7", 0.7),
        ("ui.sidebar_visible", "off", False),
        ("ui.sidebar_visible", "YES", True),
        ("routing.cloud.use_keychain", False, False),
        ("routing.on_device_only_collections", "hr, legal ,", ["hr", "legal"]),
        ("routing.on_device_only_collections", '["a b", "c"]', ["a b", "c"]),
        ("routing.policy", "auto", "auto"),
        ("routing.cloud.base_url", "https://api.example.com/v1", "https://api.example.com/v1"),
    ],
)
def test_set_converts_strings_to_the_field_type(key, raw, expected):
    s = Settings()
    s.set(key, raw)
    assert s.get(key) == expected


@pytest.mark.parametrize(
    "key, raw, message",
    [
        ("llm.max_tokens", "lots", "not a valid int"),
        ("ui.sidebar_visible", "maybe", "not a valid bool"),
        ("routing.policy", "sometimes", "Choose one of: off, ask, auto"),
        ("ui.theme", "purple", "not a valid value"),
        ("routing.cloud", "x", "group of settings"),
        ("llm.nope", "1", "no setting called 'llm.nope'"),
        ("nope", "1", "no setting called 'nope'"),
        ("llm.max_tokens.deeper", "1", "no setting called"),
    ],
)
def test_bad_keys_and_values_are_plain_settings_errors(key, raw, message):
    s = Settings()
    with pytest.raises(SettingsError) as info:
        s.set(key, raw)
    assert message in str(info.value)
    assert s.to_json() == Settings().to_json()  # nothing changed


def test_every_key_has_a_description_and_round_trips_through_json():
    s = Settings()
    keys = s.keys()
    assert "routing.cloud.base_url" in keys and "schema_version" not in keys
    assert all(s.describe(k) for k in keys)
    s.set("llm.max_tokens", 99)
    s.set("routing.on_device_only_collections", ["hr"])
    again = Settings.from_json(json.loads(json.dumps(s.to_json())))
    assert again.to_json() == s.to_json()


def test_from_json_ignores_unknown_keys_and_keeps_defaults_for_bad_values():
    s = Settings.from_json({"llm": {"max_tokens": "huge", "temperature": 0.5, "mystery": 1},
                            "routing": {"policy": "sometimes", "cloud": "not a dict"}, "unknown": {},
                            "ui": {"theme": "dark"}})
    assert s.llm.max_tokens == Settings().llm.max_tokens
    assert s.routing.policy == "off"  # a value outside the choices is never loaded
    assert s.ui.theme == "dark"
    assert s.llm.temperature == 0.5
    assert s.routing.cloud.base_url == ""
    assert Settings.from_json("garbage").to_json() == Settings().to_json()


def test_lists_are_not_shared_between_instances():
    a, b = Settings(), Settings()
    a.routing.on_device_only_collections.append("hr")
    assert b.routing.on_device_only_collections == []


def test_store_saves_atomically_and_loads_back(tmp_path):
    store = SettingsStore(tmp_path / "config" / "settings.json")
    assert store.load().to_json() == Settings().to_json()  # no file yet: defaults
    s = Settings()
    s.set("ui.theme", "dark")
    store.save(s)
    assert store.load().ui.theme == "dark"
    assert [p.name for p in store.path.parent.iterdir()] == ["settings.json"]  # no temp files left


def test_store_loads_defaults_from_a_damaged_file(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("{ damaged")
    assert SettingsStore(path).load().to_json() == Settings().to_json()


def test_store_save_failure_is_a_storage_error_and_keeps_the_old_file(tmp_path, monkeypatch):
    blocked = tmp_path / "config"
    blocked.write_text("a file where the folder should be")
    with pytest.raises(StorageError):
        SettingsStore(blocked / "settings.json").save(Settings())

    path = tmp_path / "ok" / "settings.json"
    store = SettingsStore(path)
    store.save(Settings())
    before = path.read_text()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    s = Settings()
    s.set("ui.theme", "light")
    with pytest.raises(StorageError, match="disk is full"):
        store.save(s)
    assert path.read_text() == before  # the old settings survive a failed save
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]


def test_paths_from_explicit_home_env_and_policy(tmp_path, monkeypatch):
    monkeypatch.setenv("SLM_ASSISTANT_HOME", str(tmp_path / "env-home"))
    env = AppPaths.resolve()
    assert env.data_dir == (tmp_path / "env-home" / "data").resolve()
    explicit = AppPaths.resolve(tmp_path / "cli-home")
    assert explicit.data_dir == (tmp_path / "cli-home").resolve() / "data"  # --home wins over the environment
    assert explicit.conversations_db.parent == explicit.data_dir
    assert explicit.settings_file == (tmp_path / "cli-home").resolve() / "config" / "settings.json"
    for p in (explicit.models_dir, explicit.index_dir, explicit.audit_log, explicit.logs_dir):
        assert Path(p).is_relative_to(explicit.data_dir)
    forced = AppPaths.resolve(tmp_path / "cli-home", data_dir_override=str(tmp_path / "it-data"))
    assert forced.data_dir == tmp_path / "it-data" and forced.config_dir == explicit.config_dir
    explicit.ensure()
    assert explicit.models_dir.is_dir() and explicit.config_dir.is_dir()


def test_policy_locks_and_applies_values():
    policy = MachinePolicy.from_mapping({"routing": {"policy": "off"}, "privacy.allow_export": "false"}, "test")
    assert policy.problem == "" and policy.locked_keys == {"routing.policy", "privacy.allow_export"}
    s = Settings()
    s.set("routing.policy", "auto")
    policy.apply(s)
    assert s.routing.policy == "off" and s.privacy.allow_export is False
    with pytest.raises(PolicyError, match="managed by your organization"):
        policy.check_can_set("routing.policy")
    policy.check_can_set("ui.theme")  # unlocked: no error


@pytest.mark.parametrize("data", [{"routing": {"policy": "sometimes"}}, {"ui.theme": "dark"}, ["not", "a", "dict"],
                                  {"data_dir": ""}])
def test_untrustworthy_policy_gives_the_safest_reading(data):
    policy = MachinePolicy.from_mapping(data, "test")
    assert policy.problem
    assert policy.values == {"routing.policy": "off"}


def test_every_policy_key_is_a_setting_or_the_data_dir():
    keys = set(Settings().keys())
    assert all(k in keys or k == "data_dir" for k in POLICY_KEYS)
