"""The local OpenAI-compatible API (Starlette on uvicorn): a front-end beside the window, no Qt.

Requests are answered through the same services as the window (``Core.assistant``, the
Library's embedder), so retrieval, routing, machine policy and the audit log apply unchanged.
"""
