"""Platform readers of the machine policy: Windows registry, macOS managed preferences, policy.json.

Where IT writes the policy, highest precedence first:

* Windows: ``HKLM\\Software\\Policies\\SLM Assistant`` (Group Policy, or the MSI's public
  properties), then ``%ProgramData%\\SLM Assistant\\policy.json``.
* macOS: the managed preferences of a configuration profile
  (``/Library/Managed Preferences/<bundle id>.plist``), then
  ``/Library/Application Support/SLM Assistant/policy.json``.
* Linux: ``/etc/slm-assistant/policy.json``.

Sources are merged (a higher source wins per key). Any source that exists but cannot be trusted
turns the whole reading into the safest one: cloud hand-off off, and the reason is reported. Every
reader takes its location as an argument (and the registry reader a fake registry mapping), so
each platform's reader is tested on any platform.
"""

from __future__ import annotations

import json
import os
import plistlib
import sys
from xml.parsers.expat import ExpatError
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from desktop_app.config.policy import ADDITIVE_KEYS, POLICY_KEYS, MachinePolicy, flatten, merge_additive

POLICY_FILE_ENV = "SLM_ASSISTANT_POLICY_FILE"  # tests and portable installs point this at one file

LINUX_POLICY = Path("/etc/slm-assistant/policy.json")
MACOS_BUNDLE_ID = "com.slmassistant.app"
MACOS_MANAGED_DIR = Path("/Library/Managed Preferences")
MACOS_POLICY = Path("/Library/Application Support/SLM Assistant/policy.json")
# Keys macOS or an MDM add to managed preferences next to the payload's own.
MACOS_BOOKKEEPING_PREFIXES = ("Payload", "com.apple.", "mcx_", "PayloadContent")
WINDOWS_POLICY_KEY = r"Software\Policies\SLM Assistant"
WINDOWS_POLICY_FILE_NAME = Path("SLM Assistant") / "policy.json"

# Friendly value names, as the MSI's public properties and the ADMX-style docs write them.
# A value may also be named by its dotted key ("routing.policy").
FRIENDLY_NAMES: dict[str, str] = {
    "CloudPolicy": "routing.policy",
    "CloudEndpoint": "routing.cloud.base_url",
    "CloudModel": "routing.cloud.model",
    "CloudUseKeychain": "routing.cloud.use_keychain",
    "OnDeviceOnlyCollections": "routing.on_device_only_collections",
    "ModelPath": "llm.model_path",
    "AllowUserModels": "privacy.allow_user_models",
    "AllowExport": "privacy.allow_export",
    "IndexStore": "rag.store",
    "ChromaHost": "rag.chroma_host",
    "ChromaPort": "rag.chroma_port",
    "UsageEnabled": "usage.enabled",
    "UsageRetentionDays": "usage.retention_days",
    "UsagePriceInPerMtok": "usage.price_in_per_mtok",
    "UsagePriceOutPerMtok": "usage.price_out_per_mtok",
    "UsagePriceModel": "usage.price_model",
    "ApiEnabled": "api.enabled",
    "ApiAllowNetwork": "api.allow_network",
    "DataDir": "data_dir",
}
_FRIENDLY_BY_LOWER = {name.lower(): key for name, key in FRIENDLY_NAMES.items()}  # names match in any case

# A registry reader returns {value name: value}, or None when the key does not exist.
RegistryReader = Callable[[str], "Mapping[str, Any] | None"]


# --------------------------------------------------------------------------- JSON files


