"""Which "who" questions ask for a title's holder, and which passages write a name beside it."""

from __future__ import annotations

import pytest

from desktop_app.rag.role_holders import AskedRole, asked_role


@pytest.mark.parametrize("question, title", [
    ("Who is the Director in OPM's most recent annual performance report?", "director"),
    ("Who is the EPA Administrator named in EPA's FY 2022-2026 Strategic Plan?", "administrator"),
    ("Who is listed as Acting Secretary in the DHS Strategic Plan for fiscal years 2020-2024?", "secretary"),
    ("Who signed OPM's annual performance report for fiscal year 2019?", ""),
    ("Who is the principal investigator of the low-dose emicizumab study?", "principal investigator"),
])
def test_a_who_question_naming_a_title_or_a_signature_asks_for_its_holder(question, title):
    assert asked_role(question) == AskedRole(title)


@pytest.mark.parametrize("question", [
    "Who owned the Cessna 152 involved in the Madill, Oklahoma accident?",  # no title: an owner
    "What did the Director announce in FY 2020?",  # not a who-question
    "How many people signed up for the program?",
])
def test_other_questions_ask_for_no_role(question):
    assert asked_role(question) is None


@pytest.mark.parametrize("text, title", [
    ("Message from the Director\nKiran Ahuja, Director\nIn Fiscal Year (FY) 2022, the United States", "director"),
    ("Stakeholder(s):\nKevin K. McAleenan :\nActing Secretary, U.S. Department of Homeland Security", "secretary"),
    ("THE SECRETARY OF LABOR\nMARTIN J. WALSH\nSecretary of Labor", "secretary"),
    ("remarks by Secretary Pete Buttigieg at the launch", "secretary"),
    ("STRENGTHENING RETIREMENT Michael Rigas\nCUSTOMER SERVICE Acting Director\nIn FY 2020", "director"),
    ("Equity, Inclusion, and Accessibility Kiran Ahuja, Director OPM worked", "director"),
])
def test_a_heading_or_a_listing_holds_a_name_beside_the_title(text, title):
    assert AskedRole(title).held_in(text)
    assert all(not signed for _name, signed in AskedRole("").holders(text))  # no date after it


@pytest.mark.parametrize("text, name", [
    ("lessons learned from our performance in FY 2019.\nDale Cabaniss Director\nFebruary 10, 2020", "Dale Cabaniss"),
    ("we've set. \nBeth F. Cobert \nActing Director \nFebruary 9, 2016", "Beth F. Cobert"),
    # two columns interleaved by the PDF reader: a name split by a line break, headings between
    ("Security. Beth F.\nCobert\nCOMPLETENESS AND RELIABILITY Acting Director\nOF PERFORMANCE INFORMATION "
     "February 9 , 2016", "Beth F.\nCobert"),
])
def test_a_letters_signature_block_answers_who_signed(text, name):
    assert list(AskedRole("").holders(text)) == [(name, True)]
    assert AskedRole("director").held_in(text)


@pytest.mark.parametrize("text", [
    "Kenneth Zawodny, Jr., Associate Director, Retirement Services",  # another role
    "Associate Director Kenneth Zawodny signed the memo",
    "Message From The Director\nIn fiscal year 2019 the agency",  # a heading, no name
    "Office of the Director, Retirement Services",  # an office, not a person
    "the director of the program reviewed the results",
    "Office of Personnel Management Director\nMarch 7, 2014",  # an office's name
    "CUSTOMER SERVICE Acting Director",  # a heading in capitals
    "President Obama's Memorandum on the Director of",
])
def test_other_roles_offices_and_headings_hold_no_name_for_the_director(text):
    assert not AskedRole("director").held_in(text)


def test_a_list_of_labels_after_the_title_is_not_a_name():
    assert not AskedRole("secretary").held_in("Stakeholder(s):\nOffice of the Secretary : All DOC Bureaus :\nLead")


@pytest.mark.parametrize("text", [
    "the agency's civil service rules... U.S. Civil Service\nCommissioner",
    "where data limitations exist. Data Limitations\nDirector",
])
def test_words_written_in_lower_case_nearby_are_not_a_persons_name(text):
    assert not AskedRole("").held_in(text)


def test_who_signed_as_a_title_asks_for_that_titles_holder():
    assert asked_role("Who signed OPM's FY 2017 annual performance report as Acting Director?") == AskedRole("director")
