"""A figure the passage states in another field than the one asked about (claim_fields).

Passages are what the bundled model was given for real benchmark questions (corpus PDFs)."""

from __future__ import annotations

from desktop_app.core.records import Citation, Claim
from desktop_app.rag.claim_check import check_claims
from desktop_app.rag.claim_notes import unsupported_note, unsupported_reason

# ntsb-aviation-incident-accident-reports/20080109X00035.pdf, page 3 (q025: the model answered 475)
LATROBE = ("Pilot Information Certificate: … Instrument Rating(s): None Second Pilot Present: No … 03/01/2006 "
           "Occupational Pilot: … Flight Time: 475 hours (Total, all aircraft), 3 hours (Total, this make and model) "
           "Aircraft and Owner/Operator Information … Aircraft Make: … Model/Series: RV-8 Aircraft Category: Airplane …")
# ntsb-aviation-incident-accident-reports/20071229X02007.pdf, page 1: prose puts the words before the figure.
TALLAHASSEE = ("The pilot reported a total flight experience of 2,319 hours; of which, most was in the same make and "
               "model as the accident airplane. In addition, the pilot flew the accident airplane about 17 hours "
               "during the 90-day period preceding the accident.")
CITE = [Citation(1, "ntsb-aviation-incident-accident-reports/20080109X00035.pdf", 3, LATROBE)]
MAKE_AND_MODEL = "How many hours had the pilot of the RV-8 in the Latrobe, Pennsylvania accident flown in that make and model?"


def test_the_total_is_not_the_hours_in_that_make_and_model():
    check = check_claims("The pilot had flown 475 hours [1].", CITE, MAKE_AND_MODEL)
    (claim,) = check.claims
    assert (claim.supported, claim.reason, claim.source) == (False, Claim.OTHER_FIELD, 1)
    assert LATROBE[claim.source_start:claim.source_end] == "3"  # the popup highlights the asked field's figure
    assert unsupported_note(check) == "Check: '475' is not the figure the sources give for what was asked."
    assert "source [1]" in unsupported_reason(claim)


def test_the_figure_of_the_asked_field_is_supported():
    (claim,) = check_claims("The pilot had flown 3 hours in that make and model [1].", CITE, MAKE_AND_MODEL).claims
    assert claim.supported


def test_a_field_that_names_what_is_asked_is_never_overruled():
    question = "How many total flight hours did the RV-8 pilot in the Latrobe accident have?"
    (claim,) = check_claims("The pilot had 475 hours [1].", CITE, question).claims
    assert claim.supported


def test_in_prose_the_words_before_the_figure_are_its_field():
    cite = [Citation(1, "ntsb-aviation-incident-accident-reports/20071229X02007.pdf", 1, TALLAHASSEE)]
    question = "How many hours of total flight experience did the 85-year-old pilot in the Tallahassee accident have?"
    (claim,) = check_claims("The answer is 2,319 hours [1].", cite, question).claims
    assert claim.supported
    # "17 hours" (the last 90 days) shares "pilot" and "accident" with the question, but "2,319
    # hours" shares more ("total flight experience"): the field of 17 is overruled.
    (claim,) = check_claims("The answer is 17 hours [1].", cite, question).claims
    assert (claim.supported, claim.reason) == (False, Claim.OTHER_FIELD)
    assert TALLAHASSEE[claim.source_start:claim.source_end] == "2,319"


def test_a_form_label_naming_the_pilot_does_not_make_another_field_the_asked_one():
    # q039 (Soledad, 20080116X00055.pdf): "Occupational Pilot: … Flight Time:" runs into the first
    # figure's field and "Pilot In Command" names the pilot too; asked the total, the model gave 10740.
    form = ("Occupational Pilot: Last Flight Review or Equivalent: 10/01/2007 Flight Time: 11000 hours (Total, all "
            "aircraft), 240 hours (Total, this make and model), 10740 hours (Pilot In Command, all aircraft), 300 "
            "hours (Last 90 days, all aircraft)")
    cite = [Citation(1, "ntsb-aviation-incident-accident-reports/20080116X00055.pdf", 3, form)]
    question = "How many total flight hours did the pilot of the Air Tractor AT-401 that crashed near Soledad have?"
    (wrong,) = check_claims("The pilot had a total of 10740 hours [1].", cite, question).claims
    assert (wrong.supported, wrong.reason) == (False, Claim.OTHER_FIELD)
    assert form[wrong.source_start:wrong.source_end] == "11000"
    (right,) = check_claims("The pilot had a total of 11000 hours [1].", cite, question).claims
    assert right.supported


