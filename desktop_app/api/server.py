"""The Starlette application: OpenAI's routes, bearer-token auth, the queue, SSE streaming.

Handlers never block the event loop: answers run on a worker thread (``bridge``), model names
and embeddings on Starlette's thread pool. A client that disconnects cancels its answer through
its CancelToken, whether it was waiting in the queue, being answered, or streaming.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from desktop_app.api import shapes
from desktop_app.api.access_token import matches
from desktop_app.api.answering import Failed, Finished, Piece, Ready
from desktop_app.api.bridge import ThreadedEvents
from desktop_app.api.calls import ChatCall, parse_chat, parse_completion, parse_embeddings
from desktop_app.api.errors import ApiError, bad_request, from_app_error
from desktop_app.api.gate import ServerBusy
from desktop_app.api.service import ApiService
from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import AppError

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 8 << 20  # a request larger than this is not a chat request


def create_app(service: ApiService, token: str) -> Starlette:
    """The ASGI app serving ``service``; every request must carry ``Authorization: Bearer <token>``."""
    started = shapes.now()

    async def list_models(request: Request) -> Response:
        ids = await _model_ids(service)
        return JSONResponse(shapes.models_list(ids.listed, started))

    async def get_model(request: Request) -> Response:
        ids = await _model_ids(service)
        model_id = request.path_params["model_id"]
        if model_id not in ids.listed:
            ids.is_documents(model_id)  # the 404, worded once
        return JSONResponse(shapes.model_entry(model_id, started))

    async def chat_completions(request: Request) -> Response:
        body = await _json(request)
        call = parse_chat(body, await _model_ids(service))
        return await _answer(request, service, call)

    async def completions(request: Request) -> Response:
        body = await _json(request)
        call = parse_completion(body, await _model_ids(service))
        return await _answer(request, service, call)

    async def embeddings(request: Request) -> Response:
        call = parse_embeddings(await _json(request))
        ids = await _model_ids(service)
        if call.model not in service.embedding_names() and call.model not in ids.local + (ids.documents,):
            raise ApiError(404, f"The embedding model '{call.model}' does not exist here. Use "
                                f"'{service.embedding_names()[0]}'.", "invalid_request_error", "model_not_found", "model")
        try:
            vectors, tokens = await run_in_threadpool(service.embed, call)
        except AppError as exc:
            raise from_app_error(exc) from None
        return JSONResponse(shapes.embeddings(call.model, vectors, call.encoding, tokens))

    routes = [
        Route("/v1/models", list_models, methods=["GET"]),
        Route("/v1/models/{model_id:path}", get_model, methods=["GET"]),
        Route("/v1/chat/completions", chat_completions, methods=["POST"]),
        Route("/v1/completions", completions, methods=["POST"]),
        Route("/v1/embeddings", embeddings, methods=["POST"]),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        service.cancel_all()  # stopping: answers still running end now (their clients get what was sent)

    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={
        ApiError: _api_error_response,
        HTTPException: _http_error_response,
        Exception: _unexpected_error_response,
    })
    app.add_middleware(BearerAuth, token=token)
    app.state.service = service
    return app


class BearerAuth:
    """Pure ASGI middleware (so streaming responses pass straight through): 401 without the token."""

    def __init__(self, app, token: str) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = dict(scope.get("headers") or ()).get(b"authorization", b"").decode("latin-1")
        scheme, _, presented = header.partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            error = ApiError(401, "The request has no API token. Send 'Authorization: Bearer <token>' with the "
                                  "token that 'slm-assistant serve' or Settings → Local API showed.",
                             "invalid_request_error", "missing_api_key",
                             headers={"WWW-Authenticate": "Bearer"})
        elif not matches(self.token, presented.strip()):
            error = ApiError(401, "The API token is wrong. Use the token that 'slm-assistant serve' or Settings → "
                                  "Local API showed (or SLM_ASSISTANT_API_TOKEN).", "invalid_request_error",
                             "invalid_api_key",
                             headers={"WWW-Authenticate": "Bearer"})
        else:
            await self.app(scope, receive, send)
            return
        await _api_error_response(None, error)(scope, receive, send)


# ---------------------------------------------------------------- answering


async def _answer(request: Request, service: ApiService, call: ChatCall) -> Response:
    """Queue the call, wait until it is prepared, then stream it or return it whole."""
    try:
        ticket = service.gate.admit()
    except ServerBusy as busy:
        raise ApiError(429, "The model on this device is busy with other requests. Try again shortly.", "requests",
                       "rate_limit_exceeded", headers={"Retry-After": str(busy.retry_after_s)}) from None
    cancel = CancelToken()
    events = ThreadedEvents(lambda: service.answer(call, ticket, cancel), ticket.release)
    events.start()
    watcher = asyncio.create_task(_cancel_on_disconnect(request, cancel))
    try:
        first = await events.next()  # Ready once prepared; Failed; None if the client left while queued
    except BaseException:
        cancel.cancel()
        watcher.cancel()
        raise
    if not isinstance(first, Ready):
        watcher.cancel()
        if isinstance(first, Failed):
            return _api_error_response(request, first.error)
        return Response(status_code=499)  # the client closed the request; nobody reads this
    rid, created = shapes.new_id(call), shapes.now()
    if call.stream:
        return StreamingResponse(_sse(events, call, rid, created, cancel, watcher), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    try:
        while True:
            event = await events.next()
            if isinstance(event, Finished):
                return JSONResponse(shapes.completion(call, rid, created, event))
            if isinstance(event, Failed):
                return _api_error_response(request, event.error)
            if event is None:
                return Response(status_code=499)
    finally:
        cancel.cancel()  # a no-op after a finished answer; stops one whose handler was cancelled
        watcher.cancel()


async def _sse(events: ThreadedEvents, call: ChatCall, rid: str, created: int, cancel: CancelToken, watcher):
    """Server-sent events, OpenAI's way: ``data: {chunk}`` lines, then ``data: [DONE]``."""
    try:
        if call.kind == "chat":
            yield _data(shapes.chunk(call, rid, created, first=True))
        while True:
            event = await events.next()
            if event is None:
                break
            if isinstance(event, Piece):
                yield _data(shapes.chunk(call, rid, created, text=event.text))
            elif isinstance(event, Finished):
                yield _data(shapes.chunk(call, rid, created, done=event))
                if call.include_usage:
                    yield _data(shapes.usage_chunk(call, rid, created, event))
            elif isinstance(event, Failed):
                yield _data(event.error.body())
        yield "data: [DONE]\n\n"
    finally:
        # Also reached when Starlette cancels the stream because the client went away.
        cancel.cancel()
        watcher.cancel()


