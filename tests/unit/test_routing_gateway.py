"""The gateway: policy and environment, plans under the privacy rules, audited streaming."""

from __future__ import annotations

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.core.errors import CloudError
from desktop_app.core.records import Hit, Message
from desktop_app.llm.fake import FakeBackend
from desktop_app.routing.audit import AuditLog
from desktop_app.routing.gateway import BASE_URL_ENV, MODEL_ENV, build_gateway, resolve_cloud_config

HARD = "Write a 600-word blog post about our new hybrid work policy. Ask readers to mail jane.doe@acme.com."
EASY = "What does KPI stand for?"


def settings(policy="auto", base_url="http://127.0.0.1:9/v1", model="big"):
    s = Settings()
    s.routing.policy = policy
    s.routing.cloud.base_url = base_url
    s.routing.cloud.model = model
    return s


@pytest.fixture
def paths(tmp_path):
    return AppPaths.resolve(tmp_path)


def make(paths, s=None, policy=None, environ=None, cloud=None):
    cloud = cloud or FakeBackend("big", context_length=100_000)
    gw = build_gateway(paths, s or settings(), policy or MachinePolicy(), environ or {}, backend_factory=lambda cfg: cloud)
    return gw, cloud


def prompt(question, passages=""):
    user = f"Sources:\n{passages}\nQuestion: {question}" if passages else question
    return [Message("system", "You are helpful."), Message("user", "earlier question from bob@example.com"),
            Message("assistant", "earlier answer"), Message("user", user)]


def test_off_or_no_endpoint_builds_nothing(paths):
    assert build_gateway(paths, settings(policy="off"), MachinePolicy(), {}) is None
    assert build_gateway(paths, settings(base_url=""), MachinePolicy(), {}) is None
    # an environment endpoint cannot switch on a policy that is off
    assert build_gateway(paths, settings(policy="off"), MachinePolicy(), {BASE_URL_ENV: "http://127.0.0.1:1/v1"}) is None


def test_environment_overrides_for_one_run_unless_pinned():
    env = {BASE_URL_ENV: "http://10.0.0.5:8000/v1", MODEL_ENV: "env-model"}
    cfg = resolve_cloud_config(settings(base_url=""), MachinePolicy(), env)
    assert (cfg.base_url, cfg.model) == ("http://10.0.0.5:8000/v1", "env-model")
    pinned = MachinePolicy(values={"routing.cloud.base_url": "https://gw.corp.example/v1"})
    s = pinned.apply(settings(base_url="http://elsewhere/v1"))
    cfg = resolve_cloud_config(s, pinned, env)
    assert cfg.base_url == "https://gw.corp.example/v1" and cfg.model == "env-model"
    assert any("managed by your organization" in n for n in cfg.notes)
    off = MachinePolicy(values={"routing.policy": "off"})
    assert resolve_cloud_config(off.apply(settings()), off, env) is None


def test_easy_question_stays_local(paths):
    gw, cloud = make(paths)
    plan = gw.plan(EASY, prompt(EASY), [], None, 4096, 50)
    assert plan.route == "local" and not plan.outgoing
    assert cloud.history == []


def test_hard_question_auto_plans_redacted_outgoing_without_history(paths):
    gw, _ = make(paths)
    plan = gw.plan(HARD, prompt(HARD), [], None, 4096, 80)
    assert plan.route == "cloud" and not plan.needs_confirmation and plan.model == "big"
    assert [m.role for m in plan.outgoing] == ["system", "user"]
    sent = "\n".join(m.content for m in plan.outgoing)
    assert "jane.doe@acme.com" not in sent and "[EMAIL_1]" in sent
    assert "bob@example.com" not in sent and "earlier answer" not in sent
    assert plan.redactions == {"[EMAIL_1]": "jane.doe@acme.com"}
    assert "long piece of writing" in plan.reason


def test_ask_policy_needs_confirmation_with_exact_preview(paths):
    gw, _ = make(paths, settings(policy="ask"))
    plan = gw.plan(HARD, prompt(HARD), [], None, 4096, 80)
    assert plan.needs_confirmation
    assert plan.outgoing[1].content in plan.preview and "[EMAIL_1]" in plan.preview
    assert "jane.doe" not in plan.preview and "1 e-mail address" in plan.preview
    forced = gw.plan(EASY, prompt(EASY), [], "cloud", 4096, 50)
    assert forced.route == "cloud" and not forced.needs_confirmation


