"""Core: a model load never holds the lock the GUI thread takes; two callers share one load;
a reload during a load gives the new model, not the stale one."""

from __future__ import annotations

import threading

import pytest

from desktop_app.app import build_core
from desktop_app.core.errors import ModelError
from desktop_app.core.records import Message
from desktop_app.llm.fake import FakeBackend


class SlowModels:
    """ModelManager stand-in whose load blocks until released (at most ``block_s``)."""

    def __init__(self, block_s: float = 2.0, fail: bool = False) -> None:
        self.block_s = block_s
        self.fail = fail
        self.release = threading.Event()
        self.started = threading.Event()
        self.finished = threading.Event()
        self.loads = 0
        self.made: list[FakeBackend] = []

    def load_backend(self):
        self.loads += 1
        self.started.set()
        self.release.wait(self.block_s)
        self.finished.set()
        if self.fail:
            raise ModelError("The model file is damaged.")
        backend = FakeBackend(model_name=f"model-{self.loads}")
        backend.closed = False
        backend.close = lambda b=backend: setattr(b, "closed", True)
        self.made.append(backend)
        return backend


@pytest.fixture
def core(isolated_home):
    core = build_core(str(isolated_home))
    yield core
    core.close()


def load_in_thread(core, results):
    def run():
        try:
            results.append(core.backend())
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results.append(exc)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def test_the_gui_threads_accessors_do_not_wait_for_a_model_load(core):
    models = SlowModels(block_s=2.0)
    core.provide(models=models)
    results: list = []
    loader = load_in_thread(core, results)
    assert models.started.wait(5)
    # What the GUI thread reaches while the model loads: with the load under the same lock,
    # each of these would return only after the 2 s load ended.
    assert core.store is not None
    assert core.library is not None
    assert core.settings is not None and core.usage is not None
    core.save_settings()
    assert not models.finished.is_set(), "an accessor waited for the model load"
    models.release.set()
    loader.join(5)
    assert results and results[0].model_name == "model-1"


def test_two_callers_during_a_load_share_it(core):
    models = SlowModels()
    core.provide(models=models)
    results: list = []
    first = load_in_thread(core, results)
    assert models.started.wait(5)
    second = load_in_thread(core, results)
    models.release.set()
    first.join(5)
    second.join(5)
    assert models.loads == 1
    assert len(results) == 2 and results[0] is results[1]
    assert core.backend() is results[0]


def test_a_failed_load_reaches_every_waiter_and_the_next_call_tries_again(core):
    models = SlowModels(fail=True)
    core.provide(models=models)
    results: list = []
    first = load_in_thread(core, results)
    assert models.started.wait(5)
    second = load_in_thread(core, results)
    models.release.set()
    first.join(5)
    second.join(5)
    assert len(results) == 2 and all(isinstance(r, ModelError) for r in results)
    models.fail = False
    assert core.backend().model_name == "model-2"


def test_a_reload_during_a_load_does_not_wait_and_gives_the_new_model(core):
    models = SlowModels()
    core.provide(models=models)
    results: list = []
    loader = load_in_thread(core, results)
    assert models.started.wait(5)
    core.reload_backend()  # from the GUI thread, after Settings -> Apply: returns at once
    assert not models.finished.is_set()
    models.release.set()
    loader.join(5)
    assert models.loads == 2
    stale, fresh = models.made
    assert stale.closed and not fresh.closed  # the overtaken load closed its stale model itself
    assert results == [fresh] and core.backend() is fresh


def test_reload_closes_the_loaded_model_and_the_next_call_loads_again(core):
    models = SlowModels()
    core.provide(models=models)
    models.release.set()
    first = core.backend()
    closed_on: list = []
    first.close = lambda: closed_on.append(threading.current_thread().name)
    core.reload_backend()
    for t in [t for t in threading.enumerate() if t.name == "model-close"]:
        t.join(5)
    assert closed_on == ["model-close"]  # closing waits for the model's process: never on the caller's thread
    second = core.backend()
    assert second is not first and models.loads == 2


def test_an_injected_backend_is_used_without_loading(core):
    core.provide(models=SlowModels())
    backend = FakeBackend(model_name="injected")
    core.provide(backend=backend)
    assert core.backend() is backend and core.models.loads == 0


class SlowFirstSave:
    """SettingsStore stand-in writing the real file: the first save serializes, then pauses
    before writing, so a second save started meanwhile would finish first and be overwritten."""

    def __init__(self, real) -> None:
        self.real = real
        self.path = real.path
        self.first_entered = threading.Event()
        self.saves = 0

    def load(self):
        return self.real.load()

    def save(self, settings) -> None:
        import json
        import time

        from desktop_app.core.files import write_text_atomically

        self.saves += 1
        text = json.dumps(settings.to_json(), indent=2)
        if self.saves == 1:
            self.first_entered.set()
            time.sleep(0.3)
        write_text_atomically(self.path, text, "your settings")


