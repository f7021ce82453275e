"""What the window and the CLI say about claims the sources do not support, in plain words.

``check_claims`` (claim_check) marks each claim supported or not, with a reason
(``Claim.OTHER_SUBJECT`` …); these turn the marks into the one line shown at the top of an
answer (and printed by ``ask``) and the few words of a claim's tooltip.
"""

from __future__ import annotations

from desktop_app.core.records import Claim, ClaimCheck


def unsupported_note(check: ClaimCheck | None) -> str:
    """One line naming the key figures the sources do not state ("" when there are none).

    E.g. "Check: '14-18' is not found in the sources." or "Check: '435' is stated only in a
    source about something else." The CLI prints it on stderr; the window shows it at the top of
    the answer.
    """
    if check is None:
        return ""
    parts = []
    for reason, says in (("", "not found in the sources"),
                         (Claim.OTHER_SUBJECT, "stated only in a source about something else"),
                         (Claim.OTHER_FIELD, "not the figure the sources give for what was asked"),
                         (Claim.OTHER_PERIOD, "stated in the sources for another year than the one asked"),
                         (Claim.OTHER_MEANING, "in the sources, but not for what the answer says"),
                         (Claim.OTHER_KIND + "percent", "a percent, and the question asks how many"),
                         (Claim.OTHER_KIND, "not the percent the question asks for")):
        texts = list(dict.fromkeys(c.text for c in check.unsupported_key if _reason_of(c) == reason))
        if texts:
            parts.append(f"{_quoted_list(texts)} {'is' if len(texts) == 1 else 'are'} {says}")
    return f"Check: {'; '.join(parts)}." if parts else ""


def unsupported_reason(claim: Claim) -> str:
    """Why one claim is marked, in a few words ("not found in the sources")."""
    if claim.reason == Claim.OTHER_SUBJECT and claim.source is not None:
        return f"stated only in source [{claim.source}], which is about something else"
    if claim.reason == Claim.OTHER_FIELD and claim.source is not None:
        return f"not the figure source [{claim.source}] gives for what was asked (see the highlighted one)"
    if claim.reason == Claim.OTHER_MEANING and claim.source is not None:
        return f"in source [{claim.source}], but not for what the answer says (highlighted)"
    if claim.reason == Claim.OTHER_KIND:
        return "a percent, and the question asks how many" if claim.kind == "percent" \
            else "a count, and the question asks for a percent"
    if claim.reason == Claim.OTHER_PERIOD and claim.source is not None:
        return f"source [{claim.source}] gives it for another year than the one asked (highlighted)"
    return "not found in the sources"


def _reason_of(claim: Claim) -> str:
    """The claim's reason, a percent given for a count told apart from a count given for a percent."""
    return claim.reason + "percent" if claim.reason == Claim.OTHER_KIND and claim.kind == "percent" else claim.reason


def _quoted_list(texts: list[str]) -> str:
    """"'10'", "'10' and '12'", "'1', '2', '3' and 2 more"."""
    quoted = [f"'{text}'" for text in texts[:3]]
    if len(texts) > 3:
        quoted.append(f"{len(texts) - 3} more")
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


__all__ = ["unsupported_note", "unsupported_reason"]
