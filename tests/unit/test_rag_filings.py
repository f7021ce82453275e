"""Financial filings (Form 10-Q and 10-K): who filed them, which quarter a question means, and the
rows of their statements with the span of time each column covers."""

from __future__ import annotations

from datetime import date

import pytest

from desktop_app.rag.doc_meta import DocumentMeta, header
from desktop_app.rag.doc_meta_extract import extract
from desktop_app.rag.fiscal_quarters import asked_quarter, fiscal_quarter, quarter_ended, year_end_month
from desktop_app.rag.query_hints import asked_types, resolve
from desktop_app.rag.table_rows import rewrite_tables

COVER = """UNITED STATES
SECURITIES AND EXCHANGE COMMISSION
Washington, D.C. 20549

FORM 10-Q
(Mark One)
\u2612 QUARTERLY REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934
For the quarterly period ended July 1, 2023
or
\u2610 TRANSITION REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934
Commission File Number: 001-36743
{name}
(Exact name of Registrant as specified in its charter)
California                                     94-2404110
(State or other jurisdiction of incorporation or organization)     (I.R.S. Employer Identification No.)
One Apple Park Way
Cupertino, California 95014"""


@pytest.mark.parametrize("name, organisation", [
    ("Apple Inc.", "Apple Inc."), ("Tesla, Inc.", "Tesla, Inc."), ("Johnson & Johnson", "Johnson & Johnson"),
    ("Amazon.com, Inc.", "Amazon.com, Inc."), ("JPMorgan Chase & Co.", "JPMorgan Chase & Co."),
    ("NVIDIA CORPORATION", "Nvidia Corporation"),
])
def test_the_registrant_on_a_filings_cover_is_its_organisation(name, organisation):
    # Before: a comma before "Inc." or a name without "Inc."/"Corporation" left the organisation empty.
    meta = extract("filing.pdf", {}, [COVER.format(name=name), "CONDENSED CONSOLIDATED STATEMENTS OF OPERATIONS"])
    assert meta.organisation == organisation
    assert (meta.doc_type, meta.period, meta.sort_date) == ("Form 10-Q", "quarterly period ended July 1, 2023", "2023-07-01")
    # The Commission's name heads every cover: it is not the filing's title.
    assert header(meta, 4) == f"{organisation} · Form 10-Q · quarterly period ended July 1, 2023 · 001-36743 · page 4"


@pytest.mark.parametrize("question, quarter", [
    ("What were net sales in Q1 2023?", (1, 2023)), ("revenue in Q3 FY23", (3, 2023)), ("Q2 of fiscal 2024 margin", (2, 2024)),
    ("the first quarter of fiscal 2023", (1, 2023)), ("in the third quarter of 2022", (3, 2022)),
    ("fiscal 2023 second quarter", (2, 2023)), ("1Q24 results", (1, 2024)), ("What was the score in FY 2019?", None),
])
def test_a_question_names_a_fiscal_quarter(question, quarter):
    assert asked_quarter(question) == quarter


def test_a_quarter_is_counted_from_the_companys_fiscal_year_end():
    apple_10k = DocumentMeta(period="fiscal year ended September 24, 2022", sort_date="2022-09-24")
    assert year_end_month([apple_10k]) == 9 and year_end_month([]) == 12
    # A 52/53-week quarter ending in the first days of a month closes the month before.
    assert quarter_ended(date(2022, 12, 31), 9) == (1, 2023)
    assert quarter_ended(date(2023, 4, 1), 9) == (2, 2023)
    assert quarter_ended(date(2023, 7, 1), 9) == (3, 2023)
    assert quarter_ended(date(2024, 3, 31), 12) == (1, 2024)
    assert quarter_ended(date(2024, 3, 31), 6) == (3, 2024)  # a fiscal year ending in June
    assert fiscal_quarter(apple_10k, 9) is None  # a year's report is no quarter's


def _filings() -> dict[str, DocumentMeta]:
    def filing(org: str, form: str, period: str, iso: str) -> DocumentMeta:
        return DocumentMeta(title=f"Form {form}", organisation=org, doc_type=f"Form {form}", period=period,
                            reference="001-1", year_from=int(iso[:4]), year_to=int(iso[:4]), sort_date=iso)

    return {
        "/f/aapl-10k-2022.pdf": filing("Apple Inc.", "10-K", "fiscal year ended September 24, 2022", "2022-09-24"),
        "/f/aapl-q1.pdf": filing("Apple Inc.", "10-Q", "quarterly period ended December 31, 2022", "2022-12-31"),
        "/f/aapl-q2.pdf": filing("Apple Inc.", "10-Q", "quarterly period ended April 1, 2023", "2023-04-01"),
        "/f/aapl-q3.pdf": filing("Apple Inc.", "10-Q", "quarterly period ended July 1, 2023", "2023-07-01"),
        "/f/nwt-10k-2023.pdf": filing("Northwind Traders, Inc.", "10-K", "fiscal year ended December 31, 2023", "2023-12-31"),
        "/f/nwt-q1-2024.pdf": filing("Northwind Traders, Inc.", "10-Q", "quarterly period ended March 31, 2024", "2024-03-31"),
    }


