"""The local API's bearer token: from the environment, the system keychain, or made new.

Order: ``SLM_ASSISTANT_API_TOKEN`` (scripts, tests) wins; otherwise the keychain entry beside
the cloud API key (same service, account ``local-api-token``); otherwise a new random token,
saved there and shown once. Without a usable keychain a new token is made for each start (it
cannot be kept anywhere safe) and the user is told how to keep one. The token is never
written to settings or logs.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from desktop_app.routing.secrets import SERVICE, keychain_status

ACCOUNT = "local-api-token"
ENV_TOKEN = "SLM_ASSISTANT_API_TOKEN"


@dataclass(frozen=True)
class ApiToken:
    """The token, where it came from (environment, keychain, new, new-unsaved) and a note for the user."""

    value: str
    source: str
    note: str = ""

    @property
    def is_new(self) -> bool:
        """Made on this start: the only time it is shown."""
        return self.source in ("new", "new-unsaved")

    def __repr__(self) -> str:  # never print the token itself
        return f"ApiToken(source={self.source!r})"


def matches(expected: str, presented: str) -> bool:
    """Constant-time comparison (no timing hint about how much of a guess was right)."""
    return secrets.compare_digest(expected.encode("utf-8"), presented.encode("utf-8"))


def resolve_token(rotate: bool = False) -> ApiToken:
    """The token for this server; ``rotate`` replaces the kept one (old clients get 401)."""
    env = os.environ.get(ENV_TOKEN, "").strip()
    if env:
        note = f"Using the token from {ENV_TOKEN}."
        if rotate:
            note += " --rotate-token changes only the token kept in the keychain; this one comes from the environment."
        return ApiToken(env, "environment", note)
    usable, _ = keychain_status(True)
    if not usable:
        return ApiToken(_new(), "new-unsaved", "No system keychain is available, so this token lasts until the server "
                                               f"stops. Set {ENV_TOKEN} to keep one.")
    import keyring

    try:
        kept = "" if rotate else (keyring.get_password(SERVICE, ACCOUNT) or "")
    except Exception:  # noqa: BLE001 - a keychain that refuses must not stop the server
        kept = ""
    if kept:
        return ApiToken(kept, "keychain", "Using the token kept in the system keychain "
                                          "('slm-assistant serve --rotate-token' makes a new one).")
    value = _new()
    try:
        keyring.set_password(SERVICE, ACCOUNT, value)
    except Exception as exc:  # noqa: BLE001
        return ApiToken(value, "new-unsaved", f"The system keychain refused the token ({exc.__class__.__name__}), "
                                              f"so it lasts until the server stops. Set {ENV_TOKEN} to keep one.")
    return ApiToken(value, "new", "It is kept in the system keychain; 'slm-assistant serve --rotate-token' replaces it.")


def _new() -> str:
    return secrets.token_urlsafe(32)
