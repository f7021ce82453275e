"""LocalLlamaBackend: a GGUF model run in-process by llama.cpp (llama-cpp-python).

The prompt is ours: messages are formatted by the model's PromptFormat (chosen from its GGUF
metadata), tokenized once, and passed to ``create_completion`` as token ids. llama-cpp-python
keeps the tokens of its last evaluation and re-evaluates only what follows the longest common
prefix, so a follow-up question in the same conversation costs only its new tokens (the
formats are prefix-stable to make this work). Nothing runs per token beyond reading the piece
and checking the cancel flag.

Thread rule: one generation at a time. ``stream`` and ``draft_confidence`` hold a lock for
their whole run; ``count_tokens`` only reads the (immutable) vocabulary and takes no lock, so
the GUI can measure a prompt while an answer streams.
"""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import ContextOverflowError, ModelError
from desktop_app.core.records import Message
from desktop_app.llm import hardware
from desktop_app.llm.base import GenerationRequest, GenerationStats
from desktop_app.llm.gguf_info import GgufInfo, read_gguf_info
from desktop_app.llm.llama_runtime import llama_cpp_module, load_llama, supports_gpu_offload
from desktop_app.llm.prompt_formats import PromptFormat, TemplateError, select_format
from desktop_app.llm.repetition import RepetitionGuard

DEFAULT_CONTEXT = 4096
# Below this many new prompt tokens the evaluation is short enough that Stop can simply wait
# for the first token; above it, an abort callback lets Stop interrupt the evaluation itself.
ABORTABLE_PROMPT_TOKENS = 128


