"""`slm-assistant diagnostics`: the report IT support asks for (versions, CPU, model, last problems)."""

from __future__ import annotations

import argparse

from desktop_app.services.diagnostics import diagnostics_report


def register(subparsers, name: str) -> None:
    p = subparsers.add_parser(name, help="print versions, CPU, model and the last logged problems (for IT support)",
                              description="Print a report to paste into a support request. It holds no "
                                          "question, answer or document text, and loads nothing.")
    p.add_argument("--last", type=int, default=20, metavar="N", help="include the N most recent logged problems")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, core) -> int:
    print(diagnostics_report(core, max_problems=args.last), end="")
    return 0
