"""API key storage: keychain when usable, the environment otherwise, policy forbids the keychain."""

from __future__ import annotations

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from desktop_app.core.errors import PolicyError
from desktop_app.routing import secrets


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps passwords in memory."""

    priority = 5

    def __init__(self):
        super().__init__()
        self.store = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.store:
            raise PasswordDeleteError("missing")
        del self.store[(service, username)]


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_store_and_read_from_keychain(memory_keyring):
    assert "saved" in secrets.store_api_key("sk-test-123")
    assert memory_keyring.store[("SLM Assistant", secrets.ACCOUNT)] == "sk-test-123"
    key = secrets.get_api_key()
    assert (key.value, key.source) == ("sk-test-123", "keychain")
    assert "sk-test" not in repr(key)
    assert "removed" in secrets.store_api_key("")
    assert secrets.get_api_key().value == ""


def test_environment_wins_for_one_run(memory_keyring, monkeypatch):
    secrets.store_api_key("from-keychain")
    monkeypatch.setenv(secrets.ENV_KEY, "from-env")
    assert secrets.get_api_key().value == "from-env"
    assert secrets.get_api_key().source == "environment"


def test_headless_without_keychain_says_so_and_reads_env(no_keyring, monkeypatch):
    ok, why = secrets.keychain_status()
    assert not ok and "No system keychain" in why and secrets.ENV_KEY in why
    key = secrets.get_api_key()
    assert key.value == "" and secrets.ENV_KEY in key.note
    with pytest.raises(secrets.SecretsError, match="No system keychain"):
        secrets.store_api_key("x")
    monkeypatch.setenv(secrets.ENV_KEY, "env-key")
    assert secrets.get_api_key().value == "env-key"


def test_policy_forbids_keychain(memory_keyring):
    memory_keyring.set_password("SLM Assistant", secrets.ACCOUNT, "stored-earlier")
    with pytest.raises(PolicyError):
        secrets.store_api_key("x", use_keychain=False)
    key = secrets.get_api_key(use_keychain=False)
    assert key.value == "" and "organization" in key.note
