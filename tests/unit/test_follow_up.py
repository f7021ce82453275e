"""A document question that stands alone is answered from its sources alone; a follow-up keeps the
conversation and is searched with the question it follows (services/follow_up.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.config.settings import Settings
from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.records import Hit, Message
from desktop_app.llm.fake import FakeBackend
from desktop_app.services.assistant import Assistant
from desktop_app.services.follow_up import previous_question, refers_back, search_text
from tests.assistant_helpers import ask
from tests.unit.assistant_fakes import FakeRetriever, fake_grounding

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "data"


@pytest.mark.parametrize("question", [
    "What was its registration?",
    "How many subjects will that study enroll?",
    "And in FY 2018?",
    "What about the previous year?",
    "Who signed it?",
    "How many antivirals does it aim to advance by 2026?",
    # The second part of q158 in a real window (stop 35): a title names no subject, so "the most
    # recent one" points back to the report the first part named; searched alone it found nothing.
    "Who is Director in the most recent one?",
    "What did the earlier one report?",
])
def test_a_question_that_points_back_is_a_follow_up(question):
    assert refers_back(question)


@pytest.mark.parametrize("question", [
    "How many hours had the pilot of the RV-8 in the Latrobe, Pennsylvania accident flown in that make and model?",
    "When were the Department of State and NARA established, according to their strategic plans?",
    "What was the registration of the Cessna 210 that hit terrain near Arteaga?",
    "Is there a deadline for filing?",
    "What does the report say about staffing?",
    "Who is the Director of OPM in the latest one?",  # names its subject beside the title
])
def test_a_question_that_names_what_it_asks_about_stands_alone(question):
    assert not refers_back(question)


def test_no_benchmark_question_written_to_stand_alone_is_taken_for_a_follow_up():
    for name in ("corpus_questions.jsonl", "offtopic_questions.jsonl", "table_questions.jsonl",
                 "period_questions.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            question = json.loads(line)["question"]
            assert not refers_back(question), question


def test_a_follow_up_is_searched_with_the_question_before_it():
    history = [Message("user", "Who sponsors the CMT4J study?"), Message("assistant", "Elpida Therapeutics [1].")]
    assert previous_question(history) == "Who sponsors the CMT4J study?"
    assert search_text("Who is its lead investigator?", history) == "Who sponsors the CMT4J study?\nWho is its lead investigator?"
    assert search_text("Who leads the EPA?", history) == "Who leads the EPA?"
    assert search_text("Who is its lead investigator?", []) == "Who is its lead investigator?"
    # A second follow-up still leans on the question that named the study.
    chain = history + [Message("user", "Who is its lead investigator?"), Message("assistant", "Susan T. Iannaccone [1].")]
    assert previous_question(chain) == "Who sponsors the CMT4J study?"
    assert previous_question([Message("user", "And its budget?")]) == "And its budget?"


@pytest.fixture
def store(tmp_path):
    s = ConversationStore(tmp_path / "c.sqlite3")
    yield s
    s.close()


def _assistant(store, backend, retriever):
    return Assistant(store=store, backend_factory=lambda: backend, settings=Settings(),
                     retriever_factory=lambda: retriever, grounding=fake_grounding)


def test_a_standalone_document_question_is_sent_without_the_earlier_turns(store):
    backend = FakeBackend().enqueue("8,865 enrollees [1].", "12 days [1].")
    retriever = FakeRetriever([Hit("/docs/report.pdf", 30, "Enrollees: 8,865. Days to process: 12.", 0.9, "reports")])
    a = _assistant(store, backend, retriever)
    first = list(ask(a, "How many tribal enrollees were there?", collections=["reports"]))[-1].answer
    list(ask(a, "How many days did OPM take to process retirement cases?", conversation_id=first.conversation_id))
    sent = backend.history[-1].messages
    assert [m.role for m in sent] == ["system", "user"]  # the previous answer's figure is not shown
    assert "8,865 enrollees" not in "".join(m.content for m in sent[:-1])
    assert retriever.calls[-1][0] == "How many days did OPM take to process retirement cases?"
    # The conversation itself keeps every turn.
    assert len(store.messages(first.conversation_id)) == 4


def test_a_follow_up_keeps_the_conversation_and_searches_with_the_question_before(store):
    backend = FakeBackend().enqueue("The Bombardier BD-700 [1].", "N50DS [1].")
    retriever = FakeRetriever([Hit("/docs/ntsb.pdf", 1, "At St. Kitts a Bombardier BD-700-1A11, registration N50DS, struck approach lights.", 0.9, "ntsb")])
    a = _assistant(store, backend, retriever)
    first = list(ask(a, "Which airplane struck approach lights at St. Kitts?", collections=["ntsb"]))[-1].answer
    list(ask(a, "What was its registration?", conversation_id=first.conversation_id))
    sent = [m.content for m in backend.history[-1].messages[1:]]
    assert sent[:2] == ["Which airplane struck approach lights at St. Kitts?", "The Bombardier BD-700 [1]."]
    assert retriever.calls[-1][0] == "Which airplane struck approach lights at St. Kitts?\nWhat was its registration?"


def test_plain_chat_keeps_its_history(store):
    backend = FakeBackend().enqueue("Paris.", "About two million.")
    a = _assistant(store, backend, FakeRetriever([]))
    first = list(ask(a, "Capital of France?"))[-1].answer
    list(ask(a, "How many people live in Paris?", conversation_id=first.conversation_id))
    assert [m.content for m in backend.history[-1].messages[1:]] == ["Capital of France?", "Paris.", "How many people live in Paris?"]


def test_a_follow_up_carries_the_question_it_leans_on_to_the_claim_check(store):
    from desktop_app.rag.claim_check import check_claims

    backend = FakeBackend().enqueue("Trees [1].", "The Piper PA-22-150 registration was N5921D [1].")
    retriever = FakeRetriever([Hit("/docs/ntsb.pdf", 1, "Tallahassee. Registration: N5921D. The Piper PA-22-150 hit trees.",
                                   0.9, "ntsb")])
    a = _assistant(store, backend, retriever)
    first = list(ask(a, "What did the Piper PA-22-150 hit near Tallahassee?", collections=["ntsb"]))[-1].answer
    prepared = a.prepare("What was its registration?", conversation_id=first.conversation_id)
    assert prepared.follows == "What did the Piper PA-22-150 hit near Tallahassee?"
    assert a.prepare("Who owned the Piper PA-22-150?", conversation_id=first.conversation_id).follows == ""
    # The passage cut for the follow-up keeps the registration line only; the model knew the
    # airplane's model from the question before, so naming it is no unsupported claim.
    from desktop_app.core.records import Citation
    cut = [Citation(1, "/docs/ntsb.pdf", 1, "Registration: N5921D")]
    answer = "The Piper PA-22-150 registration was N5921D [1]."
    assert [c.text for c in check_claims(answer, cut, "What was its registration?").claims if not c.supported] == ["PA-22-150"]
    assert all(c.supported for c in check_claims(answer, cut, "What was its registration?", known=prepared.follows).claims)


def test_the_latest_one_is_searched_with_the_report_asked_before_but_not_its_year():
    # With "FY 2019" in the search, the FY 2019 report came back among the sources of "the most
    # recent one" and the model's answer quoted its signer; the year "previous" is counted from stays.
    before = [Message("user", "Who signed OPM's FY 2019 annual performance report?")]
    assert search_text("Who is Director in the most recent one?", before) == (
        "Who signed OPM's annual performance report?\nWho is Director in the most recent one?")
    assert search_text("What did the previous one report?", before) == (
        "Who signed OPM's FY 2019 annual performance report?\nWhat did the previous one report?")
