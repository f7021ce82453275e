"""What a figure counts (claim_units): a number that counts another unit in the passage does not
support the answer's. Passages are excerpts of the corpus PDFs the bundled model answered from."""

from __future__ import annotations

import pytest

from desktop_app.core.records import Citation
from desktop_app.rag.claim_check import check_claims
from desktop_app.rag.claim_units import counts_the_same, word_after

# us-fed-agency-reports/2022-annual-performance-report.pdf (OPM): the model answered "2 strategic objectives".
OPM_GOALS = ("In addition to the strategic goals and objectives identified in the strategic plan, and in accordance "
             "with the GPRA Modernization Act and OMB Circular A-11 administration, OPM also develops two-year Agency "
             "Priority Goals and in the annual performance plan")
# ntsb-aviation-incident-accident-reports/20071231X02009.pdf, page 2
FLIGHT_TIME = ("Flight Time: 119 hours (Total, all aircraft), 39 hours (Total, this make and model), 29 hours "
               "(Last 90 days, all aircraft), 13 hours (Last 30 days, all aircraft)")


@pytest.mark.parametrize("text, end, expected", [
    ("two-year Agency", 3, ("year", True)),
    ("119 hours (Total", 3, ("hour", False)),
    ("4000 ft. runway", 4, ("foot", False)),
    ("13 participants", 2, ("parti", False)),
    ("Sample size: 15", 15, None),
    ("15) days", 2, None),
])
def test_the_word_after_a_figure(text, end, expected):
    assert word_after(text, end) == expected


@pytest.mark.parametrize("answer, passage, same", [
    (("month", False), ("day", False), False),       # "14 months" / "14 days"
    (("hour", False), ("hour", False), True),
    (("parti", False), ("year", True), False),        # "2 strategic objectives" / "two-year goals"
    (("parti", False), ("year", False), True),        # "10 participants a year" may say it either way
    (("parti", False), ("patie", False), True),       # not units: left to the rest of the check
    (None, ("hour", False), True),                    # "The answer is 119."
    (("hour", False), None, True),                    # "Sample size: 15"
])
def test_what_counts_the_same(answer, passage, same):
    assert counts_the_same(answer, passage) is same


def test_two_strategic_objectives_are_not_a_two_year_goal():
    citations = [Citation(1, "us-fed-agency-reports/2022-annual-performance-report.pdf", 5, OPM_GOALS)]
    question = "How many strategic objectives did OPM prioritize?"
    (claim,) = [c for c in check_claims("OPM prioritized 2 strategic objectives [1].", citations, question).claims
                if c.kind == "number"]
    assert not claim.supported


def test_hours_in_the_last_30_days_are_found_and_months_are_not():
    citations = [Citation(1, "ntsb-aviation-incident-accident-reports/20071231X02009.pdf", 2, FLIGHT_TIME)]
    question = "How many hours had the pilot flown in the last 30 days?"
    (claim,) = check_claims("The pilot had flown 13 hours [1].", citations, question).claims
    assert claim.supported
    (claim,) = check_claims("The pilot had flown 13 months [1].", citations, question).claims
    assert not claim.supported
