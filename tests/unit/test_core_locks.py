"""Core: a model load never holds the lock the GUI thread takes; two callers share one load;
a reload during a load gives the new model, not the stale one."""

from __future__ import annotations

import threading

import pytest

from desktop_app.app import build_core
from desktop_app.core.errors import ModelError
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
    models = core._models = SlowModels(block_s=2.0)
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
    models = core._models = SlowModels()
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
    models = core._models = SlowModels(fail=True)
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
    models = core._models = SlowModels()
    results: list = []
    loader = load_in_thread(core, results)
    assert models.started.wait(5)
    core.reload_backend()  # from the GUI thread, after Settings -> Apply: returns at once
    assert not models.finished.is_set()
    models.release.set()
    loader.join(5)
    assert models.loads == 2
    stale, fresh = models.made
    assert stale.closed and not fresh.closed
    assert results == [fresh] and core.backend() is fresh


def test_reload_closes_the_loaded_model_and_the_next_call_loads_again(core):
    models = core._models = SlowModels()
    models.release.set()
    first = core.backend()
    core.reload_backend()
    assert first.closed
    second = core.backend()
    assert second is not first and models.loads == 2


def test_an_injected_backend_is_used_without_loading(core):
    core._models = SlowModels()
    backend = core._backend = FakeBackend(model_name="injected")
    assert core.backend() is backend and core._models.loads == 0
