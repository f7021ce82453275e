"""`slm-assistant config list|get KEY|set KEY VALUE|reset KEY|path`: read and write settings.

Writes go to the user's own settings file, read fresh from disk, so values forced by the machine
policy are never copied into it (when IT lifts a policy, the user's own choice comes back).
Keys the policy locks are refused with "Managed by your organization". API keys are never
settings: they live in the keychain or ``SLM_ASSISTANT_CLOUD_API_KEY`` and are never printed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any

from desktop_app.config.policy import MANAGED_LABEL
from desktop_app.config.settings import Settings
from desktop_app.core.errors import PolicyError, SettingsError

# Environment variables that override a setting for one run (read by the cloud gateway).
ENV_OVERRIDES = {
    "routing.cloud.base_url": "SLM_ASSISTANT_CLOUD_BASE_URL",
    "routing.cloud.model": "SLM_ASSISTANT_CLOUD_MODEL",
}
API_KEY_ENV = "SLM_ASSISTANT_CLOUD_API_KEY"
# "max_tokens" is not a secret; "api_key", "auth_token", "password" are.
_SECRET_NAME = re.compile(r"(api_?key|secret|password|passphrase|(^|_)token$)", re.I)


def register(subparsers, name: str) -> None:
    parser = subparsers.add_parser(name, help="read and change settings (config list to see them all)")
    sub = parser.add_subparsers(dest="config_action", metavar="ACTION", required=True)
    lst = sub.add_parser("list", help="every setting with its value and description")
    lst.add_argument("--json", action="store_true", help="print one JSON object")
    get = sub.add_parser("get", help="print one setting's value")
    get.add_argument("key", metavar="KEY")
    st = sub.add_parser("set", help="change a setting")
    st.add_argument("key", metavar="KEY")
    st.add_argument("value", metavar="VALUE", help="lists: comma-separated or JSON; booleans: true/false")
    rs = sub.add_parser("reset", help="put a setting back to its default")
    rs.add_argument("key", metavar="KEY")
    sub.add_parser("path", help="print where the settings file is")
    # The key is read from standard input, never from the command line: arguments end up in
    # shell history and in every user's process list.
    sub.add_parser("set-api-key", help="save the cloud API key in the system keychain (typed or piped in, never an argument)")
    sub.add_parser("clear-api-key", help="remove the cloud API key from the system keychain")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, core) -> int:
    action = args.config_action
    if action == "path":
        print(core.paths.settings_file)
        return 0
    if action == "list":
        return _list(core, args.json)
    if action in ("set-api-key", "clear-api-key"):
        return _api_key(core, action == "set-api-key")
    if action == "get":
        _check_not_secret(args.key)
        value, env = effective_value(core, args.key)
        print(format_value(value))
        if env:
            print(f"(from {env}; the saved setting is {format_value(core.settings.get(args.key))!r})", file=sys.stderr)
        return 0
    if action in ("set", "reset"):
        key = args.key
        _check_not_secret(key)
        core.settings.get(key)  # unknown key -> SettingsError with the plain message
        if core.policy.is_locked(key):
            raise PolicyError(f"{key}: {MANAGED_LABEL}, so it cannot be changed here.",
                              "Ask your IT department to change it.")
        value = Settings().get(key) if action == "reset" else args.value
        saved = set_user_setting(core, key, value)
        print(f"{key} = {format_value(saved)}")
        _, env = effective_value(core, key)
        if env:
            print(f"Note: {env} is set and overrides this setting for runs where it is set.", file=sys.stderr)
        return 0
    raise AssertionError(action)


def _api_key(core, setting: bool) -> int:
    from desktop_app.routing.secrets import store_api_key

    value = ""
    if setting:
        if sys.stdin.isatty():
            import getpass

            value = getpass.getpass("Cloud API key (not shown): ")
        else:
            value = sys.stdin.readline()
        value = value.strip()
        if not value:
            raise SettingsError("No API key was given.", "Type it at the prompt or pipe it in: printenv KEY | slm-assistant config set-api-key")
    print(store_api_key(value, core.settings.routing.cloud.use_keychain))
    return 0


def effective_value(core, key: str) -> tuple[Any, str]:
    """The value this run uses and the environment variable it came from ("" if the setting).

    Mirrors the cloud gateway: an override is ignored for a key the machine policy locks.
    """
    env = ENV_OVERRIDES.get(key, "")
    override = os.environ.get(env, "").strip() if env else ""
    if override and not core.policy.is_locked(key):
        return override, env
    return core.settings.get(key), ""


def set_user_setting(core, key: str, value: Any) -> Any:
    """Validate and save ``key`` in the user's settings file; update the running settings too."""
    _refuse_damaged(core.paths.settings_file)
    user = core.settings_store.load()  # without the policy's values: they must not be saved
    user.set(key, value)
    converted = user.get(key)
    _validate(key, converted)
    core.settings_store.save(user)
    core.settings.set(key, converted)
    if key.startswith("routing."):
        core.reset_gateway()
    return converted