def read_policy_file(path: Path) -> MachinePolicy:
    """Read one policy.json; a missing file is an empty policy, a bad one the safest reading."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return MachinePolicy()
    except OSError as exc:
        return MachinePolicy.safest(str(path), f"The policy at {path} cannot be read ({exc.strerror or exc}).")
    try:
        # utf-8-sig: Notepad on Windows writes a byte-order mark.
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return MachinePolicy.safest(str(path), f"The policy at {path} is not valid JSON.")
    return MachinePolicy.from_mapping(data, str(path))


# --------------------------------------------------------------------------- Windows


def _winreg_reader(key_path: str) -> Mapping[str, Any] | None:
    """Read every value under HKLM\\<key_path> (64-bit view); None when the key is absent."""
    import winreg  # Windows only; imported here so the module loads everywhere

    try:
        key = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, key_path, 0, winreg.KEY_READ | winreg.KEY_WOW64_64KEY)
    except FileNotFoundError:
        return None
    values: dict[str, Any] = {}
    with key:
        index = 0
        while True:
            try:
                name, value, _kind = winreg.EnumValue(key, index)
            except OSError:  # no more values
                break
            values[name] = value
            index += 1
    return values


def registry_to_mapping(values: Mapping[str, Any]) -> dict[str, Any]:
    """Map registry value names (friendly or dotted) to policy keys.

    Raises:
        ValueError: a value name that is neither a friendly name nor a policy key.
    """
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name == "":  # the key's (Default) value carries nothing
            continue
        key = _FRIENDLY_BY_LOWER.get(name.lower(), name)
        if key not in POLICY_KEYS:
            raise ValueError(name)
        if isinstance(value, bytes):  # REG_BINARY is never a valid policy value
            raise TypeError(name)
        if isinstance(value, list):  # REG_MULTI_SZ: take it as one line
            value = ",".join(str(v) for v in value)
        out[key] = value
    return out


def read_windows_registry(reader: RegistryReader | None = None, key_path: str = WINDOWS_POLICY_KEY) -> MachinePolicy:
    """Read the policy under HKLM; ``reader`` is injected by tests (a dict lookup)."""
    source = f"HKLM\\{key_path}"
    try:
        values = (reader or _winreg_reader)(key_path)
    except OSError as exc:
        return MachinePolicy.safest(source, f"The policy at {source} cannot be read ({exc}).")
    if not values:
        return MachinePolicy()
    try:
        mapping = registry_to_mapping(values)
    except ValueError as exc:
        return MachinePolicy.safest(source, f"The policy at {source} has an unknown setting '{exc}'.")
    except TypeError as exc:
        return MachinePolicy.safest(source, f"The policy at {source} has a binary value '{exc}'.")
    return MachinePolicy.from_mapping(mapping, source)


def windows_policy_file(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    program_data = environ.get("ProgramData") or environ.get("PROGRAMDATA") or r"C:\ProgramData"
    return Path(program_data) / WINDOWS_POLICY_FILE_NAME


def read_windows_policy(reader: RegistryReader | None = None, policy_file: Path | None = None) -> MachinePolicy:
    """Registry first, then %ProgramData%\\SLM Assistant\\policy.json."""
    return combine([read_windows_registry(reader), read_policy_file(policy_file or windows_policy_file())])


# --------------------------------------------------------------------------- macOS


def read_macos_managed(plist_path: Path | None = None) -> MachinePolicy:
    """Read the managed preferences a configuration profile installs (plistlib)."""
    path = plist_path or (MACOS_MANAGED_DIR / f"{MACOS_BUNDLE_ID}.plist")
    try:
        with path.open("rb") as fh:
            data = plistlib.load(fh)
    except FileNotFoundError:
        return MachinePolicy()
    except OSError as exc:
        return MachinePolicy.safest(str(path), f"The managed preferences at {path} cannot be read ({exc.strerror or exc}).")
    except (plistlib.InvalidFileException, ExpatError, ValueError, TypeError, KeyError):
        return MachinePolicy.safest(str(path), f"The managed preferences at {path} are not a valid property list.")
    if not isinstance(data, dict):
        return MachinePolicy.safest(str(path), f"The managed preferences at {path} are not a dictionary.")
    # macOS adds its own bookkeeping keys (PayloadUUID, ...) to managed preferences: keep ours only.
    ours: dict[str, Any] = {}
    for name, value in flatten(data).items():
        key = _FRIENDLY_BY_LOWER.get(name.lower(), name)
        if key in POLICY_KEYS:
            ours[key] = value
        elif not name.startswith(MACOS_BOOKKEEPING_PREFIXES):
            # A name that is neither ours nor macOS's is a typo by IT: refuse to guess.
            return MachinePolicy.safest(str(path), f"The managed preferences at {path} have an unknown setting '{name}'.")
    if not ours:
        return MachinePolicy()
    return MachinePolicy.from_mapping(ours, str(path))


def read_macos_policy(managed_plist: Path | None = None, policy_file: Path | None = None) -> MachinePolicy:
    """Managed preferences first, then /Library/Application Support/SLM Assistant/policy.json."""
    return combine([read_macos_managed(managed_plist), read_policy_file(policy_file or MACOS_POLICY)])


# --------------------------------------------------------------------------- Linux and merging


def read_linux_policy(policy_file: Path | None = None) -> MachinePolicy:
    return read_policy_file(policy_file or LINUX_POLICY)


def combine(policies: list[MachinePolicy]) -> MachinePolicy:
    """Merge sources, highest precedence first; any problem makes the whole reading the safest.

    The safest reading still keeps what the trustworthy sources locked: a broken file must never
    unlock what a good one locked.
    """
    values: dict[str, Any] = {}
    sources: list[str] = []
    problems: list[str] = []
    for policy in reversed(policies):  # lowest first, so higher sources overwrite
        if policy.problem:
            problems.append(policy.problem)
            sources.append(policy.source)
            continue
        if policy.values:
            for key, value in policy.values.items():
                if key in ADDITIVE_KEYS and key in values:  # every source's entries hold
                    value = merge_additive(value, values[key])
                values[key] = value
            sources.append(policy.source)
    if problems:
        values["routing.policy"] = "off"
        problems.reverse()
    return MachinePolicy(values=values, source=", ".join(reversed(sources)), problem=" ".join(problems))


def read_platform_policy(platform: str | None = None) -> MachinePolicy:
    """Read this platform's policy, plus SLM_ASSISTANT_POLICY_FILE as the lowest source.

    The environment file can only *add* locks (portable installs, tests): it ranks below every
    location IT controls, so a user cannot unlock a managed setting by pointing it elsewhere.
    """
    platform = platform or sys.platform
    if platform == "win32":
        managed = read_windows_policy()
    elif platform == "darwin":
        managed = read_macos_policy()
    else:
        managed = read_linux_policy()
    override = os.environ.get(POLICY_FILE_ENV)
    if not override:
        return managed
    return combine([managed, read_policy_file(Path(override))])


def load_machine_policy() -> MachinePolicy:
    """Read the policy from this platform's managed locations (the composition root calls this)."""
    return read_platform_policy()