# ntsb-aviation-incident-accident-reports/20080111X00041.pdf, page 3 (q032): the model copied the form's line.
HOUSTON = ("… No … 05/01/2007 Waivers/Limitations … Flight Time: 110 hours (Total, all aircraft), 45 hours (Total, this "
           "make and model), 70 hours (Pilot In Command, all aircraft), 20 hours (Last 90 days, all aircraft), 7 hours "
           "(Last 30 days, all aircraft), 1 hours (Last 24 hours, all aircraft) Aircraft and Owner/Operator Information")


def test_figures_the_answer_states_with_their_own_field_are_not_flagged():
    cite = [Citation(1, "ntsb-aviation-incident-accident-reports/20080111X00041.pdf", 3, HOUSTON)]
    question = "How many total flight hours did the private pilot have in the December 2007 Cessna 172 accident at Houston, Texas?"
    answer = f'[1] 20080111X00041.pdf, page 3: "{HOUSTON}"'
    check = check_claims(answer, cite, question)
    assert all(c.supported for c in check.claims), [c.text for c in check.claims if not c.supported]
    # Said bare, the last 30 days' figure is still not the total asked about.
    (claim,) = check_claims("The pilot had 7 hours [1].", cite, question).claims
    assert claim.reason == Claim.OTHER_FIELD and HOUSTON[claim.source_start:claim.source_end] == "110"


def test_a_target_is_not_the_result_asked_for():
    # us-fed-agency-reports/2022-annual-performance-report.pdf as the table reader writes the row (q125)
    row = ("Average number of days to process retirement cases | FY 2021 Results: 71 .50 | FY 2022 Results: 88 .41 | "
           "FY 2022 Target: 60 .00 | Not Met")
    cite = [Citation(1, "us-fed-agency-reports/2022-annual-performance-report.pdf", 30, row)]
    question = "What was the average number of days to process retirement cases in FY 2022?"
    (claim,) = check_claims("It was 60.00 [1].", cite, question).claims
    assert claim.reason == Claim.OTHER_FIELD and row[claim.source_start:claim.source_end] == "88 .41"
    assert check_claims("It was 88.41 [1].", cite, question).claims[0].supported
    asked_target = "What was OPM's target for the average number of days to process retirement cases in FY 2022?"
    assert check_claims("The target was 60.00 [1].", cite, asked_target).claims[0].supported


# 2022-annual-performance-report.pdf (OPM), page 29 and 88: goals written as prose (q128, q157)
GOAL_PROSE = ("Deliver excellent customer service, increasing OPM's customer satisfaction index score for targeted "
              "services to 4.3 out of 5 Strategic Objective 3.1")
RESULT_PROSE = "Since January 2012, OPM reduced the retirement claims inventory from 61,108 cases to 14,706."


def _prose(answer, text, question):
    return check_claims(answer, [Citation(1, "apr.pdf", 29, text)], question)


def test_a_goal_written_as_prose_is_not_the_result():
    question = "What was the average satisfaction score for services received from Retirement Services?"
    (claim, _) = _prose("The average satisfaction score was 4.3 out of 5 [1].", GOAL_PROSE, question).claims
    assert (claim.text, claim.supported, claim.reason) == ("4.3", False, Claim.OTHER_FIELD)
    # Asked for the goal, the goal answers.
    (claim, _) = _prose("OPM aims for a customer satisfaction score of 4.3 out of 5 [1].", GOAL_PROSE,
                        "What satisfaction score does OPM aim for?").claims
    assert claim.supported
    # A change in the past tense is a result.
    (claim,) = [c for c in _prose("The inventory was 14,706 [1].", RESULT_PROSE,
                                  "What was the retirement claims inventory?").claims if c.text == "14,706"]
    assert claim.supported


