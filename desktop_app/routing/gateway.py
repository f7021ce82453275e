"""The cloud gateway: applies the policy and the privacy rules, plans hand-offs, streams them.

``build_gateway`` returns None when the policy is ``off`` or no endpoint is configured: then
no network code is loaded and the app opens no connection. Environment variables override the
endpoint, model and key for one run, except what the machine policy pins.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import os
from dataclasses import dataclass
from typing import Callable, Iterator, Mapping, Sequence
from urllib.parse import urlparse

from desktop_app.config.policy import MachinePolicy
from desktop_app.config.settings import Settings
from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import CloudError, StorageError
from desktop_app.core.records import Hit, Message, Route
from desktop_app.llm.base import GenerationRequest
from desktop_app.routing.audit import AuditLog
from desktop_app.routing.base import HandoffPlan
from desktop_app.routing.redaction import Redactor, StreamingRestorer, kind_counts
from desktop_app.routing.router import RouterConfig, RoutingInput, decide
from desktop_app.routing.secrets import get_api_key

log = logging.getLogger(__name__)

BASE_URL_ENV = "SLM_ASSISTANT_CLOUD_BASE_URL"
MODEL_ENV = "SLM_ASSISTANT_CLOUD_MODEL"

_KIND_WORDS = {"EMAIL": "e-mail address", "PHONE": "phone number", "CARD": "card number", "IBAN": "IBAN",
               "NATIONAL_ID": "ID number"}


@dataclass(frozen=True)
class CloudConfig:
    """The effective cloud settings for this run (settings + environment, under the policy)."""

    policy: str  # "ask" or "auto"
    base_url: str
    model: str
    timeout_s: float
    use_keychain: bool
    notes: tuple[str, ...] = ()
    problem: str = ""  # set when the endpoint cannot be used (then every question stays local)


def resolve_cloud_config(settings: Settings, policy: MachinePolicy, environ: Mapping[str, str] = os.environ) -> CloudConfig | None:
    """The cloud configuration for this run, or None when hand-off is off or has no endpoint."""
    cloud = settings.routing.cloud
    mode = settings.routing.policy
    if mode not in ("ask", "auto"):
        return None
    notes: list[str] = []
    base_url, model = cloud.base_url.strip(), cloud.model.strip()
    for env, key, current in ((BASE_URL_ENV, "routing.cloud.base_url", base_url), (MODEL_ENV, "routing.cloud.model", model)):
        value = environ.get(env, "").strip()
        if not value or value == current:
            continue
        if policy.is_locked(key):
            notes.append(f"{env} was ignored: {key} is managed by your organization.")
        elif key.endswith("base_url"):
            base_url = value
        else:
            model = value
    if not base_url:
        return None
    problem = ""
    parsed = urlparse(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        problem = f"The cloud endpoint '{base_url}' is not an http(s) address, so questions stay on this device."
    return CloudConfig(mode, base_url, model or "default", float(cloud.timeout_s), bool(cloud.use_keychain), tuple(notes), problem)


def build_gateway(
    paths,
    settings: Settings,
    policy: MachinePolicy,
    environ: Mapping[str, str] = os.environ,
    backend_factory: Callable[[CloudConfig], object] | None = None,
    confidence_probe: Callable[[Sequence[Message]], float] | None = None,
) -> "Gateway | None":
    """The gateway for this run, or None (policy off / no endpoint: no network at all).

    Args:
        backend_factory: builds the cloud ChatBackend (tests inject fakes); default CloudBackend.
        confidence_probe: mean token logprob of a short local draft (LocalLlamaBackend.draft_confidence).
    """
    config = resolve_cloud_config(settings, policy, environ)
    if config is None:
        return None
    return Gateway(config, AuditLog(paths.audit_log), settings, backend_factory, confidence_probe)


class Gateway:
    """Implements routing.base.CloudGateway: plan under the rules, then audit and stream."""

    def __init__(self, config: CloudConfig, audit: AuditLog, settings: Settings,
                 backend_factory: Callable[[CloudConfig], object] | None = None,
                 confidence_probe: Callable[[Sequence[Message]], float] | None = None,
                 router_config: RouterConfig = RouterConfig()) -> None:
        self.config = config
        self.audit = audit
        self.settings = settings
        self._backend_factory = backend_factory or _default_backend
        self._backend = None
        # Streams in flight, so that close() never cuts one off (see close).
        self._streams_lock = threading.Lock()
        self._streams = 0
        self._closed = False
        self.confidence_probe = confidence_probe
        self.router_config = router_config

    @property
    def endpoint(self) -> str:
        return self.config.base_url

    def backend(self):
        """The cloud ChatBackend, built on first use (reads the API key then)."""
        if self._backend is None:
            self._backend = self._backend_factory(self.config)
        return self._backend

    def close(self) -> None:
        """Close the cloud backend's HTTP connections; safe to call twice, and from any thread.

        An answer still streaming through this gateway (the settings changed mid-answer, and
        the Core built a new gateway) keeps its connection: the last stream to end closes it.
        """
        with self._streams_lock:
            self._closed = True
            if self._streams:
                return
            backend, self._backend = self._backend, None
        _close_backend(backend)

    def _stream_ended(self) -> None:
        with self._streams_lock:
            self._streams -= 1
            if not (self._closed and self._streams == 0):
                return
            backend, self._backend = self._backend, None
        _close_backend(backend)

    def plan(self, question: str, messages: Sequence[Message], hits: Sequence[Hit], forced: Route | None,
             local_context_length: int, prompt_tokens: int) -> HandoffPlan:
        """Decide local or cloud and build exactly what would be sent. Never raises."""
        try:
            return self._plan(question, messages, hits, forced, local_context_length, prompt_tokens)
        except Exception as exc:  # a bug here must keep the question local, never send it
            log.exception("Preparing the cloud hand-off failed; answering on this device")
            why = f"Answered on this device: the hand-off could not be prepared ({exc.__class__.__name__})."
            return HandoffPlan("local", why, notices=(why,))

    def _plan(self, question: str, messages: Sequence[Message], hits: Sequence[Hit], forced: Route | None,
              local_context_length: int, prompt_tokens: int) -> HandoffPlan:
        notes = list(self.config.notes)
        if self.config.problem:
            return HandoffPlan("local", self.config.problem, notices=tuple(notes + [self.config.problem]))
        inp = RoutingInput(
            question=question,
            history=tuple(messages[1:-1]),
            hits=tuple(hits),
            documents_in_play=bool(hits),
            prompt_tokens=prompt_tokens,
            local_context_length=local_context_length,
            forced=forced,
            cloud_available=True,
            on_device_only_collections=tuple(self.settings.routing.on_device_only_collections),
        )
        decision = decide(inp, self.router_config)
        if decision.signals.get("rule") == "score" and self.confidence_probe is not None:
            decision = self._with_confidence(inp, decision, messages)
        if decision.route == "local":
            if decision.signals.get("rule") == "on_device_only":
                shareable = decide(dataclasses.replace(inp, hits=(), documents_in_play=False), self.router_config)
                if forced == "cloud" or shareable.route == "cloud":
                    notes.append("Passages from on-device-only collections never leave this device, so this was answered here.")
            return HandoffPlan("local", decision.reason, notices=tuple(notes))
        outgoing, mapping, doc_chars = self._outgoing(messages, hits)
        needs_confirmation = self.config.policy == "ask" and forced != "cloud"
        plan = HandoffPlan(
            route="cloud",
            reason=decision.reason,
            model=self.config.model,
            needs_confirmation=needs_confirmation,
            outgoing=outgoing,
            notices=tuple(notes),
            redactions=mapping,
            document_chars=doc_chars,
        )
        return dataclasses.replace(plan, preview=self.preview(plan))

    def stream(self, plan: HandoffPlan, cancel: CancelToken | None = None) -> Iterator[str]:
        """Audit what is sent, then stream the answer with placeholders mapped back."""
        try:
            self.audit.record(self.config.base_url, plan.model or self.config.model, plan.outgoing,
                              plan.document_chars, plan.reason, kind_counts(plan.redactions))
        except StorageError:
            raise CloudError("the audit log could not be written, so nothing was sent") from None
        llm = self.settings.llm
        request = GenerationRequest(plan.outgoing, max_tokens=llm.max_tokens, temperature=llm.temperature)
        restorer = StreamingRestorer(dict(plan.redactions))
        with self._streams_lock:
            self._streams += 1
        try:
            for piece in self.backend().stream(request, cancel):
                shown = restorer.feed(piece)
                if shown:
                    yield shown
            rest = restorer.flush()
            if rest:
                yield rest
        finally:
            self._stream_ended()

    def test_connection(self):
        """Test the configured endpoint (see CloudBackend.test_connection)."""
        return self.backend().test_connection()

    def preview(self, plan: HandoffPlan) -> str:
        """The exact text that would be sent, with where it goes and what was redacted."""
        counts = kind_counts(plan.redactions)
        redacted = ", ".join(f"{n} {_KIND_WORDS.get(k, k.lower())}{'es' if n > 1 and k == 'EMAIL' else 's' if n > 1 else ''}"
                             for k, n in counts.items())
        lines = [
            f"To: {self.config.base_url} · model {plan.model}",
            f"Why: {plan.reason}",
            f"Redacted before sending: {redacted or 'nothing'}",
            f"Document text included: {plan.document_chars} characters",
            "",
        ]
        for m in plan.outgoing:
            lines += [f"── {m.role} ──", m.content, ""]
        return "\n".join(lines).rstrip() + "\n"

    # ------------------------------------------------------------ helpers

    def _with_confidence(self, inp: RoutingInput, decision, messages: Sequence[Message]):
        """Ask the local model for its confidence only when it could tip the decision."""
        score = decision.signals.get("score", 0.0)
        c = self.router_config
        if not (c.threshold - c.unsure_weight <= score < c.threshold - c.confident_weight):
            return decision
        try:
            confidence = float(self.confidence_probe(messages))  # type: ignore[misc]
        except Exception:  # a failed probe must never stop the answer
            log.warning("The local confidence probe failed; routing without it", exc_info=True)
            return decision
        return decide(dataclasses.replace(inp, local_confidence=confidence), c)

    def _outgoing(self, messages: Sequence[Message], hits: Sequence[Hit]) -> tuple[tuple[Message, ...], dict[str, str], int]:
        """System prompt + the (grounded) question, redacted; history is never sent.

        The last message carries only shareable passages: the router keeps any question with
        an on-device-only passage local, so none can be in it.
        """
        redactor = Redactor()
        out: list[Message] = []
        if messages and messages[0].role == "system":
            out.append(Message("system", redactor.redact(messages[0].content)))
        user = messages[-1].content if messages else ""
        out.append(Message("user", redactor.redact(user)))
        return tuple(out), dict(redactor.mapping), _document_chars(user, hits)


def _close_backend(backend) -> None:
    close = getattr(backend, "close", None)
    if close is not None:
        close()


def _default_backend(config: CloudConfig):
    from desktop_app.llm.cloud_backend import CloudBackend

    key = get_api_key(config.use_keychain)
    return CloudBackend(config.base_url, config.model, api_key=key.value, timeout_s=config.timeout_s)


def _document_chars(content: str, hits: Sequence[Hit]) -> int:
    """Characters of passages that appear in ``content`` (a passage may have been shortened)."""
    total = 0
    for h in hits:
        text = h.text.strip()
        if not text:
            continue
        at = content.find(text[:60])
        if at < 0:
            continue
        n = 0
        while n < len(text) and at + n < len(content) and content[at + n] == text[n]:
            n += 1
        total += n
    return total
