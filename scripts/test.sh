#!/usr/bin/env bash
# The single test command: browser, Python dependencies, then the whole suite on 2 workers.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
    # Playwright cannot download its own browser here: use Debian's chromium package.
    SUDO=""
    if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium
fi

PY="$(command -v python || command -v python3)"
# A Debian system Python refuses plain pip installs (PEP 668); CI machines are throwaway.
"$PY" -m pip install -r requirements-test.txt \
    || "$PY" -m pip install --break-system-packages -r requirements-test.txt
"$PY" -m pytest -n 2 "$@"