class LocalLlamaBackend:
    """A ChatBackend on a local GGUF file.

    Args:
        model_path: the GGUF file.
        context_length: wanted context in tokens (capped at the model's trained context).
        gpu_offload: ``auto`` | ``cpu`` | ``all`` | a number of layers (see ``hardware``).
        threads: CPU threads; 0 = physical cores.
        info: the GGUF header if already read; prompt_format: override the metadata's choice.
        flash_attention: llama.cpp's fused attention, which reads a grounded prompt about 14 %
            faster on a 2-core CPU (``benchmarks/fast_weights.py --compare flash``); a load that
            fails with it is tried again without it.

    Raises:
        ModelError: the file is missing, not a GGUF, damaged, or of an unsupported architecture.
    """

    def __init__(
        self,
        model_path: str | Path,
        context_length: int = DEFAULT_CONTEXT,
        gpu_offload: str = "auto",
        threads: int = 0,
        info: GgufInfo | None = None,
        prompt_format: PromptFormat | None = None,
        repeat_penalty: float = 1.0,
        flash_attention: bool = True,
    ) -> None:
        self.path = Path(model_path)
        self.flash_attention = flash_attention
        self.repeat_penalty = repeat_penalty
        self.info = info or read_gguf_info(self.path)
        self.prompt_format = prompt_format or select_format(self.info)
        trained = self.info.context_length or DEFAULT_CONTEXT
        n_ctx = min(context_length, trained) if context_length and context_length > 0 else trained
        self.threads = hardware.resolve_threads(threads)
        self.supports_gpu_offload = supports_gpu_offload()
        self.n_gpu_layers = hardware.resolve_gpu_layers(gpu_offload, self.supports_gpu_offload)
        self.notices: list[str] = []
        self._llama = self._load(n_ctx)
        self._n_ctx = int(self._llama.n_ctx())
        llama_cpp = llama_cpp_module()
        self._llama_cpp = llama_cpp
        self.total_layers = int(llama_cpp.llama_model_n_layer(self._llama.model))
        vocab = llama_cpp.llama_model_get_vocab(self._llama.model)
        self._add_bos = bool(llama_cpp.llama_vocab_get_add_bos(vocab))
        self._lock = threading.Lock()
        self._closing = threading.Event()  # set by close(): stops a generation on another thread
        self._last_stats: GenerationStats | None = None
        self._last_prompt: tuple[tuple[Message, ...], list[int], tuple[str, ...]] | None = None

    def _load(self, n_ctx: int):
        params: dict[str, Any] = dict(
            n_ctx=n_ctx,
            n_batch=min(512, n_ctx),
            n_threads=self.threads,
            n_threads_batch=self.threads,
            n_gpu_layers=self.n_gpu_layers,
            flash_attn=self.flash_attention,
        )
        try:
            return load_llama(self.path, self.info.architecture, **params)
        except ModelError:
            if self.flash_attention:
                # llama-cpp-python can only force fused attention on, not leave it to llama.cpp;
                # a model or device that cannot use it must still load, as before.
                self.flash_attention = params["flash_attn"] = False
                try:
                    return load_llama(self.path, self.info.architecture, **params)
                except ModelError:
                    pass
            if self.n_gpu_layers == 0:
                raise
            # A GPU that is too small (or a broken driver) should not stop the user: run on the CPU.
            self.n_gpu_layers = params["n_gpu_layers"] = 0
            self.notices.append("The model could not be loaded on the GPU, so it runs on the CPU.")
            return load_llama(self.path, self.info.architecture, **params)

    # ------------------------------------------------------------------ ChatBackend

    @property
    def model_name(self) -> str:
        return self.info.name

    @property
    def context_length(self) -> int:
        return self._n_ctx

    @property
    def last_stats(self) -> GenerationStats | None:
        return self._last_stats

    @property
    def device_label(self) -> str:
        """E.g. ``CPU · 2 threads`` or ``GPU · 18 layers`` (status bar)."""
        return hardware.device_label(self.n_gpu_layers, self.total_layers, self.threads)

    def count_tokens(self, messages: Sequence[Message]) -> int:
        """Tokens of the formatted prompt for ``messages`` (exactly what ``stream`` would evaluate)."""
        return len(self._prompt_tokens(messages)[0])

    def stream(self, request: GenerationRequest, cancel: CancelToken | None = None) -> Iterator[str]:
        """Yield the answer piece by piece; see the module docstring for the rules.

        Steps: tokenize and check the prompt fits, arm Stop for a long prompt evaluation,
        hand out the pieces (trimmed at the answer's edges, cut at a repetition loop), then
        record the run's figures in ``last_stats``.

        Raises:
            ContextOverflowError: the prompt does not fit the context window.
            ModelError: llama.cpp failed while generating.
        """
        def stopped() -> bool:
            return self._closing.is_set() or (cancel is not None and cancel.cancelled)

        with self._lock:
            llama = self._require()
            started = time.perf_counter()
            tokens, stop = self._prompt_tokens(request.messages)
            n_ctx = llama.n_ctx()
            _check_fits(len(tokens), n_ctx)
            reused = min(self._cached_prefix(tokens), len(tokens) - 1)
            stats = GenerationStats(prompt_tokens=len(tokens), reused_prefix_tokens=max(0, reused))
            self._last_stats = stats
            if stopped():
                stats.finish_reason = "cancelled"
                return
            abort = self._arm_abort(stopped) if len(tokens) - reused >= ABORTABLE_PROMPT_TOKENS else None
            chunks = llama.create_completion(
                prompt=tokens,
                max_tokens=request.max_tokens,
                temperature=request.temperature,
                stop=list(stop) + [s for s in request.stop if s not in stop],
                repeat_penalty=self.repeat_penalty,
                stream=True,
            )
            first_at: float | None = None
            finish = ""
            edges, loop_guard = _AnswerEdges(), RepetitionGuard()
            try:
                for chunk in chunks:
                    if first_at is None:
                        first_at = time.perf_counter()
                        if abort is not None:  # the evaluation is over: cancel is checked per token now
                            self._disarm_abort()
                            abort = None
                    if stopped():  # checked before and after handing out a piece
                        finish = "cancelled"
                        break
                    choice = chunk["choices"][0]
                    finish = choice["finish_reason"] or finish
                    piece = edges.feed(choice["text"])
                    if piece is None:
                        continue
                    yield piece
                    if stopped():
                        finish = "cancelled"
                        break
                    if loop_guard.feed(piece):
                        finish = "repetition"  # a small model looping: end the answer here
                        break
            except RuntimeError as exc:
                if not stopped():
                    raise ModelError(f"The model stopped with an error while answering ({exc}).", "Try again.") from None
                finish = "cancelled"  # the abort callback interrupted the prompt evaluation
            finally:
                chunks.close()
                if abort is not None:
                    self._disarm_abort()
                generated = max(0, llama.n_tokens - len(tokens) + 1) if first_at is not None else 0
                _record_timings(stats, started, first_at, generated)
                stats.finish_reason = finish or ("cancelled" if stopped() else "stop")
                stats.extra = {"device": self.device_label, "n_ctx": n_ctx}
                if self._closing.is_set():
                    self._free_locked()

    def draft_confidence(self, messages: Sequence[Message], max_tokens: int = 16) -> float:
        """Mean log-probability of a short greedy draft answer (closer to 0 = more confident).

        Used by the router to judge whether the local model is sure of itself. The draft's
        prompt is the conversation's, so it also warms the KV cache for the real answer.
        """
        import numpy as np

        with self._lock:
            llama = self._require()
            tokens, _ = self._prompt_tokens(messages)
            if len(tokens) + max_tokens >= llama.n_ctx():
                raise ContextOverflowError("The conversation is too long for the model's context window.")
            llama_cpp = self._llama_cpp
            vocab = llama_cpp.llama_model_get_vocab(llama.model)
            n_vocab = llama.n_vocab()
            logprobs: list[float] = []
            gen = llama.generate(tokens, temp=0.0, top_k=1, repeat_penalty=1.0)
            try:
                for token in gen:
                    # The logits that chose ``token`` are still the context's last output here.
                    row = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llama.ctx, -1), shape=(n_vocab,))
                    peak = float(row.max())
                    lse = peak + math.log(float(np.exp(row - peak).sum()))
                    logprobs.append(float(row[token]) - lse)
                    if llama_cpp.llama_vocab_is_eog(vocab, token) or len(logprobs) >= max_tokens:
                        break
            except RuntimeError as exc:
                raise ModelError(f"The model stopped with an error while drafting ({exc}).") from None
            finally:
                gen.close()
            return sum(logprobs) / len(logprobs) if logprobs else 0.0

    def forget_cache(self) -> None:
        """Drop the evaluated prefix so the next prompt is evaluated from scratch (benchmarks)."""
        with self._lock:
            self._require().reset()

    def close(self) -> None:
        """Free the model and its context (native memory).

        Safe from any thread: a generation running elsewhere is stopped at its next token
        (or its prompt evaluation aborted) instead of making the caller wait for the answer.
        """
        self._closing.set()
        # A generator suspended at a yield holds the lock; if its consumer never resumes it,
        # its own ``finally`` frees the model when it is closed or collected (see stream).
        if self._lock.acquire(timeout=2):
            try:
                self._free_locked()
            finally:
                self._lock.release()

    def _free_locked(self) -> None:
        llama, self._llama = self._llama, None
        if llama is not None:
            llama.close()

    # ------------------------------------------------------------------ helpers

    def _require(self):
        if self._llama is None:
            raise ModelError("The model was closed.", "Load it again from Settings.")
        return self._llama

    def _prompt_tokens(self, messages: Sequence[Message]) -> tuple[list[int], tuple[str, ...]]:
        """Format and tokenize once per conversation state.

        The Assistant counts the final prompt's tokens just before streaming it; remembering
        the last result spares the second tokenization (part of the time to first token).
        """
        key = tuple(messages)
        cached = self._last_prompt
        if cached is not None and cached[0] == key:
            return cached[1], cached[2]
        try:
            prompt = self.prompt_format.format(messages)
        except TemplateError as exc:
            raise ModelError(f"The model's chat template could not format this conversation ({exc}).") from None
        text = prompt.text
        # A template that writes the BOS token itself must not get a second one from the tokenizer.
        add_bos = self._add_bos and not (self.info.bos_token and text.startswith(self.info.bos_token))
        tokens = self._require().tokenize(text.encode("utf-8"), add_bos=add_bos, special=True)
        self._last_prompt = (key, tokens, prompt.stop)  # one tuple assignment: safe across threads
        return tokens, prompt.stop

    def _cached_prefix(self, tokens: list[int]) -> int:
        """Length of the common prefix with what llama.cpp evaluated last (reused, not recomputed)."""
        llama = self._llama
        n = min(llama.n_tokens, len(tokens))
        if n == 0:
            return 0
        import numpy as np

        diff = np.nonzero(llama.input_ids[:n] != np.asarray(tokens[:n], dtype=llama.input_ids.dtype))[0]
        return int(diff[0]) if len(diff) else n

    def _arm_abort(self, stopped: Callable[[], bool]):
        """Let Stop interrupt a long prompt evaluation (llama.cpp polls this between graph nodes).

        Armed only for long prompts and only until the first token arrives: the callback is a
        Python call per graph node, cheap next to a long evaluation but not worth paying for a
        short one or per generated token (cancel is checked between tokens instead).
        """
        callback = self._llama_cpp.ggml_abort_callback(lambda _data: stopped())
        self._abort_ref = callback  # the C side holds only a pointer
        self._llama_cpp.llama_set_abort_callback(self._llama.ctx, callback, None)
        return callback

    def _disarm_abort(self) -> None:
        if self._llama is not None:
            self._llama_cpp.llama_set_abort_callback(self._llama.ctx, self._llama_cpp.ggml_abort_callback(), None)
        self._abort_ref = None


