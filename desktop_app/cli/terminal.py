"""Helpers for the command line's own stdout, shared by the entry point and the commands.

Kept apart from ``cli/__init__`` so a command module never imports the package that imports it.
"""

from __future__ import annotations

import os
import sys


def silence_stdout() -> None:
    """After a reader closed our stdout pipe: point stdout at devnull, so the interpreter's
    final flush does not report the broken pipe again."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (AttributeError, ValueError, OSError):
        pass  # stdout is not a real file (embedded use): nothing will be flushed to it
