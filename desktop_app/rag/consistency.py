"""The consistency check: the manifest, the keyword index and the vector store must tell one story.

What can disagree, and why:
  - orphans: chunks in a store whose document has no manifest row. Before the single-writer lock,
    a second indexer purged the first one's 'pending' rows while its chunks were being written:
    ``search`` found passages that ``docs list`` did not show and ``docs remove`` could not remove.
  - pending: documents a stopped run (kill -9, full disk) left half-written.
  - incomplete: listed documents whose chunk counts in the stores differ from the manifest's.
  - resumed: partly indexed documents whose continuation stopped ('resuming'): their kept pages
    are whole, what was written after them may not be.
Repair removes the first three from every store and the manifest: the next ``index`` of their
folder indexes them again from the files, the only source that is certainly whole. A resumed
document loses only what was written past its kept pages, and is partial again. Runs only under
the writer lock (a 'pending' or 'resuming' row of a running writer is not a leftover).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop_app.rag.keyword_store import KeywordStore
from desktop_app.rag.manifest import Manifest
from desktop_app.rag.vector_store import VectorStore
from desktop_app.core.plurals import plural


@dataclass
class IndexCheck:
    """What ``check_index`` found (paths), and whether ``repair_index`` has removed it."""

    documents: int = 0  # listed (done) documents
    orphans: dict[str, int] = field(default_factory=dict)  # source -> chunks without a manifest row
    pending: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)
    resumed: dict[str, int] = field(default_factory=dict)  # path -> its kept pages (1..n are whole)
    repaired: bool = False

    @property
    def clean(self) -> bool:
        return not (self.orphans or self.pending or self.incomplete or self.resumed)

    def to_index_again(self) -> list[str]:
        """Every path whose chunks a repair removes (the user may want to index them again)."""
        return sorted(set(self.orphans) | set(self.pending) | set(self.incomplete))

    def summary(self) -> str:
        """One line after an automatic repair (shown as indexing starts)."""
        files = self.to_index_again()
        if not files:
            return (f"Repaired the document index: {plural(len(self.resumed), 'partly indexed file')} {'keeps' if len(self.resumed) == 1 else 'keep'} the pages "
                    "indexed before an earlier run stopped; add them again to continue.")
        return (f"Repaired the document index: removed the passages of {plural(len(files), 'file')} that an earlier "
                "run left unlisted or half-written; index their folders again if they are not in this run.")

    def lines(self) -> list[str]:
        """A plain-language account, one line per finding, for ``docs check``."""
        if self.clean:
            return [f"The document index is consistent: {plural(self.documents, 'document')}, no orphan passages."]
        done = "removed" if self.repaired else "found"
        out = []
        if self.orphans:
            out.append(f"{plural(len(self.orphans), 'file')} with {plural(sum(self.orphans.values()), 'passage')} in the index "
                       f"but not in the document list: {done}.")
        if self.pending:
            out.append(f"{plural(len(self.pending), 'file')} left half-indexed by a run that stopped: {done}.")
        if self.incomplete:
            out.append(f"{plural(len(self.incomplete), 'listed file')} with missing passages: {done}.")
        if self.resumed:
            out.append(f"{plural(len(self.resumed), 'partly indexed file')} with passages past their kept pages from a run "
                       f"that stopped: {done}.")
        if not self.to_index_again():  # nothing to index again: a repair only trims
            return out if self.repaired else out + ["Run 'slm-assistant docs check --repair' to remove them."]
        if self.repaired:
            out.append("Index their folders again to bring them back:")
        else:
            out.append("Run 'slm-assistant docs check --repair' to remove them, then index their folders again:")
        out.extend(f"  {path}" for path in self.to_index_again())
        return out


def check_index(manifest: Manifest, vectors: VectorStore, keywords: KeywordStore) -> IndexCheck:
    """Compare the manifest with the chunks per document in both stores (reads only)."""
    rows = manifest.documents(state=None)
    done = {r.path: r.chunks for r in rows if r.state in ("done", "partial")}
    resumed = {r.path: r.pages for r in rows if r.state == "resuming"}
    pending = sorted(r.path for r in rows if r.state not in ("done", "partial", "resuming"))
    in_vectors, in_keywords = vectors.sources(), keywords.sources()
    known = set(done) | set(pending) | set(resumed)
    orphans = {src: max(in_vectors.get(src, 0), in_keywords.get(src, 0))
               for src in sorted(set(in_vectors) | set(in_keywords)) if src not in known}
    incomplete = sorted(p for p, chunks in done.items()
                        if in_vectors.get(p, 0) != chunks or in_keywords.get(p, 0) != chunks)
    return IndexCheck(documents=len(done) + len(resumed), orphans=orphans, pending=pending, incomplete=incomplete,
                      resumed=resumed)


def repair_index(check: IndexCheck, manifest: Manifest, vectors: VectorStore, keywords: KeywordStore) -> IndexCheck:
    """Remove what ``check`` found from both stores, then from the manifest; returns ``check``, repaired."""
    for path in check.to_index_again():
        # Same order as Indexer.purge: chunks first, the row last, so a crash here is found again.
        vectors.delete_source(path)
        keywords.delete_source(path)
        manifest.remove(path)
    for path, pages in check.resumed.items():
        trim_partial(path, pages, manifest, vectors, keywords)
    check.repaired = True
    return check


def trim_partial(path: str, pages: int, manifest: Manifest, vectors: VectorStore, keywords: KeywordStore) -> None:
    """Undo a stopped continuation of a partial document: keep pages 1..``pages``, mark it partial."""
    # The chunks first, the row last: a crash in between leaves it 'resuming', and this runs again.
    vectors.delete_pages_after(path, pages)
    keywords.delete_pages_after(path, pages)
    manifest.back_to_partial(path)
