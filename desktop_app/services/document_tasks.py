"""Whole-document tasks: summarise a document, compare two, list its deadlines, obligations or figures.

Unlike a question (top-k retrieval), these read every passage of a document, in page order:
the passages are packed into groups that fit the model's context (``passage_groups``), the model
notes each group's key facts with their pages (map), and the notes are combined (reduce, again
in groups when they do not fit one prompt). Every point is checked against the pages' own text
and cites the page that supports it (``page_citations``).

Each task is a plain generator: it yields ``TaskProgress`` (model call i of n) and returns a
``TaskResult``, or None when cancelled: the cancel token is checked between model calls and
passed into each one, and a cancelled run returns nothing half-written. Runs on a worker thread
in the window (never the GUI thread: each model call takes seconds).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Generator, Sequence

from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import AppError
from desktop_app.core.records import Citation, Message
from desktop_app.llm.base import GenerationRequest
from desktop_app.services import page_citations as pc
from desktop_app.services import task_prompts as tp
from desktop_app.services.passage_groups import PassageGroup, pack_groups, split_group, trim_overlap
from desktop_app.services.prompt_budget import answer_reserve
from desktop_app.services.task_sources import DocumentText, read_document

GROUP_TOKENS = 1536  # passage tokens per map prompt: a 0.5B model notes a short text better than a long one
NOTE_TOKENS = 224  # the longest reply of a map or reduce step: ~8 points (the small model otherwise copies the text on)
SUMMARY_POINTS = 8
MAX_REDUCE_LEVELS = 4  # notes shrink ~5x per level; four levels cover far more than any document
MARGIN_TOKENS = 16  # the counter may differ from the model's own tokeniser by a few tokens


@dataclass(frozen=True)
class TaskProgress:
    """One step of a task: ``step`` of ``total`` model calls (``total`` may grow as notes are combined)."""

    step: int
    total: int
    message: str
    stage: str = "read"  # read, map, reduce, compare


@dataclass
class TaskResult:
    """A finished whole-document task: its text (each point citing pages) and the cited pages as Citations."""

    kind: str
    title: str
    text: str
    sources: list[Citation]
    documents: list[str]
    points: list[pc.Point] = field(default_factory=list)
    model: str = ""
    model_calls: int = 0
    groups: int = 0
    seconds: float = 0.0
    notices: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "text": self.text, "documents": list(self.documents),
                "points": [{"text": p.text, "pages": list(p.pages), "source": p.source, "label": p.label}
                           for p in self.points],
                "sources": [c.to_json() for c in self.sources], "model": self.model,
                "model_calls": self.model_calls, "groups": self.groups, "seconds": round(self.seconds, 2),
                "notices": list(self.notices)}


class _Cancelled(Exception):
    """Raised inside a task when its token is cancelled; the task then returns None."""


class DocumentTasks:
    """Summaries, comparisons and lists over whole documents.

    Args:
        library: the DocumentLibrary (``passages`` of indexed documents, ``documents``).
        backend_factory: returns the loaded ChatBackend (loads it on first call).
        group_tokens: most passage tokens in one map prompt.
    """

    def __init__(self, library, backend_factory: Callable[[], Any], group_tokens: int = GROUP_TOKENS,
                 note_tokens: int = NOTE_TOKENS) -> None:
        self.library = library
        self._backend_factory = backend_factory
        self.group_tokens = group_tokens
        self.note_tokens = note_tokens

    # ------------------------------------------------------------------ the three tasks

    def summarise(self, path: str, cancel: CancelToken | None = None) -> Generator[TaskProgress, None, TaskResult | None]:
        """Summarise one document as its key points, each citing its page.

        Raises:
            AppError: the document cannot be read, has no text, or the model fails.
        """
        return (yield from self._run("summary", [path], cancel))

    def extract(self, path: str, what: str, cancel: CancelToken | None = None) -> Generator[TaskProgress, None, TaskResult | None]:
        """List every deadline, obligation or figure of one document (``what``), each citing its page."""
        if what not in tp.LISTS:
            raise AppError(f"Cannot list '{what}'.", f"Choose one of: {', '.join(tp.LISTS)}.")
        return (yield from self._run(what, [path], cancel))

    def compare(self, path_a: str, path_b: str, cancel: CancelToken | None = None) -> Generator[TaskProgress, None, TaskResult | None]:
        """Compare two documents: what they share and how they differ, citing (A p. N) and (B p. N)."""
        return (yield from self._run("compare", [path_a, path_b], cancel))

    # ------------------------------------------------------------------ the run

    def _run(self, kind: str, paths: Sequence[str], cancel: CancelToken | None):
        cancel = cancel or CancelToken()
        started = time.perf_counter()
        run = _Run(self, kind, cancel)
        try:
            docs = []
            for path in paths:
                yield TaskProgress(0, 0, f"Reading {Path(path).name}…")
                doc = read_document(self.library, path)
                if doc.notice:
                    run.notices.append(doc.notice)
                docs.append(doc)
            run.backend = self._backend_factory()
            run.plan(docs)
            if kind == "compare":
                result = yield from run.compare(docs[0], docs[1])
            elif kind == "summary":
                result = yield from run.summary(docs[0])
            else:
                result = yield from run.listing(docs[0])
        except _Cancelled:
            return None
        result.seconds = time.perf_counter() - started
        result.model = getattr(run.backend, "model_name", "")
        result.model_calls = run.calls
        result.notices = run.notices
        return result


class _Run:
    """One task's state: the backend, the step counter and the model calls (worker thread only)."""

    def __init__(self, owner: DocumentTasks, kind: str, cancel: CancelToken) -> None:
        self.owner = owner
        self.kind = kind
        self.cancel = cancel
        self.backend: Any = None
        self.calls = 0
        self.total = 0
        self.groups: dict[str, list[PassageGroup]] = {}
        self.notices: list[str] = []

    # -------------------------------------------------------------- budgeting

    def count(self, text: str) -> int:
        return max(0, self.backend.count_tokens([Message("user", text)]) - self._empty)

    def plan(self, docs: Sequence[DocumentText]) -> None:
        """Pack each document into groups and size the step count (map calls + one reduce each)."""
        self._empty = self.backend.count_tokens([Message("user", "")])
        self.room = self.backend.context_length - answer_reserve(self.backend.context_length, self.owner.note_tokens)
        self.label_tokens = self.count(tp.page_label_tokens())
        for doc in docs:
            frame = self.backend.count_tokens(tp.map_messages(self._map_kind, doc.name, []))
            budget = min(self.owner.group_tokens, self.room - frame - MARGIN_TOKENS)
            if budget <= self.label_tokens + 16:
                raise AppError("The model's context window is too small for whole-document tasks.",
                               "Choose a larger context length in Settings.")
            self.groups[doc.path] = pack_groups(trim_overlap(doc.passages), budget, self.count, self.label_tokens)
            self.total += len(self.groups[doc.path]) + (1 if self.kind in ("summary", "compare") and len(self.groups[doc.path]) > 1 else 0)
        self.total += 1 if self.kind == "compare" else 0

    @property
    def _map_kind(self) -> str:
        return "summary" if self.kind == "compare" else self.kind

    # -------------------------------------------------------------- model calls

    def ask(self, messages: list[Message], message: str, stage: str):
        """One model call (greedy); yields its progress first; returns the reply."""
        if self.cancel.cancelled:
            raise _Cancelled
        self.calls += 1
        self.total = max(self.total, self.calls)
        yield TaskProgress(self.calls, self.total, message, stage)
        request = GenerationRequest(tuple(messages), max_tokens=self.owner.note_tokens, temperature=0.0)
        reply = "".join(self.backend.stream(request, self.cancel))
        if self.cancel.cancelled:
            raise _Cancelled
        return reply

    def fits(self, messages: list[Message]) -> bool:
        return self.backend.count_tokens(messages) + self.owner.note_tokens + MARGIN_TOKENS <= self.backend.context_length

    # -------------------------------------------------------------- map

    def notes(self, doc: DocumentText, label: str = ""):
        """Map: the grounded points of every group of ``doc``, in page order."""
        queue = list(self.groups[doc.path])
        points: list[pc.Point] = []
        facts = SUMMARY_POINTS if len(queue) == 1 else 6
        done = 0
        while queue:
            group = queue.pop(0)
            messages = tp.map_messages(self._map_kind, doc.name, group.passages, facts)
            if not self.fits(messages) and (len(group.passages) > 1 or group.tokens > 32):
                queue[:0] = split_group(group, self.count, self.label_tokens)  # the estimate was short
                self.total += 1
                continue
            done += 1
            pages = f"pages {group.pages[0]}–{group.pages[-1]}" if len(group.pages) > 1 else f"page {group.pages[0]}"
            reply = yield from self.ask(messages, f"Reading {doc.name}, part {done} of {done + len(queue)} ({pages})", "map")
            page_texts = {p: doc.pages[p] for p in group.pages}
            for line in pc.bullet_lines(reply):
                point = pc.ground(line, page_texts, doc.path, label)
                if point is not None:
                    points.append(point)
        return pc.unique(points)

    # -------------------------------------------------------------- reduce

    def reduce(self, doc: DocumentText, notes: list[pc.Point], label: str = ""):
        """Combine notes into the document's key points, in groups of notes while they do not fit one prompt."""
        level = 0
        while True:
            lines = [f"{p.text} {pc.page_ref(p.pages)}" for p in notes]
            if self.fits(tp.reduce_messages(doc.name, lines, SUMMARY_POINTS)) or level >= MAX_REDUCE_LEVELS:
                break
            level += 1
            batches = self._note_batches(doc.name, lines)
            self.total += len(batches)
            combined: list[pc.Point] = []
            for i, batch in enumerate(batches, start=1):
                reply = yield from self.ask(tp.reduce_messages(doc.name, batch, SUMMARY_POINTS),
                                            f"Combining notes on {doc.name} ({i} of {len(batches)})", "reduce")
                combined.extend(self._grounded(reply, doc, label))
            if len(combined) >= len(notes):  # no shrink: stop rather than loop
                notes = combined
                break
            notes = pc.unique(combined)
        lines = [f"{p.text} {pc.page_ref(p.pages)}" for p in notes]
        while lines and not self.fits(tp.reduce_messages(doc.name, lines, SUMMARY_POINTS)):
            lines.pop()  # only after MAX_REDUCE_LEVELS: never send a prompt that cannot fit
        reply = yield from self.ask(tp.reduce_messages(doc.name, lines, SUMMARY_POINTS),
                                    f"Writing the key points of {doc.name}", "reduce")
        points = pc.unique(self._grounded(reply, doc, label))
        # The small model sometimes returns fewer points than asked (or copies one): top up from
        # the notes, in page order, so a long document never ends with a two-line summary.
        for note in notes:
            if len(points) >= SUMMARY_POINTS:
                break
            if all(pc.support(note.text, p.text) < 0.7 for p in points):
                points.append(note)
        return points[:SUMMARY_POINTS]

    def _grounded(self, reply: str, doc: DocumentText, label: str) -> list[pc.Point]:
        out = []
        for line in pc.bullet_lines(reply):
            point = pc.ground(line, doc.pages, doc.path, label)
            if point is not None:
                out.append(point)
        return out

    def _note_batches(self, name: str, lines: list[str]) -> list[list[str]]:
        batches: list[list[str]] = [[]]
        for line in lines:
            if batches[-1] and not self.fits(tp.reduce_messages(name, batches[-1] + [line], SUMMARY_POINTS)):
                batches.append([])
            batches[-1].append(line)
        return batches

    # -------------------------------------------------------------- the tasks

    def key_points(self, doc: DocumentText, label: str = ""):
        notes = yield from self.notes(doc, label)
        if len(self.groups[doc.path]) > 1 and notes:
            return (yield from self.reduce(doc, notes, label))
        return notes

    def summary(self, doc: DocumentText):
        points = yield from self.key_points(doc)
        if not points:
            raise AppError(f"The model found no key facts it could check against {doc.name}.",
                           "Try again, or ask a question about the document instead.")
        return self._result(f"Summary of {doc.name}", pc.render(points), points, [doc])

    def listing(self, doc: DocumentText):
        points = yield from self.notes(doc)
        points.sort(key=lambda p: p.pages)
        word = tp.LISTS[self.kind][0]
        title = f"{word.capitalize()} in {doc.name}"
        text = pc.render(points) if points else f"No {word} were found in {doc.name} ({len(doc.pages)} pages read)."
        return self._result(title, text, points, [doc])

    def compare(self, a: DocumentText, b: DocumentText):
        points_a = yield from self.key_points(a, "A")
        points_b = yield from self.key_points(b, "B")
        lines_a = [f"{p.text} {pc.page_ref(p.pages, 'A')}" for p in points_a]
        lines_b = [f"{p.text} {pc.page_ref(p.pages, 'B')}" for p in points_b]
        while not self.fits(tp.compare_messages(a.name, lines_a, b.name, lines_b)) and (lines_a or lines_b):
            (lines_a if len(lines_a) >= len(lines_b) else lines_b).pop()
        reply = yield from self.ask(tp.compare_messages(a.name, lines_a, b.name, lines_b),
                                    f"Comparing {a.name} with {b.name}", "compare")
        compared = []
        for line in pc.bullet_lines(reply):
            _, refs = pc.cited(line)
            labels = [lab for lab, _ in refs if lab] or ["A", "B"]
            # A comparison line names both documents: keep it if either document supports it.
            candidates = [pc.ground(line, d.pages, d.path, lab, keep=0.4) for lab, d in (("A", a), ("B", b)) if lab in labels]
            best = [c for c in candidates if c is not None]
            if best:
                compared.append(best[0])
        compared = pc.unique(compared)
        text = "\n\n".join(part for part in (
            f"How A ({a.name}) and B ({b.name}) compare:\n{pc.render(compared, labelled=True)}" if compared else "",
            f"Key points of A ({a.name}):\n{pc.render(points_a, labelled=True)}",
            f"Key points of B ({b.name}):\n{pc.render(points_b, labelled=True)}") if part)
        return self._result(f"Comparison of {a.name} and {b.name}", text, compared + points_a + points_b, [a, b])

    def _result(self, title: str, text: str, points: list[pc.Point], docs: Sequence[DocumentText]) -> TaskResult:
        pages = {d.path: d.pages for d in docs}
        return TaskResult(self.kind, title, text, pc.citations(points, pages), [d.path for d in docs], list(points),
                          groups=sum(len(self.groups[d.path]) for d in docs))