def _refuse_damaged(path) -> None:
    """Saving over a damaged file would silently replace every setting with its default."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    except OSError as exc:
        raise SettingsError(f"The settings file {path} cannot be read ({exc.strerror}).") from None
    try:
        json.loads(text)
    except ValueError:
        raise SettingsError(f"The settings file {path} is damaged, so it was not changed.",
                            "Fix or delete it (the defaults are then used) and try again.") from None


def _validate(key: str, value: Any) -> None:
    if key == "routing.cloud.base_url" and value and not str(value).startswith(("http://", "https://")):
        raise SettingsError(f"'{value}' is not a web address.", "Use a URL like https://api.openai.com/v1.")
    if key == "routing.cloud.timeout_s" and value <= 0:
        raise SettingsError("The timeout must be more than 0 seconds.")
    if key in ("llm.max_tokens", "rag.top_k", "llm.context_length") and value < 1:
        raise SettingsError(f"{key} must be at least 1.")
    if key == "llm.threads" and value < 0:
        raise SettingsError("llm.threads must be 0 (automatic) or more.")
    if key == "llm.temperature" and not 0 <= value <= 2:
        raise SettingsError("llm.temperature must be between 0 and 2.")
    if key == "llm.gpu_offload" and value not in ("auto", "cpu", "all") and not str(value).isdigit():
        raise SettingsError(f"'{value}' is not valid for llm.gpu_offload.", "Use auto, cpu, all or a number of layers.")


def _list(core, as_json: bool) -> int:
    rows = []
    for key in core.settings.keys():
        value, env = effective_value(core, key)
        row = {"key": key, "value": value, "description": core.settings.describe(key),
               "locked": core.policy.is_locked(key)}
        if env:
            row["overridden_by"] = env
        if _is_secret(key):
            row["value"] = "(hidden)"
        rows.append(row)
    api_key = "set in " + API_KEY_ENV if os.environ.get(API_KEY_ENV) else "not in the environment (keychain or none)"
    if as_json:
        print(json.dumps({"settings": rows, "cloud_api_key": api_key, "settings_file": str(core.paths.settings_file)},
                         ensure_ascii=False))
        return 0
    for row in rows:
        flags = []
        if row["locked"]:
            flags.append(MANAGED_LABEL)
        if row.get("overridden_by"):
            flags.append(f"from {row['overridden_by']}")
        suffix = f"  [{'; '.join(flags)}]" if flags else ""
        print(f"{row['key']} = {format_value(row['value'])}{suffix}")
        print(f"    {row['description']}")
    print(f"cloud API key: {api_key}")
    return 0


def format_value(value: Any) -> str:
    """A value as ``config set`` accepts it back."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _is_secret(key: str) -> bool:
    return bool(_SECRET_NAME.search(key.rsplit(".", 1)[-1]))


def _check_not_secret(key: str) -> None:
    if _is_secret(key):
        raise SettingsError(
            "API keys are not settings and are never shown.",
            f"Set the key in Settings > Cloud (kept in the keychain) or in {API_KEY_ENV}.",
        )
