"""Document metadata: extraction heuristics, headers, table rows, question hints, storage and upgrade (fakes)."""

from __future__ import annotations

import json

import pytest

from desktop_app.rag.doc_meta import DocumentMeta, header, strip_header
from desktop_app.rag.doc_meta_extract import extract
from desktop_app.rag.doc_periods import period_years
from desktop_app.rag.doc_meta_store import DocumentMetaStore
from desktop_app.rag.embedder import FakeEmbedder
from desktop_app.rag.fake import InMemoryVectorStore
from desktop_app.rag.indexer import Indexer, IndexOptions
from desktop_app.rag.keyword_store import KeywordStore
from desktop_app.rag.manifest import Manifest
from desktop_app.rag.query_hints import parse, resolve
from desktop_app.rag.retriever import HybridRetriever
from desktop_app.rag.table_rows import rewrite_tables
from tests.rag_fixtures import drain

OPM_2019 = DocumentMeta(title="Annual Performance Report Fiscal Year 2019", organisation="Office of Personnel Management",
                        doc_type="Annual Performance Report", period="FY 2019", year_from=2019, year_to=2019, sort_date="2019")


@pytest.mark.parametrize(
    "info, pages, expected",
    [
        ({"/Title": "OPM Annual Performance Report Fiscal Year 2019", "/Author": "United States Office of Personnel Management"},
         ["United  StateS  Office  Of  PerSOnnel  ManageMent\n   Annual Performance Report\n   Fiscal Year 2019\nOPM.GOV   FEBRUARY 2020"],
         {"title": "OPM Annual Performance Report Fiscal Year 2019", "organisation": "United States Office of Personnel Management",
          "doc_type": "Annual Performance Report", "period": "FY 2019", "year_from": 2019}),
        ({"/Title": "DOL2022", "/Author": "Turn-Key Systems Pty Ltd"},
         ["U.S. DEPARTMENT OF LABOR FY 2022 – 2026 Strategic Plan\nThis Strategic Plan meets the requirements."],
         {"doc_type": "Strategic Plan", "period": "FY 2022–2026", "year_from": 2022, "year_to": 2026,
          "organisation": "U.S. Department of Labor"}),
        ({}, ["National Transportation Safety Board\n        Aviation Accident Final Report\n\n"
              "Location:      Elyria, OH          Accident Number:     CHI08CA048\n"
              "Date & Time:   12/11/2007, 1430 EST    Registration:    N2699G\n"],
         {"organisation": "National Transportation Safety Board", "doc_type": "Aviation Accident Final Report",
          "title": "Aviation Accident Final Report, Elyria, OH", "period": "December 11, 2007",
          "reference": "CHI08CA048", "sort_date": "2007-12-11"}),
        ({}, ["A Quarterly Report\nApple Inc.\nFor the quarterly period ended July 1, 2023\n"],
         {"period": "quarterly period ended July 1, 2023", "sort_date": "2023-07-01"}),
        ({"/Title": "临床试验 知情同意书 模板"}, ["Study Protocol\nOfficial Title: Sensor driven smart faucet for spinal cord injury\n"],
         {"title": "Sensor driven smart faucet for spinal cord injury", "doc_type": "Study Protocol"}),
    ],
)
def test_extract_reads_identity_from_metadata_and_first_pages(info, pages, expected):
    meta = extract("NCT06159946_Prot_000.pdf" if "faucet" in pages[0] else "doc.pdf", info, pages)
    for key, value in expected.items():
        assert getattr(meta, key) == value, key


def test_extract_takes_the_nct_number_from_the_file_name():
    assert extract("NCT06151600_Prot_000.pdf", {}, ["Some protocol text"]).reference == "NCT06151600"


def test_header_and_strip_header_round_trip():
    line = header(OPM_2019, 26)
    assert line == "Office of Personnel Management · Annual Performance Report Fiscal Year 2019 · page 26"
    assert strip_header(f"{line}\nThe passage.", 26) == "The passage."
    assert strip_header("No header here\nsecond line", 26) == "No header here\nsecond line"
    assert strip_header(f"{line}\nThe passage.", 27).startswith("Office")  # another page's header is text


