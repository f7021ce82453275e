"""`slm-assistant summarize PATH`, `compare PATH_A PATH_B`, `extract PATH --what deadlines|obligations|figures`.

Whole-document tasks read every passage of a document (not the top-5 a question retrieves), so
they take one model call per part of the document: progress goes to stderr ("[2/5] Reading ...").
stdout carries only the result (each point citing its page) and its sources, so it can be piped;
``--json`` prints one JSON object instead. Ctrl+C stops the task (exit 130); nothing is printed
for a stopped task, since a half-combined summary would silently miss the parts not yet read.

A PATH not in the document index is read directly and nothing is added to the index (a summary
must not change what later questions search); a note on stderr says so.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from desktop_app.cli.ask import _StopOnCtrlC
from desktop_app.cli.terminal import silence_stdout
from desktop_app.core.cancel import CancelToken
from desktop_app.services.document_tasks import DocumentTasks
from desktop_app.services.task_prompts import LISTS
from desktop_app.core.plurals import plural

HELP = {
    "summarize": ("summarise a whole document, each point citing its page",
                  "Summarise a document by reading all of it (not a search), each point citing its page."),
    "compare": ("compare two documents, citing the pages of each",
                "Compare two documents: what they share and how they differ, citing (A p. N) and (B p. N)."),
    "extract": ("list a document's deadlines, obligations or figures, each with its page",
                "List every deadline, obligation or figure in a document, each citing its page."),
}


def register(subparsers, name: str) -> None:
    short, description = HELP[name]
    parser = subparsers.add_parser(name, help=short, description=description + (
        " A file that is not indexed is read directly; nothing is added to the index."))
    if name == "compare":
        parser.add_argument("path_a", metavar="PATH_A", help="the first document (A)")
        parser.add_argument("path_b", metavar="PATH_B", help="the second document (B)")
    else:
        parser.add_argument("path", metavar="PATH", help="an indexed document, or any supported file")
    if name == "extract":
        parser.add_argument("--what", choices=tuple(LISTS), required=True, help="what to list")
    parser.add_argument("--json", action="store_true", help="print one JSON object (text, points, sources, timings)")
    parser.set_defaults(handler=run, task=name)


def run(args: argparse.Namespace, core) -> int:
    tasks = DocumentTasks(core.library, core.backend)
    cancel = CancelToken()
    if args.task == "compare":
        gen = tasks.compare(args.path_a, args.path_b, cancel)
    elif args.task == "extract":
        gen = tasks.extract(args.path, args.what, cancel)
    else:
        gen = tasks.summarise(args.path, cancel)
    with _StopOnCtrlC(cancel, None):
        result = _drain(gen)
    if result is None:
        print("Stopped: nothing was written (a task stopped midway would miss the parts not yet read).",
              file=sys.stderr)
        return 130
    for notice in result.notices:
        print(f"Note: {notice}", file=sys.stderr)
    if args.json:
        return _write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
    lines = [result.title + ":", result.text]
    if result.sources:
        lines += ["", "Sources:"] + [f"  [{c.number}] {Path(c.source).name}, page {c.page}  ({c.source})"
                                     for c in result.sources]
    print(f"[{result.model}: {result.model_calls} model calls over {plural(result.groups, 'part')}, {result.seconds:.0f} s]",
          file=sys.stderr)
    return _write("\n".join(lines) + "\n")


def _drain(gen):
    """Show each step on stderr; return the task's result (None when stopped)."""
    while True:
        try:
            progress = next(gen)
        except StopIteration as stop:
            return stop.value
        step = f"[{progress.step}/{progress.total}] " if progress.step else ""
        print(f"{step}{progress.message}", file=sys.stderr, flush=True)


def _write(text: str) -> int:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `summarize ... | head -3`: the reader left; not an error
        silence_stdout()
    return 0