def test_on_device_only_passages_never_planned_out(paths):
    s = settings()
    s.routing.on_device_only_collections = ["hr"]
    gw, _ = make(paths, s)
    hits = [Hit("hr/salaries.pdf", 3, "Band C: 70-85k", 0.8, collection="hr")]
    plan = gw.plan(HARD, prompt(HARD, "[1] Band C: 70-85k"), hits, "cloud", 4096, 80)
    assert plan.route == "local" and not plan.outgoing
    assert any("on-device-only" in n for n in plan.notices)
    flagged = [Hit("x.pdf", 1, "secret", 0.9, collection="legal", on_device_only=True)]
    assert gw.plan(HARD, prompt(HARD, "[1] secret"), flagged, None, 4096, 80).route == "local"


def test_document_chars_counted(paths):
    gw, _ = make(paths)
    hits = [Hit("a.pdf", 1, "Remote work is allowed two days a week.", 0.2), Hit("b.pdf", 2, "Not included passage.", 0.1)]
    q = "Compare our remote-work policy with French law and recommend changes."
    plan = gw.plan(q, prompt(q, "[1] Remote work is allowed two days a week."), hits, None, 4096, 90)
    assert plan.route == "cloud"
    assert plan.document_chars == len("Remote work is allowed two days a week.")


def test_stream_audits_then_restores(paths):
    gw, cloud = make(paths)
    cloud.enqueue("Sure: contact [EMAIL_1] or EMAIL_1 today.")
    plan = gw.plan(HARD, prompt(HARD), [], None, 4096, 80)
    answer = "".join(gw.stream(plan))
    assert answer == "Sure: contact jane.doe@acme.com or jane.doe@acme.com today."
    assert cloud.history[0].messages == plan.outgoing
    [entry] = AuditLog(paths.audit_log).entries()
    assert entry.endpoint == "http://127.0.0.1:9/v1" and entry.model == "big"
    assert entry.messages[1]["content"] == plan.outgoing[1].content
    assert entry.redactions == {"EMAIL": 1}
    assert "jane.doe" not in paths.audit_log.read_text()


def test_unwritable_audit_sends_nothing(paths):
    gw, cloud = make(paths)
    paths.data_dir.mkdir(parents=True)
    paths.audit_log.mkdir()  # a directory where the log should be: cannot append
    plan = gw.plan(HARD, prompt(HARD), [], None, 4096, 80)
    with pytest.raises(CloudError, match="audit log"):
        list(gw.stream(plan))
    assert cloud.history == []


def test_confidence_probe_tips_borderline_only(paths):
    calls = []

    def probe(messages):
        calls.append(messages)
        return -3.0

    gw = build_gateway(paths, settings(), MachinePolicy(), {}, backend_factory=lambda c: FakeBackend(), confidence_probe=probe)
    q = "Explain how our pension scheme works."
    assert gw.plan(q, prompt(q), [], None, 4096, 40).route == "cloud"
    assert len(calls) == 1
    gw.plan(EASY, prompt(EASY), [], None, 4096, 40)  # clearly local: no probe needed
    assert len(calls) == 1


def test_invalid_endpoint_stays_local_with_reason(paths):
    gw, cloud = make(paths, settings(base_url="ftp://files.example.com"))
    plan = gw.plan(HARD, prompt(HARD), [], "cloud", 4096, 80)
    assert plan.route == "local" and "not an http" in plan.reason


def test_cloud_backend_plain_reasons_and_url_handling():
    from desktop_app.llm.cloud_backend import _connect_reason, _retry_after, _sse_data, chat_url

    assert chat_url("https://api.openai.com/v1/") == "https://api.openai.com/v1/chat/completions"
    assert chat_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080/v1/chat/completions"
    assert chat_url("https://gw.example/openai/v1/chat/completions") == "https://gw.example/openai/v1/chat/completions"
    assert _connect_reason(OSError("[Errno 111] Connection refused")) == "connection refused"
    assert "certificate" in _connect_reason(OSError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"))
    assert _retry_after("3") == 3.0 and _retry_after(None) is None and _retry_after("soon") is None
    assert 0 < _retry_after("Wed, 21 Oct 2099 07:28:00 GMT")
    lines = [": keep-alive", "data: {\"a\":", "data: 1}", "", "event: x", "data: [DONE]", "", "data: cut-off"]
    assert list(_sse_data(iter(lines))) == ['{"a":\n1}', "[DONE]"]
