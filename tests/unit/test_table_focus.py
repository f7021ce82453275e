"""A table row in a grounded prompt keeps the asked year's columns (rag/table_focus.py)."""

from desktop_app.rag.passage_focus import focus_passages
from desktop_app.rag.table_focus import asked_years, keep_asked_columns

# As the table reader writes a row of OPM's FY 2022 annual performance report (page 54), with the
# label the PDF puts on the lines above and below it.
ROW = ("Table: 3 .1 .003 | FY 2018 Result: - | FY 2019 Result: - | FY 2020 Result: - | FY 2021 Result: 3 .92 | "
       "FY 2022 Result: 3 .74 | FY 2022 Target: 4 .00 | for services received from | Not Met")
PAGE = f"Average satisfaction score\n{ROW}\nRetirement Services"


def test_a_named_year_keeps_its_cells_and_the_cells_without_a_year():
    text, rows = keep_asked_columns(PAGE, frozenset({2022}), latest=False)
    kept = "Table: 3 .1 .003 | FY 2022 Result: 3 .74 | FY 2022 Target: 4 .00 | for services received from | Not Met"
    assert text == f"Average satisfaction score\n{kept}\nRetirement Services"
    assert rows == {kept}


def test_the_latest_report_keeps_the_rows_latest_year():
    years, latest = asked_years("In OPM's most recent annual performance report, what was the average satisfaction score?")
    assert latest and not years
    text, _ = keep_asked_columns(PAGE, years, latest)
    assert "FY 2022 Result: 3 .74" in text and "3 .92" not in text


def test_two_named_years_keep_both():
    years, _ = asked_years("Compare the satisfaction score in OPM's FY 2021 and FY 2022 annual performance reports.")
    text, _ = keep_asked_columns(PAGE, years, False)
    assert "FY 2021 Result: 3 .92" in text and "FY 2022 Result: 3 .74" in text and "FY 2019" not in text


def test_rows_of_other_years_prose_and_questions_without_a_period_are_left_alone():
    assert keep_asked_columns(PAGE, frozenset({2015}), False) == (PAGE, set())  # a table of other years
    assert keep_asked_columns(PAGE, frozenset(), False) == (PAGE, set())
    prose = "During FY 2016, OPM processed 77.1 percent | of cases in FY 2017: 80 percent."
    assert keep_asked_columns(prose, frozenset({2017}), False) == (prose, set())  # one year cell: not a row of years


def test_the_prompt_keeps_the_asked_years_value_beside_its_header_and_label():
    filler = " ".join(f"The agency held meeting number {i} about its budget and its staff." for i in range(40))
    question = "In OPM's FY 2022 annual performance report, what was the average satisfaction score for Retirement Services?"
    (shown,) = focus_passages(question, [f"{filler}\n{PAGE}\n{filler}"], 600)
    assert "FY 2022 Result: 3 .74 | FY 2022 Target: 4 .00" in shown and "Average satisfaction score" in shown
    assert "3 .92" not in shown


def test_a_row_without_a_label_is_scored_with_its_tables_title():
    # OPM FY 2014 report, page 45: the measure is named above the header lines, the row has no label.
    table = "\n".join([
        "Table 1.02A PERFORMANCE MEASURE: OPM's Federal Employee Viewpoint Survey Employee Engagement Index score",
        "FY 2010 FY 2011 FY 2012 FY 2013 FY 2014 FY 2014",
        "Results Results Results Results Results Target Met/ Not Met",
        "FY 2010 Results: 69% | FY 2011 Results: 72% | FY 2012 Results: 71% | FY 2013 Results: 72% | "
        "FY 2014 Results: 72% | New Measure | New Measure",
    ])
    other = "\n".join(f"The agency reported on {w} in FY 2014, its results and targets for FY 2010 to FY 2014."
                      for w in ("hiring", "training", "retirement", "claims", "security", "budgets") * 6)
    question = "What was OPM's Employee Engagement Index score in FY 2010, according to OPM's FY 2014 annual performance report?"
    (shown,) = focus_passages(question, [f"{other}\n{table}\n{other}"], 300)
    assert "FY 2010 Results: 69%" in shown
