"""The form field named for what a question asks (rag.form_fields), and its use when the model declines."""

from __future__ import annotations

import pytest

from desktop_app.rag.form_fields import asked_field, asked_words, fields

# Page 2 of an NTSB report as the PDF reader gives it: fields run together on one line.
NTSB_FORM = ("Factual Information Pilot Information Certificate: Recreational Age: 48, Male Second Pilot Present: No "
             "Occupational Pilot: Last Flight Review or Equivalent: Flight Time: 1364 hours (Total, all aircraft), "
             "14 hours (Total, this make and model) Aircraft and Owner/Operator Information … Aircraft Make: Cessna "
             "Registration: N6135M Model/Series: 152 Engine Model/Series: O-235 Registered Owner: Versatile Aviation "
             "Inc Rated Power: 115 hp Operator: MVP Aero Academy Operating Certificate(s) None Held: Page 2 of 4")
LABELS = ["National Transportation Safety Board · Aviation Accident Final Report, Madill, OK · November 30, 2007"]


def test_a_value_runs_to_the_next_label_whose_words_are_taken_off_its_end():
    found = dict((" ".join(label), value) for label, value in fields(NTSB_FORM))
    assert found["Registered Owner"] == "Versatile Aviation Inc"
    assert found["Cessna Registration"] == "N6135M"  # the label may take the previous value's last word
    assert found["Flight Time"].startswith("1364 hours (Total, all aircraft)")
    assert "Rated Power" not in found  # "Rated Power:" then "Operator:" leaves "Rated" a value of nothing
    assert found["Recreational Age"].startswith("48, Male")


@pytest.mark.parametrize("question, words", [
    ("Who owned the Cessna 152 involved in the Madill, Oklahoma accident?", {"own"}),
    ("How many total flight hours did the pilot of the Sorrell SNJ-7 have?", {"total", "flight", "hour", "hav"}),
    ("Where did the Cessna 172 that crashed near Boquete depart from?", {"depart"}),
    ("What age range is eligible for the platelet-rich plasma trial?", {"age", "rang", "eligib"}),
    ("Who sponsors the qualitative study of day-case surgery?", {"sponso"}),
    ("What was OPM's FY 2022 result?", set()),
    # The article right after "What was" opens what is asked, not the subject.
    ("What was the registration of the Cessna 152 at Venice?", {"regist"}),
    ("What were the registrations of the Cessna 152 airplanes at Venice?", {"regist"}),
])
def test_what_is_asked_is_read_before_the_subject_and_from_a_final_verb(question, words):
    assert asked_words(question) == words


@pytest.mark.parametrize("question, field", [
    ("Who owned the Cessna 152 involved in the Madill, Oklahoma accident on November 30, 2007?",
     "Registered Owner: Versatile Aviation Inc"),
    ("Who operated the Cessna 152 at Madill?", "Operator: MVP Aero Academy Operating Certificate(s)"),
    # "Flight Time" (a generic last word set aside) with the asked words at its value's start wins over
    # "Occupational Pilot" and "Second Pilot Present".
    ("How many total flight hours did the pilot of the Cessna 152 have?",
     "Flight Time: 1364 hours (Total, all aircraft), 14 hours (Total, this make and model) Aircraft and "
     "Owner/Operator Information"),
    ("What was the registration of the Cessna 152 in the Madill, Oklahoma accident?", "Cessna Registration: N6135M"),
])
def test_the_field_named_for_what_is_asked_is_found(question, field):
    assert asked_field(question, ["An unrelated passage without fields.", NTSB_FORM], LABELS) == (1, field)


@pytest.mark.parametrize("question", [
    "What were the registrations of the two Cessna 152 airplanes?",   # two things: no one field
    "Who owned the Cessna 152, and who operated it?",
    "What did the Cessna 152 hit on final approach?",                 # no field names it
    "Who is the Secretary of Labor in the plan?",                     # asks a role: nothing before the subject
    "How many participants does the Rated Power study aim to recruit?",  # the subject's words are not asked
])
def test_no_field_when_none_is_named_for_what_is_asked_or_two_things_are(question):
    assert asked_field(question, [NTSB_FORM], LABELS) is None


def test_a_label_ending_in_another_word_is_another_field():
    text = "Sponsor R&D No: TBC Number of Study Sites 6 Chief Investigator: Dr A. Smith"
    assert asked_field("Who sponsors the study?", [text]) is None
    assert asked_field("Who sponsors the study?", [text + "\nSponsor: Qianfoshan Hospital"]) == (
        0, "Sponsor: Qianfoshan Hospital")
