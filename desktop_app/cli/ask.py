"""`slm-assistant ask "QUESTION"`: answer one question headlessly, streaming to stdout.

Output contract: stdout carries only the answer (and its numbered sources), so it can be piped;
where the answer came from, notices and errors go to stderr. ``--json`` prints one JSON object
instead. A grounded answer's figures and names are checked against its sources: ``--json`` lists
each claim (``claims``, ``supported_ratio``); plain output adds one "Check: ..." line on stderr
when a key figure is not found in the sources. Ctrl+C stops the answer cleanly (what was received is saved, marked stopped; exit 130);
a second Ctrl+C aborts at once.

Routing: ``--route cloud`` when the cloud is off, not configured or forbidden by the machine
policy answers on this device with a notice on stderr (exit 0): the user always gets an answer,
and nothing is sent. Under policy ``ask`` a terminal asks y/N showing the router's reason and the
exact text to be sent; without a terminal nothing is sent unless ``--yes`` is given.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from desktop_app import PRODUCT_NAME
from desktop_app.cli.terminal import silence_stdout
from desktop_app.core.cancel import CancelToken
from desktop_app.core.conversation_export import route_label
from desktop_app.core.errors import AppError
from desktop_app.core.math_text import StreamedMath
from desktop_app.core.records import DoneEvent, ErrorEvent, NoticeEvent, RouteEvent, SourcesEvent, TokenEvent
from desktop_app.rag.claim_notes import unsupported_note
from desktop_app.services import document_use


def register(subparsers, name: str) -> None:
    parser = subparsers.add_parser(
        name,
        help="answer a question without opening the window",
        description="Answer a question on this device (or a configured cloud model), streaming to stdout.",
    )
    parser.add_argument("question", nargs="+", metavar="QUESTION", help="the question ('-' reads it from stdin)")
    parser.add_argument("--json", action="store_true", help="print one JSON object with the answer, route and timings")
    parser.add_argument("--route", choices=("local", "cloud", "auto"), default="auto",
                        help="where to answer: local, cloud, or auto (the router decides; default)")
    docs = parser.add_mutually_exclusive_group()
    docs.add_argument("--collection", action="append", default=None, metavar="NAME",
                      help="answer only from this document collection (repeatable). Without it the question "
                           "uses the conversation's chosen collections, or else searches every indexed collection "
                           "and uses the passages that are relevant")
    docs.add_argument("--no-documents", action="store_true", help="answer without searching the documents")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--conversation", type=int, metavar="ID", help="continue this conversation")
    where.add_argument("--new", action="store_true", help="start a new conversation (the default)")
    parser.add_argument("--yes", action="store_true",
                        help="policy 'ask': send to the cloud without asking when the router suggests it")
    parser.add_argument("--file", action="append", default=None, metavar="PATH",
                        help="ask about this file (repeatable): it is indexed privately, for this question only, "
                             "or with --conversation for that conversation (kept until the conversation is deleted); "
                             "it never joins your collections")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, core) -> int:
    """Answer, with ``--file`` indexed first into a private collection (services.conversation_files)."""
    if not args.file:
        return _ask(args, core, None)
    from desktop_app.services import conversation_files

    keep = args.conversation is not None
    if keep and core.store.get_conversation(args.conversation) is None:
        raise AppError(f"There is no conversation {args.conversation}.", "Run 'slm-assistant conversations list'.")
    name = (conversation_files.conversation_collection(args.conversation) if keep
            else conversation_files.one_shot_collection())
    print(f"Reading {', '.join(Path(p).name for p in args.file)}…", file=sys.stderr)
    try:
        steps = conversation_files.attach(core.library, core.paths.index_dir, name, list(args.file))
        while True:
            next(steps)
    except StopIteration:
        pass
    except BaseException:
        if not keep:
            conversation_files.detach(core.library, core.paths.index_dir, name)
        raise
    try:
        return _ask(args, core, [name])
    finally:
        if not keep:  # asked about for this question only
            conversation_files.detach(core.library, core.paths.index_dir, name)


def _ask(args: argparse.Namespace, core, attached: list[str] | None) -> int:
    question = " ".join(args.question)
    if question.strip() == "-":
        question = sys.stdin.read()
    out = _Output(json_mode=args.json)
    route = None if args.route == "auto" else args.route
    if route == "cloud" and core.settings.routing.policy == "off" and core.policy.is_locked("routing.policy"):
        out.note("Your organization turned cloud hand-off off, so this question stays on this device.")

    # Ctrl+C while the model loads aborts (KeyboardInterrupt -> dispatcher, exit 130, nothing saved).
    # Which documents: the rule the window uses too (services/document_use.py).
    documents = document_use.for_question(core.library, core.store, core.paths.index_manifest, args.conversation,
                                          chosen=args.collection, use_documents=not args.no_documents,
                                          attached=attached)
    prepared = core.assistant.prepare(question, args.conversation, route, **documents.prepare_kwargs())
    approved = _confirm(prepared.plan, args, out) if prepared.plan.needs_confirmation else None

    cancel = CancelToken()
    with _StopOnCtrlC(cancel, out):
        for event in core.assistant.answer(prepared, cancel, approved):
            if isinstance(event, TokenEvent):
                out.token(event.text)
            elif isinstance(event, RouteEvent):
                out.route(event)
            elif isinstance(event, NoticeEvent):
                out.note(event.text)
            elif isinstance(event, SourcesEvent):
                out.sources = list(event.sources)
            elif isinstance(event, ErrorEvent):
                out.end_line()
                print(f"{PRODUCT_NAME}: {event.error}", file=sys.stderr)
                return event.error.exit_code
            elif isinstance(event, DoneEvent):
                return out.done(event.answer, _device_label(core, event.answer))
    return 1  # the stream ended without an answer (should not happen)


def _confirm(plan, args, out: "_Output") -> bool:
    """Policy ``ask``: the user decides, seeing why and exactly what would be sent."""
    if args.yes:
        return True
    if not _interactive():
        out.note(f"The router suggests the cloud ({plan.reason}), but sending needs your confirmation and this is "
                 "not a terminal, so the question stays on this device. Add --yes to allow it.")
        return False
    print(f"\nThe router suggests {plan.model or 'the cloud model'}: {plan.reason}", file=sys.stderr)
    print("This exact text would be sent:\n" + "-" * 60, file=sys.stderr)
    print(plan.preview, file=sys.stderr)
    print("-" * 60, file=sys.stderr)
    try:
        reply = input("Send it to the cloud? [y/N] ")
    except (EOFError, KeyboardInterrupt):
        reply = ""
        print(file=sys.stderr)
    return reply.strip().lower() in ("y", "yes")


def _interactive() -> bool:
    """A person can answer y/N: both the keyboard and the messages are a terminal."""
    try:
        return sys.stdin.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _device_label(core, answer) -> str:
    if answer.route != "local":
        return ""
    try:
        return str(getattr(core.backend(), "device_label", "") or "")
    except AppError:
        return ""


class _Output:
    """Where each kind of output goes (stdout: the answer only; stderr: everything else)."""

    def __init__(self, json_mode: bool) -> None:
        self.json_mode = json_mode
        self.sources: list = []
        self._mid_line = False
        self._routes = 0
        self.stdout_gone = False
        self._math = StreamedMath()  # LaTeX the model writes, printed as readable text
        for stream in (sys.stdout, sys.stderr):
            # A console that cannot show some character must never stop an answer.
            reconfigure = getattr(stream, "reconfigure", None)
            if reconfigure is not None:
                try:
                    reconfigure(errors="replace")
                except (ValueError, OSError):
                    pass

    def token(self, text: str) -> None:
        if self.json_mode or self.stdout_gone:
            return
        shown = self._math.feed(text)
        if shown:
            self._write(shown)
            self._mid_line = not shown.endswith("\n")

    def route(self, event: RouteEvent) -> None:
        self._routes += 1
        if self._routes > 1:  # the cloud failed: the answer starts again from this device
            self.end_line()
        if not self.json_mode:
            reason = f" — {event.reason}" if event.route == "cloud" or self._routes > 1 else ""
            print(f"[{route_label({'route': event.route, 'model': event.model})}{reason}]", file=sys.stderr)

    def note(self, text: str) -> None:
        self.end_line()
        print(f"Note: {text}", file=sys.stderr)

    def end_line(self) -> None:
        rest = self._math.flush()
        if rest:
            self._write(rest)
            self._mid_line = not rest.endswith("\n")
        if self._mid_line and not self.stdout_gone:
            self._write("\n")
        self._mid_line = False

    def done(self, answer, device: str) -> int:
        code = 130 if answer.stopped else 0
        if self.json_mode:
            data: dict[str, Any] = answer.to_json()
            data["device"] = device
            # The same keys for every answer; an answer without sources has nothing to check.
            data.setdefault("claims", [])
            data.setdefault("supported_ratio", None)
            self._write(json.dumps(data, ensure_ascii=False) + "\n")
        else:
            self.end_line()
            if answer.sources:
                lines = ["", "Sources:"] + [f"  [{c.number}] {Path(c.source).name}, {c.place}  ({c.source})"
                                            for c in answer.sources]
                self._write("\n".join(lines) + "\n")
            warning = unsupported_note(answer.claims)
            if warning:
                print(warning, file=sys.stderr)
        if answer.stopped:
            print("Stopped: the answer so far is saved.", file=sys.stderr)
        return code

    def _write(self, text: str) -> None:
        if self.stdout_gone:
            return
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:  # `ask ... | head -1`: the reader left; stop writing quietly
            self.stdout_gone = True
            silence_stdout()


class _StopOnCtrlC:
    """First Ctrl+C: stop generating (the answer so far is kept); second: abort at once."""

    def __init__(self, cancel: CancelToken, out: _Output) -> None:
        self.cancel = cancel
        self.out = out
        self._previous = None

    def __enter__(self) -> "_StopOnCtrlC":
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if self.cancel.cancelled:
            raise KeyboardInterrupt
        self.cancel.cancel()

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
