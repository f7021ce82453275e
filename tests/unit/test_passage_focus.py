"""Which sentences of the retrieved passages the model reads (rag.passage_focus)."""

from __future__ import annotations

from desktop_app.rag.passage_focus import focus_passages, split_sentences

FORM = ("The Piper PA-22-150 was a high-wing airplane. The Piper PA-22-150 had been inspected in 2007. "
        "The pilot of the Piper PA-22-150 held a private certificate. The Piper PA-22-150 was substantially damaged. "
        "The airplane departed Islas Secas at approximately 1145. The Piper PA-22-150 carried two people. "
        "Weather near the Piper PA-22-150 was clear. The Piper PA-22-150 was owned by the pilot.")
OTHER = ("The Piper PA-22-150 accident occurred near Boquete. The Piper PA-22-150 was registered in Panama. "
         "The Piper PA-22-150 was built in 1956. The Piper PA-22-150 engine was a Lycoming.")


def test_the_sentence_with_the_asked_word_wins_over_those_repeating_the_subject():
    # Every sentence names the airplane; only one says where it departed from.
    kept = focus_passages("Where did the Piper PA-22-150 that crashed near Boquete depart from?", [FORM, OTHER], 220)
    assert "departed Islas Secas" in kept[0]
    assert sum(len(k) for k in kept) <= 220 + 2 * len(" … ") * 2


def test_every_passage_keeps_its_best_sentence_and_cuts_are_marked_in_document_order():
    kept = focus_passages("Which engine did the Piper PA-22-150 have?", [FORM, OTHER], 200)
    assert kept[1].startswith("… ") and "engine was a Lycoming" in kept[1]
    assert kept[0]  # the first passage is still a source, with its best sentence
    for text, original in zip(kept, [FORM, OTHER]):
        parts = [p for p in text.split("…") if p.strip()]
        positions = [original.index(p.strip()) for p in parts]
        assert positions == sorted(positions)


def test_passages_that_fit_together_are_kept_whole():
    short = ["Revenue grew 3 percent.", "Costs fell."]
    assert focus_passages("How much did revenue grow?", short, 1600) == short


def test_a_passage_without_sentence_ends_is_cut_not_dropped():
    table = "Measure FY2019 FY2020 FY2021 " + " ".join(f"Row{i} {i}.0 {i}.5 {i}.9" for i in range(200))
    (kept,) = focus_passages("What was Row3 in FY2020?", [table], 300)
    assert 0 < len(kept) <= 302 and kept.startswith("Measure FY2019")


def test_a_name_with_an_initial_is_not_cut_as_a_sentence_end():
    # Cut after "Omar A.", the prompt held half a name and the model answered "Omar A.".
    text = ("Site Contact Information: Primary Investigator Omar A. Ibrahimi, M.D., Ph.D. Connecticut Skin Institute. "
            "Registered Owner: Mark G. Meehleis Operator: Dr. Anna Whelan. " + "Filler sentence about nothing. " * 30)
    (kept,) = focus_passages("Who is the primary investigator and the registered owner?", [text], 200)
    assert "Omar A. Ibrahimi" in kept and "Mark G. Meehleis" in kept


def test_an_abbreviation_with_full_stops_does_not_end_a_sentence():
    assert split_sentences("The Secretary of the U.S. Department of Commerce is Gina Raimondo. It has bureaus.") == [
        "The Secretary of the U.S. Department of Commerce is Gina Raimondo.", "It has bureaus."]


FORM_PAGE = ("Stakeholder(s):\nMiguel A. Cardona, Ed.D. School Districts\nRole: Secretary of Education "
             "Institutions of Higher Education\n" + "The Department funds programs for states and districts. " * 30)


def test_asked_who_a_form_line_brings_the_fragments_next_to_it_not_only_one():
    # A page laid out as a form is split into fragments: one neighbour of "Secretary of Education"
    # was "Role:", and the model, shown the role without the name, answered "... is [1]."
    (kept,) = focus_passages("Who is the Secretary of Education named in the plan?", [FORM_PAGE], 200)
    assert "Miguel A. Cardona" in kept


def test_other_questions_keep_one_piece_on_each_side():
    (kept,) = focus_passages("What is the role of the Secretary of Education in the plan?", [FORM_PAGE], 200)
    assert "Cardona" not in kept and "Role: Secretary of Education" in kept


