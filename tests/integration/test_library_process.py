"""LibraryProcess with the real Library (embedder, Chroma, FTS5) in a spawned child process.

Slow: every child start loads all-MiniLM-L6-v2 (about 10 s on a busy machine), so each test
starts as few children as its claim needs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from desktop_app.app import build_core
from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import AppError
from desktop_app.services.library_process import IndexerStoppedError, LibraryProcess
from tests.rag_fixtures import drain, prose_pdf, write_pdf

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "chromadb", "sentence_transformers", "transformers")


def ledger_pdf(path: Path) -> Path:
    """Four pages; page 3 alone holds the vault code ZEBRA-4471."""
    pages = []
    for n in range(1, 5):
        blocks: list[object] = [f"# Ledger, page {n}", f"The orchard produced {n * 10} tonnes of apples this season."]
        if n == 3:
            blocks.append("The vault access code for the archive room is ZEBRA-4471.")
        pages.append(blocks)
    return write_pdf(path, pages)


def gone(pid: int) -> bool:
    """The process has exited (a zombie not yet reaped by a container's init counts as exited)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        return "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True


@pytest.fixture
def library(isolated_home):
    core = build_core(str(isolated_home))
    lib = LibraryProcess(core.paths, core.settings, core.policy)
    yield lib
    lib.close()


def test_index_search_and_organise_through_the_child(library, tmp_path, isolated_home):
    pdf = ledger_pdf(tmp_path / "ledger.pdf")
    progress: list = []
    searched: list = []

    def search_while_indexing(_p) -> None:
        if not searched:  # from another thread, while the job is running in the child
            t = threading.Thread(target=lambda: searched.append(library.search("apples", k=2)))
            t.start()
            t.join(120)
            assert not t.is_alive(), "a search during indexing did not answer"

    report = drain(library.index([str(pdf)], "ledgers"), lambda p: (progress.append(p), search_while_indexing(p)))
    assert report.files_indexed == 1 and report.pages == 4 and not report.cancelled
    assert progress and progress[-1].pages_done == 4 and progress[-1].pages_total == 4
    assert searched and isinstance(searched[0], list)

    hits = library.search("vault access code for the archive room", k=3)
    assert hits[0].source == str(pdf) and hits[0].page == 3 and "ZEBRA-4471" in hits[0].text
    assert library.retriever().retrieve("ZEBRA-4471", k=1)[0].page == 3
    assert [d.path for d in library.documents()] == [str(pdf)]
    assert [(c.name, c.pages) for c in library.collections()] == [("ledgers", 4)]

    with pytest.raises(AppError, match="no collection called 'nope'") as raised:
        library.remove_collection("nope")
    assert raised.value.hint.startswith("Run 'slm-assistant docs list'")

    library.set_on_device_only("ledgers", True)
    assert library.settings.routing.on_device_only_collections == ["ledgers"]  # this process
    assert library.collections()[0].on_device_only  # the child's settings
    saved = json.loads(Path(library.paths.settings_file).read_text())
    assert saved["routing"]["on_device_only_collections"] == ["ledgers"]

    pid = library.pid
    assert pid and pid != os.getpid()
    library.close()
    assert gone(pid) and library.pid is None


def test_cancel_then_kill_mid_index_then_finish_on_a_restarted_child(library, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    files = [prose_pdf(folder / f"part{i}.pdf", 12, seed=i) for i in range(5)]

    token = CancelToken()
    report = drain(library.index([str(folder)], cancel=token), lambda p: token.cancel())
    assert report.cancelled and report.files_indexed < len(files)

    first_pid = library.pid
    killed: list[int] = []

    def kill_once(_p) -> None:
        if not killed:
            os.kill(first_pid, signal.SIGKILL)
            killed.append(first_pid)

    with pytest.raises(IndexerStoppedError) as raised:
        drain(library.index([str(folder)]), kill_once)
    assert "stopped unexpectedly" in str(raised.value) and "Traceback" not in str(raised.value)

    report = drain(library.index([str(folder)]))  # the next call starts a new child
    assert library.pid not in (None, first_pid)
    assert not report.failed and not report.cancelled
    docs = library.documents()
    assert sorted(d.path for d in docs) == sorted(str(f) for f in files)  # no duplicate documents
    (collection,) = library.collections()
    assert collection.chunks == sum(d.chunks for d in docs)


def test_the_gui_process_never_imports_torch_chromadb_or_sentence_transformers(tmp_path):
    pdf = ledger_pdf(tmp_path / "ledger.pdf")
    script = textwrap.dedent(f"""
        import json, os, sys
        from desktop_app.app import build_core

        def main():
            core = build_core({str(tmp_path / "home")!r})
            core.library_in_subprocess = True  # as the GUI does
            lib = core.library
            gen = lib.index([{str(pdf)!r}])
            try:
                while True:
                    next(gen)
            except StopIteration as stop:
                report = stop.value
            hits = lib.retriever().retrieve("vault access code", k=1)
            pid = lib.pid
            core.close()
            print(json.dumps({{"pages": report.pages, "page": hits[0].page, "child": pid,
                              "heavy": [m for m in {HEAVY!r} if m in sys.modules]}}))

        if __name__ == "__main__":
            main()
    """)
    path = tmp_path / "gui_like.py"
    path.write_text(script)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["pages"] == 4 and result["page"] == 3
    assert result["heavy"] == []
    assert gone(result["child"])


def test_a_child_whose_parent_is_killed_exits_by_itself(tmp_path):
    script = textwrap.dedent(f"""
        import os, signal
        from desktop_app.app import build_core

        def main():
            core = build_core({str(tmp_path / "home")!r})
            core.library_in_subprocess = True
            lib = core.library
            lib.documents()  # starts the child
            print(lib.pid, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)  # no close(), no atexit: as if the app crashed

        if __name__ == "__main__":
            main()
    """)
    path = tmp_path / "crashing_parent.py"
    path.write_text(script)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]
    child = int(done.stdout.split()[0])
    deadline = time.monotonic() + 60
    while not gone(child) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert gone(child), "the Library child outlived its parent"