def test_latest_and_previous_pick_within_the_type_the_question_names():
    docs = _filings()
    # The 10-K came first in the library's order; its family of one stopped "latest" before.
    assert resolve("What was the gross margin for Apple in the latest 10-Q report?", docs, []).preferred() == ["/f/aapl-q3.pdf"]
    assert resolve("Apple's operating income in the earliest 10-Q?", docs, []).preferred() == ["/f/aapl-q1.pdf"]
    assert resolve("What was the gross margin in Apple's previous 10-Q, before the latest one?", docs, []).preferred() \
        == ["/f/aapl-q2.pdf"]
    assert resolve("Apple's net income in its latest annual report", docs, []).preferred() == ["/f/aapl-10k-2022.pdf"]
    assert "Form 10-Q" in asked_types("the most recent quarterly report")


def test_a_fiscal_quarter_resolves_to_its_quarterly_report():
    docs = _filings()
    h = resolve("What were Apple's total net sales in the first quarter of fiscal 2023?", docs, [])
    assert h.preferred() == ["/f/aapl-q1.pdf"] and h.strong  # not every document dated 2023
    # No report of Northwind's Q1 2023: the Q1 2024 report holds it as its year-earlier column.
    assert resolve("Northwind's research and development expense in the first quarter of 2023?", docs, []).preferred() \
        == ["/f/nwt-q1-2024.pdf"]
    # "Northwind's": the possessive no longer hides the name.
    assert resolve("What was Northwind's net income in Q1 2024?", docs, []).named == ["/f/nwt-10k-2023.pdf", "/f/nwt-q1-2024.pdf"]
    # A date no report ended on: the quarter it closed, in the report of that quarter a year later.
    h = resolve("What were Apple's total net sales for the three months ended June 25, 2022?", docs, [])
    assert h.preferred() == ["/f/aapl-q3.pdf"]


STATEMENT = """\
                                                         Three Months Ended                 Nine Months Ended
                                                    July 1, 2023     June 25, 2022     July 1, 2023     June 25, 2022
Net sales:
   Products                                      $       60,584   $       63,355   $      230,901   $      245,241
   Services                                              21,213           19,604           62,886           58,941
Total net sales                                          81,797           82,959          293,787          304,182
""" + "".join(f"   Expense line {n}                                       {n},100           {n},200           {n},300           {n},400\n"
              for n in range(1, 21)) + """\
Net income                                       $       19,881   $       19,442   $       74,039   $       79,082
"""


def test_statement_rows_keep_the_span_of_time_over_their_dates():
    lines = rewrite_tables(STATEMENT).split("\n")
    assert "Products | Three Months Ended July 1, 2023: 60,584 | Three Months Ended June 25, 2022: 63,355 | " \
           "Nine Months Ended July 1, 2023: 230,901 | Nine Months Ended June 25, 2022: 245,241" in lines  # no lone "$"
    # 24 rows below its header (figure rows no longer count against the reach of 16 lines).
    assert "Net income | Three Months Ended July 1, 2023: 19,881 | Three Months Ended June 25, 2022: 19,442 | " \
           "Nine Months Ended July 1, 2023: 74,039 | Nine Months Ended June 25, 2022: 79,082" in lines


def test_a_two_column_statement_under_two_dates_is_read():
    text = ("                                      Three Months Ended\n"
            "                                 March 31, 2024     March 31, 2023\n"
            "Total net sales                          5,137              4,912\n"
            "Net income                                 801                744\n")
    assert "Net income | Three Months Ended March 31, 2024: 801 | Three Months Ended March 31, 2023: 744" \
        in rewrite_tables(text).split("\n")


def test_a_cover_in_capitals_gives_the_period_in_one_spelling():
    cover = COVER.format(name="MICROSOFT CORPORATION").replace("FORM 10-Q", "FORM 10-K").replace(
        "For the quarterly period ended July 1, 2023", "FOR THE FISCAL YEAR ENDED JUNE 30, 2024")
    meta = extract("msft-10k.pdf", {}, [cover])
    assert (meta.organisation, meta.doc_type) == ("Microsoft Corporation", "Form 10-K")
    assert (meta.period, meta.sort_date) == ("fiscal year ended June 30, 2024", "2024-06-30")  # was "fISCAL YEAR ENDED JUNE 30, 2024"
