#!/usr/bin/env bash
# Install llama-cpp-python into the given Python, built PORTABLY, never natively.
#
# Why: a build with native CPU flags uses llama.cpp's AMX kernels on Xeons that have them and
# segfaults on the first token (ggml_backend_amx_mul_mat, llama.cpp issue 20824), and it dies with
# an illegal instruction on any CPU older than the build host. pip also reuses a cached wheel
# whatever CMAKE_ARGS say, so we build the wheel ourselves, with pip's cache off, into a folder
# whose name is a hash of the flags, and install from there only.
#
# Baseline: x86-64 with AVX2/FMA/F16C (every Intel CPU since 2013, AMD since 2015); AVX-512 and
# AMX off. Apple silicon and other arm64 machines use llama.cpp's NEON defaults (no x86 flags).
# Usage: scripts/install-llama-runtime.sh PATH/TO/python
set -euo pipefail
PY=${1:?usage: install-llama-runtime.sh PYTHON}
cd "$(dirname "$0")/.."
VERSION=$(sed -n 's/^llama-cpp-python==\([0-9.]*\).*/\1/p' constraints.txt)
[ -n "$VERSION" ] || { echo "constraints.txt must pin llama-cpp-python" >&2; exit 2; }

case "$(uname -m)" in
  x86_64|amd64)
    FLAGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
-DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF \
-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DGGML_OPENMP=OFF -DLLAMA_CURL=OFF" ;;
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
  echo "Building llama-cpp-python $VERSION portably (about 7 minutes on 2 cores, once)…" >&2
  mkdir -p "$WHEELS"
  CMAKE_ARGS="$FLAGS" FORCE_CMAKE=1 "$PY" -m pip wheel -q --no-cache-dir --no-deps \
    --no-binary llama-cpp-python -w "$WHEELS.tmp" "llama-cpp-python==$VERSION"
  mv "$WHEELS.tmp"/llama_cpp_python-*.whl "$WHEELS"/ && rm -rf "$WHEELS.tmp"
fi
"$PY" -m pip install -q --no-cache-dir --force-reinstall --no-deps "$WHEELS"/llama_cpp_python-*.whl
# Its pure-Python dependencies, from the registry as usual.
"$PY" -m pip install -q -c constraints.txt "typing-extensions>=4.5" "numpy>=1.20" "diskcache>=5.6.1" "jinja2>=2.11.3"

# Refuse a runtime that would crash here or elsewhere: no AMX, no AVX-512 compiled in.
"$PY" - "$TAG" <<'PY'
import pathlib, re, sys
import llama_cpp
info = llama_cpp.llama_print_system_info().decode(errors="replace")
bad = [m for m in re.findall(r"(AMX\w*|AVX512\w*) = 1", info)]
if bad:
    sys.exit(f"llama-cpp-python was built with {', '.join(bad)}: not portable ({info})")
pathlib.Path(llama_cpp.__file__).with_name(".slm_build_tag").write_text(sys.argv[1] + "\n")
print("llama.cpp runtime:", info.strip(), file=sys.stderr)
PY
