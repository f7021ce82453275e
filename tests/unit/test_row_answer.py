"""A statement row of the asked measure, with one figure for the asked period, answers what the
model declined or got from another column (``rag.row_answer``, ``answer_recheck``).

The passages are what the bundled model was given for the filing questions of
``tests/filing_fixtures.py`` (focused and cut to the asked period); it declined the first and gave
another row's figure for the second.
"""

from __future__ import annotations

import pytest

from desktop_app.config.settings import Settings
from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.records import Citation, Hit, NoticeEvent
from desktop_app.llm.fake import FakeBackend
from desktop_app.rag.row_answer import asked_row
from desktop_app.services.answer_recheck import row_evidence
from desktop_app.services.assistant import Assistant
from tests.assistant_helpers import ask, streamed_last
from tests.unit.assistant_fakes import FakeRetriever, fake_grounding

NET_INCOME = ("… Total operating expenses | Three Months Ended December 31, 2022: 14,076 Operating income | Three Months "
              "Ended December 31, 2022: 27,348 Other income/(expense), net (387) 80 … Three Months Ended Income before "
              "provision for income taxes | Three Months Ended December 31, 2022: 26,961 Provision for income taxes | "
              "Three Months Ended December 31, 2022: 2,934 Net income | Three Months Ended December 31, 2022: 24,027 See "
              "accompanying Notes to Condensed Consolidated Financial Statements. …")
ANNUAL = "… Years ended Net income | Years ended September 24, 2022: 85,021 See accompanying Notes …"
OPEX = ("Three Months Ended Six Months Ended Total operating expenses | Three Months Ended June 30, 2024: 667 | Six Months "
        "Ended June 30, 2024: 701 Operating income | Three Months Ended June 30, 2024: 1,249")
OPEX_SIX = "… Selling, general and administrative | Six Months Ended June 30, 2024: 318 Total operating expenses | Six Months Ended June 30, 2024: 701 …"


@pytest.mark.parametrize("question, texts, row", [
    ("What was Apple's net income in the quarter ended December 31, 2022?", [ANNUAL, NET_INCOME],
     (1, "Net income | Three Months Ended December 31, 2022: 24,027")),  # a quarter: not the year's row first
    ("What was Apple's net income for fiscal year 2022?", [NET_INCOME, ANNUAL],
     (1, "Net income | Years ended September 24, 2022: 85,021")),
    ("What were Northwind's total operating expenses for the six months ended June 30, 2024?", [OPEX_SIX],
     (0, "Total operating expenses | Six Months Ended June 30, 2024: 701")),
    # The label runs the period headers of the line before into it: they are no part of it.
    ("What were Apple's total net sales for the three months ended June 25, 2022?",
     ["19,888 … Three Months Ended Nine Months Ended Total net sales | Three Months Ended June 25, 2022: 86,274 Cost"],
     (0, "Total net sales | Three Months Ended June 25, 2022: 86,274")),
    # The label's words are taken off the run-together headers only, not cut short.
    ("What was Apple's selling, general and administrative expense in the quarter ended December 31, 2022?",
     ["Total net sales | Three Months Ended December 31, 2022: 95,129 Selling, general and administrative | Three "
      "Months Ended December 31, 2022: 6,607 Total"],
     (0, "Selling, general and administrative | Three Months Ended December 31, 2022: 6,607")),
])
def test_the_row_of_the_asked_measure_and_period(question, texts, row):
    assert asked_row(question, texts) == row


@pytest.mark.parametrize("question, texts", [
    ("What were Northwind's total operating expenses?", [OPEX]),  # two figures left: which one is not known
    ("Compare Apple's net income in the quarters ended December 31, 2022 and June 25, 2022.", [NET_INCOME]),
    ("What was Apple's net income percentage in the quarter ended December 31, 2022?", [NET_INCOME]),  # not a percent
    ("What was OPM's FY 2018 target for the number of cases in the inventory?",
     ["Number of cases in the inventory | FY 2018 Results: 650,000"]),  # a result is no target
    # A running header is no row: its "column" names no year.
    ("At what stage of pregnancy are diabetes patients recruited?", ["DIABETES | Version 3: 9.19.2022 Women with"]),
    ("What was Apple's research and development expense in the quarter ended December 31, 2022?", [NET_INCOME]),
    # An agency's measure table is left to the model: the fragment of a wrapped label beside the
    # figures ("OPM employees") matched the words of a question about another measure (h113).
    ("How satisfied were OPM employees with real property services at OPM's nine largest buildings in FY 2018?",
     ["Average satisfaction score for contracting services quality from OPM senior supervisory employees … "
      "OPM employees | FY 2018 Results: 4.44"]),
])
def test_no_row_when_none_answers_alone(question, texts):
    assert asked_row(question, texts) is None


@pytest.fixture
def store(tmp_path):
    s = ConversationStore(tmp_path / "c.sqlite3")
    yield s
    s.close()


def _assistant(store, backend: FakeBackend, text: str, company: str) -> Assistant:
    hits = [Hit("/docs/filing.pdf", 2, text, 0.9, "filings", document=f"{company} · Form 10-Q")]
    return Assistant(store=store, backend_factory=lambda: backend, settings=Settings(),
                     retriever_factory=lambda: FakeRetriever(hits), grounding=fake_grounding)


def test_a_decline_gives_way_to_the_row(store):
    question = "What was Apple's net income in the quarter ended December 31, 2022?"
    backend = FakeBackend().enqueue("The documents do not contain this.")
    events = list(ask(_assistant(store, backend, NET_INCOME, "Apple Inc."), question, collections=["filings"]))
    done = events[-1].answer
    assert done.text == "The closest line in the sources [1]: “Net income | Three Months Ended December 31, 2022: 24,027”"
    assert streamed_last(events) == done.text
    assert any("table row named for what you asked" in e.text for e in events if isinstance(e, NoticeEvent))


def test_another_columns_figure_gets_the_row_under_it(store):
    question = "What were Northwind's total operating expenses for the six months ended June 30, 2024?"
    wrong = "Northwind's total operating expenses for the six months ended June 30, 2024 were $318 [1]."
    events = list(ask(_assistant(store, FakeBackend().enqueue(wrong), OPEX_SIX, "Northwind Traders, Inc."), question, collections=["filings"]))
    done = events[-1].answer
    assert done.text == f"{wrong}\n\nThe closest line in the sources [1]: “Total operating expenses | Six Months Ended " \
                        "June 30, 2024: 701”"
    assert streamed_last(events) == done.text
    assert any("its figure is not the one in this answer" in e.text for e in events if isinstance(e, NoticeEvent))
    # The right figure gets nothing under it.
    cites = [Citation(1, "/docs/nwt.pdf", 2, OPEX_SIX)]
    assert row_evidence(question, cites, "They were 701 [1].") is None
