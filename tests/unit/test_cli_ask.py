"""`slm-assistant ask` through the real dispatcher, with a FakeBackend as the model."""

from __future__ import annotations

import json
import os
import signal

from desktop_app.config.paths import AppPaths
from desktop_app.core.conversation_store import ConversationStore
from desktop_app.core.errors import ModelError
from desktop_app.llm.fake import FakeBackend
from tests.unit.assistant_fakes import FakeGateway
from tests.unit.cli_fakes import fake_core, run_cli, with_library  # noqa: F401 (fixture)


def _store() -> ConversationStore:
    return ConversationStore(AppPaths.resolve().conversations_db)


def test_ask_streams_answer_to_stdout_and_route_to_stderr(fake_core, capsys):
    fake_core.backend_fake.enqueue("Paris is the capital of France.")
    code, out, err = run_cli(capsys, "ask", "What is the capital of France?")
    assert code == 0
    assert out == "Paris is the capital of France.\n"
    assert "[On this device · fake-gemma]" in err


def test_ask_json_prints_one_object(fake_core, capsys):
    fake_core.backend_fake.enqueue("Paris.")
    code, out, err = run_cli(capsys, "ask", "--json", "Capital of France?")
    assert code == 0
    data = json.loads(out)  # exactly one JSON document on stdout
    assert data["answer"] == "Paris." and data["model"] == "fake-gemma" and data["route"] == "local"
    assert data["reason"] and data["sources"] == []
    assert set(data["timings"]) >= {"ttft_s", "tokens_per_s"} and data["timings"]["tokens_per_s"] > 0
    assert isinstance(data["conversation_id"], int)


def test_ask_continues_a_conversation(fake_core, capsys):
    fake_core.backend_fake.enqueue("Paris.", "About two million.")
    _, out, _ = run_cli(capsys, "ask", "--json", "Capital of France?")
    cid = json.loads(out)["conversation_id"]
    code, out, _ = run_cli(capsys, "ask", "--json", "--conversation", str(cid), "How many people live there?")
    assert code == 0 and json.loads(out)["conversation_id"] == cid
    sent = [m.content for m in fake_core.backend_fake.history[-1].messages[1:]]
    assert sent == ["Capital of France?", "Paris.", "How many people live there?"]
    with _store() as s:
        assert len(s.messages(cid)) == 4


def test_unknown_conversation_is_one_plain_line(fake_core, capsys):
    code, out, err = run_cli(capsys, "ask", "--conversation", "999", "hello")
    assert code != 0 and out == ""
    assert err.strip() == "SLM Assistant: That conversation no longer exists. Start a new conversation."


def test_model_failure_is_one_line_on_stderr(fake_core, capsys):
    fake_core.backend_fake.enqueue(ModelError("The model stopped working.", "Choose another model."))
    code, out, err = run_cli(capsys, "ask", "--json", "hello")
    assert code == 1 and out == ""
    assert err.strip().splitlines() == ["SLM Assistant: The model stopped working. Choose another model."]


def test_ctrl_c_stops_cleanly_and_keeps_partial_answer(fake_core, capsys):
    class InterruptedBackend(FakeBackend):
        def stream(self, request, cancel=None):
            for i, piece in enumerate(super().stream(request, cancel)):
                if i == 3:
                    os.kill(os.getpid(), signal.SIGINT)  # the user presses Ctrl+C
                yield piece

    fake = InterruptedBackend(model_name="fake-gemma").enqueue(" ".join(f"w{i}" for i in range(40)))
    fake_core.use_backend(fake)
    before = signal.getsignal(signal.SIGINT)
    code, out, err = run_cli(capsys, "ask", "Tell me a long story")
    assert code == 130
    assert out.strip() == "w0 w1 w2 w3"
    assert "Stopped" in err and "Traceback" not in err
    assert signal.getsignal(signal.SIGINT) is before  # the handler is put back
    with _store() as s:
        (conv,) = s.list_conversations()
        last = s.messages(conv.id)[-1]
    assert (last.content, last.status) == ("w0 w1 w2 w3", "stopped")


def test_policy_ask_without_a_terminal_stays_local_and_says_so(fake_core, capsys):
    gateway = FakeGateway(needs_confirmation=True)
    fake_core.with_gateway(gateway)
    fake_core.backend_fake.enqueue("Local essay.")
    code, out, err = run_cli(capsys, "ask", "--json", "Write an essay about rivers")
    assert code == 0
    assert json.loads(out)["route"] == "local" and gateway.streamed == []
    assert "not a terminal" in err and "--yes" in err


def test_policy_ask_with_yes_goes_to_the_cloud(fake_core, capsys):
    gateway = FakeGateway(needs_confirmation=True).enqueue("Cloud essay.")
    fake_core.with_gateway(gateway)
    code, out, err = run_cli(capsys, "ask", "--yes", "--json", "Write an essay about rivers")
    data = json.loads(out)
    assert code == 0 and data["route"] == "cloud" and data["answer"] == "Cloud essay."
    assert data["model"] == "big-cloud-model" and data["reason"] == "The question asks for long-form writing."


def test_route_cloud_when_policy_forbids_it_answers_locally_with_a_notice(fake_core, capsys, tmp_path, monkeypatch):
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"routing": {"policy": "off"}}))
    monkeypatch.setenv("SLM_ASSISTANT_POLICY_FILE", str(policy))
    fake_core.backend_fake.enqueue("Local.")
    code, out, err = run_cli(capsys, "ask", "--route", "cloud", "--json", "Write an essay")
    assert code == 0 and json.loads(out)["route"] == "local"
    assert "Your organization turned cloud hand-off off" in err
    assert "Answered on this device: cloud hand-off is off." in err


