"""Asking the local model once more when its grounded answer states a key figure the sources do not.

The claim check (``rag.claim_check``) finds such figures after the answer is written. Issue 16
allows one retry with a stricter prompt, kept only if measured to help: the setting
``rag.recheck_unsupported`` turns it on, and ``benchmarks/answer_quality.py --recheck`` measures it
against the same questions without it.

The retry repeats the conversation unchanged and appends one instruction to the question's
message, so the model process reuses its KV cache for everything before it (only the new
instruction is read again).
"""

from __future__ import annotations

from dataclasses import replace

from desktop_app.core.records import Claim, ClaimCheck, Message
from desktop_app.llm.base import GenerationRequest

# Tokens the added instruction may take; the answer's budget shrinks by this much so the longer
# prompt still fits the context the first request was sized for.
INSTRUCTION_TOKENS = 96
MAX_QUOTED_CLAIMS = 3


def wants_recheck(check: ClaimCheck | None) -> bool:
    """True when a key figure or name of the answer is not in its cited sources."""
    return bool(check is not None and check.unsupported_key)


def recheck_notice(check: ClaimCheck) -> str:
    """The note shown above the second answer (and saved with it)."""
    return (f"The first answer stated {_quoted(check)}, {_why(check, 'the sources')}; "
            "this answer was asked again, copying figures from the sources.")


def stricter_request(request: GenerationRequest, check: ClaimCheck) -> GenerationRequest:
    """``request`` with a stricter instruction after the question: copy the figure, or decline."""
    if not request.messages:
        return request
    instruction = (f"\n\nYour first answer stated {_quoted(check)}, {_why(check, 'the sources above')}. "
                   "Answer again in one or two sentences. Copy each figure, date and name exactly as a "
                   "source writes it and cite that source like [1]. If no source states the answer, "
                   "say that the documents do not contain it.")
    *earlier, last = request.messages
    messages = (*earlier, Message(last.role, last.content + instruction))
    return replace(request, messages=messages, max_tokens=max(1, request.max_tokens - INSTRUCTION_TOKENS))


def _why(check: ClaimCheck, sources: str) -> str:
    """What is wrong with the quoted figures: absent, or stated only of something else."""
    reasons = {c.reason for c in check.unsupported_key}
    if reasons == {Claim.OTHER_SUBJECT}:
        return f"which {sources} state only about something other than what the question asks"
    if reasons == {Claim.OTHER_FIELD}:
        return f"which {sources} give for something else than what the question asks"
    if reasons == {Claim.OTHER_MEANING}:
        return f"which {sources} state of something else than the answer does"
    if reasons == {Claim.OTHER_PERIOD}:
        return f"which {sources} give for another year than the one the question asks about"
    if "" in reasons:
        return f"which {sources} do not contain"
    return f"which {sources} do not give for what the question asks"


def _quoted(check: ClaimCheck) -> str:
    texts = list(dict.fromkeys(c.text for c in check.unsupported_key))[:MAX_QUOTED_CLAIMS]
    return ", ".join(f"“{t}”" for t in texts) or "a figure"
