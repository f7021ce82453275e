"""Fakes for whole-document task tests: a library of passages and a model that notes what it reads."""

from __future__ import annotations

import re

from desktop_app.core.records import Hit
from desktop_app.llm.fake import FakeBackend
from desktop_app.rag.records import DocumentInfo


class PassageLibrary:
    """The two DocumentLibrary calls whole-document tasks make, over fixed passages."""

    def __init__(self, docs: dict[str, list[Hit]]) -> None:
        self.docs = docs
        self.passage_calls: list[str] = []

    def documents(self, collection=None):
        return [DocumentInfo(path, "default", len({h.page for h in hits}), len(hits), 0.0) for path, hits in self.docs.items()]

    def passages(self, path: str):
        self.passage_calls.append(path)
        return list(self.docs[path])


def document(path: str, pages: dict[int, list[str]]) -> list[Hit]:
    """Passages of one document: page -> its chunks' texts, in order."""
    return [Hit(path, page, text, 0.0, "default", f"x-p{page}-c{i}") for page, texts in pages.items()
            for i, text in enumerate(texts)]


class NotingBackend(FakeBackend):
    """A fake model that answers a map prompt with the first sentence under each page label (citing
    that page), and a reduce or compare prompt with its first notes; scripted replies come first."""

    def __init__(self, context_length: int = 2048, on_call=None) -> None:
        super().__init__(context_length=context_length)
        self.on_call = on_call

    def stream(self, request, cancel=None):
        if self.on_call is not None:
            self.on_call(len(self.history))
        if not self._queue:
            self.enqueue(self._reply(request.messages[-1].content))
        return super().stream(request, cancel)

    @staticmethod
    def _reply(prompt: str) -> str:
        if prompt.startswith("Text from"):
            notes = []
            for page, body in re.findall(r"\[p\. (\d+)\]\n(.*?)(?=\n\[p\. |\n\n)", prompt, re.S):
                first = re.split(r"(?<=\.)\s", body.strip())[0].rstrip(".")
                notes.append(f"- {first} (p. {page})")
            return "\n".join(notes) or "NONE"
        lines = [ln for ln in prompt.splitlines() if ln.startswith("- ") and "(" in ln]
        return "\n".join(lines[:3])
