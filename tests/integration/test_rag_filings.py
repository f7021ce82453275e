"""Quarterly and annual filings as PDFs, indexed by the real pipeline (real Chroma, the real MiniLM):
each filing knows its company and period, and questions naming "the latest 10-Q", a fiscal quarter
or a statement's column find the figure of that filing."""

from __future__ import annotations

import os

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.services.library import Library
from tests.filing_fixtures import FILINGS, filing_questions, write_filings
from tests.rag_fixtures import drain

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def filings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("filings")
    facts = write_filings(folder)
    library = Library(AppPaths.resolve(tmp_path_factory.mktemp("filings-home")), Settings(), MachinePolicy())
    report = drain(library.index([str(folder)], "filings"))
    assert report.ok and report.files_indexed == len(FILINGS)
    yield library, facts
    library.close()


def test_each_filing_knows_its_company_form_and_period(filings):
    library, _facts = filings
    metas = {os.path.basename(path): meta for path, meta in library.document_meta.all().items()}
    assert metas["nwt-20240331.pdf"].organisation == "Northwind Traders, Inc."
    assert (metas["aapl-20230701.pdf"].doc_type, metas["aapl-20230701.pdf"].period) == \
        ("Form 10-Q", "quarterly period ended July 1, 2023")
    assert metas["aapl-20220924.pdf"].doc_type == "Form 10-K"
    assert not any("Commission" in meta.title for meta in metas.values())


def test_a_statement_row_keeps_its_columns_in_the_passage(filings):
    library, facts = filings
    hits = library.retriever().retrieve("Apple latest 10-Q total gross margin three months ended July 1, 2023", k=5)
    figure = facts["aapl-20230701.pdf"]["gross_margin"][0]
    assert any(f"Three Months Ended July 1, 2023: {figure}" in h.text for h in hits)


def test_period_questions_find_the_figure_of_their_filing(filings):
    library, facts = filings
    retriever = library.retriever()
    missed = []
    for q in filing_questions(facts):
        hits = retriever.retrieve(q["question"], k=5)
        texts = " ".join(h.text for h in hits)
        if not all(a in texts for a in q["answers"]):
            missed.append(q["question"])
    # 18 of 18 when written; before this change 14 of 18 (the latest 10-Q, a fiscal quarter, a year-earlier column).
    assert len(missed) <= 1, missed


def test_the_prompt_keeps_the_figure_asked_for(filings):
    # What the model reads: the retrieved passages cut to the sentences that matter (passage_focus).
    from desktop_app.rag.prompting import build_grounded_prompt

    from desktop_app.rag.row_answer import asked_row

    library, facts = filings
    retriever = library.retriever()
    missed, no_row, wrong_row = [], [], []
    for q in filing_questions(facts):
        prompt, citations = build_grounded_prompt(q["question"], retriever.retrieve(q["question"], k=5), 1200,
                                                  lambda messages: sum(len(m.content) for m in messages) // 4)
        if not all(a in prompt for a in q["answers"]):
            missed.append(q["question"])
        row = asked_row(q["question"], [c.text for c in citations])  # what a decline gives way to
        if row is None:
            no_row.append(q["question"])
        elif not all(a in row[1] for a in q["answers"]):
            wrong_row.append((q["question"], row[1]))
    # 25 of 26 when written (Contoso's "revenue" finds the statement's second half only); 19 of 26
    # before words such as "latest", "10-Q" and "report" counted nothing within the filing and the
    # row labelled with the asked measure ranked first.
    assert len(missed) <= 2, missed
    # The row of the asked measure with the one figure of the asked period: 24 of 26 when written
    # (none for the comparison, nor for "revenue"), none of another period or measure.
    assert len(no_row) <= 3 and not wrong_row, (no_row, wrong_row)
