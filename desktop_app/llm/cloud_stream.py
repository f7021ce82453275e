"""Reading OpenAI-compatible replies: server-sent events, streamed chunks, whole completions.

Pure functions over text lines, so every server's quirks are unit-testable without a network.
"""

from __future__ import annotations

import json
from typing import Any, Iterator, Sequence

from desktop_app.core.errors import CloudError


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


def _sse_events(lines: Iterator[str]) -> Iterator[tuple[str, str, bool]]:
    """``(event, data, complete)`` for each server-sent event: multi-line data joined, comments,
    ``id:`` and ``retry:`` skipped, ``data:`` with or without the space. An event the stream ends
    inside (no blank line after it) comes last with ``complete`` False."""
    buf: list[str] = []
    event = ""
    first = True
    for line in lines:
        if first:
            line, first = line.lstrip("\ufeff"), False
        if line == "":
            if buf:
                yield event or "message", "\n".join(buf), True
            buf, event = [], ""
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "data":
            buf.append(value)
        elif field == "event":
            event = value.strip()
    if buf:
        yield event or "message", "\n".join(buf), False


def _sse_data(lines: Iterator[str]) -> Iterator[str]:
    """The ``data`` of each complete server-sent event (per the SSE spec, an event not ended by a
    blank line was cut off and is discarded)."""
    for _event, data, complete in _sse_events(lines):
        if complete:
            yield data


def _split_payloads(data: str) -> list[str]:
    """One event's data as JSON payloads: normally one; some servers put several ``data:`` lines
    (one chunk each) in one event, separated by single newlines."""
    if "\n" not in data:
        return [data]
    try:
        json.loads(data)
        return [data]
    except ValueError:
        return [part for part in data.split("\n") if part.strip()]


def _text(value: Any) -> str:
    """Message content as text: a string, null, or a list of ``{"type": "text", "text": ...}`` parts."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "".join(p if isinstance(p, str) else str(p.get("text") or "") if isinstance(p, dict) else "" for p in value)
    return str(value)


def _raise_if_error(obj: Any) -> None:
    """``{"error": {...}}`` (OpenAI, llama.cpp, vLLM mid-stream) or ``{"object": "error", ...}`` (vLLM)."""
    if isinstance(obj, dict) and (obj.get("error") or obj.get("object") == "error"):
        raise CloudError(f"the cloud service reported an error: {_server_message(json.dumps(obj).encode())}")


def _delta(data: str) -> tuple[str, str]:
    """Text and finish reason of one streamed chunk; CloudError if it cannot be read.

    Role-only deltas, ``content: null``, an empty finish delta and usage-only chunks
    (``choices: []``) all give no text."""
    try:
        obj = json.loads(data)
    except ValueError:
        raise CloudError("the cloud service sent a reply that could not be read") from None
    if not isinstance(obj, dict):
        raise CloudError("the cloud service sent a reply that could not be read")
    _raise_if_error(obj)
    choices = obj.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return "", ""
    choice = choices[0]
    delta = choice.get("delta") or choice.get("message") or {}
    text = _text(delta.get("content")) if isinstance(delta, dict) else ""
    if not text and isinstance(choice.get("text"), str):
        text = choice["text"]
    return text, str(choice.get("finish_reason") or "")


def _whole_completion(lines: Sequence[str]) -> Iterator[tuple[str, str]]:
    """Text and finish reason from a non-streamed reply: one chat.completion (pretty-printed or
    not), or JSON Lines of chunks."""
    body = "\n".join(lines)
    try:
        objs = [json.loads(body)]
    except ValueError:
        try:
            objs = [json.loads(line) for line in lines if line.strip()]
        except ValueError:
            raise CloudError("the cloud service sent a reply that could not be read") from None
    for obj in objs:
        _raise_if_error(obj)
        try:
            choice = obj["choices"][0]
            message = choice.get("message") or choice.get("delta") or {}
            text = _text(message.get("content")) or (choice.get("text") if isinstance(choice.get("text"), str) else "")
            yield text, str(choice.get("finish_reason") or "")
        except (KeyError, IndexError, TypeError, AttributeError):
            if len(objs) > 1 and isinstance(obj, dict) and obj.get("choices") == []:
                continue  # a usage-only line
            raise CloudError("the cloud service sent a reply that could not be read") from None
