"""Claim check: figures and names in an answer looked up in its cited passages (issue 16).

The passages are excerpts of the corpus PDFs (/work/shared/corpus), whitespace-normalised as the
grounded prompt builder normalises them.
"""

from __future__ import annotations

import time

import pytest

from desktop_app.core.records import Citation, ClaimCheck
from desktop_app.rag.claim_check import check_claims
from desktop_app.rag.claim_extract import extract

# nih-clinical-trial-protocols/NCT06147739_Prot_SAP_000.pdf, page 8
ORTHO = ("The sample of open bite patients will be taken from the Orthodontic Clinic Faculty of Dental Medicine for "
         "Girls, Al-Azhar University. The steps of the procedure will be explained to the patients / parents and an "
         "informed consent will be signed. Inclusion criteria: (14) 1. Patients age range 13-18 years old. "
         "2. Patients have anterior open bite. 3. Normal healthy patient.")
# us-fed-agency-reports/DOT2022.pdf, page 7
DOT_OAS = ("U.S. Department of Transportation Page 7 Strategic Plan _03810b51-6599-494d-941e-1bd75d792fb0 "
           "U.S. Department of Transportation (DOT) Description: U.S. DOT oversees and administers programs, policies, "
           "and regulations to keep the traveling public safe, secure, and mobile. U.S. DOT leadership is provided by "
           "the Secretary of Transportation, who is the principal advisor to the President in all matters relating to "
           "Federal transportation programs. The Office of the Secretary oversees nine Operating Administrations (OAs), "
           "each with its own management and organizational structure. Stakeholder(s): Pete Buttigieg : Secretary "
           "FEDERAL AVIATION ADMINISTRATION (FAA) FEDERAL HIGHWAY ADMINISTRATION (FHWA)")
# us-fed-agency-reports/DOT2022.pdf, page 9
DOT_SAFETY = ("deaths are on the rise. In 2020, a year when vehicle travel was down overall, 38,824 people died in motor "
              "vehicle crashes—more than 100 deaths per day. An estimated 2.28 million people were injured. In the "
              "first nine months of 2021, an estimated 31,720 people died in motor vehicle crashes, up approximately "
              "12 percent over the first nine months of 2020. U.S. DOT released its National Roadway Safety Strategy "
              "(NRSS) in January 2022.")
# us-fed-agency-reports/2019-annual-performance-report.pdf, page 4
OPM = ("Although OPM missed its FY 2019 hiring manager satisfaction target of 76.8 by 3.3 percentage points, the agency "
       "anticipates improvement. In addition, OPM successfully negotiated FEHB rates and benefits for plan year 2020, "
       "with a 4.0 percent average premium increase for non- Postal employees and annuitants, competitive with "
       "other large private and public sector employers, which range from 4.5-6.5 percent. OPM initiated reviews "
       "with all 24 agency Chief Human Capital Officers. Eighty- three percent of users agreed that OPM human "
       "capital services were helpful. The agency lowered the average time to answer from 8.6 to 6.6 minutes, "
       "despite a seven percent increase in total calls received.")
# ntsb-aviation-incident-accident-reports/20080111X00040.pdf, pages 1-2
NTSB = ("Location: Madill, OK Accident Number: DFW08CA044 Date & Time: 11/30/2007, 1200 CST Registration: N6135M "
        "Aircraft: Cessna 152 Aircraft Damage: Substantial The 28-hour solo student pilot landed with a crosswind "
        "condition and lost control of the airplane during the landing roll. The mishap occurred during the "
        "student's seventh solo landing of the day. Examination of the airplane by an inspector from the Federal "
        "Aviation Administration revealed structural damage to the engine firewall. The winds were reported as a "
        "90 degree crosswind to the active runway at 8 knots. Certificate: Student Age: 32, Male")
# A budget table in the style of the agency plans (amounts in millions).
BUDGET = "The Department's total discretionary budget authority was $36,413 million in FY 2022, and 1200 staff."

# us-fed-agency-reports/2022-annual-performance-report.pdf, page 54 (a table as pypdf reads it:
# "88 .41" with a space before the decimal point), and a protocol's visit schedule.
TABLE = ("Average number of days to process retirement cases 58 .60 55 .70 68 .50 78 .96 88 .41 60 .00 Not Met. "
         "Follow-up visit: + 4 wks after the last dose.")

