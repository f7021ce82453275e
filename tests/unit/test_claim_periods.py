"""A figure the passage states for another fiscal year than the question asks about (claim_periods).

The passages are what the bundled model was given for a real benchmark question (q143, OPM's FY 2017
annual performance report in the corpus), where it answered with FY 2016's figure."""

from __future__ import annotations

from desktop_app.core.records import Citation, Claim
from desktop_app.rag.claim_check import check_claims
from desktop_app.rag.claim_notes import unsupported_note, unsupported_reason
from desktop_app.rag.claim_periods import question_years

REPORT = "us-fed-agency-reports/2017-annual-performance-report.pdf"
# page 90: the prose gives last year's figure
PROSE = ("OPM is dedicated to processing Federal retirement claims quickly and accurately to provide the best "
         "possible support to annuitants. During FY 2016, OPM processed 77.1 percent of the retirement cases "
         "within 60 days or less. Those cases were processed in 45 days, on average.")
# page 26: the table row of the measure, its years in the column headers on another line of the page
ROW = ("7.03C Percent of retirement claims processed within 60 days –* 79% 70.1% 77.1% 57.3% ≥90% Not Met")
QUESTION = ("According to OPM's FY 2017 annual performance report, what percent of retirement claims were "
            "processed within 60 days in FY 2017?")


def _check(answer, *texts, question=QUESTION):
    return check_claims(answer, [Citation(i, REPORT, 26 + i, t) for i, t in enumerate(texts, 1)], question)


def test_last_years_figure_is_flagged_with_the_year_highlighted():
    check = _check("OPM processed 77.1% of retirement claims within 60 days in FY 2017 [1].", PROSE)
    (claim,) = check.claims
    assert (claim.supported, claim.reason, claim.source) == (False, Claim.OTHER_PERIOD, 1)
    assert PROSE[claim.source_start:claim.source_end] == "FY 2016, OPM processed 77.1 percent"
    assert unsupported_note(check) == "Check: '77.1%' is stated in the sources for another year than the one asked."
    assert "source [1]" in unsupported_reason(claim)


def test_an_answer_giving_the_figure_for_the_sources_year_states_what_the_source_states():
    # Seen in a real answer (q142): the asked year's figure, then last year's comparison, dated.
    check = _check("In FY 2016, OPM processed 77.1% of retirement cases within 60 days [1].", PROSE)
    (claim,) = [c for c in check.claims if c.text == "77.1%"]
    assert claim.supported and not check.unsupported_key


def test_a_table_row_without_its_year_does_not_outweigh_the_prose_that_names_one():
    # The row holds 77.1% too, but nothing in it says which year: the prose does (FY 2016).
    (claim,) = _check("The answer is 77.1% [2].", PROSE, ROW).claims
    assert claim.reason == Claim.OTHER_PERIOD
    (claim,) = _check("The answer is 57.3% [2].", PROSE, ROW).claims
    assert claim.supported  # only the row states it: no year, no ruling


def test_a_figure_stated_for_the_asked_year_anywhere_is_supported():
    this_year = "In FY 2017, OPM processed 77.1 percent of the retirement cases within 60 days."
    (claim,) = _check("The answer is 77.1% [1].", PROSE, this_year).claims
    assert claim.supported and claim.source == 2


def test_a_question_without_a_year_or_with_a_relative_one_rules_nothing_out():
    for question in ("What percent of retirement claims did OPM process within 60 days?",
                     "What percent of retirement claims did OPM process within 60 days in FY 2017, and the year before?"):
        (claim,) = _check("The answer is 77.1% [1].", PROSE, question=question).claims
        assert claim.supported, question
    latest = question_years("in OPM's FY 2018 report, and in its latest report")
    assert 2014 not in latest and {2018, 2022} <= latest  # the latest report is no older than FY 2018
    assert question_years("in FY 2018 and in the previous report") == frozenset()
    assert question_years("in FY 2014, according to its 2014 annual performance report") == {2014}


def test_a_span_or_a_deadline_is_not_the_figures_year():
    since = "Since FY 2014, OPM has cut the claims inventory by 25 percent."
    by = "OPM aims to process 90 percent of claims within 60 days by FY 2020."
    question = "By what percent has OPM cut its retirement claims inventory, per its FY 2017 report?"
    assert _check("By 25% [1].", since, question=question).claims[0].supported
    question = "What share of claims did OPM aim to process within 60 days, per its FY 2017 report?"
    assert _check("90% [1].", by, question=question).claims[0].supported


def test_another_sentence_naming_a_year_does_not_date_the_figure():
    text = "The FY 2016 review ended in March. OPM processed 77.1 percent of the retirement cases within 60 days."
    (claim,) = _check("The answer is 77.1% [1].", text).claims
    assert claim.supported


def test_a_source_reference_beside_a_small_figure_is_not_what_it_counts():
    # The model listed its sources; "annual", "performance", "report", "page" name the source, so
    # the small figure needs no such word beside it in the passage.
    page = "Retirement surge related to Postal Early Out and year-end surge. … … … 11"
    answer = "[1] 2017-annual-performance-report.pdf, page 27: 11"
    (claim,) = _check(answer, page, question="What page lists the retirement surge?").claims
    assert claim.supported


def test_in_a_table_row_a_figure_is_of_its_own_cells_year():
    # us-fed-agency-reports/2018-annual-performance-report.pdf as the table reader writes its rows
    row = ("Average number of minutes to answer phone calls | FY 2014 Results: 13.7 | FY 2015 Results: 12.1 | "
           "FY 2018 Results: 8.60 | FY 2018 Target: 5.00")
    question = "What was the average number of minutes to answer phone calls in OPM's FY 2018 report in FY 2018?"
    (claim,) = _check("It was 13.7 [1].", row, question=question).claims
    assert claim.reason == Claim.OTHER_PERIOD and row[claim.source_start:claim.source_end] == "FY 2014 Results: 13.7"
    (claim,) = _check("It was 12.1 [1].", row, question=question).claims
    assert claim.reason == Claim.OTHER_PERIOD  # FY 2018 in the next cell is not 12.1's year
    (claim,) = _check("It was 8.60 [1].", row, question=question).claims
    assert claim.supported


def test_a_sentence_pointing_back_is_of_the_previous_sentences_year():
    question = "In OPM's FY 2017 annual performance report, what was the average number of days to process retirement cases in FY 2017?"
    (claim,) = _check("It was 45 days [1].", PROSE, question=question).claims
    assert claim.reason == Claim.OTHER_PERIOD  # "Those cases were processed in 45 days" are FY 2016's
    plain = PROSE.replace("Those cases were", "Retirement cases are")
    assert _check("It was 45 days [1].", plain, question=question).claims[0].supported
