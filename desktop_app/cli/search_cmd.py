"""`slm-assistant search "QUERY" [--k 5] [--collection NAME] [--json]` and `search --queries FILE`.

``--json`` prints a JSON array of hits (source, page (1-based), text, score, collection). With
``--queries FILE`` (``-`` for stdin) every line is a query and every output line the JSON array
of its hits (JSON Lines); the embedder and the stores are loaded once.
"""

from __future__ import annotations

import json
import os
import sys

from desktop_app.core.errors import AppError
from desktop_app.core.records import Hit


def register(subparsers, name: str) -> None:
    parser = subparsers.add_parser(name, help="search the indexed documents (hybrid: meaning + exact words)")
    parser.add_argument("query", nargs="?", metavar="QUERY", help="what to look for")
    parser.add_argument("--k", type=int, default=5, metavar="N", help="number of passages (default 5)")
    parser.add_argument("--collection", action="append", metavar="NAME",
                        help="search only this collection (repeat for several; default: all)")
    parser.add_argument("--queries", metavar="FILE", help="one query per line ('-' = stdin); prints JSON Lines")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run)


def hit_json(hit: Hit) -> dict:
    return {"source": hit.source, "page": hit.page, "unit": hit.unit, "text": hit.text, "score": hit.score,
            "similarity": hit.similarity, "collection": hit.collection, "on_device_only": hit.on_device_only}


def run(args, core) -> int:
    if bool(args.query) == bool(args.queries):
        print("slm-assistant search: give a QUERY or --queries FILE (one of them).", file=sys.stderr)
        return 2
    if args.k < 1:
        print("slm-assistant search: --k must be at least 1.", file=sys.stderr)
        return 2
    library = core.library
    if args.queries:
        return _run_many(args, library)
    hits = library.search(args.query, k=args.k, collections=args.collection)
    if args.json:
        print(json.dumps([hit_json(h) for h in hits], ensure_ascii=False, indent=2))
    elif not hits:
        print("No relevant passages found." if library.documents() else "No documents are indexed yet: run 'slm-assistant index PATH'.")
    else:
        for i, hit in enumerate(hits, 1):
            text = " ".join(hit.text.split())
            print(f"{i}. {os.path.basename(hit.source)}, {hit.place}  (score {hit.score:.4f})\n   {text[:300]}")
    return 0


def _run_many(args, library) -> int:
    try:
        stream = sys.stdin if args.queries == "-" else open(args.queries, encoding="utf-8")
    except OSError as exc:
        raise AppError(f"The queries file {args.queries} cannot be read ({exc.strerror or exc}).") from None
    with stream:
        lines = stream.read().splitlines()
    while lines and not lines[-1].strip():
        lines.pop()  # a trailing blank line is not a query
    retriever = library.retriever()  # models load once, here
    for line in lines:
        query = line.strip()
        hits = retriever.retrieve(query, k=args.k, collections=args.collection) if (retriever and query) else []
        if args.json:
            print(json.dumps([hit_json(h) for h in hits], ensure_ascii=False), flush=True)
        else:
            print(f"# {query}")
            for i, hit in enumerate(hits, 1):
                print(f"{i}. {os.path.basename(hit.source)}, {hit.place}  (score {hit.score:.4f})")
    return 0