def test_two_threads_changing_different_keys_both_reach_the_saved_file(core):
    from desktop_app.config.settings import SettingsStore

    core.settings_store = SlowFirstSave(core.settings_store)
    watch = threading.Thread(target=core.update_settings,
                             args=(lambda s: s.set("rag.watch_folders", ["/inbox"]),), daemon=True)
    watch.start()
    assert core.settings_store.first_entered.wait(5)
    # A second pool thread changes another key while the first save is still being written.
    temperature = threading.Thread(target=core.update_settings,
                                   args=(lambda s: s.set("llm.temperature", 0.35),), daemon=True)
    temperature.start()
    watch.join(5)
    temperature.join(5)
    saved = SettingsStore(core.paths.settings_file).load()
    assert saved.rag.watch_folders == ["/inbox"]
    assert saved.llm.temperature == 0.35


def test_a_refused_change_saves_nothing(core):
    from desktop_app.core.errors import SettingsError

    with pytest.raises(SettingsError):
        core.update_settings(lambda s: s.set("llm.no_such_key", 1))
    assert not core.paths.settings_file.exists()


def test_the_on_device_only_switch_saves_under_the_cores_settings_lock(core):
    """The Library's settings write and the Core's are one writer at a time in this process."""
    library = core.library
    held = threading.Event()
    release = threading.Event()

    def hold(settings):
        held.set()
        release.wait(5)

    holder = threading.Thread(target=core.update_settings, args=(hold,), daemon=True)
    holder.start()
    assert held.wait(5)
    switch = threading.Thread(target=library.set_on_device_only, args=("hr", True), daemon=True)
    switch.start()
    switch.join(0.2)
    assert switch.is_alive(), "the Library saved the settings while the Core was saving them"
    release.set()
    holder.join(5)
    switch.join(5)
    from desktop_app.config.settings import SettingsStore

    assert SettingsStore(core.paths.settings_file).load().routing.on_device_only_collections == ["hr"]


def test_closing_the_core_closes_the_cloud_gateways_connections(core):
    from desktop_app.config.paths import AppPaths
    from desktop_app.config.policy import MachinePolicy
    from desktop_app.config.settings import Settings
    from desktop_app.routing.gateway import build_gateway

    s = Settings()
    s.routing.policy = "auto"
    s.routing.cloud.base_url = "http://127.0.0.1:9/v1"
    s.routing.cloud.model = "big"
    cloud = FakeBackend("big")
    closed = []
    cloud.close = lambda: closed.append(True)
    core.provide(gateway=build_gateway(AppPaths.resolve(core.paths.data_dir.parent), s, MachinePolicy(), {},
                                       backend_factory=lambda c: cloud))
    assert core._gateway.backend() is cloud
    core.close()
    assert closed == [True] and core._gateway is None


def _gateway_on(core, cloud):
    from desktop_app.config.paths import AppPaths
    from desktop_app.config.policy import MachinePolicy
    from desktop_app.config.settings import Settings
    from desktop_app.routing.gateway import build_gateway

    s = Settings()
    s.routing.policy = "auto"
    s.routing.cloud.base_url = "http://127.0.0.1:9/v1"
    s.routing.cloud.model = "big"
    return build_gateway(AppPaths.resolve(core.paths.data_dir.parent), s, MachinePolicy(), {},
                         backend_factory=lambda c: cloud)


def test_resetting_the_gateway_closes_the_old_ones_connections_after_its_last_answer(core):
    from desktop_app.routing.base import HandoffPlan

    cloud = FakeBackend("big").enqueue("One two three.")
    closed = []
    cloud.close = lambda: closed.append(True)
    gateway = _gateway_on(core, cloud)
    core.provide(gateway=gateway)
    plan = HandoffPlan(route="cloud", reason="test", model="big", outgoing=(Message("user", "hi"),))
    streaming = gateway.stream(plan)
    first = next(streaming)  # an answer is streaming through the old gateway
    core.reset_gateway()  # the routing settings changed meanwhile
    assert core._gateway is None and closed == []  # the answer keeps its connection...
    assert first + "".join(streaming) == "One two three."
    assert closed == [True]  # ...and the last stream to end closes it


def test_resetting_an_idle_gateway_closes_it_at_once(core):
    cloud = FakeBackend("big")
    closed = []
    cloud.close = lambda: closed.append(True)
    core.provide(gateway=_gateway_on(core, cloud))
    core._gateway.backend()
    core.reset_gateway()
    assert closed == [True]
