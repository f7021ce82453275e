"""Read a GGUF file's header metadata without loading the model (pure Python, no llama.cpp).

Only the header is parsed: magic, version, the key/value metadata and the tensor table (to
catch a file that was cut short). Large arrays (the tokenizer's 100k+ token strings) are
skipped, not decoded, so reading a 2 GB model's header takes milliseconds.
"""

from __future__ import annotations

import mmap
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.errors import ModelError

GGUF_MAGIC = b"GGUF"
MAX_KV = 1_000_000  # a sanity bound: real models have a few dozen keys
DEFAULT_ALIGNMENT = 32

# llama.cpp's `enum llama_ftype` (general.file_type) -> the names users know from file names.
FILE_TYPES: dict[int, str] = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
    10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M",
    16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S",
    22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M",
    28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0",
    37: "TQ2_0", 38: "MXFP4_MOE",
}

# ggml tensor type -> (elements per block, bytes per block); used only to find where the
# tensor data must end. Types missing here are skipped by that check (never a false alarm).
_TENSOR_BLOCKS: dict[int, tuple[int, int]] = {
    0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34),
    9: (32, 36), 10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176),
    14: (256, 210), 15: (256, 292), 16: (256, 66), 17: (256, 74), 18: (256, 98),
    19: (256, 50), 20: (32, 18), 21: (256, 110), 22: (256, 82), 23: (256, 136),
    24: (1, 1), 25: (1, 2), 26: (1, 4), 27: (1, 8), 28: (1, 8), 29: (256, 56), 30: (1, 2),
    34: (256, 54), 35: (256, 66), 39: (32, 17),
}

# GGUF value types: id -> struct format of a scalar (8 = string, 9 = array handled apart).
_SCALARS: dict[int, str] = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9

# Arrays kept in full are only those small enough to matter; token lists are skipped.
_KEEP_ARRAYS_UP_TO = 64


@dataclass(frozen=True)
class GgufInfo:
    """What the header says about a model; enough to pick a prompt format and describe it."""

    path: Path
    size_bytes: int
    version: int
    name: str
    architecture: str
    context_length: int
    file_type: int | None
    quantization: str
    chat_template: str | None
    bos_token_id: int | None
    eos_token_id: int | None
    bos_token: str
    eos_token: str
    add_bos_token: bool
    tensor_count: int
    metadata: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def has_chat_template(self) -> bool:
        return bool(self.chat_template and self.chat_template.strip())


class _Truncated(Exception):
    """The header ends before the parser expected it to."""


class _Reader:
    """Bounds-checked little-endian reads from a memory map."""

    def __init__(self, buf: mmap.mmap) -> None:
        self.buf = buf
        self.pos = 0
        self.size = len(buf)

    def take(self, n: int) -> int:
        start = self.pos
        if n < 0 or start + n > self.size:
            raise _Truncated
        self.pos = start + n
        return start

    def scalar(self, fmt: str) -> Any:
        size = struct.calcsize("<" + fmt)
        return struct.unpack_from("<" + fmt, self.buf, self.take(size))[0]

    def string(self) -> str:
        n = self.scalar("Q")
        start = self.take(n)
        return bytes(self.buf[start:start + n]).decode("utf-8", errors="replace")

    def skip_string(self) -> None:
        self.take(self.scalar("Q"))


