"""ModelManager: which GGUF models exist, which one is active, and loading it.

Rules it enforces:
- The bundled model (Qwen2.5 Coder 0.5B Instruct) is assembled once into the models folder and verified by sha256
  (see ``bundled``); an empty ``llm.model_path`` means "the bundled model".
- Machine policy wins: a policy ``llm.model_path`` is the only model; with
  ``privacy.allow_user_models = false`` adding, downloading or choosing another model raises
  PolicyError, and a model chosen earlier is ignored in favour of the bundled one.
- The manager changes ``settings`` in memory only; saving them is the caller's job
  (``Core.save_settings()``), like every other settings change in the app.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import AppError, ModelError, PolicyError
from desktop_app.llm.bundled import DEFAULT_MODEL, BundledSource, ensure_bundled_model, fast_copy_pays, record_verified, shipped_name
from desktop_app.llm.catalogue import CATALOGUE, CatalogueEntry, find_entry
from desktop_app.llm.fast_weights import is_fast_copy
from desktop_app.llm.gguf_info import GgufInfo, read_gguf_info
from desktop_app.llm.prompt_formats import select_format


@dataclass(frozen=True)
class ModelInfo:
    """A model as the settings dialog and ``models list`` show it."""

    name: str
    path: Path
    size_bytes: int
    context_length: int
    quantization: str
    architecture: str
    has_chat_template: bool
    prompt_format: str = ""
    bundled: bool = False
    active: bool = False
    problem: str = ""  # why the file cannot be used (missing, damaged...), else empty
    sha256: str = ""  # known after a download (checked, or shown so the user can compare)
    sha256_checked: bool = False

    @classmethod
    def from_gguf(cls, info: GgufInfo, bundled: bool = False, active: bool = False) -> "ModelInfo":
        return cls(
            # Named as shipped also when not the bundled model now: the 1.5B's file stays in the
            # models folder after "Faster" is chosen again ("… Instruct GGUF" in its header).
            name=shipped_name(Path(info.path).name) or info.name,
            path=info.path,
            size_bytes=info.size_bytes,
            context_length=info.context_length,
            quantization=info.quantization,
            architecture=info.architecture,
            has_chat_template=info.has_chat_template,
            prompt_format=select_format(info).name,
            bundled=bundled,
            active=active,
        )


class ModelManager:
    """Lists, validates, activates, downloads and loads models.

    Args:
        paths: where the models folder is.
        settings: the effective settings (policy applied); changed in memory, never saved here.
        policy: the machine policy.
        bundled: where the bundled model comes from (default: its package; tests inject one).
    """

    def __init__(self, paths: AppPaths, settings: Settings, policy: MachinePolicy, bundled: BundledSource | None = None) -> None:
        self.paths = paths
        self.settings = settings
        self.policy = policy
        self._bundled = bundled
        self._injected = bundled is not None  # a test's source stays, whatever the settings say
        self._bundled_for = ""  # the llm.bundled_model the source was chosen for
        self._general: tuple[str, BundledSource | None] | None = None  # (preference, source)

    # ------------------------------------------------------------------ bundled / active

    @property
    def bundled_source(self) -> BundledSource:
        # Chosen again when the user changes ``llm.bundled_model`` (the model is then reloaded).
        preference = self.settings.llm.bundled_model
        if not self._injected and (self._bundled is None or self._bundled_for != preference):
            self._bundled = BundledSource.default(preference=preference)
            self._bundled_for = preference
        return self._bundled

    @property
    def bundled_path(self) -> Path:
        return self.paths.models_dir / self.bundled_source.file_name

    def ensure_bundled(self) -> Path:
        """The verified bundled model (assembled on first use: a second or two, once)."""
        return ensure_bundled_model(self.paths.models_dir, self.bundled_source)

    @property
    def user_models_allowed(self) -> bool:
        return bool(self.settings.privacy.allow_user_models)

    def active_model_path(self) -> Path:
        """The model to run: the policy's, the user's choice, or the bundled one.

        Raises:
            ModelError: the chosen model file is missing (the message names it).
        """
        path = self._chosen_path()
        if path is None:
            return self.ensure_bundled()
        if not path.is_file():
            locked = self.policy.is_locked("llm.model_path")
            raise ModelError(
                f"The chosen model file '{path}' does not exist.",
                "Choose another model in Settings" + (" or ask your IT department." if locked else "."),
            )
        return path

    # ------------------------------------------------------------------ listing

    def model_info(self, path: str | Path) -> ModelInfo:
        """Describe the model at ``path`` from its GGUF header (no loading). Raises ModelError."""
        p = Path(path).expanduser()
        info = read_gguf_info(p)
        return ModelInfo.from_gguf(info, bundled=self._is_bundled(p), active=self._is_active(p))

    def list_models(self) -> list[ModelInfo]:
        """The bundled model, the policy's model, the user's models and downloads; problems shown, not raised."""
        candidates: list[Path] = []
        out: list[ModelInfo] = []
        try:
            candidates.append(self.ensure_bundled())
        except AppError as exc:
            out.append(ModelInfo(
                name=f"{DEFAULT_MODEL.name} (bundled)", path=self.bundled_path, size_bytes=0, context_length=0,
                quantization="Q4_K_M", architecture="qwen2", has_chat_template=True, bundled=True, problem=str(exc),
            ))
        chosen = (self.settings.llm.model_path or "").strip()
        if chosen:
            candidates.append(Path(chosen).expanduser())
        if self.user_models_allowed:
            candidates += [Path(p).expanduser() for p in self.settings.llm.user_models if str(p).strip()]
            if self.paths.models_dir.is_dir():
                candidates += sorted(p for p in self.paths.models_dir.glob("*.gguf") if p.is_file() and not is_fast_copy(p))
        seen: set[str] = set()
        for path in candidates:
            key = _key(path)
            if key in seen:
                continue
            seen.add(key)
            try:
                out.append(self.model_info(path))
            except ModelError as exc:
                out.append(ModelInfo(name=path.stem, path=path, size_bytes=_size(path), context_length=0,
                                     quantization="", architecture="", has_chat_template=False,
                                     active=self._is_active(path), problem=str(exc)))
        return out

    # ------------------------------------------------------------------ changing models

    def add_model(self, path: str | Path) -> ModelInfo:
        """Validate a GGUF and remember it in ``settings.llm.user_models`` (the caller saves).

        Validation reads the header (missing, empty, truncated, not a GGUF) and then asks this
        llama.cpp to read the vocabulary only, which is fast and catches an unsupported
        architecture before the user ever chats with it.

        Raises:
            PolicyError: the organisation does not allow other models.
            ModelError: the file is not a usable model (plain-language reason).
        """
        self._require_user_models()
        p = Path(path).expanduser().resolve()
        info = read_gguf_info(p)
        from desktop_app.llm.llama_runtime import probe_loadable

        probe_loadable(p, info.architecture)
        if not self._is_bundled(p):
            models = [m for m in self.settings.llm.user_models if _key(Path(m)) != _key(p)]
            self.settings.llm.user_models = models + [str(p)]
        return ModelInfo.from_gguf(info, bundled=self._is_bundled(p), active=self._is_active(p))

    def use_model(self, path: str | Path | None) -> ModelInfo:
        """Make ``path`` the active model (None or the bundled file = the bundled model).

        Raises:
            PolicyError: the model is locked by policy, or other models are not allowed.
            ModelError: the file is not a usable model.
        """
        self.policy.check_can_set("llm.model_path")
        if path is None or self._is_bundled(Path(path).expanduser()):
            self.settings.llm.model_path = ""
            return self.model_info(self.ensure_bundled())
        info = self.add_model(path)
        self.settings.llm.model_path = str(info.path)
        return dataclasses.replace(info, active=True)  # add_model has just read its header

    def runnable_path(self, path: Path) -> Path:
        """The file to run for ``path``: the bundled model's faster Q8_0 copy when that is on
        (``llm.fast_bundled_weights``) and can be made, else ``path`` itself. Seconds the first
        time (the copy is made once): never on the GUI thread."""
        if not (self.settings.llm.fast_bundled_weights and self._is_bundled(path)
                and fast_copy_pays(self.bundled_source.sha256)):
            return path
        from desktop_app.llm.fast_weights import ensure_fast_copy

        return ensure_fast_copy(path, self.bundled_source.sha256) or path

    def load_backend(self):
        """Load the active model with the current settings (seconds: never on the GUI thread).

        The model runs in its own process (``ProcessBackend``): a native crash or an
        out-of-memory kill ends one answer, never the window or the CLI.

        Raises:
            ModelError: the model is missing, damaged or cannot be loaded.
        """
        path, info = self.runnable(self.active_model_path())
        return self._process_backend(path, info)

    def general_source(self) -> BundledSource | None:
        """The bundled model that answers questions with no documents in play, when it is not
        the active one (``bundled.choose_general``: the 1.5B beside the 0.5B on a small machine);
        None when the active model answers everything: a model of the user's or IT's, a test's
        injected source, a ``fast`` or ``accurate`` choice, or the larger model not installed."""
        if self._injected or self._chosen_path() is not None:
            return None
        preference = self.settings.llm.bundled_model
        if self._general is None or self._general[0] != preference:
            try:
                source = BundledSource.general(preference)
            except ModelError:  # its chunks went missing: the active model answers everything
                source = None
            self._general = (preference, source)
        return self._general[1]

    def load_general_backend(self):
        """Load the model for questions without documents, or return None when the active model
        answers those too (``general_source``). Seconds: never on the GUI thread.

        Raises:
            ModelError, StorageError: the model cannot be assembled or loaded.
        """
        source = self.general_source()
        if source is None:
            return None
        path = ensure_bundled_model(self.paths.models_dir, source)
        info = read_gguf_info(path)
        return self._process_backend(path, dataclasses.replace(info, name=shipped_name(source.file_name) or info.name))

    def _process_backend(self, path: Path, info: GgufInfo):
        from desktop_app.llm.process_backend import ProcessBackend

        llm = self.settings.llm
        return ProcessBackend(
            path,
            context_length=llm.context_length,
            gpu_offload=llm.gpu_offload,
            threads=llm.threads,
            info=info,
            repeat_penalty=llm.repeat_penalty,
            flash_attention=llm.flash_attention,
        )

    def runnable(self, active: Path) -> tuple[Path, GgufInfo]:
        """The file to run for the ``active`` model and its header, named as the app ships it
        when it is the bundled model (its own ``general.name`` may name another format)."""
        path = self.runnable_path(active)
        info = read_gguf_info(path)
        name = shipped_name(self.bundled_source.file_name) if self._is_bundled(active) else None
        return path, (dataclasses.replace(info, name=name) if name else info)

    # ------------------------------------------------------------------ catalogue

    def catalogue(self) -> tuple[CatalogueEntry, ...]:
        return CATALOGUE

    def download(
        self,
        name: str,
        url: str | None = None,
        sha256: str | None = None,
        progress: Callable[[int, int | None], None] | None = None,
        cancel: CancelToken | None = None,
    ) -> ModelInfo:
        """Download a catalogue model (or ``url``) into the models folder and add it.

        Resumes an interrupted download; checks ``sha256`` when one is known; the file must
        then be a loadable GGUF. Runs only when the user asks.

        Raises:
            PolicyError: other models are not allowed. Cancelled: the user cancelled.
            ModelError: unknown name, network failure, checksum mismatch, not a usable model.
        """
        self._require_user_models()
        entry = find_entry(name)
        if entry is None and not url:
            names = ", ".join(e.name for e in CATALOGUE)
            raise ModelError(f"There is no model called '{name}' in the catalogue.", f"Choose one of: {names}, or give --url.")
        source = url or entry.url  # type: ignore[union-attr]
        file_name = entry.file_name if entry and not url else _file_name_from(source, name)
        expected = sha256 or (entry.sha256 if entry and not url else None)
        target = self.paths.models_dir / file_name
        from desktop_app.llm.downloader import download_file

        result = download_file(source, target, sha256=expected, progress=progress, cancel=cancel)
        try:
            info = self.add_model(target)
        except ModelError:
            target.unlink(missing_ok=True)  # a download that is not a model only wastes space
            raise
        record_verified(target, result.sha256)
        return dataclasses.replace(info, sha256=result.sha256, sha256_checked=bool(expected))

    # ------------------------------------------------------------------ helpers

    def _require_user_models(self) -> None:
        if not self.user_models_allowed:
            raise PolicyError(
                "Your organization does not allow adding other models.",
                "The bundled model (or the one your IT department chose) stays in use.",
            )

    def _is_bundled(self, path: Path) -> bool:
        return _key(path) == _key(self.bundled_path)

    def _chosen_path(self) -> Path | None:
        """The model chosen in settings, or None for the bundled one: without permission for
        other models, a choice made earlier is ignored unless the policy itself set it."""
        chosen = (self.settings.llm.model_path or "").strip()
        if not chosen or (not self.policy.is_locked("llm.model_path") and not self.user_models_allowed):
            return None
        return Path(chosen).expanduser()

    def _is_active(self, path: Path) -> bool:
        chosen = self._chosen_path()
        return self._is_bundled(path) if chosen is None else _key(path) == _key(chosen)


def _key(path: Path) -> str:
    try:
        return str(path.expanduser().resolve())
    except OSError:
        return str(path)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _file_name_from(url: str, fallback: str) -> str:
    """A safe file name for a download: the URL's last segment, else the given name."""
    last = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", last or fallback).lstrip(".") or "model"
    return name if name.lower().endswith(".gguf") else name + ".gguf"
