#!/usr/bin/env bash
# Build the PyInstaller one-folder bundle: dist/slm-assistant/ (dist/SLM Assistant.app on macOS).
# Usage: bash installers/build-bundle.sh        (PYTHON=... to use another interpreter)
# Prints the bundle's path on the last line.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
if ! "$PYTHON" -c "import PyInstaller" 2>/dev/null; then
  echo "PyInstaller is missing: $PYTHON -m pip install -c constraints.txt -e '.[packaging]'" >&2
  exit 1
fi

# The bundle must be CPU-only: refuse a CUDA build of torch before spending minutes on analysis.
if "$PYTHON" -c "import sys, torch; sys.exit(0 if torch.version.cuda else 1)" 2>/dev/null \
   && [ "${SLM_BUNDLE_ALLOW_CUDA:-0}" != 1 ]; then
  echo "This environment has a CUDA build of torch; install the CPU one (pip install -c constraints.txt torch)." >&2
  exit 1
fi

# The bundle must run on every x86-64 CPU: refuse a llama.cpp runtime built natively (AMX kernels
# crash, AVX-512 dies on older CPUs) or holding the AMX variant. scripts/install-llama-runtime.sh
# builds the portable one (run-time CPU dispatch); llama_runtime.portability_problem says why not.
if ! "$PYTHON" - <<'PY'
import sys
from desktop_app.llm.llama_runtime import portability_problem
problem = portability_problem()
sys.exit(f"{problem}; run scripts/install-llama-runtime.sh" if problem else 0)
PY
then
  exit 1
fi

export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False QT_QPA_PLATFORM=offscreen
"$PYTHON" -m PyInstaller --noconfirm --log-level "${PYI_LOG_LEVEL:-WARN}" \
  --distpath dist --workpath build/pyinstaller installers/slm_assistant.spec

case "$(uname -s)" in
  Darwin) bundle="dist/SLM Assistant.app" ;;
  *) bundle="dist/slm-assistant" ;;
esac
[ -e "$bundle" ] || { echo "PyInstaller did not produce $bundle" >&2; exit 1; }
echo "Bundle size: $(du -sh "$bundle" | cut -f1)" >&2
echo "$(pwd)/$bundle"
