"""A two-part answer's claim check, part by part (services.part_claims), and two readings it needed:
a law's name is no person, and a label ("Visit 4") is no window.

The passages are excerpts of the corpus PDFs the bundled model was given for q058, q158 and q081 in
stop 34; each flagged answer is what it wrote there, marked fully supported by the check before."""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.config.settings import Settings
from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.records import Citation, Claim
from desktop_app.llm.fake import FakeBackend
from desktop_app.rag.claim_check import check_claims
from desktop_app.rag.role_holders import names_a_person
from desktop_app.services.assistant import Assistant
from desktop_app.services.part_claims import check_by_part, checked_parts
from tests.assistant_helpers import ask
from tests.unit.assistant_fakes import fake_grounding
from tests.unit.test_question_parts import ByAgencyRetriever

# 20080116X00055.pdf, 20080123X00097.pdf and 20071229X02007.pdf (NTSB), page 1
SOLEDAD = Citation(1, "/c/20080116X00055.pdf", 1, "Aircraft: Air Tractor AT-401 … Flight Time: 11000 hours "
                   "(Total, all aircraft), 240 hours (Total, this make and model)",
                   document="Aviation Accident Final Report, Soledad, CA")
MUSCLE_SHOALS = Citation(2, "/c/20080123X00097.pdf", 1, "Aircraft: Piper PA-31T … The pilot reported 10127 hours "
                         "of total flight experience.", document="Aviation Accident Final Report, Muscle Shoals, AL")
TALLAHASSEE = Citation(3, "/c/20071229X02007.pdf", 1, "The pilot, age 85, was attempting to land a Piper PA-22-150 "
                       "at his private airstrip. The pilot reported a total flight experience of 2,319 hours.",
                       document="Aviation Accident Final Report, Tallahassee, FL")
HOURS_Q = ("How many total flight hours did the pilots have in the Air Tractor AT-401 accident near Soledad, California "
           "and in the Piper PA-31T gear-up landing at Muscle Shoals, Alabama?")


@dataclass
class Part:
    question: str
    citations: tuple[Citation, ...]


def _check(text, part, quoted):
    return check_claims(text, part.citations, part.question, quoted=quoted)


HOURS_PARTS = (Part("How many total flight hours did the pilots have in the Air Tractor AT-401 accident near Soledad, "
                    "California?", (SOLEDAD,)),
               Part("How many total flight hours did the pilots have in the Piper PA-31T gear-up landing at Muscle "
                    "Shoals, Alabama?", (MUSCLE_SHOALS, TALLAHASSEE)))
HOURS_TEXTS = ["The pilot had a total flight time of 11000 hours (Total, all aircraft).",
               "The Piper PA-31T pilot had a total flight experience of 2,319 hours."]


def test_a_parts_figure_from_another_report_is_flagged_though_the_whole_question_names_its_maker():
    # Checked as one answer to the whole question, "Piper" told the Tallahassee report from the
    # Soledad one, so it counted as on the subject and its 2,319 hours as supported.
    whole = check_claims("\n\n".join(HOURS_TEXTS), (SOLEDAD, MUSCLE_SHOALS, TALLAHASSEE), HOURS_Q)
    assert not whole.unsupported_key
    done = checked_parts(HOURS_PARTS, HOURS_TEXTS, _check)
    assert [(c.text, c.reason) for c in done.claims.unsupported_key] == [("2,319", Claim.OTHER_SUBJECT)]
    # The claims sit where the part sits in the message, and the part the sources state got its marker.
    assert done.text.startswith("The pilot had a total flight time of 11000 hours (Total, all aircraft) [1].\n\n")
    assert done.markers_added
    for claim in done.claims.claims:
        assert done.text[claim.start:claim.end] == claim.text
    assert [done.text[s:e] for s, e in done.spans] == done.text.split("\n\n")


def test_the_saved_parts_give_the_same_check_again():
    done = checked_parts(HOURS_PARTS, HOURS_TEXTS, _check)
    again = check_by_part(done.text, done.meta(HOURS_PARTS), (SOLEDAD, MUSCLE_SHOALS, TALLAHASSEE),
                          lambda t, q, c, quoted: check_claims(t, c, q, quoted=quoted))
    assert again == done.claims
    assert done.meta(HOURS_PARTS)[1]["sources"] == [2, 3]


