"""Fusion, keyword queries, the relevance floor and grounded prompts (with fakes)."""

from __future__ import annotations

import pytest

from desktop_app.core.records import Hit, Message
from desktop_app.rag.embedder import FakeEmbedder
from desktop_app.rag.fake import InMemoryVectorStore
from desktop_app.rag.keyword_store import KeywordStore, match_expression
from desktop_app.rag.prompting import build_grounded_prompt
from desktop_app.rag.retriever import (
    HybridRetriever,
    RetrievalConfig,
    exact_ranking,
    is_contents_listing,
    reciprocal_rank_fusion,
    specific_terms,
)
from desktop_app.rag.vector_store import StoredChunk


@pytest.mark.parametrize(
    "rankings, expected_order",
    [
        ([["a", "b", "c"]], ["a", "b", "c"]),
        ([["a", "b"], ["b", "a"]], None),  # a tie: both 1/61 + 1/62
        ([["a", "b", "c"], ["c", "b"]], ["c", "b", "a"]),  # 1/63+1/61 > 2/62 > 1/61
        ([["x"], [], ["x", "y"]], ["x", "y"]),
    ],
)
def test_reciprocal_rank_fusion(rankings, expected_order):
    scores = reciprocal_rank_fusion(rankings)
    if expected_order is None:
        assert scores["a"] == pytest.approx(scores["b"])
    else:
        assert sorted(scores, key=lambda k: -scores[k]) == expected_order
    assert scores[next(iter(rankings[0]))] >= 1 / 61 - 1e-12


@pytest.mark.parametrize(
    "query, expected",
    [
        ("What is the price of part QX-10768?", '"price" OR "part" OR "qx-10768"'),
        ("revenue in 2024, and 56,517.3?", '"revenue" OR "2024" OR "56,517.3" OR "sales"'),  # a statement says "net sales"
        ("the of and", ""),
        ('quote " injection', '"quote" OR "injection"'),
    ],
)
def test_match_expression(query, expected):
    assert match_expression(query) == expected


def test_specific_terms_and_exact_ranking():
    assert specific_terms("Price of QX-10768 in 2024?") == ["qx-10768", "2024"]
    chunks = {
        "a": StoredChunk("a", "s", 1, "default", "QX-10768 Hinge 88.64 in 2024"),
        "b": StoredChunk("b", "s", 2, "default", "QX-10769 Hinge 2024"),
        "c": StoredChunk("c", "s", 3, "default", "nothing"),
    }
    assert exact_ranking("Price of QX-10768 in 2024?", chunks) == ["a", "b"]
    assert exact_ranking("no figures here", chunks) == []
    # a figure found in most candidates (a year in a filing) carries no information
    many = {**chunks, "d": StoredChunk("d", "s", 4, "default", "2024 results"),
            "e": StoredChunk("e", "s", 5, "default", "in 2024 we")}
    assert exact_ranking("What happened in 2024?", many) == []
    assert exact_ranking("QX-10769 in 2024", many)[0] == "b"
    # ties follow the prior rankings
    tie = {"x": StoredChunk("x", "s", 1, "default", "code 77"), "y": StoredChunk("y", "s", 2, "default", "code 77")}
    assert exact_ranking("code 77", tie, [["y", "x"]]) == ["y", "x"]


def chunk(cid, text, collection="default", page=1):
    return StoredChunk(cid, f"/docs/{collection}.pdf", page, collection, text)


@pytest.fixture
def retriever(tmp_path):
    emb = FakeEmbedder()
    vectors = InMemoryVectorStore()
    keywords = KeywordStore(tmp_path / "kw.sqlite3")
    chunks = [
        chunk("1", "The turbine gearbox must be serviced every 400 hours of operation."),
        chunk("2", "Catalogue: part QX-10768 hinge costs 88.64; part QX-10769 hinge costs 91.10."),
        chunk("3", "Payroll is processed on the last working day of each month.", collection="hr", page=4),
        chunk("4", "Catalogue: part QX-20001 washer costs 1.10; part QX-20002 washer costs 1.20."),
    ]
    vectors.upsert(chunks, emb.embed([c.text for c in chunks]))
    keywords.upsert(chunks)
    return HybridRetriever(emb, vectors, keywords, on_device_only=lambda: ["hr"])


