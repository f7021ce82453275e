"""The prompts of whole-document tasks, kept short and explicit for the small bundled model.

Each passage is labelled with its page ("[p. 4]") and every instruction shows the exact line
format wanted, with the page in brackets: a 0.5B model follows an example far better than a rule.
"""

from __future__ import annotations

from typing import Sequence

from desktop_app.core.records import Hit, Message

# What "extract" can list: the word used in prompts, and what one item must state.
LISTS = {
    "deadlines": ("deadlines", "every deadline, due date or time limit, and what must be done by then",
                  "Reports are due within 30 days of the visit (p. 2)"),
    "obligations": ("obligations", "every obligation: what someone must, shall or is required to do, and who",
                    "The investigator must report serious adverse events within 24 hours (p. 3)"),
    "figures": ("figures", "every important figure (amounts, counts, percentages, measurements) and what it measures",
                "The budget was $4.2 million in 2022 (p. 5)"),
}
KINDS = ("summary", "compare", *LISTS)

SUMMARY_SYSTEM = "You read documents and write down their key facts. Use only the text given. Never invent facts."


def passages_block(passages: Sequence[Hit]) -> str:
    """The passages as the model reads them: each under its page label."""
    parts: list[str] = []
    page = None
    for hit in passages:
        if hit.page != page:
            parts.append(f"[p. {hit.page}]")
            page = hit.page
        parts.append(hit.text.strip())
    return "\n".join(parts)


def page_label_tokens() -> str:
    """The text each passage's page label adds (counted once per passage when packing)."""
    return "[p. 100]\n"


def map_messages(kind: str, name: str, passages: Sequence[Hit], facts: int = 6) -> list[Message]:
    """The map step's prompt: the key facts (or the listed items) of one group of passages.

    Args:
        kind: "summary" (and "compare": each document is noted like a summary) or a key of LISTS.
        name: the document's file name (the model is told what it reads).
        facts: how many facts a summary note asks for.
    """
    text = passages_block(passages)
    if kind in LISTS:
        word, what, example = LISTS[kind]
        ask = (f"List {what}, found in the text above. Write one per line, starting with \"- \" and ending "
               f"with its page in brackets, like:\n- {example}\nCopy dates and figures exactly. "
               f"If the text has no {word}, write only: NONE")
    else:
        # No worked example here: the small model copied a concrete example line ("The aircraft
        # lost engine power...") into summaries of aviation reports.
        ask = (f"List the {facts} key facts of this text (what happened or is planned, where, when, who, "
               f"numbers). Each line: \"- \" + one complete sentence in the text's own words + the page in "
               f"brackets, e.g. (p. 1).")
    return [Message("system", SUMMARY_SYSTEM), Message("user", f"Text from {name}:\n\n{text}\n\n{ask}")]


def reduce_messages(name: str, notes: Sequence[str], points: int = 8) -> list[Message]:
    """The reduce step's prompt: notes (each citing its page) combined into the document's key points."""
    listed = "\n".join(f"- {n}" for n in notes)
    ask = (f"These are notes on {name}. Write the {points} most important points of the whole document, "
           f"most important first, without repeating a point. Each line: \"- \" + one sentence that keeps the "
           f"notes' names, dates and figures + its page in brackets as in the notes, e.g. (p. 1).")
    return [Message("system", SUMMARY_SYSTEM), Message("user", f"Notes on {name}:\n{listed}\n\n{ask}")]


def compare_messages(name_a: str, notes_a: Sequence[str], name_b: str, notes_b: Sequence[str],
                     points: int = 6) -> list[Message]:
    """The comparison's prompt: two documents' key points, each cited as (A p. N) or (B p. N)."""
    a = "\n".join(f"- {n}" for n in notes_a)
    b = "\n".join(f"- {n}" for n in notes_b)
    ask = (f"Compare document A and document B. Write up to {points} lines: what they have in common and how "
           f"they differ (subject, dates, figures, findings). Write one point per line, starting with \"- \" and "
           f"ending with the document and page in brackets, like:\n- A reports 2 injuries but B reports none "
           f"(A p. 2)\nUse only the key points given.")
    return [Message("system", "You compare documents. Use only the key points given. Never invent facts."),
            Message("user", f"Document A ({name_a}):\n{a}\n\nDocument B ({name_b}):\n{b}\n\n{ask}")]
