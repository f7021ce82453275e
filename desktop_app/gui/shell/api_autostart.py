"""Starts the local API with the window when the user left it on (Settings → Local API).

Kept apart from the settings page so that the window's start-up imports nothing of the API
(and no extra module at all) while the API is off, which is the default.
"""

from __future__ import annotations

from desktop_app.app_core import Core


def start_with_window(core: Core, pool, on_problem=None) -> None:
    """Start serving on a worker if ``api.enabled``; a failure goes to ``on_problem``, never raised."""
    if not core.settings.api.enabled:
        return
    from desktop_app.gui.settings.api_page import start_hosting

    start_hosting(core, pool, on_problem)