def test_a_code_under_another_form_label_is_not_the_one_asked():
    # q022 (Boquete, Panama): the form's Registration field is empty (the registration, HP762, is in
    # the narrative); the model gave the accident number as the registration.
    form = ("Location: Boquete, Panama Accident Number: DFW08WA050 Date & Time: 12/23/2007, 1200 CST Registration: "
            "Aircraft: Cessna 172 … a Panama registered Cessna 172, HP762, was destroyed")
    cite = [Citation(1, "ntsb-aviation-incident-accident-reports/20080102X00001.pdf", 1, form)]
    question = "What was the registration of the Panama-registered Cessna 172 that crashed near Boquete?"
    (wrong,) = check_claims("The registration was DFW08WA050 [1].", cite, question).claims
    assert (wrong.supported, wrong.reason) == (False, Claim.OTHER_MEANING)
    assert check_claims("The registration was HP762 [1].", cite, question).claims[0].supported
    asked_number = "What was the NTSB accident number of the Cessna 172 that crashed near Boquete?"
    assert check_claims("It was DFW08WA050 [1].", cite, asked_number).claims[0].supported


PROTOCOL_PAGE = ("Study Protocol Title Comparison of outcomes between low dose Emicizumab and low dose factor VIII "
                 "prophylaxis in clinically severe hemophilia A. Study site: Pediatric Hematology-Oncology Unit, King "
                 "Chulalongkorn Memorial Hospital - Sample size: 15 …")
SAMPLE_QUESTION = ("What is the sample size of the King Chulalongkorn Memorial Hospital study of low dose emicizumab "
                   "versus low dose factor VIII in severe hemophilia A?")
SAMPLE_ANSWER = ("The sample size of the King Chulalongkorn Memorial Hospital study of low dose emicizumab versus low "
                 "dose factor VIII in severe hemophilia A is 15.")


def test_a_small_figure_under_a_label_the_question_names_is_supported():
    # The answer's words beside "15" are the study's ("... in severe hemophilia A is 15"), none of
    # them near "15" on the page; the label before it, "Sample size:", is what was asked.
    check = check_claims(SAMPLE_ANSWER, [Citation(1, "/docs/p.pdf", 1, PROTOCOL_PAGE)], question=SAMPLE_QUESTION)
    (claim,) = [c for c in check.claims if c.text == "15"]
    assert claim.supported and claim.source == 1


def test_a_small_figure_under_a_label_the_question_does_not_name_still_needs_its_words():
    page = PROTOCOL_PAGE.replace("Sample size: 15", "Visit window: 15")
    check = check_claims(SAMPLE_ANSWER, [Citation(1, "/docs/p.pdf", 1, page)], question=SAMPLE_QUESTION)
    (claim,) = [c for c in check.claims if c.text == "15"]
    assert not claim.supported


# nih-clinical-trial-protocols/NCT06152900_Prot_SAP_000.pdf, page 19 (q096: the model gave both visits)
VISITS = ("Subjects will be asked to return for follow up visits post-final treatment at 30 days and 90 days. At 1st "
          "and all follow up visits weight, dynamometer measurements, circumferential measurements, subject "
          "satisfaction survey, adverse events and photography will be completed and assessed.")


def test_figures_of_one_list_share_its_field():
    cite = [Citation(1, "nih-clinical-trial-protocols/NCT06152900_Prot_SAP_000.pdf", 19, VISITS)]
    question = "In the Accufit muscle stimulation study, at which visits are dynamometer measurements taken?"
    check = check_claims("At follow up visits post-final treatment at 30 days and 90 days [1].", cite, question)
    assert [(c.text, c.supported) for c in check.claims] == [("30", True), ("90", True)]
    # A form's figures, each with its own field in brackets, stay apart (see the Latrobe tests above).
    assert not check_claims("The pilot had flown 475 hours [1].", CITE, MAKE_AND_MODEL).claims[0].supported
