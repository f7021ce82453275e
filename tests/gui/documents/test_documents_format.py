"""Table-driven tests of the documents panel's wording (pure functions, no widgets)."""

from __future__ import annotations

import time

import pytest

from desktop_app.gui.documents.formatting import (
    bar_format,
    clean_collection_name,
    estimate_eta,
    eta_text,
    indexed_when,
    problem_line,
    progress_line,
    report_problems,
    report_summary,
)
from desktop_app.rag.records import FileProblem, IndexProgress, IndexReport


@pytest.mark.parametrize(
    "seconds, text",
    [(None, ""), (-1, ""), (float("nan"), ""), (0.2, "almost done"), (1.4, "about 1 s left"),
     (42, "about 42 s left"), (150, "about 2 min left"), (3 * 3600 + 600, "about 3 h 10 min left")],
)
def test_eta_text(seconds, text):
    assert eta_text(seconds) == text


def test_estimate_eta_prefers_the_library_and_else_uses_the_page_rate():
    p = IndexProgress("a.pdf", 0, 1, 10, 30, 20)
    assert estimate_eta(p, elapsed_s=5.0) == pytest.approx(10.0)
    assert estimate_eta(IndexProgress("a.pdf", 0, 1, 10, 30, 20, eta_s=3.0), 5.0) == 3.0
    assert estimate_eta(IndexProgress("a.pdf", 0, 1, 0, 30, 0), 5.0) is None


@pytest.mark.parametrize(
    "progress, eta, line",
    [
        (IndexProgress("/d/report.pdf", 1, 3, 12, 30, 40), 20, "Indexing report.pdf · file 2 of 3 · 12 of 30 pages · about 20 s left"),
        (IndexProgress("", 0, 0, 0, 0, 0), None, "Indexing"),
        (IndexProgress("/x/a.pdf", 3, 3, 1, 1, 1), None, "Indexing a.pdf · file 3 of 3 · 1 of 1 page"),
    ],
)
def test_progress_line(progress, eta, line):
    assert progress_line(progress, eta) == line


def test_bar_format_before_and_after_pages_are_known():
    assert bar_format(IndexProgress("a", 0, 1, 0, 0, 0)) == "Reading files…"
    assert bar_format(IndexProgress("a", 0, 1, 3, 7, 0)) == "3 of 7 pages"


@pytest.mark.parametrize(
    "report, summary",
    [
        (IndexReport(files_indexed=1, pages=1), "Indexed 1 file, 1 page"),
        (IndexReport(files_indexed=3, pages=41, chunks=120, files_unchanged=2, seconds=3.25),
         "Indexed 3 files, 41 pages (120 passages) · 2 unchanged · 3.2 s"),
        (IndexReport(files_indexed=0, skipped=[FileProblem("a.docx", "x")], failed=[FileProblem("b.pdf", "y")] * 2),
         "No new file indexed · 1 skipped · 2 failed"),
        (IndexReport(files_unchanged=4, seconds=0.04), "No new file indexed · 4 unchanged"),
        (IndexReport(files_indexed=2, pages=9, cancelled=True, files_removed=1), "Indexing cancelled. Indexed 2 files, 9 pages · 1 removed"),
    ],
)
def test_report_summary(report, summary):
    assert report_summary(report) == summary


def test_problems_name_the_file_and_reason_failed_first():
    report = IndexReport(skipped=[FileProblem("/d/notes.docx", "unsupported file type")],
                         failed=[FileProblem("/d/scan.pdf", "has no text layer; it needs OCR."), FileProblem("/d/x.pdf", "")])
    assert report_problems(report) == [
        "Failed — scan.pdf: has no text layer; it needs OCR",
        "Failed — x.pdf: could not be read",
        "Skipped — notes.docx: unsupported file type",
    ]
    assert problem_line(FileProblem("/d/folder/", "empty")) == "folder: empty"


def test_indexed_when():
    now = time.mktime((2026, 11, 28, 15, 0, 0, 0, 0, -1))
    assert indexed_when(0, now) == ""
    assert indexed_when(now - 10, now) == "just now"
    assert indexed_when(now - 600, now) == "10 min ago"
    assert indexed_when(now - 3 * 3600, now) == "today 12:00"
    assert indexed_when(now - 3 * 86400, now) == "2026-11-25 15:00"


@pytest.mark.parametrize(
    "typed, name",
    [("Tax 2024", "Tax 2024"), ("  a   b ", "a b"), ("", None), ("   ", None), ("x" * 64, None),
     ("bad/name", None), ("ok.name_v-2", "ok.name_v-2")],
)
def test_clean_collection_name(typed, name):
    assert clean_collection_name(typed) == name
