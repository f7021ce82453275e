"""A search of every collection when a conversation's own file matches best: real embedder, real
Chroma on disk. The conversation's collection is hidden from such a search, and it must not take
the places of the user's own passages either (it was filtered out after the top-k cut, so a search
for 5 hits returned fewer although 5 of the user's passages matched)."""

from __future__ import annotations

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.services import conversation_files
from desktop_app.services.conversation_files import conversation_collection, is_private
from desktop_app.services.library import Library
from tests.rag_fixtures import drain

pytestmark = pytest.mark.slow

_TEAMS = ["finance", "legal", "sales", "support", "engineering", "marketing"]


def _handbooks(folder) -> list[str]:
    """Six of the user's files, each answering the leave question less directly."""
    folder.mkdir(exist_ok=True)
    paths = []
    for team in _TEAMS:
        path = folder / f"{team}-handbook.md"
        path.write_text(f"# {team.title()} team handbook\n\nMembers of the {team} team receive annual "
                        f"leave under the company holiday policy; book holidays with your manager.\n",
                        encoding="utf-8")
        paths.append(str(path))
    return paths


def _leave_notes(folder) -> list[str]:
    """30 notes, every one stating the answer word for word."""
    folder.mkdir(exist_ok=True)
    paths = []
    for n in range(30):
        path = folder / f"leave-note-{n:02d}.md"
        path.write_text(f"# Leave note {n}\n\nHow many days of annual leave do staff get? Staff get "
                        f"{20 + n} days of annual leave per year.\n", encoding="utf-8")
        paths.append(str(path))
    return paths


def test_every_collection_returns_k_of_the_users_hits_when_a_conversations_file_matches_better(
        isolated_home, tmp_path):
    library = Library(AppPaths.resolve(isolated_home), Settings(), MachinePolicy())
    try:
        own = _handbooks(tmp_path / "mine")
        drain(library.index(own, "hr"))
        dropped = _leave_notes(tmp_path / "dropped")  # a conversation's files
        name = conversation_collection(3)
        drain(conversation_files.attach(library, library.paths.index_dir, name, dropped))
        question = "How many days of annual leave do staff get?"
        # The conversation's files do match best: searched on their own they fill the k places.
        assert len(library.search(question, k=5, collections=[name])) == 5

        hits = library.search(question, k=5)

        assert not any(is_private(h.collection) for h in hits)
        assert len(hits) == 5, [h.source for h in hits]
        assert {h.source for h in hits} <= set(own)
    finally:
        library.close()


def test_a_search_during_a_write_returns_k_listed_hits_when_documents_being_written_match_better(
        isolated_home, tmp_path):
    """A document another run is writing is not shown until it is done; its passages must not take
    the k places either (CI saw a search return nothing while the matching reports were written)."""
    library = Library(AppPaths.resolve(isolated_home), Settings(), MachinePolicy())
    try:
        own = _handbooks(tmp_path / "mine")
        drain(library.index(own, "hr"))
        writing = _leave_notes(tmp_path / "new")
        drain(library.index(writing, "notes"))
        question = "How many days of annual leave do staff get?"
        assert {h.source for h in library.search(question, k=5)} <= set(writing)  # they match best
        manifest = library.stores.manifest
        for path in writing:  # as a run that has written their chunks but not yet finished them
            row = manifest.get(path)
            manifest.begin(path, row.sha256, "notes")

        hits = library.search(question, k=5)

        assert len(hits) == 5, [h.source for h in hits]
        assert {h.source for h in hits} <= set(own)
    finally:
        library.close()
