"""Named terms: a question about something the passages never mention is not grounded on them."""

from __future__ import annotations

import pytest

from desktop_app.services.named_terms import named_terms, names_nothing_here, names_to_look_up, unmentioned_names

NTSB = ("On December 8, 2007, about 1530 eastern standard time, a Piper PA-22-150, N1234P, was substantially "
        "damaged during a forced landing near Tallahassee, Florida. The private pilot was not injured.")
OPM = "In FY 2019, OPM met 12 of its 20 performance measures; the retirement backlog fell to 14,000 cases."


@pytest.mark.parametrize("question, expected", [
    ("What was Apple's revenue in the third quarter of fiscal 2023?", ["apple"]),
    ("How many passengers were aboard the Airbus A320 that landed on the Hudson River?", ["airbus", "a320", "hudson", "river"]),
    ("What is the capital of France?", ["france"]),
    ("Which measures did OPM meet in FY 2019?", ["opm"]),
    ("How many patients will be enrolled?", []),
    ("What was the wind speed? Tell me in knots.", []),
])
def test_named_terms_are_proper_names_and_acronyms_not_question_words(question, expected):
    assert named_terms(question) == expected


@pytest.mark.parametrize("question, passages, declined", [
    ("What was Apple's revenue in the third quarter of fiscal 2023?", [NTSB, OPM], True),
    ("What was the closing price of Bitcoin on January 1, 2021?", [NTSB, OPM], True),
    ("What was the registration of the Piper that landed near Tallahassee?", [NTSB], False),
    ("How many measures did OPM meet in FY 2019?", [OPM], False),
    ("Was the pilot of the Piper near Orlando injured?", [NTSB], False),  # one of two names is there
    ("How many cases were in the retirement backlog?", [OPM], False),  # names nothing: the retriever decides
    # "RCT" says what kind of study it is, not which: a protocol writes "randomized controlled trial".
    ("How many participants were in each offline subgroup of the ovarian cancer support group RCT?",
     ["Participants were divided into two offline subgroups of 17 participants each."], False),
])
def test_a_question_is_declined_only_when_none_of_its_names_is_in_the_passages(question, passages, declined):
    assert names_nothing_here(question, passages) is declined


def test_unmentioned_names_lists_what_is_missing():
    assert unmentioned_names("Was the Piper near Orlando damaged?", [NTSB]) == ["orlando"]


# nih-clinical-trial-protocols/NCT06152900_Prot_SAP_000.pdf: the passage does not name the sponsor; its label does.
LUTRONIC_LABEL = "Lutronic, Inc. · Clinical Protocol · Prospective Clinical Evaluation of the Safety and Efficacy"
LUTRONIC = "A total of up to 30 subjects will be enrolled at up to 3 investigational sites."


def test_rare_words_are_the_ones_the_vocabulary_splits_into_many_pieces():
    from desktop_app.rag.word_rarity import rare_words

    assert rare_words("What was the primary endpoint of the semaglutide weight-loss trial?") == ["semaglutide"]
    assert "glioblastoma" in rare_words("What was the median overall survival in the glioblastoma temozolomide trial?")
    assert rare_words("Which patients are eligible and when are they enrolled, per the schedule?") == []


@pytest.mark.parametrize("question, passages, declined", [
    ("What was the primary endpoint of the semaglutide weight-loss trial?", [LUTRONIC, OPM], True),
    ("How many subjects will the trial enroll?", [LUTRONIC], False),
    # The sponsor is named only in the document's label, which the Assistant reads with the passage.
    ("How many subjects will the Lutronic muscle stimulation study enroll?", [f"{LUTRONIC_LABEL}\n{LUTRONIC}"], False),
    ("How many subjects will the Lutronic muscle stimulation study enroll?", [LUTRONIC], True),
])
def test_a_rare_word_no_passage_contains_declines_as_a_missing_name_does(question, passages, declined):
    assert names_nothing_here(question, passages) is declined


@pytest.mark.parametrize("question, passages, declined", [
    # The name's words are ordinary words in the passages, never the name.
    ("What was Amazon Web Services' operating income in 2022?",
     ["Customers file claims through web services; shared services cut costs in 2022."], True),
    ("What was Amazon Web Services' operating income in 2022?",
     ["AMAZON WEB SERVICES SEGMENT RESULTS: operating income rose in 2022."], False),  # a heading in capitals
    ("What interest rate did the European Central Bank set?",
     ["OPM's central office set a rate for the Thrift Savings Plan bank accounts."], True),
    ("How many measures did OPM meet in FY 2019?", [OPM], False),
])
def test_names_present_only_as_ordinary_words_do_not_ground_a_question(question, passages, declined):
    assert names_nothing_here(question, passages) is declined


@pytest.mark.parametrize("question, expected", [
    ("Which helicopter crashed near Honolulu in the NTSB report?", ["Honolulu"]),  # acronyms may be spelled out
    ("What was the Beech A23 doing at Death Valley, California?", ["Beech", "Death", "Valley"]),  # reports write "CA"
    ("What did the pilot near Alton, New Hampshire report?", ["Alton"]),
    ("What happened in the Wisconsin accident?", []),  # a state: "WI" in the reports
    ("How many employees did the Tennessee Valley Authority have?", ["Tennessee", "Valley", "Authority"]),
    ("What was UnitedHealth Group's revenue in 2020?", ["UnitedHealth", "Group"]),
])
def test_names_to_look_up_across_the_library_are_names_not_codes_states_or_qualifiers(question, expected):
    assert names_to_look_up(question) == expected


def test_an_acronym_with_a_one_letter_prefix_in_the_documents_is_mentioned():
    # q068 was declined before the model: its protocol writes the chronic form "cGVHD", never "GVHD".
    question = "How many patients will be enrolled in the oral chronic GVHD mesenchymal stem cell dressing trial?"
    passage = ("Oral chronic graft-versus-host disease (cGVHD) will be treated with a mesenchymal stem cell dressing; "
               "38 patients will be enrolled.")
    assert not names_nothing_here(question, [passage])
    assert unmentioned_names(question, [passage]) == []
    # A word in capitals is still not mentioned inside another word ("NTSB" in "xNTSBy" is no mention).
    assert names_nothing_here("What did the NTSB find?", ["The board's ANTSBY rule."])
