"""Typed errors: each says in plain language what happened and what the user can do.

The GUI and the CLI render ``str(error)`` (message + hint); neither ever shows a traceback.
"""

from __future__ import annotations


class AppError(Exception):
    """Base of every error a user may see.

    Args:
        message: what happened, in one plain sentence.
        hint: what the user can do about it (optional).
    """

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class ModelError(AppError):
    """The model file is missing, damaged, not a GGUF, or cannot be loaded."""


class ContextOverflowError(AppError):
    """The prompt does not fit in the model's context window even after trimming."""


class StorageError(AppError):
    """The data directory cannot be written (full disk, read-only, permissions)."""


class DiskFullError(StorageError):
    """The disk holding the data folder has no room left (callers may add how much is free)."""


class SettingsError(AppError):
    """A setting key or value is not valid."""


class DocumentError(AppError):
    """A document cannot be indexed (encrypted, corrupt, image-only, too large...)."""


class IndexMismatchError(AppError):
    """The index was built with a different embedding model and must be rebuilt."""


class CloudError(AppError):
    """The cloud model could not answer (timeout, refused, bad key, rate limit...)."""


class PolicyError(AppError):
    """An action is forbidden by the organisation's machine policy."""


class Cancelled(Exception):
    """A long job was cancelled by the user; not an error to report."""


READ_ONLY_HINT = "Check the folder's permissions or choose another data folder (--home)."


def disk_full_error(what: str) -> StorageError:
    return DiskFullError(f"The disk is full, so {what} could not be saved.", "Free some disk space and try again.")


def read_only_error(what: str) -> StorageError:
    return StorageError(f"The data folder is read-only, so {what} could not be saved.", READ_ONLY_HINT)


def storage_error_from_os(exc: OSError, what: str) -> StorageError:
    """Map an OSError while writing ``what`` to a plain-language StorageError."""
    import errno

    if exc.errno == errno.ENOSPC:
        return disk_full_error(what)
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return read_only_error(what)
    return StorageError(f"{what[:1].upper()}{what[1:]} could not be saved: {exc.strerror or exc}.")


def format_bytes(n: float) -> str:
    """A size for people: "812 KB", "3.4 MB", "1.2 GB"."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit in ("bytes", "KB") else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover - the loop always returns


def index_disk_full_error(free_bytes: int | None, where: str, searching: bool = False) -> DiskFullError:
    """The one sentence shown when the disk under the document index fills up.

    Args:
        free_bytes: what the disk still has (None when it cannot be measured).
        where: the index folder, so the user knows which disk to clean up.
        searching: the failure came from a search, not from indexing.
    """
    free = f"{format_bytes(free_bytes)} free in {where}" if free_bytes is not None else where
    if searching:
        return DiskFullError(f"The disk holding your documents index is full ({free}), so it cannot be searched.",
                             "Free some space and try again; your indexed documents are kept.")
    return DiskFullError(f"The disk holding your documents index is full ({free}).",
                         "Free some space and index again; documents indexed so far are kept.")
