"""OpenAI's response shapes (chat, chunks, text completions, embeddings, models), built from API events.

Two extension fields, which OpenAI clients keep as extra data: ``citations`` (documents model:
``[{n, source, page, text}]``, the numbers the answer cites as ``[n]``) and ``slm_assistant``
(where the answer came from: ``route``, ``model``, ``reason``, ``notices``).
"""

from __future__ import annotations

import base64
import secrets
import struct
import time
from typing import Sequence

from desktop_app.api.answering import Finished
from desktop_app.api.calls import ChatCall
from desktop_app.core.records import Citation

OWNER = "slm-assistant"


def new_id(call: ChatCall) -> str:
    return ("chatcmpl-" if call.kind == "chat" else "cmpl-") + secrets.token_hex(12)


def now() -> int:
    return int(time.time())


def models_list(ids: Sequence[str], created: int) -> dict:
    return {"object": "list", "data": [model_entry(i, created) for i in ids]}


def model_entry(model_id: str, created: int) -> dict:
    return {"id": model_id, "object": "model", "created": created, "owned_by": OWNER}


def usage(prompt_tokens: int, completion_tokens: int) -> dict:
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens}


def citations_json(citations: Sequence[Citation]) -> list[dict]:
    return [{"n": c.number, "source": c.source, "page": c.page, "text": c.text, **({"unit": c.unit} if c.unit else {})}
            for c in citations]


def _extensions(call: ChatCall, done: Finished) -> dict:
    out: dict = {"slm_assistant": done.route}
    if call.documents:
        out["citations"] = citations_json(done.citations)
    return out


def completion(call: ChatCall, rid: str, created: int, done: Finished) -> dict:
    """The whole answer (``stream: false``)."""
    if call.kind == "chat":
        choice = {"index": 0, "message": {"role": "assistant", "content": done.text, "refusal": None},
                  "logprobs": None, "finish_reason": done.finish_reason}
        kind = "chat.completion"
    else:
        choice = {"index": 0, "text": done.text, "logprobs": None, "finish_reason": done.finish_reason}
        kind = "text_completion"
    return {"id": rid, "object": kind, "created": created, "model": call.model, "system_fingerprint": None,
            "choices": [choice], "usage": usage(done.prompt_tokens, done.completion_tokens), **_extensions(call, done)}


def chunk(call: ChatCall, rid: str, created: int, text: str | None = None, first: bool = False,
          done: Finished | None = None) -> dict:
    """One streamed chunk: the opening role (chat), a piece of text, or the closing finish_reason."""
    finish = done.finish_reason if done is not None else None
    if call.kind == "chat":
        delta: dict = {}
        if first:
            delta = {"role": "assistant", "content": ""}
        elif text is not None:
            delta = {"content": text}
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        kind = "chat.completion.chunk"
    else:
        choice = {"index": 0, "text": text or "", "logprobs": None, "finish_reason": finish}
        kind = "text_completion"
    out = {"id": rid, "object": kind, "created": created, "model": call.model, "system_fingerprint": None,
           "choices": [choice]}
    if done is not None:
        out.update(_extensions(call, done))
    return out


def usage_chunk(call: ChatCall, rid: str, created: int, done: Finished) -> dict:
    """The extra last chunk of ``stream_options: {"include_usage": true}``: no choices, the usage."""
    kind = "chat.completion.chunk" if call.kind == "chat" else "text_completion"
    return {"id": rid, "object": kind, "created": created, "model": call.model, "system_fingerprint": None,
            "choices": [], "usage": usage(done.prompt_tokens, done.completion_tokens)}


def embeddings(model: str, vectors: Sequence[Sequence[float]], encoding: str, prompt_tokens: int) -> dict:
    data = [{"object": "embedding", "index": i, "embedding": _encode(v, encoding)} for i, v in enumerate(vectors)]
    return {"object": "list", "data": data, "model": model,
            "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens}}


def _encode(vector: Sequence[float], encoding: str):
    if encoding == "base64":  # little-endian float32, as OpenAI sends it (its client asks for this)
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
    return [float(x) for x in vector]
