"""`slm-assistant audit [--json] [--last N]`: everything ever sent to a cloud model."""

from __future__ import annotations

import argparse
import json

from desktop_app.routing.audit import AuditLog


def register(subparsers, name: str) -> None:
    p = subparsers.add_parser(name, help="show everything ever sent to a cloud model (the audit log)")
    p.add_argument("--json", action="store_true", help="print the entries as one JSON array")
    p.add_argument("--last", type=int, default=0, metavar="N", help="only the N most recent entries")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, core) -> int:
    entries = AuditLog(core.paths.audit_log).entries()
    if args.last > 0:
        entries = entries[-args.last:]
    if args.json:
        print(json.dumps([e.to_json() for e in entries], ensure_ascii=False, indent=2))
        return 0
    if not entries:
        print(f"Nothing has been sent to a cloud model. (Audit log: {core.paths.audit_log})")
        return 0
    for e in entries:
        redacted = ", ".join(f"{n} {kind.lower()}" for kind, n in e.redactions.items()) or "none"
        print(f"=== {e.time} · {e.endpoint} · {e.model}")
        print(f"Document characters: {e.document_chars} · Redacted: {redacted}")
        if e.reason:
            print(f"Reason: {e.reason}")
        print(e.text)
        print()
    return 0
