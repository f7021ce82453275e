"""`slm-assistant models list|add PATH|use PATH|download NAME|catalogue`: manage GGUF models.

Plain output, one model per line; errors go to stderr through the dispatcher (AppError).
"""

from __future__ import annotations

import argparse
import sys
import time

from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import Cancelled


def register(subparsers, name: str) -> None:
    parser = subparsers.add_parser(name, help="list, add, choose or download models")
    sub = parser.add_subparsers(dest="models_action", metavar="ACTION", required=True)
    sub.add_parser("list", help="models you can use (the active one is marked *)")
    add = sub.add_parser("add", help="add a GGUF file you already have")
    add.add_argument("path", metavar="PATH")
    use = sub.add_parser("use", help="make a model the active one ('bundled' for the built-in model)")
    use.add_argument("path", metavar="PATH")
    sub.add_parser("catalogue", help="recommended models you can download")
    dl = sub.add_parser("download", help="download a catalogue model (resumes an interrupted download)")
    dl.add_argument("name", metavar="NAME", help="a catalogue name, or any name with --url")
    dl.add_argument("--url", help="download from this address instead of the catalogue's")
    dl.add_argument("--sha256", metavar="HEX", help="refuse the file unless its sha256 matches")
    dl.add_argument("--use", action="store_true", help="make it the active model afterwards")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, core) -> int:
    action = args.models_action
    models = core.models
    if action == "list":
        for m in models.list_models():
            print(_line(m))
        return 0
    if action == "catalogue":
        for e in models.catalogue():
            sha = e.sha256 or "sha256 not pinned"
            print(f"{e.name}  {e.title}  {e.approx_size_label}  {e.license}  ({sha})")
            print(f"    {e.url}")
        return 0
    if action == "add":
        info = models.add_model(args.path)
        core.save_settings()
        print(f"Added {_line(info, marked=False)}")
        return 0
    if action == "use":
        target = None if args.path.strip().lower() == "bundled" else args.path
        info = models.use_model(target)
        core.save_settings()
        core.reload_backend()
        print(f"Active model: {_line(info, marked=False)}")
        return 0
    if action == "download":
        return _download(args, core)
    raise AssertionError(action)


def _download(args: argparse.Namespace, core) -> int:
    cancel = CancelToken()
    meter = _ProgressMeter()
    try:
        info = core.models.download(args.name, url=args.url, sha256=args.sha256, progress=meter, cancel=cancel)
    except (Cancelled, KeyboardInterrupt):
        cancel.cancel()
        meter.finish()
        print("Download stopped; run the same command again to resume.", file=sys.stderr)
        return 130
    meter.finish()
    sha, checked = info.sha256, info.sha256_checked
    if args.use:
        info = core.models.use_model(info.path)
    core.save_settings()
    print(f"Downloaded {_line(info, marked=False)}")
    print(f"sha256 {sha} ({'matches the expected checksum' if checked else 'no checksum was pinned: compare it with the publisher'})")
    return 0


class _ProgressMeter:
    """Prints download progress to stderr about twice a second (a bar on a terminal, lines otherwise)."""

    def __init__(self) -> None:
        self._last = 0.0
        self._tty = sys.stderr.isatty()
        self._printed = False

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self._last < 0.5 and (total is None or done < total):
            return
        self._last = now
        text = f"{done / 1e6:,.1f} MB" + (f" of {total / 1e6:,.1f} MB ({100 * done / total:.0f}%)" if total else "")
        print(("\r" if self._tty else "") + "Downloading: " + text, end="" if self._tty else "\n", file=sys.stderr, flush=True)
        self._printed = True

    def finish(self) -> None:
        if self._tty and self._printed:
            print(file=sys.stderr)


def _line(m, marked: bool = True) -> str:
    """One model on one line; ``*`` marks the active one in a list."""
    mark = ("*" if m.active else " ") + " " if marked else ""
    if m.problem:
        return f"{mark}{m.name}  [unusable: {m.problem}]  {m.path}"
    size = f"{m.size_bytes / 1e6:,.0f} MB"
    ctx = f"{m.context_length:,} ctx" if m.context_length else "ctx unknown"
    tags = ", ".join(t for t in (m.quantization, ctx, m.architecture, m.prompt_format, "bundled" if m.bundled else "") if t)
    return f"{mark}{m.name}  ({size}; {tags})  {m.path}"