SOURCES = [Citation(1, "NCT06147739_Prot_SAP_000.pdf", 8, ORTHO), Citation(2, "DOT2022.pdf", 7, DOT_OAS),
           Citation(3, "DOT2022.pdf", 9, DOT_SAFETY), Citation(4, "2019-annual-performance-report.pdf", 4, OPM),
           Citation(5, "20080111X00040.pdf", 1, NTSB), Citation(6, "plan.pdf", 3, BUDGET),
           Citation(7, "2022-annual-performance-report.pdf", 54, TABLE)]


def claim(check: ClaimCheck, text: str):
    found = [c for c in check.claims if c.text == text]
    assert found, f"{text!r} not among {[c.text for c in check.claims]}"
    return found[0]


@pytest.mark.parametrize(("answer", "figure", "supported", "stated"), [
    # The three failures: each is unsupported.
    ("Patients must be 14-18 years old [1].", "14-18", False, None),
    ("The Office of the Secretary oversees 10 Operating Administrations [2].", "10", False, None),
    ("The strategy will cost $10.5 billion [2].", "$10.5 billion", False, None),
    # True positives, stated differently from the passage.
    ("Patients must be 13 to 18 years old [1].", "13 to 18", True, "13-18"),
    ("Patients must be between 13 and 18 years old [1].", "between 13 and 18", True, "13-18"),
    ("Patients aged 13–18 are included [1].", "13–18", True, "13-18"),
    ("The Office of the Secretary oversees 9 Operating Administrations [2].", "9", True, "nine"),
    ("It oversees nine Operating Administrations [2].", "nine", True, "nine"),
    ("In 2020, 38,824 people died in motor vehicle crashes [3].", "38,824", True, "38,824"),
    ("About 2.3 million people were injured [3].", "2.3 million", True, "2.28 million"),
    ("Deaths rose 12% in the first nine months of 2021 [3].", "12%", True, "12 percent"),
    ("Premiums rose 4 percent for plan year 2020 [4].", "4 percent", True, "4.0 percent"),
    ("Other employers' increases range from 4.5 to 6.5 percent [4].", "4.5 to 6.5 percent", True, "4.5-6.5 percent"),
    ("Eighty-three percent of users agreed [4].", "Eighty-three percent", True, "Eighty- three percent"),
    ("83% of users agreed [4].", "83%", True, "Eighty- three percent"),
    ("OPM lowered the wait from 8.6 to 6.6 minutes [4].", "8.6 to 6.6", True, "8.6 to 6.6"),
    ("OPM missed the target by 3.3 percentage points [4].", "3.3 percentage points", True, "3.3 percentage points"),
    ("OPM reviewed all 24 agencies in fiscal year 2019 [4].", "fiscal year 2019", True, "FY 2019"),
    ("Calls rose seven percent [4].", "seven percent", True, "seven percent"),
    ("The accident happened on November 30, 2007 [5].", "November 30, 2007", True, "11/30/2007"),
    ("The accident happened on 2007-11-30 [5].", "2007-11-30", True, "11/30/2007"),
    ("It was the student's 7th solo landing [5].", "7th", True, "seventh"),
    ("The airplane, registration N6135M, was damaged [5].", "N6135M", True, "N6135M"),
    ("The crosswind was 8 knots [5].", "8", True, "8"),
    ("The budget was $36.4 billion [6].", "$36.4 billion", True, "$36,413 million"),
    ("The budget was about $36 billion [6].", "$36 billion", True, "$36,413 million"),
    ("The Department employs 1,200 staff [6].", "1,200", True, "1200"),
    ("Processing took 88.41 days on average [7].", "88.41", True, "88 .41"),
    ("Processing took 88 days on average [7].", "88", True, "88 .41"),  # rounded: the passage is more precise
    ("The follow-up visit is 4 weeks after the last dose [7].", "4", True, "4"),  # "wks" = "weeks"
    # Wrong figures that look close to right ones.
    ("Processing took 89 days on average [7].", "89", False, None),
    ("Processing took 88.4 days in 2021 [7].", "88.4", True, "88 .41"),
    ("The follow-up visit is 5 weeks after the last dose [7].", "5", False, None),
    ("The crosswind was 32 knots [5].", "32", False, None),  # 32 is on the page, but as the pilot's age
    ("Deaths rose 21% [3].", "21%", False, None),
    ("The budget was $36.5 billion [6].", "$36.5 billion", False, None),
    ("The budget was $36,400 million [6].", "$36,400 million", False, None),  # stated exactly: must be exact
    ("The accident happened on November 29, 2007 [5].", "November 29, 2007", False, None),
    ("It was the student's sixth solo landing [5].", "sixth", False, None),
    ("The registration was N6135N [5].", "N6135N", False, None),
    ("Patients must be between 12 and 18 years old [1].", "between 12 and 18", False, None),
    ("About 3.3% of users agreed [4].", "3.3%", True, "3.3 percentage points"),
    ("The pilot was 32 percent sure [5].", "32 percent", False, None),  # 32 is an age, not a percentage
])
def test_figures(answer, figure, supported, stated):
    check = check_claims(answer, SOURCES)
    found = claim(check, figure)
    assert found.supported is supported
    if supported:
        passage = SOURCES[found.source - 1].text
        assert passage[found.source_start:found.source_end] == stated
        assert answer[found.start:found.end] == figure


