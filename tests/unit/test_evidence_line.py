"""The source line closest to the question, quoted under an answer the claim check flags.

The passage and answer are what the bundled model was given and wrote for corpus question q018
(NTSB DFW08WA043): it gave the serial number as the registration. The answer stays with its
marks; the line under it, word for word, holds the registration. Every consumer of the answer's
events (the window, the CLI, the API) must end with the text that is saved.
"""

from __future__ import annotations

import json

import pytest

from desktop_app.config.settings import Settings
from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.records import Claim, Hit, NoticeEvent
from desktop_app.llm.fake import FakeBackend
from desktop_app.services.answer_recheck import evidence_line, split_evidence_line
from desktop_app.services.assistant import Assistant
from tests.assistant_helpers import ask, streamed_last
from tests.unit.assistant_fakes import FakeRetriever, fake_grounding
from tests.unit.cli_fakes import fake_core, run_cli, with_library  # noqa: F401 (fixture)

QUESTION = "What was the registration of the Cessna 210 that hit mountainous terrain near Arteaga, Mexico?"
LINE = ("On December 6, 2007, at 1308 central standard time, a Cessna 210, XB-GTS, serial number 21057478, was "
        "destroyed upon impact with mountainous terrain in the area of Mesa de las Tablas.")
PASSAGE = "Location: Arteaga, Mexico Accident Number: DFW08WA043 Registration: Aircraft: Cessna 210.\n" + LINE
WRONG = "The registration of the Cessna 210 was 21057478 [1]."
QUOTED = f"The closest line in the sources [1]: “{LINE}”"


@pytest.fixture
def store(tmp_path):
    s = ConversationStore(tmp_path / "c.sqlite3")
    yield s
    s.close()


ARTEAGA = Hit("/docs/ntsb-arteaga.pdf", 1, PASSAGE, 0.9, "ntsb")


def _assistant(store, backend: FakeBackend, hits=(ARTEAGA,)) -> Assistant:
    return Assistant(store=store, backend_factory=lambda: backend, settings=Settings(),
                     retriever_factory=lambda: FakeRetriever(hits), grounding=fake_grounding)


def test_a_flagged_answer_is_followed_by_the_closest_source_line(store):
    events = list(ask(_assistant(store, FakeBackend().enqueue(WRONG)), QUESTION, collections=["ntsb"]))
    done = events[-1].answer
    assert done.text == f"{WRONG}\n\n{QUOTED}"
    assert streamed_last(events) == done.text
    # The model's figure keeps its mark, in its place.
    (claim,) = [c for c in done.claims.claims if c.text == "21057478"]
    assert (claim.supported, claim.reason) == (False, Claim.OTHER_MEANING)
    assert done.text[claim.start:claim.end] == "21057478"
    assert any("quoted under it" in e.text for e in events if isinstance(e, NoticeEvent))
    saved = store.messages(done.conversation_id)[-1]
    assert saved.content == done.text and saved.meta["evidence_line"] is True


def test_a_supported_answer_gets_no_line(store):
    right = "The Cessna 210 was registered XB-GTS [1]."
    done = list(ask(_assistant(store, FakeBackend().enqueue(right)), QUESTION, collections=["ntsb"]))[-1].answer
    assert done.text == right and not done.notices


def test_no_line_when_the_answer_already_quotes_it():
    from desktop_app.core.records import Citation
    from desktop_app.rag.claim_check import check_claims

    cites = [Citation(1, "/docs/ntsb-arteaga.pdf", 1, PASSAGE)]
    copied = f"The registration was 21057478 [1]. {LINE}"
    check = check_claims(copied, cites, QUESTION)
    assert check.unsupported_key  # still flagged: the answer's own sentence gives the serial number
    assert evidence_line(QUESTION, cites, copied, check) is None
    assert evidence_line(QUESTION, cites, WRONG, check_claims(WRONG, cites, QUESTION)) == QUOTED


