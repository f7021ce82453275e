"""The cloud API key: in the OS keychain (``keyring``), or the environment where there is none.

Order: ``SLM_ASSISTANT_CLOUD_API_KEY`` (one run) wins; otherwise the keychain entry (service
"SLM Assistant"), unless the machine policy forbids the keychain (``routing.cloud.use_keychain``
false). Without a usable keychain backend (headless Linux: keyring's "fail" backend) the app
says so plainly. The key is never written to settings or logs, and never appears in a message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from desktop_app.core.errors import AppError, PolicyError

SERVICE = "SLM Assistant"
ACCOUNT = "cloud-api-key"
ENV_KEY = "SLM_ASSISTANT_CLOUD_API_KEY"


class SecretsError(AppError):
    """The API key cannot be stored or read."""


@dataclass(frozen=True)
class ApiKey:
    """The key (possibly empty), where it came from, and a plain note for the user."""

    value: str
    source: str  # "environment", "keychain" or "none"
    note: str = ""

    def __repr__(self) -> str:  # never print the key itself
        return f"ApiKey(source={self.source!r}, set={bool(self.value)})"


def keychain_status(use_keychain: bool = True) -> tuple[bool, str]:
    """Whether the keychain may and can be used, and if not, why (one plain line)."""
    if not use_keychain:
        return False, f"Your organization does not allow keeping the API key in the keychain; set {ENV_KEY} instead."
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyring install must not stop the app
        return False, f"The system keychain could not be opened ({exc.__class__.__name__}); set {ENV_KEY} instead."
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        return False, f"No system keychain is available on this computer; set {ENV_KEY} instead."
    return True, f"The API key is kept in the system keychain ({backend.__class__.__module__.split('.')[-1]})."


def get_api_key(use_keychain: bool = True) -> ApiKey:
    """The key to use for this run (never raises)."""
    env = os.environ.get(ENV_KEY, "").strip()
    if env:
        return ApiKey(env, "environment", f"Using the API key from {ENV_KEY}.")
    ok, note = keychain_status(use_keychain)
    if not ok:
        return ApiKey("", "none", note)
    try:
        import keyring

        value = keyring.get_password(SERVICE, ACCOUNT) or ""
    except Exception as exc:
        return ApiKey("", "none", f"The API key could not be read from the keychain ({exc.__class__.__name__}).")
    if value:
        return ApiKey(value, "keychain", "Using the API key from the system keychain.")
    return ApiKey("", "none", "No API key is set (fine for servers that need none).")


def store_api_key(value: str, use_keychain: bool = True) -> str:
    """Save (or, when empty, delete) the key in the keychain; returns a plain confirmation.

    Raises:
        PolicyError: the organization forbids the keychain.
        SecretsError: there is no usable keychain, or it refused.
    """
    if not use_keychain:
        raise PolicyError("Your organization does not allow keeping the API key in the keychain.",
                          f"Set the environment variable {ENV_KEY} instead.")
    ok, note = keychain_status(True)
    if not ok:
        raise SecretsError(note)
    import keyring
    from keyring.errors import PasswordDeleteError

    try:
        if value:
            keyring.set_password(SERVICE, ACCOUNT, value)
            return "The API key was saved in the system keychain."
        try:
            keyring.delete_password(SERVICE, ACCOUNT)
        except PasswordDeleteError:
            pass
        return "The API key was removed from the system keychain."
    except Exception as exc:
        raise SecretsError(f"The system keychain refused the API key ({exc.__class__.__name__}).") from None
