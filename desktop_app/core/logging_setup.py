"""The app's one log: a rotating file in the logs folder, set up once by the composition root.

Why a file: the windowed Windows build has no console, so anything printed is lost; IT support
asks for ``app.log``. What goes in: failures with their tracebacks and notable events (WARNING
and up by default; INFO and DEBUG with debug logging). What never goes in by default: question,
answer or document text — modules log sizes, counts and exception types, and any record that
carries user text must be logged at DEBUG (``SLM_ASSISTANT_DEBUG_LOG=1`` turns that on, for a
user who chooses to share it).
"""

from __future__ import annotations

import logging
import os
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_FILE_NAME = "app.log"
DEBUG_ENV = "SLM_ASSISTANT_DEBUG_LOG"
MAX_BYTES = 2 << 20  # 2 MiB per file, 3 old files kept: a bounded footprint on any disk
BACKUP_COUNT = 3
FORMAT = "%(asctime)s %(levelname)s [%(threadName)s] %(name)s: %(message)s"

_lock = threading.Lock()


def debug_logging_requested() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def configure_logging(logs_dir: Path, debug: bool | None = None) -> Path | None:
    """Send this process's log records to ``logs_dir/app.log`` (rotating); idempotent.

    Called by ``build_core`` (the window, the CLI and ``serve`` all pass through it), so every
    front-end writes the same file. A second call for the same file adds nothing; a call for
    another folder (tests with several homes) moves the handler there.

    Args:
        logs_dir: ``AppPaths.logs_dir``.
        debug: log at DEBUG (may include question text); default: the ``SLM_ASSISTANT_DEBUG_LOG``
            environment variable.

    Returns:
        The log file's path, or None when the folder cannot be written (a read-only home must not
        stop the app; the records then go nowhere, as before logging existed).
    """
    debug = debug_logging_requested() if debug is None else debug
    path = (Path(logs_dir) / LOG_FILE_NAME).absolute()
    level = logging.DEBUG if debug else logging.WARNING
    root = logging.getLogger()
    with _lock:
        for handler in list(root.handlers):
            if isinstance(handler, _AppLogHandler):
                if handler.baseFilename == str(path):
                    handler.setLevel(level)
                    _lower_root_to(root, level)
                    return path
                root.removeHandler(handler)
                handler.close()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = _AppLogHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=True)
        except OSError:
            return None
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.setLevel(level)
        root.addHandler(handler)
        _lower_root_to(root, level)
    # Python's own "last resort" handler prints WARNINGs to stderr when no handler exists; with
    # ours installed that stops, so a CLI user sees only the plain one-line messages.
    logging.captureWarnings(True)
    return path


def current_log_file() -> Path | None:
    """The file ``configure_logging`` writes to (Help -> diagnostics, error hints), if any."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, _AppLogHandler):
            return Path(handler.baseFilename)
    return None


def _lower_root_to(root: logging.Logger, level: int) -> None:
    # The root logger defaults to WARNING; lower it only (a host that asked for more keeps it).
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)


class _AppLogHandler(RotatingFileHandler):
    """Our file handler, told apart from handlers a host (pytest, uvicorn) installed."""

    def handleError(self, record: logging.LogRecord) -> None:
        # A full disk or a log file locked by another program: drop the record quietly rather
        # than print logging's own traceback to a console the user may not have.
        return None
