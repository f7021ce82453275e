"""Resumable HTTP download of a model file: ``.part`` file, HTTP Range, sha256, progress, cancel.

Runs only when the user asks for a download (catalogue or ``models download``); nothing else in
the app opens a connection for models. httpx is imported lazily here.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import Cancelled, ModelError, storage_error_from_os
from desktop_app.core.files import update_digest

@dataclass(frozen=True)
class DownloadResult:
    path: Path
    sha256: str
    size_bytes: int


Progress = Callable[[int, "int | None"], None]  # (bytes so far, total bytes or None)
CHUNK = 1 << 16


def part_path(target: Path) -> Path:
    return target.with_name(target.name + ".part")


def download_file(
    url: str,
    target: Path,
    sha256: str | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    timeout_s: float = 30.0,
) -> DownloadResult:
    """Download ``url`` to ``target``, resuming a previous ``.part`` file when the server allows.

    The data goes to ``<target>.part`` and is renamed only when complete (and, with ``sha256``,
    verified), so a half-downloaded model never looks like a model.

    Raises:
        Cancelled: the user cancelled (the ``.part`` file is kept for a later resume).
        ModelError: network or server failure, or a sha256 mismatch (the damaged part is deleted).
        StorageError: the file cannot be written (full or read-only disk).
    """
    import httpx

    cancel = cancel or CancelToken()
    part = part_path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        have = part.stat().st_size if part.exists() else 0
    except OSError as exc:
        raise storage_error_from_os(exc, "the downloaded model") from None
    digest = hashlib.sha256()
    if have:
        update_digest(digest, part)

    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        with httpx.Client(follow_redirects=True, timeout=timeout_s) as client:
            with client.stream("GET", url, headers=headers) as response:
                if response.status_code == 416 and have:
                    pass  # the part is already complete: verify it below
                elif response.status_code not in (200, 206):
                    raise ModelError(f"The download failed: the server answered {response.status_code} {response.reason_phrase}.")
                else:
                    if response.status_code == 200 and have:
                        # The server ignored our Range request: start over.
                        have, digest = 0, hashlib.sha256()
                    total = _total_size(response, have)
                    mode = "ab" if have else "wb"
                    with open(part, mode) as fh:
                        done = have
                        if progress:
                            progress(done, total)
                        for block in response.iter_bytes(CHUNK):
                            if cancel.cancelled:
                                raise Cancelled()
                            fh.write(block)
                            digest.update(block)
                            done += len(block)
                            if progress:
                                progress(done, total)
                    if total is not None and done < total:
                        raise ModelError(
                            f"The download stopped early ({done:,} of {total:,} bytes).",
                            "Try again: the download will resume where it stopped.",
                        )
    except httpx.TimeoutException:
        raise ModelError("The download timed out.", "Check the connection and try again; it will resume.") from None
    except httpx.ConnectError:
        raise ModelError(f"Could not connect to {httpx.URL(url).host}.", "Check the connection or proxy settings and try again.") from None
    except httpx.HTTPError as exc:
        raise ModelError(
            f"The download was interrupted ({type(exc).__name__}).", "Try again: the download will resume where it stopped."
        ) from None
    except OSError as exc:
        raise storage_error_from_os(exc, "the downloaded model") from None

    actual = digest.hexdigest()
    if sha256 and actual != sha256.strip().lower():
        part.unlink(missing_ok=True)
        raise ModelError(
            "The downloaded file is damaged: its sha256 checksum does not match.",
            "The partial file was deleted; try the download again.",
        )
    try:
        os.replace(part, target)
        size = target.stat().st_size
    except OSError as exc:
        raise storage_error_from_os(exc, "the downloaded model") from None
    return DownloadResult(target, actual, size)


def _total_size(response, have: int) -> int | None:
    if response.status_code == 206:
        crange = response.headers.get("content-range", "")  # bytes START-END/TOTAL
        tail = crange.rsplit("/", 1)[-1]
        if tail.isdigit():
            return int(tail)
    length = response.headers.get("content-length")
    if length and length.isdigit():
        return int(length) + (have if response.status_code == 206 else 0)
    return None
