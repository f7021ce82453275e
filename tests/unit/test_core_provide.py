"""Core.provide: tests and tools hand the Core ready-made components through one public door,
instead of writing its private fields (issue 10)."""

from __future__ import annotations

import pytest

from desktop_app.app import build_core
from desktop_app.app_core import COMPONENTS
from desktop_app.llm.fake import FakeBackend


@pytest.fixture
def core(isolated_home):
    core = build_core(str(isolated_home))
    yield core
    core.close()


def test_a_provided_backend_answers_without_loading_a_model(core):
    fake = FakeBackend(model_name="provided")
    assert core.provide(backend=fake) is core
    assert core.backend() is fake and core.loaded_backend() is fake


def test_provided_components_are_the_ones_the_core_hands_out(core):
    class Library:
        def close(self):
            pass

    library = Library()
    core.provide(library=library)
    assert core.library is library


def test_none_forgets_a_component_so_the_next_use_builds_it_again(core):
    first = core.store
    core.provide(store=None)
    second = core.store
    assert second is not first
    first.close()


def test_an_unknown_name_is_refused_rather_than_set_nowhere(core):
    with pytest.raises(TypeError, match="libary"):
        core.provide(libary=object())
    assert "library" in COMPONENTS and "backend" in COMPONENTS
