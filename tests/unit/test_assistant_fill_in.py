"""Asking again when a grounded answer gives a source's number where the answer belongs.

The small model sometimes writes "The Secretary of Education named in the plan is [1]." or only
"[1] [2] [3]": the answer says nothing. ``rag.ask_again_number_only`` (on by default) asks once
more for the answer itself; the second answer replaces the first and says why.
"""

from __future__ import annotations

import pytest

from desktop_app.config.settings import Settings
from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.records import DoneEvent, Hit, NoticeEvent
from desktop_app.llm.fake import FakeBackend
from desktop_app.services.answer_recheck import gives_only_a_source_number, restates_the_question
from desktop_app.services.assistant import Assistant
from tests.assistant_helpers import ask, streamed_last
from tests.unit.assistant_fakes import FakeRetriever, fake_grounding

PASSAGE = "Miguel A. Cardona, Ed.D., Secretary of Education, signed the plan on February 14, 2022."
NUMBER_ONLY = "The Secretary of Education named in the plan is [1]."
ANSWER = "The Secretary of Education is Miguel A. Cardona [1]."


@pytest.mark.parametrize("text", [
    NUMBER_ONLY,
    "The Secretary of Education named in the plan is [1].",
    "[1] [2] [3] [4] [5]",
    "[1]",
    "[1] ES",
    "[1], [2].",
    "The agencies named are [1, 2].",
    "The authors were: [3]",
])
def test_a_source_number_standing_for_the_answer_is_found(text):
    assert gives_only_a_source_number(text)


@pytest.mark.parametrize("text", [
    ANSWER,
    "[1] 90",
    "90 [1]",
    "The probable cause was the pilot's failure to maintain airspeed [2].",
    "The documents do not contain the name of the Secretary.",
    "It is stated in [1] that the plan began in 2022.",
    "The total was 1,204 [1] [2].",
    "",
])
def test_an_answer_that_states_something_is_left_alone(text):
    assert not gives_only_a_source_number(text)


@pytest.fixture
def store(tmp_path):
    s = ConversationStore(tmp_path / "c.sqlite3")
    yield s
    s.close()


def assistant(store, backend: FakeBackend, fill_in: bool = True, hits=None) -> Assistant:
    settings = Settings()
    settings.rag.ask_again_number_only = fill_in
    hits = [Hit("/docs/ED2022.pdf", 3, PASSAGE, 0.9, "plans")] if hits is None else hits
    return Assistant(store=store, backend_factory=lambda: backend, settings=settings,
                     retriever_factory=lambda: FakeRetriever(hits), grounding=fake_grounding)


def test_on_by_default():
    assert Settings().rag.ask_again_number_only is True


def test_a_number_only_answer_is_asked_again_and_the_answer_replaces_it(store):
    backend = FakeBackend().enqueue(NUMBER_ONLY, ANSWER)
    events = list(ask(assistant(store, backend), "Who is the Secretary of Education?", collections=["plans"]))
    assert len(backend.history) == 2
    first, second = backend.history
    assert first.messages[:-1] == second.messages[:-1]  # the KV cache is reused up to the instruction
    added = second.messages[-1].content[len(first.messages[-1].content):]
    assert "states the name, figure or words themselves" in added
    done = events[-1]
    assert isinstance(done, DoneEvent) and done.answer.text == ANSWER
    assert any("source's number" in e.text for e in events if isinstance(e, NoticeEvent))
    saved = store.messages(done.answer.conversation_id)[-1]
    assert saved.content == ANSWER and saved.meta["rechecked"] is True


def test_asked_only_once_and_a_second_number_only_answer_says_what_it_is(store):
    backend = FakeBackend().enqueue(NUMBER_ONLY, "[1]")
    events = list(ask(assistant(store, backend), "Who is the Secretary?", collections=["plans"]))
    done = events[-1]
    assert len(backend.history) == 2 and done.answer.text == "[1]"
    notes = [e.text for e in events if isinstance(e, NoticeEvent)]
    assert any("gives only a source's number" in n for n in notes)
    assert any("gives only a source's number" in n for n in done.answer.notices)


def test_turned_off_the_model_is_asked_once(store):
    backend = FakeBackend().enqueue(NUMBER_ONLY, ANSWER)
    done = list(ask(assistant(store, backend, fill_in=False), "Who is the Secretary?", collections=["plans"]))[-1]
    assert len(backend.history) == 1 and done.answer.text.startswith(NUMBER_ONLY)
    assert not any("source's number" in n for n in done.answer.notices)
    # The claim check marks the title given for who holds it: the closest source line follows.
    assert done.answer.text.endswith("“Miguel A. Cardona, Ed.D., Secretary of Education, signed the plan on February 14, 2022.”")


def test_an_answer_without_sources_is_not_asked_again(store):
    # "[1]" from a chat without documents is odd but there is no source to fill it in from.
    backend = FakeBackend().enqueue("[1]", ANSWER)
    done = list(ask(assistant(store, backend, hits=[]), "Who is the Secretary?"))[-1]
    assert len(backend.history) == 1 and done.answer.text == "[1]"


ECHO_QUESTION = "What did the Piper PA-22-150 hit on final approach, before the utility wires?"
ECHO_PASSAGE = "On final approach the Piper PA-22-150 struck trees, then utility wires, and came to rest in a field."


