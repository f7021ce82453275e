"""Many writers on one index, and a full disk, as users meet them: real processes, real Chroma, real PDFs.

The embedder is the fast deterministic fake (``rag.embedder = fake-hash-384``): what is under test
is the manifest, the keyword index and Chroma shared by several processes, not the model.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.rag.writer_lock import WriterLock
from desktop_app.services.library import Library
from tests.rag_fixtures import drain

pytestmark = pytest.mark.slow

CORPUS = Path(os.environ.get("SLM_ASSISTANT_CORPUS", Path(__file__).resolve().parents[3] / "shared" / "corpus"))
NTSB = CORPUS / "ntsb-aviation-incident-accident-reports"
AGENCY = CORPUS / "us-fed-agency-reports"
FAKE_EMBEDDER = "fake-hash-384"


def corpus_files(folder: Path, n: int, smallest: bool = True) -> list[Path]:
    if not folder.is_dir():
        pytest.skip(f"the document corpus is not at {folder}")
    files = sorted(folder.glob("*.pdf"), key=lambda p: (p.stat().st_size, p.name))
    return files[:n] if smallest else files[-n:]


def linked(folder: Path, files: list[Path]) -> Path:
    """A folder holding ``files`` (symlinks: the corpus is read-only and large)."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        (folder / f.name).symlink_to(f)
    return folder


def cli(home: Path, *args: str, **kw) -> list[str]:
    return [sys.executable, "-m", "desktop_app", "--home", str(home), *args]


