"""KeywordStore.unmentioned: which words no chunk of the given collections holds (the Assistant's
library-wide name check, services/named_terms.names_to_look_up)."""

from __future__ import annotations

from desktop_app.rag.keyword_store import KeywordStore
from desktop_app.rag.vector_store import StoredChunk


def test_words_are_found_as_words_or_word_starts_within_the_given_collections(tmp_path):
    store = KeywordStore(tmp_path / "kw.sqlite3")
    try:
        store.upsert([
            StoredChunk("a", "/r/ntsb.pdf", 1, "reports", "The Beech A23 landed hard at Death Valley, CA. TADs were placed."),
            StoredChunk("b", "/r/trial.pdf", 2, "trials", "Sponsored by Pfizer Inc. in O'Hare's catchment."),
        ])
        assert store.unmentioned(["Beech", "Honolulu", "TAD"], ["reports"]) == ["Honolulu"]  # "TADs" holds "TAD"
        assert store.unmentioned(["Pfizer"], ["reports"]) == ["Pfizer"]  # another collection's text does not count
        assert store.unmentioned(["Pfizer", "O'Hare"], None) == []
        assert store.unmentioned(['"', "Death Valley"], ["reports"]) == []  # nothing to look up, and a phrase
    finally:
        store.close()