@pytest.mark.parametrize("answer, echoes", [
    ("The Piper PA-22-150 hit on final approach, before the utility wires.", True),   # q004, as the model wrote it
    ("The Piper PA-22-150's hit on final approach before the utility wires [1].", True),
    ("The Piper PA-22-150 hit trees on final approach [1].", False),
    # Seen in a real window: one added state code in a long restatement is still no answer...
    ("The Piper PA-22-150 in FL hit on final approach, before the utility wires [1].", True),
    # ...but a short answer may be just that, and an added word besides it is an answer.
    ("The Piper hit FL.", False),
    ("The Piper PA-22-150 hit trees on final approach before the utility wires, FL [1].", False),
    ("The documents do not contain what the Piper hit.", False),
    ("", False),
])
def test_an_answer_that_only_repeats_the_question_is_found(answer, echoes):
    assert restates_the_question(answer, ECHO_QUESTION) is echoes


def test_an_answer_that_only_repeats_the_question_shows_the_closest_source_line_instead(store):
    echo = "The Piper PA-22-150 hit on final approach, before the utility wires."
    hits = [Hit("/docs/ntsb.pdf", 1, "The pilot held a private pilot certificate. " + ECHO_PASSAGE, 0.9, "ntsb")]
    backend = FakeBackend().enqueue(echo, "It hit trees [1].")
    events = list(ask(assistant(store, backend, hits=hits), ECHO_QUESTION, collections=["ntsb"]))
    done = events[-1]
    # Not asked again (that helped none of 14 such answers): the passage's own line, quoted and cited.
    assert len(backend.history) == 1
    assert done.answer.text == f"The closest line in the sources [1]: “{ECHO_PASSAGE}”"
    assert done.answer.claims is None  # the source's own words: nothing of the model's to check
    assert any("only repeated the question" in e.text for e in events if isinstance(e, NoticeEvent))
    assert streamed_last(events) == done.answer.text  # what the CLI and the API show, too
    saved = store.messages(done.answer.conversation_id)[-1]
    assert saved.content == done.answer.text and saved.meta["echo"] == echo
    assert any("only repeated the question" in n for n in saved.meta["notices"])
    # An answer that says something is left as it is, without a notice.
    backend = FakeBackend().enqueue("It hit trees [1].")
    done = list(ask(assistant(store, backend, hits=hits), ECHO_QUESTION, collections=["ntsb"]))[-1]
    assert done.answer.text == "It hit trees [1]." and not any("repeat" in n for n in done.answer.notices)


def test_an_echo_stays_marked_when_no_source_line_says_more_than_the_question(store):
    echo = "The Piper PA-22-150 hit on final approach, before the utility wires."
    hits = [Hit("/docs/ntsb.pdf", 1, "The Piper PA-22-150 was on final approach before the utility wires.", 0.9, "ntsb")]
    backend = FakeBackend().enqueue(echo)
    done = list(ask(assistant(store, backend, hits=hits), ECHO_QUESTION, collections=["ntsb"]))[-1]
    assert done.answer.text == echo
    assert any("only repeats the question" in n for n in done.answer.notices)


@pytest.mark.parametrize("question, passage, quoted", [
    # Asks about two things: no one line answers both.
    ("Who heads the EPA, and who heads the GSA?", "Michael Regan is the Administrator of the EPA since 2021.", False),
    ("What are the durations of the two interview studies?", "The study will last 10 months in all sites.", False),
    # Asks how many: a line without a figure of its own is no answer.
    ("How many hours had the pilot flown?", "The pilot had flown often in the local area before.", False),
    ("How many hours had the pilot flown?", "The pilot had flown 1,364 hours in all aircraft.", True),
    # A running title is too short to quote.
    ("What did the report find about retirement claims?", "Annual Performance Report retirement 8", False),
])
def test_the_closest_line_is_quoted_only_when_it_can_answer(question, passage, quoted):
    from desktop_app.core.records import Citation
    from desktop_app.services.answer_recheck import closest_line_answer
    text = closest_line_answer(question, [Citation(1, "/docs/a.pdf", 3, passage)])
    assert (text is not None) is quoted
    if quoted:
        assert text == f"The closest line in the sources [1]: “{passage}”"


FORM_PASSAGE = ("Aircraft Make: Cessna Registration: N6135M Model/Series: 152 Registered Owner: Versatile Aviation Inc "
                "Rated Power: 115 hp")


def test_a_decline_gives_way_to_the_form_field_named_for_what_was_asked(store):
    hits = [Hit("/docs/ntsb.pdf", 2, FORM_PASSAGE, 0.9, "ntsb")]
    decline = "The documents do not contain this."
    backend = FakeBackend().enqueue(decline)
    events = list(ask(assistant(store, backend, hits=hits), "Who owned the Cessna 152 at Madill?", collections=["ntsb"]))
    done = events[-1]
    assert len(backend.history) == 1  # not asked again
    assert done.answer.text == "The closest line in the sources [1]: “Registered Owner: Versatile Aviation Inc”"
    assert done.answer.claims is None
    assert any("field or a table row named for what you asked" in e.text for e in events if isinstance(e, NoticeEvent))
    assert streamed_last(events) == done.answer.text
    saved = store.messages(done.answer.conversation_id)[-1]
    assert saved.content == done.answer.text and saved.meta["declined"] == decline
    # No field named for what is asked: the decline stands, without a notice.
    backend = FakeBackend().enqueue(decline)
    done = list(ask(assistant(store, backend, hits=hits), "What did the Cessna 152 hit?", collections=["ntsb"]))[-1]
    assert done.answer.text == decline and not done.answer.notices
