"""Recommended instruct models the user may download (only when they ask; never automatically).

Sizes are the approximate file sizes Hugging Face lists for these files. Their sha256 is not
pinned here (the publishers can re-upload), so ``sha256`` is None: the download is then checked
as a valid GGUF and its sha256 is shown to the user instead; pass ``--sha256`` to enforce one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CatalogueEntry:
    """One downloadable model."""

    name: str  # short name used by `models download NAME`
    title: str
    url: str
    file_name: str
    approx_size_bytes: int
    license: str
    sha256: str | None = None
    description: str = ""

    @property
    def approx_size_label(self) -> str:
        return f"about {self.approx_size_bytes / 1e9:.1f} GB"


CATALOGUE: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        name="qwen2.5-3b-instruct",
        title="Qwen2.5 3B Instruct (Q4_K_M)",
        url="https://huggingface.co/bartowski/Qwen2.5-3B-Instruct-GGUF/resolve/main/Qwen2.5-3B-Instruct-Q4_K_M.gguf",
        file_name="Qwen2.5-3B-Instruct-Q4_K_M.gguf",
        approx_size_bytes=1_930_000_000,
        license="Qwen Research License",
        description="Strong general assistant; good at summaries and structured answers.",
    ),
    CatalogueEntry(
        name="llama-3.2-3b-instruct",
        title="Llama 3.2 3B Instruct (Q4_K_M)",
        url="https://huggingface.co/bartowski/Llama-3.2-3B-Instruct-GGUF/resolve/main/Llama-3.2-3B-Instruct-Q4_K_M.gguf",
        file_name="Llama-3.2-3B-Instruct-Q4_K_M.gguf",
        approx_size_bytes=2_020_000_000,
        license="Llama 3.2 Community License",
        description="Meta's small multilingual assistant model.",
    ),
    CatalogueEntry(
        name="phi-3.5-mini-instruct",
        title="Phi-3.5 mini Instruct (Q4_K_M)",
        url="https://huggingface.co/bartowski/Phi-3.5-mini-instruct-GGUF/resolve/main/Phi-3.5-mini-instruct-Q4_K_M.gguf",
        file_name="Phi-3.5-mini-instruct-Q4_K_M.gguf",
        approx_size_bytes=2_390_000_000,
        license="MIT",
        description="Microsoft's 3.8B model; good reasoning for its size, 128k context.",
    ),
)


def find_entry(name: str) -> CatalogueEntry | None:
    """The entry called ``name`` (case-insensitive), or None."""
    wanted = name.strip().lower()
    return next((e for e in CATALOGUE if e.name == wanted or e.file_name.lower() == wanted), None)