def test_meta_json_round_trip_and_user_period():
    assert DocumentMeta.from_json(OPM_2019.to_json()) == OPM_2019
    assert DocumentMeta.from_json("not json") == DocumentMeta()
    changed = OPM_2019.updated(period="FY 2020")
    assert (changed.year_from, changed.year_to, changed.covers(2020), changed.covers(2019)) == (2020, 2020, True, False)
    assert period_years("fiscal years 2022-2026") == ((2022, 2026), "2026")


def test_table_rows_get_their_column_headers_only_when_aligned():
    page = "\n".join([
        " Table        Measure          FY 2018      FY 2019      Target",
        "",
        "  4.1 A   Collaborative         61.6%        65.1%       ≥62.5%",
        "Prose that is not a table at all.",
    ])
    out = rewrite_tables(page).split("\n")
    assert "FY 2019: 65.1%" in out[2] and "FY 2018: 61.6%" in out[2] and out[2].startswith("4.1 A")
    assert out[3] == "Prose that is not a table at all."
    shifted = "\n".join([
        "  Name        FY 2018      FY 2019      Target",
        "  Score   61.6%   65.1%   63.5%   12.0%   14.0%",  # more figures than columns: left alone
    ])
    assert rewrite_tables(shifted) == shifted


def test_a_header_set_off_from_its_figures_is_matched_by_counting_its_columns():
    # Each header cell lies 10-15 characters right of its figure (set in another font): no overlap.
    page = "\n".join([
        "  Measure                FY 2017 Result   FY 2018 Result   FY 2019 Result   FY 2019 Target   Met/Not Met",
        "  Days to process   55.2            58.6            55.7            ≤60              Met",
    ])
    row = rewrite_tables(page).split("\n")[1]
    assert row == "Days to process | FY 2017 Result: 55.2 | FY 2018 Result: 58.6 | FY 2019 Result: 55.7 | FY 2019 Target: ≤60 | Met"
    # One cell short (a blank column): counting cannot tell which, so the row stays as it was.
    short = page.split("\n")[0] + "\n  Days to process   55.2            58.6            ≤60              Met"
    assert rewrite_tables(short) == short
    # Columns whose names do not tell them apart ("Result", "Result") say nothing: left alone.
    nameless = "\n".join([
        "  Measure                Result           Result           Result           Target           Met/Not Met",
        "  Days to process   55.2            58.6            55.7            ≤60              Met",
    ])
    assert rewrite_tables(nameless) == nameless


def test_a_row_one_cell_short_of_an_empty_trend_column_is_counted_without_it():
    page = "\n".join([
        "  Measure                FY 2017 Result   FY 2018 Result   FY 2019 Result   FY 2019 Target   FY 2015-2019 Trend",
        "  Days to process   55.2            58.6            55.7            ≤60",
    ])
    row = rewrite_tables(page).split("\n")[1]
    assert row == "Days to process | FY 2017 Result: 55.2 | FY 2018 Result: 58.6 | FY 2019 Result: 55.7 | FY 2019 Target: ≤60"
    # Short of another column than the trend, the row stays as it was.
    short = page.replace("FY 2015-2019 Trend", "FY 2020 Target")
    assert rewrite_tables(short) == short


def test_a_year_stacked_over_one_heading_names_that_column_only():
    # As the FY 2016 report lays it out: "FY 2012" over "Results", the target's "FY 2016" and the
    # trend's "FY 2012-" over headings run together, a status line between header and row.
    page = "\n".join([
        " " * 144 + "FY 2016              FY 2012-",
        "               FY 2012" + " " * 106 + "Target               FY 2016",
        "               Results                FY 2013 Results                FY 2014 Results                FY 2015 Results"
        "                FY 2016 Results                FY 2016 TargetMet/Trend",
        " " * 143 + "Not Met",
        "                 N/A*                        91%                        88%                       85%"
        "                      92.5%                    ≥85%                      Met",
    ])
    row = rewrite_tables(page).split("\n")[4]
    assert row == ("FY 2012 Results: N/A* | FY 2013 Results: 91% | FY 2014 Results: 88% | FY 2015 Results: 85% | "
                   "FY 2016 Results: 92.5% | FY 2016 Target: ≥85% | Met")
    # A word on such a partial line ("Target") never names a column by itself.
    assert "Target Results" not in row and "Target FY" not in row


