"""Request bodies (OpenAI's JSON) read into typed calls; anything unusable is a 400 that says why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from desktop_app.api.errors import ApiError, bad_request
from desktop_app.core.records import Message

DOCUMENTS_MODEL = "slm-assistant-documents"
ROUTES = ("local", "cloud", "auto")


@dataclass(frozen=True)
class ModelIds:
    """The model names this server answers to (``local`` first: it is the listed id)."""

    local: tuple[str, ...]
    documents: str = DOCUMENTS_MODEL

    @property
    def listed(self) -> tuple[str, str]:
        return self.local[0], self.documents

    def is_documents(self, model: str, param: str = "model") -> bool:
        """True for the documents model, False for the plain one; 404 for any other name."""
        if model == self.documents:
            return True
        if model in self.local:
            return False
        raise ApiError(404, f"The model '{model}' does not exist here. Use '{self.local[0]}' (the model on this "
                            f"device) or '{self.documents}' (answers from your documents).",
                       "invalid_request_error", "model_not_found", param)


@dataclass(frozen=True)
class ChatCall:
    """One question for the Assistant, read from a chat or text completion request.

    ``history`` holds the earlier user/assistant turns; ``instructions`` the client's system
    messages (the app's own system prompt always applies as well).
    """

    model: str
    documents: bool
    question: str
    history: tuple[Message, ...] = ()
    instructions: str = ""
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()
    stream: bool = False
    include_usage: bool = False
    collections: tuple[str, ...] | None = None
    route: str | None = None
    kind: Literal["chat", "text"] = "chat"


@dataclass(frozen=True)
class EmbeddingCall:
    model: str
    texts: tuple[str, ...]
    encoding: Literal["float", "base64"] = "float"
    dimensions: int | None = None


def parse_chat(body: Any, ids: ModelIds) -> ChatCall:
    """``POST /v1/chat/completions``: the last message is the question, earlier ones the history."""
    body = _object(body)
    model = _model(body)
    documents = ids.is_documents(model)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise bad_request("'messages' must be a non-empty list.", "messages")
    turns: list[Message] = []
    instructions: list[str] = []
    for i, item in enumerate(messages):
        if not isinstance(item, dict):
            raise bad_request(f"messages[{i}] must be an object with 'role' and 'content'.", f"messages[{i}]")
        role = item.get("role")
        text = _content(item.get("content"), f"messages[{i}].content")
        if role in ("system", "developer"):
            if text.strip():
                instructions.append(text.strip())
        elif role in ("user", "assistant"):
            turns.append(Message(role, text))
        else:
            raise bad_request(f"messages[{i}] has role '{role}'; this server takes system, user and assistant "
                              "messages (no tools).", f"messages[{i}].role")
    if not turns or turns[-1].role != "user":
        raise bad_request("The last message must be the user's question.", "messages")
    question = turns[-1].content
    if not question.strip():
        raise bad_request("The question (the last user message) is empty.", "messages")
    _single_choice(body)
    return ChatCall(
        model=model,
        documents=documents,
        question=question,
        history=tuple(m for m in turns[:-1] if m.content.strip()),
        instructions="\n\n".join(instructions),
        max_tokens=_max_tokens(body, "max_completion_tokens") or _max_tokens(body, "max_tokens"),
        stop=_stop(body),
        stream=_flag(body, "stream"),
        include_usage=_include_usage(body),
        collections=_collections(body, documents),
        route=_route(body),
        kind="chat",
    )


def parse_completion(body: Any, ids: ModelIds) -> ChatCall:
    """``POST /v1/completions``: the prompt is asked as one question (no raw continuation:
    routing and grounding need a question, and the model answers in its chat format)."""
    body = _object(body)
    model = _model(body)
    documents = ids.is_documents(model)
    prompt = body.get("prompt")
    if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], str):
        prompt = prompt[0]
    if not isinstance(prompt, str):
        raise bad_request("'prompt' must be one string (lists of prompts and token arrays are not supported).",
                          "prompt")
    if not prompt.strip():
        raise bad_request("'prompt' is empty.", "prompt")
    if body.get("echo") or body.get("suffix") or body.get("logprobs"):
        raise bad_request("'echo', 'suffix' and 'logprobs' are not supported.")
    _single_choice(body)
    return ChatCall(model=model, documents=documents, question=prompt, max_tokens=_max_tokens(body, "max_tokens"),
                    stop=_stop(body), stream=_flag(body, "stream"), include_usage=_include_usage(body),
                    collections=_collections(body, documents), route=_route(body), kind="text")


def parse_embeddings(body: Any) -> EmbeddingCall:
    """``POST /v1/embeddings``: one string or a list of strings."""
    body = _object(body)
    model = _model(body)
    texts = body.get("input")
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise bad_request("'input' must be a string or a non-empty list of strings (token arrays are not "
                          "supported).", "input")
    if len(texts) > 2048:
        raise bad_request("At most 2048 inputs per request.", "input")
    encoding = body.get("encoding_format") or "float"
    if encoding not in ("float", "base64"):
        raise bad_request("'encoding_format' must be 'float' or 'base64'.", "encoding_format")
    dimensions = body.get("dimensions")
    if dimensions is not None and (not isinstance(dimensions, int) or isinstance(dimensions, bool)):
        raise bad_request("'dimensions' must be an integer.", "dimensions")
    return EmbeddingCall(model=model, texts=tuple(texts), encoding=encoding, dimensions=dimensions)


# ---------------------------------------------------------------- fields


def _object(body: Any) -> dict:
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


def _model(body: dict) -> str:
    model = body.get("model")
    if not isinstance(model, str) or not model.strip():
        raise bad_request("'model' is required (GET /v1/models lists the names).", "model")
    return model.strip()


def _content(content: Any, param: str) -> str:
    """A message's text: a string, or a list of text parts (images are not supported)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str):
                texts.append(part["text"])
            else:
                raise bad_request("Only text content parts are supported.", param)
        return "\n".join(texts)
    raise bad_request("Message content must be a string or a list of text parts.", param)


def _max_tokens(body: dict, name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise bad_request(f"'{name}' must be a positive integer.", name)
    return value


def _stop(body: dict) -> tuple[str, ...]:
    stop = body.get("stop")
    if stop is None:
        return ()
    if isinstance(stop, str):
        stop = [stop]
    if not isinstance(stop, list) or len(stop) > 4 or not all(isinstance(s, str) and s for s in stop):
        raise bad_request("'stop' must be a string or a list of up to 4 non-empty strings.", "stop")
    return tuple(stop)


def _flag(body: dict, name: str) -> bool:
    value = body.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise bad_request(f"'{name}' must be true or false.", name)
    return value


def _include_usage(body: dict) -> bool:
    options = body.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


def _single_choice(body: dict) -> None:
    n = body.get("n")
    if n not in (None, 1):
        raise bad_request("Only one choice per request is supported ('n' must be 1).", "n")


def _collections(body: dict, documents: bool) -> tuple[str, ...] | None:
    value = body.get("collections")
    if value is None:
        return None
    if not documents:
        raise bad_request(f"'collections' needs model '{DOCUMENTS_MODEL}'.", "collections")
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(c, str) and c.strip() for c in value):
        raise bad_request("'collections' must be a list of collection names.", "collections")
    return tuple(c.strip() for c in value)


def _route(body: dict) -> str | None:
    route = body.get("route")
    if route is None or route == "auto":
        return None
    if route not in ROUTES:
        raise bad_request("'route' must be local, cloud or auto.", "route")
    return route
