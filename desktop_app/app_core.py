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
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings, SettingsStore

if TYPE_CHECKING:  # the Library's imports (Chroma, the embedder) stay lazy at run time
    from desktop_app.services.library_api import DocumentLibrary

log = logging.getLogger(__name__)
T = TypeVar("T")

# The components a Core builds on first use, which ``Core.provide`` may replace.
COMPONENTS = ("store", "models", "backend", "library", "assistant", "gateway", "usage")


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
    # Two locks: ``_lock`` guards the quick-to-build components (the GUI thread takes it);
    # ``_backend_lock`` guards only the model's bookkeeping and is never held during a load.
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _backend_lock: threading.Lock = field(default_factory=threading.Lock)
    # Every change-and-save of the settings file in this process holds this (update_settings,
    # and the Library's on-device-only switch): one writer at a time, no lost changes.
    _settings_lock: threading.RLock = field(default_factory=threading.RLock)
    _backend_loading: Any = None  # a Future while a load runs
    _backend_generation: int = 0  # bumped by reload_backend: a load started before is stale
    _closed: bool = False
    _store: Any = None
    _models: Any = None
    _backend: Any = None
    _library: Any = None
    _assistant: Any = None
    _gateway: Any = None
    _usage: Any = None

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
        caller during a load waits for the same load (``_backend_loading``), never starts another.

        Raises:
            ModelError, AppError: the model cannot be loaded (every waiting caller gets the error).
        """
        with self._backend_lock:
            if self._backend is not None:
                return self._backend
            loading = self._backend_loading
            if loading is not None:
                owner = False
            else:
                loading = self._backend_loading = Future()
                generation = self._backend_generation
                owner = True
        if not owner:
            return loading.result()
        try:
            backend = self._load_current_backend(generation)
        except BaseException as exc:
            loading.set_exception(exc)
            raise
        else:
            loading.set_result(backend)
            return backend
        finally:
            with self._backend_lock:
                if self._backend_loading is loading:
                    self._backend_loading = None

    def loaded_backend(self):
        """The model if it is loaded already, else None (never loads: diagnostics, status)."""
        with self._backend_lock:
            return self._backend

    def _load_current_backend(self, generation: int):
        """Load; if the model was reloaded (or the app closed) meanwhile, drop that stale one."""
        while True:
            backend = self.models.load_backend()
            with self._backend_lock:
                if self._closed:
                    stale, backend = backend, None
                elif self._backend_generation == generation:
                    self._backend = backend
                    return backend
                else:  # the settings changed during the load: load again with the new ones
                    stale, generation = backend, self._backend_generation
            _close_quietly(stale)
            if backend is None:
                from desktop_app.core.errors import AppError

                raise AppError("The app is closing.")

    def reload_backend(self) -> None:
        """Forget the loaded model (after the model or offload settings changed).

        Never waits (the GUI thread calls this): a load in progress notices and loads again
        with the new settings, and the old model is closed on a thread of its own, since closing
        waits for the model's process to exit (about 0.35 s, measured by
        benchmarks/gui_model_load_latency.py). Not a daemon: the interpreter waits for it at exit.
        """
        with self._backend_lock:
            old, self._backend = self._backend, None
            self._backend_generation += 1
        if old is not None:
            threading.Thread(target=_close_quietly, args=(old,), name="model-close", daemon=False).start()

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
        _close_quietly(old)

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

        Each keyword names a component (``COMPONENTS``: store, models, backend, library,
        assistant, gateway, usage). Its value replaces the one built or to be built; ``None``
        forgets it, so the next use builds it again from the settings. An unknown name raises
        TypeError rather than quietly setting nothing.

        Returns:
            This Core, so a test can write ``core = build_core(home).provide(backend=fake)``.
        """
        unknown = sorted(set(components) - set(COMPONENTS))
        if unknown:
            raise TypeError(f"Core has no component named {', '.join(unknown)}")
        if "backend" in components:
            with self._backend_lock:  # the model's own lock, as in backend() and close()
                self._backend = components.pop("backend")
                self._backend_generation += 1  # a load still running is stale now
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
        with self._backend_lock:
            backend, self._backend, self._closed = self._backend, None, True
        with self._lock:
            for obj in (backend, self._gateway, self._library, self._store, self._usage):
                _close_quietly(obj)
            self._gateway = self._library = self._store = self._usage = None


def _close_quietly(obj) -> None:
    if obj is None:
        return
    try:
        obj.close()
    except Exception:  # closing must never stop shutdown
        log.warning("Closing %s failed", type(obj).__name__, exc_info=True)
