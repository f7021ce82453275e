"""The request side of the cloud backend: the JSON body, the fixes a 400 asks for, failures as
one plain line, and the back-off on 429/503 (Retry-After, waits that Stop can interrupt).

Pure functions (no httpx import), so each rule is unit-testable without a network.
"""

from __future__ import annotations

import email.utils
import time
from typing import Any, Callable

from desktop_app.llm.base import GenerationRequest


def request_body(model: str, request: GenerationRequest) -> dict[str, Any]:
    """The JSON body: only fields every OpenAI-compatible server accepts (strict ones such as vLLM
    reject unknown fields): model, messages, stream, max_tokens, temperature, and stop (at most
    four sequences, OpenAI's limit) when set. No ``stream_options``: a usage chunk is read when a
    server sends one anyway."""
    payload: dict[str, Any] = {
        "model": model,
        "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        "stream": True,
        "max_tokens": int(request.max_tokens),
        "temperature": float(request.temperature),
    }
    if request.stop:
        payload["stop"] = list(request.stop)[:4]
    return payload


def _adapt_payload(payload: dict[str, Any], status: int, detail: str, adapted: set[str]) -> str:
    """Once each, the fixes a 400 asks for (OpenAI's reasoning models): ``max_completion_tokens``
    instead of ``max_tokens``; no ``temperature`` when only the default is supported. Returns the
    name of the fix applied, or ""."""
    if status != 400:
        return ""
    low = detail.lower()
    if "max_completion_tokens" in low and "max_tokens" in payload and "tokens" not in adapted:
        payload["max_completion_tokens"] = payload.pop("max_tokens")
        return "tokens"
    if ("temperature" in low and "temperature" in payload and "temperature" not in adapted
            and any(w in low for w in ("unsupported", "not support", "only the default"))):
        del payload["temperature"]
        return "temperature"
    return ""


def _status_reason(status: int, detail: str, host: str, attempts: int) -> str:
    suffix = f": {detail}" if detail else ""
    if status in (401, 403):
        return f"the API key was rejected (HTTP {status}){suffix}"
    if status == 404:
        return f"the endpoint or model was not found at {host} (HTTP 404){suffix}"
    if status == 429:
        return f"the service is rate limiting requests (HTTP 429, still after {attempts} tries){suffix}"
    if status >= 500:
        return f"the cloud service had an internal error (HTTP {status}){suffix}"
    return f"the cloud service refused the request (HTTP {status}){suffix}"


def _connect_reason(exc: Exception) -> str:
    text = str(exc).lower()
    if "refused" in text:
        return "connection refused"
    if "name or service" in text or "nodename" in text or "getaddrinfo" in text:
        return "the host name could not be found"
    if "certificate" in text:
        return "its certificate could not be verified; set SSL_CERT_FILE to your organization's CA bundle"
    return " ".join(str(exc).split())[:120] or exc.__class__.__name__


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _wait(seconds: float, cancel, sleep: Callable[[float], None]) -> bool:
    """Sleep in short slices so Stop works during a back-off; False if cancelled."""
    end = time.monotonic() + seconds
    while not cancel.cancelled:
        left = end - time.monotonic()
        if left <= 0:
            return True
        sleep(min(0.1, left))
    return False
