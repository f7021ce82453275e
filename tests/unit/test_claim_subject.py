"""A figure the sources state only in a document about something else is not supported (issue 16).

The passages are the ones the bundled model was given for a real benchmark question (q007 of
benchmarks/data/corpus_questions.jsonl), as the grounded prompt builder cut them from the NTSB
reports in /work/shared/corpus; the model answered "435 hours", another pilot's flight time.
"""

from __future__ import annotations

from desktop_app.core.records import Citation, Claim, ClaimCheck
from desktop_app.rag.claim_check import check_claims
from desktop_app.rag.claim_notes import unsupported_note, unsupported_reason
from desktop_app.rag.claim_subject import describing_words, on_subject_sources, subject_terms

DEATH_VALLEY = "ntsb-aviation-incident-accident-reports/20071231X02009.pdf"
OTHER_ACCIDENT = "ntsb-aviation-incident-accident-reports/20080122X00080.pdf"
QUESTION = "How many total flight hours did the pilot of the Beech A23 that crashed at Death Valley in November 2007 have?"
CITATIONS = [
    Citation(1, DEATH_VALLEY, 1,
             "… Location: Death Valley, CA Accident Number: SEA08CA049 Date & Time: 11/29/2007, 0830 PST Registration: "
             "N8770M Aircraft: Beech A23 Aircraft Damage: Substantial … 1 None … Part 91: … Analysis The pilot reported "
             "that during the landing on runway 5, the touchdown was hard and the airplane bounced"),
    Citation(2, DEATH_VALLEY, 2,
             "… Certificate: … No … 08/01/2006 … Flight Time: 119 hours (Total, all aircraft), 39 hours (Total, this make "
             "and model), 29 hours (Last 90 days, all aircraft), 13 hours (Last 30 days, all aircraft) Aircraft and "
             "Owner/Operator Information … … Model/Series: A23 Aircraft Category: Airplane …"),
    Citation(3, OTHER_ACCIDENT, 2,
             "… 11/01/2007 … 05/01/2007 Flight Time: 435 hours (Total, all aircraft), 233 hours (Total, this make and "
             "model), 370 hours (Pilot In Command, all aircraft), 69 hours (Last 90 days, all aircraft) Student Pilot "
             "Information Certificate: … Flight Time: …"),
]


def test_the_question_names_its_subject_with_names_codes_and_years():
    assert subject_terms(QUESTION) == ["beech", "a23", "death", "valley"]
    assert describing_words(QUESTION) == []  # years tell no accident from another
    assert describing_words("What is the sample size of the low-dose emicizumab hemophilia A study?") == \
        ["emicizumab", "hemophilia"]
    assert subject_terms("What was the registration number of the Piper PA-22-150 near Tallahassee?") == \
        ["piper", "pa-22-150", "tallahassee"]
    assert subject_terms("How many people died?") == []


def test_the_document_holding_the_questions_terms_is_on_subject():
    assert on_subject_sources(QUESTION, CITATIONS) == {DEATH_VALLEY}


def test_another_pilots_flight_time_is_not_supported_and_says_where_it_was_found():
    check = check_claims("The pilot had a total flight time of 435 hours [3].", CITATIONS, QUESTION)
    (claim,) = check.claims
    assert (claim.text, claim.supported, claim.reason, claim.source) == ("435", False, Claim.OTHER_SUBJECT, 3)
    assert unsupported_note(check) == "Check: '435' is stated only in a source about something else."
    assert unsupported_reason(claim) == "stated only in source [3], which is about something else"


def test_the_pilots_own_flight_time_is_supported_by_its_report():
    (claim,) = check_claims("The pilot had 119 hours of total flight time.", CITATIONS, QUESTION).claims
    assert (claim.supported, claim.reason, claim.source) == (True, "", 2)


def test_the_on_subject_document_is_searched_before_the_passage_the_sentence_cites():
    # "13 hours (Last 30 days)" is in both reports here; a wrong [3] does not make it a fact about
    # the other accident.
    citations = [CITATIONS[0], CITATIONS[1], Citation(3, OTHER_ACCIDENT, 2, CITATIONS[2].text + " 13 hours (Last 30 days)")]
    question = "How many hours did the pilot of the Beech A23 that crashed at Death Valley fly in the last 30 days?"
    claims = check_claims("The pilot flew 13 hours in the last 30 days [3].", citations, question).claims
    claim = next(c for c in claims if c.text == "13")
    assert (claim.supported, claim.source) == (True, 2)


def test_without_terms_that_tell_documents_apart_every_document_is_on_subject():
    question = "How many total flight hours did the pilot have?"
    assert on_subject_sources(question, CITATIONS) == {DEATH_VALLEY, OTHER_ACCIDENT}
    (claim,) = check_claims("The pilot had 435 hours [3].", CITATIONS, question).claims
    assert claim.supported


def test_a_missing_figure_and_one_from_another_subject_are_named_apart():
    check = check_claims("The pilot had 435 hours, and 77 hours in the last month.", CITATIONS, QUESTION)
    assert unsupported_note(check) == ("Check: '77' is not found in the sources; "
                                       "'435' is stated only in a source about something else.")


def test_the_reason_survives_a_saved_conversation():
    check = check_claims("The pilot had 435 hours [3].", CITATIONS, QUESTION)
    again = ClaimCheck.from_json(check.to_json())
    assert again == check and again.claims[0].reason == Claim.OTHER_SUBJECT
    # A claim saved before reasons existed reads as "not found".
    old = {"claims": [{"text": "14-18", "kind": "range", "supported": False, "start": 0, "end": 5}]}
    assert ClaimCheck.from_json(old).claims[0].reason == ""


