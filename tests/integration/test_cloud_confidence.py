"""The router's confidence signal from the real bundled model (a 16-token local draft)."""

from __future__ import annotations

import math

import pytest

from desktop_app.config.paths import AppPaths
from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.core.records import Message
from desktop_app.llm.fake import FakeBackend
from desktop_app.routing.gateway import build_gateway
from desktop_app.routing.router import RoutingInput, decide

pytestmark = pytest.mark.slow


def test_borderline_question_uses_the_local_models_confidence(tmp_path, bundled_llama_backend):
    s = Settings()
    s.routing.policy = "auto"
    s.routing.cloud.base_url = "http://127.0.0.1:9/v1"
    seen: list[float] = []

    def probe(messages):
        value = bundled_llama_backend.draft_confidence(messages, max_tokens=8)
        seen.append(value)
        return value

    gw = build_gateway(AppPaths.resolve(tmp_path), s, MachinePolicy(), {}, backend_factory=lambda c: FakeBackend(),
                       confidence_probe=probe)
    q = "Explain how our pension scheme works."
    messages = [Message("system", "You are a helpful assistant."), Message("user", q)]
    plan = gw.plan(q, messages, [], None, 2048, 30)
    assert len(seen) == 1 and math.isfinite(seen[0]) and seen[0] <= 0.0
    expected = decide(RoutingInput(q, prompt_tokens=30, local_context_length=2048, local_confidence=seen[0]))
    assert (plan.route, plan.reason) == (expected.route, expected.reason)
