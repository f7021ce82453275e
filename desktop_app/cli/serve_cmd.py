"""`slm-assistant serve`: the on-device model and documents over a local OpenAI-compatible API.

Loopback only unless ``--host`` names another address; that needs ``--yes-expose`` or a y/N
answer at a terminal, and is refused when ``api.allow_network`` is off (the user's setting or
the machine policy). A policy that turns ``api.enabled`` off forbids serving at all. The bearer
token is shown on stdout once, when it is made; everything else goes to stderr.
"""

from __future__ import annotations

import argparse
import sys

from desktop_app import PRODUCT_NAME
from desktop_app.core.errors import AppError


def register(subparsers, name: str) -> None:
    parser = subparsers.add_parser(
        name,
        help="serve the model and documents over a local OpenAI-compatible API",
        description="Serve GET /v1/models, POST /v1/chat/completions, /v1/completions and /v1/embeddings "
                    "on this computer for other tools (bearer token required). Ctrl+C stops it.",
    )
    parser.add_argument("--host", default=None, help="address to listen on (default: api.host, 127.0.0.1); "
                                                     "any other than loopback lets other computers connect")
    parser.add_argument("--port", type=int, default=None, help="port to listen on (default: api.port, 8765; 0: any free port)")
    parser.add_argument("--yes-expose", action="store_true",
                        help="listen on a non-loopback address without asking")
    parser.add_argument("--rotate-token", action="store_true",
                        help="replace the kept API token with a new one (clients using the old one get 401)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, core) -> int:
    from desktop_app.api.access_token import resolve_token
    from desktop_app.api.hosting import check_allowed, exposure_warning
    from desktop_app.api.runner import bind, log_to_file, url_of, uvicorn_server
    from desktop_app.api.server import create_app
    from desktop_app.api.service import ApiService

    api = core.settings.api
    host = (args.host or api.host or "127.0.0.1").strip()
    port = api.port if args.port is None else args.port
    if check_allowed(core, host, port):
        _confirm_exposure(host, args.yes_expose)

    token = resolve_token(rotate=args.rotate_token)
    service = ApiService(core)
    _note("Loading the model…")
    service.warm_up()  # load now: the first request must not wait for it, and a broken model fails here
    if service.indexed_collections():
        _note("Opening the document index…")
        core.library.warm_up()  # the embedder and Chroma, for the first documents question
    sock = bind(host, port)
    url = url_of(sock)
    if token.is_new:
        print(f"API token (shown only now): {token.value}", flush=True)
    _note(token.note)
    print(f"Serving the OpenAI-compatible API at {url} (Ctrl+C stops it)", flush=True)
    _note(f"Models: {', '.join(service.model_ids().listed)}; embeddings: {core.settings.rag.embedder}.")
    _note(f"Problems are written to {log_to_file(core.paths.logs_dir)}.")
    server = uvicorn_server(create_app(service, token.value))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn re-raises the Ctrl+C it shut down on; for a server that is the normal way to stop
    finally:
        sock.close()
    _note("The local API stopped.")
    return 0


def _confirm_exposure(host: str, yes: bool) -> None:
    """Another address than loopback (allowed by policy and settings): the user confirms."""
    if yes:
        _note(exposure_warning(host))
        return
    if not _interactive():
        raise AppError(f"Serving on {host} needs your confirmation.",
                       "Add --yes-expose to allow it, or leave out --host to stay on this computer only.")
    print(exposure_warning(host), file=sys.stderr)
    try:
        reply = input("Serve on the network? [y/N] ")
    except (EOFError, KeyboardInterrupt):
        reply = ""
        print(file=sys.stderr)
    if reply.strip().lower() not in ("y", "yes"):
        raise AppError("Not served: you did not confirm the network address.", "Leave out --host to serve on this computer only.")


def _interactive() -> bool:
    try:
        return sys.stdin.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _note(text: str) -> None:
    if text:
        print(f"{PRODUCT_NAME}: {text}", file=sys.stderr, flush=True)
