"""Two local models: a question with no documents in play goes to the general model (the larger
bundled model beside the 0.5B on a small machine), a document question to the main one."""

from __future__ import annotations

import pytest

from desktop_app.config.settings import Settings
from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.errors import ModelError
from desktop_app.core.records import DoneEvent, ErrorEvent, Hit
from desktop_app.llm.fake import FakeBackend
from desktop_app.services.assistant import NOT_IN_DOCUMENTS, Assistant
from tests.assistant_helpers import ask
from tests.unit.assistant_fakes import FakeRetriever, fake_grounding

HIT = Hit("/docs/policy.pdf", 3, "Refunds are accepted within thirty days.", 0.9, "contracts")


@pytest.fixture
def store(tmp_path):
    s = ConversationStore(tmp_path / "c.sqlite3")
    yield s
    s.close()


def make(store, main, general, hits=(), settings=None) -> Assistant:
    return Assistant(store=store, backend_factory=lambda: main, settings=settings or Settings(),
                     retriever_factory=lambda: FakeRetriever(hits), grounding=fake_grounding,
                     general_backend_factory=lambda: general)


def test_a_question_without_documents_is_answered_by_the_general_model(store):
    main, general = FakeBackend(model_name="small"), FakeBackend(model_name="large").enqueue("Paris.")
    done = list(ask(make(store, main, general), "What is the capital of France?"))[-1]
    assert isinstance(done, DoneEvent)
    assert (done.answer.text, done.answer.model) == ("Paris.", "large")
    assert main.history == [] and len(general.history) == 1
    assert store.messages(done.answer.conversation_id)[-1].meta["model"] == "large"


def test_a_question_answered_from_passages_stays_with_the_main_model(store):
    main, general = FakeBackend(model_name="small").enqueue("Thirty days [1]."), FakeBackend(model_name="large")
    done = list(ask(make(store, main, general, hits=[HIT]), "How long do refunds take?", collections=["contracts"]))[-1]
    assert done.answer.model == "small" and done.answer.text == "Thirty days [1]."
    assert general.history == []


def test_chosen_documents_that_hold_nothing_are_declined_by_neither_model(store):
    main, general = FakeBackend(model_name="small"), FakeBackend(model_name="large")
    done = list(ask(make(store, main, general), "What is the capital of France?", collections=["contracts"]))[-1]
    assert done.answer.text == NOT_IN_DOCUMENTS
    assert main.history == [] and general.history == []


def test_a_follow_up_without_documents_stays_with_the_general_model_and_its_history(store):
    main, general = FakeBackend(model_name="small"), FakeBackend(model_name="large").enqueue("Paris.", "About 2 million.")
    a = make(store, main, general)
    first = list(ask(a, "What is the capital of France?"))[-1].answer
    second = list(ask(a, "How many people live there?", conversation_id=first.conversation_id))[-1].answer
    assert second.model == "large"
    assert [m.content for m in general.history[-1].messages[1:]] == [
        "What is the capital of France?", "Paris.", "How many people live there?"]


def test_a_prompt_too_long_for_the_general_model_is_answered_by_the_main_one(store):
    main = FakeBackend(model_name="small", context_length=4096).enqueue("Main.")
    general = FakeBackend(model_name="large", context_length=64)
    done = list(ask(make(store, main, general), "Summarise this: " + "word " * 200))[-1]
    assert done.answer.model == "small" and general.history == []


def test_one_model_for_both_when_the_general_factory_gives_the_main_one(store):
    main = FakeBackend(model_name="only").enqueue("Paris.")
    done = list(ask(make(store, main, main), "What is the capital of France?"))[-1]
    assert (done.answer.model, done.answer.text) == ("only", "Paris.")


def test_a_general_model_that_fails_mid_answer_ends_that_answer_plainly(store):
    main = FakeBackend(model_name="small")
    general = FakeBackend(model_name="large").enqueue(ModelError("The model process stopped."))
    events = list(ask(make(store, main, general), "What is the capital of France?"))
    assert isinstance(events[-1], ErrorEvent) and "stopped" in str(events[-1].error)
    conv = store.list_conversations()[0]
    assert store.messages(conv.id)[0].content == "What is the capital of France?"


def weak(similarity: float) -> Hit:
    return Hit("/docs/report.pdf", 19, "Australia: the capital office in Canberra hosted the 2022 review.", 0.016, "reports",
               similarity=similarity)


