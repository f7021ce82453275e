"""Prompt formats: turn a conversation into the exact text a model was trained on.

The format is chosen from the GGUF's metadata, never from the model's name: a model that
ships ``tokenizer.chat_template`` is prompted with that template (rendered in a sandboxed
Jinja2 environment, as Hugging Face does); a base model without one (the bundled Gemma 3 270M)
gets a plain completion prompt, ``Q: ...`` / ``A:``, which such models continue correctly.

Both formats are *prefix-stable*: the prompt of turn N+1 starts with the prompt of turn N plus
its answer, so llama.cpp can reuse the already evaluated tokens (KV cache) of a follow-up.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

from desktop_app.core.records import Message
from desktop_app.llm.gguf_info import GgufInfo


@dataclass(frozen=True)
class FormattedPrompt:
    """The text to tokenize and the strings that end an answer."""

    text: str
    stop: tuple[str, ...]


class PromptFormat(Protocol):
    """Renders messages into a prompt ending where the model's answer begins."""

    name: str

    def format(self, messages: Sequence[Message]) -> FormattedPrompt: ...


# --------------------------------------------------------------------------- completion (base models)


class CompletionFormat:
    """For base models without a chat template: a Q/A transcript the model continues.

    Layout (no trailing spaces, so the answer's first token carries its own leading space)::

        <system text>

        Q: first question
        A: first answer
        Q: the question
        A:
    """

    name = "completion"
    # "\nB:" and "\nQuestion:": base models like to continue an answer as a multiple-choice
    # list or a new exam question; neither is ever part of a real answer.
    stop: tuple[str, ...] = ("\nQ:", "\n\n\n", "\nB:", "\nQuestion:")

    def format(self, messages: Sequence[Message]) -> FormattedPrompt:
        parts: list[str] = []
        system = "\n\n".join(m.content.strip() for m in messages if m.role == "system" and m.content.strip())
        if system:
            parts.append(system + "\n\n")
        for m in messages:
            if m.role == "user":
                parts.append(f"Q: {_one_block(m.content)}\n")
            elif m.role == "assistant":
                parts.append(f"A: {_one_block(m.content)}\n")
        parts.append("A:")
        return FormattedPrompt("".join(parts), self.stop)


def _one_block(text: str) -> str:
    # A blank line inside a turn would look like the end of the transcript to a base model,
    # and "Q:" at a line start would look like a new question: keep each turn one block.
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out = "\n".join(line for line in lines if line)
    return out.replace("\nQ:", "\nQ :").replace("\nA:", "\nA :")


# --------------------------------------------------------------------------- the model's own template


class TemplateError(Exception):
    """The GGUF's chat template cannot be compiled or rendered."""


class ChatTemplateFormat:
    """Renders the GGUF's ``tokenizer.chat_template`` in a sandboxed Jinja2 environment.

    Templates that refuse a system role (they ``raise_exception`` on it) get the system text
    folded into the first user message instead.
    """

    name = "chat template"

    def __init__(self, template: str, bos_token: str = "", eos_token: str = "", extra_stop: Sequence[str] = ()) -> None:
        from jinja2 import TemplateError as JinjaError
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
        env.globals["raise_exception"] = _raise_exception
        env.globals["strftime_now"] = lambda fmt: datetime.datetime.now().strftime(fmt)
        try:
            self._template = env.from_string(template)
        except JinjaError as exc:
            raise TemplateError(f"the model's chat template is invalid: {exc}") from None
        self._jinja_error = JinjaError
        self.bos_token = bos_token
        self.eos_token = eos_token
        self.stop = tuple(s for s in (eos_token, *extra_stop) if s)

    def format(self, messages: Sequence[Message]) -> FormattedPrompt:
        payload = [{"role": m.role, "content": m.content} for m in messages]
        try:
            text = self._render(payload)
        except (TemplateError, self._jinja_error, TypeError, ValueError):
            text = self._render(_fold_system(payload))
        return FormattedPrompt(text, self.stop)

    def _render(self, payload: list[dict[str, str]]) -> str:
        try:
            return self._template.render(
                messages=payload,
                add_generation_prompt=True,
                bos_token=self.bos_token,
                eos_token=self.eos_token,
            )
        except self._jinja_error as exc:
            raise TemplateError(str(exc)) from None


def _raise_exception(message: str) -> None:
    raise TemplateError(message)


def _fold_system(payload: list[dict[str, str]]) -> list[dict[str, str]]:
    system = "\n\n".join(m["content"] for m in payload if m["role"] == "system")
    rest = [dict(m) for m in payload if m["role"] != "system"]
    if system:
        for m in rest:
            if m["role"] == "user":
                m["content"] = f"{system}\n\n{m['content']}"
                break
    return rest


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class FormatRule:
    """One registry entry: when it applies (from metadata) and how to build the format."""

    name: str
    applies: Callable[[GgufInfo], bool]
    build: Callable[[GgufInfo], PromptFormat]


def _chat_template(info: GgufInfo) -> PromptFormat:
    return ChatTemplateFormat(info.chat_template or "", info.bos_token, info.eos_token)


# First match wins; the completion format always applies, so it closes the list.
FORMAT_RULES: list[FormatRule] = [
    FormatRule("chat template", lambda info: info.has_chat_template, _chat_template),
    FormatRule("completion", lambda info: True, lambda info: CompletionFormat()),
]


def select_format(info: GgufInfo) -> PromptFormat:
    """The prompt format for a model, from its GGUF metadata.

    A chat template that does not even compile falls back to the completion format rather
    than making the model unusable.
    """
    for rule in FORMAT_RULES:
        if rule.applies(info):
            try:
                return rule.build(info)
            except TemplateError:
                continue
    return CompletionFormat()
