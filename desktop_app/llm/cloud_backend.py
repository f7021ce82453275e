"""A ChatBackend for OpenAI-compatible endpoints (/v1/chat/completions, streamed as SSE).

Covers OpenAI, Azure OpenAI (via a compatible gateway), vLLM, llama.cpp's server, Ollama and most
gateways. Every failure becomes a ``CloudError`` whose message is one plain line (it is shown in
the notice "The cloud model could not answer (<reason>)"): bad key, rate limit, server error,
refused connection, timeout, malformed or truncated stream. 429 (and 503 with Retry-After) is
retried with backoff honouring Retry-After, within a bound. ``httpx`` is imported lazily so that
with cloud hand-off off no network code is even loaded.
"""

from __future__ import annotations

import email.utils
import json
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence
from urllib.parse import urlparse

from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import CloudError
from desktop_app.core.records import Message
from desktop_app.llm.base import GenerationRequest, GenerationStats


@dataclass(frozen=True)
class ConnectionResult:
    """The outcome of "Test connection": ok, and a plain sentence saying what happened."""

    ok: bool
    message: str


def chat_url(base_url: str) -> str:
    """``https://host/v1`` -> ``https://host/v1/chat/completions`` (a bare host gets ``/v1``)."""
    base = base_url.strip().rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    if urlparse(base).path in ("", "/"):
        base += "/v1"
    return base + "/chat/completions"


class CloudBackend:
    """Streams answers from an OpenAI-compatible endpoint.

    Args:
        base_url: the endpoint, e.g. ``https://api.openai.com/v1``.
        model: the model name sent with each request.
        api_key: sent as ``Authorization: Bearer``; empty for servers that need none.
        timeout_s: seconds to wait for a connection or for the next piece of the answer.
        max_retries: retries after 429 / 503 responses.
        max_retry_wait_s: the longest single wait a Retry-After may ask for; longer gives up.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "",
        timeout_s: float = 60.0,
        max_retries: int = 3,
        max_retry_wait_s: float = 20.0,
        context_length: int = 128_000,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url
        self.url = chat_url(base_url)
        self.host = urlparse(self.url).netloc or base_url
        self._model = model
        self._api_key = api_key
        self.timeout_s = float(timeout_s)
        self.max_retries = max_retries
        self.max_retry_wait_s = max_retry_wait_s
        self._context_length = context_length
        self._sleep = sleep
        self._client: Any = None
        self._last_stats: GenerationStats | None = None

    # ------------------------------------------------------------ ChatBackend

    @property
    def model_name(self) -> str:
        return self._model

    @property
    def context_length(self) -> int:
        return self._context_length

    @property
    def last_stats(self) -> GenerationStats | None:
        return self._last_stats

    def count_tokens(self, messages: Sequence[Message]) -> int:
        # No tokenizer for a remote model: about four characters per token is the usual estimate.
        return sum(len(m.content) // 4 + 4 for m in messages)

    def stream(self, request: GenerationRequest, cancel: CancelToken | None = None) -> Iterator[str]:
        """Yield the answer as it streams. Raises CloudError (one plain line) on any failure.

        The network is read on a helper thread so that Stop takes effect at once, even while the
        server has sent nothing yet (a blocked socket read cannot be interrupted from here).
        """
        cancel = cancel or CancelToken()
        payload: dict[str, Any] = {
            "model": self._model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "stream": True,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        }
        if request.stop:
            payload["stop"] = list(request.stop)
        started = time.perf_counter()
        first: float | None = None
        pieces = 0
        state = {"finish": ""}
        events: queue.Queue = queue.Queue()
        stop = _Either(cancel)
        threading.Thread(target=self._pump, args=(payload, stop, events, state), daemon=True, name="cloud-stream").start()
        try:
            while True:
                try:
                    kind, value = events.get(timeout=0.05)
                except queue.Empty:
                    if cancel.cancelled:
                        return
                    continue
                if kind == "error":
                    raise value
                if kind == "end" or cancel.cancelled:
                    return
                if first is None:
                    first = time.perf_counter() - started
                pieces += 1
                yield value
        finally:
            stop.stop()  # the helper closes the response at its next chance
            total = time.perf_counter() - started
            self._last_stats = GenerationStats(
                ttft_s=first or 0.0,
                tokens_per_s=(pieces / total) if total > 0 else 0.0,
                total_s=total,
                completion_tokens=pieces,
                finish_reason=state["finish"],
            )

    # Runs on the helper thread: talks to the caller only through ``events``.
    def _pump(self, payload: dict[str, Any], stop: "_Either", events: queue.Queue, state: dict) -> None:
        import httpx

        response = None
        try:
            response = self._open(payload, stop)
            if response is None:  # stopped while waiting to retry
                events.put(("end", None))
                return
            if "text/event-stream" not in response.headers.get("content-type", ""):
                # The server ignored "stream": read one JSON completion instead.
                text, state["finish"] = _whole_completion(response.read())
                if text:
                    events.put(("piece", text))
                events.put(("end", None))
                return
            done = False
            for data in _sse_data(response.iter_lines()):
                if stop.cancelled:
                    return
                if data.strip() == "[DONE]":
                    done = True
                    break
                piece, reason = _delta(data)
                state["finish"] = reason or state["finish"]
                if piece:
                    events.put(("piece", piece))
            if not done and not state["finish"] and not stop.cancelled:
                raise CloudError("the connection closed before the answer was complete")
            events.put(("end", None))
        except CloudError as exc:
            events.put(("error", exc))
        except httpx.TimeoutException:
            events.put(("error", CloudError(f"{self.host} stopped sending the answer for {self.timeout_s:g} s")))
        except httpx.HTTPError:
            events.put(("error", CloudError("the connection closed before the answer was complete")))
        except Exception as exc:  # never let a helper thread die silently: the caller would wait forever
            events.put(("error", CloudError(f"the cloud answer could not be read ({exc.__class__.__name__})")))
        finally:
            if response is not None:
                response.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # ------------------------------------------------------------ test connection

    def test_connection(self) -> ConnectionResult:
        """Send a one-token request; success, or the exact reason it failed."""
        request = GenerationRequest((Message("user", "Reply with OK."),), max_tokens=1, temperature=0.0)
        try:
            for _ in self.stream(request):
                pass
        except CloudError as exc:
            return ConnectionResult(False, f"Connection failed: {exc.message}.")
        return ConnectionResult(True, f"Connected to {self.host}: the model '{self._model}' answered.")

    # ------------------------------------------------------------ internals

    def _http(self):
        import httpx

        if self._client is None:
            timeout = httpx.Timeout(self.timeout_s, connect=min(self.timeout_s, 15.0))
            self._client = httpx.Client(timeout=timeout, follow_redirects=False)
        return self._client

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "text/event-stream", "Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def _open(self, payload: dict[str, Any], cancel):
        """POST the request; returns the open 200 response, retrying 429/503 within bounds."""
        import httpx

        client = self._http()
        for attempt in range(self.max_retries + 1):
            try:
                req = client.build_request("POST", self.url, json=payload, headers=self._headers())
                response = client.send(req, stream=True)
            except httpx.ConnectTimeout:
                raise CloudError(f"could not reach {self.host} within {self.timeout_s:g} s") from None
            except httpx.TimeoutException:
                raise CloudError(f"{self.host} did not answer within {self.timeout_s:g} s") from None
            except httpx.ConnectError as exc:
                raise CloudError(f"could not connect to {self.host} ({_connect_reason(exc)})") from None
            except httpx.HTTPError as exc:
                raise CloudError(f"the connection to {self.host} failed ({exc.__class__.__name__})") from None
            if response.status_code == 200:
                return response
            status = response.status_code
            try:
                detail = _server_message(response.read())
            except httpx.HTTPError:
                detail = ""
            finally:
                response.close()
            retry_after = _retry_after(response.headers.get("retry-after"))
            retryable = status == 429 or (status == 503 and retry_after is not None)
            if retryable and attempt < self.max_retries:
                wait = retry_after if retry_after is not None else min(2.0 ** attempt, self.max_retry_wait_s)
                if wait > self.max_retry_wait_s:
                    raise CloudError(f"the service is rate limiting requests (HTTP {status}); it asks to wait {wait:g} s")
                if not _wait(wait, cancel, self._sleep):
                    return None
                continue
            raise CloudError(_status_reason(status, detail, self.host, attempts=attempt + 1))
        raise CloudError("unreachable")  # the loop always returns or raises


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


def _server_message(body: bytes) -> str:
    """The server's own error message, shortened to one line."""
    text = body.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
        err = data.get("error", data) if isinstance(data, dict) else data
        text = str(err.get("message", err) if isinstance(err, dict) else err)
    except ValueError:
        pass
    line = " ".join(text.split())
    return line[:160] + ("…" if len(line) > 160 else "")


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


