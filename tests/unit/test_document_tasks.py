"""Whole-document tasks with fakes: every passage is read, points cite the right pages, cancel, long documents."""

from __future__ import annotations

import pytest

from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import AppError
from desktop_app.llm.fake import FakeBackend
from desktop_app.services.document_tasks import DocumentTasks, TaskProgress
from tests.rag_fixtures import drain
from tests.unit.task_fakes import NotingBackend, PassageLibrary, document

# Each page states one distinctive fact first, then filler the fake model does not note.
FACTS = {p: f"Pump station {p} delivered {p * 110} litres of water to district {p + 40}." for p in range(1, 13)}
FILLER = ("The operators reviewed the maintenance logs and checked every valve before the morning shift began. " * 6).strip()


def long_document(path="/docs/pumps.pdf", pages=12):
    return document(path, {p: [f"{FACTS[p]} {FILLER}", FILLER] for p in range(1, pages + 1)})


def run(gen):
    events = []
    while True:
        try:
            events.append(next(gen))
        except StopIteration as stop:
            return events, stop.value


def test_every_passage_is_read_once_in_page_order_and_points_cite_their_pages():
    lib = PassageLibrary({"/docs/pumps.pdf": long_document()})
    backend = NotingBackend()
    tasks = DocumentTasks(lib, lambda: backend, group_tokens=300)
    events, result = run(tasks.summarise("/docs/pumps.pdf"))

    map_prompts = [r.messages[-1].content for r in backend.history if r.messages[-1].content.startswith("Text from")]
    assert len(map_prompts) > 3  # the document did not fit one group
    read = "\n".join(map_prompts)
    for page, fact in FACTS.items():
        assert read.count(fact) == 1, f"page {page} read {read.count(fact)} times"
    assert [read.index(f) for f in FACTS.values()] == sorted(read.index(f) for f in FACTS.values())
    assert all(r.temperature == 0.0 for r in backend.history)  # greedy

    assert result is not None and result.points
    for point in result.points:
        page = point.pages[0]
        assert f"Pump station {page} delivered" in point.text  # cites the page that states it
        assert f"(p. {page})" in result.text
    assert {(c.source, c.page) for c in result.sources} == {("/docs/pumps.pdf", p.pages[0]) for p in result.points}
    assert all(FACTS[c.page][:20] in c.text for c in result.sources)

    steps = [e for e in events if isinstance(e, TaskProgress) and e.step]
    assert [e.step for e in steps] == list(range(1, len(backend.history) + 1))
    assert steps[-1].stage == "reduce" and steps[-1].step == steps[-1].total


def test_a_wrong_or_missing_page_is_replaced_by_the_page_that_states_the_fact():
    lib = PassageLibrary({"/d.pdf": long_document("/d.pdf", pages=3)})
    backend = FakeBackend(context_length=4096)
    backend.enqueue("- Pump station 2 delivered 220 litres of water to district 42 (p. 3)\n"
                    "- Pump station 3 delivered 330 litres of water\n"
                    "- Pump station 9 delivered 990 litres to the capital city (p. 1)")  # not in the text
    _, result = run(DocumentTasks(lib, lambda: backend).summarise("/d.pdf"))
    assert [(p.text.split(" delivered")[0], p.pages) for p in result.points] == [
        ("Pump station 2", (2,)), ("Pump station 3", (3,))]
    assert "(p. 2)" in result.text and "(p. 3)" in result.text and "990" not in result.text


def test_cancel_between_model_calls_returns_nothing():
    lib = PassageLibrary({"/docs/pumps.pdf": long_document()})
    cancel = CancelToken()
    backend = NotingBackend(on_call=lambda n: cancel.cancel() if n == 1 else None)
    gen = DocumentTasks(lib, lambda: backend, group_tokens=300).summarise("/docs/pumps.pdf", cancel)
    events, result = run(gen)
    assert result is None
    assert len(backend.history) == 2  # the call under way when cancelled, and nothing after it
    assert not any(isinstance(e, TaskProgress) and e.step > 2 for e in events)


def test_notes_too_long_for_one_reduce_are_combined_in_rounds():
    lib = PassageLibrary({"/docs/pumps.pdf": long_document(pages=12)})
    backend = NotingBackend(context_length=300)  # a reduce prompt holds only a few notes
    tasks = DocumentTasks(lib, lambda: backend, group_tokens=120, note_tokens=60)
    _, result = run(tasks.summarise("/docs/pumps.pdf"))
    reduces = [r for r in backend.history if r.messages[-1].content.startswith("Notes on")]
    assert len(reduces) >= 3  # at least one round of partial reduces, then the final one
    assert all(backend.count_tokens(r.messages) + 60 <= 300 for r in backend.history)
    assert result.points and all(f"Pump station {p.pages[0]} " in p.text for p in result.points)


