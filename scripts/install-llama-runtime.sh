#!/usr/bin/env bash
# Install llama-cpp-python into the given Python, built PORTABLY, never natively.
#
# Why: a build with native CPU flags uses llama.cpp's AMX kernels on Xeons that have them and
# segfaults on the first token (ggml_backend_amx_mul_mat, llama.cpp issue 20824), and it dies with
# an illegal instruction on any CPU older than the build host. pip also reuses a cached wheel
# whatever CMAKE_ARGS say, so we build the wheel ourselves, with pip's cache off, into a folder
# whose name is a hash of the flags, and install from there only.
#
# x86-64: run-time CPU dispatch, as llama.cpp's own release builds do. The CPU code is built once
# per CPU generation (GGML_CPU_ALL_VARIANTS: x64, SSE4.2, AVX, AVX2, AVX-512, AVX-VNNI, ...), each
# a library loaded at run time (GGML_BACKEND_DL); desktop_app/llm/llama_runtime.py loads the best
# one this CPU can run. The AMX variant (sapphirerapids) is deleted after install: those kernels
# are the ones that crash. Apple silicon and other arm64 machines use llama.cpp's NEON defaults.
# Usage: scripts/install-llama-runtime.sh PATH/TO/python
set -euo pipefail
PY=${1:?usage: install-llama-runtime.sh PYTHON}
cd "$(dirname "$0")/.."
VERSION=$(sed -n 's/^llama-cpp-python==\([0-9.]*\).*/\1/p' constraints.txt)
[ -n "$VERSION" ] || { echo "constraints.txt must pin llama-cpp-python" >&2; exit 2; }

case "$(uname -m)" in
  x86_64|amd64)
    FLAGS="-DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON -DGGML_OPENMP=OFF -DLLAMA_CURL=OFF" ;;
  *)
    FLAGS="-DGGML_NATIVE=OFF -DGGML_OPENMP=OFF -DLLAMA_CURL=OFF" ;;
esac
# Extra flags (e.g. -DGGML_CUDA=ON for a GPU build) are added by the caller, and hashed too.
FLAGS="$FLAGS ${SLM_LLAMA_EXTRA_CMAKE_ARGS:-}"
TAG=$(printf '%s %s %s' "$VERSION" "$(uname -m)" "$FLAGS" | sha256sum | cut -c1-12)
WHEELS=".build/wheels/llama-$TAG"

installed_tag=$("$PY" - <<'PY' 2>/dev/null || true
import importlib.metadata as md, pathlib
try:
    d = md.distribution("llama-cpp-python")
    p = pathlib.Path(d.locate_file("llama_cpp/.slm_build_tag"))
    print(p.read_text().strip())
except Exception:
    pass
PY
)
if [ "$installed_tag" = "$TAG" ]; then
  exit 0
fi

if ! ls "$WHEELS"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  echo "Building llama-cpp-python $VERSION portably (about 8 minutes on 2 cores, once)…" >&2
  mkdir -p "$WHEELS"
  CMAKE_ARGS="$FLAGS" FORCE_CMAKE=1 "$PY" -m pip wheel -q --no-cache-dir --no-deps \
    --no-binary llama-cpp-python -w "$WHEELS.tmp" "llama-cpp-python==$VERSION"
  mv "$WHEELS.tmp"/llama_cpp_python-*.whl "$WHEELS"/ && rm -rf "$WHEELS.tmp"
fi
"$PY" -m pip install -q --no-cache-dir --force-reinstall --no-deps "$WHEELS"/llama_cpp_python-*.whl
# Its pure-Python dependencies, from the registry as usual.
"$PY" -m pip install -q -c constraints.txt "typing-extensions>=4.5" "numpy>=1.20" "diskcache>=5.6.1" "jinja2>=2.11.3"

# The backend libraries (CPU variants, a GPU backend) go beside libllama, where llama_runtime.py
# looks and the installers' PyInstaller hook collects them; the AMX variant is removed.
"$PY" - <<'PY'
import pathlib, shutil
import importlib.metadata as md
from desktop_app.llm.llama_runtime import AMX_VARIANTS
dist = md.distribution("llama-cpp-python")
lib = pathlib.Path(dist.locate_file("llama_cpp")) / "lib"
for entry in dist.files or []:
    path = pathlib.Path(dist.locate_file(entry))
    library = path.suffix in (".so", ".dll", ".dylib")
    if library and path.name.startswith(("libggml-", "ggml-")) and path.parent != lib and path.is_file():
        shutil.move(str(path), lib / path.name)
for path in lib.glob("*ggml-cpu-*"):
    if any(name in path.name for name in AMX_VARIANTS):
        path.unlink()
PY
# Refuse a runtime that would crash here or elsewhere (llama_runtime.portability_problem).
"$PY" - "$TAG" <<'PY'
import pathlib, sys
import llama_cpp
from desktop_app.llm.llama_runtime import portability_problem
problem = portability_problem()
if problem:
    sys.exit(problem)
pathlib.Path(llama_cpp.__file__).with_name(".slm_build_tag").write_text(sys.argv[1] + "\n")
print("llama.cpp runtime:", llama_cpp.llama_print_system_info().decode(errors="replace").strip(), file=sys.stderr)
PY
