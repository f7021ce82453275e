"""A ChatBackend for OpenAI-compatible endpoints (/v1/chat/completions, streamed as SSE).

Covers OpenAI, Azure OpenAI, vLLM, llama.cpp's server, Ollama and most gateways (LiteLLM and the
like). The reader accepts what these really send: role-only and ``content: null`` deltas, a
finish chunk with an empty delta, usage-only chunks (``choices: []``), ``[DONE]`` or simply the end
of the stream after a finish reason, SSE comments, ``event:`` lines, CRLF, ``data:`` without a
space, an ``error`` object mid-stream, and a server that ignores ``stream`` and answers one JSON
chat.completion (or streams with the wrong content type). Azure OpenAI: see ``chat_url``. Every failure becomes a ``CloudError`` whose message is one plain line (it is shown in
the notice "The cloud model could not answer (<reason>)"): bad key, rate limit, server error,
refused connection, timeout, malformed or truncated stream. 429 (and 503 with Retry-After) is
retried with backoff honouring Retry-After, within a bound. ``httpx`` is imported lazily so that
with cloud hand-off off no network code is even loaded.
"""

from __future__ import annotations

import itertools
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
# Endpoint, request and stream helpers live in their own modules; re-exported here for callers and tests.
from desktop_app.llm.cloud_endpoints import AZURE_API_VERSION, chat_url, uses_api_key_header  # noqa: F401
from desktop_app.llm.cloud_request import (
    _adapt_payload,
    _connect_reason,
    _retry_after,
    _status_reason,
    _wait,
    request_body,
)
from desktop_app.llm.cloud_stream import (  # noqa: F401
    _delta,
    _server_message,
    _split_payloads,
    _sse_data,
    _sse_events,
    _whole_completion,
)


@dataclass(frozen=True)
class ConnectionResult:
    """The outcome of "Test connection": ok, and a plain sentence saying what happened."""

    ok: bool
    message: str


# After a finish reason the answer is complete: wait at most this long for [DONE] / the end of
# the stream (some gateways keep the connection open), then end the answer anyway.
_AFTER_FINISH_GRACE_S = 1.0


class CloudBackend:
    """Streams answers from an OpenAI-compatible endpoint.

    Args:
        base_url: the endpoint, e.g. ``https://api.openai.com/v1``.
        model: the model name sent with each request.
        api_key: sent as ``Authorization: Bearer`` (as ``api-key`` to Azure OpenAI, see
            ``uses_api_key_header``); empty for servers that need none.
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
        payload = request_body(self._model, request)
        started = time.perf_counter()
        first: float | None = None
        pieces = 0
        state = {"finish": ""}
        events: queue.Queue = queue.Queue()
        stop = _Either(cancel)
        threading.Thread(target=self._pump, args=(payload, stop, events, state), daemon=True, name="cloud-stream").start()
        finished_at: float | None = None
        try:
            while True:
                try:
                    kind, value = events.get(timeout=0.05)
                except queue.Empty:
                    if cancel.cancelled:
                        return
                    if state["finish"]:
                        # Complete: do not wait on a server that keeps the stream open after it.
                        finished_at = finished_at or time.monotonic()
                        if time.monotonic() - finished_at > _AFTER_FINISH_GRACE_S:
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
        pieces = 0
        try:
            response = self._open(payload, stop)
            if response is None:  # stopped while waiting to retry
                events.put(("end", None))
                return
            lines = response.iter_lines()
            head = next((line for line in lines if line.strip()), "").lstrip("\ufeff")
            if head.lstrip().startswith(("{", "[")):
                # The server ignored "stream" (or a proxy buffered it): one JSON chat.completion,
                # whatever the content type says; JSON Lines chunks are read too.
                for text, finish in _whole_completion([head, *lines]):
                    if text:
                        pieces += 1
                        events.put(("piece", text))
                    state["finish"] = finish or state["finish"]
                _check_filtered(state["finish"], pieces)
                state["finish"] = state["finish"] or "stop"
                events.put(("end", None))
                return
            done = False
            for event, data, complete in _sse_events(itertools.chain([head], lines)):
                if stop.cancelled:
                    return
                for chunk in _split_payloads(data):
                    if chunk.strip() == "[DONE]":
                        done = True
                        break
                    if event == "error":
                        raise CloudError(f"the cloud service reported an error: {_server_message(chunk.encode())}")
                    try:
                        piece, reason = _delta(chunk)
                    except CloudError:
                        if complete:
                            raise
                        break  # the last event was cut off: reported as a truncation below
                    if piece:
                        pieces += 1
                        events.put(("piece", piece))
                    _check_filtered(reason, pieces)
                    state["finish"] = reason or state["finish"]
                if done:
                    break
            _check_filtered(state["finish"], pieces)
            if not done and not state["finish"] and not stop.cancelled:
                raise CloudError("the connection closed before the answer was complete")
            events.put(("end", None))
        except CloudError as exc:
            events.put(("error", exc))
        except httpx.TimeoutException:
            if state["finish"]:  # complete; the server just never closed the stream
                events.put(("end", None))
            else:
                events.put(("error", CloudError(f"{self.host} stopped sending the answer for {self.timeout_s:g} s")))
        except httpx.HTTPError:
            if state["finish"]:  # complete; the connection ended untidily after it
                events.put(("end", None))
            else:
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
        headers = {"Accept": "text/event-stream, application/json", "Content-Type": "application/json"}
        if self._api_key:
            if uses_api_key_header(self.url):
                headers["api-key"] = self._api_key
            else:
                headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def _open(self, payload: dict[str, Any], cancel):
        """POST the request; returns the open 200 response, retrying 429/503 within bounds."""
        import httpx

        client = self._http()
        retries = 0
        adapted: set[str] = set()
        while True:
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
            fix = _adapt_payload(payload, status, detail, adapted)
            if fix:
                adapted.add(fix)
                continue
            if 300 <= status < 400:
                where = response.headers.get("location", "")
                raise CloudError(f"the endpoint redirected (HTTP {status}){f' to {where}' if where else ''}; "
                                 "set that address as the endpoint")
            retry_after = _retry_after(response.headers.get("retry-after"))
            retryable = status == 429 or (status == 503 and retry_after is not None)
            if retryable and retries < self.max_retries:
                wait = retry_after if retry_after is not None else min(2.0 ** retries, self.max_retry_wait_s)
                if wait > self.max_retry_wait_s:
                    raise CloudError(f"the service is rate limiting requests (HTTP {status}); it asks to wait {wait:g} s")
                retries += 1
                if not _wait(wait, cancel, self._sleep):
                    return None
                continue
            raise CloudError(_status_reason(status, detail, self.host, attempts=retries + 1))


def _check_filtered(finish: str, pieces: int) -> None:
    """An answer withheld by a content filter (Azure OpenAI) is an error, not an empty answer."""
    if finish == "content_filter" and not pieces:
        raise CloudError("the cloud service's content filter withheld the answer")


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