def test_hybrid_finds_exact_code(retriever):
    hits = retriever.retrieve("How much does part QX-10768 cost?", k=2)
    assert hits[0].chunk_id == "2"
    assert all(h.similarity is not None and h.similarity >= FakeEmbedder.relevance_floor for h in hits)
    assert hits[0].score > hits[-1].score or len(hits) == 1


def test_unrelated_question_returns_nothing(retriever):
    assert retriever.retrieve("sourdough bread baking recipe yeast") == []


def test_collections_filter_and_on_device_only_flag(retriever):
    hits = retriever.retrieve("When is payroll processed each month?", collections=["hr"])
    assert [h.chunk_id for h in hits] == ["3"]
    assert hits[0].on_device_only and hits[0].page == 4 and hits[0].collection == "hr"
    assert all(h.collection == "default" for h in retriever.retrieve("payroll turbine catalogue", collections=["default"]))


def test_contents_and_index_pages_rank_after_the_page_with_the_content(tmp_path):
    emb = FakeEmbedder()
    vectors = InMemoryVectorStore()
    keywords = KeywordStore(tmp_path / "kw.sqlite3")
    # Short and dense with the term, the index page wins both the vector and the BM25 ranking.
    index_page = chunk("idx", "asn1_der_coding . . . . . . . 17 asn1_der_decoding . . . . . . 18 "
                              "asn1_delete_structure . . . . 12", page=36)
    content = chunk("fn", "int asn1_der_coding (asn1_node element, const char *name, void *ider, int *len, "
                          "char *ErrorDescription) creates the DER encoding of the structure element, or of the "
                          "part of it named by name, into ider; len holds the size of the buffer on entry and "
                          "the length of the encoding on return.", page=17)
    vectors.upsert([index_page, content], emb.embed([index_page.text, content.text]))
    keywords.upsert([index_page, content])
    everything = RetrievalConfig(min_similarity=-1, min_best_similarity=-1)  # ranking only, no floors
    hits = HybridRetriever(emb, vectors, keywords, config=everything).retrieve("What does asn1_der_coding do?", k=2)
    assert [h.page for h in hits] == [17, 36]  # demoted, not dropped


@pytest.mark.parametrize("text, listing", [
    ("Item 1. Financial Statements ........ 3 Item 2. Management's Discussion ....... 25 Item 3. Risk ..... 40", True),
    ("Revenue was 56,517.3 million.... up 12% from last year. Costs rose... 4 percent.", False),
    ("Introduction . . . . . . 1", False),
    ("Revenue . . . . . . 56,517 Cost of revenue . . . . . 17,000 Gross margin . . . . . . 39,517.3", False),
    ("Index asn1_bit_der . . . . . . 17. asn1_check_version . . . . . 23, asn1_copy_node . . . . 11", True),
])
def test_is_contents_listing(text, listing):
    assert is_contents_listing(text) is listing


def test_vector_only_mode_skips_keywords(retriever):
    retriever.config = RetrievalConfig(mode="vector", min_similarity=-1, merge_same_page=False)
    assert len(retriever.retrieve("QX-10768", k=4)) == 4


def count_words(messages: list[Message]) -> int:
    return sum(len(m.content.split()) for m in messages)


def hits(n: int, words: int = 50) -> list[Hit]:
    return [Hit(f"/docs/report{i}.pdf", i + 1, " ".join([f"w{i}"] * words), 1.0 - i / 10) for i in range(n)]


def test_grounded_prompt_numbers_and_quotes_sources():
    text, cites = build_grounded_prompt("What is w0?", hits(2, 5), 500, count_words)
    assert [c.number for c in cites] == [1, 2]
    assert '[1] report0.pdf, page 1:\n"w0 w0 w0 w0 w0"' in text
    assert '[2] report1.pdf, page 2:' in text
    assert "only the sources" in text and "[1]" in text
    assert text.rstrip().endswith("Question: What is w0?")
    assert cites[0].source == "/docs/report0.pdf" and cites[0].page == 1


