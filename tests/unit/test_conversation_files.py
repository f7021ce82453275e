"""Files asked about in one conversation only (services.conversation_files): their private
collection's name, the rule that adds it to a question, and that no listing shows it.

The Library here is the real one (manifest, keyword store, metadata on disk) with the fake
embedder and an in-memory vector store, as the other Library-write unit tests use it.
"""

from __future__ import annotations

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.core.errors import AppError, DocumentError
from desktop_app.rag.embedder import FakeEmbedder
from desktop_app.rag.fake import InMemoryVectorStore
from desktop_app.services import conversation_files, document_use
from desktop_app.services.conversation_files import (
    conversation_collection, is_private, one_shot_collection, public,
)
from desktop_app.services.document_use import DocumentUse, decide
from desktop_app.services.library import Library
from tests.rag_fixtures import drain


def test_private_names_are_per_conversation_and_never_a_name_a_user_can_type():
    from desktop_app.gui.documents.formatting import clean_collection_name

    assert conversation_collection(42) == conversation_collection(42) != conversation_collection(43)
    assert is_private(conversation_collection(42)) and is_private(one_shot_collection())
    assert one_shot_collection() != one_shot_collection()
    for name in (conversation_collection(7), one_shot_collection()):
        assert clean_collection_name(name) is None  # the window refuses it as a collection name
    assert not is_private("default") and not is_private("private notes")
    assert public(["hr", conversation_collection(1), "legal"]) == ["hr", "legal"]


@pytest.mark.parametrize(
    ("indexed", "chosen", "use", "attached", "expected"),
    [
        (["hr"], [], True, ["~private:conversation-1"], DocumentUse(collections=("~private:conversation-1",))),
        (["hr"], ["hr"], True, ["~private:conversation-1"], DocumentUse(collections=("hr", "~private:conversation-1"))),
        (["hr"], [], False, ["~private:conversation-1"], DocumentUse()),  # "not for this question" wins
        (["hr"], [], True, [], DocumentUse(consult=("hr",))),
    ],
)
def test_the_asked_about_file_joins_the_choice(indexed, chosen, use, attached, expected):
    assert decide(indexed, chosen, use, attached=attached) == expected


@pytest.mark.parametrize("name", ["notes.xyz", "README"])
def test_a_type_the_indexer_does_not_read_is_refused_in_one_line(tmp_path, name):
    path = tmp_path / name
    path.write_text("hello")
    with pytest.raises(DocumentError) as info:
        conversation_files.check_droppable(str(path))
    assert name in str(info.value) and "PDF" in str(info.value) and "\n" not in str(info.value)


def test_folders_and_missing_files_are_refused(tmp_path):
    with pytest.raises(DocumentError, match="folder"):
        conversation_files.check_droppable(str(tmp_path))
    with pytest.raises(DocumentError, match="not found"):
        conversation_files.check_droppable(str(tmp_path / "gone.pdf"))


@pytest.fixture
def library(isolated_home):
    paths = AppPaths.resolve(isolated_home)
    lib = Library(paths, Settings(), MachinePolicy(), embedder=FakeEmbedder(), vector_store=InMemoryVectorStore())
    yield lib
    lib.close()


def test_attached_file_is_searchable_by_name_only_hidden_from_lists_and_deleted_without_touching_the_original(
        library, tmp_path):
    own = tmp_path / "handbook.md"
    own.write_text("Annual leave is 25 days per year for all staff.", encoding="utf-8")
    drain(library.index([str(own)], "hr"))  # the user's file, already in one of their collections
    name = conversation_collection(5)
    index_dir = library.paths.index_dir

    report = drain(conversation_files.attach(library, index_dir, name, [str(own)]))
    assert report.files_indexed == 1

    copy = conversation_files.copies_folder(index_dir, name) / "handbook.md"
    assert copy.is_file()
    assert conversation_files.attached_files(library, index_dir, name) == ["handbook.md"]
    # Hidden: not a collection, not a listed document, not found by a search of "everything".
    assert [c.name for c in library.collections()] == ["hr"]
    assert [d.path for d in library.documents()] == [str(own)]
    assert {h.source for h in library.search("annual leave days", k=10)} == {str(own)}
    # Found when the question asks its conversation's collection, named by the user's path.
    assert {h.source for h in library.search("annual leave days", k=10, collections=[name])} == {str(own)}
    manifest = library.paths.index_manifest
    uses = document_use.for_question(library, _NoStore(), manifest, 5, chosen=None)
    assert uses == DocumentUse(collections=(name,))
    assert document_use.for_question(library, _NoStore(), manifest, 6) == DocumentUse(consult=("hr",))

    conversation_files.detach(library, index_dir, name)
    assert conversation_files.attached_files(library, index_dir, name) == []
    assert library.documents(name) == [] and not copy.parent.exists()
    assert library.search("annual leave days", k=10, collections=[name]) == []
    # The user's own copy in "hr" is untouched.
    assert [d.path for d in library.documents("hr")] == [str(own)]
    assert {h.source for h in library.search("annual leave days", k=10, collections=["hr"])} == {str(own)}


def test_hits_name_the_users_file_and_its_pages_read_from_the_copy_after_the_file_moved(library, tmp_path):
    """The sources of an answer about a dropped file name the file the user dropped, not the app's
    copy in the index folder; the window reads a cited page back by that name."""
    own = tmp_path / "Downloads" / "contract.md"
    own.parent.mkdir()
    own.write_text("# Contract\n\nThe notice period is three months for either party.", encoding="utf-8")
    name = conversation_collection(8)
    index_dir = library.paths.index_dir
    drain(conversation_files.attach(library, index_dir, name, [str(own)]))

    hits = library.search("notice period months", k=5, collections=[name])
    assert [h.source for h in hits] == [str(own)]
    assert all(h.collection == name for h in hits)
    own.rename(tmp_path / "contract-moved.md")  # the user tidies their Downloads folder
    assert "three months" in " ".join(p.text for p in library.passages(str(own)))
    assert conversation_files.attached_files(library, index_dir, name) == ["contract.md"]

    conversation_files.detach(library, index_dir, name)
    with pytest.raises(AppError):
        library.passages(str(own))


def test_an_unreadable_file_leaves_nothing_behind(library, tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 this is not really a pdf")
    name = conversation_collection(9)
    with pytest.raises(AppError, match="broken.pdf"):
        drain(conversation_files.attach(library, library.paths.index_dir, name, [str(broken)]))
    assert conversation_files.attached_files(library, library.paths.index_dir, name) == []
    assert not (conversation_files.copies_folder(library.paths.index_dir, name) / "broken.pdf").exists()
    assert not conversation_files.has_copies(library.paths.index_dir, name)  # no record of it either


def test_detach_refuses_a_users_collection(library):
    with pytest.raises(AppError):
        conversation_files.detach(library, library.paths.index_dir, "hr")


class _NoStore:
    def get_conversation(self, cid):
        return None
