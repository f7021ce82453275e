"""The topical-evidence check that lets an off-topic question return no passages."""

import pytest

from desktop_app.rag.retriever import covers_topic, topic_words


@pytest.mark.parametrize(
    "question, passage, covered",
    [
        ("How low did employee attrition fall?", "Employee attrition fell to 7% in 2022.", True),
        ("What is the boiling point of mercury?", "VALUE will contain a two's complement integer; the point is...", False),
        ("Why did the cafeteria switch to a plant-based menu?", "The cafeteria switched to a plant-based menu on Mondays.", True),
        ("Who won the 2018 football world cup?", "The DER decoder reads a tag, a length and a value.", False),
        ("What is it?", "Anything at all.", False),  # no content words: no evidence
    ],
)
def test_covers_topic(question, passage, covered):
    assert covers_topic(question, passage) is covered


def test_topic_words_drop_stopwords_and_short_words():
    assert topic_words("What is the unit price of part QX-10768?") == {"unit", "price", "part", "10768"}
