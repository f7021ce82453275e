"""Where to send a chat request for an endpoint as a user types it (OpenAI, Azure, gateways)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit, urlunsplit

# Azure OpenAI: the GA api-version added to a deployment URL that does not name one.
AZURE_API_VERSION = "2024-10-21"
_AZURE_HOSTS = (".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com")

def chat_url(base_url: str) -> str:
    """The chat-completions URL for an endpoint as a user types it.

    ``https://host/v1`` or ``https://host/v1/`` -> ``https://host/v1/chat/completions``; a bare host
    gets ``/v1``; a URL already ending in ``/chat/completions`` is kept. A query string is kept
    after the path (``...?api-version=...``). Azure OpenAI hosts (``*.openai.azure.com``,
    ``*.cognitiveservices.azure.com``): a deployment URL
    ``https://<res>.openai.azure.com/openai/deployments/<dep>`` gets
    ``?api-version=<AZURE_API_VERSION>`` unless it carries one; a bare Azure host (or ``/openai``)
    uses Azure's v1 API, ``/openai/v1``, where the model name is the deployment name.
    """
    parts = urlsplit(base_url.strip())
    path = parts.path.rstrip("/")
    azure = _azure_host(parts.hostname)
    if not path.endswith("/chat/completions"):
        if path == "" or (azure and path == "/openai"):
            path = "/openai/v1" if azure else "/v1"
        path += "/chat/completions"
    query = parts.query
    if azure and "/openai/deployments/" in path and "api-version" not in parse_qs(query):
        query = f"{query}&api-version={AZURE_API_VERSION}" if query else f"api-version={AZURE_API_VERSION}"
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def uses_api_key_header(url: str) -> bool:
    """Azure-style auth (``api-key: <key>``): an Azure host, or any URL carrying ``api-version``."""
    parts = urlsplit(url.strip())
    return _azure_host(parts.hostname) or "api-version" in parse_qs(parts.query)


def _azure_host(host: str | None) -> bool:
    return bool(host) and host.lower().endswith(_AZURE_HOSTS)
