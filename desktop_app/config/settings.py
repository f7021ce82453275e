"""One typed, nested settings model (llm, rag, routing, ui, privacy, api, usage) saved as JSON.

Every field has a description (shown by ``slm-assistant config`` and as tooltips). Keys are
addressed with dots, e.g. ``routing.cloud.base_url``. The machine policy is applied on top by
``desktop_app.config.policy`` and knows which keys it locked.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.files import write_text_atomically
from desktop_app.core.errors import SettingsError

SCHEMA_VERSION = 1


def _f(default: Any, description: str, choices: tuple[str, ...] | None = None):
    meta = {"description": description}
    if choices:
        meta["choices"] = choices
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class LlmSettings:
    model_path: str = _f("", "Path of the active GGUF model; empty means the bundled model (Qwen2.5 Coder 0.5B Instruct).")
    bundled_model: str = _f("auto", "Which bundled model answers when no other is chosen: auto (the larger one on machines "
                                    "with 8 cores and 16 GB or a GPU; elsewhere, when installed and with 8 GB of memory, "
                                    "the larger one for questions without documents and the smaller one for document "
                                    "questions), fast (Qwen2.5 Coder 0.5B for everything), or accurate (Qwen2.5 Coder "
                                    "1.5B for everything, when installed: more right answers on average, its first word "
                                    "on a document question about 2.5 times later on a CPU; measured in the README).",
                            ("auto", "fast", "accurate"))
    context_length: int = _f(4096, "Context window in tokens (capped at what the model was trained for).")
    gpu_offload: str = _f("auto", "Where to run the model: auto (GPU when available), cpu, all, or a number of layers.")
    threads: int = _f(0, "CPU threads for generation; 0 means the number of physical cores.")
    max_tokens: int = _f(512, "Longest answer in tokens.")
    temperature: float = _f(0.0, "Sampling temperature; 0 = greedy (the same answer every time, best for facts).")
    repeat_penalty: float = _f(1.0, "Penalty on repeating recent tokens (1.0 = none). Above 1 it also penalises copying figures from the sources; a loop guard stops runaway repetition instead.")
    system_prompt: str = _f(
        "You are SLM Assistant, a helpful assistant running on the user's own computer. Answer clearly and concisely. "
        "Write math as plain text (for example 3 × 4 = 12 or x^2), never LaTeX.",
        "Instruction given to the model before every conversation.",
    )
    user_models: list = _f([], "GGUF files the user added (paths).")
    fast_bundled_weights: bool = _f(True, "Run the bundled model from a Q8_0 copy of its weights, made once on this device: "
                                          "the first word comes sooner on CPUs (1.1x to 1.2x), same answers, about 175 MB more disk.")
    flash_attention: bool = _f(True, "Use llama.cpp's fused attention: about 15% less time to the first word of a "
                                     "grounded answer on a 2-core CPU; its rounding differs, so a few answers change.")
    calculator: bool = _f(True, "Answer a question that is only arithmetic or a unit conversion (\"What is 15% of 240?\", "
                                "\"How many feet are in a mile?\") with the built-in calculator: exact and instant, no model.")


@dataclass
class RagSettings:
    embedder: str = _f("all-MiniLM-L6-v2", "Embedding model for the document index.")
    top_k: int = _f(5, "Passages retrieved per question.")
    store: str = _f("local", "Where the vector index lives: local (on this device) or http (a shared Chroma server).", ("local", "http"))
    chroma_host: str = _f("127.0.0.1", "Host of the shared Chroma server (store = http).")
    chroma_port: int = _f(8000, "Port of the shared Chroma server (store = http).")
    watch_folders: list = _f([], "Folders watched for new or changed documents.")
    recheck_unsupported: bool = _f(False, "When a grounded answer states a key figure its sources do not, ask the model once more "
                                   "with a stricter instruction (the second answer replaces the first; measured in the README).")
    ask_again_number_only: bool = _f(True, "When a grounded answer gives only a source's number where the answer belongs "
                                     "(\"The Secretary is [1].\"), ask the model once more for the answer itself.")
    consult_min_similarity: float = _f(0.45, "With no collection chosen, the documents answer a question only when "
                                              "their best passage is at least this similar to it, or at least 0.32 with "
                                              "half of the question's topic words (0 to 1; 0 = any passage the search "
                                              "finds); otherwise it is answered as plain chat.")
    ocr: bool = _f(True, "Read scanned PDF pages and images (PNG, JPEG, TIFF) by OCR on this device while indexing.")
    ocr_languages: list = _f(["en"], "Languages OCR reads: en (English and other Latin-script text) and zh (Chinese, simplified); "
                                     "the bundled model knows no others. Without zh, Chinese characters in the result are dropped.",
                             ("en", "zh"))


@dataclass
class CloudSettings:
    base_url: str = _f("", "OpenAI-compatible endpoint, e.g. https://api.openai.com/v1.")
    model: str = _f("", "Cloud model name, e.g. gpt-4o-mini.")
    timeout_s: float = _f(60.0, "Seconds to wait for the cloud model before falling back to the local one.")
    use_keychain: bool = _f(True, "Keep the API key in the operating system's keychain.")


@dataclass
class RoutingSettings:
    policy: str = _f("off", "Cloud hand-off: off (never, no network), ask (confirm each time) or auto.", ("off", "ask", "auto"))
    cloud: CloudSettings = field(default_factory=CloudSettings, metadata={"description": "The cloud model."})
    on_device_only_collections: list = _f([], "Document collections whose passages never leave this device.")


@dataclass
class UiSettings:
    theme: str = _f("system", "Colour theme: system, light or dark.", ("system", "light", "dark"))
    window_geometry: str = _f("", "Saved window size and position.")
    last_conversation_id: int = _f(0, "Conversation shown at start-up.")
    sidebar_visible: bool = _f(True, "Show the conversation sidebar.")


@dataclass
class PrivacySettings:
    allow_export: bool = _f(True, "Allow exporting conversations as Markdown or JSON.")
    allow_user_models: bool = _f(True, "Allow adding other GGUF models.")


@dataclass
class UsageSettings:
    enabled: bool = _f(True, "Keep the usage ledger (counts only, never text) and show Tools → Usage.")
    retention_days: int = _f(365, "Days of usage records kept; older ones are deleted.")
    price_in_per_mtok: float = _f(-1.0, "Cloud price in USD per million input tokens, for the cost estimate; "
                                        "negative uses the documented price of the cloud model (docs/USAGE.md).")
    price_out_per_mtok: float = _f(-1.0, "Cloud price in USD per million output tokens, for the cost estimate; "
                                         "negative uses the documented price of the cloud model (docs/USAGE.md).")
    price_model: str = _f("", "Model whose documented price estimates the cost avoided; empty means routing.cloud.model.")


@dataclass
class ApiSettings:
    enabled: bool = _f(False, "Serve the local OpenAI-compatible API while the window is open (slm-assistant serve runs it on demand).")
    host: str = _f("127.0.0.1", "Address the local API listens on; anything but loopback lets other computers connect.")
    port: int = _f(8765, "Port of the local API.")
    queue_size: int = _f(4, "Requests that may wait for the model while it answers another; more get 429 (retry later).")
    allow_network: bool = _f(True, "Allow the local API on an address other than loopback (each time after a confirmation).")


@dataclass
class Settings:
    schema_version: int = SCHEMA_VERSION
    llm: LlmSettings = field(default_factory=LlmSettings)
    rag: RagSettings = field(default_factory=RagSettings)
    routing: RoutingSettings = field(default_factory=RoutingSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    usage: UsageSettings = field(default_factory=UsageSettings)

    # --- dotted-key access (CLI `config get/set`, policy, settings dialog) ---

    def get(self, key: str) -> Any:
        obj, fld = self._resolve(key)
        return getattr(obj, fld.name)

    def set(self, key: str, value: Any) -> None:
        """Set ``key`` to ``value``, converting strings to the field's type.

        Raises:
            SettingsError: unknown key, or a value of the wrong type or not among the choices.
        """
        obj, fld = self._resolve(key)
        current = getattr(obj, fld.name)
        if dataclasses.is_dataclass(current):
            raise SettingsError(f"'{key}' is a group of settings; set one of its keys instead.")
        converted = _convert(key, value, current)
        choices = fld.metadata.get("choices")
        if choices and not _allowed(converted, choices):
            raise SettingsError(f"'{converted}' is not a valid value for {key}.", f"Choose one of: {', '.join(choices)}.")
        setattr(obj, fld.name, converted)

    def describe(self, key: str) -> str:
        return self._resolve(key)[1].metadata.get("description", "")

    def keys(self) -> list[str]:
        """All leaf keys, dotted."""
        out: list[str] = []

        def walk(obj: Any, prefix: str) -> None:
            for f in dataclasses.fields(obj):
                value = getattr(obj, f.name)
                if dataclasses.is_dataclass(value):
                    walk(value, f"{prefix}{f.name}.")
                elif f.name != "schema_version":
                    out.append(prefix + f.name)

        walk(self, "")
        return out

    def _resolve(self, key: str) -> tuple[Any, dataclasses.Field]:
        """The group holding ``key`` and the key's field (its metadata has description, choices)."""
        *groups, name = key.split(".")
        obj: Any = self
        for part in groups:
            obj = getattr(obj, _field(obj, part, key).name)
        return obj, _field(obj, name, key)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Settings":
        """Build settings from saved JSON; unknown keys are ignored, bad values fall back to defaults."""
        settings = cls()

        def fill(obj: Any, values: dict[str, Any]) -> None:
            for f in dataclasses.fields(obj):
                if f.name not in values or f.name == "schema_version":
                    continue
                current = getattr(obj, f.name)
                if dataclasses.is_dataclass(current):
                    if isinstance(values[f.name], dict):
                        fill(current, values[f.name])
                    continue
                try:
                    value = _convert(f.name, values[f.name], current)
                except SettingsError:
                    continue  # keep the default rather than refuse to start
                choices = f.metadata.get("choices")
                if not choices or _allowed(value, choices):  # e.g. routing.policy "sometimes" keeps "off"
                    setattr(obj, f.name, value)

        fill(settings, data if isinstance(data, dict) else {})
        return settings