def test_question_from_stdin(fake_core, capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("What is the capital of Peru?\n"))
    code, out, _ = run_cli(capsys, "ask", "-")
    assert code == 0 and out.strip() == "Echo: What is the capital of Peru?"


def test_policy_ask_on_a_terminal_shows_reason_and_exact_text_then_obeys(fake_core, capsys, monkeypatch):
    import desktop_app.cli.ask as ask_cmd

    gateway = FakeGateway(needs_confirmation=True).enqueue("Cloud essay.")
    fake_core.with_gateway(gateway)
    fake_core.backend_fake.enqueue("Local essay.")
    monkeypatch.setattr(ask_cmd, "_interactive", lambda: True)
    replies = iter(["n", "y"])
    prompts = []
    monkeypatch.setattr("builtins.input", lambda prompt="": prompts.append(prompt) or next(replies))

    code, out, err = run_cli(capsys, "ask", "--json", "Write an essay about rivers")
    assert code == 0 and json.loads(out)["route"] == "local" and gateway.streamed == []
    assert "The question asks for long-form writing." in err  # the reason
    assert "Write an essay about rivers" in err  # the exact text that would be sent
    assert prompts == ["Send it to the cloud? [y/N] "]

    code, out, _ = run_cli(capsys, "ask", "--json", "Write an essay about rivers")
    assert code == 0 and json.loads(out)["route"] == "cloud" and len(gateway.streamed) == 1


LEAVE = "Staff get 25 days of paid leave."


def test_collections_ground_the_answer_and_sources_are_listed(fake_core, capsys, monkeypatch):
    from desktop_app.core.records import Hit

    retriever = with_library(monkeypatch, [Hit("/docs/handbook.pdf", 7, LEAVE, 0.8, "hr")])
    fake_core.backend_fake.enqueue("You get 25 days [1].")
    code, out, err = run_cli(capsys, "ask", "--collection", "hr", "How much leave do I get?")
    assert code == 0
    assert out.startswith("You get 25 days [1].\n")
    assert "Sources:\n  [1] handbook.pdf, page 7  (/docs/handbook.pdf)" in out
    assert retriever.calls[0][2] == ["hr"]
    assert "25 days of paid leave" in fake_core.backend_fake.history[-1].messages[-1].content


def test_without_collection_a_new_question_searches_every_indexed_collection(fake_core, capsys, monkeypatch):
    from desktop_app.core.records import Hit

    retriever = with_library(monkeypatch, [Hit("/docs/handbook.pdf", 7, LEAVE, 0.8, "hr")], ("hr", "legal"))
    fake_core.backend_fake.enqueue("You get 25 days [1].")
    code, out, _ = run_cli(capsys, "ask", "--json", "How much leave do I get?")
    data = json.loads(out)
    assert code == 0 and retriever.calls[0][2] == ["hr", "legal"]
    assert [(s["source"], s["page"]) for s in data["sources"]] == [("/docs/handbook.pdf", 7)]
    with _store() as s:  # searched for this question only: the conversation keeps no collections
        assert s.get_conversation(data["conversation_id"]).collections == []


def test_without_collection_a_miss_is_answered_like_plain_chat(fake_core, capsys, monkeypatch):
    retriever = with_library(monkeypatch, [])
    fake_core.backend_fake.enqueue("Paris.")
    code, out, _ = run_cli(capsys, "ask", "--json", "What is the capital of France?")
    data = json.loads(out)
    assert code == 0 and retriever.calls and data["answer"] == "Paris." and data["sources"] == []


def test_a_chosen_collection_without_the_answer_says_so(fake_core, capsys, monkeypatch):
    with_library(monkeypatch, [])
    code, out, _ = run_cli(capsys, "ask", "--json", "--collection", "hr", "What is the capital of France?")
    assert code == 0 and "do not contain" in json.loads(out)["answer"]
    assert fake_core.backend_fake.history == []  # the model was not asked to guess


def test_no_documents_skips_the_index(fake_core, capsys, monkeypatch):
    retriever = with_library(monkeypatch, [])
    fake_core.backend_fake.enqueue("Paris.")
    code, out, _ = run_cli(capsys, "ask", "--no-documents", "What is the capital of France?")
    assert code == 0 and out.startswith("Paris.") and retriever.calls == []


def test_a_conversation_forgets_collections_removed_from_the_index(fake_core, capsys, monkeypatch):
    from desktop_app.core.records import Hit

    retriever = with_library(monkeypatch, [Hit("/docs/handbook.pdf", 7, LEAVE, 0.8, "hr")], ("hr",))
    fake_core.backend_fake.enqueue("You get 25 days [1].")
    with _store() as s:
        cid = s.create_conversation("leave", ["hr", "removed-since"]).id
    code, out, _ = run_cli(capsys, "ask", "--json", "--conversation", str(cid), "How much leave do I get?")
    assert code == 0 and retriever.calls[0][2] == ["hr"] and json.loads(out)["sources"]


def test_latex_from_the_model_is_printed_readably_and_json_keeps_it(fake_core, capsys):
    fake_core.backend_fake.enqueue("It is \\( \\frac{1}{4} \\times 80 = 20 \\).", "It is \\( \\frac{1}{4} \\times 80 = 20 \\).")
    code, out, _ = run_cli(capsys, "ask", "Explain a quarter of eighty in a sentence")
    assert code == 0 and out.strip() == "It is 1/4 × 80 = 20."
    code, out, _ = run_cli(capsys, "ask", "--json", "Explain a quarter of eighty in a sentence")
    assert json.loads(out)["answer"] == "It is \\( \\frac{1}{4} \\times 80 = 20 \\)."