def test_the_cli_prints_the_line_after_the_answer(fake_core, capsys, monkeypatch):  # noqa: F811
    with_library(monkeypatch, [ARTEAGA], ("ntsb",))
    fake_core.backend_fake.enqueue(WRONG)
    code, out, err = run_cli(capsys, "ask", "--collection", "ntsb", QUESTION)
    assert code == 0
    assert out.startswith(f"{WRONG}\n\n{QUOTED}\n")
    assert "quoted under it" in err and "21057478" in err  # the notice and the check's warning
    fake_core.backend_fake.enqueue(WRONG)
    code, out, _ = run_cli(capsys, "ask", "--json", "--collection", "ntsb", QUESTION)
    assert json.loads(out)["answer"] == f"{WRONG}\n\n{QUOTED}"


def test_the_models_words_and_the_quoted_line_come_apart():
    # The benchmarks judge the claim check on the model's own words, not on the line quoted under them.
    assert split_evidence_line(f"{WRONG}\n\n{QUOTED}") == (WRONG, QUOTED)
    assert split_evidence_line(WRONG) == (WRONG, "")
    assert split_evidence_line(QUOTED) == (QUOTED, "")  # a quote in the answer's place is not one under it


# us-fed-agency-reports: the FY 2013 report's message from the Director ends with its signature.
SIGNED = ("Only by focusing on measured results can we further our ability to meet the unique human resource "
          "challenges of the Federal Government and ensure a world-class 21st Century civilian workforce.\n"
          "Katherine Archuleta Director\nMarch 7, 2014\n4")
SIGNER_QUESTION = "Who signed the Director's message in OPM's annual performance report for fiscal year 2013?"


def _opm_assistant(store, backend: FakeBackend, text: str) -> Assistant:
    return _assistant(store, backend, [Hit("/docs/2013-annual-performance-report.pdf", 4, text, 0.9, "opm")])


def test_a_decline_to_who_signed_gives_way_to_the_signature(store):
    # q131, stop 33: the model declined with the signature block in its prompt.
    backend = FakeBackend().enqueue("The documents do not contain this.")
    events = list(ask(_opm_assistant(store, backend, SIGNED), SIGNER_QUESTION, collections=["opm"]))
    done = events[-1].answer
    assert done.text == "The closest line in the sources [1]: “Katherine Archuleta Director March 7, 2014”"
    assert streamed_last(events) == done.text and done.claims is None


def test_asked_who_holds_a_title_the_line_under_a_flagged_answer_names_the_holder(store):
    # q139, stop 33: asked who signed, the model gave the title; the check marks it (no person named).
    backend = FakeBackend().enqueue("The message was signed by the Acting Director [1].")
    passage = ("Message from the Director. Since I became Acting Director of OPM in July 2015, it has been my "
               "privilege to work with the agency's talented and dedicated workforce. Beth F. Cobert\nActing Director")
    done = list(ask(_opm_assistant(store, backend, passage), "Who signed the message in OPM's FY 2015 report?",
                    collections=["opm"]))[-1].answer
    assert done.text.endswith("\n\nThe closest line in the sources [1]: “Beth F. Cobert Acting Director”")


def test_no_line_that_offers_nothing_of_the_flagged_kind():
    # q071, stop 33: a flagged dose, and the closest line is the protocol's running header (a date,
    # no figure): quoting it under the answer only adds noise.
    from desktop_app.core.records import Citation
    from desktop_app.rag.claim_check import check_claims

    question = ("In the trial comparing platelet-rich plasma with corticosteroids for rotator cuff tendinopathy, "
                "what corticosteroid dose does the control group receive?")
    header = ("VersionOctober 10,2023 Comparison between Platelet Rich Plasma and Corticosteroids for the Treatment "
              "of Rotator Cuff Tendinopathy Randomized Controlled Double Blind Clinical Trial")
    cites = [Citation(1, "/docs/NCT06150378.pdf", 1, header)]
    answer = "The control group receives corticosteroids at a dose of 1000 mg [1]."
    check = check_claims(answer, cites, question)
    assert check.unsupported_key
    assert evidence_line(question, cites, answer, check) is None
    # A line with a dose of its own is quoted.
    cites = [Citation(1, "/docs/NCT06150378.pdf", 4, header + ". The control group receives a subacromial "
                      "infiltration with corticosteroids (betamethasone 2 mg) under ultrasound control.")]
    check = check_claims(answer, cites, question)
    assert "betamethasone 2 mg" in (evidence_line(question, cites, answer, check) or "")