def test_a_target_stacked_on_the_line_above_its_comparator_is_read_with_the_row():
    # As the FY 2017 report lays it out: the target's value and its Met/Not Met on the label's
    # line, its "≤" on the line of the results.
    header = ("                          Measure                   FY 2013 Results     FY 2014 Results      "
              "FY 2015 Results      FY 2016 Results      FY 2017 Results        FY 2017 Target Met/ Trend")
    above = (" 7.03A        Average unit cost (direct labor only) for processing" + " " * 64 + "$128.15~"
             + " " * 26 + "Not Met")
    row = ("             retirement claims                              $91.37        $129.83        $124.48        "
           "$127.86        $135.05      ≤")
    lines = rewrite_tables("\n".join([header, above, row])).split("\n")
    assert lines[2] == ("retirement claims | FY 2013 Results: $91.37 | FY 2014 Results: $129.83 | FY 2015 Results: "
                        "$124.48 | FY 2016 Results: $127.86 | FY 2017 Results: $135.05 | FY 2017 Target: ≤$128.15~ | Not Met")
    # The label's line keeps its words only: no reader takes the target for another column's figure.
    assert lines[1] == "7.03A Average unit cost (direct labor only) for processing"
    # A lone comparator with no figure above it, or a line above holding two figures, stays as it was.
    for other in (above.replace("$128.15~", "        "), above.replace("Not Met", "$1.00  ")):
        assert rewrite_tables("\n".join([header, other, row])).split("\n")[2].endswith("$135.05 | ≤")


def test_a_heading_cell_is_split_before_a_status_heading_but_not_inside_one():
    from desktop_app.rag.table_rows import _unglued
    parts = [t for _s, _e, t in _unglued([(10, 35, "FY 2017 Target Met/ Trend"), (40, 63, "FY 2020 TargetMet/Trend"),
                                          (70, 82, "Met/ Not Met"), (90, 105, "FY 2016 Results")])]
    assert parts == ["FY 2017 Target", "Met/ Trend", "FY 2020 Target", "Met/Trend", "Met/ Not Met", "FY 2016 Results"]


def test_question_hints_resolve_years_organisations_and_latest():
    docs = {f"/r/{y}.pdf": DocumentMeta(title=f"Annual Performance Report Fiscal Year {y}", organisation="Office of Personnel Management",
                                        doc_type="Annual Performance Report", period=f"FY {y}", year_from=y, year_to=y,
                                        sort_date=str(y)) for y in (2018, 2019, 2022)}
    docs["/r/DOL2022.pdf"] = DocumentMeta(title="Strategic Plan", organisation="U.S. Department of Labor", doc_type="Strategic Plan",
                                          period="FY 2022–2026", year_from=2022, year_to=2026, sort_date="2026")
    assert parse("What was the score in FY 2019?").years == [2019]
    assert parse("revenue of 2,019 units").years == []
    h = resolve("What was OPM's collaborative management score in FY 2019?", docs, [])
    assert h.preferred() == ["/r/2019.pdf"] and h.strong
    h = resolve("In the latest annual performance report, what was the score?", docs, ["/r/2018.pdf"])
    assert h.preferred() == ["/r/2022.pdf"] and h.strong
    h = resolve("In the earliest OPM report, what was the score?", docs, [])
    assert h.preferred() == ["/r/2018.pdf"]
    h = resolve("What does the DOL strategic plan say about apprenticeships?", docs, [])
    assert h.preferred() == ["/r/DOL2022.pdf"]
    h = resolve("What did the Department of Labor plan for 2024?", docs, [])
    assert h.preferred() == ["/r/DOL2022.pdf"]
    h = resolve("Compare the score in FY 2018 and FY 2019", docs, [])
    assert h.comparison and set(h.preferred()) == {"/r/2018.pdf", "/r/2019.pdf"} and not h.strong
    assert resolve("How do pumps work?", docs, []).preferred() == []