@pytest.mark.parametrize(("answer", "name", "supported"), [
    ("According to the National Transportation Safety Board, the pilot lost control [5].", "National Transportation Safety Board", False),
    ("An inspector from the Federal Aviation Administration examined it [5].", "Federal Aviation Administration", True),
    ("The strategy is led by Pete Buttigieg [2].", "Pete Buttigieg", True),
    ("The strategy is led by Elaine Chao [2].", "Elaine Chao", False),
    ("It has nine Operating Administrations (OAs) [2].", "OAs", True),
    ("The FAA and the FHWA are among them [2].", "FHWA", True),
    ("Both report to the NTSB [5].", "NTSB", False),
    # An acronym is supported by the name it abbreviates and the other way round.
    ("The OSOTOA oversees them [2].", "OSOTOA", False),
    ("The Office of the Secretary of Transportation sets policy [2].", "Office of the Secretary of Transportation", False),
    ("The National Roadway Safety Strategy was released [3].", "National Roadway Safety Strategy", True),
    ("The NRSS was released in January 2022 [3].", "NRSS", True),
    ("The Department of Transportation oversees them [2].", "Department of Transportation", True),
    ("The OST oversees them [2].", "OST", False),  # "Office of the Secretary" alone is "OS"
])
def test_names(answer, name, supported):
    found = claim(check_claims(answer, SOURCES), name)
    assert found.kind == "name" and found.key is False
    assert found.supported is supported


def test_acronym_and_full_name_support_each_other():
    passages = [Citation(1, "opm.pdf", 1, "The Office of Personnel Management (OPM) issued guidance.")]
    assert claim(check_claims("OPM issued guidance [1].", passages[:1]), "OPM").supported
    only_acronym = [Citation(1, "opm.pdf", 1, "OPM issued guidance to agencies.")]
    full = claim(check_claims("The Office of Personnel Management issued it [1].", only_acronym), "Office of Personnel Management")
    assert full.supported and only_acronym[0].text[full.source_start:full.source_end] == "OPM"


@pytest.mark.parametrize(("answer", "not_claims"), [
    ("The range is 13-18 years [1]. See [2] and [1, 2].", ["1", "2", "1, 2"]),  # citation markers
    ("Steps:\n1. Explain the procedure [1].\n2. Sign the consent [1].", ["1", "2"]),  # list numbering
    ("First, the patients are examined [1].", ["First"]),  # "one", "first": found only as weak figures
    ("No one was hurt; one of them left [5].", ["one"]),
    ("A third-party inspector examined it [5].", ["third"]),
])
def test_markers_list_numbers_and_pronoun_one_are_not_key_figures(answer, not_claims):
    check = check_claims(answer, SOURCES)
    key_texts = [c.text for c in check.claims if c.key]
    for text in not_claims:
        assert text not in key_texts


def test_figures_in_the_question_are_not_claims():
    question = "Were 10 Operating Administrations overseen by the Office of the Secretary in FY 2022?"
    check = check_claims("No: the Office of the Secretary oversees nine, not 10, in 2022 [2].", SOURCES, question)
    texts = [c.text for c in check.claims]
    assert "10" not in texts and "2022" not in texts and "Office of the Secretary" not in texts
    assert claim(check, "nine").supported


def test_the_sentence_s_own_citation_is_preferred():
    passages = [Citation(1, "a.pdf", 1, "In 2020 the agency had 12 offices."),
                Citation(2, "b.pdf", 1, "By 2021 it had 12 offices and 40 staff.")]
    found = claim(check_claims("It had 12 offices [2].", passages), "12")
    assert found.source == 2
    found = claim(check_claims("It had 12 offices [1].", passages), "12")
    assert found.source == 1
    found = claim(check_claims("It had 40 staff [1].", passages), "40")
    assert found.supported and found.source == 2  # found in another source the answer was given


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("twenty-one", "number", 21),
    ("Eighty- three", "number", 83),
    ("two hundred", "number", 200),
    ("$2.3B", "money", 2_300_000_000),
    ("1,200", "number", 1200),
    ("-5.5", "number", 5.5),
    ("12 per cent", "percent", 12),
])
def test_number_forms(text, kind, value):
    (mention,) = extract(f"It was {text} then.")
    assert mention.kind == kind and float(mention.value.value) == value and mention.text == text


