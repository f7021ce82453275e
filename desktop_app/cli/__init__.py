"""`slm-assistant` command line: the window by default, headless commands otherwise. No Qt here.

Each command lives in its own module with ``register(subparsers)`` and ``run(args, core)``.
Errors are printed as one plain line on stderr with a non-zero exit; never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from desktop_app import PRODUCT_NAME, __version__
from desktop_app.cli.terminal import silence_stdout
from desktop_app.core.errors import AppError, storage_error_from_os

# name -> module under desktop_app.cli
COMMANDS = {
    "ask": "ask",
    "self-test": "selftest",
    "config": "config_cmd",
    "conversations": "conversations_cmd",
    "models": "models_cmd",
    "index": "index_cmd",
    "search": "search_cmd",
    "docs": "docs_cmd",
    "audit": "audit_cmd",
    "serve": "serve_cmd",
    "usage": "usage_cmd",
    "diagnostics": "diagnostics_cmd",
    "summarize": "document_task_cmd",
    "compare": "document_task_cmd",
    "extract": "document_task_cmd",
}


def build_parser(with_commands: bool = True) -> argparse.ArgumentParser:
    """The command line; ``with_commands=False`` gives only the global options (window start)."""
    parser = argparse.ArgumentParser(
        prog="slm-assistant",
        description=f"{PRODUCT_NAME}: an offline AI assistant. With no command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--home", metavar="DIR", help="keep all data, settings and models under DIR (or set SLM_ASSISTANT_HOME)")
    if not with_commands:
        parser.set_defaults(command=None)
        return parser
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        try:
            module = importlib.import_module(f"desktop_app.cli.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"desktop_app.cli.{module_name}":
                raise
            continue  # a command whose module is not built yet
        module.register(sub, name)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Opening the window names no command: skip importing every command module, since the
    # window must appear within 1.5x a bare Qt window (benchmarks/startup.py).
    window_start = not any(a in COMMANDS or a in ("-h", "--help") for a in argv)
    parser = build_parser(with_commands=not window_start)
    args = parser.parse_args(argv)
    if not args.command:
        from desktop_app.app import run_gui

        return run_gui([sys.argv[0]], home=args.home)

    from desktop_app.app import build_core

    core = None
    try:
        core = build_core(args.home)
        if core.policy.problem:
            print(f"{PRODUCT_NAME}: {core.policy.problem} Cloud hand-off is off.", file=sys.stderr)
        return int(args.handler(args, core) or 0)
    except AppError as exc:
        print(f"{PRODUCT_NAME}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{PRODUCT_NAME}: stopped.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `slm-assistant docs list | head`: the reader left early. Not an error worth a message.
        silence_stdout()
        return 0
    except OSError as exc:
        print(f"{PRODUCT_NAME}: {storage_error_from_os(exc, 'your data')}", file=sys.stderr)
        return 1
    finally:
        if core is not None:
            core.close()