def _allowed(value: Any, choices: tuple[str, ...]) -> bool:
    """A value among ``choices``; for a list setting, a non-empty list of them."""
    if isinstance(value, list):
        return bool(value) and all(v in choices for v in value)
    return value in choices


def _field(obj: Any, name: str, key: str) -> dataclasses.Field:
    fields = {f.name: f for f in dataclasses.fields(obj)} if dataclasses.is_dataclass(obj) else {}
    if name not in fields:
        raise SettingsError(f"There is no setting called '{key}'.", "Run 'slm-assistant config list' to see them all.")
    return fields[name]


def _convert(key: str, value: Any, current: Any) -> Any:
    try:
        if isinstance(current, bool):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if isinstance(current, int):
            return int(value)
        if isinstance(current, float):
            return float(value)
        if isinstance(current, list):
            if isinstance(value, list):
                return list(value)
            text = str(value).strip()
            if text.startswith("["):
                return list(json.loads(text))
            return [v.strip() for v in text.split(",") if v.strip()]
        return str(value)
    except (TypeError, ValueError, json.JSONDecodeError):
        kind = type(current).__name__
        raise SettingsError(f"'{value}' is not a valid {kind} for {key}.") from None


class SettingsStore:
    """Loads and saves ``Settings`` atomically (a crash never leaves a half-written file)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Settings:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            # No settings file yet, or a damaged one (which must not stop the app): the defaults.
            return Settings()
        return Settings.from_json(data)

    def save(self, settings: Settings) -> None:
        """Write settings; raises StorageError in plain language on a full or read-only disk."""
        write_text_atomically(self.path, json.dumps(settings.to_json(), indent=2), "your settings", durable=True)
