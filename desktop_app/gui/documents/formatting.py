"""Plain-text wording of the documents panel: progress lines, time left, index summaries.

Kept free of widgets so the wording is tested as pure functions and shared by the progress
view, the summary list and the accessible descriptions a screen reader announces.
"""

from __future__ import annotations

import time

from desktop_app.gui.common.wording import file_label, plural  # noqa: F401 - the panel's wording uses them
from desktop_app.rag.records import FileProblem, IndexProgress, IndexReport


def eta_text(seconds: float | None) -> str:
    """'about 40 s left' / 'about 3 min left'; empty while no estimate exists yet."""
    if seconds is None or seconds < 0 or seconds != seconds:  # NaN guard
        return ""
    if seconds < 1:
        return "almost done"
    if seconds < 60:
        return f"about {max(1, round(seconds))} s left"
    if seconds < 3600:
        return f"about {round(seconds / 60)} min left"
    hours, rest = divmod(int(seconds), 3600)
    return f"about {hours} h {round(rest / 60)} min left"


def estimate_eta(progress: IndexProgress, elapsed_s: float) -> float | None:
    """Time left from the pages rate so far, used when the Library gives no estimate."""
    if progress.eta_s is not None:
        return progress.eta_s
    if progress.pages_done <= 0 or progress.pages_total <= 0 or elapsed_s <= 0:
        return None
    rate = progress.pages_done / elapsed_s
    return max(0.0, (progress.pages_total - progress.pages_done) / rate)


def progress_line(progress: IndexProgress, eta_s: float | None) -> str:
    """One status line: current file, files and pages done, time left."""
    if progress.phase == "writing":
        return f"Writing the index… · {plural(progress.pages_total, 'page')} read"
    parts = []
    if progress.current_file:
        parts.append(f"Indexing {file_label(progress.current_file)}")
    else:
        parts.append("Indexing")
    if progress.files_total:
        parts.append(f"file {min(progress.files_done + 1, progress.files_total)} of {progress.files_total}")
    if progress.pages_total:
        parts.append(f"{progress.pages_done} of {plural(progress.pages_total, 'page')}")
    eta = eta_text(eta_s)
    if eta:
        parts.append(eta)
    return " · ".join(parts)


def bar_format(progress: IndexProgress) -> str:
    """The text drawn on (and announced from) the progress bar."""
    if progress.phase == "writing":
        return "Writing the index…"
    if progress.pages_total:
        return f"{progress.pages_done} of {plural(progress.pages_total, 'page')}"
    return "Reading files…"


def problem_line(problem: FileProblem) -> str:
    """One clear line per file that could not be indexed: the name, then the reason."""
    reason = (problem.reason or "could not be read").strip().rstrip(".")
    return f"{file_label(problem.path)}: {reason}"


def report_summary(report: IndexReport) -> str:
    """The line shown when indexing ends, e.g. 'Indexed 3 files, 41 pages · 1 failed'."""
    head = "Indexing cancelled. " if report.cancelled else ""
    if report.files_indexed:
        parts = [f"{head}Indexed {plural(report.files_indexed, 'file')}, {plural(report.pages, 'page')}"]
        if report.chunks:
            parts[0] += f" ({plural(report.chunks, 'passage')})"
    else:
        parts = [f"{head}No new file indexed"]
    if report.files_unchanged:
        parts.append(f"{report.files_unchanged} unchanged")
    if report.files_removed:
        parts.append(f"{report.files_removed} removed")
    for p in report.partial:
        parts.append(f"{file_label(p.path)} partly indexed ({p.pages_done} of {p.pages_total} pages) — "
                     "add it again to continue")
    if report.skipped:
        parts.append(f"{len(report.skipped)} skipped")
    if report.failed:
        parts.append(f"{len(report.failed)} failed")
    if report.seconds >= 0.1:
        parts.append(f"{report.seconds:.1f} s")
    return " · ".join(parts)


def report_problems(report: IndexReport) -> list[str]:
    """Failed files first (they need action), then skipped ones."""
    lines = [f"Failed — {problem_line(p)}" for p in report.failed]
    lines += [f"Skipped — {problem_line(p)}" for p in report.skipped]
    return lines


def indexed_when(timestamp: float, now: float | None = None) -> str:
    """'just now', '5 min ago', 'today 14:03', or a date for older documents."""
    if not timestamp:
        return ""
    now = time.time() if now is None else now
    age = now - timestamp
    if 0 <= age < 60:
        return "just now"
    if 0 <= age < 3600:
        return f"{int(age // 60)} min ago"
    local, today = time.localtime(timestamp), time.localtime(now)
    if local[:3] == today[:3]:
        return time.strftime("today %H:%M", local)
    return time.strftime("%Y-%m-%d %H:%M", local)


COLLECTION_NAME_RULE = "Use 1 to 63 letters, digits, spaces, dots, dashes or underscores."


def clean_collection_name(text: str) -> str | None:
    """A valid collection name from what the user typed, or None when it is not acceptable."""
    name = " ".join(text.split())
    if not name or len(name) > 63:
        return None
    if not all(ch.isalnum() or ch in " ._-" for ch in name):
        return None
    return name
