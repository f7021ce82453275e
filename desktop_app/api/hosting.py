"""Who may serve, and on which address; and the API served from the window's own process.

``check_allowed`` holds the rules shared by ``slm-assistant serve`` and Settings → Local API:
a policy that turns ``api.enabled`` off forbids the API; an address other than loopback needs
``api.allow_network`` (a user setting IT can lock off) and the user's confirmation, which each
front-end asks in its own way. ``ApiHost`` runs the server on a background thread for the window.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from desktop_app.api.access_token import ApiToken, resolve_token
from desktop_app.api.runner import BackgroundServer, bind, is_loopback, log_to_file
from desktop_app.app_core import Core
from desktop_app.core.errors import AppError, PolicyError


def check_allowed(core: Core, host: str, port: int) -> bool:
    """Raise when the API may not be served on ``host:port``; True when the address needs the user's
    confirmation (it is not loopback: other computers could connect).

    Raises:
        PolicyError: the organization forbids the API, or any address but loopback.
        AppError: the user turned network addresses off, or the port is not a port.
    """
    api = core.settings.api
    if core.policy.is_locked("api.enabled") and not api.enabled:
        raise PolicyError("Your organization does not allow the local API on this computer.")
    if not 0 <= port <= 65535:
        raise AppError(f"{port} is not a port number.", "Use a number from 1 to 65535.")
    if is_loopback(host):
        return False
    if not api.allow_network:
        if core.policy.is_locked("api.allow_network"):
            raise PolicyError(f"Your organization allows the local API on this computer's loopback address only, "
                              f"not on {host}.", "Use 127.0.0.1.")
        raise AppError(f"Serving on {host} is turned off (api.allow_network).",
                       "Turn it on with 'slm-assistant config set api.allow_network true', or use 127.0.0.1.")
    return True


def exposure_warning(host: str) -> str:
    return (f"Listening on {host} lets other computers on the network use the model and your documents "
            "(with the API token).")


@dataclass(frozen=True)
class Serving:
    """A server that started: where, its model names, and its token (shown when new)."""

    url: str
    models: tuple[str, ...]
    token: ApiToken


class ApiHost:
    """The local API inside the window's process, one per Core (see ``host_for``).

    ``start`` and ``stop`` block (loading the model, letting open answers end): call them from a
    worker thread, never the GUI thread.
    """

    def __init__(self, core: Core) -> None:
        self.core = core
        self._lock = threading.Lock()
        self._server: BackgroundServer | None = None
        self.serving: Serving | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self, rotate_token: bool = False, confirmed: bool = False) -> Serving:
        """Serve on ``api.host:api.port``; a non-loopback host needs ``confirmed``.

        Raises:
            PolicyError, AppError: not allowed, not confirmed, port taken, the model cannot load.
        """
        from desktop_app.api.server import create_app
        from desktop_app.api.service import ApiService

        with self._lock:
            if self._server is not None and not rotate_token:
                assert self.serving is not None
                return self.serving
            api = self.core.settings.api
            if check_allowed(self.core, api.host, api.port) and not confirmed:
                raise AppError(f"Serving on {api.host} needs your confirmation.")
            self._stop_locked()
            token = resolve_token(rotate=rotate_token)
            service = ApiService(self.core)
            models = service.warm_up().listed
            log_to_file(self.core.paths.logs_dir)
            server = BackgroundServer(create_app(service, token.value), bind(api.host, api.port)).start()
            self._server = server
            self.serving = Serving(server.url, models, token)
            return self.serving

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
            self.serving = None


_hosts_lock = threading.Lock()


def host_for(core: Core) -> ApiHost:
    """The Core's ApiHost, made on first use: the server outlives the settings dialog that starts it."""
    with _hosts_lock:
        host = core.__dict__.get("_api_host")
        if host is None:
            host = core.__dict__["_api_host"] = ApiHost(core)
        return host