@pytest.mark.parametrize(("text", "value"), [
    ("July 1, 2023", (2023, 7, 1, False)),
    ("1 July 2023", (2023, 7, 1, False)),
    ("2023-07-01", (2023, 7, 1, False)),
    ("07/01/2023", (2023, 7, 1, False)),
    ("July 2023", (2023, 7, None, False)),
    ("FY 2019", (2019, None, None, True)),
    ("FY2019", (2019, None, None, True)),
    ("fiscal year 2019", (2019, None, None, True)),
    ("FY 19", (2019, None, None, True)),
])
def test_date_forms(text, value):
    (mention,) = [m for m in extract(f"It was due {text} at the latest.") if m.kind == "date"]
    assert mention.value == value and mention.text == text


def test_a_date_run_into_a_word_or_without_a_space_after_its_comma_is_a_date():
    # A protocol's header as pypdf reads it (NCT06150378, page 1): the day is no figure "10".
    assert [(m.kind, m.text) for m in extract("VersionOctober 10,2023 Comparison between")] == [("date", "October 10,2023")]
    assert [m.kind for m in extract("in May 5,000 people")] == ["number"]


@pytest.mark.parametrize(("text", "kind"), [
    ("COVID-19", "code"), ("DFW08CA044", "code"), ("O-235", "code"), ("N6135M", "code"),
    ("28-hour", "number"), ("mid-2020", "number"), ("5mg", "number"),
])
def test_codes_and_hyphenated_numbers(text, kind):
    kinds = {m.kind for m in extract(f"The note says {text} here.") if m.kind != "name"}
    assert kinds == {kind}


def test_ratio_and_key_warning():
    check = check_claims("Patients aged 14-18 [1] were seen by the Orthodontic Clinic [1] in 2023.", SOURCES)
    assert [c.text for c in check.unsupported_key] == ["14-18", "2023"]
    assert claim(check, "Orthodontic Clinic").supported
    assert check.supported_ratio == pytest.approx(1 / 3)
    assert ClaimCheck.from_json(check.to_json()) == check
    assert check_claims("Yes [1].", SOURCES).supported_ratio is None
    assert ClaimCheck.from_json({"claims": "garbage"}) is None


def test_a_300_word_answer_is_checked_quickly():
    """Not a timed benchmark (benchmarks/claim_check.py is): a guard against a pathological regex."""
    answer = " ".join(["In 2020, 38,824 people died and about 2.3 million were injured [3]; the Office of the "
                       "Secretary oversees nine Operating Administrations [2], patients aged 13-18 [1]."] * 12)
    started = time.perf_counter()
    check = check_claims(answer, SOURCES)
    assert time.perf_counter() - started < 2.0
    assert len(check.claims) >= 60 and all(c.supported for c in check.claims if c.kind != "name")


@pytest.mark.parametrize(("answer", "figure", "supported"), [
    ("The accident happened at 12:00 p.m. [5].", "12:00 p.m.", True),  # the report says "1200 CST"
    ("The accident happened at 12:00 [5].", "12:00", True),
    ("The accident happened at 1:00 p.m. [5].", "1:00 p.m.", False),
])
def test_times(answer, figure, supported):
    found = claim(check_claims(answer, SOURCES), figure)
    assert found.kind == "time" and found.supported is supported


def test_references_to_the_sources_are_not_claims():
    answer = "As 20080111X00040.pdf says on page 2 (pages 1-2 of the report), the landing was the seventh [5]."
    texts = [c.text for c in check_claims(answer, SOURCES).claims]
    assert texts == ["seventh"]


def test_a_number_glued_by_slashes_in_an_answer_is_no_figure():
    # A real answer (q182, GSA plan): "24/7" claims no figure 24.
    passage = "100% carbon pollution-free electricity by 2030, including 50 percent 24/7 carbon pollution-free electricity."
    check = check_claims("By 2030, including 50 percent 24/7 carbon pollution-free electricity [1].",
                         [Citation(1, "GSA2022.pdf", 12, passage)], "By what year does the GSA plan aim for it?")
    assert [c.text for c in check.claims if c.key] == ["2030", "50 percent"] and not check.unsupported_key