def test_prose_keeps_one_whole_sentence_on_each_side_even_asked_who():
    sentences = [f"Sentence number {i} says something long enough about the plan." for i in range(20)]
    sentences[10] = "The airport manager was Dana Smith."
    (kept,) = focus_passages("Who was the airport manager?", [" ".join(sentences)], 200)
    assert kept == f"… {sentences[9]} {sentences[10]} {sentences[11]} …"


def test_the_closest_line_is_the_best_scored_sentence_that_says_more_than_the_question():
    from desktop_app.rag.passage_focus import closest_line
    assert closest_line("Where did the Piper PA-22-150 that crashed near Boquete depart from?", [OTHER, FORM]) == \
        (1, "The airplane departed Islas Secas at approximately 1145.")
    # A line that only repeats the question's words is no answer: nothing is returned.
    assert closest_line("Where did the Piper PA-22-150 depart?", ["The Piper PA-22-150 did depart."]) is None
    assert closest_line("What is the capital of France?", [FORM]) is None  # no telling word in common


def test_a_closest_line_that_ends_on_a_label_brings_its_value():
    from desktop_app.rag.passage_focus import closest_line
    # A table row split at its cells' colons: the quote stopped at "June 25, 2022:", before the figure.
    passage = ("… Net sales: Products | Three Months Ended June 25, 2022: 66,386 | Nine Months Ended June 25, 2022: 68,910 "
               "Services | Three Months Ended June 25, 2022: 19,888 … Three Months Ended Nine Months Ended Total net sales | "
               "Three Months Ended June 25, 2022: 86,274 | Nine Months Ended June 25, 2022: 91,864 Cost of sales: …")
    _index, line = closest_line("What were Apple's total net sales for the three months ended June 25, 2022?", [passage])
    assert line.endswith("Total net sales | Three Months Ended June 25, 2022: 86,274")
    finding = ("The National Transportation Safety Board determines the probable cause(s) of this accident to be: "
               "The pilot's misjudged clearance over obstacles during final approach.")
    assert closest_line("What did the board determine the probable cause of this accident to be?", [finding])[1] == \
        " ".join(finding.split())


def test_an_ending_does_not_hide_the_asked_word_owned_is_owner():
    from desktop_app.rag.passage_focus import question_terms
    assert {"own", "cas", "sign"} <= question_terms("Who owned it, how many cases, who signed?")
    assert question_terms("the Owner and the case") >= {"own", "cas"}
    assert question_terms("in FY 2019 with 435 hours") >= {"2019", "435", "hour"}


PROTOCOL = [
    "The Feasibility of Virtual Reality-Based Activities for Upper Limb Rehabilitation of People with Tetraplegia. "
    "Virtual Reality technology for upper limb rehabilitation of tetraplegia is promising. "
    "Participants with tetraplegia use virtual reality for upper limb rehabilitation at the unit.",
    "Recruitment of participants: The study aims to recruit 24 participants using convenience sampling. "
    "Upper limb function in tetraplegia will be measured with GRASSP. Virtual reality sessions last 30 minutes.",
]
LABEL = "Glasgow Caledonian University · Study Protocol · The Feasibility of Virtual Reality-Based Activities for " \
        "Upper Limb Rehabilitation of People with Tetraplegia"


def test_words_naming_the_document_count_less_than_the_words_asked():
    # Every sentence repeats the study's subject ("virtual reality", "upper limb", "tetraplegia");
    # the one that answers says "recruit". Scored alike, the title took the room.
    question = "How many participants does the Glasgow study of virtual reality upper limb rehabilitation for " \
               "tetraplegia aim to recruit?"
    from desktop_app.rag.passage_focus import subject_terms
    subject = subject_terms(question, PROTOCOL, [LABEL, LABEL])
    assert {"virtua", "tetrap", "limb"} <= subject and "recrui" not in subject
    assert "glasgo" not in subject_terms(question, PROTOCOL)  # only its label says Glasgow
    assert "glasgo" in subject
    kept = focus_passages(question, PROTOCOL, 200, [LABEL, LABEL])
    assert "24 participants" in kept[1]


