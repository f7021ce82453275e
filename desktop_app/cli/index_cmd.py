"""`slm-assistant index PATH... [--collection NAME]`: add files and folders to the document index.

A progress bar goes to stderr (only on a terminal; otherwise one line per file), the summary to
stdout. Exit status 1 when any file could not be indexed; the others are indexed regardless.
While another indexing run holds the index (another terminal, the window, a folder watch), this
one waits and says so on stderr; Ctrl+C gives up without changing anything.
"""

from __future__ import annotations

import json
import os
import sys

from desktop_app.core.cancel import CancelToken
from desktop_app.rag.records import IndexProgress, IndexReport
from desktop_app.rag.writer_lock import is_waiting_message
from desktop_app.core.plurals import plural

GAVE_UP = "Gave up waiting for the other indexing run; nothing was changed."


def register(subparsers, name: str) -> None:
    parser = subparsers.add_parser(name, help="index PDF, text and Markdown files or folders for questions")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (walked recursively)")
    parser.add_argument("--collection", default="default", metavar="NAME", help="collection to add them to (default: default)")
    parser.add_argument("--rebuild", action="store_true",
                        help="drop the index and index every known document again (after changing the embedding model)")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.set_defaults(handler=run)


def run(args, core) -> int:
    if not args.paths and not args.rebuild:
        print("slm-assistant index: give at least one file or folder.", file=sys.stderr)
        return 2
    cancel = CancelToken()
    bar = _ProgressBar(sys.stderr, enabled=not args.quiet)
    gen = core.library.index(list(args.paths), args.collection, cancel, rebuild=args.rebuild)
    report: IndexReport | None = None
    waiting = False  # the last progress said another run holds the index
    try:
        while report is None:
            try:
                progress = next(gen)
                waiting = is_waiting_message(progress.message)
                if waiting:
                    # Said even with --quiet: a command that seems to hang needs a reason.
                    print(f"{progress.message} Press Ctrl+C to give up.", file=sys.stderr, flush=True)
                else:
                    bar.update(progress)
            except StopIteration as stop:
                # A generator ended by the KeyboardInterrupt itself returns nothing: a cancelled run.
                report = stop.value or IndexReport(cancelled=cancel.cancelled)
            except KeyboardInterrupt:
                # Let the indexer stop at a safe point and clean up; the next run finishes the rest.
                cancel.cancel()
    finally:
        bar.close()  # an error (a full disk) starts on a line of its own, not after the bar
    if report.cancelled and waiting:
        print(GAVE_UP, file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(report_json(report), indent=2))
    else:
        print(summary(report))
    if report.cancelled:
        return 130
    return 0 if report.ok else 1


def report_json(report: IndexReport) -> dict:
    return {
        "files_indexed": report.files_indexed,
        "files_unchanged": report.files_unchanged,
        "files_removed": report.files_removed,
        "pages": report.pages,
        "chunks": report.chunks,
        "skipped": [{"path": p.path, "reason": p.reason} for p in report.skipped],
        "failed": [{"path": p.path, "reason": p.reason} for p in report.failed],
        "cancelled": report.cancelled,
        "partial": [{"path": p.path, "pages_done": p.pages_done, "pages_total": p.pages_total} for p in report.partial],
        "seconds": round(report.seconds, 3),
    }


def summary(report: IndexReport) -> str:
    """The plain-text summary printed on stdout."""
    lines = [
        f"Indexed {plural(report.files_indexed, 'file')}: {plural(report.pages, 'page')}, {plural(report.chunks, 'chunk')} in {report.seconds:.1f} s."
    ]
    if report.files_unchanged:
        lines.append(f"Unchanged (already indexed): {plural(report.files_unchanged, 'file')}.")
    if report.files_removed:
        lines.append(f"Removed from the index (files deleted): {plural(report.files_removed, 'file')}.")
    if report.cancelled:
        lines.append("Stopped before the end; run the same command again to finish.")
    for p in report.partial:
        lines.append(f"Kept {p.pages_done} of {p.pages_total} pages of {p.path}; the same command continues it.")
    if report.skipped:
        lines.append(f"Skipped {plural(len(report.skipped), 'file')}:")
        lines.extend(f"  {p.path}: {p.reason}" for p in report.skipped)
    if report.failed:
        lines.append(f"Failed {plural(len(report.failed), 'file')}:")
        lines.extend(f"  {p.path}: {p.reason}" for p in report.failed)
    return "\n".join(lines)


class _ProgressBar:
    """A one-line progress bar redrawn with \\r on a terminal; plain lines otherwise."""

    def __init__(self, stream, enabled: bool = True, width: int = 28) -> None:
        self.stream = stream
        self.enabled = enabled
        self.tty = enabled and hasattr(stream, "isatty") and stream.isatty()
        self.width = width
        self._last_file = None
        self._drawn = False
        self._bar_file = ""
        self._base_done = 0
        self._file_pages = 1

    def update(self, p: IndexProgress) -> None:
        if not self.enabled:
            return
        if p.message:
            self._clear()
            print(p.message, file=self.stream)
            self._last_file = p.current_file or self._last_file
        if self.tty:
            if p.current_file and p.current_file != self._bar_file:
                # A file's page count is known once it is opened: measure it from here.
                self._bar_file, self._base_done = p.current_file, p.pages_done
                self._file_pages = max(1, p.pages_total - p.pages_done)
            within = min(1.0, max(0, p.pages_done - self._base_done) / self._file_pages) if self._bar_file else 0.0
            frac = min(1.0, (p.files_done + (within if p.current_file else 0.0)) / max(p.files_total, 1))
            filled = int(frac * self.width)
            eta = f" ETA {_fmt(p.eta_s)}" if p.eta_s is not None else ""
            name = os.path.basename(p.current_file)[:30]
            line = (f"\r[{'#' * filled}{'.' * (self.width - filled)}] files {p.files_done}/{p.files_total} "
                    f"pages {p.pages_done}/{p.pages_total} chunks {p.chunks_done}{eta} {name}")
            self.stream.write(line.ljust(110)[:110])
            self.stream.flush()
            self._drawn = True
        elif p.current_file and p.current_file != self._last_file and p.files_done < p.files_total:
            print(f"Indexing {p.current_file} ({p.files_done + 1}/{p.files_total})", file=self.stream)
        self._last_file = p.current_file or self._last_file

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write("\r" + " " * 110 + "\r")
            self._drawn = False

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()


def _fmt(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"
