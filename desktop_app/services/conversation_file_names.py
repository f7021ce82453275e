"""The file a user named for each indexed copy of a conversation's file (``ask --file``, a drop
on the message box), so an answer's sources name the user's file, not the app's private copy.

``services.conversation_files`` indexes a copy kept in the index folder; the index keys the
passages by the copy's path. Beside the copies, ``originals.json`` maps each copy's file name to
the path the user gave. Searches (``library_reads``) replace a conversation file's path by the
user's in the hits they return, so the CLI, ``--json``, the API and the window's citations all show
it and opening a citation opens the user's file; reading a cited page back (``passages``) maps the
user's path to the copy, which still reads if the user has moved the original since.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Mapping

from desktop_app.core.records import Hit

log = logging.getLogger(__name__)

# JSON is not a type a user can drop (conversation_files.check_droppable), so no copy has this name.
ORIGINALS_FILE = "originals.json"


def read_originals(folder: Path) -> dict[str, str]:
    """Copy file name -> the user's path, for one copies folder ({} when none is recorded)."""
    try:
        data = json.loads((Path(folder) / ORIGINALS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def record_originals(folder: Path, names: Mapping[str, str], drop: Iterable[str] = ()) -> None:
    """Add ``names`` (copy file name -> user's path) to the folder's record, removing ``drop``.

    Written to a temporary file and renamed, so a search reading it never sees half a file. A
    failure is logged, not raised: the answer still works, its sources then show the copy.
    """
    folder = Path(folder)
    known = read_originals(folder)
    known.update(names)
    for name in drop:
        known.pop(name, None)
    target = folder / ORIGINALS_FILE
    try:
        if not known:
            target.unlink(missing_ok=True)
            return
        temporary = folder / (ORIGINALS_FILE + ".tmp")
        temporary.write_text(json.dumps(known, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(temporary, target)
    except OSError:
        log.warning("Could not record the original names of a conversation's files", exc_info=True)


def named_by_user(hits: list[Hit], is_private) -> list[Hit]:
    """``hits`` with each conversation file's path (``is_private(hit.collection)``) replaced by the user's."""
    folders: dict[Path, dict[str, str]] = {}
    out = []
    for hit in hits:
        if is_private(hit.collection):
            copy = Path(hit.source)
            originals = folders.setdefault(copy.parent, read_originals(copy.parent))
            if copy.name in originals:
                hit = replace(hit, source=originals[copy.name])
        out.append(hit)
    return out


def indexed_copies(files_root: Path, path: str) -> list[str]:
    """The indexed copies of the user's file ``path`` (newest first), under the copies' root folder."""
    found = []
    try:
        folders = [f for f in Path(files_root).iterdir() if f.is_dir()]
    except OSError:
        return []
    for folder in folders:
        for name, original in read_originals(folder).items():
            copy = folder / name
            if original == path and copy.is_file():
                found.append(copy)
    found.sort(key=_modified, reverse=True)
    return [str(p) for p in found]


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # removed with its conversation meanwhile
        return 0.0
