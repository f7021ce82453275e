"""Source markers added to a grounded answer the model wrote without any (rag.claim_markers)."""

from __future__ import annotations

from desktop_app.core.records import Citation
from desktop_app.rag.claim_check import check_claims
from desktop_app.rag.claim_markers import with_source_markers

# us-fed-agency-reports/DOT2022.pdf, page 7, and another page of the same plan
ROLE = "Stakeholder(s): Pete Buttigieg : Secretary. The Office of the Secretary oversees nine Operating Administrations."
OTHER = "The Department employs 55,000 people in 2022. Its budget request was $145 billion."
CITATIONS = [Citation(1, "/docs/DOT2022.pdf", 1, OTHER), Citation(2, "/docs/DOT2022.pdf", 7, ROLE)]


def marked(answer: str, question: str = "Who is the Secretary of Transportation?") -> str:
    return with_source_markers(answer, check_claims(answer, CITATIONS, question))


def test_each_sentence_gets_the_numbers_of_the_passages_that_state_its_claims():
    assert marked("The Secretary is Pete Buttigieg.") == "The Secretary is Pete Buttigieg [2]."
    assert (marked("The Department employs 55,000 people. Its budget request was $145 billion.",
                   "How many people does the Department employ and what was its budget request?")
            == "The Department employs 55,000 people [1]. Its budget request was $145 billion [1].")


def test_claims_of_two_passages_in_one_sentence_get_both_numbers_once():
    answer = "Pete Buttigieg leads a department of 55,000 people and nine administrations."
    assert marked(answer, "How big is the department?") == (
        "Pete Buttigieg leads a department of 55,000 people and nine administrations [1][2].")


def test_an_answer_with_its_own_marker_is_left_as_written():
    answer = "The Secretary is Pete Buttigieg [1]."
    assert marked(answer) == answer


def test_a_figure_no_passage_states_gets_no_marker():
    assert marked("The Department employs 60,000 people.", "How many people work there?") == (
        "The Department employs 60,000 people.")


def test_what_the_question_already_names_is_not_a_reason_for_a_marker():
    answer = "The documents do not contain this."
    assert marked(answer) == answer
    assert marked("Pete Buttigieg did not say.", "What did Pete Buttigieg say?") == "Pete Buttigieg did not say."


def test_an_initial_or_a_decimal_does_not_end_the_sentence():
    citations = [Citation(1, "/docs/a.pdf", 3, "Miguel A. Cardona, Ed.D. Role: Secretary of Education. Budget 3.5 billion.")]
    answer = "The Secretary is Miguel A. Cardona, with 3.5 billion."
    assert with_source_markers(answer, check_claims(answer, citations, "Who is the Secretary?")) == (
        "The Secretary is Miguel A. Cardona, with 3.5 billion [1].")


def test_no_check_no_change():
    assert with_source_markers("Anything.", None) == "Anything."