def test_numbers_joined_by_dots_are_a_version_or_a_date_not_a_figure():
    # Real answers (q065, q066): "G*Power software version 3.1.9.3" claims no figure 3.1; the version
    # is checked whole, as a code. A document version dated "14.02.23" (q089) is no figure 14.02.
    assert [(m.kind, m.text) for m in extract("calculated by G*Power software version 3.1.9.3.")
            if m.kind != "name"] == [("code", "3.1.9.3")]
    assert [m.text for m in extract("V2 14.02.23 Understanding", passage=True)] == ["V2"]
    passage = [Citation(1, "NCT.pdf", 5, "The sample size was calculated according to G*Power software version 3.1.9.3.")]
    assert check_claims("G*Power version 3.1.9.3 [1].", passage, "Which software?").claims[-1].supported
    assert not check_claims("G*Power version 3.1.9.4 [1].", passage, "Which software?").claims[-1].supported
    assert [m.text for m in extract("It cost 3.5 million; Section 2.3.1 says 4.5 percent.")] == [
        "3.5 million", "2.3.1", "4.5 percent"]


def test_asked_who_a_name_no_source_states_is_a_key_claim():
    # HHS2022.pdf, page 160: the plan's submitter, which the bundled model gave as the Secretary.
    from desktop_app.core.records import Citation
    from desktop_app.rag.claim_check import check_claims
    from desktop_app.rag.claim_notes import unsupported_note

    form = "Source: https://www.hhs.gov/about/strategic-plan Submitter: Given Name: Owen Surname: Ambur Email:"
    citations = [Citation(1, "/docs/HHS2022.pdf", 160, form),
                 Citation(2, "/docs/HHS2022.pdf", 9, "Stakeholder(s): Xavier Becerra : Secretary, Health and Human Services")]
    wrong = check_claims("The Secretary is Owen Surname Ambur.", citations, "Who is the Secretary of HHS?")
    assert [c.text for c in wrong.unsupported_key] == ["Owen Surname Ambur"]
    assert "Owen Surname Ambur" in unsupported_note(wrong)
    right = check_claims("The Secretary is Xavier Becerra.", citations, "Who is the Secretary of HHS?")
    assert not right.unsupported_key and [c.source for c in right.claims if c.text == "Xavier Becerra"] == [2]
    # Not asked who: a name is context, its absence no warning.
    other = check_claims("Owen Surname Ambur wrote it.", citations, "What does the plan say?")
    assert other.claims and not other.unsupported_key


def test_asked_who_a_title_alone_is_no_answer():
    # OPM FY 2015 report: asked who signed, the bundled model answered with the signer's title.
    from desktop_app.core.records import Citation, Claim
    from desktop_app.rag.claim_check import check_claims

    letter = ("Message from the Director Since I became Acting Director of OPM in July 2015, it has been my "
              "privilege to work with our talented workforce. Beth F. Cobert Acting Director")
    citations = [Citation(1, "/docs/2015-annual-performance-report.pdf", 3, letter)]
    question = "Who signed the message in OPM's FY 2015 annual performance report?"
    role = check_claims("The message was signed by the Acting Director [1].", citations, question)
    assert [(c.text, c.reason) for c in role.unsupported_key] == [("Acting Director", Claim.OTHER_MEANING)]
    person = check_claims("Beth F. Cobert, Acting Director, signed it [1].", citations, question)
    assert not person.unsupported_key


def test_asked_who_signed_an_office_is_no_answer_but_an_operator_may_be_a_company():
    # OPM FY 2020 report: asked who signed, the bundled model answered "[1] ES" (Employee Services).
    from desktop_app.core.records import Citation, Claim
    from desktop_app.rag.claim_check import check_claims

    page = ("In response to the COVID-19 pandemic, ES worked with agencies on hiring flexibilities. "
            "Kiran A. Ahuja, Director, February 2021")
    citations = [Citation(1, "/docs/2020-annual-performance-report.pdf", 4, page)]
    signed = "Who signed OPM's fiscal year 2020 annual performance report?"
    office = check_claims("[1] ES", citations, signed)
    assert [(c.text, c.reason) for c in office.unsupported_key] == [("ES", Claim.OTHER_MEANING)]
    assert not check_claims("Kiran A. Ahuja signed it [1].", citations, signed).unsupported_key
    # Asked who operated an airplane (no title, nothing signed), a company is an answer.
    form = "Registered Owner: Wausau Flying Service Operator: Wausau Flying Service"
    operator = check_claims("Wausau Flying Service [1]", [Citation(1, "/docs/ntsb.pdf", 2, form)],
                            "Who was the operator of the Cessna 172?")
    assert not operator.unsupported_key
