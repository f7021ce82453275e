"""Records of the document side shared by the indexer, the Library service, the CLI and the GUI."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class IndexProgress:
    """Yielded by ``Library.index`` as work advances (drives the progress bar and the CLI bar)."""

    current_file: str
    files_done: int
    files_total: int
    pages_done: int
    pages_total: int  # pages known so far (grows as files are opened)
    chunks_done: int
    eta_s: float | None = None
    message: str = ""  # e.g. "Skipped notes.docx: unsupported file type"
    # "writing": every page is read; the last passages are embedded and the index written (can
    # take a third of a run, which "107 of 107 pages" alone did not explain).
    phase: str = ""


@dataclass
class FileProblem:
    path: str
    reason: str  # one plain line, e.g. "encrypted without a password"


@dataclass(frozen=True)
class PartialFile:
    """A file a cancelled run kept in part: pages 1..pages_done are indexed and searchable."""

    path: str
    pages_done: int
    pages_total: int


@dataclass
class IndexReport:
    """Returned by ``Library.index`` when it finishes or is cancelled."""

    files_indexed: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    pages: int = 0
    chunks: int = 0
    skipped: list[FileProblem] = field(default_factory=list)  # unsupported types
    failed: list[FileProblem] = field(default_factory=list)  # could not be indexed
    cancelled: bool = False
    seconds: float = 0.0
    partial: list[PartialFile] = field(default_factory=list)  # kept in part by a cancel; a later run continues

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass(frozen=True)
class DocumentInfo:
    path: str
    collection: str
    pages: int
    chunks: int
    indexed_at: float
    sha256: str = ""
    # What the document is (read at indexing, corrected by the user); "" when unknown.
    title: str = ""
    organisation: str = ""
    doc_type: str = ""
    period: str = ""
    reference: str = ""
    needs_reindex: bool = False  # indexed by an older version: no metadata or passage headers yet
    partial: bool = False  # a cancelled run indexed only the first ``pages`` of ``pages_total``
    pages_total: int = 0

    def status(self) -> str:
        """What is left to do, in words ("" when the document is whole)."""
        if not self.partial:
            return ""
        return f"partly indexed ({self.pages} of {self.pages_total} pages) — add it again to continue"

    def about(self) -> str:
        """One line saying what the document is ("Office of X · Annual Performance Report · FY 2019"), or ""."""
        seen: list[str] = []
        for part in (self.organisation, self.doc_type, self.title, self.period, self.reference):
            if part and not any(part.lower() in s.lower() for s in seen):
                seen.append(part)
        return " · ".join(seen)


def document_info(row, meta=None, index_format: int = 0) -> DocumentInfo:
    """A manifest row and its DocumentMeta as the DocumentInfo the CLI and the GUI show."""
    fields = {}
    if meta is not None:
        fields = {k: getattr(meta, k) for k in ("title", "organisation", "doc_type", "period", "reference")}
    return DocumentInfo(row.path, row.collection, row.pages, row.chunks, row.indexed_at, row.sha256,
                        needs_reindex=index_format < 2, partial=row.partial, pages_total=row.pages_total, **fields)


@dataclass(frozen=True)
class CollectionInfo:
    name: str
    documents: int
    pages: int
    chunks: int
    on_device_only: bool = False
