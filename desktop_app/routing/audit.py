"""Append-only audit log of everything sent to a cloud model (JSON Lines at paths.audit_log).

One line per hand-off: time, endpoint, model, the exact (redacted) messages sent, how many
characters of documents they contained, and the router's reason. Original values of redacted
data are never written, only how many of each kind were replaced.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

from desktop_app.core.errors import storage_error_from_os
from desktop_app.core.records import Message


@dataclass(frozen=True)
class AuditEntry:
    """One hand-off as recorded."""

    time: str
    endpoint: str
    model: str
    messages: list[dict[str, str]]
    document_chars: int
    reason: str = ""
    redactions: dict[str, int] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The exact text sent, one block per message."""
        return "\n\n".join(f"[{m['role']}]\n{m['content']}" for m in self.messages)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class AuditLog:
    """Appends entries (thread-safe, one write + fsync per entry) and reads them back."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def record(
        self,
        endpoint: str,
        model: str,
        messages: Sequence[Message],
        document_chars: int,
        reason: str = "",
        redactions: dict[str, int] | None = None,
    ) -> AuditEntry:
        """Append one entry before anything is sent.

        Raises:
            StorageError: the log cannot be written (then nothing may be sent).
        """
        entry = AuditEntry(
            time=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            endpoint=endpoint,
            model=model,
            messages=[{"role": m.role, "content": m.content} for m in messages],
            document_chars=document_chars,
            reason=reason,
            redactions=dict(redactions or {}),
        )
        line = json.dumps(entry.to_json(), ensure_ascii=False) + "\n"
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # O_APPEND: every write lands at the end, even with two app instances open.
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, line.encode("utf-8"))
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as exc:
                raise storage_error_from_os(exc, "the cloud audit log") from exc
        return entry

    def entries(self) -> list[AuditEntry]:
        """All entries, oldest first; a damaged line is skipped rather than hiding the rest."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        out: list[AuditEntry] = []
        for line in lines:
            try:
                data = json.loads(line)
                out.append(
                    AuditEntry(
                        time=str(data["time"]),
                        endpoint=str(data["endpoint"]),
                        model=str(data["model"]),
                        messages=list(data["messages"]),
                        document_chars=int(data.get("document_chars", 0)),
                        reason=str(data.get("reason", "")),
                        redactions=dict(data.get("redactions", {})),
                    )
                )
            except (ValueError, KeyError, TypeError):
                continue
        return out
