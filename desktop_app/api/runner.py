"""Running the app on uvicorn: the listening socket, the address rules, and a background server.

The socket is bound here, before uvicorn starts, so a port in use or an address this computer
does not have is one plain error instead of uvicorn's log and exit.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from pathlib import Path

from desktop_app.core.errors import AppError

GRACEFUL_S = 3  # on stop, seconds open streams get before they are cut


def is_loopback(host: str) -> bool:
    """True for addresses only this computer can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: any free port).

    Raises:
        AppError: the port is taken or the address is not this computer's.
    """
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if port and exc.errno in (48, 98, 10048):  # EADDRINUSE on macOS, Linux, Windows
            raise AppError(f"Port {port} is already in use.", "Choose another with --port, or stop what uses it.") from None
        raise AppError(f"Cannot listen on {host}:{port} ({exc.strerror or exc}).",
                       "Check the address (--host) and port (--port).") from None
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/v1" if ":" in host else f"http://{host}:{port}/v1"


def uvicorn_server(app, **options):
    import uvicorn

    # log_config=None: uvicorn's records go to the host's handlers (serve's log file, the window's
    # log) instead of a traceback on the user's terminal; no access log, the log is for failures.
    config = uvicorn.Config(app, log_config=None, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=GRACEFUL_S, lifespan="on", **options)
    return uvicorn.Server(config)


def log_to_file(logs_dir: Path) -> Path:
    """Send warnings and errors (with their tracebacks) to the app's log instead of the terminal.

    The same rotating file the window and the CLI write (``core.logging_setup``), so IT support
    has one file to ask for; returns its path.
    """
    from desktop_app.core.logging_setup import LOG_FILE_NAME, configure_logging

    return configure_logging(logs_dir) or Path(logs_dir) / LOG_FILE_NAME


class BackgroundServer:
    """The app served from a thread (the window's Local API, tests); ``stop()`` ends it cleanly."""

    def __init__(self, app, sock: socket.socket) -> None:
        self.sock = sock
        self.url = url_of(sock)
        self._server = uvicorn_server(app)
        self._thread = threading.Thread(target=self._run, name="api-server", daemon=True)

    def _run(self) -> None:
        self._server.run(sockets=[self.sock])

    def start(self, timeout_s: float = 30.0) -> "BackgroundServer":
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise AppError("The local API did not start.", "See the log for details.")
            time.sleep(0.02)
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout_s)
        self.sock.close()