def _check_fits(prompt_tokens: int, n_ctx: int) -> None:
    if prompt_tokens >= n_ctx:
        raise ContextOverflowError(
            f"The conversation is too long for the model's context window ({prompt_tokens:,} of {n_ctx:,} tokens).",
            "Start a new conversation, shorten the question, or raise the context size in Settings.",
        )


class _AnswerEdges:
    """Answers neither start nor end with blank space: leading space is dropped, and
    whitespace-only pieces wait until more text follows them."""

    def __init__(self) -> None:
        self._held = ""
        self._started = False

    def feed(self, piece: str) -> str | None:
        """The piece to hand out, or None while there is nothing (yet) to show."""
        if not piece:
            return None
        if piece.isspace():
            self._held += piece
            return None
        if not self._started:
            self._started, self._held = True, ""
            return piece.lstrip()
        piece, self._held = self._held + piece, ""
        return piece


def _record_timings(stats: GenerationStats, started: float, first_at: float | None, generated: int) -> None:
    """Time to first token, total time and decode speed (the first token belongs to the prompt)."""
    ended = time.perf_counter()
    stats.ttft_s = (first_at - started) if first_at is not None else 0.0
    stats.total_s = ended - started
    decode_s = ended - first_at if first_at is not None else 0.0
    if generated > 1 and decode_s > 0:
        stats.tokens_per_s = (generated - 1) / decode_s
    elif generated and stats.total_s > 0:
        stats.tokens_per_s = generated / stats.total_s
    stats.completion_tokens = generated
