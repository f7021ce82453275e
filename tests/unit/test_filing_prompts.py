"""What a grounded prompt keeps of a filing: the row of the measure asked, its columns, and none of
the words that only picked the filing ("latest", "10-Q", "report")."""

from __future__ import annotations

from desktop_app.rag.keyword_store import match_expression
from desktop_app.rag.passage_focus import focus_passages, question_terms
from desktop_app.rag.query_hints import reference_words
from desktop_app.rag.table_focus import asked_years, keep_asked_cells, keep_asked_columns
from desktop_app.rag.table_rows import rewrite_tables

# Passages as the index holds them for a 10-Q (tests/filing_fixtures.py, read by the real loader):
# the MD&A's gross-margin table, the statement of operations, the cover, and the same table of an
# earlier quarter.
MDA = """Item 2. Management's Discussion and Analysis of Financial Condition and Results of Operations The Company's fiscal year is the 52- or 53-week period that ends on the last Saturday of September. Gross Margin Products and Services gross margin and gross margin percentage for the three- and nine-month periods ended July 1, 2023 and June 25, 2022 were as follows (dollars in millions):
…
Three Months Ended Nine Months Ended
July 1, 2023 June 25, 2022 July 1, 2023 June 25, 2022
Gross margin:
Products | Three Months Ended July 1, 2023: 29,613 | Three Months Ended June 25, 2022: 22,760 | Nine Months Ended July 1, 2023: 81,558 | Nine Months Ended June 25, 2022: 83,455
Services | Three Months Ended July 1, 2023: 14,786 | Three Months Ended June 25, 2022: 14,389 | Nine Months Ended July 1, 2023: 43,951 | Nine Months Ended June 25, 2022: 45,871
Total gross margin | Three Months Ended July 1, 2023: 44,399 | Three Months Ended June 25, 2022: 37,149 | Nine Months Ended July 1, 2023: 125,509 | Nine Months Ended June 25, 2022: 129,326
…
Products gross margin percentage increased compared to the same period in the prior year due primarily to cost savings and a different mix of products, partially offset by a weaker foreign currency. Services gross margin percentage decreased due primarily to higher costs. Apple Inc. | 10-Q | 3"""
STATEMENT = """Three Months Ended Nine Months Ended
Total net sales | Three Months Ended July 1, 2023: 104,981 | Three Months Ended June 25, 2022: 86,274 | Nine Months Ended July 1, 2023: 282,407 | Nine Months Ended June 25, 2022: 291,864
Cost of sales:
Products | Three Months Ended July 1, 2023: 54,341 | Three Months Ended June 25, 2022: 43,626 | Nine Months Ended July 1, 2023: 140,793 | Nine Months Ended June 25, 2022: 145,455
Total cost of sales | Three Months Ended July 1, 2023: 60,582 | Three Months Ended June 25, 2022: 49,125 | Nine Months Ended July 1, 2023: 156,898 | Nine Months Ended June 25, 2022: 162,538
Gross margin | Three Months Ended July 1, 2023: 44,399 | Three Months Ended June 25, 2022: 37,149 | Nine Months Ended July 1, 2023: 125,509 | Nine Months Ended June 25, 2022: 129,326
Net income | Three Months Ended July 1, 2023: 26,434 | Three Months Ended June 25, 2022: 20,217 | Nine Months Ended July 1, 2023: 77,117 | Nine Months Ended June 25, 2022: 82,061
See accompanying Notes to Condensed Consolidated Financial Statements. Apple Inc. | 10-Q | 2"""
COVER = """UNITED STATES SECURITIES AND EXCHANGE COMMISSION Washington, D.C. 20549 FORM 10-Q (Mark One) \u2612 QUARTERLY REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934 For the quarterly period ended July 1, 2023 or \u2610 TRANSITION REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934
For the transition period from to .
Commission File Number: 001-36743
Apple Inc. (Exact name of Registrant as specified in its charter)
California 94-2404110
(State or other jurisdiction of incorporation or organization) (I.R.S. Employer Identification No.) One Apple Park Way Cupertino, California 95014 (Address of principal executive offices) (Zip Code) Indicate by check mark whether the Registrant (1) has filed all reports required to be filed by Section 13 or 15(d) of the Securities Exchange Act of 1934 during the preceding 12 months and (2) has been subject to such filing requirements for the past 90 days. Yes \u2612 No \u2610"""
EARLIER = MDA.replace("July 1, 2023", "April 1, 2023").replace("Nine Months", "Six Months").replace("44,399", "47,468")
LABELS = ["Apple Inc. \u00b7 Form 10-Q \u00b7 quarterly period ended July 1, 2023"] * 3 + \
         ["Apple Inc. \u00b7 Form 10-Q \u00b7 quarterly period ended April 1, 2023"]


def test_the_total_row_of_the_asked_measure_is_kept_and_the_cover_is_not():
    question = "What was the gross margin for Apple in the latest 10-Q report?"
    kept = focus_passages(question, [MDA, STATEMENT, COVER, EARLIER], 1600, LABELS)
    # Before: "gross margin" was in every passage and counted half, "report" and "10-Q" were rare
    # (the cover's "QUARTERLY REPORT", the footers "10-Q | 2"), and no row of figures was kept.
    assert "Total gross margin | Three Months Ended July 1, 2023: 44,399" in kept[0]
    assert "Gross margin | Three Months Ended July 1, 2023: 44,399" in kept[1]
    assert "QUARTERLY REPORT PURSUANT" not in kept[2]


