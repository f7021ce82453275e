"""Conversation export: readable Markdown, and lossless JSON that can be read back."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Sequence

from desktop_app.core.errors import AppError
from desktop_app.core.records import ROLES, STATUSES, Conversation, StoredMessage

JSON_FORMAT = "slm-assistant.conversation"
JSON_VERSION = 1


def route_label(meta: dict[str, Any]) -> str:
    """Where an answer was produced, as shown beside it: "On this device · gemma" / "Cloud · gpt"."""
    model = meta.get("model") or "unknown model"
    return f"Cloud · {model}" if meta.get("route") == "cloud" else f"On this device · {model}"


def time_label(ts: float) -> str:
    """A local date and time to the minute, as exports and the CLI's lists show it."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


def to_markdown(conv: Conversation, messages: Sequence[StoredMessage]) -> str:
    lines = [f"# {conv.title}", ""]
    info = f"*Exported from SLM Assistant on {time_label(time.time())} · started {time_label(conv.created_at)}"
    if conv.collections:
        info += " · documents: " + ", ".join(conv.collections)
    lines += [info + "*", ""]
    for m in messages:
        if m.role == "system":
            lines += ["---", "", "**System prompt**", "", m.content, ""]
            continue
        lines += ["---", ""]
        if m.role == "user":
            lines += [f"### You · {time_label(m.created_at)}", "", m.content, ""]
            continue
        lines += [f"### Assistant · {route_label(m.meta)}", "", m.content or "*(no text)*", ""]
        if m.status in ("stopped", "streaming"):
            lines += ["*(Stopped before the end: this is the text received.)*", ""]
        elif m.status == "error":
            lines += ["*(This answer failed.)*", ""]
        if m.meta.get("route") == "cloud" and m.meta.get("reason"):
            lines += [f"> Why the cloud: {m.meta['reason']}", ""]
        for note in m.meta.get("notices") or []:
            lines += [f"> Note: {note}", ""]
        sources = m.meta.get("sources") or []
        if sources:
            lines += ["**Sources**", ""]
            for s in sources:
                name = Path(str(s.get("source", ""))).name or s.get("source", "")
                excerpt = " ".join(str(s.get("text", "")).split())
                if len(excerpt) > 160:
                    excerpt = excerpt[:157].rstrip() + "…"
                lines.append(f"{s.get('n', '?')}. {name}, {s.get('unit') or 'page ' + str(s.get('page', '?'))}" + (f" — “{excerpt}”" if excerpt else ""))
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def to_json(conv: Conversation, messages: Sequence[StoredMessage]) -> dict[str, Any]:
    return {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "exported_at": time.time(),
        "conversation": {
            "id": conv.id,
            "title": conv.title,
            "created_at": conv.created_at,
            "updated_at": conv.updated_at,
            "collections": list(conv.collections),
        },
        "messages": [
            {
                "id": m.id,
                "role": m.role,
                "content": m.content,
                "status": m.status,
                "created_at": m.created_at,
                "meta": m.meta,
            }
            for m in messages
        ],
    }


def parse_json(data: Any) -> tuple[Conversation, list[StoredMessage]]:
    """Read an ``export_json`` document back. Raises AppError if it is not one."""
    if not isinstance(data, dict) or data.get("format") != JSON_FORMAT:
        raise AppError("This file is not an SLM Assistant conversation export.")
    if int(data.get("version", 0)) > JSON_VERSION:
        raise AppError("This conversation was exported by a newer version of SLM Assistant.", "Update the app to import it.")
    try:
        c = data["conversation"]
        conv = Conversation(
            id=int(c.get("id", 0)), title=str(c["title"]), created_at=float(c["created_at"]),
            updated_at=float(c.get("updated_at", c["created_at"])), collections=[str(x) for x in c.get("collections", [])],
        )
        msgs = [
            StoredMessage(
                id=int(m.get("id", 0)), conversation_id=conv.id, role=m["role"], content=str(m["content"]),
                created_at=float(m["created_at"]), status=str(m.get("status", "complete")), meta=dict(m.get("meta") or {}),
            )
            for m in data["messages"]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise AppError(f"This conversation export is incomplete or damaged ({exc}).") from None
    for m in msgs:
        if m.role not in ROLES or m.status not in STATUSES:
            raise AppError("This conversation export is damaged (a message has an unknown role or status).")
    return conv, msgs
