"""Retrieval quality and index behaviour with the real embedder (all-MiniLM-L6-v2) and real Chroma."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.core.records import Message
from desktop_app.rag.embedder import MiniLMEmbedder
from desktop_app.rag.prompting import build_grounded_prompt
from desktop_app.rag.retriever import RetrievalConfig
from desktop_app.services.library import Library
from tests.rag_fixtures import UNRELATED_QUESTIONS, drain

pytestmark = pytest.mark.slow


class CountingEmbedder(MiniLMEmbedder):
    """The real embedder, counting how many texts it embedded."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded = 0

    def embed(self, texts):
        self.embedded += len(texts)
        return super().embed(texts)


@pytest.fixture(scope="module")
def indexed(rag_corpus, tmp_path_factory):
    folder, questions = rag_corpus
    home = tmp_path_factory.mktemp("rag-home")
    embedder = CountingEmbedder()
    library = Library(AppPaths.resolve(home), Settings(), MachinePolicy(), embedder=embedder)
    report = drain(library.index([str(folder)], "reports"))
    assert report.ok and report.files_indexed == 4
    yield library, questions, report, embedder
    library.close()


def hit_at(library, questions, k, mode="hybrid", first_only=False):
    retriever = library.retriever()
    retriever.config = RetrievalConfig(mode=mode)
    found = 0
    for q in questions:
        hits = retriever.retrieve(q.text, k=k)
        pages = [(Path(h.source).name, h.page) for h in hits]
        if (q.file, q.page) in (pages[:1] if first_only else pages):
            found += 1
    return found / len(questions)


def test_hit_at_5_by_page_is_at_least_0_9(indexed):
    library, questions, _, _ = indexed
    assert hit_at(library, questions, 5) >= 0.9


def test_hybrid_beats_vector_only_on_exact_figures(indexed):
    library, questions, _, _ = indexed
    exact = [q for q in questions if q.exact]
    assert len(exact) >= 5
    hybrid = hit_at(library, exact, 1, "hybrid", first_only=True)
    vector = hit_at(library, exact, 1, "vector", first_only=True)
    assert hybrid > vector
    assert hybrid >= 0.9


def test_unrelated_questions_find_nothing(indexed):
    library, _, _, _ = indexed
    for question in UNRELATED_QUESTIONS:
        assert library.search(question) == [], question


def test_chunks_fit_the_model_window_and_keep_one_page(indexed):
    library, _, _, embedder = indexed
    vectors = library.indexer.vectors
    stored = vectors._collection.get(include=["metadatas"])
    texts = library.indexer.keywords.by_ids(stored["ids"])  # Chroma keeps no texts (the keyword store does)
    assert len(texts) == len(stored["ids"])
    counts = embedder.count_tokens([c.text for c in texts.values()])
    assert max(counts) <= embedder.max_tokens - 2  # what the model reads besides [CLS] and [SEP]
    for meta in stored["metadatas"]:
        assert isinstance(meta["page"], int) and meta["page"] >= 1


def test_both_stores_agree_and_manifest_counts_match(indexed):
    library, _, report, _ = indexed
    kw_ids = library.indexer.keywords.ids()
    assert len(kw_ids) == len(set(kw_ids)) == report.chunks
    assert set(kw_ids) == library.indexer.vectors.ids()
    assert sum(d.chunks for d in library.documents()) == report.chunks
    (col,) = library.collections()
    assert (col.name, col.documents, col.pages) == ("reports", 4, report.pages)


def test_unchanged_corpus_is_not_embedded_again(indexed, rag_corpus):
    library, _, report, embedder = indexed
    before = embedder.embedded
    again = drain(library.index([str(rag_corpus[0])], "reports"))
    assert again.files_unchanged == 4 and again.files_indexed == 0
    assert embedder.embedded == before


def test_on_device_only_collection_marks_hits(indexed):
    library, questions, _, _ = indexed
    library.set_on_device_only("reports", True)
    try:
        hits = library.search(questions[0].text, k=2, collections=["reports"])
        assert hits and all(h.on_device_only for h in hits)
        assert library.collections()[0].on_device_only
        assert library.search(questions[0].text, collections=["other"]) == []
    finally:
        library.set_on_device_only("reports", False)


def test_grounded_prompt_from_real_hits_cites_the_right_page(indexed):
    library, questions, _, embedder = indexed
    q = questions[1]
    hits = library.search(q.text, k=3)

    def count(messages: list[Message]) -> int:
        return sum(embedder.count_tokens([m.content])[0] for m in messages)

    text, cites = build_grounded_prompt(q.text, hits, 400, count)
    assert cites and count([Message("user", text)]) <= 400
    assert (Path(cites[0].source).name, cites[0].page) == (q.file, q.page)
    assert "[1]" in text and q.text in text


def test_remove_document_removes_it_from_both_indexes(rag_corpus, tmp_path):
    folder, _ = rag_corpus
    library = Library(AppPaths.resolve(tmp_path / "h"), Settings(), MachinePolicy(), embedder=MiniLMEmbedder())
    try:
        drain(library.index([str(folder / "parts-catalogue.pdf")], "parts"))
        assert library.search("unit price of part", collections=["parts"])
        library.remove_document(str(folder / "parts-catalogue.pdf"))
        assert library.documents() == [] and library.retriever() is None
        assert library.indexer.vectors.count() == 0 and library.indexer.keywords.count() == 0
    finally:
        library.close()
