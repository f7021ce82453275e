"""The app's object graph (``Core``): settings, policy and paths, and every component built lazily.

One ``Core`` per running window, CLI command or ``serve``; ``desktop_app.app.build_core`` makes it.
It is Qt-free, so the window, the CLI and the local API share it, and the window's classes can
name its type without importing the composition root (which imports the window).
Heavy components (llama.cpp model, embedder, Chroma) are created on first use, each under a lock,
so the window appears before any model loads.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings, SettingsStore
from desktop_app.core.lazy_load import LazyLoad, close_quietly

if TYPE_CHECKING:  # the Library's imports (Chroma, the embedder) stay lazy at run time
    from desktop_app.services.library_api import DocumentLibrary

log = logging.getLogger(__name__)
T = TypeVar("T")

# The components a Core builds on first use, which ``Core.provide`` may replace.
COMPONENTS = ("store", "models", "backend", "general_backend", "library", "assistant", "gateway", "usage")


@dataclass
class Core:
    """The Qt-free object graph of one running app (or one CLI command)."""

    paths: AppPaths
    policy: MachinePolicy
    settings_store: SettingsStore
    settings: Settings
    # The GUI sets this: its Library then runs in a child process (LibraryProcess), whose
    # imports and Chroma writes cannot hold the window's GIL. The CLI keeps it in-process.
    library_in_subprocess: bool = False
    # ``_lock`` guards the quick-to-build components (the GUI thread takes it); the models have
    # their own (``LazyLoad``), never held during a load.
    _lock: threading.RLock = field(default_factory=threading.RLock)
    # Every change-and-save of the settings file in this process holds this (update_settings,
    # and the Library's on-device-only switch): one writer at a time, no lost changes.
    _settings_lock: threading.RLock = field(default_factory=threading.RLock)
    # Why the separate model for questions without documents did not load ("" when it did,
    # or there is none): self-test names it; the main model answers those questions meanwhile.
    general_problem: str = ""
    _store: Any = None
    _models: Any = None
    _library: Any = None
    _assistant: Any = None
    _gateway: Any = None
    _usage: Any = None

    def __post_init__(self) -> None:
        # The main model answers document questions (and everything, where it is the only one);
        # the general one, where there is one, answers questions with no documents in play.
        self._main_model = LazyLoad(lambda: self.models.load_backend(), "model")
        self._general_model = LazyLoad(lambda: self.models.load_general_backend(), "general-model")

    # Each accessor builds its component on first use, under a lock, because the GUI's
    # workers may ask for the same component from two threads at once.

    @property
    def store(self):
        with self._lock:
            if self._store is None:
                from desktop_app.core.conversation_store import ConversationStore

                self._store = ConversationStore(self.paths.conversations_db)
            return self._store

    @property
    def models(self):
        with self._lock:
            if self._models is None:
                from desktop_app.llm.models import ModelManager

                self._models = ModelManager(self.paths, self.settings, self.policy)
            return self._models

    def backend(self):
        """The loaded local model (loads it on first call: seconds, never on the GUI thread).

        The load runs outside ``_lock``, which the GUI thread takes to reach the store, the
        library and the settings: holding it for a model load would freeze the window. A second
        caller during a load waits for the same load, never starts another (``LazyLoad``).

        Raises:
            ModelError, AppError: the model cannot be loaded (every waiting caller gets the error).
        """
        return self._main_model.get()

    def general_backend(self):
        """The model for a question with no documents in play: the larger bundled model where
        ``ModelManager.load_general_backend`` gives one (a small machine with it installed),
        else ``backend()``. Loads on first call; never on the GUI thread.

        If the larger model cannot be loaded (memory, damaged files), the main model answers
        and the reason is logged: a general question still gets its answer.

        Raises:
            ModelError, AppError: the main model cannot be loaded.
        """
        main = self.backend()
        try:
            general = self._general_model.get()
        except Exception as exc:  # noqa: BLE001 - any failure of the extra model falls back
            log.warning("The model for questions without documents did not load: %s", exc)
            self._general_model.set(None)  # not retried on every question; a reload tries again
            self.general_problem = str(exc)
            general = None
        return general or main

    def loaded_backend(self):
        """The model if it is loaded already, else None (never loads: diagnostics, status)."""
        return self._main_model.loaded()

    def loaded_general_backend(self):
        """The separate model for questions without documents if it is loaded, else None."""
        return self._general_model.loaded()

    def reload_backend(self) -> None:
        """Forget the loaded models (after the model or offload settings changed).

        Never waits (the GUI thread calls this): a load in progress notices and loads again
        with the new settings, and the old models are closed on threads of their own.
        """
        self._main_model.reset()
        self._general_model.reset()
        self.general_problem = ""

    @property
    def library(self) -> DocumentLibrary:
        """Document indexing and retrieval (embedder and Chroma load lazily inside)."""
        with self._lock:
            if self._library is None and self.library_in_subprocess:
                from desktop_app.services.library_process import LibraryProcess

                self._library = LibraryProcess(self.paths, self.settings, self.policy,
                                               settings_lock=self._settings_lock)
            elif self._library is None:
                from desktop_app.services.library import Library

                self._library = Library(self.paths, self.settings, self.policy, settings_lock=self._settings_lock)
            return self._library

    @property
    def gateway(self):
        """The cloud gateway, or None when routing is off (then no network code is even imported)."""
        with self._lock:
            if self._gateway is None and self.settings.routing.policy != "off":
                from desktop_app.routing.gateway import build_gateway

                # The router asks the local model's confidence (a 16-token draft) only for
                # borderline questions; the draft also warms the KV cache for a local answer.
                self._gateway = build_gateway(self.paths, self.settings, self.policy,
                                              confidence_probe=lambda messages: self.backend().draft_confidence(messages))
            return self._gateway

    def reset_gateway(self) -> None:
        """Forget the gateway and the Assistant built on it (the routing settings changed).

        The old gateway is closed (its HTTP connections); an answer still streaming through it
        keeps its connection until it ends (``Gateway.close``).
        """
        with self._lock:
            old, self._gateway = self._gateway, None
            self._assistant = None
        close_quietly(old)

    @property
    def usage(self):
        """The usage ledger (counts per answer, never text); the file opens on first use."""
        with self._lock:
            if self._usage is None:
                from desktop_app.services.usage import UsageLedger

                self._usage = UsageLedger(self.paths.usage_db, self.settings, managed=self.policy.is_locked("usage.enabled"))
            return self._usage

    @property
    def assistant(self):
        with self._lock:
            if self._assistant is None:
                from desktop_app.rag.prompting import build_grounded_prompt
                from desktop_app.services.assistant import Assistant
                from desktop_app.services.usage import UsageRecorder

                off_by_policy = self.policy.is_locked("routing.policy") and self.settings.routing.policy == "off"
                self._assistant = Assistant(
                    store=self.store,
                    backend_factory=self.backend,
                    general_backend_factory=self.general_backend,
                    settings=self.settings,
                    retriever_factory=lambda: self.library.retriever(),
                    gateway=self.gateway,
                    grounding=build_grounded_prompt,
                    observer=UsageRecorder(self.usage, off_by_policy).observe,
                    unmentioned=lambda words, collections: self.library.unmentioned(words, collections),
                )
            return self._assistant

    def provide(self, **components: Any) -> "Core":
        """Use ready-made components instead of the ones this Core builds (tests, benchmarks, tools).

        Each keyword names a component (``COMPONENTS``: store, models, backend, general_backend,
        library, assistant, gateway, usage). Its value replaces the one built or to be built;
        ``None`` forgets it, so the next use builds it again from the settings. A provided
        ``backend`` also answers questions without documents unless ``general_backend`` is given
        too. An unknown name raises TypeError rather than quietly setting nothing.

        Returns:
            This Core, so a test can write ``core = build_core(home).provide(backend=fake)``.
        """
        unknown = sorted(set(components) - set(COMPONENTS))
        if unknown:
            raise TypeError(f"Core has no component named {', '.join(unknown)}")
        if "backend" in components:
            # A provided model answers every question (no separate general model is loaded);
            # None forgets it, and the next question loads both from the settings again.
            backend = components.pop("backend")
            self._main_model.set(backend, ready=backend is not None)
            self._general_model.set(None, ready=backend is not None)
        if "general_backend" in components:  # the separate model for questions without documents
            general = components.pop("general_backend")
            self._general_model.set(general, ready=general is not None)
        with self._lock:
            for name, value in components.items():
                setattr(self, f"_{name}", value)
        return self

    def update_settings(self, change: Callable[[Settings], T]) -> T:
        """Change the live settings and save them, as one step, from any thread.

        Pool threads (folder watch, model pages) and the GUI thread change the same Settings;
        two saves racing each other could write an older snapshot last and lose a change. Under
        ``_settings_lock`` each change is applied and saved before the next one starts.

        Args:
            change: called with the live settings (raises SettingsError/PolicyError to refuse).

        Returns:
            What ``change`` returned.

        Raises:
            StorageError: the settings file cannot be written (the change stays in memory).
        """
        with self._settings_lock:
            result = change(self.settings)
            self.settings_store.save(self.settings)
            return result

    def save_settings(self) -> None:
        """Persist the user's settings (policy-locked values are re-applied on load anyway)."""
        with self._settings_lock:
            self.settings_store.save(self.settings)

    def close(self) -> None:
        self._main_model.close()
        self._general_model.close()
        with self._lock:
            for obj in (self._gateway, self._library, self._store, self._usage):
                close_quietly(obj)
            self._gateway = self._library = self._store = self._usage = None
