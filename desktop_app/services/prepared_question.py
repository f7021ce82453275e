"""The result of ``Assistant.prepare`` and the small helpers of the answer pipeline."""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.core.errors import AppError, ContextOverflowError
from desktop_app.core.records import Citation, Hit, Message
from desktop_app.routing.base import HandoffPlan


def overflow_error() -> ContextOverflowError:
    return ContextOverflowError(
        "The question is too long for the model's context window.",
        "Shorten the question or choose a model with a larger context in Settings.",
    )


@dataclass
class PreparedQuestion:
    """Everything decided before generation starts; the GUI shows ``plan`` for confirmation."""

    conversation_id: int
    question: str
    messages: tuple[Message, ...]
    citations: tuple[Citation, ...]
    hits: tuple[Hit, ...]
    plan: HandoffPlan
    notices: tuple[str, ...] = ()
    documents_in_play: bool = False
    collections_chosen: bool = False  # the user chose the collections ("only these"), not relevance
    prompt_tokens: int = 0
    fits_locally: bool = True  # False only when the plan is cloud and the local prompt overflows
    question_message_id: int | None = None  # regenerate: the question is stored already
    replaces_message_ids: tuple[int, ...] = ()  # regenerate: old answers, removed when the new one starts
    calculation: str = ""  # the built-in calculator's answer ("17 × 3 = 51"): no model, no documents
    follows: str = ""  # a follow-up's earlier question ("What did the Piper PA-22-150 hit?"): already said
    # A question about two documents, asked as one question each (rag.question_parts): each part's
    # own prompt and sources (numbered on from the part before); answered locally one after another.
    parts: tuple["PreparedQuestion", ...] = ()
    # Answered by the separate model for questions with no documents in play (the larger bundled
    # model beside the 0.5B on a small machine: ``Core.general_backend``), not the main one.
    general_model: bool = False


def close_stream(pieces) -> None:
    close = getattr(pieces, "close", None)
    if close is not None:
        close()


def quietly(fn, *args, **kwargs) -> None:
    try:
        fn(*args, **kwargs)
    except AppError:
        pass  # already reporting a failure; the store keeps what it saved before


def title_from(question: str) -> str:
    line = " ".join(question.split())
    return line if len(line) <= 60 else line[:57].rstrip() + "…"
