"""GGUF header parsing on synthetic files: metadata, quantization names, every kind of bad file."""

from __future__ import annotations

import struct

import pytest

from desktop_app.core.errors import ModelError
from desktop_app.llm.gguf_info import read_gguf_info
from tests.model_fixtures import gguf_bytes, write_gguf


def test_reads_name_architecture_context_quantization_and_tokens(tmp_path):
    path = write_gguf(tmp_path / "m.gguf", architecture="qwen2", name="Qwen Tiny", context_length=32768, file_type=15)
    info = read_gguf_info(path)
    assert (info.name, info.architecture, info.context_length) == ("Qwen Tiny", "qwen2", 32768)
    assert info.quantization == "Q4_K_M"
    assert info.version == 3
    assert info.has_chat_template is False and info.chat_template is None
    assert (info.bos_token_id, info.eos_token_id) == (1, 2)
    assert (info.bos_token, info.eos_token) == ("<s>", "</s>")
    assert info.size_bytes == path.stat().st_size


def test_chat_template_text_is_returned(tmp_path):
    template = "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}"
    info = read_gguf_info(write_gguf(tmp_path / "chat.gguf", chat_template=template))
    assert info.has_chat_template and info.chat_template == template


@pytest.mark.parametrize(
    "file_type, name",
    [(0, "F32"), (1, "F16"), (2, "Q4_0"), (7, "Q8_0"), (14, "Q4_K_S"), (15, "Q4_K_M"), (17, "Q5_K_M"), (18, "Q6_K"), (32, "BF16"), (999, "type 999"), (None, "unknown")],
)
def test_quantization_names(tmp_path, file_type, name):
    assert read_gguf_info(write_gguf(tmp_path / "q.gguf", file_type=file_type)).quantization == name


def test_large_token_table_is_skipped_but_special_tokens_found(tmp_path):
    tokens = ["<pad>", "<bos>", "<eos>"] + [f"tok{i}" for i in range(5000)]
    info = read_gguf_info(write_gguf(tmp_path / "big.gguf", tokens=tokens))
    assert info.bos_token == "<bos>" and info.eos_token == "<eos>"
    assert getattr(info.metadata["tokenizer.ggml.tokens"], "count") == len(tokens)


def test_version_2_is_accepted(tmp_path):
    (tmp_path / "v2.gguf").write_bytes(gguf_bytes({"general.architecture": "llama", "llama.context_length": 512}, version=2))
    assert read_gguf_info(tmp_path / "v2.gguf").context_length == 512


def test_tensor_data_extent_is_checked(tmp_path):
    full = gguf_bytes({"general.architecture": "llama"}, tensors=[("a", 16, 0), ("b", 16, 64)])
    (tmp_path / "ok.gguf").write_bytes(full)
    assert read_gguf_info(tmp_path / "ok.gguf").tensor_count == 2
    (tmp_path / "cut.gguf").write_bytes(full[:-10])
    with pytest.raises(ModelError, match="incomplete"):
        read_gguf_info(tmp_path / "cut.gguf")


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "empty"),
        (b"PK\x03\x04 this is a zip file", "not a GGUF"),
        (b"GGU", "not a GGUF"),
        (b"GGUF" + struct.pack("<I", 1) + b"\0" * 16, "version 1"),
        (b"GGUF" + struct.pack("<I", 7) + b"\0" * 16, "version 7"),
        (b"GGUF" + struct.pack(">I", 3) + b"\0" * 16, "big-endian"),
        (b"GGUF" + struct.pack("<I", 3), "incomplete"),
    ],
    ids=["zero-bytes", "zip", "short-magic", "v1", "future-version", "big-endian", "header-cut"],
)
def test_bad_files_give_plain_model_errors(tmp_path, content, expected):
    path = tmp_path / "bad.gguf"
    path.write_bytes(content)
    with pytest.raises(ModelError, match=expected) as err:
        read_gguf_info(path)
    assert "Traceback" not in str(err.value)


def test_metadata_cut_in_the_middle_is_incomplete(tmp_path):
    full = gguf_bytes({"general.architecture": "llama", "general.name": "x" * 200})
    path = tmp_path / "cut.gguf"
    path.write_bytes(full[:60])
    with pytest.raises(ModelError, match="incomplete"):
        read_gguf_info(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        read_gguf_info(tmp_path / "nope.gguf")
    with pytest.raises(ModelError, match="not a model file"):
        read_gguf_info(tmp_path)
