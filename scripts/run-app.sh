#!/usr/bin/env bash
# Set up SLM Assistant in .venv (first run builds llama.cpp: ~7 minutes) and open the window.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# llama-cpp-python first, built portably (see the script: native builds crash on AMX CPUs).
bash scripts/install-llama-runtime.sh .venv/bin/python
.venv/bin/python -m pip install -q -c constraints.txt -e .
exec .venv/bin/slm-assistant "$@"