def test_a_number_inside_a_slashed_date_does_not_support_a_count():
    # NCT06152666_Prot_000.pdf, page 3: the model answered "14 months" from the protocol's date.
    passage = ("Understanding enablers, barriers, and unexpected outcomes associated with adoption of routine day-case "
               "surgery pathways for common endourology operations: Qualitative interviews with Title of Study "
               "healthcare professionals. Protocol Number 2 (14/02/23) … TBC … reached Study Design Semi-structured "
               "qualitative interviews")
    citations = [Citation(1, "nih-clinical-trial-protocols/NCT06152666_Prot_000.pdf", 3, passage)]
    question = "How long is the study duration of the qualitative interview study with healthcare professionals?"
    (claim,) = check_claims("The study duration is 14 months [1].", citations, question).claims
    assert not claim.supported
    (claim,) = check_claims("This is protocol number 2 [1].", citations, "What is the protocol's number?").claims
    assert claim.supported
    # Asked how long, the number that names the protocol is no duration (claim_check: a label, "Visit 4").
    (claim,) = check_claims("This is protocol number 2 [1].", citations, question).claims
    assert not claim.supported and claim.reason == Claim.OTHER_MEANING


def test_the_document_label_names_the_subject_when_the_passage_does_not():
    # Page 2 of each report holds only the pilot's hours; the labels say which accident it is.
    label = "National Transportation Safety Board · Aviation Accident Final Report, {} · {}"
    citations = [Citation(1, DEATH_VALLEY, 2, CITATIONS[1].text, document=label.format("Death Valley, CA", "November 29, 2007")),
                 Citation(2, OTHER_ACCIDENT, 2, CITATIONS[2].text, document=label.format("Murfreesboro, TN", "November 16, 2007"))]
    question = "How many total flight hours did the pilot of the plane that crashed at Death Valley have?"
    assert on_subject_sources(question, citations) == {DEATH_VALLEY}
    (claim,) = check_claims("The pilot had 435 hours [2].", citations, question).claims
    assert (claim.supported, claim.reason) == (False, Claim.OTHER_SUBJECT)


def test_the_model_is_not_shown_passages_of_a_document_the_question_rules_out(tmp_path):
    # q007: the model answered "435 hours" from the other accident's form; that passage no longer
    # reaches it (nor the sources listed under the answer). A question whose names tell no
    # document apart keeps every passage.
    from desktop_app.config.settings import Settings
    from desktop_app.core.conversation_store import ConversationStore
    from desktop_app.core.records import DoneEvent, Hit
    from desktop_app.llm.fake import FakeBackend
    from desktop_app.rag.claim_subject import on_subject_hits
    from desktop_app.services.assistant import Assistant
    from tests.assistant_helpers import ask
    from tests.unit.assistant_fakes import FakeRetriever, fake_grounding

    hits = [Hit(c.source, c.page, c.text, 1.0 - c.number / 10, "ntsb") for c in CITATIONS]
    assert [h.source for h in on_subject_hits(QUESTION, hits)] == [DEATH_VALLEY, DEATH_VALLEY]
    assert on_subject_hits("How many total flight hours did the pilot have?", hits) == hits
    store = ConversationStore(tmp_path / "c.sqlite3")
    backend = FakeBackend().enqueue("The pilot had 119 hours [2].")
    assistant = Assistant(store=store, backend_factory=lambda: backend, settings=Settings(),
                          retriever_factory=lambda: FakeRetriever(hits), grounding=fake_grounding)
    done = [e for e in ask(assistant, QUESTION, collections=["ntsb"]) if isinstance(e, DoneEvent)][-1]
    prompt = backend.history[-1].messages[-1].content
    assert "119 hours" in prompt and "435 hours" not in prompt
    assert {c.source for c in done.answer.sources} == {DEATH_VALLEY}
    store.close()


def test_a_describing_word_the_named_document_holds_too_does_not_bring_in_another_document():
    # h007 of corpus_fresh_questions.jsonl: "commercial" is on both pilots' forms; only the Air
    # Tractor's report holds the names. The other form's "Multi-engine Land" was the model's answer.
    air_tractor = "ntsb-aviation-incident-accident-reports/20080116X00055.pdf"
    fisher = "ntsb-aviation-incident-accident-reports/20080124X00100.pdf"
    citations = [
        Citation(1, air_tractor, 1, "Location: Soledad, CA Registration: N6024M Aircraft: Air Tractor AT-401"),
        Citation(2, air_tractor, 2, "Certificate: Commercial Age: 40, Male Airplane Rating(s): Single-engine Land "
                                    "Other Aircraft Rating(s): Helicopter"),
        Citation(3, fisher, 3, "Certificate: Airline Transport; Flight Instructor; Commercial Airplane Rating(s): "
                               "Multi-engine Land; Single-engine Land Other Aircraft Rating(s): None"),
        Citation(4, "ntsb-aviation-incident-accident-reports/20080115X00053.pdf", 3,
                 "Certificate: Private Age: 58, Male Airplane Rating(s): Multi-engine Land"),
    ]
    question = ("Besides airplane single-engine land, what other aircraft rating did the commercial pilot of the Air "
                "Tractor AT-401 that crashed near Soledad, California in December 2007 hold?")
    assert on_subject_sources(question, citations) == {air_tractor}
    # A describing word only the other document holds still brings it in (its names may be missing
    # from a passage): "emicizumab" for a trial the passage does not name.
    trial = "nih-clinical-trial-protocols/NCT0000001.pdf"
    citations[2] = Citation(3, trial, 3, "Commercial supply of emicizumab for the hemophilia study.")
    citations.pop()
    assert on_subject_sources(question.replace("commercial", "emicizumab"), citations) == {air_tractor, trial}
