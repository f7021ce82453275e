"""The local API's token (environment, keychain, new, rotated) and serve's address rules."""

from __future__ import annotations

import pytest

from desktop_app.api.access_token import ACCOUNT, ENV_TOKEN, matches, resolve_token
from desktop_app.api.runner import bind, is_loopback
from desktop_app.core.errors import AppError, PolicyError
from desktop_app.routing.secrets import SERVICE
from tests.unit.test_routing_secrets import memory_keyring, no_keyring  # noqa: F401 - fixtures


@pytest.fixture(autouse=True)
def no_env_token(monkeypatch):
    monkeypatch.delenv(ENV_TOKEN, raising=False)


def test_first_start_makes_a_token_keeps_it_and_rotation_replaces_it(memory_keyring):  # noqa: F811
    first = resolve_token()
    assert first.is_new and first.source == "new" and len(first.value) >= 40
    assert memory_keyring.store[(SERVICE, ACCOUNT)] == first.value
    assert first.value not in repr(first)

    again = resolve_token()
    assert again.value == first.value and again.source == "keychain" and not again.is_new

    rotated = resolve_token(rotate=True)
    assert rotated.is_new and rotated.value != first.value
    assert memory_keyring.store[(SERVICE, ACCOUNT)] == rotated.value
    assert memory_keyring.store.get((SERVICE, "cloud-api-key")) is None  # the cloud key's entry is untouched


def test_environment_token_wins(memory_keyring, monkeypatch):  # noqa: F811
    monkeypatch.setenv(ENV_TOKEN, "from-env")
    token = resolve_token(rotate=True)
    assert (token.value, token.source, token.is_new) == ("from-env", "environment", False)
    assert "environment" in token.note and memory_keyring.store == {}


def test_without_a_keychain_each_start_gets_a_new_token_and_says_how_to_keep_one(no_keyring):  # noqa: F811
    a, b = resolve_token(), resolve_token()
    assert a.source == b.source == "new-unsaved" and a.value != b.value
    assert ENV_TOKEN in a.note


def test_matches_compares_whole_tokens():
    assert matches("abc", "abc") and not matches("abc", "abd") and not matches("abc", "ab")


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("0.0.0.0", False), ("192.168.1.20", False), ("::", False), ("my-laptop.local", False),
])
def test_loopback_addresses(host, loopback):
    assert is_loopback(host) is loopback


def test_a_taken_port_is_one_plain_error():
    first = bind("127.0.0.1", 0)
    try:
        with pytest.raises(AppError) as err:
            bind("127.0.0.1", first.getsockname()[1])
        assert "already in use" in str(err.value) and "--port" in str(err.value)
    finally:
        first.close()


def test_serve_refuses_before_loading_anything():
    from desktop_app.cli import serve_cmd
    from desktop_app.config.paths import AppPaths
    from desktop_app.config.policy import MachinePolicy
    from desktop_app.config.settings import Settings

    class Core:
        def __init__(self, policy: dict, **api) -> None:
            self.policy = MachinePolicy(values=policy)
            self.settings = self.policy.apply(Settings())
            for key, value in api.items():
                self.settings.set(f"api.{key}", value)
            self.paths = AppPaths.resolve(None)

        def backend(self):
            raise AssertionError("the model must not load when serving is refused")

    def args(**kw):
        import argparse

        return argparse.Namespace(**{"host": None, "port": None, "yes_expose": False, "rotate_token": False, **kw})

    with pytest.raises(PolicyError, match="does not allow the local API"):
        serve_cmd.run(args(), Core({"api.enabled": False}))
    with pytest.raises(PolicyError, match="loopback"):
        serve_cmd.run(args(host="0.0.0.0", yes_expose=True), Core({"api.allow_network": False}))
    with pytest.raises(AppError, match="api.allow_network"):
        serve_cmd.run(args(host="0.0.0.0", yes_expose=True), Core({}, allow_network=False))
    with pytest.raises(AppError, match="--yes-expose"):  # pytest's stdin is not a terminal: nobody can confirm
        serve_cmd.run(args(host="10.0.0.5"), Core({}))
    with pytest.raises(AppError, match="not a port"):
        serve_cmd.run(args(port=70000), Core({}))
