"""Grounded answers end to end: real Library (MiniLM + Chroma) -> Assistant -> cited prompt.

The model is the scriptable FakeBackend: what is tested here is that the right passages reach
the prompt as numbered sources with their pages, and that a question the documents do not
cover is answered with "the documents do not contain it" without asking the model at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.records import DoneEvent, SourcesEvent
from desktop_app.llm.fake import FakeBackend
from desktop_app.rag.embedder import MiniLMEmbedder
from desktop_app.rag.prompting import build_grounded_prompt
from desktop_app.services.assistant import NOT_IN_DOCUMENTS, Assistant
from desktop_app.services.library import Library
from tests.assistant_helpers import ask as ask_assistant

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def library(rag_corpus, tmp_path_factory):
    folder, _ = rag_corpus
    lib = Library(AppPaths.resolve(tmp_path_factory.mktemp("grounded")), Settings(), MachinePolicy(),
                  embedder=MiniLMEmbedder())
    gen = lib.index([str(folder / "annual-report-2022.pdf"), str(folder / "annual-report-2023.pdf")], "reports")
    for _ in gen:
        pass
    yield lib
    lib.close()


def ask(library, tmp_path, question):
    backend = FakeBackend(context_length=2048).enqueue("The office is in Nairobi [1].")
    store = ConversationStore(tmp_path / "conv.sqlite3")
    assistant = Assistant(store=store, backend_factory=lambda: backend, settings=Settings(),
                          retriever_factory=library.retriever, grounding=build_grounded_prompt)
    events = list(ask_assistant(assistant, question, collections=["reports"]))
    store.close()
    return backend, events


def test_answer_cites_the_page_that_holds_the_fact(library, tmp_path):
    backend, events = ask(library, tmp_path, "Where did the company open an office to serve East Africa?")
    (sources,) = [e for e in events if isinstance(e, SourcesEvent)]
    first = sources.sources[0]
    assert (Path(first.source).name, first.page, first.number) == ("annual-report-2022.pdf", 5, 1)
    assert "Nairobi" in first.text
    prompt = backend.history[0].messages[-1].content
    assert '[1] annual-report-2022.pdf, page 5:' in prompt and "Nairobi" in prompt
    assert "only the sources" in prompt
    done = events[-1]
    assert isinstance(done, DoneEvent) and done.answer.sources[0].page == 5


def test_question_outside_the_documents_is_not_answered_from_thin_air(library, tmp_path):
    backend, events = ask(library, tmp_path, "How do I bake sourdough bread at home?")
    assert backend.history == []  # the model was never asked
    done = events[-1]
    assert isinstance(done, DoneEvent) and done.answer.text == NOT_IN_DOCUMENTS and done.answer.sources == []