def read_gguf_info(path: str | os.PathLike[str], check_data: bool = True) -> GgufInfo:
    """Parse the GGUF header of ``path``.

    Args:
        path: the model file.
        check_data: also check that the file is long enough to hold every tensor the header
            lists (catches a download or copy that was cut short).

    Raises:
        ModelError: missing file, empty file, not a GGUF, unsupported GGUF version, or a
            truncated file, each in plain language.
    """
    p = Path(path)
    shown = p.name or str(p)
    try:
        size = p.stat().st_size
        if not p.is_file():
            raise ModelError(f"'{shown}' is not a model file.", "Choose a .gguf file.")
    except FileNotFoundError:
        raise ModelError(f"The model file '{p}' does not exist.", "Check the path or choose another model in Settings.") from None
    except OSError as exc:
        raise ModelError(f"The model file '{shown}' cannot be read: {exc.strerror or exc}.") from None
    if size == 0:
        raise ModelError(f"The model file '{shown}' is empty (0 bytes).", "Copy or download the model again.")
    try:
        with open(p, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            return _parse(p, size, buf, check_data)
    except _Truncated:
        raise ModelError(
            f"The model file '{shown}' is incomplete: it ends in the middle of its header.",
            "Copy or download the model again.",
        ) from None
    except OSError as exc:
        raise ModelError(f"The model file '{shown}' cannot be read: {exc.strerror or exc}.") from None


def _parse(path: Path, size: int, buf: mmap.mmap, check_data: bool) -> GgufInfo:
    shown = path.name
    r = _Reader(buf)
    if size < 4 or bytes(buf[:4]) != GGUF_MAGIC:
        raise ModelError(
            f"'{shown}' is not a GGUF model file.",
            "SLM Assistant runs models in the GGUF format (files ending in .gguf).",
        )
    r.take(4)
    version = r.scalar("I")
    if version > 0xFFFF:
        raise ModelError(f"'{shown}' is a big-endian GGUF file, which this computer cannot run.")
    if version == 1:
        raise ModelError(f"'{shown}' uses the old GGUF version 1, which is no longer supported.", "Download a newer conversion of the model.")
    if version not in (2, 3):
        raise ModelError(f"'{shown}' uses GGUF version {version}, which this version of SLM Assistant does not know.")
    tensor_count = r.scalar("Q")
    kv_count = r.scalar("Q")
    if kv_count > MAX_KV or tensor_count > size:
        raise ModelError(f"The header of '{shown}' is damaged.", "Copy or download the model again.")

    meta: dict[str, Any] = {}
    token_table_at: int | None = None
    for _ in range(kv_count):
        key = r.string()
        vtype = r.scalar("I")
        if key == "tokenizer.ggml.tokens" and vtype == _ARRAY:
            token_table_at = r.pos
        meta[key] = _value(r, vtype, shown)

    data_end = _tensor_data_end(r, tensor_count, meta) if check_data else None
    if data_end is not None and data_end > size:
        raise ModelError(
            f"The model file '{shown}' is incomplete: it is {size:,} bytes but should be at least {data_end:,}.",
            "Copy or download the model again.",
        )

    arch = str(meta.get("general.architecture", "") or "")
    bos = _int_or_none(meta.get("tokenizer.ggml.bos_token_id"))
    eos = _int_or_none(meta.get("tokenizer.ggml.eos_token_id"))
    bos_text, eos_text = _token_texts(buf, token_table_at, bos, eos)
    file_type = _int_or_none(meta.get("general.file_type"))
    template = meta.get("tokenizer.chat_template")
    return GgufInfo(
        path=path,
        size_bytes=size,
        version=version,
        name=str(meta.get("general.name") or path.stem),
        architecture=arch,
        context_length=int(_int_or_none(meta.get(f"{arch}.context_length")) or 0),
        file_type=file_type,
        quantization=FILE_TYPES.get(file_type, f"type {file_type}") if file_type is not None else "unknown",
        chat_template=template if isinstance(template, str) else None,
        bos_token_id=bos,
        eos_token_id=eos,
        bos_token=bos_text,
        eos_token=eos_text,
        add_bos_token=bool(meta.get("tokenizer.ggml.add_bos_token", True)),
        tensor_count=tensor_count,
        metadata=meta,
    )


def _value(r: _Reader, vtype: int, shown: str) -> Any:
    if vtype in _SCALARS:
        return r.scalar(_SCALARS[vtype])
    if vtype == _STRING:
        return r.string()
    if vtype == _ARRAY:
        item_type = r.scalar("I")
        count = r.scalar("Q")
        if count > r.size:
            raise _Truncated
        if item_type in _SCALARS:
            width = struct.calcsize("<" + _SCALARS[item_type])
            start = r.take(width * count)
            if count > _KEEP_ARRAYS_UP_TO:
                return _SkippedArray(count)
            return list(struct.unpack_from(f"<{count}{_SCALARS[item_type]}", r.buf, start))
        if item_type == _STRING:
            if count > _KEEP_ARRAYS_UP_TO:
                for _ in range(count):
                    r.skip_string()
                return _SkippedArray(count)
            return [r.string() for _ in range(count)]
        if item_type == _ARRAY:
            return [_value(r, _ARRAY, shown) for _ in range(count)]
    raise ModelError(f"The header of '{shown}' is damaged (unknown value type {vtype}).", "Copy or download the model again.")


class _SkippedArray(list):
    """Stands in for a large array that was skipped; remembers its length."""

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def __repr__(self) -> str:
        return f"<array of {self.count} items>"


def _tensor_data_end(r: _Reader, tensor_count: int, meta: dict[str, Any]) -> int | None:
    """Where the last tensor's data ends, per the header (None if a type is unknown)."""
    last_offset, last_size = 0, 0
    for _ in range(tensor_count):
        r.skip_string()
        n_dims = r.scalar("I")
        if n_dims > 8:
            raise _Truncated
        elements = 1
        for _ in range(n_dims):
            elements *= r.scalar("Q")
        ttype = r.scalar("I")
        offset = r.scalar("Q")
        if offset >= last_offset:
            block = _TENSOR_BLOCKS.get(ttype)
            last_offset, last_size = offset, (elements // block[0] * block[1] if block else 0)
    alignment = int(meta.get("general.alignment", DEFAULT_ALIGNMENT) or DEFAULT_ALIGNMENT)
    data_start = -(-r.pos // alignment) * alignment
    return data_start + last_offset + last_size


def _token_texts(buf: mmap.mmap, table_at: int | None, *ids: int | None) -> tuple[str, ...]:
    """Look up the text of a few token ids in the (skipped) token table."""
    wanted = {i for i in ids if i is not None and i >= 0}
    found: dict[int, str] = {}
    if table_at is not None and wanted:
        r = _Reader(buf)
        r.pos = table_at
        try:
            if r.scalar("I") == _STRING:
                count = r.scalar("Q")
                for index in range(min(count, max(wanted) + 1)):
                    if index in wanted:
                        found[index] = r.string()
                    else:
                        r.skip_string()
        except _Truncated:
            pass
    return tuple(found.get(i, "") if i is not None else "" for i in ids)


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
