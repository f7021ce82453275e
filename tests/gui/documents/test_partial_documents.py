"""A partly indexed scan in the documents panel: the tree and the end-of-run line say how far it got
and that adding it again continues it (issue 11)."""

from __future__ import annotations

from desktop_app.gui.documents.formatting import report_summary
from desktop_app.gui.documents.tree import KEY_ROLE, DocumentTreeView
from desktop_app.rag.records import CollectionInfo, DocumentInfo, IndexReport, PartialFile


def test_the_tree_shows_a_partly_indexed_document_and_how_to_continue(qtbot):
    tree = DocumentTreeView()
    qtbot.addWidget(tree)
    partial = DocumentInfo("/scans/survey.pdf", "default", 120, 300, 0.0, partial=True, pages_total=500)
    whole = DocumentInfo("/docs/memo.pdf", "default", 3, 9, 0.0, pages_total=3)
    tree.populate([CollectionInfo("default", 2, 123, 309)], [partial, whole], {"default"})
    top = tree.topLevelItem(0)
    items = {top.child(i).data(0, KEY_ROLE): top.child(i) for i in range(top.childCount())}
    item, other = items["/scans/survey.pdf"], items["/docs/memo.pdf"]
    assert item.text(1) == "120 of 500"
    assert "Partly indexed (120 of 500 pages) — add it again to continue" in item.toolTip(0)
    assert other.text(1) == "3" and "Partly" not in other.toolTip(0)


def test_the_end_of_run_line_names_what_a_cancel_kept():
    report = IndexReport(cancelled=True, partial=[PartialFile("/scans/survey.pdf", 120, 500)])
    line = report_summary(report)
    assert line.startswith("Indexing cancelled. No new file indexed")
    assert "survey.pdf partly indexed (120 of 500 pages) — add it again to continue" in line
