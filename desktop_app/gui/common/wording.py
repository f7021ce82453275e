"""Words shared by every area: a file's name as a user knows it, counted nouns."""

from __future__ import annotations

import os

from desktop_app.core.plurals import plural  # noqa: F401 (shared with the CLI)


def file_label(path: str) -> str:
    """The name a user recognises: the file's base name (the full path goes in tooltips)."""
    name = os.path.basename(path.rstrip("/\\"))
    return name or path
