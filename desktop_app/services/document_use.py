"""Which documents a question consults: one rule for the CLI and the window.

- Documents follow relevance by default: every indexed collection is searched for the question
  alone, relevant passages ground the answer, and a miss is answered like plain chat ("What is
  the capital of France?" must not be answered from a transport plan, nor get "the documents do
  not say").
- Choosing collections (ticks in the window, ``--collection`` on the command line, or the ticks
  saved with a conversation) means "only these": the answer comes from them, or says they do not
  hold it.
- "Not for this question" (the composer's "Don't use documents", ``--no-documents``) searches
  nothing.
- A question that itself points at the documents ("... in the NTSB report", "according to the
  protocol", "in my files") is about them even with nothing chosen: a miss then says the documents
  do not hold it (``refers_to_documents``), as plain chat could only invent what "the report" says.

A file asked about in the conversation only (dropped on the message box; its own private
collection, ``services.conversation_files``) joins the choice: the answer comes from that file and
the ticked collections, if any ("only these" again).

A conversation's saved choice can name a collection removed from the index since; it is dropped
(it would make every answer "the documents do not contain it"), and with nothing left the question
follows relevance again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from desktop_app.core.errors import AppError
from desktop_app.rag.retriever import covers_topic
from desktop_app.services.conversation_files import attached_files, conversation_collection
from desktop_app.services.named_terms import named_terms, unmentioned_names


@dataclass(frozen=True)
class DocumentUse:
    """What ``Assistant.prepare`` gets for one question.

    ``collections``: the user's choice, searched and nothing else ("only these").
    ``consult``: searched for this question alone when there is no choice; used only if relevant.
    """

    collections: tuple[str, ...] = ()
    consult: tuple[str, ...] = ()

    @property
    def searches(self) -> bool:
        return bool(self.collections or self.consult)

    def prepare_kwargs(self) -> dict[str, list[str]]:
        """Keyword arguments for ``Assistant.prepare`` (an empty list: the saved choice is not used)."""
        return {"collections": list(self.collections), "consult": list(self.consult)}


NO_DOCUMENTS = DocumentUse()

# Kinds of document a question can point at ("the NTSB report", "the DVRd protocol").
_DOCUMENT_NOUNS = (r"reports?|documents?|protocols?|filings?|pdfs?|papers?|files?|manuals?|handbooks?|"
                   r"studies|study|plans?|polic(?:y|ies)|contracts?|agreements?|statements?|forms?|"
                   r"memos?|minutes|slides?|presentations?|spreadsheets?|sources?")
# "in / from / according to / per / of the <up to four words> report": the question places its
# answer in a document. General questions rarely do (none of the 120 in
# benchmarks/data/general_questions.jsonl); "How do I write a report?" and "Write an introduction
# for the report" do not match.
_POINTS_AT_DOCUMENT = re.compile(
    r"\b(?:in|from|according\s+to|per|of|within|inside)\s+(?:the|this|that|these|those|my|our)\s+"
    r"(?:[\w.&'-]+\s+){0,4}?(?:" + _DOCUMENT_NOUNS + r")\b"
    r"|\b(?:my|our)\s+(?:own\s+|uploaded\s+|indexed\s+)?(?:documents|files|pdfs|sources)\b",
    re.IGNORECASE)


def refers_to_documents(question: str) -> bool:
    """True when ``question`` places its answer in a document ("in the NTSB report", "my files")."""
    return bool(_POINTS_AT_DOCUMENT.search(question))


# Below this best-passage similarity, consulted documents never answer (see ``strong_enough``).
CONSULT_TOPIC_SIMILARITY = 0.32


# A request to write or suggest something ("Write a cover letter opening for a data analyst
# position", "Draft an email to my team about the holiday schedule", "Give me three tips for a job
# interview"): everyday work, which a passage sharing its topic words ("job", "schedule") does not
# make a document question.
_ASKS_FOR_WRITING = re.compile(
    r"^\s*(?:(?:please|can\s+you|could\s+you|would\s+you|help\s+me)\s+)*"
    r"(?:write|draft|compose|create|prepare|suggest|brainstorm|give\s+me|make\s+me|come\s+up\s+with)\b",
    re.IGNORECASE)


def asks_for_writing(question: str) -> bool:
    """True when ``question`` asks for something written or suggested rather than a fact."""
    return bool(_ASKS_FOR_WRITING.search(question))


def strong_enough(question: str, hits: Sequence[Any], min_similarity: float) -> bool:
    """Whether consulted documents (nothing chosen) hold passages close enough to the question to
    answer it from them: the best passage is at least ``min_similarity`` similar to it, or at least
    ``CONSULT_TOPIC_SIMILARITY`` with half of the question's topic words in one passage.

    The search's own bar is for chosen documents, where a miss says "the documents do not
    contain it": there a passage is kept at 0.3, or below with the question's topic words
    ("capital", "France"). With nothing chosen, a miss is answered like plain chat, and such
    passages made the small model answer everyday requests from a performance report ("Thank
    you for your contribution to the OPM shift [1]." for a thank-you note, stop 38). Measured over
    the corpus index (stop 38, no model): of the 326 document questions in benchmarks/data every
    one passes (best passages 0.355-0.88; the three below 0.45 hold 55-80 % of their topic words);
    of the 73 general questions the model answers and 10 everyday requests, 30 drew passages and
    4 pass. A hit without a similarity (another retriever) passes.

    A request to write something (``asks_for_writing``) needs more: a passage holding half its
    topic words, and either ``min_similarity`` or a name the request gives ("… about the Soledad
    accident"; "LinkedIn", which an OPM report names, comes with too few of the topic words).
    Three everyday requests passed the bar above on the corpus index: a cover letter (0.50
    similar, 2 of 7 topic words), a holiday-schedule email and job-interview tips (0.36, half
    their topic words); none of the 326 document questions is a writing request.
    """
    similarities = [h.similarity for h in hits if getattr(h, "similarity", None) is not None]
    if similarities and asks_for_writing(question):
        return any(covers_topic(question, h.text) for h in hits) and (
            max(similarities) >= min_similarity or _names_held(question, hits))
    if not similarities or max(similarities) >= min_similarity:
        return True
    if max(similarities) < CONSULT_TOPIC_SIMILARITY:
        return False
    return any(covers_topic(question, h.text) for h in hits)


def _names_held(question: str, hits: Sequence[Any]) -> bool:
    """Does a passage (or its document's label) hold one of the names ``question`` gives?"""
    names = named_terms(question)
    passages = [f"{getattr(h, 'document', '')} {h.text}" for h in hits]
    return bool(names) and len(unmentioned_names(question, passages)) < len(names)


def decide(indexed: Sequence[str], chosen: Sequence[str] = (), use_documents: bool = True,
           attached: Sequence[str] = ()) -> DocumentUse:
    """The pure rule: no documents, the chosen collections, or every indexed one by relevance.

    Args:
        indexed: the collections that hold documents now.
        chosen: the explicit choice ("only these"); empty when the user chose none.
        use_documents: False when the user said "not for this question".
        attached: the conversation's own collection of asked-about files, when it holds any;
            it joins the choice.
    """
    if not use_documents:
        return NO_DOCUMENTS
    chosen = tuple(dict.fromkeys([*chosen, *attached]))
    if chosen:
        return DocumentUse(collections=chosen)
    return DocumentUse(consult=tuple(dict.fromkeys(indexed)))


def for_question(library: Any, store: Any, index_manifest: Path, conversation_id: int | None,
                 chosen: Sequence[str] | None = None, use_documents: bool = True,
                 attached: Sequence[str] | None = None) -> DocumentUse:
    """The documents one question consults, as both front-ends ask for it.

    Runs on a worker thread in the window (it may list the index).

    Args:
        library: the document library (``collections()`` lists what is indexed).
        store: the conversation store (for the choice saved with ``conversation_id``).
        index_manifest: the index's manifest file; without it nothing was ever indexed, and the
            index is not opened just to find that out.
        chosen: the explicit choice; None means "the conversation's saved choice" (none for a new
            conversation).
        use_documents: False when the user said "not for this question".
        attached: the private collections of files asked about; None means "the conversation's
            own, if it holds files".
    """
    if not use_documents:
        return NO_DOCUMENTS
    if attached is None:
        attached = _attached(library, index_manifest, conversation_id)
    if chosen:
        return decide((), chosen, attached=attached)  # an explicit choice needs no listing of the index
    indexed = indexed_collections(library, index_manifest)
    if chosen is None:
        chosen = [name for name in _saved_choice(store, conversation_id) if name in indexed]
    return decide(indexed, chosen, attached=attached)


def indexed_collections(library: Any, index_manifest: Path) -> list[str]:
    """Every collection that holds documents; [] when none was ever built or the index cannot be read."""
    if not Path(index_manifest).exists():
        return []
    try:
        return [c.name for c in library.collections() if c.documents > 0]
    except AppError:
        return []  # the question is still answered, as plain chat; the documents panel shows the error


def _attached(library: Any, index_manifest: Path, conversation_id: int | None) -> list[str]:
    """The conversation's own collection when it holds files (conversation_files), else []."""
    if conversation_id is None:
        return []
    name = conversation_collection(conversation_id)
    try:  # the library is asked only when files were dropped in this conversation
        return [name] if attached_files(library, Path(index_manifest).parent, name) else []
    except AppError:
        return []


def _saved_choice(store: Any, conversation_id: int | None) -> list[str]:
    if conversation_id is None:
        return []
    conversation = store.get_conversation(conversation_id)
    return list(conversation.collections) if conversation is not None else []
