"""A question about two documents, split into one question each (rag.question_parts), and answered part by part."""

from __future__ import annotations

import pytest

from desktop_app.config.settings import Settings
from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.records import Hit
from desktop_app.llm.fake import FakeBackend
from desktop_app.rag.question_parts import split_question
from desktop_app.services.assistant import Assistant
from tests.assistant_helpers import ask, streamed_last
from tests.unit.assistant_fakes import fake_grounding


@pytest.mark.parametrize("question, parts", [
    ("Who heads the EPA, and who heads the GSA, according to their 2022-2026 strategic plans?",
     ["Who heads the EPA, according to their 2022-2026 strategic plans?",
      "Who heads the GSA, according to their 2022-2026 strategic plans?"]),
    ("What percent of claims did OPM process in FY 2014 and in FY 2016?",
     ["What percent of claims did OPM process in FY 2014?", "What percent of claims did OPM process in FY 2016?"]),
    ("Who signed OPM's annual performance reports for fiscal years 2014 and 2018?",
     ["Who signed OPM's annual performance reports for fiscal year 2014?",
      "Who signed OPM's annual performance reports for fiscal year 2018?"]),
    ("Which organisations sponsor the CMT4J natural history study and the Lutronic muscle stimulation study?",
     ["Which organisations sponsor the CMT4J natural history study?",
      "Which organisations sponsor the Lutronic muscle stimulation study?"]),
    ("When were the Department of State and the National Archives and Records Administration established?",
     ["When were the Department of State established?",
      "When were the National Archives and Records Administration established?"]),
    ("Who are the Secretaries of Commerce and of Health and Human Services named in the plans?",
     ["Who are the Secretaries of Commerce named in the plans?",
      "Who are the Secretaries of Health and Human Services named in the plans?"]),
    ("How many hours did the pilots have in the Air Tractor accident near Soledad, California and in the Piper "
     "PA-31T landing at Muscle Shoals, Alabama?",
     ["How many hours did the pilots have in the Air Tractor accident near Soledad, California?",
      "How many hours did the pilots have in the Piper PA-31T landing at Muscle Shoals, Alabama?"]),
    ("What were the registrations in the accidents at Madill, Oklahoma and Venice, Florida in November 2007?",
     ["What were the registrations in the accidents at Madill, Oklahoma in November 2007?",
      "What were the registrations in the accidents at Venice, Florida in November 2007?"]),
    # Each part is about one of the two: "the two airplanes … at Venice" asked for two registrations.
    ("What were the registrations of the two Cessna 152 airplanes at Madill, Oklahoma and Venice, Florida?",
     ["What were the registrations of the Cessna 152 airplanes at Madill, Oklahoma?",
      "What were the registrations of the Cessna 152 airplanes at Venice, Florida?"]),
    ("Who signed both the FY 2014 and the FY 2018 reports?", ["Who signed the FY 2014 reports?",
                                                              "Who signed the FY 2018 reports?"]),
])
def test_a_question_about_two_documents_is_split_where_its_wording_joins_them(question, parts):
    assert split_question(question) == parts


@pytest.mark.parametrize("question", [
    "By what percentage did emissions drop between 1970 and 2020, according to EPA's plan?",  # one span
    "What damage did the engine and the propeller sustain?",  # two common nouns: one subject
    "What are the inclusion and exclusion criteria of the study?",
    "Who owned the Cessna 152 involved in the Madill, Oklahoma accident on November 30, 2007?",
    "What is the FY 2022-2026 strategic plan's first goal?",
])
def test_a_question_about_one_thing_stays_whole(question):
    assert split_question(question) == [question]


EPA = Hit("/docs/EPA2022.pdf", 5, "Michael S. Regan, Administrator of the EPA, signed the plan.", 0.9, "plans",
          document="EPA Strategic Plan")
GSA = Hit("/docs/GSA2022.pdf", 3, "Robin Carnahan, GSA Administrator, introduces the plan.", 0.9, "plans",
          document="GSA Strategic Plan")


