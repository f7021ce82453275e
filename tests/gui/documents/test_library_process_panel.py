"""The documents panel as shipped: the real Library in a child process (LibraryProcess).

Slow: the child loads all-MiniLM-L6-v2 and Chroma.
"""

from __future__ import annotations

import os

import pytest

from desktop_app.app import build_core
from desktop_app.services.library_process import LibraryProcess
# ``panel`` is that module's fixture; it builds the panel on this module's ``core`` (in a child process).
from tests.gui.documents.test_documents_library import drop, make_pdf, panel  # noqa: F401

pytestmark = pytest.mark.slow


@pytest.fixture
def core(isolated_home):
    c = build_core(str(isolated_home))
    c.library_in_subprocess = True  # as application.run sets it
    yield c
    c.close()


def test_drop_index_progress_and_search_through_the_child(qtbot, panel, core, tmp_path):
    assert isinstance(core.library, LibraryProcess) and core.library.pid not in (None, os.getpid())
    ledger = make_pdf(tmp_path / "ledger.pdf", 6, "ledger")
    orchard = make_pdf(tmp_path / "orchard.pdf", 4, "orchard")
    (tmp_path / "empty.pdf").write_bytes(b"")
    values: list[int] = []
    panel.progress.bar.valueChanged.connect(values.append)
    with qtbot.waitSignal(panel.indexFinished, timeout=300000) as done:
        assert drop(panel, [ledger, orchard, str(tmp_path / "empty.pdf")])
        assert panel.busy
    report = done.args[0]
    assert report.files_indexed == 2 and report.pages == 10 and len(report.failed) == 1
    assert values and values == sorted(values) and values[-1] == 10
    problems = [panel.progress.problems.item(i).text() for i in range(panel.progress.problems.count())]
    assert any(line.startswith("Failed — empty.pdf: ") for line in problems), problems
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 1 and panel.tree.topLevelItem(0).childCount() == 2,
                    timeout=60000)
    top = core.library.search("vault access code for the archive room", k=3)[0]
    assert top.source == ledger and top.page == 3
    maps = f"/proc/{core.library.pid}/maps"
    if os.path.exists(maps):  # Linux: the child (embedder, Chroma) never loads Qt
        with open(maps) as fh:
            assert "libQt6Core" not in fh.read()


def test_cancel_in_the_panel_reaches_the_child(qtbot, panel, core, tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    files = [make_pdf(folder / f"part{i}.pdf", 20, "ledger") for i in range(6)]
    with qtbot.waitSignal(panel.indexFinished, timeout=300000) as done:
        panel.add_paths([str(folder)])
        qtbot.waitUntil(lambda: panel.progress.bar.value() >= 1, timeout=300000)
        panel.progress.cancel_button.click()
    assert done.args[0].cancelled and done.args[0].files_indexed < len(files)
    qtbot.waitUntil(lambda: not panel.busy, timeout=60000)