def test_lists_are_merged_without_repeats_in_page_order_and_none_is_no_item():
    lib = PassageLibrary({"/d.pdf": long_document("/d.pdf", pages=2)})
    backend = FakeBackend(context_length=4096)
    backend.enqueue("- Pump station 2 delivered 220 litres of water (p. 2)\n- Pump station 1 delivered 110 litres of water (p. 1)\n"
                    "- pump station 2 delivered 220 litres of water. (p. 2)")
    _, result = run(DocumentTasks(lib, lambda: backend).extract("/d.pdf", "figures"))
    assert [p.pages for p in result.points] == [(1,), (2,)]
    assert result.title == "Figures in d.pdf"

    backend.enqueue("NONE")
    _, empty = run(DocumentTasks(lib, lambda: backend).extract("/d.pdf", "deadlines"))
    assert empty.points == [] and empty.text == "No deadlines were found in d.pdf (2 pages read)."
    with pytest.raises(AppError, match="Cannot list"):
        run(DocumentTasks(lib, lambda: backend).extract("/d.pdf", "recipes"))


def test_compare_cites_each_document_by_its_letter():
    a = document("/a.pdf", {1: ["The survey counted 412 nesting birds on the island in May."],
                            2: ["Rain closed the northern trail for 9 days."]})
    b = document("/b.pdf", {1: ["The survey counted 388 nesting birds on the island in June."]})
    backend = NotingBackend(context_length=4096)
    _, result = run(DocumentTasks(PassageLibrary({"/a.pdf": a, "/b.pdf": b}), lambda: backend).compare("/a.pdf", "/b.pdf"))
    assert "(A p. 1)" in result.text and "(A p. 2)" in result.text and "(B p. 1)" in result.text
    assert {(c.source, c.page) for c in result.sources} == {("/a.pdf", 1), ("/a.pdf", 2), ("/b.pdf", 1)}
    assert result.documents == ["/a.pdf", "/b.pdf"]


def test_a_file_not_in_the_index_is_read_directly_and_nothing_is_added(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("The committee approved a budget of 5,000 dollars for new chairs.\n", encoding="utf-8")
    lib = PassageLibrary({})
    backend = NotingBackend()
    _, result = run(DocumentTasks(lib, lambda: backend).summarise(str(path)))
    assert lib.passage_calls == [] and "nothing was added to the index" in result.notices[0]
    assert result.text == "- The committee approved a budget of 5,000 dollars for new chairs (p. 1)."
    with pytest.raises(AppError, match="is not a file"):
        run(DocumentTasks(lib, lambda: backend).summarise(str(tmp_path / "missing.pdf")))


def test_library_passages_are_in_reading_order_without_headers(isolated_home, tmp_path):
    from desktop_app.config.paths import AppPaths
    from desktop_app.config.policy import MachinePolicy
    from desktop_app.config.settings import Settings
    from desktop_app.rag.embedder import FakeEmbedder
    from desktop_app.rag.fake import InMemoryVectorStore
    from desktop_app.services.library import Library

    text = "\n\n".join(f"Section {i}. " + f"Paragraph {i} talks about topic number {i}. " * 40 for i in range(1, 13))
    (tmp_path / "long.md").write_text(text, encoding="utf-8")
    lib = Library(AppPaths.resolve(isolated_home), Settings(), MachinePolicy(), embedder=FakeEmbedder(),
                  vector_store=InMemoryVectorStore())
    try:
        drain(lib.index([str(tmp_path / "long.md")]))
        path = lib.documents()[0].path
        passages = lib.passages(path)
        assert len(passages) > 12 and [p.page for p in passages] == sorted(p.page for p in passages)
        joined = " ".join(p.text for p in passages)
        positions = [joined.index(f"Section {i}.") for i in range(1, 13)]
        assert positions == sorted(positions)
        assert not any(" · page " in p.text.split("\n")[0] for p in passages)
        with pytest.raises(AppError, match="not in the document index"):
            lib.passages(str(tmp_path / "other.md"))
    finally:
        lib.close()


def test_the_window_library_process_serves_passages(monkeypatch):
    """The window's LibraryProcess relays ``passages`` to its child (the host allows the call)."""
    from desktop_app.core.records import Hit
    from tests.unit.test_library_process import FakeLibrary, ThreadHostedLibrary

    monkeypatch.setattr(FakeLibrary, "passages", lambda self, path: [Hit(path, 2, "text", 0.0)], raising=False)
    lib = ThreadHostedLibrary()
    try:
        assert lib.passages("/d/a.pdf") == [Hit("/d/a.pdf", 2, "text", 0.0)]
    finally:
        lib.close()


@pytest.mark.parametrize("line, kept", [
    ("Page 1 of 3", False),
    ("page 12", False),
    ("Certificate: Age: Airplane Rating(s): Seat Occupied: Restraint Used:", False),
    ("Further information is at http://www.example.gov for the public", False),
    ("Write to records@example.gov for copies of the report", False),
    ("Date & Time: 12/23/2007, 1200 CST", True),
    ("The pilot and two passengers sustained fatal injuries", True),
])
def test_page_furniture_is_not_a_point(line, kept):
    from desktop_app.services.page_citations import is_boilerplate

    assert is_boilerplate(line) is not kept


def test_a_partly_indexed_document_says_what_the_result_covers():
    from dataclasses import replace

    lib = PassageLibrary({"/d.pdf": long_document("/d.pdf", pages=2)})
    listed = lib.documents()
    lib.documents = lambda collection=None: [replace(listed[0], partial=True, pages_total=40)]
    _, result = run(DocumentTasks(lib, lambda: NotingBackend()).summarise("/d.pdf"))
    assert result.notices == ["d.pdf is partly indexed (2 of 40 pages): this covers those pages only. "
                              "Add it again to index the rest."]
