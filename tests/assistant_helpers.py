"""Test helper: ask a question the way the front-ends do, through the Assistant's two entry points."""

from __future__ import annotations

from typing import Iterator, Sequence

from desktop_app.core.cancel import CancelToken
from desktop_app.core.records import AnswerEvent, RouteEvent, TokenEvent


def ask(assistant, question: str, conversation_id: int | None = None, route: str | None = None,
        collections: Sequence[str] | None = None, cancel: CancelToken | None = None,
        approved: bool | None = None) -> Iterator[AnswerEvent]:
    """``prepare`` then ``answer``, as cli/ask.py, the window and the API server do.

    A preparation error is raised (the front-ends show it before any answer starts); ``approved``
    is the user's answer to a plan that ``needs_confirmation`` (None: not asked).
    """
    prepared = assistant.prepare(question, conversation_id, route, collections)
    return assistant.answer(prepared, cancel, approved)


def streamed_last(events: Sequence[AnswerEvent]) -> str:
    """The answer a streaming front-end ends with (the CLI, the API): the tokens after the last
    route, which starts the answer afresh."""
    last = max(i for i, e in enumerate(events) if isinstance(e, RouteEvent))
    return "".join(e.text for e in events[last:] if isinstance(e, TokenEvent)).strip()
