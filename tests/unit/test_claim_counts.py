"""What a figure counts or names (claim_counts): the same number in a passage, used there for something
else, does not support the answer. Each case is a wrong answer the bundled model gave to a corpus question
that the check had marked supported; the passages are excerpts of the corpus PDFs it was given."""

from __future__ import annotations

import pytest

from desktop_app.core.records import Citation, Claim
from desktop_app.rag.claim_check import check_claims
from desktop_app.rag.claim_notes import unsupported_note, unsupported_reason
from desktop_app.rag.claim_counts import asked_count, asks_duration, counted_noun, naming_label
from desktop_app.rag.claim_units import stem

# DOL2022.pdf, page 28 (q167: "how many employees does EBSA have?")
TSP = ("audit responsibilities with respect to the federal Thrift Savings Plan (TSP), which is the world's largest "
       "employee contributory plan with 6.4 million participants and more than $790 billion in assets.")
STAFF = "Although EBSA is a small agency, currently employing less than 800 people, it is responsible for protecting"
# 2022-annual-performance-report.pdf (OPM), page 4 (q133: the percent of vacancies using alternative assessments)
FEVS = ("In FY 2022, 78.6 percent of respondents in OPM's Government-wide Federal Employee Viewpoint Survey (FEVS) "
        "agreed that their work units have the job-relevant knowledge and skills necessary.")
# the same report, page 26 (q130: how many strategic objectives OPM prioritized)
PRIORITIES = ("OPM plays a leading role in advancing the President's Management Agenda priority 1 to strengthen and "
              "empower the Federal workforce and will also contribute to priority 2 to deliver excellent, equitable, "
              "and secure Federal services and customer experience.")
# 20080108X00029.pdf (NTSB), page 1 (q018: the registration of the Cessna 210)
CESSNA = ("On December 6, 2007, at 1308 central standard time, a Cessna 210, XB-GTS, serial number 21057478, was "
          "destroyed upon impact with mountainous terrain.")
# 2022-annual-performance-report.pdf, page 54 (q125: the average days to process retirement cases)
CASES = ("In FY 2022, OPM processed 110,851 retirement cases. Monthly average case processing times ranged from 79 to "
         "95 days.")
# NCT06152666_Prot_000.pdf, page 26 (q086: how long the interview study lasts)
GUIDE = 'Are you happy for me to start recording? Opening questions (4 questions) "To start off, tell me about your role.'


def _check(answer, *texts, question):
    return check_claims(answer, [Citation(i, "doc.pdf", i, t) for i, t in enumerate(texts, 1)], question)


def _only(check):
    (claim,) = [c for c in check.claims if c.key]
    return claim


def test_another_thing_counted_is_not_support():
    claim = _only(_check("EBSA has 6.4 million employees [1].", TSP, question="How many employees does EBSA have?"))
    assert (claim.supported, claim.reason, claim.source) == (False, Claim.OTHER_MEANING, 1)
    assert TSP[claim.source_start:claim.source_end] == "6.4 million participants"
    # The same figure for the same thing, or for the same people under another name, is.
    assert _only(_check("The plan has 6.4 million participants [1].", TSP, question="How big is the TSP?")).supported
    assert _only(_check("34 participants per arm [1].", "A minimum of 34 individuals per intervention arm was "
                        "deemed necessary.", question="How many participants per arm?")).supported


def test_what_is_counted_may_stand_before_the_figure():
    # "currently employing less than 800 people" answers "how many employees".
    assert _only(_check("EBSA has fewer than 800 [1].", STAFF, question="How many employees does EBSA have?")).supported


def test_an_answer_without_a_noun_is_read_with_what_the_question_asks_to_count():
    question = "What FY 2022 result did OPM give for the percent of vacancies using alternative assessments?"
    check = _check("In FY 2022, it was 78.6% [1].", FEVS, question=question)
    assert _only(check).reason == Claim.OTHER_MEANING
    assert unsupported_note(check) == "Check: '78.6%' is in the sources, but not for what the answer says."
    assert "in source [1], but not for what the answer says" in unsupported_reason(_only(check))
    # A question about the respondents is answered by it.
    assert _only(_check("78.6% [1].", FEVS, question="What percent of FEVS respondents agreed?")).supported


