"""A figure from a sentence about something else (claim_prose), and one that counts a list (claim_counts).

The flagged answers are what the bundled model wrote for q173 and q167 in stop 34, marked fully
supported then; the passages are excerpts of the corpus PDFs it was given. The unflagged ones are
right answers, or answers that state a figure as its source does, which must stay supported."""

from __future__ import annotations

from desktop_app.core.records import Citation, Claim
from desktop_app.rag.claim_check import check_claims
from desktop_app.rag.claim_prose import asked_words

# DOT2022.pdf (DOT Strategic Plan FY 2022-2026), page 22 (q173)
DOT = ("One in five miles (173,000 total miles) of our highways and major roads is in poor condition, as well as "
       "45,000 bridges. Our nation’s transit systems have a repair backlog of more than $105 billion, representing "
       "more than 24,000 buses, 5,000 rail cars, 200 stations, and thousands of miles of track.")
BACKLOG_Q = "How large is the transit repair backlog according to the DOT Strategic Plan FY 2022-2026?"
# DOL 2022-2026 Strategic Plan, EBSA's page (q167)
EBSA = ("Currently employing less than 800 people, it is responsible for protecting more than 154 million workers, "
        "retirees and their families who participate in about 2.5 million private pension plans.")
EMPLOYEES_Q = "According to the DOL 2022-2026 Strategic Plan, how many employees does EBSA have?"
# NCT06154122_Prot_000.pdf, page 2 (q103): an excerpt cut after "8 of"
VR = ("Participants will be asked to undertake the programme for up to 30 minutes at least three times per week for "
      "12 weeks in addition to … 8 of …")
VR_Q = "How often and for how long do participants use the VR programme in the Virtual Reality Upper Limb Therapy study?"


def _check(answer, text, question):
    return check_claims(answer, [Citation(1, "doc.pdf", 22, text)], question)


def _flags(check):
    return [(c.text, c.reason) for c in check.unsupported_key]


def test_a_figure_from_the_sentence_before_the_one_that_answers_is_flagged():
    check = _check("The transit repair backlog according to the DOT Strategic Plan FY 2022-2026 is 173,000 miles [1].",
                   DOT, BACKLOG_Q)
    assert _flags(check) == [("173,000", Claim.OTHER_FIELD)]
    (claim,) = check.claims
    assert DOT[claim.source_start:claim.source_end] == "$105 billion"  # the figure the answering sentence gives
    assert _flags(_check("The backlog is 45,000 bridges [1].", DOT, BACKLOG_Q)) == [("45,000", Claim.OTHER_FIELD)]


def test_the_answering_figure_and_a_figure_stated_as_its_source_states_it_stay_supported():
    assert not _flags(_check("The transit repair backlog is more than $105 billion [1].", DOT, BACKLOG_Q))
    assert not _flags(_check("One in five miles (173,000 total miles) of highways and major roads is in poor "
                             "condition [1].", DOT, BACKLOG_Q))
    # An excerpt's cut end ("… 8 of …") says too little to be about something else.
    assert not _flags(_check("Up to 30 minutes at least three times per week for 12 weeks, in addition to 8 of the "
                             "other games [1].", VR, VR_Q))


def test_the_question_asks_about_its_lower_case_words():
    assert asked_words(BACKLOG_Q) == {"trans", "repai", "backl"}


def test_a_count_of_a_list_is_not_a_count_of_its_first_item():
    assert _flags(_check("According to the DOL 2022-2026 Strategic Plan, EBSA has 154 million employees [1].", EBSA,
                         EMPLOYEES_Q)) == [("154 million", Claim.OTHER_MEANING)]
    assert not _flags(_check("EBSA employs less than 800 people [1].", EBSA, EMPLOYEES_Q))
    # The answer that names the whole list states what the source states.
    assert not _flags(_check("EBSA protects more than 154 million workers, retirees and their families [1].", EBSA,
                             EMPLOYEES_Q))