class _Either:
    """Cancelled when the user cancels or when the consumer stopped reading."""

    def __init__(self, cancel: CancelToken) -> None:
        self._cancel = cancel
        self._stopped = threading.Event()

    def stop(self) -> None:
        self._stopped.set()

    @property
    def cancelled(self) -> bool:
        return self._stopped.is_set() or self._cancel.cancelled


def _wait(seconds: float, cancel, sleep: Callable[[float], None]) -> bool:
    """Sleep in short slices so Stop works during a back-off; False if cancelled."""
    end = time.monotonic() + seconds
    while not cancel.cancelled:
        left = end - time.monotonic()
        if left <= 0:
            return True
        sleep(min(0.1, left))
    return False


def _sse_data(lines: Iterator[str]) -> Iterator[str]:
    """The ``data`` of each server-sent event (multi-line data joined; comments skipped)."""
    buf: list[str] = []
    for line in lines:
        if line == "":
            if buf:
                yield "\n".join(buf)
                buf = []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if field == "data":
            buf.append(value[1:] if value.startswith(" ") else value)
    # An event not ended by a blank line was cut off: per the SSE spec it is discarded, and the
    # missing [DONE] then reports the truncation.


def _delta(data: str) -> tuple[str, str]:
    """Text and finish reason of one streamed chunk; CloudError if it cannot be read."""
    try:
        obj = json.loads(data)
    except ValueError:
        raise CloudError("the cloud service sent a reply that could not be read") from None
    if not isinstance(obj, dict):
        raise CloudError("the cloud service sent a reply that could not be read")
    if "error" in obj:
        raise CloudError(f"the cloud service reported an error: {_server_message(json.dumps(obj).encode())}")
    choices = obj.get("choices") or [{}]
    choice = choices[0] if isinstance(choices[0], dict) else {}
    delta = choice.get("delta") or choice.get("message") or {}
    text = delta.get("content") if isinstance(delta, dict) else None
    if text is None:
        text = choice.get("text") or ""
    return str(text), str(choice.get("finish_reason") or "")


def _whole_completion(body: bytes) -> tuple[str, str]:
    try:
        obj = json.loads(body)
        choice = obj["choices"][0]
        return str(choice["message"]["content"] or ""), str(choice.get("finish_reason") or "")
    except (ValueError, KeyError, IndexError, TypeError):
        raise CloudError("the cloud service sent a reply that could not be read") from None
