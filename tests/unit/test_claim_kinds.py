"""The kind of figure asked for (claim_kinds): a percent, a count of things, two different things.

Each flagged case is a wrong answer the bundled model gave to a corpus question that the check had
marked supported; the passages are excerpts of the corpus PDFs it was given. Each unflagged case is
a right answer of the same shape that must stay supported."""

from __future__ import annotations

from desktop_app.core.records import Citation, Claim
from desktop_app.rag.claim_check import check_claims
from desktop_app.rag.claim_kinds import asks_count, asks_count_of_things, asks_percent, unit_asked
from desktop_app.rag.claim_notes import unsupported_note, unsupported_reason
from desktop_app.services.answer_recheck import recheck_notice

# 2016-annual-performance-report.pdf (OPM), page 91 (q146)
RETIREMENT = ("TABLE 7.03C PERFORMANCE MEASURE: Percent of retirement claims processed within 60 days FY 2016 "
              "FY 2012- … OPM processed 72,913 of 94,545 claims within 60 days, an increase of more than seven "
              "percentage points from the FY 2015 results. In FY 2016, 77.1 percent of cases were processed in 60 "
              "days or less.")
PERCENT_Q = ("In OPM's FY 2016 annual performance report, what percent of retirement cases were processed within 60 "
             "days or less?")
# 2019-annual-performance-report.pdf (OPM), page 27 (q151)
QUALITY = ("1.5 A Percent of investigations determined to be quality complete | FY 2019 Results: 99.9% | "
           "FY 2019 Target: ≥99% | Met … The background investigation inventory stood at 303,000 cases.")
COUNT_Q = ("How many cases were in the background investigation inventory in FY 2019 according to OPM's 2019 annual "
           "performance report?")
# NCT06150378_Prot_SAP_000.pdf, pages 3 and 17 (q072)
HIBA = ("Specifically, at the Hospital Italiano de Buenos Aires (HIBA), platelet-rich plasma has been used for more "
        "than 10 years for different musculoskeletal conditions.")
SAMPLE = "A total of 100 patients will be randomized, 50 to each arm."
SIZE_Q = ("What is the total sample size of the randomized trial of platelet rich plasma versus corticosteroids for "
          "rotator cuff tendinopathy?")
# 20080111X00040.pdf and 20080114X00043.pdf (NTSB), page 1 (q059)
MADILL = "Aircraft Make: Cessna Registration: N6135M Model/Series: 152 Aircraft Category: Airplane"
VENICE = "Aircraft Make: Cessna Registration: N461TC Model/Series: 152 Aircraft Category: Airplane"
TWO_Q = ("What were the registrations of the two Cessna 152 airplanes in the student pilot accidents at Madill, "
         "Oklahoma and Venice, Florida in November 2007?")


def _check(answer, *texts, question):
    return check_claims(answer, [Citation(i, "doc.pdf", i, t) for i, t in enumerate(texts, 1)], question)


def _unsupported(check):
    return [(c.text, c.reason) for c in check.unsupported_key]


def test_counts_given_where_a_percent_is_asked_are_flagged():
    check = _check("In FY 2016, OPM processed 72,913 of 94,545 claims within 60 days, an increase of more than "
                   "seven percentage points from the FY 2015 results [1].", RETIREMENT, question=PERCENT_Q)
    assert _unsupported(check) == [("72,913", Claim.OTHER_KIND), ("94,545", Claim.OTHER_KIND)]
    assert unsupported_note(check) == "Check: '72,913' and '94,545' are not the percent the question asks for."
    assert unsupported_reason(check.unsupported_key[0]) == "a count, and the question asks for a percent"
    assert "not the kind of figure the question asks for" in recheck_notice(check)


def test_a_percent_beside_the_counts_or_written_bare_answers_a_percent_question():
    both = _check("OPM processed 77.1 percent of cases in 60 days or less: 72,913 of 94,545 claims [1].", RETIREMENT,
                  question=PERCENT_Q)
    bare = _check("The answer is 77.1 [1].", RETIREMENT, question=PERCENT_Q)
    # A table cell without its sign: "FY 2022 Results: 79" for "what percent of respondents agreed".
    cell = _check("79 [1].", "Percent of respondents who agree | FY 2022 Results: 79 | Target: 75",
                  question="In OPM's latest annual performance report, what percent of respondents agreed?")
    assert both.unsupported_key == bare.unsupported_key == cell.unsupported_key == ()


def test_each_part_of_a_two_part_answer_must_give_the_kind_asked():
    check = _check("OPM processed 79% of retirement claims within 60 days in FY 2014 [1].\n\n"
                   "OPM processed 72,913 of 94,545 claims within 60 days [1].",
                   "FY 2014 Results: 79% | FY 2014 Target: 90% | Not Met. " + RETIREMENT,
                   question="What percent of retirement claims did OPM process within 60 days in FY 2014 and in "
                            "FY 2016, according to those years' annual performance reports?")
    assert [t for t, _ in _unsupported(check)] == ["72,913", "94,545"]


def test_a_percent_given_where_a_count_is_asked_is_flagged():
    check = _check("According to the OPM's 2019 annual performance report, there were 99.9% of investigations "
                   "determined to be quality complete in FY 2019 [1].", QUALITY, question=COUNT_Q)
    assert _unsupported(check) == [("99.9%", Claim.OTHER_KIND)]
    assert unsupported_reason(check.unsupported_key[0]) == "a percent, and the question asks how many"
    assert unsupported_note(check) == "Check: '99.9%' is a percent, and the question asks how many."
    right = _check("The inventory held 303,000 cases, 99.9% of investigations being quality complete [1].", QUALITY,
                   question=COUNT_Q)
    assert right.unsupported_key == ()


def test_a_bare_count_is_not_stated_by_the_same_number_of_years():
    wrong = _check("The total sample size of the trial is 10 [1].", HIBA, SAMPLE, question=SIZE_Q)
    right = _check("The total sample size of the trial is 100 [2].", HIBA, SAMPLE, question=SIZE_Q)
    assert [t for t, _ in _unsupported(wrong)] == ["10"]
    assert right.unsupported_key == ()
    # Asked how many days, a bare figure counts days: "14 months" does not state it, "14 days" does.
    question = "How many days after the visit is the follow-up call?"
    assert [t for t, _ in _unsupported(_check("It is 14 [1].", "within 14 months", question=question))] == ["14"]
    assert _check("It is 14 [1].", "within 14 days", question=question).unsupported_key == ()


def test_one_code_given_for_two_things_is_flagged_the_second_time():
    wrong = _check("The registrations were N6135M and N6135M [1].", MADILL, VENICE, question=TWO_Q)
    right = _check("The registrations were N6135M [1] and N461TC [2].", MADILL, VENICE, question=TWO_Q)
    assert _unsupported(wrong) == [("N6135M", Claim.OTHER_MEANING)]
    assert [c.supported for c in wrong.claims] == [True, False]
    assert right.unsupported_key == ()


def test_what_the_question_asks_for():
    assert asks_percent(PERCENT_Q) and not asks_count(PERCENT_Q)
    assert asks_percent("What share of archival holdings does NARA plan to have processed by FY 2026?")
    assert asks_count(COUNT_Q) and not asks_percent(COUNT_Q)
    assert asks_count_of_things(SIZE_Q) and asks_count_of_things(COUNT_Q)
    assert unit_asked("How many days after the visit?") == ("day", False)
    assert not asks_count_of_things("How many days after the visit?")
    assert not asks_count("What was the serial number of the engine?")
    assert not asks_percent("How long will interviews last?") and not asks_count("How long will interviews last?")
