"""The document library's API, as one Protocol: ``Library`` (in this process, the CLI) and
``LibraryProcess`` (a child process, the window) both promise it, and the front-ends rely on
nothing else. ``tests/unit/test_library_api.py`` checks that both keep the same signatures.
"""

from __future__ import annotations

from typing import Callable, Generator, Protocol, Sequence

from desktop_app.core.cancel import CancelToken
from desktop_app.core.records import Hit
from desktop_app.rag.consistency import IndexCheck
from desktop_app.rag.records import CollectionInfo, DocumentInfo, IndexProgress, IndexReport


class DocumentLibrary(Protocol):
    """Index, search and organise documents. Every method may be called from worker threads and
    raises plain AppErrors (never a store's own exception)."""

    def collections(self) -> list[CollectionInfo]: ...

    def documents(self, collection: str | None = None) -> list[DocumentInfo]: ...

    def index(self, paths: list[str], collection: str = "default", cancel: CancelToken | None = None,
              rebuild: bool = False) -> Generator[IndexProgress, None, IndexReport]:
        """Index ``paths`` into ``collection``, yielding progress; returns the report."""
        ...

    def search(self, query: str, k: int = 5, collections: Sequence[str] | None = None) -> list[Hit]: ...

    def passages(self, path: str) -> list[Hit]:
        """Every passage of one indexed document in reading order (whole-document tasks)."""
        ...

    def retriever(self):
        """The Retriever answers use, or None while nothing is indexed."""
        ...

    def unmentioned(self, words: Sequence[str], collections: Sequence[str] | None = None) -> list[str]:
        """The ``words`` no indexed passage of ``collections`` holds; ``[]`` when it cannot tell."""
        ...

    def remove_document(self, path: str) -> None: ...

    def remove_collection(self, name: str) -> None: ...

    def reset_index(self) -> None: ...

    def check(self, repair: bool = False) -> IndexCheck: ...

    def set_document_meta(self, path: str, **fields: str) -> DocumentInfo: ...

    def set_on_device_only(self, name: str, flag: bool) -> None: ...

    def watch(self, folders: list[str] | None = None, collection: str = "default", interval_s: float = 5.0,
              on_report: Callable[[IndexReport], None] | None = None) -> None: ...

    def stop_watching(self) -> None: ...

    def warm_up(self) -> None:
        """Load the embedder and open the stores now (idle time), not on the first question."""
        ...

    def close(self) -> None: ...
