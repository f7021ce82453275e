"""Library service with fakes: organising, on-device-only settings, rebuild, folder watching."""

from __future__ import annotations

import json
import os
import time

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings, SettingsStore
from desktop_app.core.errors import AppError, IndexMismatchError, PolicyError
from desktop_app.rag.embedder import FakeEmbedder
from desktop_app.rag.fake import InMemoryVectorStore
from desktop_app.rag.watcher import FolderWatcher
from desktop_app.services.library import Library
from tests.rag_fixtures import drain


@pytest.fixture
def paths(isolated_home):
    return AppPaths.resolve(isolated_home)


def make_library(paths, embedder=None, vectors=None, settings=None, policy=None) -> Library:
    return Library(paths, settings or Settings(), policy or MachinePolicy(), embedder=embedder or FakeEmbedder(),
                   vector_store=vectors if vectors is not None else InMemoryVectorStore())


def write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def test_collections_documents_and_removal(paths, tmp_path):
    lib = make_library(paths)
    write(tmp_path / "hr", "leave.md", "Annual leave is 25 days per year for all staff.")
    write(tmp_path / "eng", "pumps.txt", "Pump P-7 needs new seals every spring.")
    drain(lib.index([str(tmp_path / "hr")], "hr"))
    drain(lib.index([str(tmp_path / "eng")], "eng"))
    assert [(c.name, c.documents) for c in lib.collections()] == [("eng", 1), ("hr", 1)]
    assert [d.collection for d in lib.documents("hr")] == ["hr"]
    assert lib.search("How many days of annual leave?", collections=["hr"])[0].source.endswith("leave.md")

    lib.remove_collection("hr")
    assert [c.name for c in lib.collections()] == ["eng"]
    assert lib.search("annual leave days", collections=["hr"]) == []
    with pytest.raises(AppError):
        lib.remove_collection("hr")
    with pytest.raises(AppError, match="not in the document index"):
        lib.remove_document(str(tmp_path / "nowhere.pdf"))
    lib.remove_document(str(tmp_path / "eng" / "pumps.txt"))
    assert lib.documents() == [] and lib.retriever() is None


def test_on_device_only_is_saved_in_the_users_settings_only(paths, tmp_path):
    settings = Settings()
    lib = make_library(paths, settings=settings)
    lib.set_on_device_only("legal", True)
    assert settings.routing.on_device_only_collections == ["legal"]
    saved = json.loads(paths.settings_file.read_text())
    assert saved["routing"]["on_device_only_collections"] == ["legal"]
    lib.set_on_device_only("legal", False)
    assert SettingsStore(paths.settings_file).load().routing.on_device_only_collections == []

    # IT keeps "legal" on the device: it cannot be un-marked, but the user's own marks still work.
    required = MachinePolicy(values={"routing.on_device_only_collections": ["legal"]})
    managed = make_library(paths, settings=required.apply(Settings()), policy=required)
    with pytest.raises(PolicyError, match="keeps the collection 'legal' on this device"):
        managed.set_on_device_only("legal", False)
    managed.set_on_device_only("diary", True)
    assert managed.settings.routing.on_device_only_collections == ["legal", "diary"]
    assert SettingsStore(paths.settings_file).load().routing.on_device_only_collections == ["diary"]
    managed.set_on_device_only("diary", False)
    assert managed.settings.routing.on_device_only_collections == ["legal"]


def test_other_model_is_refused_then_rebuild_reindexes_everything(paths, tmp_path):
    vectors = InMemoryVectorStore()
    write(tmp_path / "docs", "a.md", "The warehouse in Ghent stores spare turbine blades.")
    drain(make_library(paths, vectors=vectors).index([str(tmp_path / "docs")], "ops"))

    other = make_library(paths, embedder=FakeEmbedder(dimension=128), vectors=vectors)
    with pytest.raises(IndexMismatchError):
        other.retriever()
    with pytest.raises(IndexMismatchError):
        drain(other.index([str(tmp_path / "docs")], "ops"))
    report = drain(other.index([], rebuild=True))
    assert report.files_indexed == 1
    assert other.manifest.embedder() == ("fake-hash-128", 128)
    assert other.search("Where are spare turbine blades stored?")[0].collection == "ops"


def test_folder_watcher_reports_a_change_once_it_settles(tmp_path):
    seen = []
    folder = tmp_path / "w"
    write(folder, "a.md", "first")
    watcher = FolderWatcher([str(folder)], seen.append, interval_s=0.01)
    watcher._last = {watcher.folders[0]: frozenset()}
    assert watcher.poll_once() == []  # a change is seen...
    assert watcher.poll_once() == [watcher.folders[0]]  # ...and acted on when unchanged one interval later
    assert watcher.poll_once() == []
    (folder / "ignored.vsdx").write_text("x")
    assert watcher.poll_once() == [] and watcher.poll_once() == []
    write(folder, "b.md", "second")
    os.utime(folder / "b.md", (time.time() + 5, time.time() + 5))
    watcher.poll_once()
    assert watcher.poll_once() == [watcher.folders[0]]
    assert seen == [watcher.folders[0]] * 2


def test_library_watch_indexes_new_files(paths, tmp_path):
    lib = make_library(paths)
    folder = tmp_path / "inbox"
    write(folder, "one.md", "The Oslo office closes at noon on Fridays.")
    reports = []
    lib.watch([str(folder)], "inbox", interval_s=0.05, on_report=reports.append)
    try:
        deadline = time.monotonic() + 20
        while not lib.documents() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [d.collection for d in lib.documents()] == ["inbox"]
        write(folder, "two.md", "Parking permits are renewed every January.")
        while len(lib.documents()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(lib.documents()) == 2
    finally:
        lib.close()
    assert reports and all(r.ok for r in reports)
