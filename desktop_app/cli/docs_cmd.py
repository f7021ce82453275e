"""`slm-assistant docs list|remove PATH|remove-collection NAME|on-device-only NAME on|off|watch FOLDER|check [--repair]`."""

from __future__ import annotations

import json
import sys
import time

from desktop_app.core.conversation_export import time_label
from desktop_app.core.plurals import plural


def register(subparsers, name: str) -> None:
    parser = subparsers.add_parser(name, help="list and organise indexed documents and collections")
    sub = parser.add_subparsers(dest="docs_action", metavar="ACTION", required=True)
    lst = sub.add_parser("list", help="indexed documents with pages, chunks and when they were indexed")
    lst.add_argument("--collection", metavar="NAME", help="only this collection")
    lst.add_argument("--json", action="store_true", help="print JSON")
    meta = sub.add_parser("set-meta", help="correct a document's title, organisation, type, period or reference")
    meta.add_argument("path", metavar="PATH")
    for name in ("title", "organisation", "type", "period", "reference"):
        meta.add_argument(f"--{name}", metavar="TEXT", help=f"the document's {name} ('' goes back to what indexing read)")
    rm = sub.add_parser("remove", help="remove a document from the index (the file is not touched)")
    rm.add_argument("path", metavar="PATH")
    rmc = sub.add_parser("remove-collection", help="remove a whole collection from the index")
    rmc.add_argument("name", metavar="NAME")
    odo = sub.add_parser("on-device-only", help="keep a collection's passages on this device (never sent to a cloud model)")
    odo.add_argument("name", metavar="NAME")
    odo.add_argument("state", choices=("on", "off"))
    watch = sub.add_parser("watch", help="watch folders and index new or changed documents until Ctrl+C")
    watch.add_argument("folders", nargs="*", metavar="FOLDER", help="default: the rag.watch_folders setting")
    watch.add_argument("--collection", default="default", metavar="NAME")
    watch.add_argument("--interval", type=float, default=5.0, metavar="SECONDS")
    chk = sub.add_parser("check", help="check that the document list and the search index agree")
    chk.add_argument("--repair", action="store_true", help="remove passages of unlisted or half-indexed files")
    sub.add_parser("repair", help="same as 'check --repair'")
    parser.set_defaults(handler=run)


def run(args, core) -> int:
    library = core.library
    action = args.docs_action
    # A write waits while an indexing run holds the index: say why nothing seems to happen.
    library.on_writer_wait = lambda line: print(f"{line} Press Ctrl+C to give up.", file=sys.stderr, flush=True)
    if action in ("check", "repair"):
        found = library.check(repair=action == "repair" or args.repair)
        print("\n".join(found.lines()))
        return 0 if found.clean or found.repaired else 1
    if action == "list":
        docs = library.documents(args.collection)
        cols = library.collections()
        if args.json:
            print(json.dumps({
                "collections": [c.__dict__ for c in cols],
                "documents": [d.__dict__ for d in docs],
            }, indent=2))
            return 0
        if not docs:
            print("No documents are indexed yet: run 'slm-assistant index PATH'.")
            return 0
        for col in cols:
            if args.collection and col.name != args.collection:
                continue
            flag = "  [on-device only]" if col.on_device_only else ""
            print(f"{col.name}: {plural(col.documents, 'document')}, {plural(col.pages, 'page')}, {plural(col.chunks, 'chunk')}{flag}")
            for d in docs:
                if d.collection == col.name:
                    when = time_label(d.indexed_at)
                    print(f"  {d.path}  ({d.pages} pages, {d.chunks} chunks, indexed {when})")
                    if d.partial:
                        print(f"      {d.status()}")
                    about = describe(d)
                    if about:
                        print(f"      {about}")
        return 0
    if action == "set-meta":
        changes = {"title": args.title, "organisation": args.organisation, "doc_type": args.type,
                   "period": args.period, "reference": args.reference}
        if all(v is None for v in changes.values()):
            print("slm-assistant docs set-meta: give at least one of --title, --organisation, --type, --period, --reference.",
                  file=sys.stderr)
            return 2
        info = library.set_document_meta(args.path, **{k: v for k, v in changes.items() if v is not None})
        print(f"{info.path}: {describe(info) or 'no details'}")
        print("Search uses this at once; run 'slm-assistant index' on the file to refresh its passages' headers.")
        return 0
    if action == "remove":
        library.remove_document(args.path)
        print(f"Removed {args.path} from the index.")
        return 0
    if action == "remove-collection":
        library.remove_collection(args.name)
        print(f"Removed the collection '{args.name}' from the index.")
        return 0
    if action == "on-device-only":
        library.set_on_device_only(args.name, args.state == "on")
        state = "never leave this device" if args.state == "on" else "may be sent to a cloud model when routing allows it"
        print(f"Passages from '{args.name}' will {state}.")
        return 0
    if action == "watch":
        return _watch(args, library)
    return 2


def describe(info) -> str:
    """One line saying what a document is, or how to learn it for a document indexed by an older version."""
    line = info.about()
    if info.needs_reindex and not line:
        return "(indexed by an older version: run 'slm-assistant index --rebuild' to read its title and period)"
    return line


def _watch(args, library) -> int:
    from desktop_app.cli.index_cmd import summary

    folders = args.folders or list(library.settings.rag.watch_folders)
    if not folders:
        print("slm-assistant docs watch: give a folder or set rag.watch_folders.", file=sys.stderr)
        return 2
    print(f"Watching {', '.join(folders)} (Ctrl+C to stop).", file=sys.stderr)
    library.watch(folders, args.collection, args.interval, on_report=lambda r: print(summary(r), flush=True))
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        library.stop_watching()
    return 0
