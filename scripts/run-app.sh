#!/usr/bin/env bash
# Set up SLM Assistant in .venv (first run builds llama.cpp: ~7 minutes) and open the window.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -c constraints.txt -e .
exec .venv/bin/slm-assistant "$@"