# 2019-annual-performance-report.pdf page 8 and 2022-annual-performance-report.pdf page 4 (OPM), q158
ARTHUR = Citation(1, "/c/2019-annual-performance-report.pdf", 8, "OPM's roots go back to 1883, when President "
                  "Chester A. Arthur signed the Civil Service Act of 1883.")
AHUJA = Citation(2, "/c/2022-annual-performance-report.pdf", 4, "Kiran Ahuja, Director")


def test_a_who_part_naming_a_law_is_flagged_though_the_other_part_names_a_person():
    parts = (Part("Who signed OPM's FY 2019 annual performance report?", (ARTHUR,)),
             Part("Who is Director in the most recent one?", (AHUJA,)))
    texts = ["Arthur signed the Civil Service Act of 1883 [1].", "The Director in the most recent one is Kiran Ahuja [2]."]
    done = checked_parts(parts, texts, _check)
    assert [(c.text, c.reason) for c in done.claims.unsupported_key] == [("Civil Service Act", Claim.OTHER_MEANING)]
    assert [c.text for c in done.claims.claims if c.supported and c.kind == "name"] == ["Kiran Ahuja"]


def test_a_laws_or_a_bodys_name_is_no_person():
    assert not names_a_person("Arthur signed the Civil Service Act of 1883.")
    assert not names_a_person("under the Paperwork Reduction Act")
    assert names_a_person("Michael S. Regan Environmental Protection Agency")  # a signature and its agency
    assert names_a_person("Kiran Ahuja, Director")


# NCT06151600_Prot_000.pdf (CMT4J natural history study), page 26, q081
SCHEDULE = ("3. Receiving an investigational drug within 90 days of the Baseline Visit 4. … Baseline Month 12 "
            "Month 24 Visit Window + 4 wks + 4 wks")
WINDOW_Q = ("What visit window applies to the Baseline, Month 12 and Month 24 visits in the CMT4J natural history "
            "study's schedule of events?")


def test_a_visits_number_is_no_window():
    label = check_claims("The visits apply to the Baseline Visit 4 [1].", [Citation(1, "p.pdf", 26, SCHEDULE)],
                         WINDOW_Q)
    assert [(c.text, c.reason) for c in label.unsupported_key] == [("4", Claim.OTHER_MEANING)]
    for right in ("The visit window is + 4 wks [1].", "The window is 4 weeks [1]."):
        assert not check_claims(right, [Citation(1, "p.pdf", 26, SCHEDULE)], WINDOW_Q).unsupported_key


def test_a_two_part_answer_is_saved_with_its_parts_and_checked_part_by_part(tmp_path):
    # The GSA's head given for the EPA: the whole message's sources state the name, the EPA part's do not.
    store = ConversationStore(tmp_path / "c.sqlite3")
    backend = FakeBackend().enqueue("The EPA is headed by Robin Carnahan [1].", "The GSA is headed by Robin Carnahan [2].")
    assistant = Assistant(store=store, backend_factory=lambda: backend, settings=Settings(),
                          retriever_factory=ByAgencyRetriever, grounding=fake_grounding)
    answer = list(ask(assistant, "Who heads the EPA, and who heads the GSA?", collections=["plans"]))[-1].answer
    saved = store.messages(answer.conversation_id)[-1]
    parts = saved.meta["parts"]
    assert [p["question"] for p in parts] == ["Who heads the EPA?", "Who heads the GSA?"]
    # The flagged part has its closest source line under it (answer_recheck.part_rechecked).
    assert [answer.text[p["start"]:p["end"]] for p in parts] == [
        "The EPA is headed by Robin Carnahan [1].\n\nThe closest line in the sources [1]: “Michael S. Regan, Administrator”",
        "The GSA is headed by Robin Carnahan [2]."]
    assert [p["sources"] for p in parts] == [[1], [2]]
    names = [(c.text, c.supported, c.start) for c in answer.claims.claims if c.kind == "name" and c.key]
    second = parts[1]["start"] + len("The GSA is headed by ")
    assert names == [("Robin Carnahan", False, len("The EPA is headed by ")), ("Robin Carnahan", True, second)]
    assert saved.meta["claims"] == answer.claims.to_json()
    store.close()
