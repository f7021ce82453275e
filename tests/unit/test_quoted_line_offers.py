"""A source line quoted in an answer's place (an echo) or under it (a flagged answer) must offer what
the question asks: a person for "who", a date or year for "when", a figure for "how many". The
lines refused here are ones the app quoted for corpus questions in stop 33: a strategic plan's
running header with a GUID, a report's purpose statement, a page heading."""

from __future__ import annotations

from desktop_app.core.records import Citation
from desktop_app.services.answer_recheck import closest_line_answer, offers_what_is_asked

# DOS2022.pdf's running header as pypdf reads it, and a line of its first pages (q191)
HEADER = ("Strategic Plan U.S. Department of State, U.S. Agency for International Development U.S. Department of "
          "State (DOS) _96f2943c-2ff7-11e1-994e-962d7a64ea2a")
FOUNDED = "The Department of State, established in 1789, is the lead foreign affairs agency of the United States."
WHEN_Q = ("When were the Department of State and the National Archives and Records Administration established, "
          "according to their 2022-2026 strategic plans?")
# 2022-annual-performance-report.pdf (OPM), page 3 (q130)
PURPOSE = ("Purpose and Scope The FY 2022 Annual Performance Report (APR) provides information on OPM's progress "
           "toward its strategic goals and objectives.")
PRIORITISED = "OPM prioritized 4 of its strategic objectives for focused attention in FY 2022."
HOW_MANY_Q = "How many strategic objectives did OPM prioritize according to its most recent annual performance report?"
# HHS annual performance plan heading, and a signature line (q183)
PLAN = ("Performance Goals ~ The HHS Annual Performance Plan provides information on the Department's measures and "
        "targets for the fiscal year.")
WHO_Q = "Who is the Secretary of Health and Human Services in the HHS strategic plan?"


def test_a_line_must_offer_what_is_asked():
    assert not offers_what_is_asked("When was the Department of State established?", HEADER)
    assert offers_what_is_asked("When was the Department of State established?", FOUNDED)
    assert not offers_what_is_asked(HOW_MANY_Q, PURPOSE)  # "FY 2022" is a year, not a count
    assert offers_what_is_asked(HOW_MANY_Q, PRIORITISED)
    assert not offers_what_is_asked(WHO_Q, PLAN)
    assert offers_what_is_asked(WHO_Q, "Xavier Becerra Secretary of Health and Human Services")
    # Other questions take any line, as before: "What did the airplane hit?"
    assert offers_what_is_asked("What did the Piper hit on final approach?", "the airplane contacted trees, then wires")


def test_an_echo_is_replaced_only_by_a_line_that_offers_what_is_asked():
    header_only = [Citation(1, "DOS2022.pdf", 1, HEADER + " … " + PLAN)]
    assert closest_line_answer("When was the Department of State established?", header_only) is None
    with_year = [Citation(1, "DOS2022.pdf", 1, HEADER + " … " + FOUNDED)]
    quoted = closest_line_answer("When was the Department of State established?", with_year)
    assert quoted is not None and "1789" in quoted
    purpose_only = [Citation(1, "2022-annual-performance-report.pdf", 3, PURPOSE)]
    assert closest_line_answer(HOW_MANY_Q, purpose_only) is None
    both = [Citation(1, "2022-annual-performance-report.pdf", 3, PURPOSE + " " + PRIORITISED)]
    assert "prioritized 4" in (closest_line_answer(HOW_MANY_Q, both) or "")
