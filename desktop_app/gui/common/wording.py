"""Words shared by every area: a file's name as a user knows it, counted nouns."""

from __future__ import annotations

import os


def file_label(path: str) -> str:
    """The name a user recognises: the file's base name (the full path goes in tooltips)."""
    name = os.path.basename(path.rstrip("/\\"))
    return name or path


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 model', '2 models' (``many`` for irregular plurals)."""
    return f"{count} {word if count == 1 else (many or word + 's')}"
