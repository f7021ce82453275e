"""`ask` reports the claim check: per-claim JSON with --json, one warning line on stderr otherwise."""

from __future__ import annotations

import json

import pytest

from desktop_app.core.records import Claim, ClaimCheck, Hit
from desktop_app.rag.claim_notes import unsupported_note
from tests.unit.assistant_fakes import FakeRetriever
from tests.unit.cli_fakes import fake_core, run_cli  # noqa: F401 (fixture)

# nih-clinical-trial-protocols/NCT06147739_Prot_SAP_000.pdf, page 8
CRITERIA = "Inclusion criteria: (14) 1. Patients age range 13-18 years old. 2. Patients have anterior open bite."


@pytest.fixture
def protocol_library(monkeypatch):
    """Every core the CLI builds finds the inclusion criteria in collection "trials"."""
    import desktop_app.app as app
    from desktop_app.rag.records import CollectionInfo

    retriever = FakeRetriever([Hit("/docs/NCT06147739.pdf", 8, CRITERIA, 0.8, "trials")])

    class FakeLibrary:
        def retriever(self):
            return retriever

        def collections(self):
            return [CollectionInfo("trials", 1, 3, 9)]

        def close(self):
            pass

    build = app.build_core

    def build_with_library(home=None):
        core = build(home)
        core.provide(library=FakeLibrary())
        core.paths.index_manifest.parent.mkdir(parents=True, exist_ok=True)
        core.paths.index_manifest.touch()
        return core

    monkeypatch.setattr(app, "build_core", build_with_library)


def test_json_carries_each_claim(fake_core, capsys, protocol_library):
    fake_core.backend_fake.enqueue("Patients must be 14-18 years old and have an open bite [1].")
    code, out, _ = run_cli(capsys, "ask", "--json", "--collection", "trials", "Who can take part?")
    assert code == 0
    data = json.loads(out)
    (claim,) = data["claims"]
    assert {k: claim[k] for k in ("text", "kind", "supported", "source", "start", "end")} == {
        "text": "14-18", "kind": "range", "supported": False, "source": None, "start": 17, "end": 22}
    assert data["supported_ratio"] == 0.0


def test_json_supported_claim_names_its_source(fake_core, capsys, protocol_library):
    fake_core.backend_fake.enqueue("Patients aged 13 to 18 years [1].")
    _, out, _ = run_cli(capsys, "ask", "--json", "--collection", "trials", "Who can take part?")
    data = json.loads(out)
    (claim,) = data["claims"]
    assert claim["supported"] is True and claim["source"] == 1
    assert CRITERIA[claim["source_start"]:claim["source_end"]] == "13-18"
    assert data["supported_ratio"] == 1.0


def test_plain_ask_warns_once_on_stderr(fake_core, capsys, protocol_library):
    fake_core.backend_fake.enqueue("Patients must be 14-18 years old [1].")
    code, out, err = run_cli(capsys, "ask", "--collection", "trials", "Who can take part?")
    assert code == 0
    assert "Check:" not in out  # stdout stays the answer and its sources
    assert [line for line in err.splitlines() if line.startswith("Check:")] == [
        "Check: '14-18' is not found in the sources."]


def test_plain_ask_is_quiet_when_supported(fake_core, capsys, protocol_library):
    fake_core.backend_fake.enqueue("Patients aged 13 to 18 years [1].")
    _, _, err = run_cli(capsys, "ask", "--collection", "trials", "Who can take part?")
    assert "Check:" not in err


def test_json_without_sources_has_the_same_keys(fake_core, capsys):
    fake_core.backend_fake.enqueue("Paris.")
    _, out, _ = run_cli(capsys, "ask", "--json", "--no-documents", "Capital of France?")
    data = json.loads(out)
    assert data["claims"] == [] and data["supported_ratio"] is None


def _unsupported(*texts: str, key: bool = True) -> ClaimCheck:
    return ClaimCheck(tuple(Claim(t, "number", 0, len(t), False, key=key) for t in texts))


@pytest.mark.parametrize(("check", "line"), [
    (None, ""),
    (ClaimCheck(), ""),
    (_unsupported("Elaine Chao", key=False), ""),  # names are marked in the window, not warned about
    (_unsupported("10"), "Check: '10' is not found in the sources."),
    (_unsupported("10", "$10.5 billion"), "Check: '10' and '$10.5 billion' are not found in the sources."),
    (_unsupported("1", "2", "3", "4", "5"), "Check: '1', '2', '3' and 2 more are not found in the sources."),
    (_unsupported("10", "10"), "Check: '10' is not found in the sources."),
])
def test_warning_line(check, line):
    assert unsupported_note(check) == line