def test_a_long_piece_next_to_a_kept_label_lends_only_its_start():
    # "ASCT pretreatment protocol:" was kept, but its value opens a 400-character piece that did
    # not fit what was left: the dose never reached the prompt.
    long_value = "Melphalan (Mel) 200 mg/m2 Efficacy evaluation parameters include " + "serum immunoglobulin quantification, " * 12
    text = "Some unrelated opening sentence of the page. ASCT pretreatment protocol: " + long_value + " Closing words."
    kept, _ = focus_passages("What melphalan dose is used as the ASCT pretreatment?", [text, "Another passage. " * 20], 320)
    assert "ASCT pretreatment protocol: Melphalan (Mel) 200 mg/m2" in kept and kept.count("immunoglobulin") < 6


# us-fed-agency-reports/EPA2022.pdf, page 7 as the index holds it: a plan's list of stakeholders.
STAKEHOLDERS = ("Strategic Plan U.S. Environmental Protection Agency U.S. Environmental Protection Agency (EPA) "
                "Stakeholder(s): Michael Regan :\nAdministrator Vision Healthy environment, healthy people. "
                "Mission To protect human health and the environment. The EPA Strategic Plan communicates the "
                "Agency's priorities for fiscal years 2022 to 2026 and the roadmap for achieving its mission. "
                "The EPA Strategic Plan was developed with input from states, tribes and communities across the nation.")
PLAN = ("In 2021, EPA issued a Policy Statement and a Climate Adaptation Action Plan under the Strategic Plan. "
        "The FY 2022-2026 EPA Strategic Plan sets goals and objectives for the Agency. "
        "The Strategic Plan also describes how the EPA will measure progress each fiscal year.")


def test_asked_who_holds_a_title_the_name_beside_it_is_kept():
    question = "Who is the EPA Administrator named in EPA's FY 2022-2026 Strategic Plan?"
    kept = focus_passages(question, [STAKEHOLDERS, PLAN], 320)
    assert "Michael Regan" in kept[0] and "Administrator" in kept[0]


# NCT06158269 page 4 as the index holds it: a dose list written one item a line after its lead-in.
DOSES = ("Otherwise, the triple drug maintenance therapy is continued for a total of 24 cycles.\n"
         "Induction and consolidation therapy (28 days as one treatment cycle, cycles 1-8) DVRd protocol dose:\n…\n"
         "Daratumumab 16 mg/kg, d1,8,15,22 (cycles 1-2); d1,15 (cycles 3-6); d1 (cycles 7-8)\n"
         "Bortezomib 1.3 mg/m2, d1,8,15,22\nLenalidomide 25 mg, d1-21\nDexamethasone 20 mg, biw\n"
         "Maintenance therapy (28 days as one treatment cycle, cycles 9-32)\n")
FILLER = "The study enrolled patients at one hospital and followed them for three years after treatment. " * 8


def test_a_lead_in_brings_the_list_it_introduces_past_a_bare_ellipsis():
    # The lead-in was kept and its one neighbour was the "…" line: the doses never reached the prompt.
    kept, _ = focus_passages("What bortezomib dose is used during DVRd induction and consolidation?", [DOSES, FILLER], 360)
    assert "DVRd protocol dose: … Daratumumab 16 mg/kg" in kept and "Bortezomib 1.3 mg/m2" in kept
    assert "Maintenance therapy" not in kept  # the list ends where its budget (CONTINUATION_SLACK) does


def test_a_finding_after_to_be_and_every_item_of_a_list_split_at_semicolons_come_with_their_label():
    report = ("Analysis The student flared too high and the airplane ballooned. " * 3 + "Probable Cause and Findings The "
              "National Transportation Safety Board determines the probable cause(s) of this accident to be: The flight "
              "instructor's inadequate remedial action and failure to maintain runway alignment. Findings Occurrence #1: "
              "LOSS OF CONTROL.")
    (kept,) = focus_passages("What probable cause did the NTSB determine for the accident?", [report], 200)
    assert "to be: The flight instructor's inadequate remedial action and failure to maintain runway alignment." in kept
    # 20080102X00002.pdf, page 3 as the index holds it.
    weather = ("Setting: 30.3 inches Hg Temperature/Dew Point: -5°C / -6°C\nPrecipitation and Obscuration: Fog; Snow "
               "Grains\nDeparture Point: Chalon (LFLH) Type of Flight Plan Filed: Unknown\nDestination: Bourg (LFHS) "
               + FILLER)
    (kept,) = focus_passages("What precipitation or obscuration was reported?", [weather], 120)
    assert "Precipitation and Obscuration: Fog; Snow Grains" in kept and "Chalon" not in kept  # stops at the next label