def run(home: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(cli(home, *args), capture_output=True, text=True, timeout=timeout)


def fake_embedder_home(home: Path) -> Path:
    done = run(home, "config", "set", "rag.embedder", FAKE_EMBEDDER)
    assert done.returncode == 0, done.stderr
    return home


def library(home: Path) -> Library:
    settings = Settings()
    settings.set("rag.embedder", FAKE_EMBEDDER)
    return Library(AppPaths.resolve(home), settings, MachinePolicy())


def wait_for_holder(home: Path, pid: int, timeout: float = 120) -> None:
    """Until process ``pid`` holds the index's writer lock (it is writing)."""
    lock = WriterLock(AppPaths.resolve(home).index_dir / "writer.lock")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lock.holder() == pid and not lock.acquire(timeout_s=0):
            return
        if lock.depth:
            lock.release()
        time.sleep(0.05)
    pytest.fail(f"process {pid} never took the writer lock")


def assert_consistent(home: Path) -> dict[str, list[str]]:
    """docs list, both stores and search agree; returns the listed paths per collection."""
    lib = library(home)
    try:
        check = lib.check()
        assert check.clean, check.lines()
        per_collection: dict[str, list[str]] = {}
        for d in lib.documents():
            per_collection.setdefault(d.collection, []).append(d.path)
        vectors, keywords = lib.stores.open()
        listed = {d.path: d.chunks for d in lib.documents()}
        assert vectors.sources() == listed and keywords.sources() == listed
        # The vector index itself is whole: stored vectors find themselves (a torn or stale
        # HNSW file written by two processes would lose many). HNSW search is approximate: even
        # a whole graph may leave a rare passage unreachable (benchmarks/vector_recall.py: 5 of
        # 2,759 with Chroma's defaults, 0 with the app's graph), so one miss is tolerated.
        sample = sorted(vectors.ids())[::7][:60]
        lost = [cid for cid, embedding in vectors.embeddings(sample).items()
                if vectors.query(embedding, 1)[0].similarity < 0.999]
        assert len(lost) <= 1, lost
    finally:
        lib.close()
    listing = run(home, "docs", "list", "--json")
    assert listing.returncode == 0, listing.stderr
    assert sorted(d["path"] for d in json.loads(listing.stdout)["documents"]) == sorted(listed)
    return per_collection


def test_two_cli_index_runs_at_once_keep_both_collections_complete(tmp_path):
    home = fake_embedder_home(tmp_path / "home")
    a = linked(tmp_path / "ntsb", corpus_files(NTSB, 20))
    b = linked(tmp_path / "agency", corpus_files(AGENCY, 7))
    first = subprocess.Popen(cli(home, "index", str(a), "--collection", "a", "--json"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_holder(home, first.pid)
        second = run(home, "index", str(b), "--collection", "b", "--json")
        out, err = first.communicate(timeout=600)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err
    assert second.returncode == 0, second.stderr
    assert f"Another indexing run is in progress (PID {first.pid}); waiting" in second.stderr
    assert "Press Ctrl+C to give up." in second.stderr
    assert "Traceback" not in err + second.stderr
    assert json.loads(out)["files_indexed"] == 20 and json.loads(second.stdout)["files_indexed"] == 7

    listed = assert_consistent(home)
    assert len(listed["a"]) == 20 and len(listed["b"]) == 7
    # A search finds both collections' passages, each from a listed file.
    for collection in ("a", "b"):
        found = run(home, "search", "report", "--collection", collection, "--json", "--k", "3")
        assert found.returncode == 0, found.stderr
        hits = json.loads(found.stdout)
        assert hits and {h["source"] for h in hits} <= set(listed[collection])


def test_a_waiting_cli_index_gives_up_on_ctrl_c_and_changes_nothing(tmp_path):
    import signal

    home = fake_embedder_home(tmp_path / "home")
    holder = library(home)
    lock = holder._writes.lock
    assert lock.acquire(timeout_s=5)  # "the window is indexing"
    try:
        folder = linked(tmp_path / "ntsb", corpus_files(NTSB, 2))
        waiter = subprocess.Popen(cli(home, "index", str(folder)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        line = ""
        while "waiting" not in line and time.monotonic() < deadline:
            line = waiter.stderr.readline()
        assert f"Another indexing run is in progress (PID {os.getpid()}); waiting" in line
        waiter.send_signal(signal.SIGINT)
        out, err = waiter.communicate(timeout=60)
    finally:
        lock.release()
        holder.close()
    assert waiter.returncode == 130
    assert err.strip().splitlines()[-1] == "Gave up waiting for the other indexing run; nothing was changed."
    assert "Traceback" not in err
    assert run(home, "docs", "list", "--json").stdout.count('"path"') == 0


def test_a_writer_killed_holding_the_lock_never_blocks_the_next(tmp_path):
    home = fake_embedder_home(tmp_path / "home")
    folder = linked(tmp_path / "ntsb", corpus_files(NTSB, 20))
    victim = subprocess.Popen(cli(home, "index", str(folder), "--collection", "a"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_holder(home, victim.pid)
    time.sleep(1.0)  # let it write some chunks
    victim.kill()
    victim.wait(30)
    started = time.monotonic()
    again = run(home, "index", str(folder), "--collection", "a", "--json")
    assert again.returncode == 0, again.stderr
    assert "Another indexing run" not in again.stderr  # the dead writer's lock is gone with it
    assert time.monotonic() - started < 300
    assert len(assert_consistent(home)["a"]) == 20


def test_searches_during_a_run_work_and_a_long_lived_library_sees_the_new_documents(tmp_path):
    home = fake_embedder_home(tmp_path / "home")
    small = linked(tmp_path / "first", corpus_files(NTSB, 2))
    rest = linked(tmp_path / "rest", corpus_files(NTSB, 20)[2:])
    window = library(home)  # a reader and writer that stays open, as the window's library process does
    try:
        assert drain(window.index([str(small)], "first")).files_indexed == 2
        assert window.search("aircraft accident", k=3)
        writer = subprocess.Popen(cli(home, "index", str(rest), "--collection", "rest"),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for_holder(home, writer.pid)
        searches = 0
        while writer.poll() is None:  # readers take no lock: every search answers during the run
            reader = run(home, "search", "aircraft accident", "--json", "--k", "3", timeout=120)
            assert reader.returncode == 0, reader.stderr
            assert window.search("aircraft accident", k=3)
            searches += 1
        assert writer.returncode == 0, writer.stderr.read()
        assert searches >= 1
        # The window opened Chroma before the CLI wrote: it must now find the CLI's documents...
        rest_sources = {str(rest / p.name) for p in rest.iterdir()}
        hits = window.search("aircraft accident", k=5, collections=["rest"])
        assert hits and {h.source for h in hits} <= rest_sources
        # ...and its own next write must not save a stale vector index over them.
        extra = linked(tmp_path / "extra", corpus_files(AGENCY, 1))
        assert drain(window.index([str(extra)], "extra")).files_indexed == 1
    finally:
        window.close()
    listed = assert_consistent(home)
    assert sorted(len(v) for v in listed.values()) == [1, 2, 18]


def test_the_window_library_process_waits_for_a_cli_run_and_says_so(tmp_path):
    from desktop_app.services.library_process import LibraryProcess

    home = fake_embedder_home(tmp_path / "home")
    paths = AppPaths.resolve(home)
    settings = Settings()
    settings.set("rag.embedder", FAKE_EMBEDDER)
    process = LibraryProcess(paths, settings, MachinePolicy())
    cli_run = subprocess.Popen(cli(home, "index", str(linked(tmp_path / "ntsb", corpus_files(NTSB, 20))),
                                   "--collection", "cli"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_holder(home, cli_run.pid)
        messages = []
        report = drain(process.index([str(linked(tmp_path / "agency", corpus_files(AGENCY, 3)))], "window"),
                       lambda p: messages.append(p.message))
        assert report.files_indexed == 3
        assert any(m.startswith(f"Another indexing run is in progress (PID {cli_run.pid})") for m in messages)
        assert cli_run.wait(600) == 0, cli_run.stderr.read()
        assert [c.name for c in process.collections()] == ["cli", "window"]
        assert process.check().clean
    finally:
        process.close()
        if cli_run.poll() is None:
            cli_run.kill()
    assert sorted(len(v) for v in assert_consistent(home).values()) == [3, 20]


# ------------------------------------------------------------------ a full disk


@pytest.fixture
def small_disk(tmp_path):
    """A 12 MB tmpfs (needs root and a kernel that lets this process mount); skipped otherwise."""
    mount_point = Path("/tmp") / f"slm-smalldisk-{uuid.uuid4().hex[:8]}"
    mount_point.mkdir()
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mount_point)],
                                 capture_output=True, text=True)
    except OSError:
        mounted = None
    if mounted is None or mounted.returncode != 0:
        mount_point.rmdir()
        pytest.skip("mounting a small tmpfs is not permitted here")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)
        shutil.rmtree(mount_point, ignore_errors=True)


def test_a_full_disk_ends_indexing_with_one_plain_sentence_and_keeps_the_index(tmp_path, small_disk):
    home = fake_embedder_home(small_disk / "home")
    ntsb = corpus_files(NTSB, 6)
    done = run(home, "index", str(linked(tmp_path / "first", ntsb[:3])), "--collection", "kept", "--json")
    assert done.returncode == 0, done.stderr
    before = assert_consistent(home)

    # Leave about 3 MB: far less than four large agency reports need (Chroma keeps each passage
    # twice, in its vector index and in its own full-text table), so the disk fills mid-run.
    ballast = small_disk / "ballast"
    with open(ballast, "wb") as f:
        f.write(b"\0" * max(0, shutil.disk_usage(small_disk).free - 3 * 1024 * 1024))
    big = linked(tmp_path / "big", corpus_files(AGENCY, 4, smallest=False))
    full = run(home, "index", str(big), "--collection", "big")
    assert full.returncode == 1
    assert "Traceback" not in full.stderr + full.stdout
    last = full.stderr.strip().splitlines()[-1]
    assert last.startswith("SLM Assistant: The disk holding your documents index is full (")
    assert " free in " in last and str(home) in last
    assert last.endswith("Free some space and index again; documents indexed so far are kept.")

    # While the disk is still full: results, or one plain sentence; never a traceback.
    for args in (("search", "aircraft accident", "--json"), ("docs", "list", "--json")):
        reply = run(home, *args)
        assert "Traceback" not in reply.stderr, args
        if reply.returncode != 0:
            assert reply.stderr.strip().startswith("SLM Assistant: The disk holding your documents index is full"), args

    # Space freed: what was indexed before is intact and searchable, and indexing works again.
    ballast.unlink()
    found = run(home, "search", "aircraft accident", "--json", "--collection", "kept")
    assert found.returncode == 0, found.stderr
    assert {h["source"] for h in json.loads(found.stdout)} <= set(before["kept"])
    more = run(home, "index", str(linked(tmp_path / "more", ntsb[3:])), "--collection", "more", "--json")
    assert more.returncode == 0, more.stderr
    after = assert_consistent(home)
    assert sorted(after["kept"]) == sorted(before["kept"]) and len(after["more"]) == 3


# ------------------------------------------------------------------ repair and kill -9


def test_docs_check_finds_what_the_old_two_writer_bug_left_and_repair_removes_it(tmp_path):
    import sqlite3

    home = fake_embedder_home(tmp_path / "home")
    kept = linked(tmp_path / "kept", corpus_files(NTSB, 2))
    lost = linked(tmp_path / "lost", corpus_files(NTSB, 5)[2:])
    assert run(home, "index", str(kept), "--collection", "kept").returncode == 0
    assert run(home, "index", str(lost), "--collection", "lost").returncode == 0
    # What an earlier version left after two runs met: chunks in both stores, no manifest rows.
    db = sqlite3.connect(AppPaths.resolve(home).index_manifest)
    with db:
        db.execute("DELETE FROM documents WHERE collection = 'lost'")
        db.execute("DELETE FROM meta WHERE key = 'writer_state'")
    db.close()

    found = run(home, "search", "aircraft", "--json", "--k", "10")
    assert found.returncode == 0 and {h["collection"] for h in json.loads(found.stdout)} == {"kept"}
    check = run(home, "docs", "check")
    assert check.returncode == 1
    assert "3 files with" in check.stdout and "not in the document list: found." in check.stdout
    assert all(str(lost / p.name) in check.stdout for p in lost.iterdir())
    repair = run(home, "docs", "repair")
    assert repair.returncode == 0, repair.stderr
    assert "removed" in repair.stdout
    assert run(home, "docs", "check").stdout.startswith("The document index is consistent: 2 documents")
    again = run(home, "index", str(lost), "--collection", "lost", "--json")
    assert json.loads(again.stdout)["files_indexed"] == 3
    assert sorted(len(v) for v in assert_consistent(home).values()) == [2, 3]


@pytest.mark.parametrize("seed", range(20))
def test_kill_9_at_a_random_point_then_the_same_command_gives_a_clean_index(tmp_path, seed):
    import random

    home = fake_embedder_home(tmp_path / "home")
    folder = linked(tmp_path / "ntsb", corpus_files(NTSB, 20))
    other = linked(tmp_path / "agency", corpus_files(AGENCY, 2))
    victim = subprocess.Popen(cli(home, "index", str(folder), "--collection", "a"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    waiter = None
    try:
        wait_for_holder(home, victim.pid)
        # A second writer queues behind the first; the kill must hand it the index.
        waiter = subprocess.Popen(cli(home, "index", str(other), "--collection", "b"),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(random.Random(seed).uniform(0.0, 4.0))
        victim.kill()
        victim.wait(30)
        _, err = waiter.communicate(timeout=600)
        assert waiter.returncode == 0, err
        assert "Traceback" not in err
    finally:
        for p in (victim, waiter):
            if p is not None and p.poll() is None:
                p.kill()
    finish = run(home, "index", str(folder), "--collection", "a")
    assert finish.returncode == 0, finish.stderr
    listed = assert_consistent(home)
    assert len(listed["a"]) == 20 and len(listed["b"]) == 2


def test_a_damaged_vector_index_is_one_plain_sentence_and_rebuild_recovers_it(tmp_path):
    home = fake_embedder_home(tmp_path / "home")
    folder = linked(tmp_path / "ntsb", corpus_files(NTSB, 4))
    assert run(home, "index", str(folder), "--collection", "a").returncode == 0
    # What a write cut short by a full disk left once: Chroma's HNSW metadata file, empty.
    (segment,) = [p.parent for p in (AppPaths.resolve(home).index_dir / "chroma").glob("*/data_level0.bin")]
    (segment / "index_metadata.pickle").write_bytes(b"")
    for args in (("search", "aircraft accident"), ("docs", "check")):
        broken = run(home, *args)
        assert broken.returncode == 1, args
        (line,) = broken.stderr.strip().splitlines()  # one line, no traceback
        assert line.startswith("SLM Assistant: The document index could not be"), line
        assert line.endswith("'slm-assistant index --rebuild' rebuilds the index from your files."), line
    rebuilt = run(home, "index", "--rebuild", "--json")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert json.loads(rebuilt.stdout)["files_indexed"] == 4
    assert len(assert_consistent(home)["a"]) == 4
