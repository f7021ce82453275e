"""The Assistant declines, without the model, a question naming what no passage (nor its document's
label) mentions (services/named_terms.py), and asks the model when the label names it."""

from __future__ import annotations

import pytest

from desktop_app.config.settings import Settings
from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.records import DOCUMENT_SEARCH, DoneEvent, Hit
from desktop_app.llm.fake import FakeBackend
from desktop_app.services.assistant import NOT_IN_YOUR_DOCUMENTS, Assistant
from tests.assistant_helpers import ask
from tests.unit.assistant_fakes import FakeRetriever, fake_grounding

LABEL = "Lutronic, Inc. · Clinical Protocol · Prospective Clinical Evaluation of the Safety and Efficacy"
PASSAGE = "A total of up to 30 subjects will be enrolled at up to 3 investigational sites."


@pytest.fixture
def store(tmp_path):
    s = ConversationStore(tmp_path / "c.sqlite3")
    yield s
    s.close()


def answer(store, question: str, document: str, unmentioned=None) -> tuple[FakeBackend, str]:
    backend = FakeBackend().enqueue("Up to 30 subjects [1].")
    hits = [Hit("/docs/NCT06152900_Prot_SAP_000.pdf", 12, PASSAGE, 0.9, "trials", document=document)]
    assistant = Assistant(store=store, backend_factory=lambda: backend, settings=Settings(),
                          retriever_factory=lambda: FakeRetriever(hits), grounding=fake_grounding,
                          unmentioned=unmentioned)
    done = [e for e in ask(assistant, question, collections=["trials"]) if isinstance(e, DoneEvent)][-1]
    return backend, done.answer.text


def test_a_sponsor_named_only_in_the_documents_label_is_answered_from_it(store):
    backend, text = answer(store, "How many subjects will the Lutronic muscle stimulation study enroll?", LABEL)
    assert len(backend.history) == 1 and text == "Up to 30 subjects [1]."


def test_a_drug_no_passage_or_label_mentions_is_declined_without_the_model(store):
    backend, text = answer(store, "How many subjects did the semaglutide trial enroll?", LABEL)
    assert backend.history == [] and "do not contain" in text


def test_a_name_that_no_document_of_the_collection_holds_is_declined_though_another_name_is_there(store):
    asked = []

    def library_lacks(words, collections):
        asked.append((list(words), list(collections)))
        return [w for w in words if w == "Pfizer"]

    # "Lutronic" is in the label; the sponsor named beside it is nowhere in the collection.
    backend, text = answer(store, "How many subjects did the Lutronic study run by Pfizer enroll?", LABEL, library_lacks)
    assert backend.history == [] and "do not contain" in text
    assert asked == [(["Lutronic", "Pfizer"], ["trials"])]


def test_names_the_collection_holds_and_a_failing_lookup_leave_the_question_to_the_model(store):
    backend, text = answer(store, "How many subjects will the Lutronic study enroll?", LABEL, lambda words, cols: [])
    assert len(backend.history) == 1 and text == "Up to 30 subjects [1]."

    def broken(words, collections):
        raise OSError("index being rebuilt")

    backend, text = answer(store, "How many subjects did the Lutronic study run by Pfizer enroll?", LABEL, broken)
    assert len(backend.history) == 1 and text == "Up to 30 subjects [1]."


def consult(store, question: str, hits) -> tuple[FakeBackend, DoneEvent]:
    """Nothing chosen: every collection is consulted for the question alone (document_use)."""
    backend = FakeBackend().enqueue("Its registration was N12345.")
    assistant = Assistant(store=store, backend_factory=lambda: backend, settings=Settings(),
                          retriever_factory=lambda: FakeRetriever(hits), grounding=fake_grounding,
                          unmentioned=lambda words, collections: [w for w in words if w == "Honolulu"])
    prepared = assistant.prepare(question, consult=["reports"])
    done = [e for e in assistant.answer(prepared) if isinstance(e, DoneEvent)][-1]
    return backend, done


def test_with_nothing_chosen_a_question_placed_in_a_document_is_declined_not_invented(store):
    hits = [Hit("/docs/ntsb.pdf", 2, "The helicopter departed from the heliport.", 0.9, "reports")]
    # The passages are relevant, but Honolulu is in none of the reports: plain chat would invent
    # what "the NTSB report" says, so the answer says the documents do not hold it.
    backend, done = consult(store, "Which helicopter crashed near Honolulu in the NTSB report?", hits)
    assert backend.history == [] and done.answer.text == NOT_IN_YOUR_DOCUMENTS
    assert done.answer.model == DOCUMENT_SEARCH and "your documents" in done.answer.reason
    backend, done = consult(store, "According to the NTSB report, what is the registration of the Honolulu tour helicopter?", [])
    assert backend.history == [] and done.answer.text == NOT_IN_YOUR_DOCUMENTS


def test_with_nothing_chosen_a_general_question_the_documents_miss_is_plain_chat(store):
    backend, done = consult(store, "Which helicopter models are common for tours near Honolulu?", [])
    assert len(backend.history) == 1 and done.answer.text == "Its registration was N12345."
