"""`slm-assistant conversations list|search|export|rename|delete`: the saved conversations, headless.

Export honours the machine policy (``privacy.allow_export = false`` refuses it) and writes files
atomically, so a full disk never leaves half an export under the chosen name.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from desktop_app.core.conversation_export import time_label
from desktop_app.core.files import write_text_atomically
from desktop_app.core.errors import AppError, PolicyError


def register(subparsers, name: str) -> None:
    parser = subparsers.add_parser(name, help="list, search, export, rename or delete saved conversations")
    sub = parser.add_subparsers(dest="conversations_action", metavar="ACTION", required=True)
    lst = sub.add_parser("list", help="all conversations, most recent first")
    lst.add_argument("--json", action="store_true", help="print one JSON object")
    find = sub.add_parser("search", help="conversations containing every word of TEXT")
    find.add_argument("text", nargs="+", metavar="TEXT")
    find.add_argument("--json", action="store_true", help="print one JSON object")
    exp = sub.add_parser("export", help="print or save one conversation as Markdown or JSON")
    exp.add_argument("id", type=int, metavar="ID")
    exp.add_argument("--format", choices=("md", "json"), default="md", help="md (readable, default) or json (lossless)")
    exp.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    ren = sub.add_parser("rename", help="give a conversation a new title")
    ren.add_argument("id", type=int, metavar="ID")
    ren.add_argument("title", nargs="+", metavar="TITLE")
    rm = sub.add_parser("delete", help="delete a conversation and its messages")
    rm.add_argument("id", type=int, metavar="ID")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, core) -> int:
    store = core.store
    action = args.conversations_action
    if action in ("list", "search"):
        found = store.list_conversations() if action == "list" else store.search(" ".join(args.text))
        if args.json:
            print(json.dumps({"conversations": [
                {"id": c.id, "title": c.title, "created_at": c.created_at, "updated_at": c.updated_at,
                 "collections": c.collections} for c in found]}, ensure_ascii=False))
        else:
            for c in found:
                when = time_label(c.updated_at)
                docs = f"  [documents: {', '.join(c.collections)}]" if c.collections else ""
                print(f"{c.id:>5}  {when}  {c.title}{docs}")
        return 0
    conv = store.get_conversation(args.id)
    if conv is None:
        raise AppError(f"There is no conversation {args.id}.", "Run 'slm-assistant conversations list' to see them.")
    if action == "export":
        if not core.settings.privacy.allow_export:
            raise PolicyError("Exporting conversations is turned off by your organization.")
        text = (json.dumps(store.export_json(conv.id), ensure_ascii=False, indent=2) + "\n" if args.format == "json"
                else store.export_markdown(conv.id))
        if args.output:
            write_text_atomically(Path(args.output), text, "the export")
            print(f"Saved '{conv.title}' to {args.output}", file=sys.stderr)
        else:
            sys.stdout.write(text)
        return 0
    if action == "rename":
        store.rename(conv.id, " ".join(args.title))
        print(f"Renamed conversation {conv.id}.")
        return 0
    if action == "delete":
        store.delete_conversation(conv.id)
        from desktop_app.services.conversation_files import forget_conversation

        # Files asked about in it only (services.conversation_files); the library opens only if there were any.
        forget_conversation(lambda: core.library, core.paths.index_dir, conv.id)
        print(f"Deleted '{conv.title}'.")
        return 0
    raise AssertionError(action)


