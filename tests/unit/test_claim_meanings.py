"""Figures a source states for something else than the question asks: a version label for a sample
size, a distance from a place for a size, one year's figure given for two asked years. Each passage
and answer is what the bundled model was given and wrote for a corpus question
(benchmarks/claim_check_answers.py: q065, q089, q035, q159)."""

from __future__ import annotations

from desktop_app.core.records import Citation, Claim
from desktop_app.rag.claim_check import check_claims
from desktop_app.rag.claim_counts import asks_size, distance_from_a_place, version_cannot_answer, version_label
from desktop_app.rag.claim_notes import unsupported_note

SAMPLE = ("The sample size was calculated according to G*Power software version 3.1.9.3. Paired T-test- total "
          "sample size calculations 5 participants per group, 10 participants in total.")
HEADER = "V2 14.02.23 Understanding the patient experience of day-case bladder tumour resection. Study period: April 2023 – October 2024."
FLIGHT = ("However, as the airplane began to climb again the right wing impacted a tree. This occurred approximately "
          "1 mile from the airport and within 1 minute of takeoff. A 3-inch crack was found in the aft wing spar.")
ROW = ("PERFORMANCE MEASURE: Percent of retirement claims processed within 60 days FY 2014 Results: 79% | "
       "FY 2014 Target: 90% | Not Met")


def _check(answer, text, question, source="protocol.pdf"):
    return check_claims(answer, [Citation(1, source, 7, text)], question)


def _key(check):
    return [c for c in check.claims if c.key]


def test_a_version_number_does_not_answer_a_sample_size():
    question = "What minimum total sample size was calculated for the anterior open bite study?"
    check = _check("The minimum total sample size was calculated according to G*Power software version 3.1.9.3 [1].",
                   SAMPLE, question)
    (claim,) = _key(check)
    assert (claim.text, claim.supported, claim.reason) == ("3.1.9.3", False, Claim.OTHER_MEANING)
    assert unsupported_note(check) == "Check: '3.1.9.3' is in the sources, but not for what the answer says."
    right = _check("A total sample size of 10 participants was calculated [1].", SAMPLE, question)
    assert all(c.supported for c in _key(right))


def test_a_source_line_copied_whole_gives_the_version_as_a_version():
    # q065, stop 32: the model copied the page's line, the sample size and then the version it was
    # calculated with; the version is stated as what it is, beside the amount asked for.
    question = "What minimum total sample size was calculated for the anterior open bite study?"
    check = _check("A minimum total sample size of 10 participants will be sufficient. The sample size was "
                   "calculated according to G*Power software version 3.1.9.3 [1].", SAMPLE, question)
    assert all(c.supported for c in check.claims)


def test_a_version_answers_a_question_about_the_software_or_the_version():
    for question in ("Which software was used for the sample size calculation?",
                     "What version of G*Power was used for the sample size?"):
        check = _check("G*Power software version 3.1.9.3 [1].", SAMPLE, question)
        assert all(c.supported for c in check.claims), question


def test_a_documents_version_date_is_not_its_study_period():
    check = _check("The study period is 14.02.23 [1].", HEADER,
                   "What is the study period of the qualitative study of patient experience?")
    assert [(c.text, c.reason) for c in _key(check)] == [("14.02.23", Claim.OTHER_MEANING)]


def test_a_distance_from_a_place_is_not_a_size():
    question = "How long was the crack found in the aft wing spar of the Aerostar 601?"
    check = _check("The crack was approximately 1 mile from the airport [1].", FLIGHT, question, "ntsb.pdf")
    assert [(c.text, c.supported, c.reason) for c in _key(check)] == [("1", False, Claim.OTHER_MEANING)]
    right = _check("The crack was 3 inches long [1].", FLIGHT, question, "ntsb.pdf")
    assert all(c.supported for c in _key(right))
    # Asked how far, a distance from the airport is the answer.
    far = _check("About 1 mile from the airport [1].", FLIGHT, "How far from the airport did the wing hit a tree?", "ntsb.pdf")
    assert all(c.supported for c in _key(far))


def test_one_years_figure_given_for_two_asked_years_is_flagged():
    question = "What percent of retirement claims did OPM process within 60 days in FY 2014 and in FY 2016?"
    check = _check("OPM processed 79% of pending claims within 60 days in FY 2014 and in FY 2016 [1].", ROW, question,
                   "2014-annual-performance-report.pdf")
    (claim,) = [c for c in _key(check) if c.text == "79%"]
    assert (claim.supported, claim.reason) == (False, Claim.OTHER_PERIOD)
    # Given for the year it is stated for, beside another year's figure, it stands.
    both = _check("OPM processed 79% in FY 2014 and 77.1% in FY 2016 [1].", ROW, question,
                  "2014-annual-performance-report.pdf")
    assert [c.supported for c in _key(both) if c.text == "79%"] == [True]


def test_the_rules_read_the_words_beside_a_figure():
    assert version_label("G*Power software version 3.1.9.3", 25) and version_label("V2 14.02.23", 3)
    assert not version_label("there were 32 patients", 11) and not version_label("Visit 4", 6)
    assert version_cannot_answer("What is the study period?") and not version_cannot_answer("Which software was used?")
    assert not version_cannot_answer("What was the date of version 2 of the protocol?")
    assert distance_from_a_place("1 mile from the airport", 1) and distance_from_a_place("3 nautical miles north of X", 1)
    assert not distance_from_a_place("13,110 feet long", 6)
    assert asks_size("How long was runway 10?") and not asks_size("How far from the airport did it crash?")


def test_a_figure_dated_as_of_a_month_is_of_that_time():
    # Two columns of the FY 2016 report run together by extraction: "FY 2016" is farther off in the
    # same sentence, "as of March 2015" dates the figure (q146).
    text = ("In FY 2016, OPM continued to expand access for agency human resources and payroll offices "
            "(as of March 2015, 70.1 percent of cases were handled by the shared service centers).")
    question = "In OPM's FY 2016 annual performance report, what percent of retirement cases were processed within 60 days?"
    check = _check("In FY 2016, 70.1 percent of cases were processed within 60 days [1].", text, question,
                   "2016-annual-performance-report.pdf")
    assert [(c.text, c.reason) for c in _key(check)] == [("70.1 percent", Claim.OTHER_PERIOD)]
    # A month at the start of a fiscal year dates it in that year too (FY 2016 began in October 2015).
    october = text.replace("March 2015", "October 2015")
    assert all(c.supported for c in _key(_check("In FY 2016, 70.1 percent of cases [1].", october, question)))
