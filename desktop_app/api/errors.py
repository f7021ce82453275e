"""OpenAI-style error responses, and the HTTP status each of the app's typed errors maps to."""

from __future__ import annotations

from desktop_app.core.errors import (
    AppError,
    CloudError,
    ContextOverflowError,
    IndexMismatchError,
    ModelError,
    PolicyError,
    StorageError,
)


class ApiError(Exception):
    """An error answered as ``{"error": {message, type, param, code}}`` with ``status``.

    Args:
        status: the HTTP status code.
        message: one plain sentence (the app's AppError text where there is one).
        kind: OpenAI's ``type`` (``invalid_request_error``, ``server_error``...).
        code: OpenAI's machine-readable ``code`` (``invalid_api_key``, ``model_not_found``...).
        param: the request field at fault, if any.
        headers: extra response headers (``Retry-After``, ``WWW-Authenticate``).
    """

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error", code: str | None = None,
                 param: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.code = code
        self.param = param
        self.headers = dict(headers or {})

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.kind, "param": self.param, "code": self.code}}


def bad_request(message: str, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(400, message, "invalid_request_error", code, param)


def from_app_error(exc: AppError) -> ApiError:
    """The HTTP answer for an error the services raised (its text is already plain language)."""
    text = str(exc)
    if isinstance(exc, ContextOverflowError):
        return ApiError(400, text, "invalid_request_error", "context_length_exceeded", "messages")
    if isinstance(exc, PolicyError):
        return ApiError(403, text, "permission_error", "forbidden_by_policy")
    if isinstance(exc, ModelError):
        return ApiError(503, text, "server_error", "model_unavailable")
    if isinstance(exc, CloudError):
        return ApiError(502, text, "server_error", "cloud_unavailable")
    if isinstance(exc, IndexMismatchError):
        return ApiError(409, text, "invalid_request_error", "index_mismatch")
    if isinstance(exc, StorageError):
        return ApiError(507, text, "server_error", "storage_error")
    return ApiError(500, text, "server_error", None)
