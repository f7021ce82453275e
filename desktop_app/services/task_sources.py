"""Where a whole-document task reads its document: the index when the document is in it, else the file.

Why a file that is not indexed is read directly (the same loaders the indexer uses, no embedding)
and not indexed first: a summary needs every passage in order, not a search, so embedding it
would only cost time; and summarising a file must not change what later questions search (a
document the user never added would start grounding their answers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.core.errors import AppError, DocumentError
from desktop_app.core.records import Hit

MAX_UNINDEXED_PAGES = 2000  # a file read directly is held in memory whole


@dataclass
class DocumentText:
    """One document's passages in reading order and each page's text (for checking citations)."""

    path: str
    passages: list[Hit]
    notice: str = ""
    pages: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.pages:
            for hit in self.passages:
                self.pages[hit.page] = f"{self.pages[hit.page]}\n{hit.text}" if hit.page in self.pages else hit.text

    @property
    def name(self) -> str:
        return Path(self.path).name


def _indexed(library, path: str):
    """The DocumentInfo under which ``library`` lists the document, or None when it is not indexed."""
    candidates = [path]
    try:
        candidates.append(str(Path(path).expanduser().resolve()))
    except OSError:
        pass
    listed = {d.path: d for d in library.documents()}
    return next((listed[c] for c in candidates if c in listed), None)


def read_document(library, path: str) -> DocumentText:
    """The document's passages: from the index when indexed, else read from the file (a notice says so).

    Raises:
        AppError: the file does not exist, cannot be read, or has no text.
    """
    info = _indexed(library, path) if library is not None else None
    if info is not None:
        doc = DocumentText(info.path, library.passages(info.path))
        if getattr(info, "partial", False):  # a cancelled indexing run kept only the first pages
            doc.notice = (f"{doc.name} is partly indexed ({info.pages} of {info.pages_total} pages): "
                          f"this covers those pages only. Add it again to index the rest.")
    else:
        doc = _read_file(path)
    if not doc.passages:
        raise AppError(f"{doc.name} has no text to read.",
                       "If it is a scan, it needs text recognition (OCR) first.")
    return doc


def _read_file(path: str) -> DocumentText:
    from desktop_app.rag import loaders

    file = Path(path).expanduser()
    if not file.is_file():
        raise AppError(f"{path} is not a file.", "Check the path, or run 'slm-assistant docs list' to see indexed documents.")
    try:
        file = file.resolve()
        passages = []
        for page in loaders.load_pages(file):
            if page.text.strip():
                passages.append(Hit(str(file), page.number, page.text, 0.0, ""))
            if len(passages) >= MAX_UNINDEXED_PAGES:
                raise AppError(f"{file.name} has more than {MAX_UNINDEXED_PAGES} pages.",
                               "Index it first ('slm-assistant index PATH'), then summarise it.")
    except DocumentError:
        raise
    except OSError as exc:
        raise AppError(f"{file.name} could not be read: {exc.strerror or exc}.") from exc
    return DocumentText(str(file), passages,
                        notice=f"{file.name} is not in your document index: it was read directly, and nothing was added to the index.")
