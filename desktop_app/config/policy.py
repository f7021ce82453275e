"""The machine-wide policy written by IT, applied on top of the user's settings.

Policy values use the same dotted keys as settings (``routing.policy``, ``llm.model_path``...)
plus ``data_dir``. Whatever the policy sets is *locked*: the GUI greys it out as "Managed by your
organization" and ``config set`` refuses to change it. The exception is a list that only ever
protects more (``routing.on_device_only_collections``): the policy's entries always hold and the
user may add to them, so a collection a user kept on the device stays there when IT adds others.
A policy that cannot be read never unlocks anything: the safest reading (cloud hand-off off) is
used and the reason is reported.

The platform readers (registry, managed preferences, policy.json) live in ``policy_sources``,
which imports this module (never the reverse: no import cycle); ``load_machine_policy`` is there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desktop_app.config.settings import Settings
from desktop_app.core.errors import PolicyError, SettingsError

# Keys IT may lock. Each maps to a settings key, except data_dir which moves the data folder.
POLICY_KEYS: dict[str, str] = {
    "routing.policy": "Cloud hand-off policy: off, ask or auto.",
    "routing.cloud.base_url": "The only cloud endpoint users may use.",
    "routing.cloud.model": "The cloud model name.",
    "routing.cloud.use_keychain": "false forbids keeping an API key in the keychain (environment only).",
    "routing.on_device_only_collections": "Collections whose passages never leave the device (users may add more).",
    "llm.model_path": "The model every user runs.",
    "privacy.allow_user_models": "false stops users adding their own GGUF models.",
    "privacy.allow_export": "false stops users exporting conversations.",
    "rag.store": "local or http (a shared Chroma server).",
    "rag.chroma_host": "Shared Chroma server host.",
    "rag.chroma_port": "Shared Chroma server port.",
    "usage.enabled": "false turns the usage ledger and view off; true keeps them on for every user.",
    "usage.retention_days": "Days of usage records kept.",
    "usage.price_in_per_mtok": "Cloud price per million input tokens for the cost estimate.",
    "usage.price_out_per_mtok": "Cloud price per million output tokens for the cost estimate.",
    "usage.price_model": "Model whose documented price is used for the cost estimate.",
    "data_dir": "Folder for conversations, index and models.",
    "api.enabled": "false forbids the local OpenAI-compatible API (the window's and slm-assistant serve).",
    "api.allow_network": "false keeps the local API on loopback (127.0.0.1) only.",
}

# Policy lists that are a floor rather than a lock: merged with the user's own entries.
ADDITIVE_KEYS = frozenset({"routing.on_device_only_collections"})

MANAGED_LABEL = "Managed by your organization"


def merge_additive(required: list, others: list) -> list:
    """An additive list: ``required``'s entries first, then those of ``others`` not already in it."""
    return list(required) + [v for v in others if v not in required]


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Turn nested policy JSON into dotted keys; dotted keys at the top level also work."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, full + "."))
        else:
            out[full] = value
    return out


@dataclass
class MachinePolicy:
    """What IT locked, where it came from, and any problem reading it."""

    values: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    problem: str = ""

    @classmethod
    def safest(cls, source: str, problem: str) -> "MachinePolicy":
        """The reading used when a policy exists but cannot be trusted: cloud off, nothing unlocked."""
        return cls(values={"routing.policy": "off"}, source=source, problem=problem)

    @classmethod
    def from_mapping(cls, data: Any, source: str) -> "MachinePolicy":
        """Validate a policy mapping; any bad key or value yields the safest reading."""
        if not isinstance(data, dict):
            return cls.safest(source, f"The policy at {source} is not a JSON object.")
        values = flatten(data)
        values.pop("$schema", None)
        probe = Settings()
        for key, value in values.items():
            if key not in POLICY_KEYS:
                return cls.safest(source, f"The policy at {source} has an unknown setting '{key}'.")
            if key == "data_dir":
                if not isinstance(value, str) or not value.strip():
                    return cls.safest(source, f"The policy at {source} has an empty data_dir.")
                continue
            try:
                probe.set(key, value)
                values[key] = probe.get(key)
            except SettingsError as exc:
                return cls.safest(source, f"The policy at {source} is invalid: {exc}")
        return cls(values=values, source=source)

    @property
    def locked_keys(self) -> frozenset[str]:
        return frozenset(k for k in self.values if k not in ADDITIVE_KEYS)

    def is_locked(self, key: str) -> bool:
        return key in self.values and key not in ADDITIVE_KEYS

    def required(self, key: str) -> list[str]:
        """The entries IT requires in an additive list (empty when the policy says nothing)."""
        return list(self.values.get(key, [])) if key in ADDITIVE_KEYS else []

    @property
    def data_dir(self) -> str | None:
        return self.values.get("data_dir")

    def apply(self, settings: Settings) -> Settings:
        """Overwrite the locked settings (and extend the additive lists) in place; return them."""
        for key, value in self.values.items():
            if key == "data_dir":
                continue
            if key in ADDITIVE_KEYS:
                value = merge_additive(value, settings.get(key))
            settings.set(key, value)
        return settings

    def check_can_set(self, key: str) -> None:
        """Raise PolicyError if IT locked ``key``."""
        if self.is_locked(key):
            raise PolicyError(f"'{key}' is managed by your organization and cannot be changed here.")
