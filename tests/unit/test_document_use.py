"""The one rule for which documents a question consults (services.document_use), shared by CLI and window."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.core.errors import AppError
from desktop_app.rag.records import CollectionInfo
from desktop_app.services import document_use
from desktop_app.services.document_use import DocumentUse, decide


@pytest.mark.parametrize(
    ("indexed", "chosen", "use", "expected"),
    [
        (["hr", "legal"], [], True, DocumentUse(consult=("hr", "legal"))),  # relevance decides
        (["hr", "legal"], ["legal"], True, DocumentUse(collections=("legal",))),  # a tick: only these
        (["hr"], ["hr", "hr"], True, DocumentUse(collections=("hr",))),
        (["hr", "legal"], ["legal"], False, DocumentUse()),  # "not for this question"
        (["hr"], [], False, DocumentUse()),
        ([], [], True, DocumentUse()),  # nothing indexed: plain chat, nothing searched
    ],
)
def test_decide(indexed, chosen, use, expected):
    got = decide(indexed, chosen, use)
    assert got == expected
    assert got.searches is bool(expected.collections or expected.consult)


def test_prepare_kwargs_never_fall_back_to_the_saved_choice():
    # An empty list (not None) tells Assistant.prepare not to use the conversation's saved ticks.
    assert DocumentUse().prepare_kwargs() == {"collections": [], "consult": []}
    assert DocumentUse(consult=("a",)).prepare_kwargs() == {"collections": [], "consult": ["a"]}


class Library:
    def __init__(self, names, fail=False):
        self.names = names
        self.fail = fail
        self.listed = 0

    def collections(self):
        self.listed += 1
        if self.fail:
            raise AppError("The document index cannot be read.")
        return [CollectionInfo(n, 0 if n == "empty" else 2, 3, 9) for n in self.names]


class Store:
    def __init__(self, saved):
        self.saved = saved

    def get_conversation(self, cid):
        from desktop_app.core.records import Conversation

        return Conversation(cid, "t", 0, 0, list(self.saved[cid])) if cid in self.saved else None


@pytest.fixture
def manifest(tmp_path):
    path = tmp_path / "index" / "manifest.json"
    path.parent.mkdir()
    path.write_text("{}")
    return path


def test_a_conversation_uses_its_saved_ticks_still_in_the_index(manifest):
    store = Store({1: ["hr", "removed-since"], 2: ["removed-since"], 3: []})
    library = Library(["hr", "legal", "empty"])
    assert document_use.for_question(library, store, manifest, 1) == DocumentUse(collections=("hr",))
    # Nothing of its choice is left: relevance over what is indexed (collections holding documents).
    assert document_use.for_question(library, store, manifest, 2) == DocumentUse(consult=("hr", "legal"))
    assert document_use.for_question(library, store, manifest, 3) == DocumentUse(consult=("hr", "legal"))
    assert document_use.for_question(library, store, manifest, None) == DocumentUse(consult=("hr", "legal"))


def test_an_explicit_choice_wins_over_the_saved_one_without_listing_the_index(manifest):
    library = Library(["hr", "legal"])
    store = Store({1: ["hr"]})
    assert document_use.for_question(library, store, manifest, 1, chosen=["legal"]) == DocumentUse(collections=("legal",))
    assert library.listed == 0
    # No ticks shown in the window (an empty list) is a choice too: relevance, not the saved ticks.
    assert document_use.for_question(library, store, manifest, 1, chosen=[]) == DocumentUse(consult=("hr", "legal"))


def test_without_an_index_or_when_it_fails_the_question_is_plain_chat(tmp_path, manifest):
    library = Library(["hr"])
    assert document_use.for_question(library, Store({}), tmp_path / "missing.json", None) == DocumentUse()
    assert library.listed == 0  # never built: the index is not opened to find that out
    assert document_use.for_question(Library(["hr"], fail=True), Store({}), manifest, None) == DocumentUse()


def test_not_for_this_question_reads_nothing(manifest):
    library = Library(["hr"])
    assert document_use.for_question(library, Store({1: ["hr"]}), manifest, 1, use_documents=False) == DocumentUse()
    assert library.listed == 0


@pytest.mark.parametrize(("question", "points"), [
    ("Which helicopter crashed near Honolulu in the NTSB report?", True),
    ("According to the DOL 2022-2026 Strategic Plan, how many employees does EBSA have?", True),
    ("What lenalidomide dose is given in the double-hit myeloma protocol?", True),
    ("What do my files say about the refund window?", True),
    ("How do I write a report?", False),  # a writing task, not a place to look
    ("Write an introduction for the report on river pollution.", False),
    ("What is the capital of France?", False),
])
def test_a_question_that_places_its_answer_in_a_document(question, points):
    assert document_use.refers_to_documents(question) is points


def test_no_general_question_of_the_benchmark_is_taken_for_a_documents_question():
    # With nothing ticked such a question would be declined when the documents miss: the 120
    # general questions of benchmarks/answer_quality.py must all stay plain chat.
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "general_questions.jsonl"
    questions = [json.loads(line)["question"] for line in path.read_text().splitlines() if line.strip()]
    assert len(questions) >= 100
    assert [q for q in questions if document_use.refers_to_documents(q)] == []