class ByAgencyRetriever:
    """Gives the EPA's passage for a question naming the EPA, the GSA's for one naming the GSA."""

    def __init__(self) -> None:
        self.queries: list[str] = []

    def retrieve(self, query, k=5, collections=None):
        self.queries.append(query)
        return [h for h in (EPA, GSA) if h.document.split()[0] in query] or [EPA, GSA]


def test_each_part_is_searched_and_answered_on_its_own_into_one_message(tmp_path):
    store = ConversationStore(tmp_path / "c.sqlite3")
    retriever = ByAgencyRetriever()
    backend = FakeBackend().enqueue("The EPA is headed by Michael S. Regan [1].", "Robin Carnahan heads the GSA [2].")
    assistant = Assistant(store=store, backend_factory=lambda: backend, settings=Settings(),
                          retriever_factory=lambda: retriever, grounding=fake_grounding)
    done = list(ask(assistant, "Who heads the EPA, and who heads the GSA?", collections=["plans"]))[-1]
    answer = done.answer
    # Two model calls, one per part, each with its own sources, the second numbered on from the first.
    assert len(backend.history) == 2
    first, second = (request.messages[-1].content for request in backend.history)
    assert "Who heads the EPA?" in first and "[1] Michael S. Regan" in first and "Carnahan" not in first
    assert "Who heads the GSA?" in second and "[2] Robin Carnahan" in second and "Regan" not in second
    assert answer.text == "The EPA is headed by Michael S. Regan [1].\n\nRobin Carnahan heads the GSA [2]."
    assert [c.number for c in answer.sources] == [1, 2]
    assert [c.source for c in answer.sources] == ["/docs/EPA2022.pdf", "/docs/GSA2022.pdf"]
    saved = store.messages(answer.conversation_id)[-1]
    assert saved.content == answer.text
    store.close()


def test_a_part_with_nothing_found_says_so_and_the_other_is_answered(tmp_path):
    store = ConversationStore(tmp_path / "c.sqlite3")

    class OnlyEpa(ByAgencyRetriever):
        def retrieve(self, query, k=5, collections=None):
            return [EPA] if "EPA" in query else []

    backend = FakeBackend().enqueue("The EPA is headed by Michael S. Regan [1].")
    assistant = Assistant(store=store, backend_factory=lambda: backend, settings=Settings(),
                          retriever_factory=OnlyEpa, grounding=fake_grounding)
    answer = list(ask(assistant, "Who heads the EPA, and who heads the GSA?", collections=["plans"]))[-1].answer
    assert len(backend.history) == 1
    assert answer.text == ("The EPA is headed by Michael S. Regan [1].\n\n"
                           "Nothing in your documents answers “Who heads the GSA?”.")
    store.close()


@pytest.mark.parametrize("question", ["Who heads the EPA?", "Who leads the Department of Labor?", "Who signed the plan?"])
def test_who_heads_or_leads_asks_for_the_holder_of_any_title(question):
    from desktop_app.rag.role_holders import AskedRole, asked_role
    assert asked_role(question) == AskedRole("")
    assert asked_role("Who owned the airplane?") is None


def test_each_parts_answer_is_rechecked_against_its_own_sources(tmp_path):
    # q155/q158, stop 33: one part declined (or gave the wrong name) with the holder beside the title
    # in its own sources: that part gives way to the source's words; the other part stays as written.
    store = ConversationStore(tmp_path / "c.sqlite3")
    backend = FakeBackend().enqueue("The documents do not contain this.", "Robin Carnahan heads the GSA [2].")
    assistant = Assistant(store=store, backend_factory=lambda: backend, settings=Settings(),
                          retriever_factory=ByAgencyRetriever, grounding=fake_grounding)
    events = list(ask(assistant, "Who heads the EPA, and who heads the GSA?", collections=["plans"]))
    answer = events[-1].answer
    assert answer.text == ("The closest line in the sources [1]: “Michael S. Regan, Administrator”\n\n"
                           "Robin Carnahan heads the GSA [2].")
    assert streamed_last(events) == answer.text
    assert any("name beside the title" in n for n in answer.notices)
    assert store.messages(answer.conversation_id)[-1].content == answer.text
    store.close()