def _parts(tmp_path):
    manifest = Manifest(tmp_path / "index" / "manifest.sqlite3")
    return (manifest, DocumentMetaStore(tmp_path / "index" / "manifest.sqlite3"),
            KeywordStore(tmp_path / "index" / "keywords.sqlite3"), InMemoryVectorStore())


def _write_reports(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for year, score in ((2018, "61.6%"), (2019, "65.1%"), (2020, "63.9%")):
        (folder / f"opm-{year}.md").write_text(
            f"Office of Personnel Management\nAnnual Performance Report Fiscal Year {year}\n\n"
            f"The collaborative management score was {score} this year.\n", encoding="utf-8")


def test_headers_are_indexed_but_not_shown_and_periods_pick_the_document(tmp_path):
    manifest, meta, keywords, vectors = _parts(tmp_path)
    _write_reports(tmp_path / "docs")
    emb = FakeEmbedder()
    report = drain(Indexer(emb, vectors, keywords, manifest, metadata=meta).run([str(tmp_path / "docs")]))
    assert report.files_indexed == 3
    stored = [c.text for c in vectors.chunks.values() if c.source.endswith("opm-2019.md")]
    assert stored and all(t.startswith("Office of Personnel Management · Annual Performance Report Fiscal Year 2019 · page 1\n") for t in stored)
    assert meta.get(str(tmp_path / "docs" / "opm-2019.md")).period == "FY 2019"

    retriever = HybridRetriever(emb, vectors, keywords, documents=meta.all)
    hits = retriever.retrieve("What was the collaborative management score in FY 2019?", k=2)
    assert hits[0].source.endswith("opm-2019.md") and "65.1%" in hits[0].text
    assert not hits[0].text.startswith("Office of Personnel Management ·")  # the header is not shown
    latest = retriever.retrieve("collaborative management score in the latest annual performance report", k=1)
    assert latest[0].source.endswith("opm-2020.md")


def test_an_index_from_the_previous_version_upgrades_without_losing_collections(tmp_path):
    manifest, meta, keywords, vectors = _parts(tmp_path)
    _write_reports(tmp_path / "docs")
    emb = FakeEmbedder()
    # The previous version: plain passages, no metadata table rows.
    old = drain(Indexer(emb, vectors, keywords, manifest, options=IndexOptions.baseline()).run([str(tmp_path / "docs")], "reports"))
    assert old.files_indexed == 3 and meta.all() == {}
    report = drain(Indexer(emb, vectors, keywords, manifest, metadata=meta).run([str(tmp_path / "docs")], "reports"))
    assert (report.files_indexed, report.files_unchanged) == (3, 0)  # rewritten with headers
    assert {r.collection for r in manifest.documents()} == {"reports"}
    assert len(meta.all()) == 3
    again = drain(Indexer(emb, vectors, keywords, manifest, metadata=meta).run([str(tmp_path / "docs")], "reports"))
    assert (again.files_indexed, again.files_unchanged) == (0, 3)


def test_user_edits_survive_reindexing_and_reset_the_format(tmp_path):
    manifest, meta, keywords, vectors = _parts(tmp_path)
    _write_reports(tmp_path / "docs")
    path = str(tmp_path / "docs" / "opm-2018.md")
    drain(Indexer(FakeEmbedder(), vectors, keywords, manifest, metadata=meta).run([str(tmp_path / "docs")]))
    edited = meta.set_user(path, title="OPM report 2018 (corrected)", period="FY 2017")
    assert edited.title == "OPM report 2018 (corrected)" and edited.covers(2017) and meta.format(path) == 0
    report = drain(Indexer(FakeEmbedder(), vectors, keywords, manifest, metadata=meta).run([str(tmp_path / "docs")]))
    assert report.files_indexed == 1  # only the edited document, to rewrite its headers
    assert meta.get(path).title == "OPM report 2018 (corrected)"
    assert any(c.text.startswith("Office of Personnel Management · Annual Performance Report · OPM report 2018 (corrected)")
               for c in vectors.chunks.values() if c.source == path)
    assert json.loads(meta.get(path).to_json())["period"] == "FY 2017"
    meta.set_user(path, title="")
    assert meta.get(path).title == "Annual Performance Report Fiscal Year 2018"
    with pytest.raises(ValueError):
        meta.set_user(path, colour="red")


def test_documents_indexed_in_an_older_format_are_read_again(tmp_path):
    # Documents of an older format (2: before tables whose header is set off were read) are re-indexed once.
    manifest, meta, keywords, vectors = _parts(tmp_path)
    _write_reports(tmp_path / "docs")
    drain(Indexer(FakeEmbedder(), vectors, keywords, manifest, metadata=meta).run([str(tmp_path / "docs")]))
    path = str(tmp_path / "docs" / "opm-2018.md")
    assert meta.format(path) == IndexOptions().format == 7
    meta.put_auto(path, meta.get(path), 2)
    report = drain(Indexer(FakeEmbedder(), vectors, keywords, manifest, metadata=meta).run([str(tmp_path / "docs")]))
    assert report.files_indexed == 1 and meta.format(path) == 7
    # Format 6 (before a statement's dates run together were split into its columns) is read again too.
    meta.put_auto(path, meta.get(path), 6)
    again = drain(Indexer(FakeEmbedder(), vectors, keywords, manifest, metadata=meta).run([str(tmp_path / "docs")]))
    assert (again.files_indexed, again.files_unchanged) == (1, 2) and meta.format(path) == 7


def test_a_year_and_latest_in_one_question_name_both_documents():
    docs = {f"/r/{y}.pdf": DocumentMeta(title=f"Annual Performance Report Fiscal Year {y}", organisation="Office of Personnel Management",
                                        doc_type="Annual Performance Report", period=f"FY {y}", year_from=y, year_to=y,
                                        sort_date=str(y)) for y in (2018, 2019, 2022)}
    h = resolve("Who signed OPM's FY 2019 annual performance report, and who is Director in the most recent one?", docs, [])
    assert h.preferred() == ["/r/2019.pdf", "/r/2022.pdf"] and h.comparison


def test_a_distinctive_first_word_of_the_organisation_names_the_document():
    docs = {"/p/a.pdf": DocumentMeta(organisation="Lutronic, Inc.", doc_type="Clinical Protocol"),
            "/p/b.pdf": DocumentMeta(organisation="National Transportation Safety Board", doc_type="Aviation Accident Final Report")}
    assert resolve("Who is the investigator of the Lutronic muscle stimulation study?", docs, []).named == ["/p/a.pdf"]
    assert resolve("Which national parks were visited?", docs, []).named == []


def test_justified_prose_is_not_taken_for_a_table_row():
    prose = "\n".join([
        "Patients   receiving   blood   product   transfusions:",
        "(GM-CSF),   11.   eltrombopag,   2   at   least   weeks   between   hemoglobin",
    ])
    assert rewrite_tables(prose) == prose


def test_the_document_label_is_the_header_without_its_page():
    from desktop_app.rag.doc_meta import document_label

    text = "Office of Personnel Management · Annual Performance Report Fiscal Year 2019 · page 26\nGoal 1 ..."
    assert document_label(text, 26) == "Office of Personnel Management · Annual Performance Report Fiscal Year 2019"
    assert document_label("Budget · Sheet Budget, rows 2–40\nrow", 1, "Sheet Budget, rows 2–40") == "Budget"
    assert document_label("A chunk without a header\nsecond line", 3) == ""
    assert document_label("page 3\ntext", 3) == ""