def test_grounded_prompt_citations_carry_the_documents_label_for_the_claim_check():
    label = "National Transportation Safety Board · Aviation Accident Final Report, Death Valley, CA · November 29, 2007"
    hit = Hit("/docs/20071231X02009.pdf", 2, "Flight Time: 119 hours (Total, all aircraft)", 1.0, document=label)
    text, cites = build_grounded_prompt("How many hours?", [hit], 500, count_words)
    assert '[1] 20071231X02009.pdf, page 2:\n"Flight Time: 119 hours' in text and "Death Valley" not in text
    assert cites[0].document == label and cites[0].to_json()["document"] == label


@pytest.mark.parametrize("budget", [60, 120, 200, 400])
def test_grounded_prompt_stays_within_budget(budget):
    text, cites = build_grounded_prompt("Q?", hits(5, 50), budget, count_words)
    if cites:
        assert count_words([Message("user", text)]) <= budget
        assert [c.number for c in cites] == list(range(1, len(cites) + 1))
    else:
        assert text == "Q?"


def test_grounded_prompt_shortens_the_last_passage_rather_than_dropping_it():
    long_hit = [Hit("/d/a.pdf", 3, " ".join(["alpha"] * 400), 1.0)]
    text, cites = build_grounded_prompt("Q?", long_hit, 150, count_words)
    assert len(cites) == 1 and cites[0].text.endswith("…")
    assert count_words([Message("user", text)]) <= 150


def test_a_comparison_takes_the_named_documents_passages_in_turns():
    from desktop_app.rag.retriever import _each_document_first

    # One document's passages outrank the other's: the other still gets as many of the first k.
    chunks = {f"{doc}{i}": StoredChunk(f"{doc}{i}", f"/r/{doc}.pdf", i, "default", "text")
              for doc in "ab" for i in range(1, 4)}
    ranked = ["a1", "a2", "a3", "b1", "b2", "b3"]
    assert _each_document_first(ranked, chunks, ["/r/a.pdf", "/r/b.pdf"], 5) == ["a1", "b1", "a2", "b2", "a3", "b3"]
    assert _each_document_first(["a1", "a2", "b1"], chunks, ["/r/a.pdf", "/r/b.pdf"], 2) == ["a1", "b1", "a2"]


def test_who_signed_brings_the_letters_signature_block_among_the_first_hits(tmp_path, monkeypatch):
    """The signature shares no word with "who signed ... report": only the role ranking finds it."""
    from desktop_app.rag import retriever as retriever_module

    emb = FakeEmbedder()
    vectors = InMemoryVectorStore()
    keywords = KeywordStore(tmp_path / "kw.sqlite3")
    pages = [chunk(f"r{n}", f"The annual performance report for fiscal year 2019 describes goal {n}: the agency "
                            f"report on retirement services, hiring and the annual performance of programs.", page=n + 10)
             for n in range(8)]
    pages.append(chunk("office", "Questions about this report go to the Office of the Director, Retirement Services.", page=3))
    signature = chunk("sig", "drawing on lessons learned from our performance.\nDale Cabaniss\nDirector\nFebruary 10, 2020",
                      page=5)
    everything = [*pages, signature]
    vectors.upsert(everything, emb.embed([c.text for c in everything]))
    keywords.upsert(everything)
    no_floor = RetrievalConfig(min_similarity=-1, min_best_similarity=-1)
    search = HybridRetriever(emb, vectors, keywords, config=no_floor)
    question = "Who signed the agency's annual performance report for fiscal year 2019?"

    assert "sig" in [h.chunk_id for h in search.retrieve(question, k=3)][:1]
    assert "office" not in [h.chunk_id for h in search.retrieve(question, k=3)]  # an office, not a name
    monkeypatch.setattr(retriever_module, "ROLE_WEIGHT", 0.0)
    assert "sig" not in [h.chunk_id for h in search.retrieve(question, k=3)]  # what the ranking adds