def test_words_that_pick_the_document_are_told_apart_from_what_is_asked():
    assert reference_words("What was the gross margin for Apple in the latest 10-Q report?").split() == \
        ["10-Q", "report", "latest"]
    assert reference_words("What was Apple's total gross margin in its most recent quarterly report?") == \
        "quarterly report most recent"
    # Not beside a document type, "last" is what is asked about.
    assert reference_words("How long did each weekly support group session last?") == ""
    # Other reports keep their words: the running footer naming the year's report helps the model.
    assert reference_words("What was OPM's call handling rate per its latest annual performance report?") == ""


def test_a_fiscal_quarters_row_keeps_every_column():
    # Contoso's first quarter of fiscal 2023 ended on September 30, 2022: its figure is the "2022"
    # column of the next year's report, which a row cut to "2023" would drop.
    question = "What was Contoso's research and development expense in the first quarter of fiscal 2023?"
    assert asked_years(question) == (frozenset(), False)
    row = "Research and development | Three Months Ended September 30, 2023: 2,087 | Three Months Ended September 30, 2022: 2,094"
    assert keep_asked_columns(row, *asked_years(question))[0] == row
    assert asked_years("What was the score in FY 2019?") == (frozenset({2019}), False)


def test_dates_run_together_over_a_statements_columns_are_its_columns():
    text = "\n".join([
        "                                                                   Three Months Ended                          Six Months Ended",
        "                                                      December 31, 2023December 31, 2022December 31, 2023December 31, 2022",
        "Gross margin:",
        "   Products                                               $           7,810     $          7,523     $          6,835     $         10,323",
        "   Services                                                           4,905                4,235                4,220                4,843",
        "Total gross margin                                        $         12,715      $         11,758     $         11,055     $         15,166",
    ])
    lines = [line.strip() for line in rewrite_tables(text).split("\n")]
    assert "Total gross margin | Three Months Ended December 31, 2023: 12,715 | Three Months Ended December 31, 2022: " \
           "11,758 | Six Months Ended December 31, 2023: 11,055 | Six Months Ended December 31, 2022: 15,166" in lines
    assert lines[4].startswith("Services | Three Months Ended December 31, 2023: 4,905 |")


def test_revenue_looks_for_the_statements_sales():
    assert '"sales"' in match_expression("What was Contoso's revenue in the second quarter of fiscal 2024?")
    assert {"revenu", "sal"} <= question_terms("What was Contoso's revenue?")
    assert '"sales"' not in match_expression("What was the dose of melphalan?")


ROW = ("Net income | Three Months Ended July 1, 2023: 26,434 | Three Months Ended June 25, 2022: 20,217 | "
       "Nine Months Ended July 1, 2023: 77,117 | Nine Months Ended June 25, 2022: 82,061")


def test_a_statement_row_keeps_the_span_and_day_asked_for():
    def cells(question):
        text, rows = keep_asked_cells(question, "Net income\n" + ROW)
        return text.split("\n")[1], rows

    # The quarter of the latest 10-Q: three months, this year (not the year to date beside it).
    row, rows = cells("What was Apple's net income in the latest 10-Q?")
    assert row == "Net income | Three Months Ended July 1, 2023: 26,434" and row in rows
    assert cells("What was Apple's net income for the nine months ended July 1, 2023?")[0] == \
        "Net income | Nine Months Ended July 1, 2023: 77,117"
    assert cells("What was Apple's net income for the three months ended June 25, 2022?")[0] == \
        "Net income | Three Months Ended June 25, 2022: 20,217"
    # Two quarters compared: both days' quarters.
    assert cells("Compare Apple's net income in the quarters ended June 25, 2022 and July 1, 2023.")[0] == \
        "Net income | Three Months Ended July 1, 2023: 26,434 | Three Months Ended June 25, 2022: 20,217"
    # A fiscal quarter: the quarter's columns, both years (which year is the company's fiscal quarter
    # is not known here), and nothing cut where nothing is asked.
    assert cells("What was Apple's net income in Q1 2024?")[0] == \
        "Net income | Three Months Ended July 1, 2023: 26,434 | Three Months Ended June 25, 2022: 20,217"
    assert cells("What was Apple's net income?") == (ROW, set())
    # Tables of years without spans of time are left to the asked years (keep_asked_columns).
    opm = "Engagement score | FY 2021 Result: 70% | FY 2022 Result: 71%"
    assert keep_asked_cells("What was the engagement score in the annual report?", opm) == (opm, set())


def test_the_documents_tell_the_day_of_the_period_asked_about():
    from datetime import date

    from tests.unit.test_rag_filings import _filings
    from desktop_app.rag.query_hints import resolve

    docs = _filings()
    # A fiscal quarter: its report's own day, or a year before in the report of a year later.
    assert resolve("Apple's total net sales in the first quarter of fiscal 2023?", docs, []).period_end == date(2022, 12, 31)
    assert resolve("Northwind's net income in Q1 2023?", docs, []).period_end == date(2023, 3, 31)
    # A report picked by time: its own period ("the earliest 10-Q" holds the year before beside it).
    assert resolve("Apple's operating income in the earliest 10-Q?", docs, []).period_end == date(2022, 12, 31)
    assert resolve("What was Apple's gross margin?", docs, []).period_end is None
    # The row keeps that column, give or take a week (a 52/53-week year: December 25 for December 31).
    row = ("Operating income | Three Months Ended December 31, 2022: 27,348 | "
           "Three Months Ended December 25, 2021: 30,101")
    question = "Apple's operating income in the earliest 10-Q?"
    assert keep_asked_cells(question, row, [date(2022, 12, 31)])[0] == \
        "Operating income | Three Months Ended December 31, 2022: 27,348"
    assert keep_asked_cells(question, row, [date(2021, 12, 31)])[0] == \
        "Operating income | Three Months Ended December 25, 2021: 30,101"
    assert keep_asked_cells(question, row)[0] == row  # the day not known: both quarters
