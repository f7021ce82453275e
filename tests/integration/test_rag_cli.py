"""The index/search/docs commands as a user runs them: real embedder, real Chroma, real processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.services.library import Library
from tests import rag_fixtures as fx

pytestmark = pytest.mark.slow


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop_app", *args], capture_output=True, text=True, timeout=timeout)


def assert_index_consistent(home: Path) -> Library:
    """No duplicate and no orphan chunks; every document 'done' with the chunks it claims."""
    library = Library(AppPaths.resolve(home), Settings(), MachinePolicy())
    vectors, keywords = library.indexer.vectors, library.indexer.keywords
    kw_ids = keywords.ids()
    assert len(kw_ids) == len(set(kw_ids)), "duplicate keyword chunks"
    assert set(kw_ids) == vectors.ids(), "the two stores disagree (orphans)"
    assert library.manifest.pending() == []
    stored = vectors._collection.get(include=["metadatas"])
    per_source = Counter(m["source"] for m in stored["metadatas"])
    assert dict(per_source) == {d.path: d.chunks for d in library.documents()}
    return library


def test_index_reports_bad_files_indexes_the_rest_and_exits_1(tmp_path, isolated_home, rag_corpus):
    folder = tmp_path / "inbox"
    (folder / "nested").mkdir(parents=True)
    good = fx.write_pdf(folder / "memo.pdf", [["The Halvorsen bridge inspection found two cracked bearings."],
                                               ["Repairs are scheduled for the second week of October."]])
    fx.huge_array_pdf(folder / "nested" / "filing.pdf")  # trips pypdf's default limits
    (folder / "notes.md").write_text("# Notes\n\nThe canteen reopens on 3 March after renovation.\n", encoding="utf-8")
    fx.zero_byte(folder / "blank.pdf")
    fx.fake_pdf(folder / "pretend.pdf")
    fx.encrypted_pdf(folder / "locked.pdf", good)
    fx.image_only_pdf(folder / "nested" / "scan.pdf")
    fx.truncated_pdf(folder / "cut.pdf", rag_corpus[0] / "annual-report-2021.pdf")
    (folder / "drawing.vsdx").write_bytes(b"PK\x03\x04")

    run = cli("index", str(folder), "--collection", "inbox")
    assert run.returncode == 1, run.stderr
    out = run.stdout
    assert "Indexed 3 files" in out
    expected = {
        "blank.pdf": "empty (0 bytes)",
        "pretend.pdf": "not really a PDF",
        "locked.pdf": "encrypted with a password",
        "scan.pdf": "no text found, neither in a text layer nor by OCR",
        "cut.pdf": "damaged or truncated",
    }
    failed_lines = out.split("Failed 5 files:")[1].strip().splitlines()
    assert len(failed_lines) == 5
    for name, reason in expected.items():
        (line,) = [ln for ln in failed_lines if f"{name}:" in ln]
        assert reason in line
    assert "drawing.vsdx: unsupported file type (.vsdx)" in out
    assert "Traceback" not in run.stderr

    # The filing that pypdf refuses by default is searchable, cited to its page.
    found = cli("search", "Meridian audit findings", "--k", "1", "--json")
    assert found.returncode == 0, found.stderr
    (hit,) = json.loads(found.stdout)
    assert hit["source"].endswith("filing.pdf") and hit["page"] == 1 and "Meridian" in hit["text"]
    assert set(hit) >= {"source", "page", "text", "score"}

    listing = cli("docs", "list", "--json")
    docs = json.loads(listing.stdout)["documents"]
    assert sorted(Path(d["path"]).name for d in docs) == ["filing.pdf", "memo.pdf", "notes.md"]

    # Fixing nothing and re-running: the good files are unchanged, the bad ones still reported.
    again = cli("index", str(folder), "--collection", "inbox", "--json")
    summary = json.loads(again.stdout)
    assert again.returncode == 1 and summary["files_unchanged"] == 3 and summary["files_indexed"] == 0
    assert len(summary["failed"]) == 5

    ok = cli("index", str(good), "--collection", "inbox")
    assert ok.returncode == 0

    removed = cli("docs", "remove", str(good))
    assert removed.returncode == 0
    library = assert_index_consistent(isolated_home)
    assert sorted(Path(d.path).name for d in library.documents()) == ["filing.pdf", "notes.md"]
    library.close()


def test_search_queries_file_prints_json_lines(tmp_path, rag_corpus):
    folder, questions = rag_corpus
    assert cli("index", str(folder / "parts-catalogue.pdf"), "--quiet").returncode == 0
    exact = [q for q in questions if q.exact][:3]
    qfile = tmp_path / "queries.txt"
    qfile.write_text("\n".join([q.text for q in exact] + ["How do I bake sourdough bread at home?"]) + "\n")
    run = cli("search", "--queries", str(qfile), "--json", "--k", "3")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 4
    for q, line in zip(exact, lines):
        hits = json.loads(line)
        assert hits[0]["page"] == q.page
    assert json.loads(lines[3]) == []


def test_kill_9_mid_index_then_rerun_finishes_with_no_duplicates(tmp_path, isolated_home):
    import sqlite3

    folder = tmp_path / "notes"
    folder.mkdir()
    # 3 x 300 one-sentence pages: the indexer's first 512-chunk batch ends inside file 2 and is
    # written before file 3 begins, so a kill at "(3/3)" leaves file 2 half-written and pending.
    for i in range(3):
        fx.short_pages_pdf(folder / f"notes-{i}.pdf", pages=300, seed=i)
    proc = subprocess.Popen([sys.executable, "-m", "desktop_app", "index", str(folder)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    seen = []
    try:
        for line in proc.stderr:  # progress lines arrive as files begin
            seen.append(line)
            if "(3/3)" in line or time.monotonic() > deadline:
                break
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert any("(3/3)" in s for s in seen), seen

    # The kill left work half done: documents marked pending, one of them with chunks stored.
    with sqlite3.connect(isolated_home / "data" / "index" / "manifest.sqlite3") as db:
        pending = [r[0] for r in db.execute("SELECT path FROM documents WHERE state = 'pending'")]
    assert pending
    library = Library(AppPaths.resolve(isolated_home), Settings(), MachinePolicy())
    partial = sum(len(library.indexer.vectors._collection.get(where={"source": p}, include=[])["ids"]) for p in pending)
    library.close()
    assert partial > 0, "expected chunks of a half-indexed file before recovery"

    rerun = cli("index", str(folder), "--json")
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["files_indexed"] + summary["files_unchanged"] == 3
    assert summary["files_indexed"] >= 2  # the half-written file and the one after it

    library = assert_index_consistent(isolated_home)
    try:
        assert sorted(d.pages for d in library.documents()) == [300, 300, 300]
        hits = library.search("Note 123", k=3)
        assert hits
    finally:
        library.close()
