#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then run the whole suite.
# System packages (Qt runtime libraries, installer tools) are installed when run as root
# with apt-get; the Python environment is a virtualenv in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  # Qt's X11 runtime (the list run-app.sh uses), xvfb for tests in a real X window, installer tools.
  pkgs="$(grep -v -e '^#' -e '^$' scripts/qt-runtime-packages.txt | xargs) fonts-dejavu-core xvfb xauth
        wixl msitools osslsigncode shellcheck desktop-file-utils lintian binutils"
  missing=$(for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
  if [ -n "$missing" ]; then
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# llama-cpp-python first, built portably (see the script: native builds crash on AMX CPUs).
bash scripts/install-llama-runtime.sh .venv/bin/python
# constraints.txt pins the CPU build of torch and the llama-cpp-python version built above.
.venv/bin/python -m pip install -q -c constraints.txt -e ".[test,packaging]"

.venv/bin/lint-imports
export QT_QPA_PLATFORM=offscreen HF_HUB_OFFLINE=1
exec .venv/bin/python -m pytest "$@"
