"""A real Core (settings, policy, store under the test home) whose model is a FakeBackend."""

from __future__ import annotations

import pytest

from desktop_app.llm.fake import FakeBackend


@pytest.fixture
def fake_core(monkeypatch, isolated_home):
    """The Core that ``cli.main`` builds, with the local model replaced by a FakeBackend.

    ``fake_core.backend_fake`` scripts the answers; ``fake_core.with_gateway(g)`` adds a cloud gateway.
    """
    import desktop_app.app as app

    real_build = app.build_core
    holder: dict = {}

    def build(home=None):
        core = real_build(home)
        core.provide(backend=holder.setdefault("backend", FakeBackend(model_name="fake-gemma")))
        if "gateway" in holder:
            core.provide(gateway=holder["gateway"])
        holder["core"] = core
        return core

    monkeypatch.setattr(app, "build_core", build)

    class Handle:
        @property
        def backend_fake(self) -> FakeBackend:
            return holder.setdefault("backend", FakeBackend(model_name="fake-gemma"))

        def use_backend(self, backend) -> None:
            holder["backend"] = backend

        def with_gateway(self, gateway) -> None:
            holder["gateway"] = gateway

        @property
        def core(self):
            return holder["core"]

    return Handle()


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    from desktop_app.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def with_library(monkeypatch, hits, collections=("hr",)):
    """Every core the CLI builds gets a library with ``collections`` indexed and ``hits`` to find."""
    from desktop_app.rag.records import CollectionInfo
    from tests.unit.assistant_fakes import FakeRetriever

    retriever = FakeRetriever(hits)

    class FakeLibrary:
        def retriever(self):
            return retriever

        def collections(self):
            return [CollectionInfo(name, 1, 3, 9) for name in collections]

        def close(self):
            pass

    import desktop_app.app as app

    build = app.build_core

    def build_with_library(home=None):
        core = build(home)
        core.provide(library=FakeLibrary())
        core.paths.index_manifest.parent.mkdir(parents=True, exist_ok=True)
        core.paths.index_manifest.touch()  # "something was indexed"
        return core

    monkeypatch.setattr(app, "build_core", build_with_library)
    return retriever