def test_a_number_that_names_a_thing_does_not_state_a_count():
    question = "How many strategic objectives did OPM prioritize according to its most recent report?"
    claim = _only(_check("OPM prioritized 2 strategic objectives [1].", PRIORITIES, question=question))
    assert claim.reason == Claim.OTHER_MEANING and PRIORITIES[claim.source_start:claim.source_end] == "priority 2"
    # An answer that names it the same way states what the passage states.
    assert _only(_check("It contributes to priority 2 [1].", PRIORITIES, question="Which priorities?")).supported


def test_a_serial_number_is_not_the_registration():
    question = "What was the registration of the Cessna 210 that hit mountainous terrain near Arteaga?"
    claim = _only(_check("The registration was 21057478 [1].", CESSNA, question=question))
    assert claim.reason == Claim.OTHER_MEANING and CESSNA[claim.source_start:claim.source_end] == "serial number 21057478"
    assert _only(_check("Its serial number was 21057478 [1].", CESSNA, question="What was its serial?")).supported


def test_one_end_of_an_observed_span_is_not_the_value():
    question = "What was the average number of days to process retirement cases in the most recent fiscal year?"
    assert _only(_check("The average was 95 days [1].", CASES, question=question)).reason == Claim.OTHER_MEANING
    # Given as a bound, it is what the passage says.
    assert _only(_check("Monthly averages were up to 95 days [1].", CASES, question=question)).supported
    # An estimate's end ("between 45 and 60 minutes") may be what an answer rounds to.
    assert _only(_check("Interviews last 60 minutes [1].", "Interviews will last between 45 and 60 minutes.",
                        question="How long will interviews last?")).supported


def test_a_count_is_not_a_duration():
    question = "How long is the study duration of the qualitative interview study with healthcare professionals?"
    assert _only(_check("The study duration is 4 questions [1].", GUIDE, question=question)).reason \
        == Claim.OTHER_MEANING
    # A question that also asks for a count: "four cycles" answers that part.
    two_part = "How many cycles of therapy are patients treated with, and over how many days?"
    check = _check("Patients are treated with four cycles of therapy over 60 days [1].",
                   "Selected patients will be treated with four cycles of therapy over 60 days.", question=two_part)
    assert not check.unsupported_key


@pytest.mark.parametrize("text, end, expected", [
    ("6.4 million participants and more", 11, "parti"),
    ("78.6 percent of the respondents in", 12, "respo"),
    ("195,389 Baseline Baseline", 7, None),     # a table's next cell
    ("17,714 of 199,601 total", 6, None),        # "of" then a figure
    ("800 people, it is", 3, "peopl"),
    ("2 to deliver", 1, None),
])
def test_the_noun_a_figure_counts(text, end, expected):
    assert counted_noun(text, end) == expected


@pytest.mark.parametrize("text, start, expected", [
    ("contribute to priority 2 to deliver", 23, "prior"),
    ("XB-GTS, serial number 21057478, was", 22, "seria"),
    ("the pilot, age 85, was", 15, None),
    ("Registration: N5921D", 14, None),         # a field's label ends with a colon: the value follows
    ("at Visit 4.", 9, "visit"),
])
def test_the_label_that_numbers_a_thing(text, start, expected):
    assert naming_label(text, start) == expected


def test_what_the_question_asks_to_count_and_whether_it_asks_a_duration():
    assert asked_count("According to the plan, how many employees does EBSA have?") == {stem("employees")}
    assert asked_count("What was the percent of vacancies using alternative assessments?") == {stem("vacancies")}
    assert asked_count("Who signed the message?") == frozenset()
    assert asks_duration("How long is the study duration?")
    assert not asks_duration("How often and for how long do participants use the programme?")
    assert stem("inches") == stem("inch")