def consult(store, main, general, hits, question):
    a = make(store, main, general, hits=hits)
    prepared = a.prepare(question, consult=["reports"])
    return prepared, list(a.answer(prepared))[-1]


def test_with_nothing_chosen_a_stray_passage_does_not_ground_a_general_question(store):
    main, general = FakeBackend(model_name="small"), FakeBackend(model_name="large").enqueue("Canberra.")
    prepared, done = consult(store, main, general, [weak(0.23)], "What is the capital of Australia?")
    assert not prepared.hits and not prepared.documents_in_play
    assert (done.answer.model, done.answer.text, list(done.answer.sources)) == ("large", "Canberra.", [])


def test_with_nothing_chosen_a_close_passage_still_grounds_the_answer(store):
    main, general = FakeBackend(model_name="small").enqueue("Thirty days [1]."), FakeBackend(model_name="large")
    strong = Hit("/docs/policy.pdf", 3, "Refunds are accepted within thirty days.", 0.03, "reports", similarity=0.61)
    prepared, done = consult(store, main, general, [strong], "How long are refunds accepted?")
    assert prepared.hits and done.answer.model == "small" and done.answer.sources


def test_chosen_documents_and_questions_pointing_at_them_keep_a_weaker_passage(store):
    main = FakeBackend(model_name="small").enqueue("The review was in Canberra [1].", "The review was in Canberra [1].")
    general = FakeBackend(model_name="large")
    a = make(store, main, general, hits=[weak(0.23)])
    chosen = a.prepare("Where was the regional review held?", collections=["reports"])
    pointing = a.prepare("Where was the review held, according to the report?", consult=["reports"])
    assert chosen.hits and pointing.hits


def test_the_bar_is_a_setting_and_zero_keeps_any_passage(store):
    settings = Settings()
    settings.rag.consult_min_similarity = 0.0
    main, general = FakeBackend(model_name="small"), FakeBackend(model_name="large")
    a = make(store, main, general, hits=[weak(0.23)], settings=settings)
    assert a.prepare("What is the capital of Australia?", consult=["reports"]).hits


@pytest.mark.parametrize("text, kept", [
    ("Refund requests: customers may return goods within thirty days for a refund.", True),  # the topic words
    ("The office reviewed its staffing levels and training budget in 2022.", False),  # only loosely similar
])
def test_a_middling_passage_grounds_only_when_it_holds_the_questions_topic_words(store, text, kept):
    hit = Hit("/docs/policy.pdf", 3, text, 0.02, "reports", similarity=0.38)
    a = make(store, FakeBackend(model_name="small"), FakeBackend(model_name="large"), hits=[hit])
    prepared = a.prepare("How many days do customers have to return goods for a refund?", consult=["reports"])
    assert bool(prepared.hits) is kept and prepared.general_model is not kept


HIRING = "OPM Fiscal Year 2016 Annual Performance Report: OPM hired 363 federal investigators; the job posting ran on LinkedIn."


@pytest.mark.parametrize("request_text, similarity, kept", [
    # Everyday writing that only shares a word or two with a report: plain chat, whatever the similarity.
    ("Write a cover letter opening for a data analyst job.", 0.50, False),
    ("Draft an email to my team about the holiday schedule.", 0.36, False),
    ("Please write a short LinkedIn post announcing my new job.", 0.42, False),  # a name the report holds, few topic words
    # Writing about what the documents hold: a name they hold, or close and on topic.
    ("Draft an email to my manager about OPM's 2016 hiring of federal investigators.", 0.40, True),
    ("Write a summary of the federal investigators OPM hired in fiscal year 2016.", 0.55, True),
])
def test_a_writing_request_with_nothing_chosen_needs_passages_about_what_it_asks(store, request_text, similarity, kept):
    hit = Hit("/docs/apr-2016.pdf", 12, HIRING, 0.02, "reports", similarity=similarity)
    a = make(store, FakeBackend(model_name="small"), FakeBackend(model_name="large"), hits=[hit])
    prepared = a.prepare(request_text, consult=["reports"])
    assert bool(prepared.hits) is kept and prepared.general_model is not kept


@pytest.mark.parametrize("question, writing", [
    ("Write a haiku about autumn.", True), ("Could you please draft a memo on parking?", True),
    ("Give me three tips for a job interview.", True), ("Suggest a name for a bakery.", True),
    ("What did the report write about hiring?", False), ("How do I write a report?", False),
])
def test_what_counts_as_a_writing_request(question, writing):
    from desktop_app.services.document_use import asks_for_writing

    assert asks_for_writing(question) is writing
