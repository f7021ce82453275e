"""Drag and drop of files and folders: which dropped URLs are local paths worth indexing."""

from __future__ import annotations

from PySide6.QtCore import QMimeData


def local_paths_from_mime(mime: QMimeData | None) -> list[str]:
    """Local file and folder paths carried by a drag (remote URLs are ignored)."""
    if mime is None or not mime.hasUrls():
        return []
    paths = []
    for url in mime.urls():
        if url.isLocalFile():
            path = url.toLocalFile()
            if path and path not in paths:
                paths.append(path)
    return paths


def is_model_file(path: str) -> bool:
    """A GGUF model belongs to the model manager, not the document index."""
    return path.lower().endswith(".gguf")