async def _cancel_on_disconnect(request: Request, cancel: CancelToken) -> None:
    """Wait for the client to go (the body is read, so the next message is the disconnect)."""
    try:
        while True:
            message = await request.receive()
            if message["type"] == "http.disconnect":
                cancel.cancel()
                return
    except (asyncio.CancelledError, RuntimeError):
        return


def _data(obj: dict) -> str:
    return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"


# ---------------------------------------------------------------- helpers


async def _json(request: Request):
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise ApiError(413, "The request is too large.", "invalid_request_error")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("The request body is not valid JSON.") from None


async def _model_ids(service: ApiService):
    try:
        return await run_in_threadpool(service.model_ids)
    except AppError as exc:
        raise from_app_error(exc) from None


def _api_error_response(request, exc: ApiError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


def _http_error_response(request, exc: HTTPException) -> JSONResponse:
    kind = "invalid_request_error" if exc.status_code < 500 else "server_error"
    message = {404: "There is no such endpoint here (GET /v1/models lists the models).",
               405: "This endpoint does not take that method."}.get(exc.status_code, str(exc.detail))
    return _api_error_response(request, ApiError(exc.status_code, message, kind))


def _unexpected_error_response(request, exc: Exception) -> JSONResponse:
    log.error("The local API failed", exc_info=exc)
    return _api_error_response(request, ApiError(500, "The server failed unexpectedly; the details are in the log.",
                                                 "server_error"))
